"""A checker for JSON-LD against the schema.org vocabulary (tests/data/standards/schemaorg-all-https.jsonld).

It knows every class and property of schema.org with their `domainIncludes` and `rangeIncludes`,
and reports, for one JSON-LD document: unknown or superseded types and properties, properties used
on a type outside their domain, nested nodes of a type outside the property's range, and literals
(text, numbers, booleans) where the property expects none of those.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY = Path(__file__).parent / "data" / "standards" / "schemaorg-all-https.jsonld"
_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_KEYWORDS = {"@id", "@type"}


def _ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value] if value else []
    return [v["@id"].removeprefix("schema:") for v in values if isinstance(v, dict)]


class Vocabulary:
    def __init__(self, path: Path = VOCABULARY) -> None:
        self.parents: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.ranges: dict[str, set[str]] = {}
        self.superseded: set[str] = set()
        for node in json.loads(path.read_text(encoding="utf-8"))["@graph"]:
            name = node["@id"].removeprefix("schema:")
            kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            if "rdfs:Class" in kinds or "schema:DataType" in kinds:
                self.parents[name] = set(_ids(node.get("rdfs:subClassOf"))) | (
                    {"DataType"} if "schema:DataType" in kinds else set())
            if "rdf:Property" in kinds:
                self.domains[name] = set(_ids(node.get("schema:domainIncludes")))
                self.ranges[name] = set(_ids(node.get("schema:rangeIncludes")))
            if node.get("schema:supersededBy"):
                self.superseded.add(name)

    @cache
    def ancestors(self, name: str) -> frozenset[str]:
        found = {name}
        for parent in self.parents.get(name, ()):
            found |= self.ancestors(parent)
        return frozenset(found)

    def problems(self, document: dict) -> list[str]:
        """Everything in `document` (one page's JSON-LD) that is not schema.org as the vocabulary defines it."""
        found: list[str] = []
        if document.get("@context") != "https://schema.org":
            found.append(f"@context is {document.get('@context')!r}, not 'https://schema.org'")
        nodes = document.get("@graph", [document])
        for index, node in enumerate(nodes):
            self._node({k: v for k, v in node.items() if k != "@context"}, f"@graph[{index}]", found)
        return found

    def _node(self, node: dict, where: str, found: list[str]) -> set[str]:
        """Check a node; the set of its types and their ancestors."""
        types = node.get("@type")
        type_names = types if isinstance(types, list) else [types] if types else []
        lineage: set[str] = set()
        for name in type_names:
            if name not in self.parents or "DataType" in self.ancestors(name):
                found.append(f"{where}: @type {name!r} is not a schema.org type")
            elif name in self.superseded:
                found.append(f"{where}: @type {name!r} is superseded")
            lineage |= self.ancestors(name)
        if not type_names and set(node) - _KEYWORDS:
            found.append(f"{where}: a node with properties but no @type")
        for key, value in node.items():
            if key in _KEYWORDS:
                continue
            if key not in self.domains:
                found.append(f"{where}: {key!r} is not a schema.org property")
                continue
            if key in self.superseded:
                found.append(f"{where}: {key!r} is superseded")
            if lineage and not lineage & self.domains[key]:
                found.append(f"{where}: {key!r} is not a property of {'/'.join(type_names)}")
            for position, item in enumerate(value if isinstance(value, list) else [value]):
                self._value(key, item, f"{where}.{key}" + (f"[{position}]" if isinstance(value, list) else ""), found)
        return lineage

    def _value(self, key: str, value: Any, where: str, found: list[str]) -> None:
        allowed = self.ranges[key]
        if isinstance(value, dict):
            lineage = self._node(value, where, found)
            if lineage and not lineage & allowed:
                found.append(f"{where}: a {value.get('@type')} where {key!r} expects {'/'.join(sorted(allowed))}")
            return
        if isinstance(value, bool):
            ok = "Boolean" in allowed
        elif isinstance(value, int):
            ok = bool(allowed & {"Integer", "Number", "Text"})
        elif isinstance(value, float):
            ok = bool(allowed & {"Number", "Float"})
        elif isinstance(value, str):
            ok = self._text_fits(value, allowed)
        else:
            ok = False
        if not ok:
            found.append(f"{where}: {value!r} does not fit {key!r}, which expects {'/'.join(sorted(allowed))}")

    def _text_fits(self, value: str, allowed: set[str]) -> bool:
        if "Duration" in allowed and _ISO_DURATION.match(value):
            return True
        if allowed & {"Date", "DateTime"}:
            try:
                (datetime if "DateTime" in allowed else date).fromisoformat(value)
                return True
            except ValueError:
                pass
        if "Text" in allowed:
            return True
        # A URL where a URL or a node is expected (a URL names a node, as an @id would).
        return ("URL" in allowed or not allowed & {"Duration", "Date", "DateTime"}) and value.startswith(("https://", "http://"))
