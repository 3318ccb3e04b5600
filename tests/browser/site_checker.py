"""Open every page of a built site in headless Chromium and report what a reader would hit.

One checker serves two tests: tests/test_browser.py runs it on the built book, and
tests/test_browser_checker.py runs it on a small site broken on purpose, to prove that it
reports each kind of fault. It can also be run by hand on any build:

    .venv/bin/python tests/browser/site_checker.py _build/html

Each page is loaded twice, at desktop (1280x800) and phone (390x844) width, from a local
HTTP server on 127.0.0.1. Every problem found belongs to one of these kinds:

- ``request``: a local request that fails or answers with a status >= 400;
- ``offline``: a request to another host. It is aborted (the site must need none), except
  MathJax's CDN, which is answered from the local npm copy in tests/browser/node_modules;
- ``image``: an ``<img>`` that does not load (naturalWidth 0), or whose alt text is missing,
  empty, or only its file name (what docutils writes when none is given);
- ``javascript``: an uncaught JavaScript error or a console error;
- ``link``: a link to a local file that does not exist, a ``#fragment`` that is no id on its
  target page, or a redirect page that points to a missing page;
- ``math``: a formula MathJax marks as an error, a formula left as raw TeX (MathJax skips one
  with unbalanced braces without a word), raw TeX delimiters in the text, or MathJax not
  done typesetting in time;
- ``navigation``: a page that cannot be reached through the sidebar navigation, starting from
  the home page (the page that index.html redirects to, or index.html itself);
- ``layout``: at phone width, a page that scrolls sideways.

Four more kinds look at the article column (``article.bd-article``; ``main`` or the body on a
page without one) at both widths, with every solution, toggle and ``<details>`` opened:

- ``overflow``: an element that sticks out of the column (its border box passes the column's
  content box by more than 1 px) and is not inside a horizontally scrollable box; an element
  cut off (by more than 1 px) by the nearest box around it that clips (``overflow-x: hidden``
  or ``clip``), the outermost such element only; and any box
  in the article that scrolls sideways (``overflow-x`` ``auto``/``scroll`` and ``scrollWidth``
  more than 1 px above ``clientWidth``) with no visible hint that it does. The hint that counts
  is one that shows on every device, scrollbars or not (phones and macOS hide scrollbars until
  a scroll starts): a fading edge (a gradient ``mask-image``), or a scroll shadow (an inset
  ``box-shadow``, or gradient backgrounds with ``background-attachment: local``).
- ``clipped``: a typeset formula (its ``mjx-math`` box) cut off by an ancestor that hides
  overflow, or running past the edge of the window. A formula inside a scrollable box is
  followed up to that box, which must itself be fully visible.
- ``code-break``: inline code (``code`` outside ``pre``) that wraps between two letters or
  digits, i.e. inside a word: ``binar|y_cross`` is a fault; a break after ``_``, ``.``, a space
  or any other punctuation is not. Found from each character's box (``Range.getClientRects``).
- ``figure-text``: at desktop width, a figure image made by matplotlib (its PNG says
  ``Software: Matplotlib`` in its text chunks, or its SVG names matplotlib) whose smallest text
  is shown smaller than 9 px: ``min_pt * dpi / 72 * shown_width / natural_width``, with
  ``min_pt`` and ``dpi`` given by the caller (the book's plot style). Other images (a logo, a
  favicon, a photograph) are not checked.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route, ViewportSize

HERE = Path(__file__).resolve().parent
MATHJAX_DIR = HERE / "node_modules" / "mathjax"
MATHJAX_ENTRY = MATHJAX_DIR / "es5" / "tex-mml-chtml.js"
# Sphinx's default `mathjax_path` (MathJax 3): https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js.
# MathJax then loads its fonts and any extension from the same base URL.
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3(?:\.[0-9.]+)?/(?P<path>[^?#]*)")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
KINDS = (
    "request",
    "offline",
    "image",
    "javascript",
    "link",
    "math",
    "navigation",
    "layout",
    "overflow",
    "clipped",
    "code-break",
    "figure-text",
)
# The column the text is set in: sphinx-book-theme's article, else the page's main element.
ARTICLE_SELECTOR = "article.bd-article"
# The smallest text a reader should have to read in a figure, in CSS px.
MIN_FIGURE_TEXT_PX = 9.0
# Pages that are not part of the reading order: generated indexes and the search page.
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
SKIP_DIRS = ("_static/", "_sources/", "_images/", "_modules/", "_downloads/")
# The sidebar navigation of sphinx-book-theme / pydata-sphinx-theme.
NAV_SELECTOR = "nav.bd-docs-nav a[href]"
MATHJAX_TIMEOUT_MS = 20_000
_REFRESH = re.compile(r"""<meta[^>]*http-equiv=["']?refresh[^>]*>""", re.I)
_REFRESH_URL = re.compile(r"""url=["']?([^"'>\s]+)""", re.I)


def browser_deps_missing() -> str | None:
    """Why the browser checks cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium package"
    if not MATHJAX_ENTRY.is_file():
        return f"{MATHJAX_ENTRY} is missing: `make browser-deps` runs `npm ci --prefix tests/browser`"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Launch Debian's headless Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class Problem:
    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: [{self.kind}] {self.detail}"


@dataclass
class Report:
    """What the checker saw: the pages, the problems, and evidence that the checks ran."""

    pages: list[str] = field(default_factory=list)
    home: str = "index.html"
    problems: list[Problem] = field(default_factory=list)
    formulas: dict[str, int] = field(default_factory=dict)  # typeset formulas per page
    routed: set[str] = field(default_factory=set)  # MathJax files answered from the local copy
    screenshots: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, page: str, kind: str, detail: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        problem = Problem(page, kind, detail)
        if problem not in self.problems:  # a fault seen at both widths is one fault
            self.problems.append(problem)

    def of(self, kind: str, page: str | None = None) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind and (page is None or p.page == page)]

    def text(self, kind: str | None = None) -> str:
        return "\n".join(str(p) for p in self.problems if kind is None or p.kind == kind)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 on a free port; yield the base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _redirect_target(path: Path) -> str | None:
    tag = _REFRESH.search(path.read_text(errors="replace")[:3000])
    url = _REFRESH_URL.search(tag[0]) if tag else None
    return url[1] if url else None


def site_pages(root: Path) -> tuple[list[str], dict[str, str]]:
    """The HTML pages of the site (paths relative to ``root``) and its redirect pages.

    Returns ``(pages, redirects)``: ``redirects`` maps each redirect page (such as the
    index.html that Jupyter Book writes) to the page it points to, relative to ``root``.
    """
    pages: list[str] = []
    redirects: dict[str, str] = {}
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(SKIP_DIRS) or rel in SKIP_PAGES:
            continue
        target = _redirect_target(path)
        if target is None:
            pages.append(rel)
        else:
            resolved = urljoin("http://site/" + rel, target)
            redirects[rel] = unquote(urldefrag(resolved)[0].removeprefix("http://site/"))
    return pages, redirects


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


@functools.lru_cache(maxsize=256)
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


# Runs in the page once it has loaded and MathJax has finished. Returns what Python checks.
_INSPECT_JS = r"""
async ([navSelector]) => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
  const images = imgs.map(img => ({
    src: img.getAttribute('src') || '', loaded: img.complete && img.naturalWidth > 0,
    alt: img.getAttribute('alt')}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const short = s => s.replace(/\s+/g, ' ').trim().slice(0, 100);
  const mathErrors = [...document.querySelectorAll('mjx-merror, merror')].map(
    e => short(e.getAttribute('data-mjx-error') || e.textContent || ''));
  // MathJax replaces the TeX inside a .math element with an mjx-container; TeX it skipped
  // (unbalanced braces, a missing delimiter) stays behind as text.
  const unrendered = [];
  for (const m of document.querySelectorAll('.math')) {
    if (m.closest('mjx-container')) continue;
    const leftover = [...m.childNodes].filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!m.querySelector('mjx-container') || leftover.length)
      unrendered.push(short(leftover.map(n => n.textContent).join(' ') || m.textContent));
  }
  // Raw TeX in the text, outside any formula and outside code: math that was never marked up.
  const rawTex = /\\\(|\\\[|\$\$|\\(?:begin|end)\{|\$[^$\n]*?(?:\\[A-Za-z]+|[\^_]\{?)[^$\n]*?\$|\\[A-Za-z]+\{/;
  const skip = 'script, style, pre, code, kbd, samp, textarea, .math, mjx-container, .highlight';
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (rawTex.test(n.textContent) && !n.parentElement.closest(skip)) raw.push(short(n.textContent));
  }
  const nav = [...document.querySelectorAll(navSelector)].map(a => a.href);
  const formulas = document.querySelectorAll('mjx-container').length;
  return {images, links, mathErrors, unrendered, raw, nav, formulas};
}
"""

# At phone width: how wide the page is, and the outermost elements that stick out.
_WIDTH_JS = r"""
() => {
  const limit = window.innerWidth + 1;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (wide.length >= 3) break;
    const r = el.getBoundingClientRect();
    if (r.right > limit && !(el.parentElement && el.parentElement.getBoundingClientRect().right > limit)) {
      wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ` (${Math.round(r.right)} px)`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
}
"""

_WAIT_MATHJAX_JS = """
(timeout) => {
  const startup = window.MathJax && window.MathJax.startup;
  if (!startup || !startup.promise) return 'no-mathjax';
  return Promise.race([startup.promise.then(() => 'done'),
                       new Promise(resolve => setTimeout(() => resolve('timeout'), timeout))]);
}
"""


# Opens what a reader can open: solutions and toggles (sphinx-togglebutton), <details>
# (hidden code cells), so that the layout checks see their content.
_EXPAND_JS = r"""
async () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  for (const b of document.querySelectorAll('.toggle-hidden .toggle-button, button.toggle-button-hidden')) b.click();
  for (const e of document.querySelectorAll('.toggle-hidden')) e.classList.remove('toggle-hidden');
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await new Promise(resolve => setTimeout(resolve, 150));
  return true;
}
"""

# The layout of the article column: what sticks out of it, scrolling boxes with no hint,
# clipped formulas and inline code broken inside a word. See the module docstring.
_COLUMN_JS = r"""
([articleSelector]) => {
  const art = document.querySelector(articleSelector) || document.querySelector('main') || document.body;
  const acs = getComputedStyle(art), ar = art.getBoundingClientRect();
  const colLeft = ar.left + parseFloat(acs.paddingLeft), colRight = ar.right - parseFloat(acs.paddingRight);
  const px = v => Math.round(v);
  const short = (s, n = 60) => {
    s = (s || '').replace(/\s+/g, ' ').trim();
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  };
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    const cls = typeof el.className === 'string' ? el.className.trim().split(/\s+/).filter(Boolean) : [];
    return cls.length ? s + '.' + cls.slice(0, 2).join('.') : s;
  };
  const section = el => { const s = el.closest('section[id]'); return s ? ' in #' + s.id : ''; };
  const mathText = c => short((c.querySelector('mjx-assistive-mml') || c).textContent);
  const describe = el => {
    const m = el.matches('mjx-container, mjx-math') ? el.closest('mjx-container') : el.querySelector('mjx-container');
    const text = m && el.matches('mjx-container, mjx-math, .math')
      ? mathText(m) : short(el.textContent || el.getAttribute('alt') || '');
    return name(el) + (text ? ` "${text}"` : '') + section(el);
  };
  const scrolls = cs => cs.overflowX === 'auto' || cs.overflowX === 'scroll';
  const clientBox = el => {
    const left = el.getBoundingClientRect().left + el.clientLeft;
    return {left, right: left + el.clientWidth};
  };
  const hinted = cs => {
    const mask = cs.getPropertyValue('mask-image') + ' ' + cs.getPropertyValue('-webkit-mask-image');
    return /gradient/.test(mask) || /inset/.test(cs.boxShadow)
      || (/gradient/.test(cs.backgroundImage) && /local/.test(cs.backgroundAttachment));
  };
  // Every element of the article, but not the inside of a typeset formula (its mjx-math box
  // stands for it).
  const els = [];
  const walker = document.createTreeWalker(art, NodeFilter.SHOW_ELEMENT, {acceptNode: n =>
    n.parentElement.closest('mjx-container') && n.tagName.toLowerCase() !== 'mjx-math'
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let n = walker.nextNode(); n; n = walker.nextNode()) els.push(n);
  const styles = new Map(els.map(el => [el, getComputedStyle(el)]));
  const style = el => styles.get(el) || getComputedStyle(el);
  const outside = (r, box) => r.left < box.left - 1 || r.right > box.right + 1;
  const column = {left: colLeft, right: colRight};
  const overflow = [], unhinted = [], clipped = [], breaks = [];
  for (const el of els) {
    const cs = style(el);
    if (cs.position === 'fixed' || cs.visibility === 'hidden' || cs.display === 'none') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (scrolls(cs) && el.scrollWidth > el.clientWidth + 1 && !hinted(cs)) {
      unhinted.push(`${describe(el)} scrolls sideways (${el.scrollWidth} px of content in ${el.clientWidth} px)`
        + ' with no visible hint');
    }
    if (el.matches('mjx-math, mjx-container')) continue;  // formulas: see below
    let box = el.parentElement;
    while (box && box !== art && style(box).overflowX === 'visible') box = box.parentElement;
    const parent = el.parentElement;
    if (!box || box === art) {
      if (outside(r, column) && (parent === art || !outside(parent.getBoundingClientRect(), column))) {
        overflow.push(`${describe(el)} is ${px(r.width)} px wide, past the ${px(colRight - colLeft)} px column`
          + ` (${px(r.left - colLeft)} to ${px(r.right - colLeft)} px)`);
      }
    } else if (!scrolls(style(box))) {
      const clip = clientBox(box);
      if (outside(r, clip) && (parent === box || !outside(parent.getBoundingClientRect(), clip))) {
        overflow.push(`${describe(el)} (${px(r.width)} px) is cut off by ${name(box)}`
          + ` (${px(clip.right - clip.left)} px, overflow-x: ${style(box).overflowX})`);
      }
    }
  }
  for (const c of document.querySelectorAll('mjx-container')) {
    const m = c.querySelector('mjx-math') || c;
    const r0 = m.getBoundingClientRect();
    if (r0.width === 0 || getComputedStyle(c).visibility === 'hidden') continue;
    let r = {left: r0.left, right: r0.right}, cut = null;
    for (let a = c; a && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'visible') continue;
      const box = clientBox(a);
      if (scrolls(cs)) {
        r = {left: Math.max(r.left, box.left), right: Math.min(r.right, box.right)};
        continue;
      }
      if (outside(r, box)) {
        cut = `cut off by ${name(a)} (overflow-x: ${cs.overflowX}; ${px(box.right - box.left)} px)`;
        break;
      }
    }
    if (!cut && (r.right > window.innerWidth + 1 || r.left < -1)) {
      cut = `running past the edge of the ${window.innerWidth} px window`;
    }
    if (cut) clipped.push(`formula ${px(r0.width)} px wide "${mathText(c)}"${section(c)} is ${cut}`);
  }
  const word = /[\p{L}\p{N}]/u;
  for (const code of art.querySelectorAll('code')) {
    if (code.closest('pre') || code.getClientRects().length < 2 && style(code).display === 'inline') continue;
    // Each character's box; a space where the line wraps has none (it collapses), and a
    // break there is between words.
    const chars = [];
    let text = '';
    const texts = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let t = texts.nextNode(); t; t = texts.nextNode()) {
      for (let i = 0; i < t.data.length; i++, text += t.data[i - 1]) {
        range.setStart(t, i); range.setEnd(t, i + 1);
        const rects = range.getClientRects();
        if (!rects.length) continue;
        const last = rects[rects.length - 1];
        chars.push({at: text.length, ch: t.data[i], top: last.top, height: last.height});
      }
    }
    for (let k = 1; k < chars.length; k++) {
      const a = chars[k - 1], b = chars[k];
      if (b.at === a.at + 1 && b.top > a.top + a.height / 2 && word.test(a.ch) && word.test(b.ch)) {
        breaks.push(`code "${short(text, 80)}"${section(code)} wraps inside a word:`
          + ` "${text.slice(Math.max(0, b.at - 12), b.at)}|${text.slice(b.at, b.at + 12)}"`);
      }
    }
  }
  return {overflow: [...overflow, ...unhinted], clipped, breaks};
}
"""

# Every image of the page (after the toggles are open): its file, natural and shown width.
_FIGURES_JS = r"""
() => [...document.images].filter(img => img.naturalWidth > 0).map(img => ({
  src: img.getAttribute('src') || '', url: img.currentSrc || img.src,
  natural: img.naturalWidth, shown: img.getBoundingClientRect().width}))
"""


def made_by_matplotlib(data: bytes) -> bool:
    """Whether an image file says matplotlib wrote it (PNG text chunk or SVG metadata)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        pos = 8
        while pos + 8 <= len(data):
            size = int.from_bytes(data[pos : pos + 4], "big")
            kind = data[pos + 4 : pos + 8]
            if kind in (b"tEXt", b"iTXt", b"zTXt"):
                key, _, value = data[pos + 8 : pos + 8 + size].partition(b"\0")
                if key == b"Software" and b"matplotlib" in value.lower():
                    return True
            if kind == b"IEND":
                break
            pos += 12 + size
        return False
    head = data[:4000].lower()
    return b"<svg" in head and b"matplotlib" in head


@dataclass(frozen=True)
class FigureStyle:
    """The plot style the book's figures are drawn in: smallest font size (pt) and dots per inch."""

    min_pt: float
    dpi: float

    def text_px(self, shown: float, natural: float) -> float:
        """Size in CSS px of the smallest text of a figure shown ``shown`` px wide of ``natural``."""
        return self.min_pt * self.dpi / 72 * shown / natural


# The rcParams of matplotlib that set a size of text.
_FONT_KEYS = re.compile(r"^(font\.size|.*\.(?:fontsize|labelsize|titlesize|title_fontsize))$")


def figure_style(rc: dict[str, Any]) -> FigureStyle:
    """The smallest text size (pt) and the dpi of figures saved under these matplotlib rcParams.

    Named sizes ("small", "x-large", ...) are resolved by matplotlib against ``font.size``.
    The dpi is ``savefig.dpi`` (what the notebook's inline backend and ``savefig`` use), or
    ``figure.dpi`` when that is "figure".
    """
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    with mpl.rc_context(rc):
        params = mpl.rcParams
        sizes = [FontProperties(size=params[key]).get_size_in_points() for key in rc if _FONT_KEYS.match(key)]
        dpi = params["savefig.dpi"]
        dpi = params["figure.dpi"] if dpi == "figure" else dpi
    if not sizes:
        raise ValueError("the style sets no font size")
    return FigureStyle(min_pt=float(min(sizes)), dpi=float(dpi))


def _alt_problem(src: str, alt: str | None) -> str | None:
    if alt is None or not alt.strip():
        return f"image without alt text: {src}"
    name = src.rsplit("/", 1)[-1]
    if alt.strip() in (src, name) or alt.strip().rsplit("/", 1)[-1] == name:
        return f"image alt text is only its file name: {src}"
    return None


class _Checker:
    def __init__(self, root: Path, base: str, report: Report) -> None:
        self.root = root
        self.base = base
        self.origin = urlparse(base).netloc
        self.report = report
        self.page = ""
        self.nav: dict[str, set[str]] = {}

    def local_path(self, url: str) -> str | None:
        """The path relative to the site's root of a URL on the local server, else None."""
        if not url.startswith(self.base):
            return None
        path = unquote(urldefrag(url)[0][len(self.base) :])
        return path or "index.html"

    def route(self, route: Route) -> None:
        url = route.request.url
        if urlparse(url).netloc == self.origin:
            route.continue_()
            return
        match = MATHJAX_CDN.match(url)
        if match:
            local = MATHJAX_DIR / match["path"]
            if local.is_file():
                self.report.routed.add(match["path"])
                route.fulfill(path=str(local))
                return
            self.report.add(self.page, "offline", f"MathJax file not in the local copy (aborted): {url}")
        else:
            self.report.add(self.page, "offline", f"request to another host (aborted): {url}")
        route.abort()

    def open(self, page: Page, rel: str, errors: list[tuple[str, str]]) -> None:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                where = (msg.location.get("url") or "").removeprefix(self.base) if msg.location else ""
                errors.append(("javascript", f"console error: {msg.text}" + (f" ({where})" if where else "")))

        def on_failed(request: Request) -> None:
            if urlparse(request.url).netloc == self.origin:
                errors.append(("request", f"request failed ({request.failure}): {request.url.removeprefix(self.base)}"))

        def on_response(response: Response) -> None:
            if response.status >= 400:
                errors.append(("request", f"HTTP {response.status}: {response.url.removeprefix(self.base)}"))

        page.on("pageerror", lambda e: errors.append(("javascript", f"JavaScript error: {e}")))
        page.on("console", on_console)
        page.on("requestfailed", on_failed)
        page.on("response", on_response)
        from playwright.sync_api import Error

        try:
            page.goto(urljoin(self.base, rel), wait_until="load")
        except Error as error:
            errors.append(("request", f"the page did not load: {error.message.splitlines()[0]}"))
            return
        state = page.evaluate(_WAIT_MATHJAX_JS, MATHJAX_TIMEOUT_MS)
        if state == "timeout":
            errors.append(("math", f"MathJax had not finished typesetting after {MATHJAX_TIMEOUT_MS / 1000:g} s"))
        page.evaluate("() => document.fonts.ready.then(() => true)")

    def inspect(self, page: Page, rel: str) -> None:
        found = page.evaluate(_INSPECT_JS, [NAV_SELECTOR])
        add = functools.partial(self.report.add, rel)
        self.report.formulas[rel] = found["formulas"]
        for img in found["images"]:
            if not img["loaded"]:
                add("image", f"image does not load: {img['src']}")
            alt = _alt_problem(img["src"], img["alt"])
            if alt:
                add("image", alt)
        for message in found["mathErrors"]:
            add("math", f"MathJax error in a formula: {message}")
        for source in found["unrendered"]:
            add("math", f"formula left unrendered (unbalanced braces?): {source}")
        for text in found["raw"]:
            add("math", f"raw TeX in the text, not typeset: {text}")
        self.nav[rel] = {p for p in map(self.local_path, found["nav"]) if p is not None}
        for url in dict.fromkeys(found["links"]):
            self.check_link(rel, url)

    def check_link(self, rel: str, url: str) -> None:
        path = self.local_path(url)
        if path is None:
            return
        shown = url[len(self.base) :]
        target = self.root / path
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            self.report.add(rel, "link", f"broken link: {shown}")
            return
        fragment = unquote(urldefrag(url)[1])
        checkable = fragment and not fragment.startswith(":~:") and target.suffix == ".html"
        if checkable and fragment not in _ids_of(target):
            self.report.add(rel, "link", f"broken anchor: {shown}")

    def column(self, page: Page, rel: str, label: str) -> None:
        """The layout of the article column at this width (toggles already open)."""
        found = page.evaluate(_COLUMN_JS, [ARTICLE_SELECTOR])
        width = VIEWPORTS[label]["width"]
        for kind, key in (("overflow", "overflow"), ("clipped", "clipped"), ("code-break", "breaks")):
            for detail in found[key]:
                self.report.add(rel, kind, f"at {width} px: {detail}")

    def figures(self, page: Page, rel: str, style: FigureStyle) -> None:
        """Figures made by matplotlib whose smallest text is shown below MIN_FIGURE_TEXT_PX."""
        for img in page.evaluate(_FIGURES_JS):
            path = self.local_path(img["url"].split("?", 1)[0])
            if path is None or not (self.root / path).is_file() or img["shown"] == 0:
                continue
            if not made_by_matplotlib((self.root / path).read_bytes()):
                continue
            size = style.text_px(img["shown"], img["natural"])
            if size < MIN_FIGURE_TEXT_PX - 0.05:
                self.report.add(
                    rel,
                    "figure-text",
                    f"{img['src']}: smallest text {size:.1f} px (< {MIN_FIGURE_TEXT_PX:g}), the figure shown"
                    f" {round(img['shown'])} px wide of its {img['natural']} px ({img['shown'] / img['natural']:.0%})",
                )

    def layout(self, page: Page, rel: str) -> None:
        width = page.evaluate(_WIDTH_JS)
        if width["scroll"] > width["inner"] + 1:
            wide = ", ".join(width["wide"]) or "no single element"
            size = f"{width['scroll']} px wide in {width['inner']} px"
            self.report.add(rel, "layout", f"the phone layout scrolls sideways: {size}; too wide: {wide}")


def check_site(
    root: Path,
    browser: Browser,
    *,
    screenshots: Path | None = None,
    pages: list[str] | None = None,
    figure_style: FigureStyle | None = None,
) -> Report:
    """Open every page of the site built in ``root`` in ``browser`` and report the problems.

    ``screenshots``: a folder for a PNG of each page's first screen at each width.
    ``pages``: check only these pages (paths relative to ``root``) instead of all of them; the
    navigation is then checked only if the home page is one of them.
    ``figure_style``: the style the site's matplotlib figures are drawn in; without it the
    ``figure-text`` check does not run.
    """
    started = time.perf_counter()
    root = root.resolve()
    _ids_of.cache_clear()  # a rebuilt site may reuse the same paths
    found, redirects = site_pages(root)
    report = Report(pages=found if pages is None else list(pages))
    report.home = redirects.get("index.html", "index.html")
    for stub, target in redirects.items():
        if not (root / target).is_file():
            report.add(stub, "link", f"redirects to a missing page: {target}")
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)

    with serve(root) as base:
        checker = _Checker(root, base, report)
        for rel in report.pages:
            checker.page = rel
            for label, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport)
                try:
                    context.route("**/*", checker.route)
                    page = context.new_page()
                    errors: list[tuple[str, str]] = []
                    checker.open(page, rel, errors)
                    if label == "desktop":
                        checker.inspect(page, rel)
                    else:
                        checker.layout(page, rel)
                    if screenshots is not None:  # the first screen, as a reader lands on it
                        shot = screenshots / f"{rel.removesuffix('.html').replace('/', '__')}-{label}.png"
                        page.screenshot(path=str(shot))
                        report.screenshots.append(shot)
                    page.evaluate(_EXPAND_JS)
                    checker.column(page, rel, label)
                    if label == "desktop" and figure_style is not None:
                        checker.figures(page, rel, figure_style)
                    for kind, detail in dict.fromkeys(errors):
                        report.add(rel, kind, detail)
                finally:
                    context.close()

    if report.home in checker.nav:
        _check_navigation(report, checker.nav)
    elif pages is None:
        report.add(report.home, "navigation", "the site has no home page to start the navigation from")
    report.seconds = time.perf_counter() - started
    return report


def _check_navigation(report: Report, nav: dict[str, set[str]]) -> None:
    """Every page must be reachable from the home page by following sidebar links."""
    if report.home in nav and not nav[report.home]:
        report.add(report.home, "navigation", f"the home page has no sidebar navigation ({NAV_SELECTOR})")
    reached = {report.home}
    todo = [report.home]
    while todo:
        for target in nav.get(todo.pop(), set()) - reached:
            reached.add(target)
            todo.append(target)
    for rel in report.pages:
        if rel not in reached:
            report.add(rel, "navigation", f"the page is missing from the navigation (not reachable from {report.home})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("root", type=Path, help="the built site, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, help="folder for the screenshots")
    args = parser.parse_args(argv)
    missing = browser_deps_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    style = None
    with contextlib.suppress(ImportError):
        from lossutils.plot import STYLE

        style = figure_style(STYLE)
    with chromium() as browser:
        report = check_site(args.root, browser, screenshots=args.screenshots, figure_style=style)
    print(report.text() or "no problems", f"\n{len(report.pages)} pages in {report.seconds:.1f} s")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
