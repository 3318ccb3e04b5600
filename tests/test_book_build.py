"""The book builds from a clean state with zero warnings, and every chapter is there."""

from __future__ import annotations

from pathlib import Path

from notebook_tools import ROOT, notebooks


def test_book_builds_without_warnings(built_book: Path) -> None:
    log = (built_book.parent / "build.log").read_text()
    assert "build succeeded" in log
    assert (built_book / "index.html").is_file()


def test_every_chapter_page_is_built(built_book: Path) -> None:
    for nb in notebooks():
        page = built_book / nb.relative_to(ROOT).with_suffix(".html")
        assert page.is_file(), f"{page} is missing"
        html = page.read_text()
        assert "<img" in html, f"{page.name} shows no figure"
