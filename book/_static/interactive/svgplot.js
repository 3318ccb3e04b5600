/* A small SVG chart for the book's interactive figures: lines, bars, vertical markers, ticks,
 * axis labels. No dependency, no network.
 *
 * The chart is drawn at the pixel size of its box (the viewBox equals the displayed size), so
 * its text is shown at the font size the stylesheet gives it (12-13 px) on a phone as on a
 * laptop, instead of shrinking with the figure. It is redrawn whenever its box changes width.
 *
 *   const chart = LossBook.chart(element, {height: 260, xlabel: "residual r", ylabel: "loss"});
 *   chart.draw({xlim: [-3, 3], ylim: [0, 9],
 *               lines: [{id: "mse", color: "#0072B2", x: xs, y: ys}], vlines: [{x: 0.5}]});
 */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const LossBook = (window.LossBook = window.LossBook || {});

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  /* About `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]. */
  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / Math.max(count, 1);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
    const ticks = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
      ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return { ticks, step };
  }

  /* A tick label: as many decimals as the step needs, and a true minus sign. */
  function tickLabel(value, step) {
    const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return value.toFixed(Math.min(decimals, 6)).replace("-", "\u2212");
  }

  /* Round [lo, hi] outwards to tick values, so the axis ends on a labelled tick. */
  function niceLimits(lo, hi, count) {
    if (!(hi > lo)) {
      const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
      lo -= pad;
      hi += pad;
    }
    const { step } = niceTicks(lo, hi, count);
    return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
  }

  class Chart {
    constructor(svg, options) {
      this.svg = svg;
      this.options = Object.assign({ height: 260, xlog: false, xticks: null }, options);
      this.spec = null;
      this.lastWidth = 0;
      if (window.ResizeObserver) {
        new ResizeObserver(() => {
          const width = Math.round(this.svg.getBoundingClientRect().width);
          if (this.spec && width !== this.lastWidth) this.draw(this.spec);
        }).observe(svg);
      }
    }

    /* Draw (or redraw) the whole chart from `spec`; see the comment at the top of the file. */
    draw(spec) {
      this.spec = spec;
      const o = this.options;
      const svg = this.svg;
      const width = Math.max(200, Math.round(svg.getBoundingClientRect().width) || 600);
      this.lastWidth = width;
      const height = o.height;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      svg.setAttribute("height", height);
      const narrow = width < 420;
      const m = { left: narrow ? 50 : 62, right: 12, top: 10, bottom: 46 };
      const plotW = width - m.left - m.right;
      const plotH = height - m.top - m.bottom;

      const fx = o.xlog ? Math.log : (v) => v;
      const [x0, x1] = spec.xlim.map(fx);
      const [y0, y1] = spec.ylim;
      const sx = (v) => m.left + ((fx(v) - x0) / (x1 - x0)) * plotW;
      const sy = (v) => m.top + (1 - (v - y0) / (y1 - y0)) * plotH;

      const clipId = `${svg.id || "chart"}-clip`;
      const clip = el("clipPath", { id: clipId }, el("defs", {}, svg));
      el("rect", { x: m.left, y: m.top, width: plotW, height: plotH }, clip);

      // grid and ticks
      const grid = el("g", { class: "lb-grid" }, svg);
      const axes = el("g", { class: "lb-axes" }, svg);
      const xt = o.xticks ? { ticks: o.xticks, step: 0.01 } : niceTicks(spec.xlim[0], spec.xlim[1], narrow ? 4 : 8);
      for (const v of xt.ticks) {
        if (v < spec.xlim[0] - 1e-12 || v > spec.xlim[1] + 1e-12) continue;
        el("line", { x1: sx(v), x2: sx(v), y1: m.top, y2: m.top + plotH }, grid);
        const label = o.xticks ? String(v) : tickLabel(v, xt.step);
        el("text", { x: sx(v), y: m.top + plotH + 16, "text-anchor": "middle", class: "lb-tick" }, axes).textContent =
          label;
      }
      const yt = niceTicks(y0, y1, 5);
      for (const v of yt.ticks) {
        el("line", { x1: m.left, x2: m.left + plotW, y1: sy(v), y2: sy(v), class: v === 0 ? "lb-zero" : "" }, grid);
        el("text", { x: m.left - 6, y: sy(v) + 4, "text-anchor": "end", class: "lb-tick" }, axes).textContent =
          tickLabel(v, yt.step);
      }
      el("rect", { x: m.left, y: m.top, width: plotW, height: plotH, class: "lb-frame" }, axes);
      el("text", { x: m.left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "lb-axis-label" }, axes)
        .textContent = o.xlabel;
      el("text", {
        x: 0,
        y: 0,
        transform: `translate(13 ${m.top + plotH / 2}) rotate(-90)`,
        "text-anchor": "middle",
        class: "lb-axis-label",
      }, axes).textContent = o.ylabel;

      const data = el("g", { "clip-path": `url(#${clipId})` }, svg);
      for (const bar of spec.bars || []) {
        const top = sy(Math.max(bar.y, y0));
        el("rect", {
          x: sx(bar.x0) + 1,
          width: Math.max(0, sx(bar.x1) - sx(bar.x0) - 2),
          y: top,
          height: Math.max(0, sy(y0) - top),
          fill: bar.color,
          "fill-opacity": bar.opacity ?? 0.8,
          class: "lb-bar",
          "data-bin": bar.id ?? "",
        }, data);
      }
      for (const line of spec.lines || []) {
        let d = "";
        let pen = false;
        for (let i = 0; i < line.x.length; i++) {
          const y = line.y[i];
          if (y === null || !Number.isFinite(y)) {
            pen = false;
            continue;
          }
          // keep far-off points finite (they are clipped anyway)
          const py = Math.max(-1e4, Math.min(1e4, sy(y)));
          d += `${pen ? "L" : "M"}${sx(line.x[i]).toFixed(2)},${py.toFixed(2)}`;
          pen = true;
        }
        el("path", {
          d,
          fill: "none",
          stroke: line.color,
          "stroke-width": line.width || 2.5,
          "stroke-dasharray": line.dash || "",
          class: "lb-line",
          "data-series": line.id,
        }, data);
      }
      for (const v of spec.vlines || []) {
        el("line", {
          x1: sx(v.x),
          x2: sx(v.x),
          y1: m.top,
          y2: m.top + plotH,
          class: `lb-vline ${v.className || ""}`,
          "stroke-dasharray": v.dash || "",
          "data-marker": v.id || "",
        }, data);
      }
      for (const p of spec.points || []) {
        el("circle", { cx: sx(p.x), cy: sy(p.y), r: 4.5, fill: p.color, class: "lb-point" }, data);
      }
      for (const t of spec.texts || []) {
        const node = el("text", { x: sx(t.x), y: sy(t.y) - 4, "text-anchor": "middle", class: "lb-bar-text" }, data);
        node.textContent = t.text;
      }
    }
  }

  LossBook.chart = (svg, options) => new Chart(svg, options);
  LossBook.niceLimits = niceLimits;
  LossBook.niceTicks = niceTicks;

  /* Small helpers the widgets share to build their controls. */
  LossBook.h = function h(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  };
  LossBook.svg = (attrs) => el("svg", Object.assign({ xmlns: NS, focusable: "false" }, attrs));
  /* A number for the page: fixed decimals and a true minus sign. */
  LossBook.fmt = (v, decimals) => {
    if (!Number.isFinite(v)) return "\u2014";
    const text = v.toFixed(decimals);
    return Number(text) === 0 ? text.replace("-", "") : text.replace("-", "\u2212"); // no "−0.000"
  };
  /* Hide the text that stands in for a widget when JavaScript is off. */
  LossBook.hideFallback = (id) => {
    for (const node of document.querySelectorAll(`.lb-fallback-${id}`)) {
      node.hidden = true;
      node.style.display = "none"; // the theme's admonition style would override [hidden]
    }
  };
})();
