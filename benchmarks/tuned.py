"""The first edition's tuned losses: the speed tricks that lossutils dropped to be read.

The second edition of lossutils writes every loss as its formula in plain NumPy (Huber is an
``np.where`` of its two pieces, cross-entropy is ``logsumexp(z) - z[y]``). The first edition
computed the same numbers with speed tricks. They live on here, outside the package, so that
``benchmarks/run.py`` can time them beside the readable code in the same run: the speed page's
lesson on what such tricks buy, and what they cost to read. They were recovered from the git
history of the package (``lossutils/regression.py`` as of commit 596b3e6 and
``lossutils/classification.py`` as of commit 6264584, the last before the readable rewrite) and
cleaned to stand alone: NumPy only, no import of lossutils' private helpers.

The tricks, each named in the docstring of the function that uses it:

* **in-place buffers**: the function computes in an array it allocated itself (the residual
  ``r = pred - target``, say) with ``out=`` and augmented assignment (``r *= 2``), instead of a
  new temporary array per operation. Inputs are never written to.
* **one branch-free formula**: pieces that the formula selects element by element with
  ``np.where`` computed by one expression valid for every element (Huber:
  :math:`m(|r| - m/2)` with :math:`m = \\min(|r|, \\delta)`), since ``np.where`` on data of random
  sign is slow.
* **ufunc choice**: ``np.clip(a, lo, hi)`` for a maximum or minimum with a constant, which NumPy
  2.4 runs several times faster than ``np.maximum(a, 0.0)``; ``np.sign`` out of place, which it
  runs faster than ``np.sign(a, out=a)`` (``results/anatomy.csv`` times both on the machine of the
  run: such gaps belong to one NumPy version, not to the operations).
* **column-wise reductions**: with few classes (C at most 32), the row maximum and the row sum
  of an (N, C) array as C - 1 whole-column ufunc calls, instead of ``ufunc.reduce(axis=-1)``,
  which pays a fixed cost per row.
* **no (N, C) temporaries**: the cross-entropy of class indices as :math:`\\log s - (z_y - m)`
  from the row maximum :math:`m` and the row sum :math:`s` of :math:`e^{z - m}`, without a
  matrix of log-probabilities or a one-hot matrix; its gradient computed in the buffer of
  :math:`e^{z - m}`.

Scope: what the benchmark calls. Each function takes the arguments of its lossutils twin that
the benchmark uses (``reduction`` in ``'mean'``, ``'sum'``, ``'none'``; Huber's ``delta``, Smooth
L1's ``beta``, the quantile's ``q``, the hinge's ``margin``; for cross-entropy, class indices of
shape (N,) for (N, C) logits, with ``weight`` and ``ignore_index`` but no label smoothing or
probability targets). Float inputs keep their dtype (float32 with float64 gives float64, as in
lossutils); float16 is not supported.

:func:`check` compares every variant with its lossutils twin on random inputs (see
:data:`TOLERANCE`); ``benchmarks/run.py`` runs it before timing, and so does::

    python benchmarks/tuned.py --check
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# Inputs and reductions (the first edition's, without lossutils' messages)
# --------------------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _float_array(x: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """``x`` as a float array (its own float dtype, or float64), not copied when it is one."""
    a = np.asarray(x)
    if dtype is not None:
        return a.astype(dtype, copy=False)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _pair(pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """Prediction and target in one float dtype (the wider of the two), the same shape."""
    p, t = np.asarray(pred), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"pred and target must have the same shape; got {p.shape} and {t.shape}")
    floats = [a.dtype for a in (p, t) if a.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    if dtype == np.float16:
        raise TypeError("float16 is not supported here")
    return p.astype(dtype, copy=False), t.astype(dtype, copy=False)


def _residual(pred: Any, target: Any) -> np.ndarray:
    """``pred - target`` in a new array that the caller owns and may overwrite."""
    p, t = _pair(pred, target)
    return np.subtract(p, t)


def _reduce(loss: np.ndarray, reduction: str, weight_sum: float | np.ndarray | None = None) -> np.ndarray:
    """The first edition's reduction: the sum in the loss's dtype, divided for the mean."""
    if reduction == "none":
        return loss
    total = np.sum(loss, dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(total)
    if weight_sum is not None and weight_sum == 0:
        return np.asarray(np.nan, dtype=loss.dtype)
    denom = loss.size if weight_sum is None else weight_sum
    return np.asarray(total / np.asarray(denom, dtype=loss.dtype))


def _reduce_grad_in_place(g: np.ndarray, reduction: str, weight_sum: float | None = None) -> np.ndarray:
    """In-place buffers: the mean's division done in ``g``'s own buffer (one pass, no new
    array). ``g`` must be an array the caller computed, never an input."""
    if reduction != "mean":
        return g
    denom = g.size if weight_sum is None else weight_sum
    return np.divide(g, np.asarray(denom, dtype=g.dtype), out=g)


# --------------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------------


def mse(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Mean squared error. In-place buffers: r² computed in the residual's own buffer
    (``np.square(r, out=r)``) instead of a new array ``r**2``."""
    reduction = _reduction(reduction)
    r = _residual(pred, target)
    return _reduce(np.square(r, out=r), reduction)


def mse_grad(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Gradient of MSE, 2r / N. In-place buffers: ``r *= 2`` and the mean's division both in
    the residual's buffer."""
    reduction = _reduction(reduction)
    r = _residual(pred, target)
    r *= 2
    return _reduce_grad_in_place(r, reduction)


def mae(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Mean absolute error. In-place buffers: ``np.abs(r, out=r)``."""
    reduction = _reduction(reduction)
    r = _residual(pred, target)
    return _reduce(np.abs(r, out=r), reduction)


def mae_grad(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Gradient of MAE, sign(r) / N. Ufunc choice: ``np.sign`` into a new array, because
    NumPy 2.4 runs ``np.sign(r, out=r)`` about ten times slower; the division in place."""
    reduction = _reduction(reduction)
    g = np.sign(_residual(pred, target))
    return _reduce_grad_in_place(g, reduction)


def _huber_in_place(r: np.ndarray, delta: float) -> np.ndarray:
    r"""Huber's loss of every residual, computed in ``r``'s buffer (which it overwrites).

    One branch-free formula: with :math:`m = \min(|r|, \delta)` both pieces are
    :math:`\tfrac12 m^2 + \delta(|r| - m) = m(|r| - \tfrac12 m)`, since :math:`m = |r|` in the
    quadratic zone and :math:`m = \delta` beyond it; no ``np.where``, which on residuals of
    random sign branches element by element. Ufunc choice: ``np.clip`` for the minimum with a
    constant. In-place buffers: :math:`m(2|r| - m)/2` in the buffer of :math:`|r|`.
    """
    a: np.ndarray = np.abs(r, out=r)
    m = np.clip(a, 0.0, delta)  # min(|r|, δ)
    a *= 2.0
    a -= m
    a *= m
    a *= 0.5
    return a


def huber(pred: Any, target: Any, *, reduction: str = "mean", delta: float = 1.0) -> np.ndarray:
    """Huber loss. One branch-free formula, ``np.clip`` and in-place buffers (see
    :func:`_huber_in_place`) instead of ``np.where(|r| <= delta, r**2 / 2, delta (|r| - delta / 2))``."""
    reduction = _reduction(reduction)
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta!r}")
    return _reduce(_huber_in_place(_residual(pred, target), delta), reduction)


def huber_grad(pred: Any, target: Any, *, reduction: str = "mean", delta: float = 1.0) -> np.ndarray:
    """Gradient of Huber, the residual clipped to [-delta, delta]. In-place buffers: the clip
    and the mean's division in the residual's buffer."""
    reduction = _reduction(reduction)
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta!r}")
    r = _residual(pred, target)
    return _reduce_grad_in_place(np.clip(r, -delta, delta, out=r), reduction)


def smooth_l1(pred: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> np.ndarray:
    """Smooth L1, Huber with delta = beta divided by beta: the same branch-free formula in
    the residual's buffer (see :func:`_huber_in_place`), then ``loss /= beta`` in place."""
    reduction = _reduction(reduction)
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    r = _residual(pred, target)
    if beta == 0.0:
        return _reduce(np.abs(r, out=r), reduction)
    loss = _huber_in_place(r, beta)
    loss /= beta
    return _reduce(loss, reduction)


def smooth_l1_grad(pred: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> np.ndarray:
    """Gradient of Smooth L1, r / beta clipped to [-1, 1]. In-place buffers: the division, the
    clip and the mean's division in the residual's buffer."""
    reduction = _reduction(reduction)
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    r = _residual(pred, target)
    if beta == 0.0:
        g = np.sign(r)  # out of place: see mae_grad
    else:
        r /= beta
        g = np.clip(r, -1.0, 1.0, out=r)
    return _reduce_grad_in_place(g, reduction)


_LOG_COSH_CAP = 20.0  # beyond |r| = 20, log cosh r grows like |r| to within e^-40 (as in lossutils)


def log_cosh(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    r"""Log-cosh, :math:`\log(1 + 2\sinh^2(t/2)) + (|r| - t)` at :math:`t = \min(|r|, 20)`, the
    formula lossutils uses. In-place buffers: after ``np.abs(r, out=r)`` and the one new array
    ``t``, each of the seven steps writes into ``t`` or into ``r``'s buffer. Ufunc choice:
    ``np.clip`` for the cap instead of ``np.minimum``."""
    reduction = _reduction(reduction)
    r = _residual(pred, target)
    a = np.abs(r, out=r)
    t = np.clip(a, 0.0, _LOG_COSH_CAP)  # t = min(|r|, 20) ...
    a -= t  # ... and |r| - t, what lies beyond the cap
    t *= 0.5
    np.sinh(t, out=t)
    np.square(t, out=t)
    t *= 2.0
    np.log1p(t, out=t)
    t += a
    return _reduce(t, reduction)


def log_cosh_grad(pred: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Gradient of log-cosh, tanh(r). In-place buffers: ``np.tanh(r, out=r)`` and the mean's
    division in the residual's buffer."""
    reduction = _reduction(reduction)
    r = _residual(pred, target)
    return _reduce_grad_in_place(np.tanh(r, out=r), reduction)


def quantile(pred: Any, target: Any, *, reduction: str = "mean", q: float = 0.5) -> np.ndarray:
    """Pinball loss, max(q (y - ŷ), (q - 1)(y - ŷ)). In-place buffers: the second piece and the
    maximum computed in the residual's buffer (one new array, ``-q * r``, instead of three)."""
    reduction = _reduction(reduction)
    if not 0 < q < 1:
        raise ValueError(f"q must lie in (0, 1), got {q!r}")
    r = _residual(pred, target)
    too_low = -q * r  # the loss where the model predicts too low (r < 0) ...
    r *= 1.0 - q  # ... and where it predicts too high (r > 0)
    return _reduce(np.maximum(too_low, r, out=r), reduction)


def quantile_grad(pred: Any, target: Any, *, reduction: str = "mean", q: float = 0.5) -> np.ndarray:
    """Gradient of the pinball loss: -q, 1 - q, or 0 at a tie. Ufunc choice: ``np.sign`` out of
    place (see :func:`mae_grad`), then the clip to [-q, 1 - q] and the division in its buffer."""
    reduction = _reduction(reduction)
    if not 0 < q < 1:
        raise ValueError(f"q must lie in (0, 1), got {q!r}")
    s = np.sign(_residual(pred, target))
    return _reduce_grad_in_place(np.clip(s, -q, 1.0 - q, out=s), reduction)


# --------------------------------------------------------------------------------------------
# Binary classification
# --------------------------------------------------------------------------------------------

_LOG_CLAMP = -100.0  # PyTorch's clamp of log p and log(1 - p) in binary cross-entropy
_BCE_GRAD_EPS = float(np.float32(1e-12))  # ... and of p(1 - p) in its gradient


def _check_unit_interval(a: np.ndarray, name: str) -> None:
    """Every element in [0, 1] (NaN passes), with two reductions and no temporary, as lossutils."""
    if np.fmin.reduce(a, axis=None) < 0 or np.fmax.reduce(a, axis=None) > 1:
        raise ValueError(f"{name} must lie in [0, 1]")


def binary_cross_entropy(prob: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Binary cross-entropy on probabilities, logs clamped at -100. Ufunc choice: ``np.clip``
    for the clamp, not ``np.maximum`` with a scalar. In-place buffers: the clamps, the products
    and the difference in the buffers of the two logs."""
    reduction = _reduction(reduction)
    p, t = _pair(prob, target)
    _check_unit_interval(p, "prob")
    _check_unit_interval(t, "target")
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
        log_1mp = np.log1p(-p)
    np.clip(log_p, _LOG_CLAMP, 0, out=log_p)
    np.clip(log_1mp, _LOG_CLAMP, 0, out=log_1mp)
    log_1mp *= t - 1  # (t - 1) log(1 - p) - t log p
    log_p *= t
    return _reduce(np.subtract(log_1mp, log_p, out=log_1mp), reduction)


def binary_cross_entropy_grad(prob: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Gradient of binary cross-entropy, (p - y) / max(p(1 - p), 1e-12). In-place buffers: the
    denominator built in one array, the quotient and the mean's division in another; ``np.clip``
    for the clamp."""
    reduction = _reduction(reduction)
    p, t = _pair(prob, target)
    _check_unit_interval(p, "prob")
    _check_unit_interval(t, "target")
    denominator = 1 - p
    denominator *= p
    np.clip(denominator, _BCE_GRAD_EPS, None, out=denominator)
    g = np.subtract(p, t)
    g /= denominator
    return _reduce_grad_in_place(g, reduction)


def _relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) in a new array. Ufunc choice: ``np.clip(z, 0, inf)``, which NumPy 2.4 runs about
    three times faster than ``np.maximum(z, 0)``."""
    return np.clip(z, 0, np.inf)


def _softplus_tail(z: np.ndarray) -> np.ndarray:
    """log(1 + e^-|z|), in (0, log 2]. In-place buffers: four steps in one new array."""
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


def binary_cross_entropy_with_logits(logits: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Binary cross-entropy on logits, max(x, 0) - yx + log(1 + e^-|x|), the formula lossutils
    uses. In-place buffers: ``-= y*x`` and ``+= tail`` in the buffer of max(x, 0), the tail's
    four steps in its own (see :func:`_softplus_tail`); ufunc choice: ``np.clip`` for max(x, 0)."""
    reduction = _reduction(reduction)
    x, t = _pair(logits, target)
    loss = _relu(x)
    loss -= t * x
    loss += _softplus_tail(x)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits_grad(logits: Any, target: Any, *, reduction: str = "mean") -> np.ndarray:
    """Gradient on logits, sigmoid(x) - y. In-place buffers: e^-x, + 1, its reciprocal, - y and
    the mean's division all in one array."""
    reduction = _reduction(reduction)
    x, t = _pair(logits, target)
    with np.errstate(over="ignore"):  # e^-x = inf gives 1 / inf = 0, the right sigmoid
        g = np.exp(-x)
    g += 1
    np.reciprocal(g, out=g)
    g -= t
    return _reduce_grad_in_place(g, reduction)


def _hinge_margin(scores: Any, target: Any, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``margin - t*s`` in a new array (the subtraction in the buffer of ``t*s``), and ``t``."""
    s, t = _pair(scores, target)
    if not np.all(np.abs(t) == 1):
        raise ValueError("target must hold -1 or +1 labels")
    z = t * s
    return np.subtract(margin, z, out=z), t


def _active(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, 0 where not, nan where z is nan (a boolean-mask assignment, not np.where)."""
    a = (z > 0).astype(z.dtype)
    a[np.isnan(z)] = np.nan
    return a


def hinge(scores: Any, target: Any, *, reduction: str = "mean", margin: float = 1.0) -> np.ndarray:
    """Hinge loss, max(0, m - ys). In-place buffers and ufunc choice: ``np.clip(z, 0, inf, out=z)``
    in the buffer of the margins."""
    reduction = _reduction(reduction)
    z, _ = _hinge_margin(scores, target, margin)
    return _reduce(np.clip(z, 0, np.inf, out=z), reduction)


def hinge_grad(scores: Any, target: Any, *, reduction: str = "mean", margin: float = 1.0) -> np.ndarray:
    """Gradient of the hinge, -y where the margin is violated. In-place buffers: ``*= t``, the
    negation and the mean's division in the buffer of the 0/1 indicator."""
    reduction = _reduction(reduction)
    z, t = _hinge_margin(scores, target, margin)
    g = _active(z)
    g *= t
    np.negative(g, out=g)
    return _reduce_grad_in_place(g, reduction)


def squared_hinge(scores: Any, target: Any, *, reduction: str = "mean", margin: float = 1.0) -> np.ndarray:
    """Squared hinge, max(0, m - ys)². In-place buffers: the clip and the square in the buffer of
    the margins."""
    reduction = _reduction(reduction)
    z, _ = _hinge_margin(scores, target, margin)
    zp = np.clip(z, 0, np.inf, out=z)
    return _reduce(np.square(zp, out=zp), reduction)


def squared_hinge_grad(scores: Any, target: Any, *, reduction: str = "mean", margin: float = 1.0) -> np.ndarray:
    """Gradient of the squared hinge, -2y max(0, m - ys). In-place buffers: the clip, the two
    products and the mean's division in the buffer of the margins."""
    reduction = _reduction(reduction)
    z, t = _hinge_margin(scores, target, margin)
    g = np.clip(z, 0, np.inf, out=z)
    g *= t
    g *= -2
    return _reduce_grad_in_place(g, reduction)


# --------------------------------------------------------------------------------------------
# Cross-entropy over classes
# --------------------------------------------------------------------------------------------

# With few classes NumPy's reductions along the last axis pay a fixed cost per row that dwarfs
# the arithmetic; up to this many classes the row maximum and sum go column by column.
_FEW_CLASSES = 32


def _reduce_classes(ufunc: np.ufunc, a: np.ndarray) -> np.ndarray:
    """Column-wise reductions: ``ufunc.reduce(a, axis=-1, keepdims=True)`` of an (N, C) array,
    computed for C <= 32 as C - 1 whole-column calls ``ufunc(out, a[:, j], out=out)``."""
    if a.shape[-1] > _FEW_CLASSES:
        return ufunc.reduce(a, axis=-1, keepdims=True)
    out = a[:, :1].copy()
    for j in range(1, a.shape[-1]):
        ufunc(out, a[:, j : j + 1], out=out)
    return out


def _take(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``a[i, y[i]]`` for every row: (N, C) and (N,) -> (N,)."""
    return np.take_along_axis(a, y[:, None], axis=-1)[:, 0]


class _Softmax:
    """The softmax of (N, C) logits ``x`` in the pieces the losses need, no more.

    ``m`` the row maximum (0 where it is not finite), ``e = exp(x - m)`` (in-place buffers: the
    exponential in the buffer of the difference) and ``s`` the row sum of ``e``, both row
    reductions column-wise for few classes (see :func:`_reduce_classes`). Only ``e`` is as large
    as ``x``.
    """

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.m = _reduce_classes(np.maximum, x)
        self.m[~np.isfinite(self.m)] = 0
        with np.errstate(invalid="ignore", over="ignore"):
            e: np.ndarray = np.subtract(x, self.m)
            self.e = np.exp(e, out=e)
        self.s = _reduce_classes(np.add, self.e)

    def minus_log_p_at(self, y: np.ndarray) -> np.ndarray:
        """-log p of class y in each row, log s - (x_y - m): no (N, C) array of log-probabilities."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.s[:, 0]) - (_take(self.x, y) - self.m[:, 0])

    def p_in_place(self) -> np.ndarray:
        """The probabilities e / s, in ``e``'s buffer (``e`` is gone afterwards)."""
        with np.errstate(invalid="ignore"):
            self.e /= self.s
        return self.e


def _ce_inputs(
    logits: Any, target: Any, weight: Any, ignore_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logits (N, C), classes (N,) with ignored ones set to 0, the mask of kept samples, each
    sample's weight (0 where ignored) and the total weight.

    The class range is checked with two reductions (``min`` and ``max``) and no temporary; when
    nothing is ignored (the usual case) no masked copy of the targets is made.
    """
    x = _float_array(logits)
    if x.ndim != 2:
        raise ValueError(f"logits must have shape (N, C); got {x.shape}")
    y = np.asarray(target)
    if y.dtype.kind not in "iu" or y.shape != x.shape[:1]:
        raise ValueError(f"target must hold class indices of shape (N,) = {x.shape[:1]}")
    y = y.astype(np.int64, copy=False)
    n_classes = x.shape[1]
    keep = y != ignore_index
    all_kept = bool(np.all(keep))
    kept = y if all_kept else y[keep]
    if kept.size and (kept.min() < 0 or kept.max() >= n_classes):
        raise ValueError(f"target holds a class outside [0, {n_classes})")
    if not all_kept:
        y = np.where(keep, y, 0)
    if weight is None:
        w_y = np.ones(y.shape, dtype=x.dtype)
    else:
        w = _float_array(weight, x.dtype)
        if w.shape != (n_classes,):
            raise ValueError(f"weight must have shape ({n_classes},)")
        w_y = w[y]
    if not all_kept:
        w_y[~keep] = 0
    return x, y, keep, w_y, np.sum(w_y, dtype=w_y.dtype)


def cross_entropy(
    logits: Any, target: Any, *, reduction: str = "mean", weight: Any = None, ignore_index: int = -100
) -> np.ndarray:
    """Softmax cross-entropy of class indices. No (N, C) temporaries: ``log s - (x_y - m)`` from
    the row maximum and the row sum of ``exp(x - m)`` (one (N, C) array, the exponentials, made
    in the buffer of ``x - m``); column-wise reductions for few classes (see :class:`_Softmax`).
    The readable form builds ``z = x - max``, then ``logsumexp(z)`` makes its own shifted copy and
    its exponentials."""
    reduction = _reduction(reduction)
    x, y, keep, w_y, w_sum = _ce_inputs(logits, target, weight, ignore_index)
    loss = _Softmax(x).minus_log_p_at(y)
    loss *= w_y
    if not keep.all():
        loss[~keep] = 0  # even where an ignored sample's logits are inf or nan
    return _reduce(loss, reduction, w_sum)


def cross_entropy_grad(
    logits: Any, target: Any, *, reduction: str = "mean", weight: Any = None, ignore_index: int = -100
) -> np.ndarray:
    """Gradient of cross-entropy, w_y (softmax - one-hot), divided by the total weight for the
    mean. In-place buffers: the softmax, the row scaling and the -w_y at each true class, all in
    the buffer of ``exp(x - m)``; no one-hot matrix (``np.put_along_axis`` writes one number per
    row); column-wise reductions for few classes."""
    reduction = _reduction(reduction)
    x, y, keep, w_y, w_sum = _ce_inputs(logits, target, weight, ignore_index)
    scale = 1.0  # the factor of the reduction: 1 / sum(w_y) for the mean, nan if that is 1 / 0
    if reduction == "mean":
        scale = 1.0 / float(w_sum) if w_sum != 0 else float("nan")
    row = w_y * x.dtype.type(scale)
    g = _Softmax(x).p_in_place()
    g *= row[:, None]
    np.put_along_axis(g, y[:, None], (_take(g, y) - row)[:, None], axis=-1)
    if not keep.all():
        g[~keep] = 0  # exactly 0 for ignored samples, even where the mean is 0/0
    return g


# --------------------------------------------------------------------------------------------
# The check: each variant against its lossutils twin
# --------------------------------------------------------------------------------------------

#: The names of the losses with a tuned variant; each has ``name`` and ``name + "_grad"`` here.
LOSSES = (
    "mse",
    "mae",
    "huber",
    "smooth_l1",
    "log_cosh",
    "quantile",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "squared_hinge",
    "cross_entropy",
)

#: |tuned - readable| <= rtol * |readable| + atol * max|readable|, elementwise, per dtype. The
#: variants compute the same formulas in another order of operations (e.g. m(2|r| - m)/2 for
#: r²/2, a column-by-column sum for a pairwise one), so they agree to a few units in the last
#: place of each element, and sums to a few more.
TOLERANCE = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-12}


def functions(name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """The tuned loss ``name`` and its gradient."""
    module = sys.modules[__name__]
    return getattr(module, name), getattr(module, name + "_grad")


def _inputs(name: str, rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    if name == "binary_cross_entropy":
        return rng.uniform(0.001, 0.999, n).astype(dtype), rng.uniform(0, 1, n).astype(dtype)
    if name == "binary_cross_entropy_with_logits":
        return (5 * rng.standard_normal(n)).astype(dtype), rng.uniform(0, 1, n).astype(dtype)
    if name in ("hinge", "squared_hinge"):
        return rng.standard_normal(n).astype(dtype), rng.choice([-1.0, 1.0], n).astype(dtype)
    if name == "cross_entropy":
        return (3 * rng.standard_normal((n, c))).astype(dtype), rng.integers(0, c, n)
    # residuals over several scales: both Huber pieces, and beyond the log-cosh cap
    scale = np.exp(rng.uniform(-4, 4, n))
    return (scale * rng.standard_normal(n)).astype(dtype), rng.standard_normal(n).astype(dtype)


def agrees(tuned: Any, readable: Any) -> bool:
    """Whether a tuned result equals the readable one within :data:`TOLERANCE` (of the readable
    result's dtype), with the same shape and dtype."""
    tuned, readable = np.asarray(tuned), np.asarray(readable)
    if tuned.shape != readable.shape or tuned.dtype != readable.dtype:
        return False
    tol = TOLERANCE[readable.dtype]
    a, b = tuned.astype(np.float64), readable.astype(np.float64)
    bound = tol * np.abs(b) + tol * max(float(np.max(np.abs(b), initial=0.0)), np.finfo(float).tiny)
    return bool(np.all(np.abs(a - b) <= bound))


def check(lu: Any = None, seed: int = 0) -> list[str]:
    """Compare every tuned variant with its lossutils twin; return the failures (empty: all agree).

    On random float32 and float64 inputs of 1000 elements (cross-entropy: 300 rows of 3, 10 and
    50 classes, so that both kinds of row reduction run, and once with ignored targets and class
    weights), for each reduction, loss and gradient, within :data:`TOLERANCE`; and the inputs
    must come back unchanged, since every trick here writes into buffers.
    """
    if lu is None:
        import lossutils as lu
    rng = np.random.default_rng(seed)
    failures = []
    for name in LOSSES:
        for dtype in TOLERANCE:
            cases: list[tuple[tuple[np.ndarray, np.ndarray], dict[str, Any]]] = []
            if name == "cross_entropy":
                for c in (3, 10, 50):
                    cases.append((_inputs(name, rng, 300, c, dtype), {}))
                x, y = _inputs(name, rng, 300, 10, dtype)
                y[::7] = -100
                cases.append(((x, y), {"weight": rng.uniform(0.5, 2, 10).astype(dtype)}))
            else:
                options = {"huber": {"delta": 0.7}, "smooth_l1": {"beta": 0.7}, "quantile": {"q": 0.9}}
                cases.append((_inputs(name, rng, 1000, 1, dtype), options.get(name, {})))
            for (a, b), options in cases:
                copies = a.copy(), b.copy()
                for reduction in _REDUCTIONS:
                    for mine, theirs in zip(
                        functions(name), (getattr(lu, name), getattr(lu, name + "_grad")), strict=True
                    ):
                        got = mine(a, b, reduction=reduction, **options)
                        want = theirs(a, b, reduction=reduction, **options)
                        if not agrees(got, want):
                            label = f"{mine.__name__} {dtype.name} {a.shape} {reduction} {options or ''}"
                            failures.append(
                                f"{label}: differs from lossutils (shape, dtype or beyond {TOLERANCE[dtype]:g})"
                            )
                if not (np.array_equal(a, copies[0]) and np.array_equal(b, copies[1])):
                    failures.append(f"{name} {dtype.name}: an input was written to")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare every tuned variant with lossutils")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 0
    failures = check()
    for failure in failures:
        print(failure)
    n = len(LOSSES)
    print(f"{n} tuned losses and their gradients: " + (f"{len(failures)} FAILURES" if failures else "all agree"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
