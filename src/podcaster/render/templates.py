"""The jinja2 environment: the show's own templates first, the defaults behind them. The only jinja2 importer.

As in Pelican, a show's template can extend the default of the same name through the `!default/`
prefix (`{% extends "!default/episode.html" %}`) instead of copying it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from podcaster.errors import RenderError

DEFAULT_PREFIX = "!default"
# What neither HTML (control characters) nor XML (most C0 controls, lone surrogates,
# non-characters) lets a page, a sitemap or a JSON-LD block hold: a value written into a
# template loses them, as the feed's text does (`check` warns of them).
_FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _without_forbidden_characters(value: Any) -> Any:
    if isinstance(value, Markup):  # HTML already made safe (the notes): it stays so
        return Markup(_FORBIDDEN_CHARACTERS.sub("", value))
    return _FORBIDDEN_CHARACTERS.sub("", value) if isinstance(value, str) else value


def default_templates_dir() -> Path:
    # Installed from a wheel, the templates ship inside the package; in a source checkout
    # (or an editable install) they are the repository's top-level templates/ folder.
    packaged = Path(__file__).resolve().parent.parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates"


class Templates:
    def __init__(self, show_templates_dir: Path) -> None:
        default_loader = jinja2.FileSystemLoader(default_templates_dir())
        loaders: list[jinja2.BaseLoader] = []
        self._folders = [default_templates_dir()]
        if show_templates_dir.is_dir() and show_templates_dir.resolve() != default_templates_dir().resolve():
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
            finalize=_without_forbidden_characters,
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
        except Exception as e:
            # A show's own template can name what is not there, misuse a filter, divide by zero:
            # named by the template line that failed (which may be in a macro or a parent).
            where = self._template_line(e)
            if where is None:  # not raised by a template's own code: a bug, with its traceback
                raise
            fix = "check the variable's name" if isinstance(e, jinja2.UndefinedError) else "fix the template"
            problem = e.message if isinstance(e, jinja2.TemplateError) and e.message else f"{type(e).__name__}: {e}"
            raise RenderError(f"{where}: {problem} (rendering {name}); {fix}") from e

    def _template_line(self, error: Exception) -> str | None:
        """"file: line N" of the innermost template code the error passed through, if any did."""
        found = None
        frame = error.__traceback__
        while frame is not None:
            filename = frame.tb_frame.f_code.co_filename
            if any(Path(filename).is_relative_to(folder) for folder in self._folders):
                found = f"{filename}: line {frame.tb_lineno}"
            frame = frame.tb_next
        return found
