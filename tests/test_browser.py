"""The built book in a real browser, offline: every page, at desktop and at phone width.

Headless Chromium opens every page of `_build/html` (served on 127.0.0.1) once at 1280x800
and once at 390x844. Each test below fails on one kind of fault, over all pages at once (see
tests/browser/site_checker.py for the checks). Screenshots of each page's first screen, at
both widths, are saved under _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser.site_checker import (
    _WAIT_MATHJAX_JS,
    KINDS,
    VIEWPORTS,
    Report,
    check_site,
    figure_style,
    serve,
    site_pages,
)
from notebook_tools import ROOT

from lossutils.plot import STYLE


@pytest.fixture(scope="module")
def report(built_book: Path, chromium_browser: Any) -> Report:
    shots = built_book.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    # The figures are drawn in lossutils.plot's style: its smallest font size and its dpi.
    return check_site(built_book, chromium_browser, screenshots=shots, figure_style=figure_style(STYLE))


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


def test_nothing_sticks_out_of_the_column_or_scrolls_without_a_hint(report: Report) -> None:
    _assert_none(report, "overflow")


def test_no_formula_is_clipped(report: Report) -> None:
    _assert_none(report, "clipped")


def test_no_code_name_is_broken_inside_a_word(report: Report) -> None:
    _assert_none(report, "code-break")


def test_figure_text_is_at_least_9_px(report: Report) -> None:
    _assert_none(report, "figure-text")


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


@pytest.fixture(scope="module")
def site(built_book: Path) -> Iterator[str]:
    with serve(built_book) as base:
        yield base


def _open(browser: Any, base: str, rel: str, width: str = "phone", **options: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORTS[width], **options)
    page = context.new_page()
    page.goto(base + rel, wait_until="load")
    page.evaluate(_WAIT_MATHJAX_JS, 20_000)
    return page


def _hint(button: Any) -> str:
    return str(button.evaluate("b => getComputedStyle(b, '::before').content"))


# For each closed solution of the page: is its "Click to show" button drawn inside the header's
# box and inside every ancestor that clips (overflow not visible), and does a tap at its centre
# hit it?
_SOLUTION_CUES_JS = """() => [...document.querySelectorAll('.solution.toggle')].map((box) => {
  const title = box.querySelector(':scope > .admonition-title');
  const button = title.querySelector('button.toggle-button');
  button.scrollIntoView({block: 'center'});
  const b = button.getBoundingClientRect(), t = title.getBoundingClientRect();
  const within = (r) => b.top >= r.top - 0.5 && b.bottom <= r.bottom + 0.5 && b.left >= r.left && b.right <= r.right;
  let clipped = false;
  for (let a = button.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflow !== 'visible' && !within(a.getBoundingClientRect())) clipped = true;
  }
  const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
  return {title: title.textContent.trim().slice(0, 40), width: b.width, inside: within(t) && !clipped,
          hit: !!hit && button.contains(hit)};
})"""


def test_every_solution_shows_its_cue_inside_its_header_on_a_phone(site: str, chromium_browser: Any) -> None:
    """Chapter 4's closed solutions, whose titles wrap at 390 px: each "Click to show" is visible."""
    page = _open(chromium_browser, site, "book/04_robust_regression.html", has_touch=True, is_mobile=True)
    cues = page.evaluate(_SOLUTION_CUES_JS)
    page.context.close()
    assert len(cues) >= 4
    bad = [c for c in cues if not (c["inside"] and c["hit"] and c["width"] > 40)]
    assert not bad, f"'Click to show' cut off or outside the header: {bad}"


def test_a_tap_on_a_solution_header_opens_the_solution(site: str, chromium_browser: Any) -> None:
    page = _open(chromium_browser, site, "book/03_mae_mbe.html", has_touch=True, is_mobile=True)
    solution = page.locator(".solution.toggle").first
    link = solution.locator(".admonition-title a").first
    button = solution.locator("button.toggle-button")
    # "Click to show" is visible on the phone, inside the header.
    assert _hint(button) == '"Click to show"'
    box = button.bounding_box()
    assert button.is_visible()
    assert box is not None
    assert box["width"] > 40
    assert box["x"] + box["width"] <= 390
    assert "toggle-hidden" in (solution.get_attribute("class") or "")
    url = page.url
    link.tap()
    page.wait_for_timeout(300)
    assert page.url == url, "the tap followed the link to the exercise"
    assert "toggle-hidden" not in (solution.get_attribute("class") or ""), "the tap did not open the solution"
    assert _hint(button) == '"Click to hide"'
    link.tap()
    page.wait_for_timeout(300)
    assert "toggle-hidden" in (solution.get_attribute("class") or "")
    page.context.close()


def test_a_figure_opens_at_full_size(site: str, chromium_browser: Any) -> None:
    page = _open(chromium_browser, site, "book/06_cross_entropy.html")
    img = page.locator("article.bd-article a.figure-zoom img").first
    img.scroll_into_view_if_needed()
    shown, natural = img.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown < natural, "on a phone the figure is shown smaller than its file"
    img.click()
    dialog = page.locator("dialog.figure-zoom-dialog")
    assert dialog.evaluate("d => d.open")
    big = dialog.locator("img")
    page.wait_for_function("() => document.querySelector('dialog.figure-zoom-dialog img').complete")
    assert big.evaluate("i => Math.round(i.getBoundingClientRect().width) === i.naturalWidth")
    assert big.get_attribute("alt") == img.get_attribute("alt")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.figure-zoom-dialog').open", timeout=2000)
    page.context.close()


def test_a_phone_reader_is_told_that_a_tap_enlarges_a_figure(site: str, chromium_browser: Any) -> None:
    """At 390 px every figure of a chapter has a visible "tap to enlarge" line, named for screen
    readers; at 1280 px (the pointer turns into a zoom cursor) it has none."""
    cues_js = """() => [...document.querySelectorAll('article.bd-article figure a.figure-zoom')].map((a) => {
      const cue = a.querySelector('.figure-zoom-cue');
      const box = cue ? cue.getBoundingClientRect() : null;
      return {shown: !!box && box.width > 20 && box.height > 8 && getComputedStyle(cue).visibility === 'visible',
              label: cue ? cue.getAttribute('aria-label') : null, text: cue ? cue.textContent : ''};
    })"""
    for width, expected in (("phone", True), ("desktop", False)):
        page = _open(chromium_browser, site, "book/04_robust_regression.html", width)
        cues = page.evaluate(cues_js)
        page.context.close()
        assert len(cues) >= 3
        assert all(c["shown"] == expected for c in cues), (width, cues)
        assert all(c["label"] and "enlarge" in c["text"] for c in cues)


def test_scroll_hint_follows_the_scroll_position(site: str, chromium_browser: Any) -> None:
    page = _open(chromium_browser, site, "book/14_choosing.html")  # its side-by-side tables are wider than a phone
    page.wait_for_timeout(300)
    page.evaluate(
        """() => [...document.querySelectorAll('article.bd-article table.table')]
                 .find(t => t.scrollWidth > t.clientWidth).id = 'wide-table'"""
    )
    table = page.locator("#wide-table")
    classes = "t => [...t.classList].filter(c => c.startsWith('scroll-hint'))"
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert table.evaluate(classes) == ["scroll-hint-right"]
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    page.wait_for_timeout(300)
    assert table.evaluate(classes) == ["scroll-hint-left"]
    page.context.close()


def test_the_copy_button_copies_code_that_runs(site: str, chromium_browser: Any) -> None:
    """On the API page a doctest's copy button copies its statements, without prompts or output."""
    page = _open(chromium_browser, site, "book/appendix/api_losses.html", width="desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.rstrip("/"))
    block = page.locator("article.bd-article div.doctest").first
    source = block.inner_text()
    assert ">>> " in source
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    statements = [line[4:] for line in source.splitlines() if line.startswith((">>> ", "... "))]
    assert statements
    assert copied.splitlines() == statements
    compile(copied, "<copied>", "exec")  # a paste is valid Python
    page.context.close()


def test_the_general_index_fits_a_phone(site: str, chromium_browser: Any) -> None:
    page = _open(chromium_browser, site, "genindex.html")
    assert page.locator("table.indextable a").count() > 10
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.context.close()


def test_search_snippets_show_formulas_as_text(site: str, chromium_browser: Any) -> None:
    page = _open(chromium_browser, site, "search.html?q=huber+delta", width="desktop")
    snippets = page.locator("#search-results p.context")
    snippets.first.wait_for(timeout=20_000)
    page.wait_for_timeout(1000)
    texts = snippets.all_inner_texts()
    raw = [t for t in texts if "\\(" in t or "\\)" in t or "\\delta" in t]
    assert not raw, raw[:3]
    assert any("δ" in t for t in texts), texts[:3]
    page.context.close()


def test_every_page_has_a_favicon(built_book: Path) -> None:
    for rel in site_pages(built_book)[0]:
        icon = re.search(r'<link rel="icon" href="([^"]+)"', (built_book / rel).read_text())
        assert icon, f"{rel} has no favicon link (browsers then ask for /favicon.ico)"
        assert (built_book / rel).parent.joinpath(icon[1]).resolve().is_file(), icon[1]


def test_the_printed_title_carries_the_chapter_number(built_book: Path) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbered = [c["file"] for part in toc["parts"] if part.get("numbered") for c in part["chapters"]]
    assert numbered
    for number, path in enumerate(numbered, start=1):
        html = (built_book / f"{path}.html").read_text()
        title = re.search(r'<div id="jb-print-docs-body"[^>]*>\s*<h1>([^<]*)</h1>', html)
        assert title, path
        assert title[1].startswith(f"{number}. "), (path, title[1])


def test_the_book_ships_only_the_mathjax_it_loads(built_book: Path, report: Report) -> None:
    # Every formula was typeset and no MathJax file was missing (test_local_requests_succeed),
    # from a copy a tenth the size of the npm package.
    shipped = [p for p in (built_book / "_static" / "mathjax").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in shipped)
    assert size < 3_000_000, f"{size / 1e6:.1f} MB of MathJax shipped"
    assert not (built_book / "_static" / "mathjax" / "es5" / "sre").exists()
    assert sum(report.formulas.values()) > 1000
