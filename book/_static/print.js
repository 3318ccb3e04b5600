/* Before the browser prints (the header's ".pdf" button, Ctrl+P, or tests/make_pdf.py, which
   calls window.bookPreparePrint()): open every <details> (hidden code cells) and shrink each
   table or display formula that is wider than the printed page, even with print.css's smaller
   type and wrapping cells, to the page width, so its last column is on paper. A figure's link
   to its image file (book/_static/figure-zoom.js) is no link on paper: in a PDF it would point
   at the server the page was printed from. Afterwards the screen is put back as it was. */
(() => {
  // A4 or US Letter minus print.css's 14 mm side margins (182 mm), in CSS pixels, rounded down.
  const PRINT_WIDTH_PX = 680;
  const WIDE = '.bd-article table, .bd-article mjx-container[display="true"]';

  function naturalWidth(el) {
    const saved = el.getAttribute("style");
    if (el.tagName === "TABLE") {
      el.style.display = "table";
      el.style.fontSize = "8.5pt"; // print.css's table type
    }
    el.style.width = "min-content";
    const width = el.getBoundingClientRect().width;
    if (saved === null) el.removeAttribute("style");
    else el.setAttribute("style", saved);
    return width;
  }

  function prepare() {
    document.querySelectorAll("details:not([open])").forEach((el) => {
      el.open = true;
      el.dataset.printOpened = "true";
    });
    document.querySelectorAll("a.figure-zoom[href]").forEach((el) => {
      el.dataset.printHref = el.getAttribute("href");
      el.removeAttribute("href");
    });
    document.querySelectorAll(WIDE).forEach((el) => {
      el.style.zoom = "";
      const width = naturalWidth(el);
      if (width > PRINT_WIDTH_PX) {
        el.style.zoom = (Math.floor((1000 * PRINT_WIDTH_PX) / width) / 1000).toString();
        el.dataset.printZoom = "true";
      }
    });
  }

  function restore() {
    document.querySelectorAll("details[data-print-opened]").forEach((el) => {
      el.open = false;
      delete el.dataset.printOpened;
    });
    document.querySelectorAll("a[data-print-href]").forEach((el) => {
      el.setAttribute("href", el.dataset.printHref);
      delete el.dataset.printHref;
    });
    document.querySelectorAll("[data-print-zoom]").forEach((el) => {
      el.style.zoom = "";
      delete el.dataset.printZoom;
    });
  }

  window.addEventListener("beforeprint", prepare);
  window.addEventListener("afterprint", restore);
  window.bookPreparePrint = prepare;
})();
