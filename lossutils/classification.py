r"""Classification losses and their gradients, from scratch in NumPy.

Each loss ``fn(pred, target, *, reduction="mean", ...)`` takes the model's output first (named
for what it is: ``prob``, ``logits``, ``log_probs``, ``scores``) and the labels second, like
:mod:`torch.nn.functional`. Its gradient ``fn_grad`` sits right below it, takes the same
arguments and returns d(loss)/d(first argument) with the shape of the first argument; for
``reduction='none'`` it holds, for every sample, the derivative of that sample's loss with
respect to its own inputs.

Stability is built into the formulas, not patched after, through the building blocks of
:mod:`lossutils.activations` that the losses call: binary cross-entropy on logits is
:math:`c\,y\operatorname{softplus}(-x) + (1 - y)\operatorname{softplus}(x)`, cross-entropy is
``-log_softmax(logits)[y]`` with ``log_softmax(z) = z - logsumexp(z)``, and so logits of +-1e4
neither overflow nor give ``nan``.

Inputs and results: lists, Python numbers, NumPy scalars, 0-d arrays and CPU tensors are all
read as arrays. A reduced loss (``'mean'``, ``'sum'``) is a NumPy scalar, as :func:`numpy.mean`
returns. For the element-wise losses (binary cross-entropy, the hinge and soft margin losses,
``kl_div``), ``'none'`` and every gradient are shaped like the first argument (0-d for 0-d
input); their dtype is torch's promotion of the two inputs' (float32 with float64 gives
float64; an integer input, or a list or Python number, takes the other's float dtype), and
float16 inputs of the losses are computed in float32 and the result cast back to float16. The
losses over classes (:func:`cross_entropy`, :func:`nll_loss`, :func:`focal_loss`,
:func:`multiclass_hinge`, :func:`multi_margin`) keep the dtype of their first argument, float16
computed in float32 too.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_array,
    as_float_array,
    as_float_pair,
    broadcast_weight,
    check_bool,
    check_ignore_index,
    check_in_range,
    check_positive,
    check_reduction,
    check_same_shape,
    check_sign_labels,
    check_unit_interval,
    class_indices,
    class_input,
    class_symbols,
    class_weight,
    n_classes_of,
    sample_shape,
)
from .activations import log_softmax, sigmoid, softmax, softplus

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "focal_loss",
    "focal_loss_grad",
    "hinge",
    "hinge_embedding",
    "hinge_embedding_grad",
    "hinge_grad",
    "kl_div",
    "kl_div_grad",
    "multi_margin",
    "multi_margin_grad",
    "multiclass_hinge",
    "multiclass_hinge_grad",
    "nll_loss",
    "nll_loss_grad",
    "soft_margin",
    "soft_margin_grad",
    "squared_hinge",
    "squared_hinge_grad",
]

KLReduction = Literal["mean", "sum", "none", "batchmean"]
HingeVariant = Literal["weston_watkins", "crammer_singer"]

_KL_REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none", "batchmean")
_VARIANTS: tuple[str, ...] = ("weston_watkins", "crammer_singer")
# PyTorch clamps log(p) and log(1 - p) at -100 in binary cross-entropy ...
_LOG_CLAMP = -100.0
# ... and the denominator p(1 - p) of its gradient at EPSILON = 1e-12, a C++ float constant,
# so the clamp is float32(1e-12) = 9.99999996e-13 even for float64 inputs.
_BCE_GRAD_EPS = float(np.float32(1e-12))


# --------------------------------------------------------------------------------------------
# Shared private helpers
# --------------------------------------------------------------------------------------------

# Inputs with a class axis come as (C,), (N, C) or (N, C, d1, ...): the class axis is 1, or 0 for a
# single sample. The losses over classes move it last once, at the start, so that every sum or
# maximum over classes runs along axis -1 and per-sample results have the sample shape (), (N,)
# or (N, d1, ...); a gradient moves it back at the end.


def _class_axis_last(a: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (N, d1, ..., C); (C,) and (N, C) have the class axis last already."""
    return a if a.ndim == 1 else np.moveaxis(a, 1, -1)


def _class_axis_back(g: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_class_axis_last`: a gradient in the caller's layout."""
    return g if g.ndim == 1 else np.moveaxis(g, -1, 1)


def _take(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``z[..., y]`` sample by sample, with :func:`numpy.take_along_axis`: (..., C) and (...) -> (...)."""
    return np.take_along_axis(z, y[..., None], axis=-1)[..., 0]


def _one_hot(y: np.ndarray, n_classes: int, dtype: DTypeLike) -> np.ndarray:
    """1 at each sample's class ``y``, 0 elsewhere: (...) -> (..., C)."""
    return cast(np.ndarray, (np.arange(n_classes) == y[..., None]).astype(dtype))


# --------------------------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# --------------------------------------------------------------------------------------------


def _bce_inputs(
    prob: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str, np.dtype]:
    """Validate; return the arrays in the dtype the loss is computed in, the weights, the
    reduction and the dtype of the result (promoted as torch does; float16 computes in float32)."""
    checked = check_reduction(reduction)
    p, t, dtype = as_float_pair(prob, target, ("prob", "target"))
    check_same_shape(p, t, "prob", "target")
    check_unit_interval(p, "prob")
    check_unit_interval(t, "target")
    return p, t, broadcast_weight(weight, p, "weight", "prob"), checked, dtype


def binary_cross_entropy(
    prob: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
) -> LossValue:
    r"""Binary cross-entropy between predicted probabilities and (possibly soft) labels.

    .. math::

        \ell_i = -w_i\,\bigl[y_i \max(\log p_i, -100) + (1 - y_i) \max(\log(1 - p_i), -100)\bigr]

    The logs are clamped at -100 exactly as PyTorch does, so a confident wrong prediction
    (:math:`p = 0`, :math:`y = 1`) costs 100, not infinity. ``reduction='mean'`` gives
    :math:`\frac1N\sum_i \ell_i` over all N elements (the weights rescale, they do not
    renormalise, as in PyTorch), ``'sum'`` gives :math:`\sum_i \ell_i`, ``'none'`` every
    :math:`\ell_i`.

    Parameters
    ----------
    prob : array_like
        Predicted probabilities :math:`p`, each in [0, 1], any shape.
    target : array_like
        Labels :math:`y` in [0, 1] (soft labels allowed), the same shape as ``prob``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    weight : array_like, optional
        Rescaling weights :math:`w`, broadcast to the shape of ``prob`` (and only that way).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``prob`` for ``'none'``.

    Raises
    ------
    ValueError
        If ``prob`` or ``target`` leaves [0, 1], or the shapes differ.

    Shape
    -----
    ``prob``: any shape; ``target``: the same; ``weight``: broadcastable to it.

    Notes
    -----
    The gradient (see :func:`binary_cross_entropy_grad`) is

    .. math::

        \frac{\partial \ell_i}{\partial p_i} = w_i\,\frac{p_i - y_i}{\max\bigl(p_i(1 - p_i), \epsilon\bigr)},
        \qquad \epsilon = 10^{-12},

    with PyTorch's clamp of the denominator, so it is finite (about :math:`\pm 10^{12}`) at
    :math:`p \in \{0, 1\}`. PyTorch rejects ``nan`` probabilities; here ``nan`` propagates.
    Prefer :func:`binary_cross_entropy_with_logits` for training: it never needs the clamp.

    See Also
    --------
    torch.nn.functional.binary_cross_entropy : the PyTorch twin.
    sklearn.metrics.log_loss : the same mean, with arguments in the order (y_true, y_pred).

    Examples
    --------
    >>> import lossutils as lu
    >>> round(float(lu.binary_cross_entropy([0.5, 1.0], [1.0, 1.0])), 4)  # (log 2 + 0) / 2
    0.3466
    >>> float(lu.binary_cross_entropy([0.0], [1.0]))  # log 0 clamped at -100
    100.0
    """
    p, t, w, red, dtype = _bce_inputs(prob, target, weight, reduction)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), _LOG_CLAMP)  # clamped at -100, as in PyTorch
        log_1mp = np.maximum(np.log1p(-p), _LOG_CLAMP)
    # -[t log p + (1 - t) log(1 - p)], in PyTorch's order of operations
    loss = (t - 1) * log_1mp - t * log_p
    if w is not None:
        loss = w * loss
    return reduce(loss, red, dtype=dtype)


def binary_cross_entropy_grad(
    prob: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy` with respect to ``prob``:
    :math:`w\,(p - y) / \max(p(1-p), 10^{-12})`, divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.binary_cross_entropy_grad([0.5, 0.8], [1.0, 0.0], reduction="sum")  # -0.5/0.25, 0.8/0.16
    array([-2.,  5.])
    """
    p, t, w, red, dtype = _bce_inputs(prob, target, weight, reduction)
    g = (p - t) / np.maximum((1 - p) * p, _BCE_GRAD_EPS)
    if w is not None:
        g = w * g
    return reduce_grad(g, red, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Binary cross-entropy on logits
# --------------------------------------------------------------------------------------------


def _bce_logits_inputs(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None,
    pos_weight: ArrayLike | None,
    reduction: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, str, np.dtype]:
    """Validate; as :func:`_bce_inputs`, with ``pos_weight``."""
    checked = check_reduction(reduction)
    x, t, dtype = as_float_pair(logits, target, ("logits", "target"))
    check_same_shape(x, t, "logits", "target")
    w = broadcast_weight(weight, x, "weight", "logits")
    pw = broadcast_weight(pos_weight, x, "pos_weight", "logits")
    return x, t, w, pw, checked, dtype


def binary_cross_entropy_with_logits(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Binary cross-entropy on logits (sigmoid and log fused), stable for any magnitude.

    .. math::

        \begin{aligned}
        \ell_i &= w_i\,\bigl[\,c_i\, y_i \operatorname{softplus}(-x_i)
                 + (1 - y_i) \operatorname{softplus}(x_i)\bigr], \\
        \operatorname{softplus}(z) &= \log(1 + e^z),
        \end{aligned}

    which is :math:`-w_i[c_i y_i \log\sigma(x_i) + (1 - y_i)\log(1 - \sigma(x_i))]` written
    without a single log of a rounded probability. The code is this formula, with
    :func:`lossutils.softplus`, which evaluates :math:`\max(z, 0) + \log(1 + e^{-|z|})` and so
    never overflows: logits of +-1e4 give exact finite losses. ``reduction='mean'`` divides the
    sum by the number of elements; ``'sum'`` and ``'none'`` as usual.

    Parameters
    ----------
    logits : array_like
        Scores :math:`x` (any real numbers), any shape.
    target : array_like
        Labels :math:`y` in [0, 1] (soft labels allowed), the same shape as ``logits``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    weight : array_like, optional
        Rescaling weights :math:`w`, broadcast to the shape of ``logits``.
    pos_weight : array_like, optional
        Weights :math:`c` of the positive term, broadcast to the shape of ``logits``; a shape
        (C,) vector weights each class (the last dimension) as in PyTorch. ``c > 1`` raises
        recall, ``c < 1`` precision.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``logits`` for ``'none'``.

    Shape
    -----
    ``logits``: any shape, e.g. (N, C) for C independent labels; ``target``: the same;
    ``weight`` and ``pos_weight``: broadcastable to it, e.g. (C,).

    Notes
    -----
    The gradient (see :func:`binary_cross_entropy_with_logits_grad`) is

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i\,\bigl[(1 - y_i)\,\sigma(x_i) - c_i\, y_i\,\sigma(-x_i)\bigr],

    that is :math:`w_i(\sigma(x_i) - y_i)` without ``pos_weight``: bounded, never vanishing
    while the prediction is wrong.

    See Also
    --------
    torch.nn.functional.binary_cross_entropy_with_logits : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> round(float(lu.binary_cross_entropy_with_logits([0.0], [1.0])), 4)  # log 2
    0.6931
    >>> float(lu.binary_cross_entropy_with_logits([-1e4], [1.0]))  # softplus(1e4) = 1e4
    10000.0
    """
    x, t, w, pw, red, dtype = _bce_logits_inputs(logits, target, weight, pos_weight, reduction)
    c = 1 if pw is None else pw
    loss = c * t * softplus(-x) + (1 - t) * softplus(x)
    if w is not None:
        loss = w * loss
    return reduce(loss, red, dtype=dtype)


def binary_cross_entropy_with_logits_grad(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``logits``:
    :math:`w[(1 - y)\sigma(x) - c\,y\,\sigma(-x)]` (:math:`w(\sigma(x) - y)` without
    ``pos_weight``), divided by the number of elements for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.binary_cross_entropy_with_logits_grad([0.0, 0.0], [1.0, 0.0], reduction="sum")  # sigmoid(0) - y
    array([-0.5,  0.5])
    """
    x, t, w, pw, red, dtype = _bce_logits_inputs(logits, target, weight, pos_weight, reduction)
    c = 1 if pw is None else pw
    g = (1 - t) * sigmoid(x) - c * t * sigmoid(-x)
    if w is not None:
        g = w * g
    return reduce_grad(g, red, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Cross-entropy and negative log-likelihood
# --------------------------------------------------------------------------------------------


def _cross_entropy_inputs(
    logits: ArrayLike,
    target: ArrayLike,
    reduction: object,
    weight: ArrayLike | None,
    ignore_index: object,
    label_smoothing: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int, Reduction, np.dtype]:
    """Validate; return the logits, the target (class indices, or probabilities shaped like the
    logits), the class weights, the label smoothing, ``ignore_index``, the reduction and the
    dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    ignore = check_ignore_index(ignore_index)
    eps = check_in_range(label_smoothing, "label_smoothing", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    x, dtype = class_input(logits, "logits")
    t = as_array(target, "target")
    if t.shape == x.shape:  # class probabilities
        t = as_float_array(t, "target", dtype=x.dtype)
    elif t.shape == sample_shape(x.shape):  # class indices
        t = class_indices(t, x.shape, "logits", ignore)
    else:
        sym_x, sym_y = class_symbols(x.ndim)
        raise ValueError(
            f"target must have shape {sym_y} = {sample_shape(x.shape)} (class indices) or "
            f"{sym_x} = {x.shape} (class probabilities); got shape {t.shape}"
        )
    w = class_weight(weight, n_classes_of(x.shape), x.dtype)
    return x, t, w, eps, ignore, red, dtype


def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> LossValue:
    r"""Softmax cross-entropy between logits and class indices or class probabilities.

    With class indices :math:`y_i`, class weights :math:`w` and label smoothing
    :math:`\varepsilon`, where :math:`\log p_{ic} = x_{ic} - \operatorname{LSE}(x_i)`:

    .. math::

        \ell_i = (1 - \varepsilon)\, w_{y_i} \bigl(-\log p_{i y_i}\bigr)
               + \frac{\varepsilon}{C} \sum_{c=1}^{C} w_c \bigl(-\log p_{ic}\bigr),

    and :math:`\ell_i = 0` where :math:`y_i` equals ``ignore_index``. ``reduction='mean'``
    divides :math:`\sum_i \ell_i` by :math:`\sum_i w_{y_i}` over the samples not ignored (by
    their count without weights; ``nan`` if every target is ignored), ``'sum'`` gives
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`. All of this is PyTorch's
    definition, smoothing term included.

    With class probabilities :math:`q_{ic}` (``target`` shaped like ``logits``), smoothed to
    :math:`\tilde q = (1 - \varepsilon) q + \varepsilon / C`:

    .. math::

        \ell_i = -\sum_{c=1}^{C} w_c\, \tilde q_{ic} \log p_{ic},

    and ``'mean'`` divides by the number of samples (not by the weights), as in PyTorch;
    ``ignore_index`` does not apply.

    Parameters
    ----------
    logits : array_like
        Unnormalised scores :math:`x`, shape (N, C), (C,) or (N, C, d1, ...).
    target : array_like
        Class indices in [0, C) (shape (N,), () or (N, d1, ...)), or class probabilities with
        the shape of ``logits``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    weight : array_like, optional
        A weight per class, shape (C,).
    ignore_index : int, default -100
        Index targets equal to it contribute nothing, neither to the loss nor to the mean's
        denominator.
    label_smoothing : float, default 0.0
        :math:`\varepsilon` in [0, 1].

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; per-sample losses (shape (N,), () or
        (N, d1, ...)) for ``'none'``.

    Shape
    -----
    ``logits``: (N, C), (C,) or (N, C, d1, ...); ``target``: (N,), () or (N, d1, ...) for
    indices, the shape of ``logits`` for probabilities; ``weight``: (C,).

    Notes
    -----
    Computed as ``-log_softmax(x)[y]`` with :func:`numpy.take_along_axis` (no one-hot
    matrix); :func:`lossutils.log_softmax` subtracts the row maximum first, so logits of +-1e4
    are safe and no digit is lost to their size. Then, each a separate step: class weights, label smoothing,
    ``ignore_index`` and the reduction (the gradient applies ``ignore_index`` last, after the
    mean's possible 0/0). The gradient (see :func:`cross_entropy_grad`) for
    index targets is

    .. math::

        \frac{\partial \ell_i}{\partial x_{ik}} = (1 - \varepsilon) w_{y_i} (p_{ik} - [k = y_i])
        + \frac{\varepsilon}{C}\Bigl(p_{ik} \sum_c w_c - w_k\Bigr),

    i.e. "softmax minus one-hot" when unweighted and unsmoothed; for probability targets it
    is :math:`p_{ik}\sum_c w_c \tilde q_{ic} - w_k \tilde q_{ik}`. Integer targets shaped like
    ``logits`` (one-hot rows) are read as probabilities; PyTorch would reject their dtype.

    See Also
    --------
    torch.nn.functional.cross_entropy : the PyTorch twin.
    nll_loss : the same loss on log-probabilities.
    sklearn.metrics.log_loss : the unweighted mean, with arguments in the order (y_true, y_pred).

    Examples
    --------
    >>> import lossutils as lu
    >>> round(float(lu.cross_entropy([[0.0, 0.0, 0.0]], [2])), 4)  # log 3: a uniform guess
    1.0986
    """
    x, target, w, eps, ignore_index, reduction, dtype = _cross_entropy_inputs(
        logits, target, reduction, weight, ignore_index, label_smoothing
    )
    z = _class_axis_last(x)  # (N, C, d1, ...) -> (N, d1, ..., C): classes along axis -1
    n_classes = z.shape[-1]
    if target.shape == x.shape:  # class probabilities q
        q = (1 - eps) * _class_axis_last(target) + eps / n_classes  # label smoothing: mixed with 1/C
        loss: np.ndarray = -np.sum(w * q * log_softmax(z), axis=-1)
        return reduce(loss, reduction, dtype=dtype)  # 'mean' divides by the number of samples, as torch does

    y = target
    keep = y != ignore_index  # ignore_index: step 4 zeroes the others ...
    y = np.where(keep, y, 0)  # ... so any class will do to index them

    # 1. The loss: -log p_y, with log p = z - logsumexp(z). log_softmax shifts each row by its
    #    maximum first, so logits of 1e4 neither overflow nor lose digits to the subtraction.
    log_p = log_softmax(z)  # a row of -inf gives nan, as in torch
    loss = -_take(log_p, y)

    # 2. Class weights: w_y times each loss.
    w_y = w[y]
    loss = w_y * loss

    # 3. Label smoothing: mix in the loss against the uniform target, -(1/C) sum_c w_c log p_c.
    if eps > 0:
        loss = (1 - eps) * loss - eps / n_classes * np.sum(w * log_p, axis=-1)

    # 4. ignore_index: ignored samples count for nothing, in the sum and in the mean's denominator.
    loss = np.where(keep, loss, 0)
    w_y = np.where(keep, w_y, 0)

    # 5. Reduction: the weighted mean sum(w_y l) / sum(w_y) (nan when every target is ignored).
    return reduce(loss, reduction, divisor=np.sum(w_y), dtype=dtype)


def cross_entropy_grad(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to ``logits``, the shape of ``logits``.

    "Softmax minus one-hot", weighted and smoothed as the Notes of :func:`cross_entropy`
    spell out; zero for ignored samples; divided by the same denominator as the loss for
    ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.cross_entropy_grad([[0.0, 0.0]], [1])  # softmax (1/2, 1/2) minus one-hot (0, 1)
    array([[ 0.5, -0.5]])
    """
    x, target, w, eps, ignore_index, reduction, dtype = _cross_entropy_inputs(
        logits, target, reduction, weight, ignore_index, label_smoothing
    )
    z = _class_axis_last(x)  # classes along axis -1; moved back at the end
    n_classes = z.shape[-1]
    p = softmax(z)
    if target.shape == x.shape:  # class probabilities q
        q = (1 - eps) * _class_axis_last(target) + eps / n_classes  # label smoothing
        wq = w * q
        # d/dz of -sum_c w_c q_c log p_c: softmax minus the target, p - q when w = 1 and q sums to 1
        g = p * np.sum(wq, axis=-1, keepdims=True) - wq
        return _class_axis_back(reduce_grad(g, reduction, divisor=g.size // n_classes, dtype=dtype))  # 'mean': / N

    y = target
    keep = y != ignore_index
    y = np.where(keep, y, 0)

    # 1. Softmax minus one-hot: the gradient of -log p_y = logsumexp(z) - z_y.
    g = p - _one_hot(y, n_classes, p.dtype)

    # 2. Class weights.
    w_y = w[y]
    g = w_y[..., None] * g

    # 3. Label smoothing: the gradient of -(1/C) sum_c w_c log p_c is (p sum_c w_c - w) / C.
    if eps > 0:
        g = (1 - eps) * g + eps / n_classes * (p * np.sum(w) - w)

    # 4. Reduction: the weighted mean divides by sum(w_y) over the samples not ignored.
    g = reduce_grad(g, reduction, divisor=np.sum(np.where(keep, w_y, 0)), dtype=dtype)

    # 5. ignore_index: exactly 0 for ignored samples, even where the mean is 0/0 or their logits nan.
    g = np.where(keep[..., None], g, 0)
    return _class_axis_back(g)


def _nll_inputs(
    log_probs: ArrayLike, target: ArrayLike, reduction: object, weight: ArrayLike | None, ignore_index: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, Reduction, np.dtype]:
    """Validate; return the log-probabilities, the class indices, the class weights,
    ``ignore_index``, the reduction and the dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    ignore = check_ignore_index(ignore_index)
    x, dtype = class_input(log_probs, "log_probs")
    y = class_indices(target, x.shape, "log_probs", ignore)
    w = class_weight(weight, n_classes_of(x.shape), x.dtype)
    return x, y, w, ignore, red, dtype


def nll_loss(
    log_probs: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
) -> LossValue:
    r"""Negative log-likelihood of the target class, given log-probabilities.

    .. math::

        \ell_i = -w_{y_i} \log p_{i y_i},

    with :math:`\ell_i = 0` where :math:`y_i` equals ``ignore_index``. ``reduction='mean'``
    divides :math:`\sum_i \ell_i` by :math:`\sum_i w_{y_i}` over the samples not ignored;
    ``'sum'`` and ``'none'`` as usual. ``nll_loss(log_softmax(x), y)`` is
    ``cross_entropy(x, y)``.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilities :math:`\log p`, shape (N, C), (C,) or (N, C, d1, ...) (not checked
        to be normalised, as in PyTorch).
    target : array_like
        Class indices in [0, C), shape (N,), () or (N, d1, ...).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    weight : array_like, optional
        A weight per class, shape (C,).
    ignore_index : int, default -100
        Targets equal to it contribute nothing.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; per-sample losses for ``'none'``.

    Shape
    -----
    ``log_probs``: (N, C), (C,) or (N, C, d1, ...); ``target``: (N,), () or (N, d1, ...);
    ``weight``: (C,).

    Notes
    -----
    The gradient (see :func:`nll_loss_grad`) is :math:`-w_{y_i}` at the target class and 0
    elsewhere (and 0 for ignored samples), divided by :math:`\sum_i w_{y_i}` for ``'mean'``.

    See Also
    --------
    torch.nn.functional.nll_loss : the PyTorch twin.
    cross_entropy : the same loss on logits.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> float(lu.nll_loss(np.log([[0.5, 0.25, 0.25]]), [0]) / np.log(2))  # -log(1/2) = log 2
    1.0
    """
    x, y, w, ignore_index, reduction, dtype = _nll_inputs(log_probs, target, reduction, weight, ignore_index)
    log_p = _class_axis_last(x)  # classes along axis -1
    keep = y != ignore_index
    y = np.where(keep, y, 0)  # any class will do to index an ignored sample
    loss = -w[y] * _take(log_p, y)  # -w_y log p_y
    loss = np.where(keep, loss, 0)  # ignore_index: in the sum ...
    w_y = np.where(keep, w[y], 0)  # ... and in the mean's denominator
    return reduce(loss, reduction, divisor=np.sum(w_y), dtype=dtype)


def nll_loss_grad(
    log_probs: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
) -> np.ndarray:
    r"""Gradient of :func:`nll_loss` with respect to ``log_probs``: :math:`-w_{y_i}` at each
    target class, 0 elsewhere and for ignored samples, divided by :math:`\sum_i w_{y_i}` for
    ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.nll_loss_grad([[-0.1, -2.0], [-0.5, -1.0]], [1, 0])  # -1/N at each target
    array([[ 0. , -0.5],
           [-0.5,  0. ]])
    """
    x, y, w, ignore_index, reduction, dtype = _nll_inputs(log_probs, target, reduction, weight, ignore_index)
    log_p = _class_axis_last(x)  # classes along axis -1
    keep = y != ignore_index
    y = np.where(keep, y, 0)
    g = np.where(_one_hot(y, log_p.shape[-1], bool), -w[y][..., None], 0)  # -w_y at the target class, 0 elsewhere
    g = reduce_grad(g, reduction, divisor=np.sum(np.where(keep, w[y], 0)), dtype=dtype)
    g = np.where(keep[..., None], g, 0)  # ignore_index, after the mean's possible 0/0
    return _class_axis_back(g)


# --------------------------------------------------------------------------------------------
# Focal loss
# --------------------------------------------------------------------------------------------


def _focal_inputs(
    logits: ArrayLike, target: ArrayLike, reduction: object, gamma: object, weight: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, Reduction, np.dtype]:
    """Validate; return the logits, the class indices, the class weights, gamma, the reduction and
    the dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    g = check_positive(gamma, "gamma", allow_zero=True)
    x, dtype = class_input(logits, "logits")
    y = class_indices(target, x.shape, "logits")
    w = class_weight(weight, n_classes_of(x.shape), x.dtype)
    return x, y, w, g, red, dtype


def focal_loss(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    gamma: float = 2.0,
    weight: ArrayLike | None = None,
) -> LossValue:
    r"""Softmax focal loss (Lin et al., 2017): cross-entropy that down-weights easy samples.

    With :math:`p_t = \operatorname{softmax}(x_i)_{y_i}`, the probability of the true class,
    and :math:`\alpha_t = w_{y_i}` (1 without ``weight``):

    .. math::

        \ell_i = -\alpha_t\,(1 - p_t)^{\gamma} \log p_t

    ``reduction='mean'`` divides :math:`\sum_i \ell_i` by :math:`\sum_i \alpha_t` (by N without
    weights), the weighted mean of :func:`cross_entropy`, so that ``gamma=0`` gives exactly
    ``cross_entropy(logits, target, weight=weight, reduction=...)`` for every option.
    ``'sum'`` and ``'none'`` as usual.

    Parameters
    ----------
    logits : array_like
        Unnormalised scores, shape (N, C), (C,) or (N, C, d1, ...).
    target : array_like
        Class indices in [0, C), shape (N,), () or (N, d1, ...).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    gamma : float, default 2.0
        Focusing parameter :math:`\gamma \ge 0`; larger values ignore well-classified samples
        more.
    weight : array_like, optional
        A weight per class :math:`\alpha`, shape (C,).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; per-sample losses for ``'none'``.

    Shape
    -----
    ``logits``: (N, C), (C,) or (N, C, d1, ...); ``target``: (N,), () or (N, d1, ...);
    ``weight``: (C,).

    Notes
    -----
    :math:`\log p_t` comes from a max-shifted log-softmax and :math:`1 - p_t` from
    ``-expm1(log p_t)``, so neither is lost to rounding. With :math:`u = 1 - p_t`, the gradient
    (see :func:`focal_loss_grad`) is

    .. math::

        \frac{\partial \ell_i}{\partial x_{ik}} = h_i\,\bigl([k = y_i] - p_{ik}\bigr), \qquad
        h_i = \alpha_t\, u^{\gamma}\Bigl(\gamma\, p_t \frac{\log p_t}{u} - 1\Bigr),

    where :math:`\log p_t / u \to -1` as :math:`u \to 0`, so it is finite for every
    :math:`\gamma \ge 0`. The original paper uses the sigmoid (binary) form; this is its
    softmax generalisation.

    See Also
    --------
    cross_entropy : the special case ``gamma=0``.

    References
    ----------
    .. [1] T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollár, "Focal Loss for Dense Object
       Detection", ICCV 2017.

    Examples
    --------
    >>> import lossutils as lu
    >>> round(float(lu.focal_loss([[0.0, 0.0]], [0], gamma=2.0)), 4)  # (1/2)**2 * log 2
    0.1733
    """
    x, y, w, gamma, reduction, dtype = _focal_inputs(logits, target, reduction, gamma, weight)
    z = _class_axis_last(x)  # classes along axis -1
    log_pt = _take(log_softmax(z), y)  # log p_t, the log-probability of the true class
    u = -np.expm1(log_pt)  # 1 - p_t, exact even when p_t is within 1e-17 of 1
    alpha = w[y]  # class weights alpha_t; the mean divides by their sum
    loss: np.ndarray = -alpha * u**gamma * log_pt
    return reduce(loss, reduction, divisor=np.sum(alpha), dtype=dtype)


def focal_loss_grad(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    gamma: float = 2.0,
    weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`focal_loss` with respect to ``logits``:
    :math:`h_i([k = y_i] - p_{ik})` with :math:`h_i` as in the Notes of :func:`focal_loss`,
    divided by :math:`\sum_i \alpha_t` (or N) for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.focal_loss_grad([[0.0, 0.0]], [0], gamma=0.0)  # gamma=0: cross-entropy's softmax minus one-hot
    array([[-0.5,  0.5]])
    """
    x, y, w, gamma, reduction, dtype = _focal_inputs(logits, target, reduction, gamma, weight)
    z = _class_axis_last(x)  # classes along axis -1
    log_pt = _take(log_softmax(z), y)
    u = -np.expm1(log_pt)  # 1 - p_t
    # h = d loss / d log p_t = u^gamma (gamma p_t log p_t / u - 1), where log p_t / u -> -1 as u -> 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(u > 0, log_pt / u, -1)
    h = u**gamma * (gamma * np.exp(log_pt) * ratio - 1)
    # d log p_t / dz = one-hot - softmax: cross-entropy's gradient, times -h (h = -1 for gamma = 0)
    g = -h[..., None] * (softmax(z) - _one_hot(y, z.shape[-1], z.dtype))
    alpha = w[y]
    g = alpha[..., None] * g
    return _class_axis_back(reduce_grad(g, reduction, divisor=np.sum(alpha), dtype=dtype))


# --------------------------------------------------------------------------------------------
# Hinge losses
# --------------------------------------------------------------------------------------------


def _hinge_inputs(
    scores: ArrayLike,
    target: ArrayLike,
    reduction: object,
    margin: object,
    *,
    first: str = "scores",
    nan_labels: bool = True,
) -> tuple[np.ndarray, np.ndarray, float, str, np.dtype]:
    """Validate and return ``(s, t, margin, reduction, dtype of the result)``; ``first`` names the
    first argument in messages. A nan label propagates, as nan data does, where ``nan_labels``."""
    checked = check_reduction(reduction)
    m = check_in_range(margin, "margin", -np.inf, np.inf)
    s, t, dtype = as_float_pair(scores, target, (first, "target"))
    check_same_shape(s, t, first, "target")
    check_sign_labels(t, "target", allow_nan=nan_labels)
    return s, t, m, checked, dtype


def hinge(scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0) -> LossValue:
    r"""Binary hinge loss (the linear SVM's loss).

    .. math::

        \ell_i = \max(0,\; m - y_i s_i), \qquad y_i \in \{-1, +1\}

    Zero once a sample is on the right side with a margin of at least :math:`m`.
    ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'`` :math:`\sum_i \ell_i`,
    ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    scores : array_like
        Real-valued decision scores :math:`s`, shape (N,) (any shape works element-wise).
    target : array_like
        Labels :math:`y` in {-1, +1}, the same shape as ``scores``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    margin : float, default 1.0
        The margin :math:`m`.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``scores`` for ``'none'``.

    Shape
    -----
    ``scores``: (N,); ``target``: (N,).

    Notes
    -----
    The (sub)gradient (see :func:`hinge_grad`) is :math:`-y_i` where :math:`m - y_i s_i > 0`
    and 0 elsewhere, the kink included (as :func:`torch.relu` takes it).

    See Also
    --------
    sklearn.metrics.hinge_loss : the mean with ``margin=1``, arguments (y_true, pred_decision),
        and any two labels (the greater one is +1).
    squared_hinge : the smooth variant.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.hinge([0.5, 2.0], [1, -1]))  # (1 - 0.5 + 1 + 2) / 2
    1.75
    """
    s, t, m, red, dtype = _hinge_inputs(scores, target, reduction, margin)
    loss = np.maximum(0, m - t * s)
    return reduce(loss, red, dtype=dtype)


def hinge_grad(
    scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> np.ndarray:
    r"""Gradient of :func:`hinge` with respect to ``scores``: :math:`-y_i` where the margin is
    violated (:math:`m - y_i s_i > 0`), 0 elsewhere; divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.hinge_grad([0.5, 2.0, -3.0], [1, -1, -1], reduction="sum")
    array([-1.,  1.,  0.])
    """
    s, t, m, red, dtype = _hinge_inputs(scores, target, reduction, margin)
    g = -t * np.heaviside(m - t * s, 0)  # d max(0, z)/dz is the step H(z): 0 at the kink, as in torch
    return reduce_grad(g, red, dtype=dtype)


def squared_hinge(
    scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> LossValue:
    r"""Squared hinge loss: the hinge, squared, so its gradient is continuous.

    .. math::

        \ell_i = \max(0,\; m - y_i s_i)^2, \qquad y_i \in \{-1, +1\}

    Reductions, parameters and shapes as in :func:`hinge`.

    Parameters
    ----------
    scores : array_like
        Decision scores :math:`s`, shape (N,).
    target : array_like
        Labels in {-1, +1}, the same shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    margin : float, default 1.0
        The margin :math:`m`.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``scores`` for ``'none'``.

    Shape
    -----
    ``scores``: (N,); ``target``: (N,).

    Notes
    -----
    The gradient (see :func:`squared_hinge_grad`) is :math:`-2 y_i \max(0, m - y_i s_i)`,
    continuous at the margin, unlike the hinge's.

    See Also
    --------
    hinge : the unsquared loss.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.squared_hinge([0.5, 2.0], [1, -1]))  # (0.5**2 + 3**2) / 2
    4.625
    """
    s, t, m, red, dtype = _hinge_inputs(scores, target, reduction, margin)
    loss = np.maximum(0, m - t * s) ** 2
    return reduce(loss, red, dtype=dtype)


def squared_hinge_grad(
    scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> np.ndarray:
    r"""Gradient of :func:`squared_hinge` with respect to ``scores``:
    :math:`-2 y_i \max(0, m - y_i s_i)`, divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.squared_hinge_grad([0.5, 2.0], [1, -1], reduction="sum")  # -2 * 0.5, +2 * 3
    array([-1.,  6.])
    """
    s, t, m, red, dtype = _hinge_inputs(scores, target, reduction, margin)
    g = -2 * t * np.maximum(0, m - t * s)
    return reduce_grad(g, red, dtype=dtype)


# The rest of the binary margin family: the logistic loss on ±1 labels, and the hinge of a distance.


def _soft_margin_inputs(
    scores: ArrayLike, target: ArrayLike, reduction: object
) -> tuple[np.ndarray, np.ndarray, str, np.dtype]:
    """Validate and return ``(s, t, reduction, dtype of the result)``."""
    checked = check_reduction(reduction)
    s, t, dtype = as_float_pair(scores, target, ("scores", "target"))
    check_same_shape(s, t, "scores", "target")
    check_sign_labels(t, "target")  # a nan label propagates, as nan data does
    return s, t, checked, dtype


def soft_margin(scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> LossValue:
    r"""Soft margin loss: the logistic loss, written for labels in {-1, +1}.

    .. math::

        \ell_i = \log\bigl(1 + e^{-y_i s_i}\bigr) = \operatorname{softplus}(-y_i s_i),
        \qquad y_i \in \{-1, +1\}

    A smooth hinge: it decreases with the margin :math:`y_i s_i` and never reaches 0. It is
    binary cross-entropy on logits with the labels renamed: ``soft_margin(s, y)`` equals
    ``binary_cross_entropy_with_logits(s, (y + 1) / 2)``, since
    :math:`\log(1 + e^{-s}) = -\log\sigma(s)` and :math:`\log(1 + e^{s}) = -\log\sigma(-s)`.
    The code is the formula with :func:`lossutils.softplus`, so margins of +-1e4 give exact
    finite losses. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'``
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    scores : array_like
        Real-valued scores :math:`s`, any shape (element-wise).
    target : array_like
        Labels :math:`y` in {-1, +1}, the same shape as ``scores``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``scores`` for ``'none'``.

    Shape
    -----
    ``scores``: any shape, usually (N,); ``target``: the same.

    Notes
    -----
    The gradient (see :func:`soft_margin_grad`) is :math:`-y_i\,\sigma(-y_i s_i)`: as large as 1
    for a badly wrong score, fading (but never 0) as the margin grows. PyTorch computes
    :math:`\log(1 + e^{-ys})` as written, so its loss overflows to ``inf`` (and its gradient to
    ``nan``) once :math:`-ys` passes about 710 in float64 and 89 in float32; here it stays
    exact. PyTorch accepts any real target; here it must be -1 or +1 (what the formula is
    for). Mixed float dtypes promote (float32 with float64 gives float64), where
    ``F.soft_margin_loss`` keeps the dtype of its input.

    See Also
    --------
    torch.nn.functional.soft_margin_loss : the PyTorch twin.
    binary_cross_entropy_with_logits : the same loss with labels in {0, 1}.
    hinge : the margin loss that stops at a margin of 1.

    Examples
    --------
    >>> import lossutils as lu
    >>> round(float(lu.soft_margin([0.0], [1])), 4)  # log 2: no margin yet
    0.6931
    >>> float(lu.soft_margin([-1e4], [1]))  # softplus(1e4) = 1e4, where torch gives inf
    10000.0
    """
    s, t, red, dtype = _soft_margin_inputs(scores, target, reduction)
    loss = softplus(-t * s)  # log(1 + e^{-t s}), without overflow
    return reduce(loss, red, dtype=dtype)


def soft_margin_grad(scores: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`soft_margin` with respect to ``scores``: :math:`-y\,\sigma(-y s)`,
    divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.soft_margin_grad([0.0, 0.0], [1, -1], reduction="sum")  # -y sigmoid(0)
    array([-0.5,  0.5])
    """
    s, t, red, dtype = _soft_margin_inputs(scores, target, reduction)
    g = -t * sigmoid(-t * s)
    return reduce_grad(g, red, dtype=dtype)


def _hinge_embedding_inputs(
    distance: ArrayLike, target: ArrayLike, reduction: object, margin: object
) -> tuple[np.ndarray, np.ndarray, float, str, np.dtype]:
    """:func:`_hinge_inputs` for a distance: +1 similar, -1 dissimilar, and nothing else is a pair label."""
    return _hinge_inputs(distance, target, reduction, margin, first="distance", nan_labels=False)


def hinge_embedding(
    distance: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> LossValue:
    r"""Hinge embedding loss: small distances for similar pairs, at least the margin for dissimilar ones.

    .. math::

        \ell_i = \begin{cases}
            d_i & \text{if } y_i = +1 \text{ (a similar pair)}, \\
            \max(0,\; m - d_i) & \text{if } y_i = -1 \text{ (a dissimilar pair)},
        \end{cases}

    where :math:`d_i` is a distance between the two items of pair :math:`i` (e.g. the L1 or
    L2 distance between their embeddings). A similar pair costs its distance; a dissimilar
    pair costs nothing once it is at least :math:`m` apart. ``reduction='mean'`` gives
    :math:`\frac1N\sum_i \ell_i`, ``'sum'`` :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    distance : array_like
        Distances :math:`d \ge 0`, any shape (element-wise). Not checked to be non-negative,
        as in PyTorch; a negative "distance" of a similar pair lowers the loss without bound.
    target : array_like
        Labels :math:`y`: +1 for a similar pair, -1 for a dissimilar one; the same shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-pair losses become the result.
    margin : float, default 1.0
        The margin :math:`m`: how far apart dissimilar pairs should be.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``distance`` for ``'none'``.

    Raises
    ------
    ValueError
        If ``target`` holds anything but -1 and +1 (NaN included). PyTorch accepts any target
        and gives an element neither 1 nor -1 the sum of both cases,
        :math:`d + \max(0, m - d)`; here that is an error.

    Shape
    -----
    ``distance``: any shape, usually (N,); ``target``: the same.

    Notes
    -----
    The gradient (see :func:`hinge_embedding_grad`) is 1 for a similar pair and, for a
    dissimilar one, -1 while :math:`d < m` and 0 beyond. At the kink :math:`d = m` it is -1,
    as PyTorch takes it (its ``clamp_min`` passes the gradient at equality). Mixed float
    dtypes promote (float32 with float64 gives float64), where ``F.hinge_embedding_loss``
    keeps the dtype of its input.

    See Also
    --------
    torch.nn.functional.hinge_embedding_loss : the PyTorch twin.
    hinge : the hinge of a score's margin instead of a distance.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.hinge_embedding([0.3, 0.4, 2.0], [1, -1, -1]))  # (0.3 + 0.6 + 0) / 3
    0.3
    """
    d, t, m, red, dtype = _hinge_embedding_inputs(distance, target, reduction, margin)
    loss = np.where(t == 1, d, np.maximum(0, m - d))
    return reduce(loss, red, dtype=dtype)


def hinge_embedding_grad(
    distance: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> np.ndarray:
    r"""Gradient of :func:`hinge_embedding` with respect to ``distance``: 1 for a similar pair;
    -1 for a dissimilar pair closer than the margin (at the margin too, as in PyTorch), 0
    beyond it; divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.hinge_embedding_grad([0.3, 0.4, 2.0], [1, -1, -1], reduction="sum")
    array([ 1., -1.,  0.])
    """
    d, t, m, red, dtype = _hinge_embedding_inputs(distance, target, reduction, margin)
    g = np.where(t == 1, 1.0, np.heaviside(d - m, 0) - 1)  # d max(0, m - d)/dd: -1 up to the margin, 0 beyond
    return reduce_grad(g, red, dtype=dtype)


def _class_margin_inputs(
    scores: ArrayLike, target: ArrayLike, reduction: object, margin: object, *, one_sample: bool = False
) -> tuple[np.ndarray, np.ndarray, float, Reduction, np.dtype]:
    """Validate what the multi-class hinge losses share; return the scores (N, C) (or (C,) for
    ``one_sample``), the class indices (N,) (or ()), the margin, the reduction and the dtype of
    the result."""
    red = cast(Reduction, check_reduction(reduction))
    m = check_in_range(margin, "margin", -np.inf, np.inf)
    s = as_float_array(scores, "scores")
    if s.ndim not in ((1, 2) if one_sample else (2,)):
        raise ValueError(f"scores must have shape {'(N, C) or (C,)' if one_sample else '(N, C)'}; got shape {s.shape}")
    s, dtype = class_input(s, "scores")
    y = class_indices(target, s.shape, "scores")
    return s, y, m, red, dtype


def _multiclass_hinge_inputs(
    scores: ArrayLike, target: ArrayLike, reduction: object, margin: object, variant: object
) -> tuple[np.ndarray, np.ndarray, float, HingeVariant, Reduction, np.dtype]:
    """Validate; return the scores (N, C), the class indices (N,), the margin, the variant, the
    reduction and the dtype of the result."""
    if not isinstance(variant, str) or variant not in _VARIANTS:
        raise ValueError(f"variant must be 'weston_watkins' or 'crammer_singer', got {variant!r}")
    s, y, m, red, dtype = _class_margin_inputs(scores, target, reduction, margin)
    return s, y, m, cast(HingeVariant, variant), red, dtype


def _weston_watkins_terms(s: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    """The hinge term max(0, margin - s_y + s_j) of every class j, 0 at the true class: (..., C)."""
    s_y = _take(s, y)[..., None]  # the true class's score
    return np.where(_one_hot(y, s.shape[-1], bool), 0, np.maximum(0, margin + s - s_y))


def _spread_to_classes(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of a sum over j != y of terms of (s_j - s_y), from each term's derivative
    ``d_j``: ``d_j`` at class j, minus their sum at the true class y (every term holds -s_y)."""
    g: np.ndarray = d - _one_hot(y, d.shape[-1], d.dtype) * np.sum(d, axis=-1, keepdims=True)
    return g


def multiclass_hinge(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    margin: float = 1.0,
    variant: HingeVariant = "weston_watkins",
) -> LossValue:
    r"""Multi-class SVM (hinge) loss, Weston–Watkins or Crammer–Singer.

    With scores :math:`s_i \in \mathbb{R}^C` and true class :math:`y_i`:

    .. math::

        \ell_i^{\mathrm{WW}} = \sum_{j \ne y_i} \max(0,\; m - s_{i y_i} + s_{ij}), \qquad
        \ell_i^{\mathrm{CS}} = \max\bigl(0,\; m - s_{i y_i} + \max_{j \ne y_i} s_{ij}\bigr).

    Weston–Watkins (CS231n's SVM loss) charges every class that comes within :math:`m` of the
    true one; Crammer–Singer only the strongest, so :math:`\ell^{\mathrm{CS}} \le \ell^{\mathrm{WW}}`.
    ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'`` :math:`\sum_i \ell_i`,
    ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    scores : array_like
        Class scores, shape (N, C).
    target : array_like
        Class indices in [0, C), shape (N,).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    margin : float, default 1.0
        The margin :math:`m`.
    variant : {'weston_watkins', 'crammer_singer'}, default 'weston_watkins'
        Which multi-class extension of the hinge.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'``.

    Shape
    -----
    ``scores``: (N, C); ``target``: (N,).

    Notes
    -----
    The (sub)gradient (see :func:`multiclass_hinge_grad`), for each violated term, is +1 at the
    competing class and -1 at the true class: for WW the true class collects minus the number
    of violating classes; for CS only the strongest wrong class (the first one on ties)
    moves. Terms exactly at the kink count as not violated.

    See Also
    --------
    torch.nn.functional.multi_margin_loss : with ``p=1`` it is the Weston–Watkins loss divided by C.
    sklearn.metrics.hinge_loss : with more than two classes, the Crammer–Singer mean for ``margin=1``.

    Examples
    --------
    >>> import lossutils as lu
    >>> s = [[3.0, 2.5, 1.0]]  # true class 0 wins, but class 1 is within the margin
    >>> float(lu.multiclass_hinge(s, [0]))  # max(0, 1-3+2.5) + max(0, 1-3+1)
    0.5
    """
    s, y, margin, variant, reduction, dtype = _multiclass_hinge_inputs(scores, target, reduction, margin, variant)
    if variant == "weston_watkins":  # every class within the margin of the true one
        hinge_terms = _weston_watkins_terms(s, y, margin)  # max(0, margin - s_y + s_j), 0 at j = y
        loss: np.ndarray = np.sum(hinge_terms, axis=1)
    else:  # Crammer–Singer: only the strongest wrong class
        strongest_other = np.max(np.where(_one_hot(y, s.shape[1], bool), -np.inf, s), axis=1)
        loss = np.maximum(0, margin + strongest_other - _take(s, y))
    return reduce(loss, reduction, dtype=dtype)


def multiclass_hinge_grad(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    margin: float = 1.0,
    variant: HingeVariant = "weston_watkins",
) -> np.ndarray:
    r"""Gradient of :func:`multiclass_hinge` with respect to ``scores``, shape (N, C): +1 at
    each violating class, minus their count at the true class (Crammer–Singer: +1 at the
    strongest wrong class and -1 at the true one, when violated); divided by N for
    ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.multiclass_hinge_grad([[3.0, 2.5, 1.0]], [0])
    array([[-1.,  1.,  0.]])
    """
    s, y, margin, variant, reduction, dtype = _multiclass_hinge_inputs(scores, target, reduction, margin, variant)
    n_samples, n_classes = s.shape
    if variant == "weston_watkins":
        violated = np.heaviside(_weston_watkins_terms(s, y, margin), 0)  # 1 at each class within the margin
        g = _spread_to_classes(violated, y)  # and minus their count at the true class
    else:
        others = np.where(_one_hot(y, n_classes, bool), -np.inf, s)
        j = np.argmax(others, axis=1)  # the strongest wrong class (the first one on ties)
        violated = np.heaviside(margin + _take(others, j) - _take(s, y), 0)
        g = violated[:, None] * (_one_hot(j, n_classes, s.dtype) - _one_hot(y, n_classes, s.dtype))
    return reduce_grad(g, reduction, divisor=n_samples, dtype=dtype)


def _multi_margin_inputs(
    scores: ArrayLike, target: ArrayLike, reduction: object, p: object, margin: object, weight: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, int, float, np.ndarray, Reduction, np.dtype]:
    """Validate; return the scores (N, C) or (C,), the class indices, p, the margin, the class
    weights, the reduction and the dtype of the result."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p!r}")
    s, y, m, red, dtype = _class_margin_inputs(scores, target, reduction, margin, one_sample=True)
    w = class_weight(weight, s.shape[-1], s.dtype)
    return s, y, int(p), m, w, red, dtype


def multi_margin(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
) -> LossValue:
    r"""PyTorch's multi-class margin loss: the Weston–Watkins hinge, averaged over the C classes,
    optionally squared and weighted by the true class.

    With scores :math:`s_i \in \mathbb{R}^C`, true class :math:`y_i`, class weights :math:`w`
    and :math:`p \in \{1, 2\}`:

    .. math::

        \ell_i = \frac{w_{y_i}}{C} \sum_{j \ne y_i} \max(0,\; m - s_{i y_i} + s_{ij})^p.

    With ``p=1`` and no weight this is :func:`multiclass_hinge` (Weston–Watkins) divided by C:
    ``C * multi_margin(s, y) == multiclass_hinge(s, y)``. The weight of the *true* class
    multiplies every term of the sample. ``reduction='mean'`` divides :math:`\sum_i \ell_i` by
    N, the number of samples (not by the summed weights, unlike :func:`cross_entropy`);
    ``'sum'`` gives :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    scores : array_like
        Class scores, shape (N, C), or (C,) for one sample.
    target : array_like
        Class indices in [0, C), shape (N,) (or () for one sample).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    p : {1, 2}, default 1
        The power of each hinge term: 1 for the hinge, 2 for the squared hinge.
    margin : float, default 1.0
        The margin :math:`m`.
    weight : array_like, optional
        A weight per class :math:`w`, shape (C,); a sample is weighted by its true class's.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) (or () for one sample) for
        ``'none'``.

    Shape
    -----
    ``scores``: (N, C) or (C,); ``target``: (N,) or (); ``weight``: (C,).

    Notes
    -----
    With :math:`h_j = \max(0, m - s_{y} + s_j)` the hinge term of class :math:`j \ne y`, the
    gradient (see :func:`multi_margin_grad`) is

    .. math::

        \frac{\partial \ell}{\partial s_k} = \frac{w_y}{C}\Bigl([k \ne y]\, h'_k
            - [k = y] \sum_{j \ne y} h'_j\Bigr),
        \qquad h'_j = \begin{cases} [h_j > 0] & p = 1 \\ 2 h_j & p = 2, \end{cases}

    a term exactly at its kink counting as not violated, as in PyTorch. PyTorch's CPU kernel
    skips a ``nan`` score (a term ``nan > 0`` is false, so a ``nan`` counts as no violation);
    here ``nan`` propagates to the sample's loss and gradient, as in every lossutils loss.

    See Also
    --------
    torch.nn.functional.multi_margin_loss : the PyTorch twin.
    multiclass_hinge : the Weston–Watkins loss without the division by C (and Crammer–Singer).

    Examples
    --------
    >>> import lossutils as lu
    >>> s = [[3.0, 2.5, 1.0]]  # true class 0 wins, but class 1 is within the margin
    >>> float(lu.multi_margin(s, [0]))  # (max(0, 1-3+2.5) + max(0, 1-3+1)) / 3
    0.16666666666666666
    >>> float(lu.multi_margin(s, [0], p=2))  # 0.5**2 / 3
    0.08333333333333333
    """
    s, y, p, margin, w, reduction, dtype = _multi_margin_inputs(scores, target, reduction, p, margin, weight)
    hinge_terms = _weston_watkins_terms(s, y, margin)  # max(0, margin - s_y + s_j), 0 at j = y
    loss: np.ndarray = w[y] * np.sum(hinge_terms**p, axis=-1) / s.shape[-1]
    return reduce(loss, reduction, dtype=dtype)  # 'mean': / N, whatever the weights


def multi_margin_grad(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`multi_margin` with respect to ``scores``, the shape of ``scores``:
    :math:`(w_y / C)\, h'_k` at each other class k (:math:`h'_k = [h_k > 0]` for ``p=1``,
    :math:`2 h_k` for ``p=2``), minus their sum at the true class; divided by N for
    ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.multi_margin_grad([[3.0, 2.5, 1.0]], [0], reduction="sum", weight=[3.0, 1.0, 1.0])  # w_0 / C = 1
    array([[-1.,  1.,  0.]])
    """
    s, y, p, margin, w, reduction, dtype = _multi_margin_inputs(scores, target, reduction, p, margin, weight)
    hinge_terms = _weston_watkins_terms(s, y, margin)
    d_terms = np.heaviside(hinge_terms, 0) if p == 1 else 2 * hinge_terms  # d max(0, x)^p / dx, 0 at the kink
    g = w[y][..., None] / s.shape[-1] * _spread_to_classes(d_terms, y)
    return reduce_grad(g, reduction, divisor=1 if s.ndim == 1 else s.shape[0], dtype=dtype)


# --------------------------------------------------------------------------------------------
# Kullback–Leibler divergence
# --------------------------------------------------------------------------------------------


def _kl_inputs(
    log_pred: ArrayLike, target: ArrayLike, reduction: object, log_target: object
) -> tuple[np.ndarray, np.ndarray, str, int | None, np.dtype]:
    """Validate; return the arrays, the reduction, the divisor of ``'mean'``/``'batchmean'``
    (None otherwise) and the dtype of the result."""
    checked = check_reduction(reduction, _KL_REDUCTIONS)
    check_bool(log_target, "log_target")
    x, t, dtype = as_float_pair(log_pred, target, ("log_pred", "target"))
    check_same_shape(x, t, "log_pred", "target")
    divisor = {"mean": x.size, "batchmean": x.shape[0] if x.ndim else 1}.get(checked)
    return x, t, checked, divisor, dtype


def kl_div(
    log_pred: ArrayLike,
    target: ArrayLike,
    *,
    reduction: KLReduction = "batchmean",
    log_target: bool = False,
) -> LossValue:
    r"""Kullback–Leibler divergence :math:`D_{\mathrm{KL}}(\text{target} \,\|\, \text{pred})`,
    point-wise, with PyTorch's argument order (the model's log-probabilities first).

    .. math::

        \ell_k = y_k\,(\log y_k - x_k), \qquad 0 \log 0 = 0,

    where :math:`x = \log \hat p` is ``log_pred`` and :math:`y` is ``target`` (or
    :math:`\ell_k = e^{y_k}(y_k - x_k)` when ``log_target=True`` and ``target`` holds
    :math:`\log y`). ``reduction='batchmean'`` (the default, the true KL divergence per sample)
    divides :math:`\sum_k \ell_k` by the size of the first dimension; ``'mean'`` divides by the
    number of elements; ``'sum'`` gives :math:`\sum_k \ell_k`; ``'none'`` every :math:`\ell_k`.

    Parameters
    ----------
    log_pred : array_like
        Log-probabilities of the model, e.g. :func:`log_softmax` of logits, any shape.
    target : array_like
        Target probabilities (or their logs with ``log_target=True``), the same shape.
    reduction : {'batchmean', 'mean', 'sum', 'none'}, default 'batchmean'
        How the point-wise terms become the result.
    log_target : bool, default False
        Whether ``target`` holds log-probabilities. Must be a bool: anything else is a
        ``TypeError``, as in PyTorch.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'batchmean'``, ``'mean'`` and ``'sum'``; an array shaped like
        ``log_pred`` for ``'none'``.

    Shape
    -----
    ``log_pred``: any shape, usually (N, C); ``target``: the same.

    Notes
    -----
    The gradient (see :func:`kl_div_grad`) is :math:`-y_k` (:math:`-e^{y_k}` with
    ``log_target=True``), scaled by the reduction. As in PyTorch the term :math:`-y_k x_k` is
    not guarded: a zero target against :math:`x_k = -\infty` gives ``nan``, and so does a
    negative target (neither is validated). Unlike PyTorch's, the function requires the two
    shapes to be equal.

    See Also
    --------
    torch.nn.functional.kl_div : the PyTorch twin.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> float(lu.kl_div(np.log([[0.5, 0.5]]), [[0.5, 0.5]]))  # identical distributions
    0.0
    """
    x, t, red, divisor, dtype = _kl_inputs(log_pred, target, reduction, log_target)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # y (log y - x), with 0 log 0 = 0: log(y + [y = 0]) is log y where y > 0, log 1 = 0 where y = 0
        loss = np.exp(t) * (t - x) if log_target else t * (np.log(t + (t == 0)) - x)
    if red == "none":
        return reduce(loss, "none", dtype=dtype)
    return reduce(loss, "sum" if divisor is None else "mean", divisor, dtype=dtype)


def kl_div_grad(
    log_pred: ArrayLike,
    target: ArrayLike,
    *,
    reduction: KLReduction = "batchmean",
    log_target: bool = False,
) -> np.ndarray:
    r"""Gradient of :func:`kl_div` with respect to ``log_pred``: :math:`-y` (or :math:`-e^{y}`
    with ``log_target=True``), divided by the first dimension's size for ``'batchmean'`` and by
    the number of elements for ``'mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.kl_div_grad([[-1.0, -0.5]], [[0.25, 0.75]])  # batch of one: -target
    array([[-0.25, -0.75]])
    """
    _, t, _, divisor, dtype = _kl_inputs(log_pred, target, reduction, log_target)
    with np.errstate(over="ignore"):
        g = -np.exp(t) if log_target else -t
    return reduce_grad(g, "sum" if divisor is None else "mean", divisor, dtype=dtype)
