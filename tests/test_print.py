"""The printed book: each page under Chromium's print emulation, and the whole-book PDF.

A reader prints a page with the header's ".pdf" button (the browser's print) or reads the PDF
that tests/make_pdf.py prints from every page. Under print emulation, at the width of an A4
page's printable area, after the ``beforeprint`` event a real print sends:

- every solution's content is shown (on screen they are closed dropdowns);
- every hidden code cell (hide-input) shows its code;
- every table's last column ends inside the page;
- no code block is cut at the margin (it wraps instead of scrolling);
- no figure is taller than the printable height of a page (it would be cut across two);
- no figure is a link (it would point at the server the page was printed from).

The PDF has a page for each page of the table of contents at least, and its outline
(bookmarks) names each of them; each entry of its contents is a link to its page; no page is
empty (no text but its number, no image); no link points at the local server it was printed from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser.site_checker import _WAIT_MATHJAX_JS, MATHJAX_TIMEOUT_MS, serve
from make_pdf import PDF_NAME, build_pdf, toc_entries

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# An A4 page (210 mm) less print.css's 14 mm side margins, in CSS pixels: what Chromium lays
# a printed page out at.
PAGE_WIDTH_PX = 688
# An A4 page (297 mm) less print.css's 14 mm top and 16 mm bottom margins, in CSS pixels.
PAGE_HEIGHT_PX = 1009

_PRINT_PROBLEMS_JS = r"""
([pageWidth, pageHeight]) => {
  const problems = [];
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.height < 1 || box.width < 1) return false;
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.visibility === "hidden" || style.display === "none" || parseFloat(style.opacity) < 0.99) return false;
    }
    return true;
  };
  const where = (el) =>
    (el.id ? "#" + el.id : "") + " " + (el.innerText || "").trim().slice(0, 60).replace(/\s+/g, " ");
  document.querySelectorAll(".bd-article .solution").forEach((sol) => {
    const content = [...sol.children].filter((c) => !c.classList.contains("admonition-title"));
    if (!content.length || !content.every(shown)) problems.push("solution not shown: " + where(sol));
  });
  document.querySelectorAll(".bd-article details.hide .cell_input").forEach((cell) => {
    if (!shown(cell)) problems.push("hidden code cell not shown: " + where(cell));
  });
  document.querySelectorAll(".bd-article table").forEach((table) => {
    if (!shown(table)) return;
    let right = 0;
    table.querySelectorAll("tr > :last-child").forEach((cell) => {
      right = Math.max(right, cell.getBoundingClientRect().right);
    });
    if (right > pageWidth + 1) {
      problems.push(`table's last column ends at ${Math.round(right)} px > ${pageWidth}: ` + where(table));
    }
  });
  document.querySelectorAll(".bd-article pre").forEach((pre) => {
    if (!shown(pre)) return;
    const cut = pre.scrollWidth > pre.clientWidth + 1 || pre.getBoundingClientRect().right > pageWidth + 1;
    if (cut) problems.push(`code cut at the margin (${pre.scrollWidth} px wide in ${pre.clientWidth}): ` + where(pre));
  });
  document.querySelectorAll(".bd-article figure img, .bd-article .cell_output img").forEach((img) => {
    if (!shown(img)) return;
    const height = img.getBoundingClientRect().height;
    if (height > pageHeight) problems.push(`figure ${Math.round(height)} px tall > ${pageHeight}: ` + where(img));
    if (img.closest("a[href]")) problems.push("figure printed as a link: " + where(img));
  });
  return problems;
}
"""


def print_problems(browser: Browser, html_dir: Path, docs: list[str]) -> list[str]:
    """What a printed page of ``docs`` hides or cuts, page by page (empty when all is on paper)."""
    problems = []
    page = browser.new_page(viewport={"width": PAGE_WIDTH_PX, "height": 1000})
    try:
        with serve(html_dir) as base:
            for doc in docs:
                page.goto(f"{base}{doc}.html", wait_until="load")
                page.evaluate(_WAIT_MATHJAX_JS, MATHJAX_TIMEOUT_MS)
                page.emulate_media(media="print")
                page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
                page.wait_for_timeout(100)
                problems += [f"{doc}: {p}" for p in page.evaluate(_PRINT_PROBLEMS_JS, [PAGE_WIDTH_PX, PAGE_HEIGHT_PX])]
                page.emulate_media(media="screen")
    finally:
        page.close()
    return problems


def test_printed_pages_show_everything(built_book: Path, chromium_browser: Browser) -> None:
    docs = [entry.doc for entry in toc_entries()]
    problems = print_problems(chromium_browser, built_book, docs)
    assert not problems, f"{len(problems)} print problems:\n" + "\n".join(problems[:60])


@pytest.fixture(scope="module")
def book_pdf(built_book: Path, chromium_browser: Browser) -> Path:
    """The whole-book PDF of the built book (made here when the build did not make it)."""
    path = built_book / "_downloads" / PDF_NAME
    if not path.exists():
        build_pdf(built_book)
    return path


def test_whole_book_pdf(book_pdf: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    entries = toc_entries()
    assert len(reader.pages) >= len(entries) + 2  # a title page and a table of contents, then the book

    def titles(outline: list) -> list[str]:
        out = []
        for item in outline:
            out += titles(item) if isinstance(item, list) else [item.title]
        return out

    bookmarks = titles(reader.outline)
    html = book_pdf.parents[1]
    for entry in entries:
        title = (html / f"{entry.doc}.html").read_text().split("<title>", 1)[1].split(" &#8212; ")[0]
        title = title.split("</title>")[0].strip()
        assert any(title.replace("&amp;", "&") in bookmark for bookmark in bookmarks), (title, bookmarks)


def pdf_problems(path: Path) -> list[str]:
    """Empty pages (nothing but a page number: no other text, no image) and links to the server
    the PDF was printed from, page by page."""
    import re

    from pypdf import PdfReader

    problems = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        text = re.sub(r"^\s*\d+\s*$", "", page.extract_text() or "", flags=re.M).strip()
        if not text and not page.images:
            problems.append(f"p. {number}: empty")
        for ref in page.get("/Annots") or []:
            action = ref.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", uri):
                problems.append(f"p. {number}: link to {uri}")
    return problems


def test_pdf_has_no_empty_page_and_no_dead_link(book_pdf: Path) -> None:
    problems = pdf_problems(book_pdf)
    assert not problems, f"{len(problems)} problems in the PDF:\n" + "\n".join(problems[:40])


def test_pdf_contents_entries_link_to_their_pages(book_pdf: Path) -> None:
    """Each entry of the contents (pages 2 and on, before the book's first page) is a link."""
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    entries = toc_entries()
    front = reader.get_destination_page_number(reader.outline[0])  # the landing page's bookmark comes first
    links = 0
    for page in reader.pages[1:front]:
        for ref in page.get("/Annots") or []:
            action = ref.get_object().get("/A")
            links += action is not None and action.get_object().get("/S") == "/GoTo"
    assert links == len(entries)
