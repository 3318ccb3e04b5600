"""Tests of lossutils.plot: the house style, and that every figure is labelled and complete."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest

import lossutils as lu
from lossutils import plot


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def assert_labelled(ax) -> None:
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip()
    assert ax.get_ylabel().strip()


def test_palette_is_okabe_ito_and_distinct():
    assert list(plot.OKABE_ITO.values()) == plot.PALETTE
    assert len(set(plot.PALETTE)) == 8
    # the published Okabe-Ito colours (Okabe & Ito 2008)
    assert {c.upper() for c in plot.PALETTE} == {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert len(plot.MARKERS) == len(plot.PALETTE)


def test_use_style_sets_rcparams():
    with matplotlib.rc_context():
        plot.use_style()
        rc = matplotlib.rcParams
        assert tuple(rc["figure.figsize"]) == plot.FIGSIZE
        assert rc["figure.dpi"] == plot.DPI
        assert rc["savefig.bbox"] == "tight"
        assert rc["axes.grid"] is True
        assert rc["axes.spines.top"] is False
        cycle = [mcolors.to_hex(c["color"]) for c in rc["axes.prop_cycle"]]
        assert [c.lower() for c in cycle] == [c.lower() for c in plot.PALETTE]
        _, ax = plt.subplots()
        assert tuple(ax.figure.get_size_inches()) == pytest.approx(plot.FIGSIZE)


def test_plot_losses_draws_one_labelled_line_per_loss():
    x = np.linspace(-2, 2, 41)
    ax = plot.plot_losses(
        {"MSE": "mse", "MAE": "mae", "quartic": lambda r: r**4, "zero": np.zeros_like(x)},
        x,
        title="MSE grows faster than MAE",
    )
    assert_labelled(ax)
    assert ax.get_title() == "MSE grows faster than MAE"
    assert ax.get_xlabel() == "residual r = prediction − target"
    assert len(ax.lines) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["MSE", "MAE", "quartic", "zero"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), x**2)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.abs(x))
    np.testing.assert_allclose(ax.lines[2].get_ydata(), x**4)
    assert [mcolors.to_hex(line.get_color()) for line in ax.lines] == [c.lower() for c in plot.PALETTE[:4]]


def test_plot_losses_uses_given_axes_and_default_grid():
    _fig, (a, b) = plt.subplots(1, 2)
    out = plot.plot_losses({"MSE": "mse"}, ax=b)
    assert out is b
    assert len(a.lines) == 0
    x = out.lines[0].get_xdata()
    assert x[0] == -3
    assert x[-1] == 3


def test_plot_gradients_draws_derivatives():
    x = np.linspace(-2, 2, 9)
    ax = plot.plot_gradients({"MSE": "mse", "MAE": "mae"}, x, title="MAE's gradient never shrinks")
    assert_labelled(ax)
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 2 * x)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.sign(x))
    assert "derivative" in ax.get_ylabel()


def test_loss_curve_of_residual_losses_matches_the_functions():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(plot.loss_curve("mse", x), lu.mse(x, np.zeros_like(x), reduction="none"))
    np.testing.assert_allclose(plot.loss_curve("mae", x, grad=True), np.sign(x))
    for name in ("huber", "smooth_l1", "log_cosh", "quantile"):
        np.testing.assert_allclose(plot.loss_curve(name, x), getattr(lu, name)(x, 0 * x, reduction="none"))


def test_loss_curve_options_and_margin_losses():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(plot.loss_curve("huber", x, delta=0.5), lu.huber(x, 0 * x, reduction="none", delta=0.5))
    ax = plot.plot_losses({"Huber": ("huber", {"delta": 0.5})}, x)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), lu.huber(x, 0 * x, reduction="none", delta=0.5))
    # target +1: the loss of a margin m is max(0, 1 - m)
    np.testing.assert_allclose(plot.loss_curve("hinge", x), np.maximum(0, 1 - x))
    ax = plot.plot_losses({"hinge": "hinge"}, x)
    assert ax.get_xlabel() == "margin m = target × score"


def test_loss_curve_rejects_losses_without_a_scalar_curve():
    with pytest.raises(ValueError, match=re.escape("got 'cross_entropy' (a loss of classes); pass a callable x")):
        plot.loss_curve("cross_entropy", [0.0, 1.0])


def test_plot_losses_validates():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.plot_losses({})
    with pytest.raises(ValueError, match=re.escape("the curve 'bad' must have the shape of x; got shape (3,)")):
        plot.plot_losses({"bad": [1.0, 2.0, 3.0]}, np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="title must be a non-empty string"):
        plot.plot_losses({"MSE": "mse"}, title="")


def test_plot_training_curves_from_dict_pairs_validation_dashed():
    ax = plot.plot_training_curves(
        {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0], "MAE": [1.0, 0.9, 0.8]},
        title="Validation loss stops falling",
    )
    assert_labelled(ax)
    assert ax.get_xlabel() == "epoch"
    assert len(ax.lines) == 3
    styles = {line.get_label(): (line.get_linestyle(), mcolors.to_hex(line.get_color())) for line in ax.lines}
    assert styles["loss"][0] == "-"
    assert styles["val_loss"][0] == "--"
    assert styles["loss"][1] == styles["val_loss"][1]  # same colour as its training partner
    assert styles["MAE"][1] != styles["loss"][1]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])


def test_plot_training_curves_from_history_and_list():
    from lossutils.train import History

    history = History(epochs=[1, 2, 3], loss=[3.0, 2.0, 1.0], val_loss=[3.1, 2.2, 1.5])
    ax = plot.plot_training_curves(history, logy=True)
    assert_labelled(ax)
    assert ax.get_yscale() == "log"
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3.1, 2.2, 1.5])
    ax = plot.plot_training_curves([5.0, 4.0])
    assert len(ax.lines) == 1
    assert ax.get_yscale() == "linear"


def test_plot_training_curves_validates():
    with pytest.raises(TypeError, match="history must be a History"):
        plot.plot_training_curves(3.0)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plot.plot_training_curves({"loss": []})


def test_plot_decision_regions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    ax = plot.plot_decision_regions(lambda P: (P.sum(axis=1) > 0).astype(int), X, y, resolution=50)
    assert_labelled(ax)
    # one filled contour set + one scatter per class
    assert len(ax.collections) == 3
    assert len(ax.get_legend().get_texts()) == 2
    # scores (M, C): the arg-max is taken; labels may be -1/+1
    y_pm = 2 * y - 1
    ax = plot.plot_decision_regions(lambda P: np.column_stack([-P.sum(1), P.sum(1)]), X, y, resolution=20)
    assert len(ax.collections) == 3
    ax = plot.plot_decision_regions(lambda P: np.where(P[:, 0] > 0, 1, -1), X, y_pm, resolution=20)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class -1", "class 1"]


def test_plot_decision_regions_validates():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match=re.escape("X must have shape (N, 2); got X.shape=(5, 3)")):
        plot.plot_decision_regions(lambda P: P[:, 0], X, np.zeros(5))
    with pytest.raises(ValueError, match=re.escape("predict_fn must return (M,) classes")):
        plot.plot_decision_regions(lambda P: np.zeros(3), np.zeros((5, 2)), np.zeros(5), resolution=4)


def test_plot_fits_with_highlight():
    x = np.array([3.0, 1.0, 2.0, 0.0])
    y = np.array([3.0, 1.0, 9.0, 0.0])
    outlier = np.array([False, False, True, False])
    ax = plot.plot_fits(x, y, {"MSE": x + 1.0, "MAE": lambda g: g}, highlight=outlier, title="MSE chases the outlier")
    assert_labelled(ax)
    assert len(ax.lines) == 2
    assert len(ax.collections) == 2  # ordinary points, highlighted points
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2, 3])  # sorted by x
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), [[2.0, 9.0]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "outliers" in labels
    assert "MSE" in labels
    with pytest.raises(ValueError, match="highlight must be a boolean mask"):
        plot.plot_fits(x, y, {}, highlight=[True])


def test_reliability_diagram_bars_and_title_report_ece():
    probs = np.array([0.95, 0.95, 0.95, 0.95, 0.65, 0.65, 0.35])
    labels = np.array([1, 1, 1, 0, 1, 0, 0])
    ax = plot.reliability_diagram(probs, labels, n_bins=10)
    assert_labelled(ax)
    ece = lu.metrics.expected_calibration_error(probs, labels, n_bins=10)
    assert f"{ece:.3f}" in ax.get_title()
    heights = sorted(p.get_height() for p in ax.patches)
    # (0.6, 0.7] holds 0.65, 0.65 and 0.35 (confidence 0.65 in class 0); (0.9, 1] the 0.95s
    assert heights == pytest.approx(sorted([2 / 3, 3 / 4]))
    assert len(ax.lines) == 1  # the diagonal


def test_functions_never_show(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plt.show() must not be called by lossutils")

    monkeypatch.setattr(plt, "show", fail)
    plot.plot_losses({"MSE": "mse"})
    plot.plot_gradients({"MSE": "mse"})
    plot.plot_training_curves([1.0, 0.5])
    plot.plot_fits([0.0, 1.0], [0.0, 1.0], {"id": [0.0, 1.0]})
    plot.reliability_diagram([0.2, 0.8], [0, 1])


def test_loss_curve_names_the_argument_for_an_unknown_loss():
    with pytest.raises(ValueError, match=re.escape("name must name a lossutils loss (mse,")):
        plot.loss_curve("sigmoid", [0.0, 1.0])


def test_training_curves_start_where_asked_and_dash_test_series():
    ax = plot.plot_training_curves({"loss": [0.25, 0.2, 0.1], "test_loss": [0.26, 0.22, 0.15]}, first_epoch=0)
    assert ax.lines[0].get_xdata().tolist() == [0, 1, 2]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]
    assert ax.lines[0].get_color() == ax.lines[1].get_color()  # the test curve goes with its training partner


def test_plain_log_ticks_labels_are_plain_numbers():
    fig, ax = plt.subplots()
    ax.set_yscale("log")
    plot.plain_log_ticks(ax.yaxis, [0.05, 0.1, 1e-6])
    formatter = ax.yaxis.get_major_formatter()
    assert [formatter(v) for v in (0.05, 0.1, 1e-6, 1e5)] == ["0.05", "0.1", "1e−6", "1e5"]
    assert list(ax.get_yticks()) == [0.05, 0.1, 1e-6]
    assert ax.yaxis.get_minor_formatter()(0.3) == ""
    plt.close(fig)


def test_loss_curve_of_a_distance_needs_the_pair_label():
    d = np.linspace(0, 3, 13)
    np.testing.assert_array_equal(plot.loss_curve("hinge_embedding", d, target=1), d)  # similar: the distance
    np.testing.assert_array_equal(plot.loss_curve("hinge_embedding", d, target=-1, margin=2.0), np.maximum(0, 2 - d))
    np.testing.assert_array_equal(plot.loss_curve("hinge_embedding", [0.5, 3.0], target=-1, grad=True), [-1.0, 0.0])
    with pytest.raises(ValueError, match=re.escape("pass target=1 (similar pairs) or target=-1 (dissimilar pairs)")):
        plot.loss_curve("hinge_embedding", d)
    ax = plot.plot_losses(
        {"similar": ("hinge_embedding", {"target": 1}), "dissimilar": ("hinge_embedding", {"target": -1})}, d
    )
    assert ax.get_xlabel() == "distance d between the two items of a pair"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.maximum(0, 1 - d))


def test_loss_curve_target_overrides_the_default_label():
    s = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(plot.loss_curve("soft_margin", s), np.logaddexp(0, -s))  # label +1: x is the margin
    np.testing.assert_allclose(plot.loss_curve("soft_margin", s, target=-1), np.logaddexp(0, s))
    assert (
        plot.plot_losses({"soft margin": "soft_margin", "hinge": "hinge"}, s).get_xlabel()
        == "margin m = target × score"
    )


@pytest.mark.parametrize("name", ["multilabel_soft_margin", "multilabel_margin"])
def test_loss_curve_rejects_multilabel_losses_and_points_to_the_per_label_loss(name):
    message = f"got {name!r} (a loss of multilabel); pass a callable x -> values instead; each label's term"
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        plot.loss_curve(name, [0.0, 1.0])
    assert "binary_cross_entropy_with_logits" in str(error.value)
    with pytest.raises(ValueError, match=re.escape(message)):
        plot.plot_losses({name: name})
