"""The interactive figures of book/appendix/explore.md, as a reader uses them, offline.

* The loss explorer computes its curves in JavaScript (book/_static/interactive/loss_explorer.js):
  each function is evaluated in Chromium at many points and parameter values and compared with
  lossutils' loss and ``_grad`` functions, the way :func:`lossutils.plot.loss_curve` draws them.
* The temperature explorer only looks up numbers that lossutils computed
  (tests/make_explorer_data.py): the stored file must be what the generator produces now.
* Moving each control (a slider's value set and an ``input`` event sent, a box ticked, a button
  pressed, an arrow key) must redraw the curve it drives and update the numbers shown beside it.
* The page must fit a phone's column with text of at least 12 px, raise no JavaScript error,
  make no request off the machine, and show a text fallback when JavaScript is off.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import make_explorer_data
import numpy as np
import pytest
from browser.site_checker import serve

import lossutils as lu
from lossutils.plot import loss_curve
from lossutils.registry import LOSSES

PAGE = "book/appendix/explore.html"
WIDTHS = {"desktop": 1280, "phone": 390}
MIN_TEXT_PX = 12
#: Losses of one number that the explorer leaves out, and why.
NOT_IN_EXPLORER = {
    "mbe": "a signed diagnostic, not a training loss (chapter 3)",
    "soft_margin": "the same curve as binary_cross_entropy_with_logits at label 1",
}
#: Parameter values inside each slider's range at which the JavaScript is compared with lossutils; the
#: slider's two ends are compared too, so a slider that reaches past lossutils' domain fails.
PARAM_VALUES = {
    "delta": [0.35, 1.0, 2.5],
    "beta": [0.05, 0.5, 1.0],
    "q": [0.1, 0.5, 0.85],
    "margin": [0.5, 1.0, 1.5],
    "gamma": [0.5, 1.0, 2.0, 3.7],
}
# The points: a fine grid over the drawn range and beyond, the kinks, and far-off values.
XS = sorted(
    {*np.round(np.linspace(-6.0, 6.0, 1201), 10).tolist(), 0.1, -0.1, 0.35, -0.35, 2.5, -2.5}
    | {0.05, -0.05, 1e-9, -1e-9, 19.9, 20.0, 20.1, -25.0, 40.0, -40.0}
)
RTOL = 1e-12
ATOL = 1e-15


# -- the data of the temperature explorer ----------------------------------------------------


def _assert_close_tree(stored: Any, fresh: Any, where: str = "data") -> None:
    """Equal structure; floats within one unit of the last stored decimal, everything else equal."""
    if isinstance(fresh, dict):
        assert isinstance(stored, dict), where
        assert stored.keys() == fresh.keys(), f"{where}: keys {sorted(stored)} != {sorted(fresh)}"
        for key in fresh:
            _assert_close_tree(stored[key], fresh[key], f"{where}.{key}")
    elif isinstance(fresh, list):
        assert isinstance(stored, list), where
        assert len(stored) == len(fresh), f"{where}: {len(stored)} items, the generator gives {len(fresh)}"
        for i, (a, b) in enumerate(zip(stored, fresh, strict=True)):
            _assert_close_tree(a, b, f"{where}[{i}]")
    elif isinstance(fresh, float) and not isinstance(stored, bool):
        assert isinstance(stored, (int, float)), f"{where}: {stored!r} is not a number"
        assert abs(stored - fresh) <= 1.5 * 10.0**-make_explorer_data.DIGITS, f"{where}: stored {stored}, now {fresh}"
    else:
        assert stored == fresh, f"{where}: stored {stored!r}, the generator gives {fresh!r}"


def test_temperature_data_is_what_the_generator_produces() -> None:
    """The stored numbers are lossutils' numbers today; rerun tests/make_explorer_data.py if not."""
    stored = make_explorer_data.read()
    fresh = make_explorer_data.build()
    _assert_close_tree(stored, fresh)
    # what the page teaches holds in these numbers: temperature moves the scores, never the accuracy
    for model in fresh["models"]:
        assert len({at["accuracy"] for at in model["at"]}) == 1, model["label"]
        assert len({at["nll"] for at in model["at"]}) > 10, model["label"]
        assert sum(model["at"][0]["counts"]) == fresh["n_test"]


def test_temperature_data_scores_are_lossutils_scores() -> None:
    """Spot check of the generator itself: one grid point recomputed here from the same logits' softmax."""
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0], [3.0, -2.0, 0.0], [0.0, 0.1, 0.2]])
    labels = np.array([0, 1, 1, 2])
    got = make_explorer_data.scores_at(logits, labels, 0.5)
    p = lu.softmax(logits / 0.5)
    assert got["nll"] == round(float(-np.mean(np.log(p[np.arange(4), labels]))), make_explorer_data.DIGITS)
    assert got["accuracy"] == 0.75
    assert got["ece"] == round(lu.metrics.expected_calibration_error(p, labels), make_explorer_data.DIGITS)
    assert sum(got["counts"]) == 4


# -- the browser ---------------------------------------------------------------------------------


class Visit:
    """One open page, with what went wrong while it was open."""

    def __init__(self, page: Any, problems: list[str]) -> None:
        self.page = page
        self.problems = problems

    def set_value(self, selector: str, value: float | str) -> None:
        """Set an input's value and send the ``input`` event a reader's drag sends."""
        script = "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }"
        self.page.eval_on_selector(selector, script, value)

    def path(self, panel: str, series: str) -> str:
        return str(self.page.get_attribute(f"svg[data-panel={panel}] path[data-series='{series}']", "d"))

    def text(self, selector: str) -> str:
        return str(self.page.text_content(selector)).strip()


@pytest.fixture(scope="module")
def open_page(built_book: Path, chromium_browser: Any) -> Iterator[Callable[..., Visit]]:
    """Open the explore page at a width; every request off 127.0.0.1 is aborted and recorded."""
    contexts: list[Any] = []
    with serve(built_book) as base:
        origin = urlparse(base).netloc

        def visit(width: int = WIDTHS["desktop"], *, javascript: bool = True) -> Visit:
            viewport = {"width": width, "height": 900}
            context = chromium_browser.new_context(viewport=viewport, java_script_enabled=javascript)
            contexts.append(context)
            problems: list[str] = []

            def route(r: Any) -> None:
                if urlparse(r.request.url).netloc == origin:
                    r.continue_()
                else:
                    problems.append(f"request to another host (aborted): {r.request.url}")
                    r.abort()

            def on_console(msg: Any) -> None:
                # the site has no favicon yet (issue 18, 11); the site-wide browser test reports it
                if msg.type == "error" and not str((msg.location or {}).get("url", "")).endswith("/favicon.ico"):
                    problems.append(f"console error: {msg.text}")

            context.route("**/*", route)
            page = context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
            page.goto(base + PAGE, wait_until="load")
            if javascript:  # both widgets built
                page.wait_for_function("() => document.querySelectorAll('.lb-widget.lb-ready').length === 2")
            return Visit(page, problems)

        yield visit
        for context in contexts:
            context.close()


def _lossutils_curve(name: str, xs: np.ndarray, grad: bool, option: dict[str, float]) -> np.ndarray:
    """What lossutils gives along xs: as lossutils.plot.loss_curve draws it, and the focal loss
    for two classes with logits (x, 0) and the first class true."""
    if name == "focal_loss":
        logits = np.stack([xs, np.zeros_like(xs)], axis=1)
        first = np.zeros(len(xs), dtype=np.int64)
        if grad:
            return np.asarray(lu.focal_loss_grad(logits, first, reduction="none", **option))[:, 0]
        return np.asarray(lu.focal_loss(logits, first, reduction="none", **option))
    return loss_curve(name, xs, grad=grad, **option)


def test_javascript_losses_match_lossutils(open_page: Callable[..., Visit]) -> None:
    visit = open_page()
    page = visit.page
    specs = page.evaluate(
        "() => Object.fromEntries(Object.entries(LossBook.losses).map(([k, v]) => [k, {kind: v.kind, param: v.param}]))"
    )
    sliders = page.evaluate("() => LossBook.lossParams")
    assert set(sliders) == set(PARAM_VALUES)
    # every loss of one number in the book is in the explorer, or left out for a stated reason
    drawable = {n for n, e in LOSSES.items() if e.kind in ("residual", "logit", "margin")} | {"focal_loss"}
    assert set(specs) == drawable - set(NOT_IN_EXPLORER), sorted(set(specs) ^ (drawable - set(NOT_IN_EXPLORER)))
    xs = np.array(XS)
    compared = 0
    for name, spec in specs.items():
        param = spec["param"]
        if param:
            # the slider starts at lossutils' default
            assert sliders[param]["value"] == inspect.signature(LOSSES[name].fn).parameters[param].default, name
        values = [sliders[param]["min"], *PARAM_VALUES[param], sliders[param]["max"]] if param else [None]
        for value in values:
            option = {param: value} if param else {}
            got = page.evaluate("([n, xs, p]) => LossBook.lossCurve(n, xs, p)", [name, xs.tolist(), value])
            for key, grad in (("loss", False), ("grad", True)):
                expected = _lossutils_curve(name, xs, grad, option)
                js = np.array(got[key], dtype=np.float64)
                bad = ~np.isclose(js, expected, rtol=RTOL, atol=ATOL)
                assert not bad.any(), (
                    f"{name} {key} {option}: JavaScript and lossutils differ at x = {xs[bad][:5].tolist()}: "
                    f"{js[bad][:5].tolist()} vs {expected[bad][:5].tolist()}"
                )
                compared += len(xs)
    assert compared > 50_000
    assert not visit.problems, visit.problems


def _slider_moves(visit: Visit, slider: str, value: float, panel: str, series: str, output: str, shown: str) -> None:
    before = visit.path(panel, series)
    visit.set_value(slider, value)
    assert visit.path(panel, series) != before, f"moving {slider} did not redraw {series} in the {panel} panel"
    assert visit.text(output) == shown, f"{output} shows {visit.text(output)!r}, expected {shown!r}"


def _row(visit: Visit, series: str) -> tuple[str, str, str]:
    cells = visit.page.eval_on_selector(
        f".lb-readout tr[data-series='{series}']", "tr => [...tr.children].map(c => c.textContent.trim())"
    )
    return cells[0], cells[1], cells[2]


def _shown(value: float) -> str:
    """A number as the page shows it: JavaScript's toFixed(3) (ties away from zero), a true minus sign."""
    text = str(Decimal(abs(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    return text if value >= 0 or float(text) == 0 else "\u2212" + text


def test_loss_explorer_controls_redraw_and_update_the_numbers(open_page: Callable[..., Visit]) -> None:
    visit = open_page()
    page = visit.page
    # every control has a label
    unlabelled = page.eval_on_selector_all(
        "#loss-explorer input", "els => els.filter(e => !e.labels.length).map(e => e.id)"
    )
    assert not unlabelled, unlabelled

    # regression: Huber's delta redraws Huber (loss and gradient), and only Huber
    mse_before = visit.path("loss", "mse")
    grad_before = visit.path("grad", "huber")
    _slider_moves(visit, "#lb-param-delta", 0.3, "loss", "huber", "#lb-param-delta-value", "0.30")
    assert visit.path("grad", "huber") != grad_before
    assert visit.path("loss", "mse") == mse_before
    assert page.text_content(".lb-legend li[data-series='huber']") == "Huber, δ = 0.30"
    # the probe moves the marker and the table, whose numbers are lossutils' numbers
    marker = page.get_attribute("svg[data-panel=loss] [data-marker=probe]", "x1")
    visit.set_value("#lb-probe", 2.5)
    assert page.get_attribute("svg[data-panel=loss] [data-marker=probe]", "x1") != marker
    assert visit.text("#lb-probe-value") == "2.50"
    assert _row(visit, "huber") == (
        "Huber, δ = 0.30",
        _shown(float(lu.huber(2.5, 0.0, delta=0.3))),
        _shown(float(lu.huber_grad(2.5, 0.0, delta=0.3))),
    )
    assert _row(visit, "mse")[1:] == (_shown(float(lu.mse(2.5, 0.0))), _shown(float(lu.mse_grad(2.5, 0.0))))

    # ticking a loss draws it and shows its slider
    assert page.query_selector("path[data-series='quantile']") is None
    page.check("#lb-show-quantile")
    assert page.query_selector("svg[data-panel=loss] path[data-series='quantile']") is not None
    _slider_moves(visit, "#lb-param-q", 0.9, "grad", "quantile", "#lb-param-q-value", "0.90")
    assert _row(visit, "quantile")[2] == _shown(float(lu.quantile_grad(2.5, 0.0, q=0.9)))
    page.check("#lb-show-smooth_l1")
    _slider_moves(visit, "#lb-param-beta", 2.0, "loss", "smooth_l1", "#lb-param-beta-value", "2.00")
    page.uncheck("#lb-show-mse")
    assert page.query_selector("path[data-series='mse']") is None

    # classification: the margin and gamma sliders
    page.check("#lb-kind-margin")
    assert visit.text("#lb-probe-value") == "2.50"
    assert "margin" in visit.text("svg[data-panel=loss] .lb-axis-label")
    _slider_moves(visit, "#lb-param-margin", 1.5, "loss", "hinge", "#lb-param-margin-value", "1.50")
    _slider_moves(visit, "#lb-param-gamma", 4.0, "grad", "focal_loss", "#lb-param-gamma-value", "4.0")
    visit.set_value("#lb-probe", -1.0)
    logits = np.array([[-1.0, 0.0]])
    assert _row(visit, "focal_loss")[1:] == (
        _shown(float(lu.focal_loss(logits, [0], gamma=4.0))),
        _shown(float(lu.focal_loss_grad(logits, [0], gamma=4.0)[0, 0])),
    )
    page.check("#lb-show-squared_hinge")
    _slider_moves(visit, "#lb-param-margin", 0.5, "grad", "squared_hinge", "#lb-param-margin-value", "0.50")

    # the keyboard moves a slider too
    page.focus("#lb-param-gamma")
    before = visit.path("loss", "focal_loss")
    page.keyboard.press("ArrowRight")
    assert visit.text("#lb-param-gamma-value") == "4.1"
    assert visit.path("loss", "focal_loss") != before
    assert not visit.problems, visit.problems


def test_temperature_explorer_controls_redraw_and_update_the_numbers(open_page: Callable[..., Visit]) -> None:
    visit = open_page()
    page = visit.page
    data = make_explorer_data.read()
    unlabelled = page.eval_on_selector_all(
        "#temperature-explorer input", "els => els.filter(e => !e.labels.length).map(e => e.id)"
    )
    assert not unlabelled, unlabelled
    one = data["k"].index(0)
    assert page.input_value("#lb-temperature") == str(one)
    assert visit.text("#lb-temperature-value") == "1.00"

    def bars() -> list[str]:
        return page.eval_on_selector_all(
            "svg[data-panel=reliability] rect.lb-bar", "rs => rs.map(r => r.getAttribute('y'))"
        )

    def shown(model: int, index: int) -> dict[str, str]:
        at = data["models"][model]["at"][index]
        return {key: _shown(at[key]) for key in ("accuracy", "confidence", "nll", "ece")}

    def readout() -> dict[str, str]:
        return {key: visit.text(f"#lb-score-{key}") for key in ("accuracy", "confidence", "nll", "ece")}

    assert readout() == shown(0, one)
    before, ece_marker = bars(), page.get_attribute("svg[data-panel=scores] [data-marker=current]", "x1")
    visit.set_value("#lb-temperature", one - 10)
    assert bars() != before, "moving the temperature did not redraw the reliability diagram"
    assert page.get_attribute("svg[data-panel=scores] [data-marker=current]", "x1") != ece_marker
    assert visit.text("#lb-temperature-value") == f"{data['temperature'][one - 10]:.2f}"
    assert readout() == shown(0, one - 10)
    assert readout()["accuracy"] == shown(0, one)["accuracy"]  # temperature never changes the predictions
    # another model: other curves
    nll = visit.path("scores", "nll")
    page.check("#lb-model-1")
    assert visit.path("scores", "nll") != nll
    assert readout() == shown(1, one - 10)
    # the button sets the temperature fitted on validation images
    page.click("#lb-fitted")
    fitted = data["models"][1]["fitted_temperature"]
    index = int(page.input_value("#lb-temperature"))
    assert abs(math.log2(data["temperature"][index] / fitted)) <= 0.5 / data["k_per_doubling"] + 1e-9
    assert readout() == shown(1, index)
    # and the keyboard
    page.focus("#lb-temperature")
    page.keyboard.press("ArrowLeft")
    assert page.input_value("#lb-temperature") == str(index - 1)
    assert readout() == shown(1, index - 1)
    assert not visit.problems, visit.problems


_LAYOUT_JS = r"""
(min) => {
  const out = {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, small: [], wide: [], count: 0};
  const column = document.querySelector('main article, .bd-article').getBoundingClientRect();
  for (const w of document.querySelectorAll('.lb-widget')) {
    const r = w.getBoundingClientRect();
    if (r.width === 0) out.wide.push(w.id + ' is not shown');
    if (r.right > column.right + 1 || r.left < column.left - 1)
      out.wide.push(`${w.id}: ${r.left}-${r.right} outside the column ${column.left}-${column.right}`);
    for (const el of w.querySelectorAll('*')) {
      const er = el.getBoundingClientRect();
      if (er.width && er.right > r.right + 1)
        out.wide.push(`${el.tagName} in ${w.id} ends at ${Math.round(er.right)} > ${Math.round(r.right)}`);
    }
    const texts = [...w.querySelectorAll('text, label, output, legend, button, td, th, caption, li, p, span, strong')]
      .filter(el => el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    for (const el of texts) {
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svg = el.closest('svg');
      if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;  // drawn scale
      out.count++;
      if (size < min) out.small.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}": ${size.toFixed(1)} px`);
    }
  }
  return out;
}
"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_fits_the_column_with_readable_text(open_page: Callable[..., Visit], width: int) -> None:
    visit = open_page(width)
    for kind in ("residual", "margin"):  # both families of losses, every box ticked: the most to fit
        visit.page.check(f"#lb-kind-{kind}")
        # each tick rebuilds the list of boxes, so find each box again by its id
        for box in visit.page.eval_on_selector_all("#loss-explorer input[type=checkbox]", "bs => bs.map(b => b.id)"):
            visit.page.check(f"#{box}")
        found = visit.page.evaluate(_LAYOUT_JS, MIN_TEXT_PX)
        assert found["scroll"] <= found["inner"], f"the page scrolls sideways at {width} px: {found}"
        assert not found["wide"], found["wide"]
        assert found["count"] > 100
        assert not found["small"], f"text under {MIN_TEXT_PX} px at {width} px: {found['small'][:10]}"
    assert not visit.problems, visit.problems


def test_text_fallback_without_javascript(open_page: Callable[..., Visit]) -> None:
    with_js = open_page()
    for name in ("loss", "temperature"):
        assert not with_js.page.is_visible(f".lb-fallback-{name}"), f"the {name} fallback shows beside the widget"
    visit = open_page(javascript=False)
    for name, widget in (("loss", "#loss-explorer"), ("temperature", "#temperature-explorer")):
        assert visit.page.is_visible(f".lb-fallback-{name}"), f"no text stands in for the {name} explorer"
        assert "JavaScript" in visit.text(f".lb-fallback-{name}")
        assert visit.page.query_selector(f".lb-fallback-{name} a[href]") is not None
        assert not visit.page.is_visible(widget)
    assert not visit.problems, visit.problems
