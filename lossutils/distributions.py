r"""Losses of a predicted distribution: the Gaussian and Poisson negative log-likelihoods.

The book's recipe beyond a fixed noise: choose a distribution :math:`p(y \mid x)` for the
target, let the model predict its parameters, and minimise the negative log-likelihood of the
observed targets. :func:`gaussian_nll` scores a predicted mean *and* variance (regression that
also says how sure it is); :func:`poisson_nll` a predicted rate of counts.

Each loss ``fn`` has its gradient ``fn_grad`` right below it, with the same arguments. A loss
with several differentiable inputs returns one gradient per input, in argument order:
:func:`gaussian_nll_grad` returns the pair (d/d ``mean``, d/d ``var``), each shaped like its
input. Inputs and results follow the rest of :mod:`lossutils`: lists, Python numbers, 0-d
arrays and CPU tensors are read as arrays; a reduced loss is a NumPy scalar and ``'none'`` an
array shaped like the first argument; the dtype is torch's promotion of the inputs' (a Python
number or list takes the others' float dtype); float16 is computed in float32 and cast back.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_inputs,
    as_float_pair,
    check_bool,
    check_nonnegative,
    check_positive,
    check_reduction,
    check_same_shape,
)

__all__ = ["gaussian_nll", "gaussian_nll_grad", "poisson_nll", "poisson_nll_grad"]

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)  # the constant that full=True adds to the Gaussian NLL


# --------------------------------------------------------------------------------------------
# Gaussian negative log-likelihood
# --------------------------------------------------------------------------------------------


def _variance_like_mean(v: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``var`` in a shape that broadcasts to the mean's ``shape``, by PyTorch's rules.

    Accepted: the mean's shape (one variance per element); that shape without its last axis
    (one variance per sample, shared by its last axis: given a trailing axis of 1 here, as torch
    does); that shape with one axis of size 1 (shared along that axis); or a single number,
    0-d, shared by every element (torch's Python ``float`` var).
    """
    if v.shape == shape or v.ndim == 0:
        return v
    if v.shape == shape[:-1]:
        return v[..., None]
    differ = [i for i in range(v.ndim) if v.shape[i] != shape[i]] if v.ndim == len(shape) else []
    if len(differ) == 1 and v.shape[differ[0]] == 1:
        return v
    raise ValueError(
        f"var must have the shape of mean {shape}, that shape without its last axis {shape[:-1]}, that shape "
        f"with one axis of size 1, or be a single number; got var.shape={v.shape}"
    )


def _gaussian_inputs(
    mean: ArrayLike, target: ArrayLike, var: ArrayLike, reduction: object, full: object, eps: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...], Reduction, bool, float, np.dtype]:
    """Validate; return mean, target, the variance shaped to broadcast to the mean, the shape
    ``var`` came in, the reduction, ``full``, ``eps`` and the dtype of the result (promoted over
    the three inputs as torch does; float16 computes in float32)."""
    checked = cast(Reduction, check_reduction(reduction))
    full = check_bool(full, "full")
    eps = check_positive(eps, "eps")
    (m, t, v), dtype = as_float_inputs((mean, target, var), ("mean", "target", "var"))
    check_same_shape(m, t, "mean", "target")
    check_nonnegative(v, "var", "a variance")
    return m, t, _variance_like_mean(v, m.shape), v.shape, checked, full, eps, dtype


def gaussian_nll(
    mean: ArrayLike,
    target: ArrayLike,
    var: ArrayLike,
    *,
    reduction: Reduction = "mean",
    full: bool = False,
    eps: float = 1e-6,
) -> LossValue:
    r"""Gaussian negative log-likelihood of a predicted mean and variance.

    .. math::

        \ell_i = \frac12\Bigl(\log \tilde\sigma_i^2 + \frac{(\mu_i - y_i)^2}{\tilde\sigma_i^2}\Bigr)
                 \;\Bigl[+\ \tfrac12 \log 2\pi \text{ if full}\Bigr],
        \qquad \tilde\sigma_i^2 = \max(\sigma_i^2, \epsilon),

    the negative log-density of :math:`y_i` under :math:`\mathcal N(\mu_i, \sigma_i^2)`, without
    its constant unless ``full``. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i` over
    the N elements of ``mean``, ``'sum'`` gives :math:`\sum_i \ell_i`, ``'none'`` every
    :math:`\ell_i`.

    Parameters
    ----------
    mean : array_like
        Predicted means :math:`\mu`, any shape.
    target : array_like
        Observed values :math:`y`, the same shape as ``mean``.
    var : array_like
        Predicted variances :math:`\sigma^2 \ge 0`: the shape of ``mean`` (one per element); that
        shape without its last axis (one per sample, e.g. (N,) for a mean of shape (N, D)); that
        shape with one axis of size 1 (e.g. (N, 1), or (1, D): one per output); or a single
        number, shared by every element (homoscedastic).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    full : bool, default False
        Add the constant :math:`\frac12\log 2\pi`, so that the loss is the exact negative
        log-density (it changes no gradient).
    eps : float, default 1e-6
        The floor of the variance, > 0: variances below it are raised to it (clamped, not added).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``mean`` for ``'none'``.

    Raises
    ------
    ValueError
        If ``var`` has a negative entry (PyTorch: "var has negative entry/entries") or a shape
        other than those above ("var is of incorrect size"), or ``target``'s shape differs
        from ``mean``'s.

    Notes
    -----
    The gradients (see :func:`gaussian_nll_grad`) are

    .. math::

        \frac{\partial \ell_i}{\partial \mu_i} = \frac{\mu_i - y_i}{\tilde\sigma_i^2},
        \qquad
        \frac{\partial \ell_i}{\partial \sigma_i^2}
            = \frac12\Bigl(\frac{1}{\tilde\sigma_i^2} - \frac{(\mu_i - y_i)^2}{\tilde\sigma_i^4}\Bigr).

    The mean's gradient is MSE's divided by :math:`2\tilde\sigma^2`: a sample the model calls
    noisy pulls the mean less. The variance's is 0 where :math:`\sigma^2 = (\mu - y)^2`: the
    best variance is the squared error. The clamp at ``eps`` is PyTorch's, done without
    recording a gradient, so the variance's gradient passes it unchanged: below ``eps`` it is
    the formula above at :math:`\tilde\sigma^2 = \epsilon`, not 0.

    PyTorch broadcasts a ``target`` of another shape; here its shape must be ``mean``'s. A
    single-number ``var`` is accepted for a ``mean`` of any shape (torch takes a Python float
    so, but a 0-d tensor only for a 1-D ``mean``), and integer variances are read as floats.

    See Also
    --------
    torch.nn.functional.gaussian_nll_loss : the PyTorch twin (``input`` is ``mean``).
    lossutils.mse : the same loss, up to the factor :math:`\frac{1}{2\sigma^2}` and a constant,
        for a fixed variance.

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.gaussian_nll([1.0, 3.0], [0.0, 1.0], [1.0, 4.0], reduction="sum"))  # ½(1) + ½(log 4 + 4/4)
    1.6931471805599454
    >>> float(lu.gaussian_nll([0.0], [0.0], [0.0]))  # var 0 is clamped to eps: ½ log 1e-6
    -6.907755278982137
    """
    m, t, v, _, reduction, full, eps, dtype = _gaussian_inputs(mean, target, var, reduction, full, eps)
    v = np.maximum(v, eps)  # the clamp at eps (np.maximum keeps a nan variance nan, as torch's clamp)
    loss = 0.5 * (np.log(v) + (m - t) ** 2 / v)
    if full:
        loss = loss + _HALF_LOG_2PI
    return reduce(loss, reduction, dtype=dtype)


def _sum_to_shape(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast to ``g``'s shape:
    the gradient of an input that several losses share is the sum of theirs."""
    padded = (1,) * (g.ndim - len(shape)) + shape
    axes = tuple(i for i in range(g.ndim) if padded[i] == 1 and g.shape[i] != 1)
    return cast(np.ndarray, np.sum(g, axis=axes, keepdims=True).reshape(shape))


def gaussian_nll_grad(
    mean: ArrayLike,
    target: ArrayLike,
    var: ArrayLike,
    *,
    reduction: Reduction = "mean",
    full: bool = False,
    eps: float = 1e-6,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`gaussian_nll` with respect to ``mean`` and to ``var``, in that order.

    .. math::

        \frac{\partial \ell_i}{\partial \mu_i} = \frac{\mu_i - y_i}{\tilde\sigma_i^2},
        \qquad
        \frac{\partial \ell_i}{\partial \sigma_i^2}
            = \frac12\Bigl(\frac{1}{\tilde\sigma_i^2} - \frac{(\mu_i - y_i)^2}{\tilde\sigma_i^4}\Bigr),
        \qquad \tilde\sigma_i^2 = \max(\sigma_i^2, \epsilon),

    each divided by N (the number of elements of ``mean``) for ``reduction='mean'``. The
    gradient with respect to ``var`` has ``var``'s shape: where one variance is shared by many
    elements (one per sample, or a single number), it is the sum of their derivatives. Like
    PyTorch's, it passes the clamp at ``eps`` unchanged (see :func:`gaussian_nll`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The gradient with respect to ``mean`` (shaped like it) and to ``var`` (shaped like it;
        0-d for a single number).

    Examples
    --------
    >>> import lossutils as lu
    >>> mean, target, var = [1.0, 3.0], [0.0, 1.0], [1.0, 2.0]
    >>> d_mean, d_var = lu.gaussian_nll_grad(mean, target, var, reduction="sum")
    >>> d_mean  # (mean - target) / var
    array([1., 1.])
    >>> d_var  # ½(1/var - r²/var²), r = mean - target: 0 at var = r², < 0 below
    array([ 0.  , -0.25])
    """
    m, t, v, var_shape, reduction, full, eps, dtype = _gaussian_inputs(mean, target, var, reduction, full, eps)
    v = np.maximum(v, eps)  # the clamp, passed unchanged by the gradient (torch clamps without recording it)
    r = m - t
    d_mean = r / v
    d_var = 0.5 * (1 / v - (r / v) ** 2)  # (r / v)², not r² / v², which overflows float32 for a variance of 1e20
    d_var = _sum_to_shape(d_var, v.shape).reshape(var_shape)  # a shared variance gets the sum
    return reduce_grad(d_mean, reduction, dtype=dtype), reduce_grad(d_var, reduction, divisor=m.size, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Poisson negative log-likelihood
# --------------------------------------------------------------------------------------------


def _poisson_inputs(
    pred: ArrayLike, target: ArrayLike, reduction: object, log_input: object, full: object, eps: object
) -> tuple[np.ndarray, np.ndarray, Reduction, bool, bool, float, np.dtype]:
    """Validate; return pred, target, the reduction, the options and the dtype of the result."""
    checked = cast(Reduction, check_reduction(reduction))
    log_input = check_bool(log_input, "log_input")
    full = check_bool(full, "full")
    eps = check_positive(eps, "eps")
    x, t, dtype = as_float_pair(pred, target, ("pred", "target"))
    check_same_shape(x, t, "pred", "target")
    check_nonnegative(t, "target", "a count")
    if not log_input:
        check_nonnegative(x, "pred", "a rate, since log_input=False")
    return x, t, checked, log_input, full, eps, dtype


def _stirling(t: np.ndarray) -> np.ndarray:
    r"""PyTorch's ``full`` term: Stirling's :math:`\log t! \approx t\log t - t + \frac12\log(2\pi t)`
    where :math:`t > 1`, and 0 elsewhere (exact for counts 0 and 1: :math:`\log 0! = \log 1! = 0`)."""
    above_1 = t > 1
    s = np.where(above_1, t, 1.0)  # the logs below are taken only where t > 1
    return np.where(above_1, s * np.log(s) - s + 0.5 * np.log(2 * np.pi * s), 0.0)


def poisson_nll(
    pred: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
) -> LossValue:
    r"""Poisson negative log-likelihood of a predicted rate, for count targets.

    .. math::

        \ell_i = \begin{cases}
            e^{x_i} - y_i x_i & x_i = \log\lambda_i \ (\text{a log-rate, the default}), \\
            x_i - y_i \log(x_i + \epsilon) & x_i = \lambda_i \ (\text{a rate}),
        \end{cases}

    the negative log of the Poisson probability :math:`\lambda^y e^{-\lambda} / y!` of the count
    :math:`y` at rate :math:`\lambda`, without the :math:`\log y!`; ``full=True`` adds Stirling's
    approximation of it, :math:`y_i\log y_i - y_i + \tfrac12\log(2\pi y_i)`, where
    :math:`y_i > 1`. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`,
    ``'sum'`` :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    pred : array_like
        The predicted rate: its log :math:`\log\lambda` (any real number) if ``log_input``,
        else the rate :math:`\lambda \ge 0` itself. Any shape.
    target : array_like
        Counts :math:`y \ge 0` (non-integer values are accepted, as in PyTorch), the same shape
        as ``pred``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses become the result.
    log_input : bool, default True
        Whether ``pred`` is the log-rate (a linear model's output: the log link of Poisson
        regression) or the rate.
    full : bool, default False
        Add PyTorch's Stirling term, :math:`y\log y - y + \frac12\log(2\pi y)` where
        :math:`y > 1` and 0 elsewhere, an approximation of :math:`\log y!` (it changes no
        gradient).
    eps : float, default 1e-8
        Added to the rate before its log when ``log_input=False``, so a rate of 0 costs
        :math:`-y\log\epsilon`, not infinity; > 0.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``pred`` for ``'none'``.

    Raises
    ------
    ValueError
        If ``target`` has a negative count, or ``pred`` a negative rate with
        ``log_input=False``, or the shapes differ. PyTorch computes these anyway (a negative
        target makes the loss unbounded below; a negative rate gives ``nan``) and broadcasts
        shapes.

    Notes
    -----
    The gradient (see :func:`poisson_nll_grad`) is :math:`e^{x_i} - y_i = \lambda_i - y_i` with
    ``log_input``, and :math:`1 - y_i / (x_i + \epsilon)` without. The best constant rate is the
    mean count :math:`\bar y` (exactly :math:`\bar y - \epsilon` without ``log_input``).
    With ``log_input``, :math:`e^{x}` overflows beyond :math:`x \approx 709` (float32: 88), as in
    PyTorch.

    The Poisson deviance is twice the loss minus the loss of the saturated model, which predicts
    every count exactly (:math:`\lambda_i = y_i`); the Stirling term cancels in the difference:

    .. math::

        2\bigl(y_i \log\tfrac{y_i}{\lambda_i} - y_i + \lambda_i\bigr)
        = 2\bigl(\ell_i(\lambda_i) - \ell_i(y_i)\bigr) \quad (y\log y = 0 \text{ at } y = 0),

    exactly for ``eps`` → 0; so scikit-learn's ``mean_poisson_deviance(y, lam)`` equals
    ``2 * (poisson_nll(lam, y, log_input=False) - poisson_nll(y, y, log_input=False))`` up to
    ``eps``.

    See Also
    --------
    torch.nn.functional.poisson_nll_loss : the PyTorch twin (``input`` is ``pred``).
    sklearn.metrics.mean_poisson_deviance : the mean deviance, arguments (y_true, y_pred).

    Examples
    --------
    >>> import lossutils as lu
    >>> float(lu.poisson_nll([0.0], [1.0]))  # log-rate 0, rate 1: e^0 - 1 * 0
    1.0
    >>> round(float(lu.poisson_nll([2.0], [2.0], log_input=False)), 4)  # rate 2, count 2: 2 - 2 log 2
    0.6137
    """
    x, t, reduction, log_input, full, eps, dtype = _poisson_inputs(pred, target, reduction, log_input, full, eps)
    loss = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
    if full:
        loss = loss + _stirling(t)
    return reduce(loss, reduction, dtype=dtype)


def poisson_nll_grad(
    pred: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
) -> np.ndarray:
    r"""Gradient of :func:`poisson_nll` with respect to ``pred``: :math:`e^{x} - y` (the
    predicted rate minus the count) with ``log_input``, :math:`1 - y / (x + \epsilon)` without;
    divided by N for ``reduction='mean'``. ``full`` changes nothing here.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.poisson_nll_grad([0.0, 0.0], [1.0, 3.0], reduction="sum")  # rate 1, minus the count
    array([ 0., -2.])
    """
    x, t, reduction, log_input, _, eps, dtype = _poisson_inputs(pred, target, reduction, log_input, full, eps)
    g = np.exp(x) - t if log_input else 1 - t / (x + eps)
    return reduce_grad(g, reduction, dtype=dtype)
