"""Print the built HTML book into one PDF, offline: a title page, a table of contents with page
numbers, every page of _toc.yml in reading order, page numbers, and a PDF outline (bookmarks)
by part and chapter.

    .venv/bin/python tests/make_pdf.py            # after the HTML build; `make book` runs it

Each page is served from _build/html on 127.0.0.1, opened in Debian's headless Chromium
(never a downloaded browser), left to typeset its formulas with the book's local MathJax, and
printed with Chromium's own print (``page.pdf``), so the PDF shows what the book's print
stylesheet (book/_static/print.css, print.js) gives a reader who prints a page: solutions
and hidden code open, every table column on the page, long code lines wrapped. pypdf joins the
pieces. Links between pages of the book become links inside the PDF (a link to a section of
another chapter lands on that chapter's first page), and so do the entries of the contents;
links to anything else on the local server (a download, an image file) are removed.
"""

from __future__ import annotations

import argparse
import html
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urldefrag

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser.site_checker import _WAIT_MATHJAX_JS, MATHJAX_TIMEOUT_MS, chromium, serve

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
PDF_NAME = "loss-functions-book.pdf"
# print.css's @page margins, repeated here because page.pdf() takes its margins as arguments.
MARGINS = {"top": "14mm", "right": "14mm", "bottom": "16mm", "left": "14mm"}


@dataclass
class Entry:
    """One page of the table of contents: its built file, its part, and where it starts."""

    doc: str  # e.g. "book/04_robust_regression"
    part: str  # the part's caption in _toc.yml ("" for the landing page)
    title: str = ""  # as the page's <title> has it, with the chapter number
    pages: int = 0
    start: int = 0  # 0-based page index in the whole book


def toc_entries(root: Path = ROOT) -> list[Entry]:
    """The pages of _toc.yml in reading order: the landing page, then each part's chapters."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [Entry(toc["root"], "")]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            entries.append(Entry(chapter["file"], part.get("caption", "")))
            for section in chapter.get("sections", []):
                entries.append(Entry(section["file"], part.get("caption", "")))
    return entries


def _print_page(page: Page, url: str) -> bytes:
    page.goto(url, wait_until="load")
    status = page.evaluate(_WAIT_MATHJAX_JS, MATHJAX_TIMEOUT_MS)
    if status == "timeout":
        raise RuntimeError(f"{url}: MathJax did not finish typesetting")
    page.evaluate("() => document.fonts.ready")
    page.evaluate("() => window.bookPreparePrint && window.bookPreparePrint()")
    return _without_trailing_blank_pages(page.pdf(format="A4", margin=MARGINS, print_background=True))


def _without_trailing_blank_pages(pdf: bytes) -> bytes:
    """Chromium may end a page whose text fills its last sheet with one more, empty sheet (the
    article's bottom margin): drop such sheets, which have no text and no image."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    keep = len(reader.pages)
    while keep > 1 and not (reader.pages[keep - 1].extract_text() or "").strip() and not reader.pages[keep - 1].images:
        keep -= 1
    if keep == len(reader.pages):
        return pdf
    writer = PdfWriter()
    writer.append(reader, pages=(0, keep))  # as build_pdf appends: links inside the page kept
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_FRONT_CSS = """
@page { size: A4; margin: 25mm 22mm; }
body { font-family: "DejaVu Sans", sans-serif; color: #222; }
.title { margin-top: 70mm; text-align: center; }
.title h1 { font-size: 28pt; margin: 0 0 6mm; }
.title p { font-size: 12pt; margin: 2mm 0; }
.toc h2 { font-size: 18pt; margin: 0 0 6mm; break-before: page; }
.toc h3 { font-size: 11pt; margin: 5mm 0 1.5mm; color: #555; text-transform: uppercase; }
.toc .row { display: flex; font-size: 10.5pt; margin: 1.2mm 0; color: inherit; text-decoration: none; }
.toc .name { flex: 0 1 auto; }
.toc .dots { flex: 1 1 auto; border-bottom: 1px dotted #999; margin: 0 2mm 1.2mm; }
.toc .num { flex: 0 0 auto; }
"""


def _front_matter(entries: list[Entry], title: str, author: str, source: str, offset: int, base: str = "") -> str:
    """The title page and the contents; each entry links to its page on ``base``, a link that
    _retarget_links turns into one to the entry's first page in the PDF."""
    rows, part = [], None
    for entry in entries:
        if entry.part != part:
            part = entry.part
            if part:
                rows.append(f"<h3>{html.escape(part)}</h3>")
        rows.append(
            f'<a class="row" href="{html.escape(base + entry.doc)}.html"><span class="name">{html.escape(entry.title)}'
            f'</span><span class="dots"></span><span class="num">{entry.start + 1 + offset}</span></a>'
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{_FRONT_CSS}</style></head><body>"
        f"<div class='title'><h1>{html.escape(title)}</h1><p>{html.escape(author)}</p>"
        f"<p>The whole book as one PDF, printed from its web pages.</p>"
        f"<p>Notebooks and code: {html.escape(source)}</p></div>"
        f"<div class='toc'><h2>Contents</h2>{''.join(rows)}</div></body></html>"
    )


def _numbers_pdf(page: Page, count: int) -> bytes:
    """``count`` blank A4 pages carrying only their page number at the foot."""
    pages = "".join(f"<div class='p'><span>{n}</span></div>" for n in range(1, count + 1))
    style = (
        "@page{size:A4;margin:0}body{margin:0;font:9pt 'DejaVu Sans',sans-serif;color:#666}"
        ".p{height:297mm;position:relative;break-after:page}.p span{position:absolute;bottom:7mm;"
        "width:100%;text-align:center}"
    )
    page.set_content(f"<!doctype html><html><head><style>{style}</style></head><body>{pages}</body></html>")
    return page.pdf(format="A4", margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})


def _retarget_links(writer: PdfWriter, base: str, first_page: dict[str, int]) -> tuple[int, int]:
    """Turn links to http://127.0.0.1:port/<page>.html into links to that page in the PDF, and
    remove every other link to that server (a download, an image file): once printed, the server
    is gone, and a reader who clicked would get an error. Returns (retargeted, removed)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    changed = removed = 0
    for pdf_page in writer.pages:
        annots = pdf_page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if not isinstance(uri, str) or not uri.startswith(base):
                kept.append(ref)
                continue
            target = urldefrag(uri[len(base) :])[0]
            if target not in first_page:
                removed += 1
                continue
            dest = ArrayObject([writer.pages[first_page[target]].indirect_reference, NameObject("/XYZ")])
            dest.extend([NumberObject(0), NumberObject(842), NumberObject(0)])
            annot[NameObject("/A")] = DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): dest})
            kept.append(ref)
            changed += 1
        pdf_page[NameObject("/Annots")] = kept
    return changed, removed


def build_pdf(html_dir: Path = HTML, out: Path | None = None, *, verbose: bool = False) -> Path:
    from pypdf import PdfReader, PdfWriter

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    out = out or html_dir / "_downloads" / PDF_NAME
    entries = toc_entries()
    started = time.perf_counter()
    pieces: list[bytes] = []
    with serve(html_dir) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for entry in entries:
            t0 = time.perf_counter()
            pieces.append(_print_page(page, f"{base}{entry.doc}.html"))
            if verbose:
                print(f"{entry.doc}: {time.perf_counter() - t0:.1f} s", flush=True)
            entry.title = page.title().split(" — ")[0].strip()
            entry.pages = len(PdfReader(io.BytesIO(pieces[-1])).pages)
        start = 0
        for entry in entries:
            entry.start, start = start, start + entry.pages
        # The front matter's length moves every page number after it: lay it out until it settles.
        front_pages, front = 0, b""
        for _ in range(3):
            page.set_content(
                _front_matter(
                    entries, config["title"], config["author"], config["repository"]["url"], front_pages, base
                )
            )
            front = page.pdf(format="A4", margin={"top": "25mm", "right": "22mm", "bottom": "25mm", "left": "22mm"})
            pages_now = len(PdfReader(io.BytesIO(front)).pages)
            if pages_now == front_pages:
                break
            front_pages = pages_now
        numbers = PdfReader(io.BytesIO(_numbers_pdf(page, front_pages + start)))

        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
        for piece in pieces:
            writer.append(PdfReader(io.BytesIO(piece)), import_outline=False)
        for index, pdf_page in enumerate(writer.pages):
            if index >= 1:  # no number on the title page
                pdf_page.merge_page(numbers.pages[index])
        first_page = {f"{e.doc}.html": front_pages + e.start for e in entries}
        first_page["index.html"] = first_page[f"{entries[0].doc}.html"]
        links, removed = _retarget_links(writer, base, first_page)

    parts: dict[str, object] = {}
    for entry in entries:
        parent = None
        if entry.part:
            if entry.part not in parts:
                parts[entry.part] = writer.add_outline_item(title=entry.part, page_number=front_pages + entry.start)
            parent = parts[entry.part]
        writer.add_outline_item(title=entry.title, page_number=front_pages + entry.start, parent=parent)  # type: ignore[arg-type]
    writer.add_metadata({"/Title": config["title"], "/Author": config["author"]})
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    seconds = time.perf_counter() - started
    print(
        f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: {len(writer.pages)} pages "
        f"({front_pages} front, {len(entries)} web pages), {links} links retargeted, {removed} removed, "
        f"{out.stat().st_size / 1e6:.1f} MB, {seconds:.0f} s"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=HTML, help="the built site (default _build/html)")
    parser.add_argument("--out", type=Path, default=None, help=f"default <html>/_downloads/{PDF_NAME}")
    parser.add_argument("--verbose", action="store_true", help="print the time each page takes")
    args = parser.parse_args(argv)
    build_pdf(args.html.resolve(), args.out, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
