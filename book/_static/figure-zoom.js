/* Figures open at full size: each image of the article becomes a link to its image file (with a
 * "⤢ tap to enlarge" line under it on a phone), and a plain click or tap shows it at its real
 * resolution in a dialog that scrolls both ways (close it with its button, Escape, or a tap
 * outside it). The dialog's "Open the image file" opens the PNG on its own, where a phone can
 * pinch-zoom; so does a ctrl/cmd- or middle-click. */
(() => {
  "use strict";
  let dialog = null;
  const build = () => {
    dialog = document.createElement("dialog");
    dialog.className = "figure-zoom-dialog";
    dialog.setAttribute("aria-label", "Figure at full size");
    dialog.innerHTML =
      '<div class="figure-zoom-bar"><a class="figure-zoom-file" target="_blank" rel="noopener">Open the image file</a>' +
      '<button type="button" class="figure-zoom-close" aria-label="Close">Close ✕</button></div>' +
      '<div class="figure-zoom-view"><img alt=""></div>';
    dialog.querySelector(".figure-zoom-close").addEventListener("click", () => dialog.close());
    // A tap on the dark backdrop (outside the dialog's box) closes it too.
    dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
    // Escape closes it (the browser's own Escape handling of a modal dialog can be skipped).
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && dialog.open) dialog.close();
    });
    document.body.appendChild(dialog);
  };
  const open = (img, href) => {
    if (!dialog) build();
    const big = dialog.querySelector(".figure-zoom-view img");
    big.src = href;
    big.alt = img.alt;
    dialog.querySelector(".figure-zoom-file").href = href;
    dialog.showModal();
  };
  const start = () => {
    for (const img of document.querySelectorAll("article.bd-article img")) {
      if (img.closest("a")) continue;
      const href = img.getAttribute("src");
      if (!href) continue;
      const link = document.createElement("a");
      link.className = "figure-zoom";
      link.href = href;
      link.title = "Show the figure at full size";
      img.replaceWith(link);
      link.appendChild(img);
      // On a touch screen nothing shows that a figure opens: a small line under it says so
      // (custom.css shows it on narrow screens only, never on paper).
      const cue = document.createElement("span");
      cue.className = "figure-zoom-cue";
      cue.setAttribute("role", "img");
      cue.setAttribute("aria-label", "Tap to enlarge the figure");
      cue.textContent = "⤢ tap to enlarge";
      link.appendChild(cue);
      link.addEventListener("click", (e) => {
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        open(img, href);
      });
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
