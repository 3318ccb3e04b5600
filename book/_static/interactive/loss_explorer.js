/* The loss explorer: per-sample loss and gradient curves of the book's losses, with their
 * parameter (δ, β, q, m, γ) on a slider.
 *
 * The formulas below mirror lossutils line by line (lossutils/regression.py and
 * lossutils/classification.py), evaluated the way lossutils.plot.loss_curve draws them:
 * losses of a residual at target 0, so x is the residual r = prediction − target; losses of a
 * score at label 1, so x is the margin (label × score). The focal loss, a loss over classes,
 * is drawn for two classes with logits (x, 0) and the first class true, so x is again the
 * margin. tests/test_interactive.py evaluates every function here in Chromium and compares it
 * with lossutils at many points and parameter values.
 */
(function () {
  "use strict";
  const LossBook = (window.LossBook = window.LossBook || {});

  const sign = (v) => (v > 0 ? 1 : v < 0 ? -1 : 0); // np.sign: 0 at 0
  const clip = (v, lo, hi) => Math.min(Math.max(v, lo), hi); // np.clip
  const softplus = (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); // lu.softplus
  const sigmoid = (z) => 1 / (1 + Math.exp(-z)); // lu.sigmoid
  const LOG_COSH_CAP = 20; // lossutils.regression._LOG_COSH_CAP

  /* Okabe–Ito colours (lossutils.plot.PALETTE), and dashes so the curves differ in grey too. */
  const C = { blue: "#0072B2", vermillion: "#D55E00", green: "#009E73", purple: "#CC79A7", orange: "#E69F00",
    sky: "#56B4E9", black: "#000000" };

  /* Each parameter: its symbol, range and lossutils default, and the losses that read it. */
  const PARAMS = {
    delta: { symbol: "δ", name: "Huber δ", min: 0.1, max: 3, step: 0.05, value: 1, decimals: 2 },
    beta: { symbol: "β", name: "smooth L1 β", min: 0, max: 3, step: 0.05, value: 1, decimals: 2 },
    q: { symbol: "q", name: "quantile q", min: 0.05, max: 0.95, step: 0.05, value: 0.5, decimals: 2 }, // q in (0, 1)
    margin: { symbol: "m", name: "hinge margin m", min: 0, max: 2, step: 0.05, value: 1, decimals: 2 },
    gamma: { symbol: "γ", name: "focal γ", min: 0, max: 5, step: 0.1, value: 2, decimals: 1 },
  };

  /* loss(x, p) and grad(x, p): the per-sample loss and its derivative in x, p the parameter. */
  const LOSSES = {
    mse: { label: "MSE", kind: "residual", color: C.blue, dash: "",
      loss: (r) => r * r,
      grad: (r) => 2 * r },
    mae: { label: "MAE", kind: "residual", color: C.vermillion, dash: "7 4",
      loss: (r) => Math.abs(r),
      grad: (r) => sign(r) },
    huber: { label: "Huber", kind: "residual", param: "delta", color: C.green, dash: "",
      loss: (r, delta) => (Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta)),
      grad: (r, delta) => clip(r, -delta, delta) },
    smooth_l1: { label: "smooth L1", kind: "residual", param: "beta", color: C.purple, dash: "2 3",
      // beta = 0 is the L1 loss, as in PyTorch (and no division by 0)
      loss: (r, beta) => (beta === 0 ? Math.abs(r) : Math.abs(r) < beta ? (0.5 * r * r) / beta : Math.abs(r) - 0.5 * beta),
      grad: (r, beta) => (beta === 0 ? sign(r) : clip(r / beta, -1, 1)) },
    log_cosh: { label: "log-cosh", kind: "residual", color: C.orange, dash: "10 3 2 3",
      loss: (r) => {
        const a = Math.abs(r);
        const t = Math.min(a, LOG_COSH_CAP); // beyond the cap, log cosh grows like |r|
        return Math.log1p(2 * Math.sinh(t / 2) ** 2) + (a - t);
      },
      grad: (r) => Math.tanh(r) },
    quantile: { label: "quantile (pinball)", kind: "residual", param: "q", color: C.sky, dash: "5 2",
      loss: (r, q) => {
        const d = -r; // target − prediction
        return Math.max(q * d, (q - 1) * d);
      },
      grad: (r, q) => clip(sign(r), -q, 1 - q) },
    binary_cross_entropy_with_logits: { label: "BCE with logits", kind: "margin", color: C.blue, dash: "",
      loss: (x) => softplus(-x), // y·softplus(−x) + (1 − y)·softplus(x) at label y = 1
      grad: (x) => -sigmoid(-x) }, // (1 − y)·σ(x) − y·σ(−x) at label y = 1
    hinge: { label: "hinge", kind: "margin", param: "margin", color: C.vermillion, dash: "7 4",
      loss: (x, m) => Math.max(0, m - x),
      grad: (x, m) => (m - x > 0 ? -1 : 0) }, // −y·H(m − y·s), H(0) = 0 as in torch
    squared_hinge: { label: "squared hinge", kind: "margin", param: "margin", color: C.green, dash: "",
      loss: (x, m) => Math.max(0, m - x) ** 2,
      grad: (x, m) => -2 * Math.max(0, m - x) },
    focal_loss: { label: "focal", kind: "margin", param: "gamma", color: C.purple, dash: "2 3",
      // two classes, logits (x, 0), true class 0: log p_t = log_softmax((x, 0))[0]
      loss: (x, gamma) => {
        const logPt = twoClassLogSoftmax(x);
        const u = -Math.expm1(logPt); // 1 − p_t, exact even when p_t is within 1e-17 of 1
        return -(u ** gamma) * logPt;
      },
      grad: (x, gamma) => {
        const logPt = twoClassLogSoftmax(x);
        const u = -Math.expm1(logPt);
        const ratio = u > 0 ? logPt / u : -1; // log p_t / u → −1 as u → 0
        const h = u ** gamma * (gamma * Math.exp(logPt) * ratio - 1);
        return -h * (twoClassSoftmax(x) - 1); // −h (softmax − one-hot), at the true class
      } },
  };

  /* lu.log_softmax and lu.softmax of the logits (x, 0), at the first class: max-shifted. */
  function twoClassLogSoftmax(x) {
    const mx = Math.max(x, 0);
    const s0 = x - mx;
    const s1 = 0 - mx;
    return s0 - Math.log(Math.exp(s0) + Math.exp(s1));
  }
  function twoClassSoftmax(x) {
    const mx = Math.max(x, 0);
    const e0 = Math.exp(x - mx);
    return e0 / (e0 + Math.exp(0 - mx));
  }

  const KINDS = {
    residual: { title: "a residual (regression)", x: "residual r = prediction − target", symbol: "r",
      show: ["mse", "mae", "huber"] },
    margin: { title: "a margin (classification)", x: "margin = label × score", symbol: "margin",
      show: ["binary_cross_entropy_with_logits", "hinge", "focal_loss"] },
  };
  const XMIN = -3;
  const XMAX = 3;
  const N_POINTS = 601; // as lossutils.plot draws its curves
  const XS = Array.from({ length: N_POINTS }, (_, i) => XMIN + ((XMAX - XMIN) * i) / (N_POINTS - 1));

  /* Values of one loss along xs, for the tests and the charts. */
  function curve(name, xs, param) {
    const spec = LOSSES[name];
    const p = spec.param ? (param ?? PARAMS[spec.param].value) : undefined;
    return { loss: xs.map((x) => spec.loss(x, p)), grad: xs.map((x) => spec.grad(x, p)) };
  }

  function build(root) {
    const { h, fmt } = LossBook;
    const state = { kind: "residual", shown: new Set(KINDS.residual.show), params: {}, x: 1.5 };
    for (const [key, p] of Object.entries(PARAMS)) state.params[key] = p.value;
    root.textContent = "";
    root.classList.add("lb-ready");

    // which family of losses
    const kindBox = h("fieldset", { class: "lb-choice" }, [h("legend", { text: "Losses of" })]);
    for (const [kind, spec] of Object.entries(KINDS)) {
      const id = `lb-kind-${kind}`;
      const input = h("input", { type: "radio", name: "lb-kind", id, value: kind });
      input.checked = kind === state.kind;
      input.addEventListener("change", () => {
        state.kind = kind;
        state.shown = new Set(spec.show);
        renderControls();
        redraw();
      });
      kindBox.appendChild(h("span", { class: "lb-option" }, [input, h("label", { for: id, text: spec.title })]));
    }
    const lossBox = h("fieldset", { class: "lb-choice" }, [h("legend", { text: "Show" })]);
    const sliderBox = h("div", { class: "lb-sliders" });
    const legend = h("ul", { class: "lb-legend", "aria-label": "legend" });
    const lossSvg = LossBook.svg({ class: "lb-chart", id: "lb-loss-chart", role: "img", "data-panel": "loss" });
    const gradSvg = LossBook.svg({ class: "lb-chart", id: "lb-grad-chart", role: "img", "data-panel": "grad" });
    const probe = slider("lb-probe", "evaluate at x =", XMIN, XMAX, 0.05, state.x, 2, (v) => {
      state.x = v;
      redraw();
    });
    const table = h("table", { class: "lb-readout" });
    root.append(kindBox, lossBox, sliderBox, legend,
      h("p", { class: "lb-panel-title", text: "Loss per sample" }), lossSvg,
      h("p", { class: "lb-panel-title", text: "Its gradient: the slope of the loss, how hard the sample pulls" }), gradSvg,
      h("div", { class: "lb-sliders" }, [probe.row]), table);
    const lossChart = LossBook.chart(lossSvg, { height: 250, ylabel: "loss" });
    const gradChart = LossBook.chart(gradSvg, { height: 220, ylabel: "gradient" });

    function slider(id, text, min, max, step, value, decimals, onInput) {
      const input = h("input", { type: "range", id, min, max, step, value: String(value) });
      const output = h("output", { for: id, id: `${id}-value`, text: fmt(value, decimals) });
      input.addEventListener("input", () => {
        const v = Number(input.value);
        output.textContent = fmt(v, decimals);
        input.setAttribute("aria-valuetext", `${text} ${fmt(v, decimals)}`);
        onInput(v);
      });
      const row = h("div", { class: "lb-slider" }, [h("label", { for: id, text }), input, output]);
      return { row, input, output };
    }

    function renderControls() {
      lossBox.querySelectorAll(".lb-option").forEach((n) => n.remove());
      for (const [name, spec] of Object.entries(LOSSES)) {
        if (spec.kind !== state.kind) continue;
        const id = `lb-show-${name}`;
        const input = h("input", { type: "checkbox", id, value: name });
        input.checked = state.shown.has(name);
        input.addEventListener("change", () => {
          if (input.checked) state.shown.add(name);
          else state.shown.delete(name);
          renderControls();
          redraw();
        });
        lossBox.appendChild(h("span", { class: "lb-option" }, [input, h("label", { for: id, text: spec.label })]));
      }
      sliderBox.textContent = "";
      const used = new Set([...state.shown].map((n) => LOSSES[n].param).filter(Boolean));
      for (const [key, p] of Object.entries(PARAMS)) {
        if (!used.has(key)) continue;
        const s = slider(`lb-param-${key}`, `${p.name} =`, p.min, p.max, p.step, state.params[key], p.decimals, (v) => {
          state.params[key] = v;
          redraw();
        });
        sliderBox.appendChild(s.row);
      }
      if (!used.size) sliderBox.appendChild(h("p", { class: "lb-note", text: "The losses shown have no parameter." }));
      probe.row.querySelector("label").textContent = `evaluate at ${KINDS[state.kind].symbol} =`;
    }

    function labelOf(name) {
      const spec = LOSSES[name];
      if (!spec.param) return spec.label;
      const p = PARAMS[spec.param];
      return `${spec.label}, ${p.symbol} = ${fmt(state.params[spec.param], p.decimals)}`;
    }

    function redraw() {
      const names = Object.keys(LOSSES).filter((n) => state.shown.has(n) && LOSSES[n].kind === state.kind);
      const curves = names.map((n) => ({ name: n, ...curve(n, XS, state.params[LOSSES[n].param]) }));
      const range = (key, floor) => {
        let lo = floor[0];
        let hi = floor[1];
        for (const c of curves) for (const v of c[key]) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        return LossBook.niceLimits(lo, hi, 6);
      };
      const lines = (key) => curves.map((c) => ({ id: c.name, color: LOSSES[c.name].color, dash: LOSSES[c.name].dash,
        x: XS, y: c[key] }));
      const at = (key) => names.map((n) => ({ x: state.x, y: LOSSES[n][key](state.x, state.params[LOSSES[n].param]),
        color: LOSSES[n].color }));
      const marker = [{ x: state.x, id: "probe", dash: "4 3" }];
      const xlabel = KINDS[state.kind].x;
      lossChart.options.xlabel = xlabel;
      gradChart.options.xlabel = xlabel;
      lossChart.draw({ xlim: [XMIN, XMAX], ylim: range("loss", [0, 1]), lines: lines("loss"), vlines: marker, points: at("loss") });
      gradChart.draw({ xlim: [XMIN, XMAX], ylim: range("grad", [-1, 1]), lines: lines("grad"), vlines: marker, points: at("grad") });
      const described = names.map(labelOf).join("; ") || "no loss selected";
      lossSvg.setAttribute("aria-label", `Loss per sample against the ${xlabel}: ${described}.`);
      gradSvg.setAttribute("aria-label", `Gradient of each loss against the ${xlabel}: ${described}.`);

      legend.textContent = "";
      for (const n of names) {
        const swatch = h("span", { class: "lb-swatch" });
        swatch.style.borderTopColor = LOSSES[n].color;
        swatch.style.borderTopStyle = LOSSES[n].dash ? "dashed" : "solid";
        legend.appendChild(h("li", { "data-series": n }, [swatch, document.createTextNode(labelOf(n))]));
      }
      const symbol = KINDS[state.kind].symbol;
      table.textContent = "";
      table.appendChild(h("caption", { text: `At ${symbol} = ${fmt(state.x, 2)}` }));
      table.appendChild(h("tr", {}, ["loss", "value", "gradient"].map((t) => h("th", { scope: "col", text: t }))));
      for (const n of names) {
        const p = state.params[LOSSES[n].param];
        table.appendChild(h("tr", { "data-series": n }, [
          h("th", { scope: "row", text: labelOf(n) }),
          h("td", { class: "lb-value", text: fmt(LOSSES[n].loss(state.x, p), 3) }),
          h("td", { class: "lb-grad", text: fmt(LOSSES[n].grad(state.x, p), 3) }),
        ]));
      }
    }

    renderControls();
    redraw();
    LossBook.hideFallback("loss");
  }

  LossBook.losses = LOSSES;
  LossBook.lossParams = PARAMS;
  LossBook.lossCurve = curve;
  function start() {
    const root = document.getElementById("loss-explorer");
    if (root) build(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
