"""The house style of every figure in the book, and the plots the chapters share.

One palette (Okabe–Ito, safe for the common forms of colour blindness), one figure-size
policy (:data:`FIGSIZE` for one panel, :data:`FIGSIZE_WIDE` for small multiples) and
:func:`use_style`, called once at the top of every chapter. Every plotting function takes
``ax=None`` (and then makes its own figure), labels its axes, sets a title, returns the
``Axes`` and never calls ``plt.show()``: the notebook decides when a figure is shown.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import lossutils as lu
>>> lu.plot.use_style()
>>> ax = lu.plot.plot_losses({"MSE": "mse", "MAE": "mae"}, title="MSE grows faster than MAE")
>>> len(ax.lines)
2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FuncFormatter, NullFormatter
from numpy.typing import ArrayLike

from . import registry
from .metrics import calibration_bins, expected_calibration_error

__all__ = [
    "DPI",
    "FIGSIZE",
    "FIGSIZE_WIDE",
    "MARKERS",
    "OKABE_ITO",
    "PALETTE",
    "STYLE",
    "loss_curve",
    "plain_log_ticks",
    "plot_decision_regions",
    "plot_fits",
    "plot_gradients",
    "plot_losses",
    "plot_training_curves",
    "reliability_diagram",
    "use_style",
]

#: The Okabe–Ito colours by name (Okabe & Ito, "Color Universal Design", 2008).
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The book's colour cycle: the Okabe–Ito colours, the most distinct first.
PALETTE: list[str] = list(OKABE_ITO.values())

#: Markers that go with the palette, so classes stay distinct in greyscale print.
MARKERS: list[str] = ["o", "s", "^", "D", "v", "P", "X", "*"]

#: Size of a one-panel figure, in inches (fits a laptop screen and the book's text column).
FIGSIZE: tuple[float, float] = (6.4, 4.0)

#: Size of a row of small multiples (two or three panels side by side).
FIGSIZE_WIDE: tuple[float, float] = (10.0, 4.0)

#: Dots per inch in the notebook and in saved files: sharp enough, small files.
DPI: int = 100

#: The rcParams that :func:`use_style` sets.
STYLE: dict[str, Any] = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "figure.autolayout": True,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "font.size": 11,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 2.0,
    "image.cmap": "cividis",
}


def use_style() -> None:
    """Set matplotlib's rcParams to the book's style (:data:`STYLE`). Call once per notebook."""
    cast(Any, mpl.rcParams).update(STYLE)


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _label(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string; every figure of the book is labelled, got {text!r}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def plain_log_ticks(axis: Axis, ticks: Sequence[float] | None = None) -> Axis:
    """Label a logarithmic axis with plain numbers, as large as the other tick labels.

    Matplotlib labels log axes :math:`10^{k}`, with the exponent in a superscript too small to
    read once a figure is shrunk into the book's column. This labels them 0.01, 1, 100 between
    1e-3 and 1e4 and 1e−6 beyond, drops the minor labels, and puts the ticks at ``ticks`` if given.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax.set_yscale("log")
    >>> _ = plain_log_ticks(ax.yaxis)
    >>> [ax.yaxis.get_major_formatter()(v) for v in (0.01, 100.0, 1e-6)]
    ['0.01', '100', '1e−6']
    """

    def label(value: float, _: object) -> str:
        if 1e-3 <= value <= 1e4:
            return f"{value:g}"
        return f"1e{round(math.log10(value)):d}".replace("-", "−")

    if ticks is not None:
        axis.set_ticks(list(ticks))
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(NullFormatter())
    return axis


# -- loss and gradient curves --------------------------------------------------------------

#: Kinds of loss drawn as a curve: of a residual r = prediction − target (drawn with target 0,
#: so x is r), and of a margin m = label × score (drawn with label 1, so x is the margin).
#: A Gaussian's mean is drawn as a residual (with a variance, 1 unless ``var`` is given), a
#: Poisson's log-rate (or rate) against a count (1 unless ``target`` is given).
_CURVE_TARGET = {"residual": 0.0, "logit": 1.0, "margin": 1.0, "mean_and_variance": 0.0, "rate": 1.0}
#: Kinds drawn against their first argument for a target the caller names: a distance, for a
#: similar (+1) or a dissimilar (−1) pair; neither is the default, each curve tells half the story.
_CURVE_NEEDS_TARGET = ("distance",)
#: Kinds of two scores drawn against their difference x = x1 − x2 (x2 = 0), for a preference
#: (+1 unless ``target`` is given: the first item should rank higher).
_CURVE_OF_A_DIFFERENCE = {"ranking": 1.0}
#: Why a kind has no curve of one number, where the generic reason is not enough.
_NO_CURVE_HINT = {
    "multilabel": (
        "; each label's term is a loss of one score: draw binary_cross_entropy_with_logits, "
        "which multilabel_soft_margin averages over the labels"
    ),
    "pair": (
        "; it compares two embeddings, so draw it against their distance d (contrastive: d**2 / 2 or "
        "max(0, margin - d)**2 / 2) or their cosine c (cosine_embedding: 1 - c or max(0, c - margin))"
    ),
    "triplet": (
        "; it compares three embeddings, so draw it against x = d(anchor, positive) - d(anchor, negative): "
        "max(0, x + margin), the hinge of x"
    ),
    "embeddings": (
        "; it is cross_entropy over a batch's similarities, so draw cross_entropy's loss of one logit among "
        "the others instead"
    ),
    "features": (
        "; it is cross_entropy of the logits input @ linear_weight.T, so draw cross_entropy's loss of one logit "
        "among the others instead"
    ),
    "clustered_features": (
        "; it is a cross-entropy over a head and a cluster's classes, so draw cross_entropy's loss of one logit "
        "among the others instead"
    ),
}

CurveSpec = str | tuple[str, Mapping[str, Any]] | Callable[[np.ndarray], ArrayLike] | ArrayLike


def loss_curve(
    name: str, x: ArrayLike, *, grad: bool = False, target: float | None = None, **options: Any
) -> np.ndarray:
    """Per-sample loss (or its derivative) of the lossutils loss ``name`` along ``x``.

    Losses of a residual (kind ``'residual'`` in :data:`lossutils.registry.LOSSES`: ``mse``,
    ``huber``, ...) are evaluated at prediction ``x`` and target 0, so ``x`` is the residual.
    Losses of a score with a label (kinds ``'logit'`` and ``'margin'``: ``hinge``,
    ``binary_cross_entropy_with_logits``, ...) are evaluated at score ``x`` and label 1, so
    ``x`` is the margin ``t·s``. ``gaussian_nll`` is drawn against the residual too, with the
    variance ``var`` (default 1), and its ``grad`` is the derivative with respect to the mean;
    ``poisson_nll`` against its first argument (the log-rate, or the rate with
    ``log_input=False``) for a count of 1. Losses of a distance (kind ``'distance'``:
    ``hinge_embedding``) are evaluated at distance ``x`` for the label given as ``target``:
    ``target=1`` for similar pairs, ``target=-1`` for dissimilar ones. ``target`` overrides the
    default of the other kinds too (``x`` is then the prediction or the score itself), e.g. the
    count of ``poisson_nll``. A loss of two scores (kind ``'ranking'``: ``margin_ranking``) is
    evaluated at ``x1 = x`` and ``x2 = 0``, so ``x`` is the difference of the two scores, for the
    preference ``target`` (default +1: the first item should rank higher); its ``grad`` is the
    derivative with respect to ``x1``. The losses over classes, distributions, sets of labels,
    embeddings (pairs, triplets, queries and keys) and hidden features (``linear_cross_entropy``,
    ``adaptive_log_softmax``) take a vector per sample, not one number, and have no such curve.
    Options such as ``delta`` or ``q`` are passed on.

    Examples
    --------
    >>> loss_curve("mse", [-2.0, 0.0, 3.0]).tolist()
    [4.0, 0.0, 9.0]
    >>> loss_curve("huber", [-2.0, 0.5], grad=True, delta=1.0).tolist()
    [-1.0, 0.5]
    >>> loss_curve("gaussian_nll", [-2.0, 0.0], grad=True, var=4.0).tolist()  # residual / var
    [-0.5, 0.0]
    >>> loss_curve("hinge_embedding", [0.25, 2.0], target=-1).tolist()  # max(0, 1 - d)
    [0.75, 0.0]
    >>> loss_curve("margin_ranking", [-1.0, 0.25, 2.0], margin=0.5).tolist()  # max(0, 0.5 - (x1 - x2))
    [1.5, 0.25, 0.0]
    """
    entry = registry.get(name)
    if entry.kind not in (*_CURVE_TARGET, *_CURVE_NEEDS_TARGET, *_CURVE_OF_A_DIFFERENCE):
        raise ValueError(
            f"name must be a loss of a residual, a margin, a distance or a score difference to be drawn as a curve, "
            f"got {name!r} (a loss of {entry.kind}); pass a callable x -> values instead"
            f"{_NO_CURVE_HINT.get(entry.kind, '')}"
        )
    if target is None and entry.kind in _CURVE_NEEDS_TARGET:
        raise ValueError(
            f"{name!r} is a loss of a distance for a pair's label: pass target=1 (similar pairs) "
            "or target=-1 (dissimilar pairs)"
        )
    xs = np.asarray(x, dtype=np.float64)
    fn = entry.grad if grad else entry.fn
    if entry.kind in _CURVE_OF_A_DIFFERENCE:  # x1 = x, x2 = 0: x is the difference of the two scores
        preference = np.full_like(xs, _CURVE_OF_A_DIFFERENCE[entry.kind] if target is None else target)
        values = fn(xs, np.zeros_like(xs), preference, reduction="none", **options)
        return np.asarray(values[0] if grad else values)  # of the gradients of both scores, x1's
    targets = np.full_like(xs, _CURVE_TARGET[entry.kind] if target is None else target)
    more = [np.full_like(xs, options.pop("var", 1.0))] if entry.kind == "mean_and_variance" else []
    values = fn(xs, targets, *more, reduction="none", **options)
    return np.asarray(values[0] if isinstance(values, tuple) else values)  # a pair of gradients: the mean's


def _curve_values(label: str, spec: CurveSpec, x: np.ndarray, grad: bool) -> np.ndarray:
    if isinstance(spec, str):
        values = loss_curve(spec, x, grad=grad)
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], Mapping):
        values = loss_curve(spec[0], x, grad=grad, **spec[1])
    elif callable(spec):
        values = np.asarray(spec(x), dtype=np.float64)
    else:
        values = np.asarray(spec, dtype=np.float64)
    if values.shape != x.shape:
        raise ValueError(f"the curve {label!r} must have the shape of x; got shape {values.shape}, x.shape={x.shape}")
    return values


def _default_xlabel(curves: Mapping[str, CurveSpec]) -> str:
    names = {
        spec if isinstance(spec, str) else spec[0] if isinstance(spec, tuple) and isinstance(spec[0], str) else None
        for spec in curves.values()
    }
    kinds = {registry.LOSSES[name].kind if name in registry.LOSSES else None for name in names if name is not None}
    if names and None not in names and kinds <= {"logit", "margin"}:
        return "margin m = target × score"
    if names and None not in names and kinds == {"rate"}:
        return "prediction: log-rate log λ (or rate λ with log_input=False)"
    if names and None not in names and kinds <= {"distance"}:
        return "distance d between the two items of a pair"
    if names and None not in names and kinds <= {"ranking"}:
        return "score difference x1 − x2 (positive: item 1 ranked higher)"
    return "residual r = prediction − target"


def _plot_curves(
    curves: Mapping[str, CurveSpec],
    x: ArrayLike | None,
    ax: Axes | None,
    xlabel: str | None,
    ylabel: str,
    title: str,
    grad: bool,
) -> Axes:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"expected a non-empty dict label -> loss; got {curves!r}")
    xs = np.linspace(-3.0, 3.0, 601) if x is None else np.asarray(x, dtype=np.float64)
    if xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"x must be a 1-D array of at least 2 points; got shape {xs.shape}")
    ax = _axes(ax)
    for k, (label, spec) in enumerate(curves.items()):
        ax.plot(xs, _curve_values(label, spec, xs, grad), color=PALETTE[k % len(PALETTE)], label=label)
    _label(ax, title, _default_xlabel(curves) if xlabel is None else xlabel, ylabel)
    ax.legend()
    return ax


def plot_losses(
    losses: Mapping[str, CurveSpec],
    x: ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    xlabel: str | None = None,
    ylabel: str = "loss per sample",
    title: str = "Per-sample loss",
) -> Axes:
    """Draw per-sample losses against the residual (or the margin, or the distance), one line per loss.

    Parameters
    ----------
    losses : dict
        Legend label -> what to draw: a lossutils loss name (``"mse"``), a pair
        ``(name, options)`` such as ``("huber", {"delta": 0.5})`` or
        ``("hinge_embedding", {"target": -1})``, a callable ``x -> values``, or an array of
        values at ``x``. See :func:`loss_curve` for how names are evaluated.
    x : array_like, optional
        Points on the horizontal axis (default: 601 points on [-3, 3]).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure of size :data:`FIGSIZE` if omitted.
    xlabel, ylabel, title : str
        Axis labels and title. ``xlabel`` defaults to the residual, or to the margin (the
        distance) when every curve is a margin loss (a loss of a distance). Give a title that
        states the finding.

    Returns
    -------
    matplotlib.axes.Axes
    """
    return _plot_curves(losses, x, ax, xlabel, ylabel, title, grad=False)


def plot_gradients(
    gradients: Mapping[str, CurveSpec],
    x: ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    xlabel: str | None = None,
    ylabel: str = "derivative of the per-sample loss",
    title: str = "Gradient of the per-sample loss",
) -> Axes:
    """Draw derivatives of per-sample losses, one line per loss.

    Like :func:`plot_losses`, but a loss name ``"huber"`` draws ``huber_grad(x, 0,
    reduction="none")``: the derivative of each sample's loss with respect to its own
    prediction. Callables and arrays are drawn as given.

    Returns
    -------
    matplotlib.axes.Axes
    """
    return _plot_curves(gradients, x, ax, xlabel, ylabel, title, grad=True)


# -- training curves -------------------------------------------------------------------------

#: Names of held-out series (drawn dashed): a validation split, or a test set.
_VALIDATION_PREFIXES = ("val_", "val ", "validation_", "validation ", "test_", "test ")


def _series(history: Any, key: str) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Named series to draw, and the epochs if the history knows them."""
    if isinstance(history, Mapping):
        series = {str(name): np.asarray(values, dtype=np.float64) for name, values in history.items()}
        return series, None
    if hasattr(history, key) and hasattr(history, "epochs"):
        series = {f"training {key}": np.asarray(getattr(history, key), dtype=np.float64)}
        val = getattr(history, f"val_{key}", None)
        if val is not None and len(val):
            series[f"validation {key}"] = np.asarray(val, dtype=np.float64)
        return series, np.asarray(history.epochs)
    if isinstance(history, (Sequence, np.ndarray)) and not isinstance(history, str):
        return {f"training {key}": np.asarray(history, dtype=np.float64)}, None
    raise TypeError(
        f"history must be a History from lossutils.train.fit, a dict name -> list of values, or a list; "
        f"got {type(history).__name__}"
    )


def _is_validation(name: str) -> bool:
    return name.lower().startswith(_VALIDATION_PREFIXES)


def _partner(name: str) -> str:
    lowered = name.lower()
    for prefix in _VALIDATION_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix) :]
    return name


def plot_training_curves(
    history: Any,
    *,
    ax: Axes | None = None,
    key: str = "loss",
    ylabel: str = "loss",
    logy: bool = False,
    title: str = "Loss per epoch",
    first_epoch: int = 1,
) -> Axes:
    """Draw the loss (or a metric) per epoch; held-out (validation or test) curves are dashed.

    Parameters
    ----------
    history : History, dict or list
        A :class:`lossutils.train.History` (draws ``history.<key>`` and, if recorded,
        ``history.val_<key>``), a dict ``name -> values per epoch``, or one list of values.
        In a dict, a name starting with ``val_`` / ``validation`` / ``test_`` / ``test `` is a
        held-out series, drawn dashed in the colour of its training partner (``"val_loss"``
        goes with ``"loss"``, ``"validation MSE"`` with ``"MSE"``) when there is one.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    key : str, default "loss"
        Which series of a ``History`` to draw (``"loss"`` or ``"metric"``).
    ylabel, title : str
        Labels; the horizontal axis is "epoch" (1 = after the first pass over the data).
    logy : bool, default False
        Logarithmic vertical axis (for losses that fall by orders of magnitude).
    first_epoch : int, default 1
        The epoch of the first value of a dict or list series: 0 when it is the loss of the
        untrained model, before any update. (A ``History`` knows its epochs.)

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_training_curves({"MSE": [3.0, 2.0, 1.5], "val_MSE": [3.2, 2.4, 2.1]})
    >>> [line.get_linestyle() for line in ax.lines]
    ['-', '--']
    """
    series, epochs = _series(history, key)
    if not series:
        raise ValueError("history holds no series to draw")
    ax = _axes(ax)
    colours: dict[str, str] = {}
    training = [name for name in series if not _is_validation(name)]
    for k, name in enumerate(training):
        colours[name] = PALETTE[k % len(PALETTE)]
    next_colour = len(training)
    for name, values in series.items():
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"the series {name!r} must be a non-empty 1-D list of values; got shape {values.shape}")
        x = epochs if epochs is not None and len(epochs) == values.size else first_epoch + np.arange(values.size)
        if _is_validation(name):
            partner = _partner(name)
            colour = colours.get(partner) or colours.get(partner.replace("validation", "training"))
            if colour is None:
                colour = PALETTE[next_colour % len(PALETTE)]
                next_colour += 1
            ax.plot(x, values, color=colour, linestyle="--", label=name)
        else:
            ax.plot(x, values, color=colours[name], linestyle="-", label=name)
    if logy:
        ax.set_yscale("log")
    _label(ax, title, "epoch", ylabel)
    ax.legend()
    return ax


# -- decision regions, fits, calibration -----------------------------------------------------


def plot_decision_regions(
    predict_fn: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    title: str = "Decision regions",
    xlabel: str = "feature 1",
    ylabel: str = "feature 2",
    alpha: float = 0.2,
) -> Axes:
    """Colour the plane by predicted class and draw the 2-D data on top.

    Parameters
    ----------
    predict_fn : callable
        Takes an ``(M, 2)`` array of points and returns their classes ``(M,)``, or class
        scores / probabilities ``(M, C)`` (the arg-max is taken), e.g.
        ``model.predict_class`` of :func:`lossutils.train.fit`.
    X : array_like, shape (N, 2)
        The data points.
    y : array_like, shape (N,)
        Their classes (any integer labels, e.g. 0/1 or -1/+1).
    resolution : int, default 200
        Grid points per axis.

    Returns
    -------
    matplotlib.axes.Axes
        One filled region set (``ax.collections``) and one scatter per class.
    """
    points = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2); got X.shape={points.shape}")
    if labels.shape != (points.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({points.shape[0]},); got y.shape={labels.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution), np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    )
    predicted = np.asarray(predict_fn(np.column_stack([gx.ravel(), gy.ravel()])))
    if predicted.ndim == 2:
        predicted = np.argmax(predicted, axis=1)
    if predicted.shape != (gx.size,):
        raise ValueError(
            f"predict_fn must return (M,) classes or (M, C) scores for M = {gx.size} points; "
            f"got shape {predicted.shape}"
        )
    classes = np.unique(np.concatenate([labels, predicted]))
    colours = [PALETTE[k % len(PALETTE)] for k in range(len(classes))]
    grid_index = np.searchsorted(classes, predicted).reshape(gx.shape)
    ax = _axes(ax)
    ax.contourf(gx, gy, grid_index, levels=np.arange(len(classes) + 1) - 0.5, cmap=ListedColormap(colours), alpha=alpha)
    for k, c in enumerate(classes):
        members = labels == c
        if members.any():
            ax.scatter(
                points[members, 0],
                points[members, 1],
                color=colours[k],
                marker=MARKERS[k % len(MARKERS)],
                edgecolors="black",
                linewidths=0.5,
                s=25,
                label=f"class {c}",
            )
    _label(ax, title, xlabel, ylabel)
    ax.legend()
    return ax


def plot_fits(
    x: ArrayLike,
    y: ArrayLike,
    fits: Mapping[str, ArrayLike | Callable[[np.ndarray], ArrayLike]],
    *,
    ax: Axes | None = None,
    highlight: ArrayLike | None = None,
    title: str = "Fitted lines",
    xlabel: str = "x",
    ylabel: str = "y",
    data_label: str = "data",
    highlight_label: str = "outliers",
) -> Axes:
    """Scatter 1-D data and draw fitted curves over it; highlighted points stand out.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        The data.
    fits : dict
        Legend label -> fitted values at ``x`` (array of shape ``(N,)``; drawn in order of
        ``x``) or a callable evaluated on 200 points spanning ``x``.
    highlight : array_like of bool, shape (N,), optional
        Points to mark (e.g. the outlier mask of :func:`lossutils.data.linear_with_outliers`).

    Returns
    -------
    matplotlib.axes.Axes
        One line per fit in ``ax.lines``; the data in ``ax.collections``.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or ys.shape != xs.shape:
        raise ValueError(f"x and y must be 1-D of the same length; got x.shape={xs.shape}, y.shape={ys.shape}")
    mask = np.zeros(xs.shape, dtype=bool) if highlight is None else np.asarray(highlight, dtype=bool)
    if mask.shape != xs.shape:
        raise ValueError(f"highlight must be a boolean mask of shape {xs.shape}; got shape {mask.shape}")
    ax = _axes(ax)
    ax.scatter(xs[~mask], ys[~mask], color="0.55", s=18, alpha=0.7, label=data_label)
    if mask.any():
        ax.scatter(xs[mask], ys[mask], color="black", marker="x", s=40, label=highlight_label)
    order = np.argsort(xs, kind="stable")
    grid = np.linspace(xs.min(), xs.max(), 200)
    for k, (label, fit) in enumerate(fits.items()):
        if callable(fit):
            gx, gy = grid, np.asarray(fit(grid), dtype=np.float64)
        else:
            gx, gy = xs[order], np.asarray(fit, dtype=np.float64)
            if gy.shape != xs.shape:
                raise ValueError(f"the fit {label!r} must have the shape of x {xs.shape}; got shape {gy.shape}")
            gy = gy[order]
        ax.plot(gx, gy, color=PALETTE[k % len(PALETTE)], label=label)
    _label(ax, title, xlabel, ylabel)
    ax.legend()
    return ax


def reliability_diagram(
    probs: ArrayLike,
    labels: ArrayLike,
    *,
    n_bins: int = 10,
    ax: Axes | None = None,
    title: str | None = None,
    label: str = "accuracy per bin",
) -> Axes:
    """Reliability diagram: accuracy against top-label confidence in equal-width bins.

    A calibrated model's bars sit on the diagonal; bars below it mean over-confidence. The
    default title reports the expected calibration error (:func:`expected_calibration_error`).

    Parameters
    ----------
    probs : array_like
        ``(N,)`` probabilities of the positive class or ``(N, C)`` class probabilities.
    labels : array_like of int, shape (N,)
        True classes.
    n_bins : int, default 10
        Number of equal-width bins on [0, 1].

    Returns
    -------
    matplotlib.axes.Axes
        The bars (one per non-empty bin) in ``ax.patches``; the diagonal in ``ax.lines``.

    References
    ----------
    C. Guo et al., "On Calibration of Modern Neural Networks", ICML 2017.
    """
    bins = calibration_bins(probs, labels, n_bins)
    ece = expected_calibration_error(probs, labels, n_bins)
    filled = bins.counts > 0
    centres = 0.5 * (bins.edges[:-1] + bins.edges[1:])
    ax = _axes(ax, (4.5, 4.5))
    ax.bar(
        centres[filled],
        bins.accuracy[filled],
        width=1.0 / n_bins,
        color=PALETTE[0],
        edgecolor="black",
        linewidth=0.6,
        alpha=0.8,
        label=label,
    )
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1.2, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    default = f"Reliability diagram (ECE = {ece:.3f})" if math.isfinite(ece) else "Reliability diagram"
    _label(ax, default if title is None else title, "confidence (top-label probability)", "accuracy")
    ax.legend(loc="upper left")
    return ax
