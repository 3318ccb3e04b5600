r"""The stable building blocks the losses are made of: sigmoid, softplus, softmax and their logs.

Every loss in :mod:`lossutils` that needs one of these calls the function here, so the function
the book teaches is the function the loss uses. Stability lives in the formulas:

- :func:`softplus` is :math:`\max(x, 0) + \log(1 + e^{-|x|})`: the exponent is never positive,
  so nothing overflows (the formula of ``np.logaddexp(0, x)``);
- :func:`log_sigmoid` is :math:`-\operatorname{softplus}(-x)`, never the log of a rounded 0;
- :func:`logsumexp`, :func:`softmax` and :func:`log_softmax` subtract the maximum first, so
  logits of :math:`\pm 10^4` neither overflow nor give ``nan``.

Each accepts array-likes (lists, NumPy arrays, CPU tensors), keeps float32 as float32, reads
integers as float64, and returns an array of the input's shape (reduced along ``axis`` for
:func:`logsumexp`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, as_result

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`, for any magnitude.

    Computed as written: where :math:`e^{-x}` overflows to infinity (:math:`x` below about
    -709 in float64, -88 in float32), :math:`1/(1 + \infty) = 0`. The true value there is below
    :math:`e^{-709}`, so 0 is off by less than the smallest normal float (as in torch), and the
    overflow is harmless and silenced: ``sigmoid(-1e4)`` is 0 and ``sigmoid(1e4)`` is 1,
    without a warning.

    See Also
    --------
    torch.sigmoid : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.sigmoid([0.0, -1e4, 1e4])
    array([0.5, 0. , 1. ])
    """
    x = as_float_array(x, "x")
    with np.errstate(over="ignore"):  # e^-x = inf gives 1 / (1 + inf) = 0: the right answer
        return as_result(1 / (1 + np.exp(-x)))


def softplus(x: ArrayLike) -> np.ndarray:
    r"""Softplus, :math:`\operatorname{softplus}(x) = \log(1 + e^{x})`, without overflow.

    Computed as :math:`\max(x, 0) + \log(1 + e^{-|x|})`, which equals it because
    :math:`\log(1 + e^x) = x + \log(1 + e^{-x})`: the exponent :math:`-|x|` is never positive,
    so nothing overflows, and ``log1p`` keeps every digit of the small tail. ``softplus(1e4)``
    is 1e4 and ``softplus(-1e4)`` is :math:`e^{-10^4}`, which underflows to 0.

    See Also
    --------
    torch.nn.functional.softplus : the PyTorch twin.
    numpy.logaddexp : ``np.logaddexp(0, x)`` computes the same formula.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.softplus([0.0, 1e4, -1e4])  # log 2, 1e4, 0
    array([6.93147181e-01, 1.00000000e+04, 0.00000000e+00])
    """
    x = as_float_array(x, "x")
    return as_result(np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))


def log_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logarithm of the sigmoid, :math:`\log\sigma(x) = -\log(1 + e^{-x}) = -\operatorname{softplus}(-x)`.

    Stable for any magnitude: ``log_sigmoid(-1e4)`` is -1e4, not ``-inf``; and
    :math:`\log(1 - \sigma(x)) = \log\sigma(-x)`.

    See Also
    --------
    torch.nn.functional.logsigmoid : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.log_sigmoid([-1e4, 0.0])  # log(1/2) = -0.693...
    array([-1.00000000e+04, -6.93147181e-01])
    """
    return as_result(-softplus(-as_float_array(x, "x")))


def logsumexp(x: ArrayLike, axis: int | tuple[int, ...] | None = -1, keepdims: bool = False) -> np.ndarray:
    r"""Log of the sum of exponentials along ``axis``, shifted by the maximum.

    .. math::

        \operatorname{LSE}(x) = m + \log\sum_j e^{x_j - m}, \qquad m = \max_j x_j

    Every exponent is at most 0, so nothing overflows; the sum is at least 1, so the log is
    finite. As in torch, a row of -inf gives -inf, a row holding +inf gives +inf and ``nan``
    propagates: such rows (whose maximum is not finite) are not shifted.

    See Also
    --------
    torch.logsumexp : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.logsumexp([1e4, 1e4]))  # 1e4 + log 2
    10000.69314718056
    """
    x = as_float_array(x, "x")
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # rows of -inf, or holding +inf: no shift (inf - inf is nan)
    with np.errstate(divide="ignore", over="ignore"):  # log 0 = -inf for a row of -inf; e^inf = inf
        lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return as_result(lse if keepdims else np.squeeze(lse, axis=axis))


def softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``: :math:`p_j = e^{x_j} / \sum_k e^{x_k}`, computed as
    :math:`e^{x_j - m} / \sum_k e^{x_k - m}` with :math:`m = \max_k x_k`, so logits of +-1e4 are safe.

    A logit of -inf (a masked class) has probability 0; a row of -inf, or one holding +inf,
    gives ``nan``, as in torch.

    See Also
    --------
    torch.softmax : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.softmax([0.0, 0.0, 1e4])
    array([0., 0., 1.])
    """
    x = as_float_array(x, "x")
    with np.errstate(invalid="ignore"):  # -inf - (-inf) and inf - inf are nan, as in torch
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return as_result(e / np.sum(e, axis=axis, keepdims=True))


def log_softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Log-softmax along ``axis``: :math:`\log p_j = x_j - \operatorname{LSE}(x)`.

    Computed as :math:`(x_j - m) - \log\sum_k e^{x_k - m}` with :math:`m = \max_k x_k` (the
    LSE of the shifted row, one of whose terms is :math:`e^0 = 1`), so
    it is finite wherever the logits are, even where the softmax itself underflows to 0, and
    no digit is lost to a large :math:`m`. Masked (-inf) logits give -inf; a row of -inf, or
    one holding +inf, gives ``nan``, as in torch.

    See Also
    --------
    torch.log_softmax : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.log_softmax([0.0, 0.0])  # log(1/2) twice
    array([-0.69314718, -0.69314718])
    """
    x = as_float_array(x, "x")
    with np.errstate(invalid="ignore"):  # -inf - (-inf) and inf - inf are nan, as in torch
        shifted = x - np.max(x, axis=axis, keepdims=True)
    # LSE of the shifted row, whose maximum is 0: the log of a sum of at least 1
    return as_result(shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)))
