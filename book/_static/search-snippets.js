/* Search result snippets show formulas as readable text. Sphinx's search (searchtools.js)
 * fetches each result page and quotes its text, which for a formula is its TeX source:
 * "\(\delta\)". This turns the TeX of every formula into plain text first ("δ"). */
(() => {
  "use strict";
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ",
    sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ",
    Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", cdot: "·", times: "×",
    infty: "∞", sum: "∑", prod: "∏", partial: "∂", nabla: "∇", in: "∈", to: "→", rightarrow: "→",
    mid: "|", pm: "±", sqrt: "√", ldots: "…", dots: "…", cdots: "⋯", R: "ℝ",
  };
  const texToText = (tex) =>
    tex
      .replace(/^\s*(\\\(|\\\[|\$\$?)|(\\\)|\\\]|\$\$?)\s*$/g, "")
      .replace(/\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr|displaystyle|operatorname|mathrm|text|mathbf|boldsymbol)\b/g, "")
      .replace(/\\hat\s*\{?\s*y\s*\}?/g, "ŷ")
      .replace(/\\([A-Za-z]+)/g, (m, name) => SYMBOLS[name] || name)
      .replace(/\\[,;:! ]/g, " ")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  const patch = () => {
    if (typeof Search === "undefined" || Search._readableMath) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      for (const m of doc.querySelectorAll(".math")) m.textContent = texToText(m.textContent);
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search._readableMath = true;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", patch);
  else patch();
})();
