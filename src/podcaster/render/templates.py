"""The jinja2 environment: the show's own templates first, the defaults behind them. The only jinja2 importer.

As in Pelican, a show's template can extend the default of the same name through the `!default/`
prefix (`{% extends "!default/episode.html" %}`) instead of copying it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from podcaster.cache import LASTING, BuildCache, digest as cache_digest
from podcaster.errors import PodcasterError, RenderError

DEFAULT_PREFIX = "!default"
_PACKAGE = Path(__file__).resolve().parent.parent  # podcaster's own code


def default_templates_dir() -> Path:
    # Installed from a wheel, the templates ship inside the package; in a source checkout
    # (or an editable install) they are the repository's top-level templates/ folder.
    packaged = _PACKAGE / "templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent.parent / "templates"


def _normalized(path: Path) -> Path:
    return Path(os.path.normpath(os.path.abspath(path)))


class Templates:
    def __init__(self, show_templates_dir: Path, cache: BuildCache | None = None) -> None:
        default_loader = jinja2.FileSystemLoader(default_templates_dir())
        loaders: list[jinja2.BaseLoader] = []
        self._folders = [default_templates_dir()]
        # Absolute and without `..`, as jinja2 names the files it loads from it, so an error is traced
        # to its file (see `_template_line`); links are not followed, as the producer made them.
        show_templates_dir = _normalized(show_templates_dir)
        if show_templates_dir.is_dir() and show_templates_dir.resolve() != default_templates_dir():
            loaders.append(jinja2.FileSystemLoader(show_templates_dir))
            self._folders.append(show_templates_dir)
        loaders += [jinja2.PrefixLoader({DEFAULT_PREFIX: default_loader}, delimiter="/"), default_loader]
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            # Block tags take no room in the output, so pages keep the templates' indentation.
            trim_blocks=True,
            lstrip_blocks=True,
            # Each build makes its own environment, so a template is never stale in it, and looking
            # at its file before every page took 0.2 s of a first build of 10,000 episodes.
            auto_reload=False,
            bytecode_cache=_CompiledInCache(cache) if cache is not None else None,
        )

    def digest(self) -> str:
        """What the templates say, all of them: a page rendered from other templates is made again."""
        digest = hashlib.sha256()
        for folder in self._folders:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes() + b"\0")
        return digest.hexdigest()

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.environment.get_template(name).render(**context)
        except jinja2.TemplateNotFound as e:
            raise RenderError(f"template {e.name!r} not found in the show's templates or the defaults") from e
        except jinja2.TemplateSyntaxError as e:
            raise RenderError(f"{e.filename or e.name}: line {e.lineno}: {e.message}; fix the template") from e
        except PodcasterError:  # said by podcaster's own code, which a template called: as it is
            raise
        except Exception as e:
            # A show's own template can name what is not there, misuse a filter, divide by zero:
            # named by the template line that failed (which may be in a macro or a parent).
            where = self._template_line(e)
            if where is None:  # raised by podcaster's own code, or by none a template ran: a bug, with its traceback
                raise
            fix = "check the variable's name" if isinstance(e, jinja2.UndefinedError) else "fix the template"
            problem = e.message if isinstance(e, jinja2.TemplateError) and e.message else f"{type(e).__name__}: {e}"
            raise RenderError(f"{where}: {problem} (rendering {name}); {fix}") from e

    def _template_line(self, error: Exception) -> str | None:
        """"file: line N" of the innermost template code the error passed through, unless podcaster's
        own code ran after it (a template that calls a property with a bug has no mistake in it)."""
        found = None
        frame = error.__traceback__
        while frame is not None:
            filename = frame.tb_frame.f_code.co_filename
            if any(_normalized(Path(filename)).is_relative_to(folder) for folder in self._folders):
                found = f"{_normalized(Path(filename))}: line {frame.tb_lineno}"
            elif Path(os.path.realpath(filename)).is_relative_to(_PACKAGE):  # however podcaster was reached
                found = None
            frame = frame.tb_next
        return found


class _CompiledInCache(jinja2.BytecodeCache):
    """Templates compiled by an earlier build, kept in its build cache: compiling those that a
    rebuild's few pages need took 60 ms of it. jinja2 runs one only if it was compiled from the
    very source of its template, else compiles it again."""

    def __init__(self, cache: BuildCache) -> None:
        self._cache = cache

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._cache.get("templates", cache_digest("template", bucket.key))
        if isinstance(compiled, bytes):
            try:
                bucket.bytecode_from_string(compiled)
            except Exception:  # damaged past jinja2's own checks: compiled again, as if not kept
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._cache.put("templates", cache_digest("template", bucket.key), bucket.bytecode_to_string(), LASTING)
