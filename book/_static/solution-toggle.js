/* Solution headers toggle their solution. sphinx-exercise makes most of a solution's header a
 * link back to its exercise ("Solution to Exercise 3.1 (...)"), so on a phone a tap on the
 * header jumped away instead of opening the solution. A plain click or tap on that link now
 * toggles the solution like the rest of the header; a middle-click or ctrl/cmd-click still
 * follows the link. */
(() => {
  "use strict";
  document.addEventListener(
    "click",
    (e) => {
      const link = e.target.closest && e.target.closest(".admonition.toggle > .admonition-title a");
      if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      const button = link.closest(".admonition-title").querySelector("button.toggle-button");
      if (!button) return;
      e.preventDefault();
      e.stopPropagation();
      button.click();
    },
    true,
  );
})();
