"""Open every page of a built site in headless Chromium and report what a reader would hit.

The checker is shared by the test of the real book (tests/test_browser.py) and by the test
of the checker itself on a deliberately broken site (tests/test_browser_checker.py).

It reports, per page: local requests that fail or return >= 400; any request to another
host (aborted: the book must not need one), except MathJax's CDN, which is answered from
the local npm copy in tests/browser/node_modules; images that do not load or have no alt
text; JavaScript page errors and console errors; links to local pages or #anchors that do
not exist; formulas that MathJax marks as errors or leaves unrendered; pages missing from
the navigation of the home page; and, at phone width, a layout that scrolls sideways.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

HERE = Path(__file__).resolve().parent
MATHJAX_DIR = HERE / "node_modules" / "mathjax"
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/(?P<path>[^?#]*)")
CHROMIUM = "/usr/bin/chromium"
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
_REDIRECT = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh", re.IGNORECASE)


@dataclass
class Report:
    """Problems found, by page; empty when the site is clean."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)

    def add(self, page: str, problem: str) -> None:
        found = self.problems.setdefault(page, [])
        if problem not in found:  # the same fault seen at desktop and phone width is one fault
            found.append(problem)

    def text(self) -> str:
        return "\n".join(f"{page}: {p}" for page, ps in self.problems.items() for p in ps)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yield the base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def site_pages(root: Path) -> list[str]:
    """Every HTML page of the site, relative to its root (search and index pages excepted)."""
    pages = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("_static/", "_sources/", "_images/", "_modules/")) or rel in SKIP_PAGES:
            continue
        if _REDIRECT.search(path.read_text(errors="replace")[:2000]):
            continue  # a redirect stub (the site's index.html points to the landing page)
        pages.append(rel)
    return pages


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@functools.cache
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


_PAGE_JS = """
() => {
  const images = [...document.images].map(img => ({
    src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
    alt: (img.getAttribute('alt') || '').trim()}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const mathErrors = [...document.querySelectorAll('mjx-merror, merror')].map(
    e => (e.getAttribute('data-mjx-error') || e.textContent || '').slice(0, 80));
  const unrendered = [...document.querySelectorAll('.math')].filter(
    m => !m.querySelector('mjx-container')).map(m => m.textContent.trim().slice(0, 80));
  const nav = [...document.querySelectorAll('nav.bd-docs-nav a[href], #site-navigation a[href], nav.site-nav a[href]')]
    .map(a => a.href);
  return {images, links, mathErrors, unrendered, nav};
}
"""


def check_site(root: Path, *, screenshots: Path | None = None, pages: list[str] | None = None) -> Report:
    """Open every page of the site built in ``root`` and report the problems found."""
    from playwright.sync_api import Route, sync_playwright

    report = Report()
    pages = site_pages(root) if pages is None else pages
    report.pages = pages
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)

    with serve(root) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        origin = urlparse(base).netloc
        current = {"page": ""}

        def route(r: Route) -> None:
            url = r.request.url
            if urlparse(url).netloc == origin:
                r.continue_()
                return
            match = MATHJAX_CDN.match(url)
            if match and (MATHJAX_DIR / match["path"]).is_file():
                r.fulfill(path=str(MATHJAX_DIR / match["path"]))
                return
            report.add(current["page"], f"request to another host (aborted): {url}")
            r.abort()

        nav_links: set[str] = set()
        for rel in pages:
            current["page"] = rel
            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = browser.new_context(viewport=viewport)
                context.route("**/*", route)
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(f"JavaScript error: {e}"))
                page.on(
                    "console",
                    lambda m, errors=errors: errors.append(f"console error: {m.text}") if m.type == "error" else None,
                )
                page.on(
                    "requestfailed",
                    lambda rq, errors=errors: (
                        errors.append(f"request failed: {rq.url}") if urlparse(rq.url).netloc == origin else None
                    ),
                )
                page.on(
                    "response",
                    lambda rs, errors=errors: (
                        errors.append(f"HTTP {rs.status}: {rs.url}") if rs.status >= 400 else None
                    ),
                )
                page.goto(urljoin(base, rel), wait_until="load")
                page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
                page.wait_for_timeout(100)
                if label == "desktop":
                    found = page.evaluate(_PAGE_JS)
                    _check_found(report, rel, found, root, base)
                    nav_links.update(found["nav"])
                else:
                    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
                    if width[0] > width[1] + 1:
                        report.add(rel, f"the phone layout scrolls sideways ({width[0]} px wide in {width[1]} px)")
                if screenshots is not None:
                    name = rel.replace("/", "__").removesuffix(".html")
                    page.screenshot(path=str(screenshots / f"{name}-{label}.png"))
                for e in dict.fromkeys(errors):
                    report.add(rel, e)
                context.close()
        browser.close()

    in_nav = {_local_path(link, base) for link in nav_links}
    for rel in pages:
        if rel not in in_nav:
            report.add(rel, "the page is missing from the navigation")
    return report


def _local_path(url: str, base: str) -> str | None:
    if not url.startswith(base):
        return None
    path = unquote(urldefrag(url)[0][len(base) :])
    return path or "index.html"


def _check_found(report: Report, rel: str, found: dict, root: Path, base: str) -> None:  # type: ignore[type-arg]
    for img in found["images"]:
        if not img["loaded"]:
            report.add(rel, f"image does not load: {img['src']}")
        if not img["alt"]:
            report.add(rel, f"image without alt text: {img['src']}")
    for message in found["mathErrors"]:
        report.add(rel, f"MathJax error in a formula: {message}")
    for source in found["unrendered"]:
        report.add(rel, f"formula left unrendered: {source}")
    for url in dict.fromkeys(found["links"]):
        path = _local_path(url, base)
        if path is None:
            continue
        target = root / path
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            report.add(rel, f"broken link: {url[len(base) :]}")
            continue
        fragment = unquote(urldefrag(url)[1])
        if fragment and target.suffix == ".html" and fragment not in _ids_of(target):
            report.add(rel, f"broken anchor: {url[len(base) :]}")
