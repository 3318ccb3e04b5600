"""The browser checker finds what it must: a small site broken on purpose gets every fault reported.

The site is plain HTML written into a temporary folder, shaped like a Jupyter Book page where
it matters: the MathJax configuration of _config.yml and Sphinx's CDN URL for MathJax (answered
from the same local copy, through the same routing), the sidebar `nav.bd-docs-nav`, an
index.html that redirects to the home page, and text that MathJax is told to ignore outside
`.math` elements. Its good pages must come out clean, so the checks are shown not to cry wolf.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser.site_checker import (
    KINDS,
    MATHJAX_DIR,
    FigureStyle,
    Report,
    _alt_problem,
    check_site,
    figure_style,
    made_by_matplotlib,
    site_pages,
)
from notebook_tools import ROOT

PIXEL = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a9b40000000049454e44ae426082"
)


def _png(width: int, height: int, software: str | None = None) -> bytes:
    """A grey PNG of this size, with a ``Software`` text chunk as matplotlib writes one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    text = chunk(b"tEXt", b"Software\0" + software.encode()) if software else b""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + text + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


MATPLOTLIB = "Matplotlib version3.11.2, https://matplotlib.org/"
# The style the test figures are "drawn" in: 10 pt text at 100 dpi is 13.9 px at full size, so a
# figure must be shown at 65 % of its width or more for its text to stay >= 9 px.
STYLE = FigureStyle(min_pt=10.0, dpi=100.0)
# A fading edge, the scroll hint the checker accepts (the book's own is in custom.css).
FADE = "mask-image: linear-gradient(to right, #000 80%, transparent); overflow-x: auto"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
NAV = ["home.html", "good.html", "chapter.html", "broken.html", "offline.html"]


def _mathjax_head(src: str = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js") -> str:
    """The two script tags Sphinx writes for MathJax 3, with the book's own configuration."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    mathjax = dict(config.get("mathjax3_config") or {})
    mathjax["options"] = {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"}
    return f'<script>window.MathJax = {json.dumps(mathjax)}</script>\n<script defer="defer" src="{src}"></script>'


def _page(body: str, *, nav: list[str] = NAV, up: str = "", mathjax: str | None = None) -> str:
    links = "".join(f"<li><a class='reference internal' href='{up}{href}'>{href}</a></li>" for href in nav)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>page</title>{_mathjax_head(mathjax) if mathjax else _mathjax_head()}</head><body>"
        f"<nav class='bd-links bd-docs-nav'><ul>{links}</ul></nav>"
        "<main><article class='bd-article' style='max-width: 700px; padding: 0 1rem'>"
        f"<section class='tex2jax_ignore mathjax_ignore'>{body}</section></article></main></body></html>"
    )


def _redirect(target: str) -> str:
    return f'<!DOCTYPE html>\n<meta http-equiv="Refresh" content="0; url={target}" />\n'


GOOD = r"""
<h1 id="start">A good page</h1>
<p>Inline math <span class="math notranslate nohighlight">\(x^2 + \frac{1}{2} \in \R\)</span>, a coffee at $5 and a tea
at $3 (dollars in prose are not math), and a labelled display equation:</p>
<div class="math notranslate nohighlight" id="equation-loss"><span class="eqno">(1)<a class="headerlink"
href="#equation-loss">#</a></span>\[\mathcal{L} = \frac{1}{n}\sum_{i=1}^{n} (\hat y_i - y_i)^2\]</div>
<div class="math notranslate nohighlight">\begin{align} a &= b \\ c &= d \end{align}</div>
<pre><code>print(f"$x^2$ costs \frac{a}{b} and \(y\)")</code></pre>
<img src="img/pixel.png" alt="A one-pixel picture"> <img src="img/shape.svg" alt="A square, drawn as SVG">
<a href="home.html#top">home</a> <a href="#start">top of this page</a> <a href="sub/deep.html#old-name">deep</a>
<a href="img/pixel.png">the picture</a> <a href="sub/">a folder with an index</a>
<a href="https://example.invalid/elsewhere">a link to another site is not a request</a>
<div style="{FADE}"><table><tr><td style="min-width: 3000px">
a wide table in a box that scrolls, with a fading edge</td></tr></table></div>
<p style="width: 8em">Code that wraps between its parts:
<code class="docutils literal">binary_<wbr>cross_<wbr>entropy_<wbr>with_<wbr>logits</code>
and <code class="docutils literal">reduction="mean"</code>.</p>
<p style="width: 200px">A long formula that scrolls: <span class="math"
style="display: inline-flex; max-width: 100%; {FADE}">
\(a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12}\)</span></p>
<img src="img/figure.png" alt="A matplotlib figure shown at its full width" style="width: 600px; max-width: 100%">
<img src="img/photo.png" alt="A picture not made by matplotlib, shown small" style="width: 100px">
"""
GOOD = GOOD.replace("{FADE}", FADE)

OFFLINE = r"""
<h1>Math with no CDN</h1>
<p><span class="math notranslate nohighlight">\(\ell(\hat y, y) = \max(0, 1 - y \hat y)\)</span></p>
"""

BROKEN = r"""
<h1>A broken page</h1>
<img src="missing.png" alt="A figure that is not there">
<img src="img/pixel.png">
<img src="img/pixel.png?v=2" alt="  ">
<img src="img/pixel.png?v=3" alt="img/pixel.png?v=3">
<img src="https://example.invalid/remote.png" alt="A picture from another host">
<script src="missing.js"></script>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/no-such-file.js"></script>
<a href="nowhere.html">a broken link</a>
<a href="good.html#no-such-anchor">a broken anchor</a>
<a href="#not-on-this-page">a broken anchor on this page</a>
<p><span class="math notranslate nohighlight">\(\frac{1}{2\)</span></p>
<p><span class="math notranslate nohighlight">\(\undefinedmacro{x}\)</span></p>
<p><span class="math notranslate nohighlight">\(x}\)</span></p>
<p>Raw TeX that was never marked up as math: $x^2$.</p>
<div style="width: 2000px">too wide for a phone</div>
<div style="overflow-x: auto"><table><tr><td style="min-width: 3000px">a wide table that scrolls with no hint</td>
</tr></table></div>
<div style="overflow: hidden; width: 200px"><p style="width: 600px">A paragraph cut off by its box</p></div>
<section id="in-a-closed-solution"><details><summary>Solution</summary>
<p style="width: 200px">A formula cut off: <span class="math"
style="display: inline-flex; max-width: 100%; overflow: hidden">
\(b_1 + b_2 + b_3 + b_4 + b_5 + b_6 + b_7 + b_8 + b_9 + b_{10} + b_{11} + b_{12}\)</span></p>
</details></section>
<p style="width: 6em">
<code class="docutils literal" style="overflow-wrap: anywhere">binary_cross_entropy_with_logits</code></p>
<img src="img/figure.png?small" alt="A matplotlib figure shown at 30 % of its width" style="width: 180px">
<img src="img/photo.png?small" alt="A picture not made by matplotlib, shown small" style="width: 60px">
<script>const THEBE_JS_URL = "a";</script>
<script>const THEBE_JS_URL = "a";</script>
<script>console.error("something broke");</script>
<script>undefinedFunction();</script>
"""


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    (site / "img").mkdir()
    (site / "img" / "pixel.png").write_bytes(PIXEL)
    (site / "img" / "shape.svg").write_text(SVG)
    (site / "img" / "figure.png").write_bytes(_png(600, 40, MATPLOTLIB))
    (site / "img" / "photo.png").write_bytes(_png(600, 40))
    (site / "sub").mkdir()
    (site / "index.html").write_text(_redirect("home.html"))  # as Jupyter Book writes it
    (site / "gone.html").write_text(_redirect("moved/away.html"))
    (site / "home.html").write_text(_page("<h1 id='top'>Home</h1><img src='img/pixel.png' alt='A pixel'>"))
    (site / "good.html").write_text(_page(GOOD))
    # Navigation in steps: sub/deep.html is listed only in the sidebar of chapter.html, and
    # sub/index.html only in that of sub/deep.html. Both are reachable from the home page.
    (site / "chapter.html").write_text(_page("<h1>Chapter</h1>", nav=[*NAV, "sub/deep.html"]))
    (site / "sub" / "deep.html").write_text(
        _page(
            "<h1><a name='old-name'></a>Deep</h1><a href='../good.html#equation-loss'>(1)</a>",
            nav=[*NAV, "sub/index.html"],
            up="../",
        )
    )
    (site / "sub" / "index.html").write_text(_page("<h1>Folder index</h1>", up="../"))
    (site / "broken.html").write_text(_page(BROKEN))
    # MathJax served by the site itself, as a build with `mathjax_path` set to a local copy does.
    (site / "_static").mkdir()
    (site / "_static" / "mathjax").symlink_to(MATHJAX_DIR, target_is_directory=True)
    (site / "offline.html").write_text(_page(OFFLINE, mathjax="_static/mathjax/es5/tex-mml-chtml.js?v=1234abcd"))
    (site / "orphan.html").write_text(_page("<p>No navigation leads here.</p>"))
    return site


@pytest.fixture(scope="module")
def report(broken_site: Path, chromium_browser: Any) -> Report:
    return check_site(broken_site, chromium_browser, figure_style=STYLE)


def _details(report: Report, page: str, kind: str) -> str:
    return "\n".join(p.detail for p in report.of(kind, page))


def test_site_pages_skips_redirects_and_follows_them(broken_site: Path) -> None:
    pages, redirects = site_pages(broken_site)
    assert "index.html" not in pages
    assert "gone.html" not in pages
    assert {"home.html", "good.html", "broken.html", "orphan.html", "sub/deep.html", "sub/index.html"} <= set(pages)
    assert not [p for p in pages if p.startswith("_static/")]
    assert redirects == {"index.html": "home.html", "gone.html": "moved/away.html"}


def test_good_pages_come_out_clean(report: Report) -> None:
    clean = ["home.html", "good.html", "chapter.html", "sub/deep.html", "sub/index.html", "offline.html"]
    assert [str(p) for p in report.problems if p.page in clean] == []
    assert report.home == "home.html"
    # The checks ran for real: MathJax came from the local copy and typeset the good formulas.
    assert report.formulas["good.html"] == 4
    assert "es5/tex-mml-chtml.js" in report.routed
    assert report.formulas["offline.html"] == 1  # MathJax from the site's own _static/ also works
    assert any(path.endswith(".woff") for path in report.routed), "MathJax's fonts were not served"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("image", "image does not load: missing.png"),
        ("image", "image without alt text: img/pixel.png"),
        ("image", "image without alt text: img/pixel.png?v=2"),
        ("image", "image alt text is only its file name: img/pixel.png?v=3"),
        ("image", "image does not load: https://example.invalid/remote.png"),
        ("request", "HTTP 404: missing.png"),
        ("request", "HTTP 404: missing.js"),
        ("offline", "request to another host (aborted): https://example.invalid/remote.png"),
        ("offline", "MathJax file not in the local copy (aborted): https://cdn.jsdelivr.net/npm/mathjax@3/es5/no-such"),
        ("link", "broken link: nowhere.html"),
        ("link", "broken anchor: good.html#no-such-anchor"),
        ("link", "broken anchor: broken.html#not-on-this-page"),
        ("math", r"formula left unrendered (unbalanced braces?): \(\frac{1}{2\)"),
        ("math", r"MathJax error in a formula: Undefined control sequence \undefinedmacro"),
        ("math", "MathJax error in a formula: Extra close brace or missing open brace"),
        ("math", "raw TeX in the text, not typeset: Raw TeX that was never marked up as math: $x^2$."),
        ("javascript", "JavaScript error: Identifier 'THEBE_JS_URL' has already been declared"),
        ("javascript", "JavaScript error: undefinedFunction is not defined"),
        ("javascript", "console error: something broke"),
        ("layout", "the phone layout scrolls sideways"),
        ("overflow", 'at 1280 px: div "too wide for a phone" is 2000 px wide, past the 700 px column'),
        ("overflow", 'at 390 px: div "a wide table that scrolls with no hint" scrolls sideways'),
        ("overflow", "with no visible hint"),
        ("overflow", 'at 1280 px: p "A paragraph cut off by its box" (600 px) is cut off by div (200 px, overflow-x'),
        ("clipped", "at 1280 px: formula"),
        ("clipped", '"b1+b2+b3+b4+b5+b6+b7+b8+b9+b10+b11+b12" in #in-a-closed-solution is cut off by span.math'),
        ("clipped", "at 390 px: formula"),
        ("code-break", 'at 1280 px: code "binary_cross_entropy_with_logits" wraps inside a word'),
        ("code-break", "at 390 px: code"),
        ("figure-text", "img/figure.png?small: smallest text 4.2 px (< 9), the figure shown 180 px wide of its 600 px"),
    ],
)
def test_broken_page_fault_is_reported(report: Report, kind: str, expected: str) -> None:
    assert expected in _details(report, "broken.html", kind), f"not reported: {expected!r}\n{report.text()}"


def test_every_kind_of_fault_is_exercised(report: Report) -> None:
    assert {p.kind for p in report.problems} == set(KINDS)


def test_page_missing_from_the_navigation(report: Report) -> None:
    assert [str(p) for p in report.problems if p.page == "orphan.html"] == [
        "orphan.html: [navigation] the page is missing from the navigation (not reachable from home.html)"
    ]
    assert not report.of("navigation", "broken.html")
    assert not report.of("navigation", "sub/deep.html")


def test_redirect_to_a_missing_page(report: Report) -> None:
    assert [p.detail for p in report.of("link", "gone.html")] == ["redirects to a missing page: moved/away.html"]


def test_wide_element_is_named(report: Report) -> None:
    assert "too wide: div (" in _details(report, "broken.html", "layout")


@pytest.mark.parametrize(
    ("src", "alt", "problem"),
    [
        ("a.png", None, "image without alt text: a.png"),
        ("a.png", " ", "image without alt text: a.png"),
        ("../_images/ab12.png", "../_images/ab12.png", "image alt text is only its file name: ../_images/ab12.png"),
        ("../_images/ab12.png", "ab12.png", "image alt text is only its file name: ../_images/ab12.png"),
        ("../_images/ab12.png", "A parabola with its minimum at zero", None),
    ],
)
def test_alt_text_rules(src: str, alt: str | None, problem: str | None) -> None:
    assert _alt_problem(src, alt) == problem


def test_report_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        Report().add("a.html", "typo", "x")


def test_only_matplotlib_figures_are_measured(report: Report) -> None:
    # The picture not made by matplotlib is shown small too, but its text size is unknown.
    assert "photo.png" not in report.text("figure-text")
    assert len(report.of("figure-text")) == 1


def test_the_column_checks_see_inside_closed_solutions(report: Report) -> None:
    # The clipped formula of broken.html sits in a collapsed sphinx-togglebutton admonition.
    assert "in #in-a-closed-solution is cut off" in _details(report, "broken.html", "clipped")


def test_made_by_matplotlib() -> None:
    assert made_by_matplotlib(_png(3, 2, MATPLOTLIB))
    assert not made_by_matplotlib(_png(3, 2))
    assert not made_by_matplotlib(_png(3, 2, "GIMP 2.10"))
    assert made_by_matplotlib(b'<?xml version="1.0"?><svg><metadata><dc:title>Matplotlib v3.11</dc:title></metadata>')
    assert not made_by_matplotlib(SVG.encode())


def test_figure_style_reads_the_smallest_font_and_the_dpi() -> None:
    style = figure_style({"font.size": 12, "xtick.labelsize": "small", "axes.titlesize": 14, "savefig.dpi": 150})
    assert style == FigureStyle(min_pt=pytest.approx(12 * 0.833, rel=1e-3), dpi=150.0)
    assert figure_style({"font.size": 9, "savefig.dpi": "figure", "figure.dpi": 72}) == FigureStyle(9.0, 72.0)
    assert STYLE.text_px(shown=500, natural=1000) == pytest.approx(10 * 100 / 72 / 2)
    with pytest.raises(ValueError, match="no font size"):
        figure_style({"figure.dpi": 100})
