"""The browser checker finds what it must: a broken site gets every one of its faults reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.site_checker import CHROMIUM, MATHJAX_DIR, check_site

MATHJAX = """
<script>window.MathJax = {tex: {packages: {"[-]": ["noundefined"]}}, options: {processHtmlClass: "math"}};</script>
<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
"""
PIXEL = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a9b40000000049454e44ae426082"
)


def _page(body: str, nav: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta name='viewport' content='width=device-width'>{MATHJAX}</head>"
        f"<body><nav class='bd-docs-nav'>{nav}</nav>{body}</body></html>"
    )


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    (tmp_path / "ok.png").write_bytes(PIXEL)
    nav = "<a href='index.html'>home</a> <a href='good.html'>good</a> <a href='broken.html'>broken</a>"
    (tmp_path / "index.html").write_text(_page("<h1 id='top'>Home</h1><img src='ok.png' alt='a pixel'>", nav))
    (tmp_path / "good.html").write_text(
        _page(
            "<h1 id='start'>Good</h1><p><span class='math'>\\(x^2 + \\frac{1}{2}\\)</span></p>"
            "<a href='index.html#top'>home</a> <a href='#start'>start</a>",
            nav,
        )
    )
    (tmp_path / "broken.html").write_text(
        _page(
            "<img src='missing.png' alt='a figure that is not there'>"
            "<img src='ok.png'>"
            "<a href='nowhere.html'>a broken link</a>"
            "<a href='good.html#no-such-anchor'>a broken anchor</a>"
            "<span class='math'>\\(\\frac{1}{2\\)</span>"
            "<span class='math'>\\(\\undefinedmacro{x}\\)</span>"
            "<div style='width: 2000px'>too wide for a phone</div>"
            "<script>undefinedFunction();</script>",
            nav,
        )
    )
    (tmp_path / "orphan.html").write_text(_page("<p>nobody links here</p>", nav))
    return tmp_path


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: run `make test`, which installs it")
def test_checker_reports_every_fault(broken_site: Path) -> None:
    assert (MATHJAX_DIR / "es5" / "tex-mml-chtml.js").is_file()
    report = check_site(broken_site)
    good = report.problems.get("good.html", []) + report.problems.get("index.html", [])
    assert good == [], good
    broken = "\n".join(report.problems["broken.html"])
    for expected in (
        "image does not load: missing.png",
        "image without alt text: ok.png",
        "broken link: nowhere.html",
        "broken anchor: good.html#no-such-anchor",
        "\\frac{1}{2",  # the unbalanced formula: a MathJax error or left unrendered
        "Undefined control sequence \\undefinedmacro",
        "JavaScript error",
        "HTTP 404",
        "the phone layout scrolls sideways",
    ):
        assert expected in broken, f"not reported: {expected!r}\n{broken}"
    assert report.problems["orphan.html"] == ["the page is missing from the navigation"]
