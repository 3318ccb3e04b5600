/* Scroll hint: every box in the article that scrolls sideways (display equations, long inline
 * formulas, tables, code blocks, cell outputs) fades out on the side where content is hidden,
 * so a reader sees there is more without a scrollbar (phones and macOS hide scrollbars until a
 * scroll starts). The fade itself is in custom.css (.scroll-hint-left / .scroll-hint-right). */
(() => {
  "use strict";
  const observed = new WeakSet();
  const scrollsX = (el) => {
    const x = getComputedStyle(el).overflowX;
    return x === "auto" || x === "scroll";
  };
  const update = (el) => {
    const hidden = scrollsX(el) ? el.scrollWidth - el.clientWidth : 0;
    const left = hidden > 1 && el.scrollLeft > 1;
    const right = hidden > 1 && el.scrollLeft < hidden - 1;
    el.classList.toggle("scroll-hint-left", left);
    el.classList.toggle("scroll-hint-right", right);
  };
  const resized = new ResizeObserver((entries) => entries.forEach((e) => update(e.target)));
  const watch = (el) => {
    if (observed.has(el)) return;
    observed.add(el);
    el.addEventListener("scroll", () => update(el), { passive: true });
    resized.observe(el);
    // A table or formula can grow without its box changing size (fonts, MathJax).
    for (const child of el.children) resized.observe(child);
    update(el);
  };
  // An inline formula scrolls only when it is wider than the column (custom.css).
  // (Not when glyphs merely lean a few px past the formula's box, as italic letters do.)
  const fitMath = (span) => {
    let block = span.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    if (!block) return;
    const cs = getComputedStyle(block);
    const room = block.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    span.classList.remove("math-scroll");
    const formula = span.querySelector("mjx-math") || span;
    if (formula.getBoundingClientRect().width > room + 1) span.classList.add("math-scroll");
    update(span);
  };
  const mathResized = new ResizeObserver((entries) => entries.forEach((e) => fitMath(e.target)));
  const scan = () => {
    for (const span of document.querySelectorAll("article.bd-article span.math, main span.math")) {
      if (!observed.has(span) && span.querySelector("mjx-container")) {
        observed.add(span);
        span.addEventListener("scroll", () => update(span), { passive: true });
        mathResized.observe(span);
        fitMath(span);
      }
    }
    const article = document.querySelector("article.bd-article") || document.querySelector("main");
    if (!article) return;
    // Skip the inside of typeset formulas: thousands of elements, none of them a scroll box.
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_ELEMENT, {
      acceptNode: (n) =>
        n.parentElement.closest("mjx-container") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (scrollsX(n)) watch(n);
  };
  const start = () => {
    scan();
    // Formulas appear once MathJax has typeset them.
    const mj = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (mj) mj.then(scan);
    else window.addEventListener("load", () => {
      const later = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
      (later || Promise.resolve()).then(scan);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
