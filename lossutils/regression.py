"""Regression losses and their gradients, from scratch in NumPy.

Each loss ``fn(pred, target, *, reduction="mean", ...)`` takes the model's predictions first
and the true values second, like :mod:`torch.nn.functional`. Its gradient ``fn_grad`` sits right
below it, takes the same arguments and returns d(loss)/d(pred) with the shape of ``pred``.
Throughout, the residual is ``r = pred - target``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Reduction, as_float_array, check_reduction, check_same_shape, reduce, reduce_grad

__all__ = [
    "mse",
    "mse_grad",
    "mae",
    "mae_grad",
    "mbe",
    "mbe_grad",
]


def _residual(pred: ArrayLike, target: ArrayLike, reduction: object) -> tuple[np.ndarray, str]:
    """Validate the pair and return ``pred - target`` in the dtype of ``pred``."""
    reduction = check_reduction(reduction)
    p = as_float_array(pred, "pred")
    t = as_float_array(target, "target", dtype=p.dtype)
    check_same_shape(p, t, "pred", "target")
    return p - t, reduction


def mse(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
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
    numpy.ndarray
        A 0-d array for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

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
    r, reduction = _residual(pred, target, reduction)
    return reduce(r * r, reduction)


def mse_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mse` with respect to ``pred``: :math:`2(\hat y - y)`, divided by
    :math:`N` for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.mse_grad([0.25, 0.5], [0.0, 1.0])
    array([ 0.25, -0.5 ])
    """
    r, reduction = _residual(pred, target, reduction)
    return reduce_grad(2 * r, reduction)


def mae(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
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
    r, reduction = _residual(pred, target, reduction)
    return reduce(np.abs(r), reduction)


def mae_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mae` with respect to ``pred``: :math:`\operatorname{sign}(\hat y - y)`
    (0 where the residual is 0), divided by :math:`N` for ``reduction='mean'``."""
    r, reduction = _residual(pred, target, reduction)
    return reduce_grad(np.sign(r), reduction)


def mbe(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
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
    r, reduction = _residual(pred, target, reduction)
    return reduce(r, reduction)


def mbe_grad(pred: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`mbe` with respect to ``pred``: 1 everywhere (divided by :math:`N`
    for ``reduction='mean'``), whatever the prediction: nothing tells the model to stop."""
    r, reduction = _residual(pred, target, reduction)
    return reduce_grad(np.ones_like(r), reduction)
