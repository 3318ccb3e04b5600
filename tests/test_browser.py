"""The built book in a real browser, offline: every page, at desktop and at phone width.

Headless Chromium opens every page of `_build/html` (served on 127.0.0.1) once at 1280x800
and once at 390x844. Each test below fails on one kind of fault, over all pages at once (see
tests/browser/site_checker.py for the checks). Screenshots of each page's first screen, at
both widths, are saved under _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser.site_checker import KINDS, Report, check_site, site_pages
from notebook_tools import ROOT


@pytest.fixture(scope="module")
def report(built_book: Path, chromium_browser: Any) -> Report:
    shots = built_book.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    return check_site(built_book, chromium_browser, screenshots=shots)


def _toc_files(entry: Any) -> list[str]:
    """Every `file:` (and the `root:`) of _toc.yml, at any depth of parts/chapters/sections."""
    found: list[str] = []
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("file", "root") and isinstance(value, str):
                found.append(value)
            else:
                found += _toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            found += _toc_files(item)
    return found


def _assert_none(report: Report, kind: str) -> None:
    """Fail with one line per problem of this kind, page by page (no object dump)."""
    if report.of(kind):
        pytest.fail(f"{len(report.of(kind))} {kind} problem(s) in the built book:\n{report.text(kind)}", pytrace=False)


def test_every_page_of_the_toc_is_checked(built_book: Path, report: Report) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    expected = {f"{Path(f).with_suffix('').as_posix()}.html" for f in _toc_files(toc)}
    assert len(expected) >= 2
    assert expected <= set(report.pages), f"pages of _toc.yml not checked: {sorted(expected - set(report.pages))}"
    assert report.pages == site_pages(built_book)[0]
    assert report.home == f"{Path(toc['root']).as_posix()}.html"


def test_local_requests_succeed(report: Report) -> None:
    _assert_none(report, "request")


def test_no_request_leaves_the_machine(report: Report) -> None:
    _assert_none(report, "offline")


def test_images_load_and_have_alt_text(report: Report) -> None:
    _assert_none(report, "image")


def test_no_javascript_errors(report: Report) -> None:
    # Also proves book/_ext/dedupe_scripts.py works: without it, Sphinx's duplicated inline
    # scripts raise "Identifier 'THEBE_JS_URL' has already been declared" on every page.
    _assert_none(report, "javascript")


def test_internal_links_and_anchors_resolve(report: Report) -> None:
    _assert_none(report, "link")


def test_every_formula_is_typeset(built_book: Path, report: Report) -> None:
    _assert_none(report, "math")
    # Not vacuous: every page whose HTML holds math shows typeset formulas.
    for rel in report.pages:
        if 'class="math' in (built_book / rel).read_text():
            assert report.formulas[rel] > 0, f"{rel} has math but MathJax typeset nothing"
    assert sum(report.formulas.values()) > 0


def test_the_book_serves_its_own_mathjax(built_book: Path, report: Report) -> None:
    # The formulas render offline: every page loads MathJax from the book's _static/mathjax
    # (see html_static_path and mathjax_path in _config.yml), so the checker never had to answer
    # a request to MathJax's CDN.
    assert (built_book / "_static" / "mathjax" / "es5" / "tex-mml-chtml.js").is_file()
    assert not report.routed, f"pages asked MathJax's CDN for {sorted(report.routed)}"
    for rel in report.pages:
        assert "cdn.jsdelivr.net/npm/mathjax" not in (built_book / rel).read_text(), rel


def test_every_page_is_in_the_navigation(report: Report) -> None:
    _assert_none(report, "navigation")


def test_phone_layout_does_not_scroll_sideways(report: Report) -> None:
    _assert_none(report, "layout")


def test_only_known_kinds_of_problem(report: Report) -> None:
    assert {p.kind for p in report.problems} <= set(KINDS)


def test_screenshots_of_every_page_at_both_widths(report: Report) -> None:
    assert len(report.screenshots) == 2 * len(report.pages)
    for shot in report.screenshots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str]] = []
        self._src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._src = dict(attrs).get("src") or ""

    def handle_data(self, data: str) -> None:
        if self._src is not None:
            self.scripts.append((self._src, data.strip()))
            self._src = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._src is not None:  # a script with no body
            self.scripts.append((self._src, ""))
            self._src = None


def test_no_page_loads_a_script_twice(built_book: Path) -> None:
    """The HTML itself has no duplicate <script> (what book/_ext/dedupe_scripts.py removes)."""
    pages = site_pages(built_book)[0]
    assert pages
    for rel in pages:
        parser = _Scripts()
        parser.feed((built_book / rel).read_text())
        scripts = [s for s in parser.scripts if s != ("", "")]
        repeated = {s for s in scripts if scripts.count(s) > 1}
        assert not repeated, f"{rel} loads the same script twice: {sorted(repeated)[:3]}"
