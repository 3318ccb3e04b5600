"""Regression losses and their gradients, from scratch in NumPy.

Each loss ``fn(pred, target, *, reduction="mean", ...)`` takes the model's predictions first
and the true values second, like :mod:`torch.nn.functional`. Its gradient ``fn_grad`` sits right
below it, takes the same arguments and returns d(loss)/d(pred) with the shape of ``pred``.
Throughout, the residual is ``r = pred - target``.

Inputs and results: lists, Python numbers, NumPy scalars, 0-d arrays and CPU tensors are all
read as arrays. A reduced loss (``'mean'``, ``'sum'``) is a NumPy scalar, as :func:`numpy.mean`
returns; ``'none'`` returns an array shaped like the first argument (a 0-d array for 0-d input),
and so does every gradient. The result's dtype is torch's promotion of the two inputs' (float32
with float64 gives float64; an integer input, or a list or Python number, takes the other's
float dtype; float64 when neither has one); float16 inputs are computed in float32 and the
result cast back to float16.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_pair,
    check_in_range,
    check_positive,
    check_reduction,
    check_same_shape,
)

__all__ = [
    "huber",
    "huber_grad",
    "log_cosh",
    "log_cosh_grad",
    "mae",
    "mae_grad",
    "mbe",
    "mbe_grad",
    "mse",
    "mse_grad",
    "quantile",
    "quantile_grad",
    "smooth_l1",
    "smooth_l1_grad",
]


def _checked(
    pred: ArrayLike, target: ArrayLike, reduction: object
) -> tuple[np.ndarray, np.ndarray, Reduction, np.dtype]:
    """Validate the pair; return both as arrays in the dtype the loss is computed in, the
    checked reduction and the dtype of the result.

    That dtype is promoted as torch does (float32 with float64 gives float64; an integer
    input takes the other's float dtype; two integer inputs give float64). float16 is computed
    in float32 and the result cast back (see :func:`lossutils._validation.computing_dtype`).
    """
    checked = cast(Reduction, check_reduction(reduction))
    p, t, dtype = as_float_pair(pred, target, ("pred", "target"))
    check_same_shape(p, t, "pred", "target")
    return p, t, checked, dtype


def _residual(pred: ArrayLike, target: ArrayLike, reduction: object) -> tuple[np.ndarray, Reduction, np.dtype]:
    """Validate the pair and return the residual ``pred - target``, the checked reduction and
    the dtype of the result (see :func:`_checked`)."""
    p, t, checked, dtype = _checked(pred, target, reduction)
    return p - t, checked, dtype


def mse(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> LossValue:
    r"""Mean squared error (L2 loss).

    .. math::

        \ell_i = (\hat y_i - y_i)^2

    reduced by ``reduction``: ``'mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'`` gives
    :math:`\sum_i \ell_i`, ``'none'`` returns every :math:`\ell_i`.

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape.
    target : array_like
        True values :math:`y`, the same shape as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Notes
    -----
    The gradient of one element is :math:`\partial\ell_i/\partial\hat y_i = 2(\hat y_i - y_i)`
    (see :func:`mse_grad`). Minimising MSE is maximum likelihood under Gaussian noise, and the
    constant that minimises it is the mean of the targets.

    See Also
    --------
    torch.nn.functional.mse_loss : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.mse([0.25, 0.5], [0.0, 1.0]))  # (0.25**2 + 0.5**2) / 2
    0.15625
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce(r**2, reduction, dtype=dtype)


def mse_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mse` with respect to ``pred``: :math:`2(\hat y - y)`, divided by
    :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.mse_grad([0.25, 0.5], [0.0, 1.0])
    array([ 0.25, -0.5 ])
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce_grad(2 * r, reduction, dtype=dtype)


def mae(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> LossValue:
    r"""Mean absolute error (L1 loss).

    .. math::

        \ell_i = |\hat y_i - y_i|

    reduced by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``, as in :func:`mse`).

    Notes
    -----
    The gradient is :math:`\operatorname{sign}(\hat y_i - y_i)`, taken as 0 at a residual of
    exactly 0 (as PyTorch does). MAE is maximum likelihood under Laplace noise; the constant
    that minimises it is the median of the targets.

    See Also
    --------
    torch.nn.functional.l1_loss : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.mae([0.25, 0.5], [0.0, 1.0]))  # (0.25 + 0.5) / 2
    0.375
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce(np.abs(r), reduction, dtype=dtype)


def mae_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mae` with respect to ``pred``: :math:`\operatorname{sign}(\hat y - y)`
    (0 where the residual is 0), divided by :math:`N` for ``reduction='mean'``."""
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce_grad(np.sign(r), reduction, dtype=dtype)


def mbe(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> LossValue:
    r"""Mean bias error: the signed residual, averaged.

    .. math::

        \ell_i = \hat y_i - y_i

    Positive means the model predicts too high on average, negative too low. Errors of
    opposite sign cancel, so MBE is a diagnostic of systematic bias, not a training loss: it
    is unbounded below, and a useless model can score exactly 0.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.mbe([1.0, -1.0], [0.0, 0.0]))  # the errors cancel
    0.0
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce(r, reduction, dtype=dtype)


def mbe_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mbe` with respect to ``pred``: 1 everywhere (divided by :math:`N`
    for ``reduction='mean'``), whatever the prediction: nothing tells the model to stop."""
    p, _, reduction, dtype = _checked(pred, target, reduction)  # no residual needed: the slope is 1
    return reduce_grad(np.ones_like(p), reduction, dtype=dtype)


def huber(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", delta: float = 1.0) -> LossValue:
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::

        \ell_i = \begin{cases}
            \tfrac12 r_i^2 & \text{if } |r_i| \le \delta, \\
            \delta\,(|r_i| - \tfrac12\delta) & \text{otherwise,}
        \end{cases}
        \qquad r_i = \hat y_i - y_i,

    reduced by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``, as in :func:`mse`).

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape.
    target : array_like
        True values :math:`y`, the same shape as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    delta : float, default 1.0
        Where the quadratic part turns linear; must be > 0.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Notes
    -----
    The gradient of one element is :math:`r_i` where :math:`|r_i| \le \delta` and
    :math:`\delta\operatorname{sign}(r_i)` elsewhere: the residual clipped to
    :math:`[-\delta, \delta]` (see :func:`huber_grad`). Both pieces agree at
    :math:`|r_i| = \delta`, so the loss is once continuously differentiable. An outlier pulls
    with a force of at most :math:`\delta`, where MSE pulls with :math:`2|r_i|`.
    Huber and Smooth L1 are the same curve scaled: ``huber(delta=d)`` equals
    ``d * smooth_l1(beta=d)`` (up to rounding).
    Mixed float dtypes promote as in every loss here (float32 with float64 gives float64, as
    ``F.mse_loss`` and ``F.smooth_l1_loss`` do); ``F.huber_loss`` keeps the dtype of its input.

    See Also
    --------
    torch.nn.functional.huber_loss : the PyTorch twin.
    smooth_l1 : the same curve divided by ``delta``.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.huber([0.5, 3.0], [0.0, 0.0]))  # (0.5 * 0.5**2 + 1 * (3 - 0.5)) / 2
    1.3125
    """
    delta = check_positive(delta, "delta")
    r, reduction, dtype = _residual(pred, target, reduction)
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))
    return reduce(loss, reduction, dtype=dtype)


def huber_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", delta: float = 1.0) -> np.ndarray:
    r"""Gradient of :func:`huber` with respect to ``pred``: the residual clipped to
    :math:`[-\delta, \delta]`, divided by :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.huber_grad([0.5, 3.0], [0.0, 0.0], reduction="sum")  # 3.0 is clipped to delta = 1
    array([0.5, 1. ])
    """
    delta = check_positive(delta, "delta")
    r, reduction, dtype = _residual(pred, target, reduction)
    g = np.clip(r, -delta, delta)  # r inside [-δ, δ], ±δ beyond: the two pieces' slopes
    return reduce_grad(g, reduction, dtype=dtype)


def smooth_l1(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", beta: float = 1.0) -> LossValue:
    r"""Smooth L1 loss: L1 with its kink at 0 rounded off by a parabola of width ``beta``.

    .. math::

        \ell_i = \begin{cases}
            \tfrac12 r_i^2 / \beta & \text{if } |r_i| < \beta, \\
            |r_i| - \tfrac12\beta & \text{otherwise,}
        \end{cases}
        \qquad r_i = \hat y_i - y_i,

    reduced by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``, as in :func:`mse`).

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape.
    target : array_like
        True values :math:`y`, the same shape as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    beta : float, default 1.0
        Width of the quadratic zone; must be >= 0. ``beta=0`` is exactly :func:`mae`, as in
        PyTorch.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Notes
    -----
    The gradient of one element is :math:`r_i/\beta` where :math:`|r_i| < \beta` and
    :math:`\operatorname{sign}(r_i)` elsewhere (0 at :math:`r_i = 0`; see
    :func:`smooth_l1_grad`). Unlike Huber, the slope of the linear part is always 1, whatever
    ``beta``. The two are the same curve scaled:

    .. math::

        \operatorname{Huber}_\delta(r) = \delta \cdot \mathrm{SmoothL1}_{\beta=\delta}(r).

    See Also
    --------
    torch.nn.functional.smooth_l1_loss : the PyTorch twin.
    huber : the same curve multiplied by ``beta``.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.smooth_l1([0.5, 3.0], [0.0, 0.0], beta=2.0))  # (0.5 * 0.5**2 / 2 + (3 - 1)) / 2
    1.03125
    """
    beta = check_positive(beta, "beta", allow_zero=True)
    r, reduction, dtype = _residual(pred, target, reduction)
    a = np.abs(r)
    # with beta = 0, |r| < beta never holds: the L1 loss, as in PyTorch (and no division by 0)
    loss = a if beta == 0.0 else np.where(a < beta, 0.5 * r**2 / beta, a - 0.5 * beta)
    return reduce(loss, reduction, dtype=dtype)


def smooth_l1_grad(
    pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", beta: float = 1.0
) -> np.ndarray:
    r"""Gradient of :func:`smooth_l1` with respect to ``pred``: :math:`r/\beta` inside the
    quadratic zone, :math:`\operatorname{sign}(r)` outside (and for ``beta=0``), divided by
    :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.smooth_l1_grad([0.5, 3.0], [0.0, 0.0], reduction="sum", beta=2.0)  # 0.5 / 2, sign(3)
    array([0.25, 1.  ])
    """
    beta = check_positive(beta, "beta", allow_zero=True)
    r, reduction, dtype = _residual(pred, target, reduction)
    g = np.sign(r) if beta == 0.0 else np.clip(r / beta, -1.0, 1.0)  # r/β inside the quadratic zone, ±1 beyond
    return reduce_grad(g, reduction, dtype=dtype)


# Beyond |r| = 20, log cosh r = |r| - log 2 + log(1 + e^{-2|r|}) grows exactly as fast as |r|, to
# within e^{-40} ~ 4e-18, far below float64's resolution of the value (about 20 or more)
_LOG_COSH_CAP = 20.0


def log_cosh(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> LossValue:
    r"""Log-cosh loss: about :math:`\tfrac12 r^2` near 0 and :math:`|r| - \log 2` far from it.

    .. math::

        \ell_i = \log\cosh(\hat y_i - y_i)

    reduced by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``, as in :func:`mse`).

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape.
    target : array_like
        True values :math:`y`, the same shape as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Notes
    -----
    :math:`\cosh r` overflows float64 beyond :math:`|r| \approx 710` (float32: 89), so the
    naive ``np.log(np.cosh(r))`` returns ``inf`` where the loss is only about :math:`|r|`; near
    0 it rounds :math:`\cosh r` to 1 and the loss to 0. Here it is computed from the identity
    :math:`\cosh t = 1 + 2\sinh^2(t/2)`,

    .. math::

        \log\cosh t = \log\bigl(1 + 2\sinh^2(t/2)\bigr),

    which keeps full relative precision for tiny residuals, at :math:`t = \min(|r|, 20)`, plus
    :math:`|r| - t`: beyond 20, :math:`\log\cosh r = |r| - \log 2 + \log(1 + e^{-2|r|})` grows
    like :math:`|r|` to within :math:`e^{-40}`, so nothing overflows.
    Hence :math:`|r| - \log 2 \le \ell_i \le |r|`.

    The gradient of one element is :math:`\tanh(r_i)` (see :func:`log_cosh_grad`): like MSE's
    near 0, bounded by 1 like MAE's far away.

    See Also
    --------
    huber : another loss that is quadratic near 0 and linear far away.

    PyTorch has no twin; ``torch.log(torch.cosh(r))`` is the direct expression (it overflows
    for large ``r``).

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.log_cosh([0.0], [0.0]))  # log cosh 0 = log 1
    0.0
    >>> round(float(lu.log_cosh([1e4], [0.0])), 4)  # 1e4 - log 2; cosh(1e4) itself overflows
    9999.3069
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    a = np.abs(r)
    t = np.minimum(a, _LOG_COSH_CAP)  # beyond the cap, log cosh grows like |r|
    loss = np.log1p(2 * np.sinh(t / 2) ** 2) + (a - t)
    return reduce(loss, reduction, dtype=dtype)


def log_cosh_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`log_cosh` with respect to ``pred``: :math:`\tanh(\hat y - y)`,
    divided by :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.log_cosh_grad([0.0, 1e4, -1e4], [0.0, 0.0, 0.0], reduction="sum")  # tanh: 0, 1, -1
    array([ 0.,  1., -1.])
    """
    r, reduction, dtype = _residual(pred, target, reduction)
    return reduce_grad(np.tanh(r), reduction, dtype=dtype)


def quantile(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", q: float = 0.5) -> LossValue:
    r"""Quantile (pinball) loss: an asymmetric L1 whose minimiser is the ``q``-quantile.

    .. math::

        \begin{aligned}
        \ell_i &= \max\bigl(q\,(y_i - \hat y_i),\ (q - 1)\,(y_i - \hat y_i)\bigr) \\
               &= \begin{cases}
                   q\,(y_i - \hat y_i) & \hat y_i \le y_i \text{ (too low)}, \\
                   (1 - q)\,(\hat y_i - y_i) & \hat y_i > y_i \text{ (too high)},
               \end{cases}
        \end{aligned}

    reduced by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``, as in :func:`mse`).

    Parameters
    ----------
    pred : array_like
        Predictions :math:`\hat y`, any shape.
    target : array_like
        True values :math:`y`, the same shape as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    q : float, default 0.5
        The quantile to estimate, strictly between 0 and 1. ``q=0.5`` is half of :func:`mae`.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Notes
    -----
    The gradient of one element with respect to :math:`\hat y_i` is :math:`-q` where
    :math:`\hat y_i < y_i`, :math:`1 - q` where :math:`\hat y_i > y_i`, and **0 at a tie**
    :math:`\hat y_i = y_i` (see :func:`quantile_grad`). Any value in :math:`[-q, 1 - q]` is a
    subgradient there; 0 matches the convention of :func:`mae_grad` (and PyTorch's ``sign``),
    so ``quantile_grad(q=0.5) == 0.5 * mae_grad`` everywhere. PyTorch's autograd of the
    ``torch.maximum`` expression gives :math:`\tfrac12 - q` at a tie instead (the mean of the
    two one-sided slopes).

    The mean pinball loss equals scikit-learn's
    ``mean_pinball_loss(target, pred, alpha=q)`` (note scikit-learn's argument order).

    See Also
    --------
    sklearn.metrics.mean_pinball_loss : the same mean, with ``alpha`` for ``q``.

    PyTorch has no twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.quantile([3.0, 0.0], [1.0, 1.0], q=0.75, reduction="none")  # (1 - 0.75) * 2, 0.75 * 1
    array([0.5 , 0.75])
    """
    q = check_in_range(q, "q", 0.0, 1.0)
    p, t, reduction, dtype = _checked(pred, target, reduction)
    d = t - p
    return reduce(np.maximum(q * d, (q - 1) * d), reduction, dtype=dtype)


def quantile_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", q: float = 0.5) -> np.ndarray:
    r"""Gradient of :func:`quantile` with respect to ``pred``: :math:`-q` where the model
    predicts too low, :math:`1 - q` where it predicts too high, 0 at a tie; divided by
    :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.quantile_grad([3.0, 0.0, 1.0], [1.0, 1.0, 1.0], q=0.75, reduction="sum")
    array([ 0.25, -0.75,  0.  ])
    """
    q = check_in_range(q, "q", 0.0, 1.0)
    r, reduction, dtype = _residual(pred, target, reduction)
    g = np.clip(np.sign(r), -q, 1.0 - q)  # -q where too low, 1 - q where too high, 0 at a tie
    return reduce_grad(g, reduction, dtype=dtype)
