"""The built book in a real browser, offline: every page, at desktop and phone width.

Fails on any failed local request, any request to another host (MathJax's CDN is answered
from a local copy), any image that does not load or lacks alt text, any JavaScript error,
any broken internal link or anchor, any formula MathJax cannot render, any page missing
from the navigation, and any sideways scrolling on a phone. Screenshots of each page's
first screen are saved under _build/screenshots/ for review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.site_checker import CHROMIUM, MATHJAX_DIR, check_site, site_pages
from notebook_tools import ROOT, notebooks


@pytest.fixture(scope="module")
def browser_ready() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium package)")
    if not (MATHJAX_DIR / "es5" / "tex-mml-chtml.js").is_file():
        pytest.fail("the local MathJax copy is missing: run `make test` (npm ci --prefix tests/browser)")


def test_every_page_works_in_the_browser(built_book: Path, browser_ready: None) -> None:
    report = check_site(built_book, screenshots=built_book.parent / "screenshots")
    assert not report.problems, "problems in the built book:\n" + report.text()


def test_every_chapter_is_a_page_of_the_site(built_book: Path) -> None:
    pages = set(site_pages(built_book))
    for nb in notebooks():
        assert nb.relative_to(ROOT).with_suffix(".html").as_posix() in pages
