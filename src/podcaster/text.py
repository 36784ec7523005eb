"""The characters a feed, a page and an audio tag cannot hold, and text without them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

# Control characters (which HTML forbids, and XML, but for tab and line ends, mostly too), lone
# surrogates and non-characters: what a paste from a word processor or a terminal brings along.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Each string in `value` (a dataclass, a tuple, a string, nested), with where it is: "persons[2].name"."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for position, item in enumerate(value, 1):
            yield from texts(item, f"{path}[{position}]")
    else:
        for name in _field_names(type(value)):
            yield from texts(getattr(value, name), f"{path}.{name}" if path else name)


def has_control_characters(value: Any) -> bool:
    """Whether a string in `value` (as `texts` walks it) holds one of CONTROL_CHARACTERS: one search
    of its strings joined, gathered without their paths, which a build does twice for each of ten
    thousand episodes (walking them with `texts` took 1.5 s)."""
    strings: list[str] = []
    _gather_strings(value, strings)
    return CONTROL_CHARACTERS.search("\n".join(strings)) is not None  # a line end is none of them


def _gather_strings(value: Any, strings: list[str]) -> None:
    if isinstance(value, str):
        strings.append(value)
    elif isinstance(value, tuple):
        for item in value:
            _gather_strings(item, strings)
    else:
        for name in _field_names(type(value)):
            _gather_strings(getattr(value, name), strings)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a dataclass, none for any other type."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = (tuple(field.name for field in dataclasses.fields(kind))
                                      if dataclasses.is_dataclass(kind) else ())
    return names


def without_control_characters(value: Any) -> Any:
    """`value` (as `texts` walks it) with every string cleared of CONTROL_CHARACTERS; `value` itself
    when it holds none, as nearly every show and episode does."""
    if not has_control_characters(value):
        return value
    return _cleared(value)


def _cleared(value: Any) -> Any:
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: _cleared(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    if isinstance(value, tuple):
        return tuple(_cleared(item) for item in value)
    return value
