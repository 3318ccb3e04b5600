/* The temperature explorer: divide a classifier's logits by T and watch its reliability
 * diagram, NLL and ECE move while its accuracy stays put.
 *
 * Nothing is computed here: tests/make_explorer_data.py trains chapter 6's three digit
 * classifiers with lossutils and scores softmax(z / T) on a grid of temperatures
 * (temperature_data.js, loaded before this file); the slider walks that grid.
 */
(function () {
  "use strict";
  const LossBook = (window.LossBook = window.LossBook || {});
  const BLUE = "#0072B2";
  const VERMILLION = "#D55E00";
  const GREEN = "#009E73";
  const GREY = "#999999";

  function build(root, data) {
    const { h, fmt } = LossBook;
    const kOf = (t) => Math.round(Math.log2(t) * data.k_per_doubling);
    const state = { model: 0, index: data.k.indexOf(0) }; // start at T = 1: the model as trained
    root.textContent = "";
    root.classList.add("lb-ready");

    const modelBox = h("fieldset", { class: "lb-choice" }, [h("legend", { text: "Model trained with" })]);
    data.models.forEach((model, i) => {
      const id = `lb-model-${i}`;
      const input = h("input", { type: "radio", name: "lb-model", id, value: String(i) });
      input.checked = i === state.model;
      input.addEventListener("change", () => {
        state.model = i;
        redraw();
      });
      modelBox.appendChild(h("span", { class: "lb-option" }, [input, h("label", { for: id, text: model.label })]));
    });

    const input = h("input", { type: "range", id: "lb-temperature", min: "0", max: String(data.k.length - 1), step: "1",
      value: String(state.index) });
    const output = h("output", { for: "lb-temperature", id: "lb-temperature-value" });
    input.addEventListener("input", () => {
      state.index = Number(input.value);
      redraw();
    });
    const fitted = h("button", { type: "button", class: "lb-button", id: "lb-fitted" });
    fitted.addEventListener("click", () => {
      const k = kOf(data.models[state.model].fitted_temperature);
      state.index = Math.max(0, Math.min(data.k.length - 1, data.k.indexOf(k)));
      input.value = String(state.index);
      redraw();
    });
    const sliderRow = h("div", { class: "lb-slider" }, [h("label", { for: "lb-temperature", text: "temperature T =" }),
      input, output]);
    const readout = h("p", { class: "lb-scores", "aria-live": "polite" });
    const reliabilitySvg = LossBook.svg({ class: "lb-chart", id: "lb-reliability-chart", role: "img", "data-panel": "reliability" });
    const scoresSvg = LossBook.svg({ class: "lb-chart", id: "lb-scores-chart", role: "img", "data-panel": "scores" });
    const legend = h("ul", { class: "lb-legend", "aria-label": "legend" });
    for (const [color, dash, text] of [[VERMILLION, false, "NLL (test)"], [GREEN, true, `ECE (test, ${data.n_bins} bins)`],
      ["currentColor", true, "current T"], [GREY, true, "T fitted on validation"]]) {
      const swatch = h("span", { class: "lb-swatch" });
      swatch.style.borderTopColor = color;
      swatch.style.borderTopStyle = dash ? "dashed" : "solid";
      legend.appendChild(h("li", {}, [swatch, document.createTextNode(text)]));
    }
    root.append(modelBox, h("div", { class: "lb-sliders" }, [sliderRow, h("p", { class: "lb-note" }, [fitted])]), readout,
      h("p", { class: "lb-panel-title", text: "Reliability diagram (test images; faint bars: fewer than 10 images)" }),
      reliabilitySvg,
      h("p", { class: "lb-panel-title", text: "Scores against the temperature" }), legend, scoresSvg);
    const reliability = LossBook.chart(reliabilitySvg, { height: 280, xlabel: "confidence (top-label probability)",
      ylabel: "accuracy" });
    const scores = LossBook.chart(scoresSvg, { height: 230, xlabel: "temperature T (log scale)", ylabel: "score",
      xlog: true, xticks: [0.25, 0.5, 1, 2] });

    function redraw() {
      const model = data.models[state.model];
      const at = model.at[state.index];
      const t = data.temperature[state.index];
      output.textContent = fmt(t, 2);
      input.setAttribute("aria-valuetext", `temperature ${fmt(t, 2)}`);
      fitted.textContent = `Set T to ${fmt(model.fitted_temperature, 2)}, the temperature fitted on validation images`;

      readout.textContent = "";
      for (const [term, value, id] of [["accuracy", at.accuracy, "accuracy"], ["mean confidence", at.confidence, "confidence"],
        ["NLL", at.nll, "nll"], ["ECE", at.ece, "ece"]]) {
        readout.append(h("span", {}, [document.createTextNode(`${term} `),
          h("strong", { id: `lb-score-${id}`, text: fmt(value, 3) })]));
      }

      const width = 1 / data.n_bins;
      const bars = [];
      const texts = [];
      at.counts.forEach((n, b) => {
        if (!n) return;
        bars.push({ x0: b * width, x1: (b + 1) * width, y: at.bin_accuracy[b], color: BLUE, opacity: n >= 10 ? 0.8 : 0.3,
          id: b });
        texts.push({ x: (b + 0.5) * width, y: at.bin_accuracy[b], text: String(n) });
      });
      reliability.draw({ xlim: [0, 1], ylim: [0, 1.1], bars, texts,
        lines: [{ id: "diagonal", color: "currentColor", dash: "6 4", width: 1.5, x: [0, 1], y: [0, 1] }] });
      reliabilitySvg.setAttribute("aria-label", `Reliability diagram of the model trained with ${model.label} at temperature `
        + `${fmt(t, 2)}: accuracy per confidence bin against the diagonal of perfect calibration.`);

      const tLine = data.temperature;
      const highest = Math.max(...model.at.map((a) => Math.max(a.nll, a.ece)));
      scores.draw({ xlim: [tLine[0], tLine[tLine.length - 1]], ylim: LossBook.niceLimits(0, highest, 5),
        lines: [
          { id: "nll", color: VERMILLION, x: tLine, y: model.at.map((a) => a.nll) },
          { id: "ece", color: GREEN, dash: "7 4", x: tLine, y: model.at.map((a) => a.ece) },
        ],
        vlines: [{ x: model.fitted_temperature, id: "fitted", dash: "2 3", className: "lb-vline-fitted" },
          { x: t, id: "current", dash: "4 3" }],
        points: [{ x: t, y: at.nll, color: VERMILLION }, { x: t, y: at.ece, color: GREEN }] });
      scoresSvg.setAttribute("aria-label", `NLL and ECE on the test images against the temperature, for the model trained `
        + `with ${model.label}; now at T = ${fmt(t, 2)}: NLL ${fmt(at.nll, 3)}, ECE ${fmt(at.ece, 3)}.`);
    }

    redraw();
    LossBook.hideFallback("temperature");
  }

  function start() {
    const root = document.getElementById("temperature-explorer");
    if (root && LossBook.temperatureData) build(root, LossBook.temperatureData);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
