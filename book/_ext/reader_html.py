"""Small changes to the HTML pages that make the built book read better.

* Inline code gets a ``<wbr>`` (a line-break opportunity that copies as nothing) after ``_``,
  ``.``, ``/``, ``=``, ``,`` and ``(`` between a name and a letter, so a long name such as
  ``binary_cross_entropy_with_logits`` or ``lossutils.nn.CrossEntropyLoss`` wraps between its
  parts in a narrow table column or on a phone, and never inside a word (custom.css no longer
  lets the browser break code anywhere).
* The print-only page title of sphinx-book-theme (``#jb-print-docs-body h1``, what the printed
  page and the PDF show as the chapter's title) carries the chapter number, as the sidebar, the
  article's h1 and the section headings do: "2. Mean squared error (L2)".
* In a table cell, a value and its spread ("0.684 ± 0.056") are joined by no-break spaces, so a
  narrow column (a phone) never splits them over three lines: the table scrolls instead.
* Only the part of the MathJax 3 npm package that the book loads is copied to
  ``_static/mathjax`` (``offline_mathjax_files`` below), instead of the whole 24 MB package.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.errors import ExtensionError

# <code class="docutils literal notranslate">...</code>: Sphinx's inline code (one line, no nesting).
_INLINE_CODE = re.compile(r'(<code class="[^"]*\bliteral\b[^"]*">)(.*?)(</code>)', re.S)
_TAG = re.compile(r"(<[^>]*>)")
# After one of these characters, between a name (or a closing bracket) and a letter or quote:
# "entropy_|with", "nn.|CrossEntropyLoss", "reduction=|'sum'"; not in "__init__" or "0.5".
_BREAK_AFTER = re.compile(r"(?<=[A-Za-z0-9)\]])([_./=,(])(?=[A-Za-z\"'&])")


def _wbr(text: str) -> str:
    """Add <wbr> inside the text (not the tags) of an HTML fragment."""
    parts = _TAG.split(text)
    return "".join(p if p.startswith("<") else _BREAK_AFTER.sub(r"\1<wbr>", p) for p in parts)


def break_inline_code(body: str) -> str:
    """Every inline ``<code class="... literal ...">`` of ``body`` with its break opportunities."""
    return _INLINE_CODE.sub(lambda m: m[1] + _wbr(m[2]) + m[3], body)


# A table cell: its text between the tags, where " ± " may stand between a value and its spread.
_CELL = re.compile(r"(<td\b[^>]*>)(.*?)(</td>)", re.S)
_PLUS_MINUS = re.compile(r"\s+±\s+")


def keep_values_whole(body: str) -> str:
    """Every "a ± b" inside a table cell of ``body`` joined by no-break spaces (text, not tags)."""

    def cell(m: re.Match[str]) -> str:
        parts = _TAG.split(m[2])
        text = "".join(p if p.startswith("<") else _PLUS_MINUS.sub("\u00a0±\u00a0", p) for p in parts)
        return m[1] + text + m[3]

    return _CELL.sub(cell, body)


def _page(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if isinstance(context.get("body"), str):
        context["body"] = keep_values_whole(break_inline_code(context["body"]))
    number = app.env.toc_secnumbers.get(pagename, {}).get("")
    title = context.get("pagetitle")
    if number and isinstance(title, str) and not title.startswith(f"{number[0]}."):
        context["pagetitle"] = ".".join(map(str, number)) + ". " + title


def _mathjax_source(app: Any) -> Path:
    return (Path(app.srcdir) / app.config.offline_mathjax_dir).resolve()


def _check_mathjax(app: Any) -> None:
    if app.config.offline_mathjax_dir and not (_mathjax_source(app) / "es5").is_dir():
        raise ExtensionError(
            f"MathJax 3 is missing from {_mathjax_source(app)}: "
            "run `npm ci --prefix tests/browser` (or `make book`, which does it)"
        )


def _copy_mathjax(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or not app.config.offline_mathjax_dir:
        return
    source = _mathjax_source(app)
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    for pattern in app.config.offline_mathjax_files:
        matches = [p for p in source.glob(pattern) if p.is_file()]
        if not matches:
            raise ExtensionError(f"offline_mathjax_files: nothing in {source} matches {pattern!r}")
        for path in matches:
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def setup(app: Any) -> dict[str, Any]:
    # The folder of the mathjax npm package, relative to the book's root; "" copies nothing.
    app.add_config_value("offline_mathjax_dir", "", "html")
    # What the book loads from it: the component named by mathjax_path, the fonts of its CommonHTML
    # output, and the TeX extensions its autoload loads when a formula uses their macros.
    app.add_config_value(
        "offline_mathjax_files",
        [
            "LICENSE",
            "es5/tex-mml-chtml.js",
            "es5/output/chtml/fonts/woff-v2/*.woff",
            "es5/input/tex/extensions/*.js",
        ],
        "html",
    )
    app.connect("builder-inited", _check_mathjax)
    # After sphinx-book-theme (priority 500), which sets the print title.
    app.connect("html-page-context", _page, priority=600)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
