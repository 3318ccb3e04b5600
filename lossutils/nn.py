"""``torch.nn.Module`` losses: the ones PyTorch lacks, and cross-entropy written from scratch.

Each module stores its options in ``__init__`` (class weights as a buffer, so ``.to()`` and
``state_dict()`` carry them, as in :class:`torch.nn.CrossEntropyLoss`), and its ``forward``
computes the loss with differentiable torch operations: autograd supplies the gradient.
The formulas are those of the NumPy functions of :mod:`lossutils` and the tests check that
both agree in value and gradient.

============================  =============================================  ====================
module                        per-sample loss                                NumPy twin
============================  =============================================  ====================
:class:`LogCoshLoss`          log cosh(x − y)                                ``log_cosh``
:class:`QuantileLoss`         max(q·(y − x), (q − 1)·(y − x))                ``quantile``
:class:`FocalLoss`            −α_t (1 − p_t)^γ log p_t                       ``focal_loss``
:class:`MulticlassHingeLoss`  Σ_{j≠y} max(0, m − s_y + s_j) (or CS)          ``multiclass_hinge``
:class:`MeanBiasError`        x − y                                          ``mbe``
:class:`CrossEntropyLoss`     −log softmax(x)_y, weights, ignore, smoothing  ``cross_entropy``
:class:`ContrastiveLoss`      ½d² (similar), ½ max(0, m − d)² (dissimilar)   ``contrastive``
:class:`InfoNCELoss`          CE(cos(q_i, k_j)/τ over j, class i)            ``info_nce``
============================  =============================================  ====================

This module imports torch; ``import lossutils`` does not import it.

Examples
--------
>>> import torch
>>> from lossutils.nn import CrossEntropyLoss
>>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]], requires_grad=True)
>>> loss = CrossEntropyLoss(label_smoothing=0.1)(logits, torch.tensor([0, 1]))
>>> ref = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(logits, torch.tensor([0, 1]))
>>> bool(torch.isclose(loss, ref))
True
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from torch import Tensor, nn

from ._reduction import reduce
from ._validation import Reduction, check_in_range, check_positive, check_reduction
from .regression import _LOG_COSH_CAP

__all__ = [
    "ContrastiveLoss",
    "CrossEntropyLoss",
    "FocalLoss",
    "InfoNCELoss",
    "LogCoshLoss",
    "MeanBiasError",
    "MulticlassHingeLoss",
    "QuantileLoss",
]


# -- shared plumbing -----------------------------------------------------------------------


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _check_float(t: object, name: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {t.dtype}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty")
    return t


def _check_pair(input: Tensor, target: Tensor) -> None:
    _check_float(input, "input")
    if not isinstance(target, Tensor):
        raise TypeError(f"target must be a torch.Tensor, got {type(target).__name__}")
    if input.shape != target.shape:
        raise ValueError(
            f"input and target must have the same shape; got input.shape={_shape(input)}, target.shape={_shape(target)}"
        )


def _class_target(input: Tensor, target: object, ignore_index: int | None = None) -> Tensor:
    """Validate class indices for ``input`` of shape (C,), (N, C) or (N, C, d1, ...)."""
    if not isinstance(target, Tensor):
        raise TypeError(f"target must be a torch.Tensor, got {type(target).__name__}")
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices; got dtype {target.dtype}")
    if input.dim() == 0:
        raise ValueError("input must have a class dimension: (C,), (N, C) or (N, C, d1, ...); got a scalar")
    expected = () if input.dim() == 1 else (input.shape[0], *input.shape[2:])
    if _shape(target) != expected:
        raise ValueError(f"target must have shape {expected} for input of shape {_shape(input)}; got {_shape(target)}")
    n_classes = input.shape[0 if input.dim() == 1 else 1]
    valid = (target >= 0) & (target < n_classes)
    if ignore_index is not None:
        valid |= target == ignore_index
    if not bool(valid.all()):
        bad = int(target[~valid].flatten()[0])
        raise ValueError(f"target holds class {bad} but input has {n_classes} classes")
    return target.long()


def _as_weight(weight: Tensor | ArrayLike | None) -> Tensor | None:
    if weight is None:
        return None
    w = torch.as_tensor(weight)
    if not w.is_floating_point():
        w = w.to(torch.get_default_dtype())
    if w.dim() != 1:
        raise ValueError(f"weight must be a 1-D tensor with one weight per class; got shape {_shape(w)}")
    return w


def _check_weight(weight: Tensor | None, n_classes: int, like: Tensor) -> Tensor | None:
    if weight is None:
        return None
    if weight.shape != (n_classes,):
        raise ValueError(f"weight must have shape (C,) = ({n_classes},); got shape {_shape(weight)}")
    if weight.dtype != like.dtype:  # torch raises too ("expected scalar type Double but found Float")
        raise TypeError(
            f"weight has dtype {weight.dtype} but input has dtype {like.dtype}; convert one, "
            f"e.g. with module.to({like.dtype}) or input.to({weight.dtype})"
        )
    return weight


def _class_dim(input: Tensor) -> int:
    return 0 if input.dim() == 1 else 1


class _Loss(nn.Module):
    """Stores ``reduction`` (checked), like :class:`torch.nn.modules.loss._Loss`."""

    reduction: str

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """Also stores a per-class ``weight`` as a buffer, like :class:`torch.nn.modules.loss._WeightedLoss`."""

    weight: Tensor | None

    def __init__(self, weight: Tensor | ArrayLike | None = None, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _as_weight(weight))


# -- regression ------------------------------------------------------------------------------


class LogCoshLoss(_Loss):
    r"""Log-cosh loss: :math:`\ell_i = \log\cosh(x_i - y_i)`, reduced by ``reduction``.

    Quadratic near 0, linear (slope 1) far away: a smooth Huber. Computed as
    :func:`lossutils.log_cosh` is, from :math:`\cosh t = 1 + 2\sinh^2(t/2)`:

    .. math::

        \log\cosh r = \log\bigl(1 + 2\sinh^2(t/2)\bigr) + (|r| - t), \qquad t = \min(|r|, 20),

    accurate to the last digits near 0 (where :math:`|r| + \operatorname{softplus}(-2|r|) - \log 2`
    loses every digit to cancellation in float32) and finite for any residual. float16 is
    computed in float32. The gradient is :math:`\tanh(r)`.

    Shape: ``input`` any shape, ``target`` the same; the output is a scalar, or the input's
    shape for ``reduction='none'``.

    Examples
    --------
    >>> import torch
    >>> LogCoshLoss()(torch.tensor([1e4]), torch.tensor([0.0]))  # a naive log(cosh) overflows
    tensor(9999.3066)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_pair(input, target)
        dtype = torch.result_type(input, target)
        work = torch.float32 if dtype == torch.float16 else dtype  # 2 sinh²(10) is beyond float16's range
        a = (input.to(work) - target.to(work)).abs()
        t = a.clamp(max=_LOG_COSH_CAP)  # beyond the cap log cosh grows like |r|, to within e^-40
        loss = torch.log1p(2 * torch.sinh(t / 2) ** 2) + (a - t)
        return reduce(loss, self.reduction).to(dtype)


class QuantileLoss(_Loss):
    r"""Quantile (pinball) loss: :math:`\ell_i = \max(q\,(y_i - x_i),\ (q - 1)(y_i - x_i))`.

    Under-predictions cost ``q`` per unit, over-predictions ``1 - q``: the best constant is the
    ``q``-quantile of the targets. Written as :math:`|r|\,(\tfrac12 + (\tfrac12 - q)\operatorname{sign} r)`
    with :math:`r = x - y`, whose autograd (sub)gradient at :math:`r = 0` is 0, like
    :func:`lossutils.quantile_grad`.

    Parameters
    ----------
    q : float in (0, 1), default 0.5
        The quantile; 0.5 gives half the absolute error.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Examples
    --------
    >>> import torch
    >>> QuantileLoss(q=0.9)(torch.tensor([0.0, 0.0]), torch.tensor([1.0, -1.0]))  # (0.9 + 0.1) / 2
    tensor(0.5000)
    """

    def __init__(self, q: float = 0.5, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.q = check_in_range(q, "q", 0.0, 1.0)

    def extra_repr(self) -> str:
        return f"q={self.q}, reduction={self.reduction!r}"

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_pair(input, target)
        q = check_in_range(self.q, "q", 0.0, 1.0)
        r = input - target
        return reduce(r.abs() * (0.5 + (0.5 - q) * r.sign()), self.reduction)


class MeanBiasError(_Loss):
    r"""Mean bias error: :math:`\ell_i = x_i - y_i`, reduced by ``reduction``.

    A diagnostic, not a training loss: positive means the model predicts too high on average,
    errors of opposite signs cancel, and it is unbounded below.

    Examples
    --------
    >>> import torch
    >>> MeanBiasError()(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0]))  # the errors cancel
    tensor(0.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_pair(input, target)
        return reduce(input - target, self.reduction)


# -- classification --------------------------------------------------------------------------


class FocalLoss(_WeightedLoss):
    r"""Softmax focal loss (Lin et al., 2017): :math:`\ell_i = -\alpha_{y_i}(1 - p_t)^\gamma \log p_t`.

    :math:`p_t` is the softmax probability of the true class and :math:`\alpha = ` ``weight``
    (1 without). ``reduction='mean'`` divides by :math:`\sum_i \alpha_{y_i}`, the weighted mean of
    :class:`torch.nn.CrossEntropyLoss`, so ``gamma=0`` is exactly cross-entropy.
    :math:`\log p_t` comes from ``log_softmax`` and :math:`1 - p_t` from ``-expm1(log p_t)``.

    Parameters
    ----------
    gamma : float >= 0, default 2.0
        Focusing parameter: the larger, the less well-classified samples count.
    weight : tensor of shape (C,), optional
        A weight per class (stored as a buffer).
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape: ``input`` (N, C), (C,) or (N, C, d1, ...) logits; ``target`` class indices (N,), ()
    or (N, d1, ...).

    Examples
    --------
    >>> import torch
    >>> round(FocalLoss(gamma=2.0)(torch.zeros(1, 2), torch.tensor([0])).item(), 4)  # (1/2)**2 * log 2
    0.1733
    """

    def __init__(
        self, gamma: float = 2.0, weight: Tensor | ArrayLike | None = None, reduction: Reduction = "mean"
    ) -> None:
        super().__init__(weight, reduction)
        self.gamma = check_positive(gamma, "gamma", allow_zero=True)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, reduction={self.reduction!r}"

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_float(input, "input")
        target = _class_target(input, target)
        gamma = check_positive(self.gamma, "gamma", allow_zero=True)
        dim = _class_dim(input)
        weight = _check_weight(self.weight, input.shape[dim], input)
        log_pt = torch.log_softmax(input, dim=dim).gather(dim, target.unsqueeze(dim)).squeeze(dim)
        # 1 - p_t without cancellation; clamped at the smallest normal number so that the
        # gradient of u**gamma stays finite at p_t = 1 for 0 < gamma < 1 (its limit is 0 there)
        one_minus_pt = (-torch.expm1(log_pt)).clamp_min(torch.finfo(input.dtype).tiny)
        loss = -(one_minus_pt**gamma) * log_pt
        if weight is None:
            return reduce(loss, self.reduction)
        alpha = weight[target]
        return reduce(alpha * loss, self.reduction, alpha.sum())


class MulticlassHingeLoss(_Loss):
    r"""Multi-class SVM loss, Weston–Watkins (default) or Crammer–Singer.

    .. math::

        \ell_i^{\mathrm{WW}} = \sum_{j \ne y_i} \max(0,\; m - s_{i y_i} + s_{ij}), \qquad
        \ell_i^{\mathrm{CS}} = \max\bigl(0,\; m - s_{i y_i} + \max_{j \ne y_i} s_{ij}\bigr).

    Weston–Watkins divided by C is :func:`torch.nn.functional.multi_margin_loss`. Hinges use
    ``relu``, whose gradient at the kink is 0, as in :func:`lossutils.multiclass_hinge_grad`.

    Parameters
    ----------
    margin : float, default 1.0
    variant : {'weston_watkins', 'crammer_singer'}, default 'weston_watkins'
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape: ``input`` scores (N, C); ``target`` class indices (N,).

    Examples
    --------
    >>> import torch
    >>> MulticlassHingeLoss()(torch.tensor([[3.0, 2.5, 1.0]]), torch.tensor([0]))  # 0.5 + 0
    tensor(0.5000)
    """

    def __init__(
        self,
        margin: float = 1.0,
        variant: Literal["weston_watkins", "crammer_singer"] = "weston_watkins",
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(reduction)
        self.margin = check_in_range(margin, "margin", -math.inf, math.inf)
        self.variant = self._check_variant(variant)

    @staticmethod
    def _check_variant(variant: object) -> str:
        if variant not in ("weston_watkins", "crammer_singer"):
            raise ValueError(f"variant must be 'weston_watkins' or 'crammer_singer', got {variant!r}")
        return str(variant)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, variant={self.variant!r}, reduction={self.reduction!r}"

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_float(input, "input")
        if input.dim() != 2:
            raise ValueError(f"input must have shape (N, C); got input.shape={_shape(input)}")
        target = _class_target(input, target)
        variant = self._check_variant(self.variant)
        true_class = nn.functional.one_hot(target, input.shape[1]).bool()
        s_y = input.gather(1, target.unsqueeze(1))
        if variant == "weston_watkins":
            terms = torch.relu(self.margin - s_y + input)
            loss = torch.where(true_class, torch.zeros_like(terms), terms).sum(dim=1)
        else:
            others = input.masked_fill(true_class, -math.inf)
            strongest = others.argmax(dim=1, keepdim=True)  # first on ties, like the NumPy version
            loss = torch.relu(self.margin - s_y + input.gather(1, strongest)).squeeze(1)
        return reduce(loss, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy from scratch, a drop-in for :class:`torch.nn.CrossEntropyLoss`.

    For class-index targets, with :math:`\log p = x - \operatorname{logsumexp}(x)` and
    :math:`w = ` ``weight`` (1 without):

    .. math::

        \ell_i = (1 - \varepsilon)\,\bigl(-w_{y_i} \log p_{i y_i}\bigr)
                 + \frac{\varepsilon}{C} \Bigl(-\sum_c w_c \log p_{ic}\Bigr),

    0 for samples whose target is ``ignore_index``; ``reduction='mean'`` divides the sum by
    :math:`\sum_{i \text{ kept}} w_{y_i}` (by the number of kept samples without weights).
    For class-probability targets :math:`t` (same shape as the input),
    :math:`\ell_i = -\sum_c w_c\, t'_{ic} \log p_{ic}` with
    :math:`t' = (1 - \varepsilon) t + \varepsilon / C`, and ``'mean'`` divides by N.

    Without smoothing (:math:`\varepsilon = 0`) the smoothing term is left out, not multiplied
    by 0, so logits masked with ``-inf`` (padding, attention masks) give finite losses, as in
    torch; with :math:`\varepsilon > 0` the term holds :math:`-\log p = \infty` for a masked
    class and the loss is ``inf``, as torch's is too.

    Parameters
    ----------
    weight : tensor of shape (C,), optional
        A weight per class (stored as a buffer).
    ignore_index : int, default -100
        Class-index targets equal to it contribute nothing, not even to the mean's denominator.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    label_smoothing : float in [0, 1], default 0.0
        Mixes the one-hot target with the uniform distribution over the C classes.

    Shape: ``input`` (N, C), (C,) or (N, C, d1, ...); ``target`` class indices (N,), () or
    (N, d1, ...), or class probabilities shaped like ``input``.

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]])
    >>> target = torch.tensor([0, -100])  # the second sample is ignored
    >>> ours = CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))(logits, target)
    >>> theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))(logits, target)
    >>> bool(torch.isclose(ours, theirs))
    True
    """

    def __init__(
        self,
        weight: Tensor | ArrayLike | None = None,
        ignore_index: int = -100,
        reduction: Reduction = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
        self.ignore_index = ignore_index
        self.label_smoothing = check_in_range(
            label_smoothing, "label_smoothing", 0.0, 1.0, low_inclusive=True, high_inclusive=True
        )

    def extra_repr(self) -> str:
        return f"ignore_index={self.ignore_index}, reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        _check_float(input, "input")
        if input.dim() == 0:
            raise ValueError("input must have a class dimension: (C,), (N, C) or (N, C, d1, ...); got a scalar")
        dim = _class_dim(input)  # where the classes are
        n_classes = input.shape[dim]
        eps = check_in_range(self.label_smoothing, "label_smoothing", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
        weight = _check_weight(self.weight, n_classes, input)
        w_shape = [n_classes if d == dim else 1 for d in range(input.dim())]  # weight broadcast over classes
        log_p = input - torch.logsumexp(input, dim=dim, keepdim=True)  # log_softmax, stable

        if isinstance(target, Tensor) and target.is_floating_point():  # class probabilities
            if target.shape != input.shape:
                raise ValueError(
                    f"class-probability target must have the shape of input; "
                    f"got input.shape={_shape(input)}, target.shape={_shape(target)}"
                )
            t = (1 - eps) * target + eps / n_classes
            weighted = -(log_p * t) if weight is None else -(log_p * t * weight.view(w_shape))
            loss = weighted.sum(dim)
            n_samples = input.numel() // n_classes
            return reduce(loss, self.reduction, torch.tensor(n_samples, dtype=input.dtype))

        target = _class_target(input, target, self.ignore_index)
        keep = target != self.ignore_index
        safe = torch.where(keep, target, torch.zeros_like(target))  # any valid index where ignored
        w_y = torch.ones_like(log_p.select(dim, 0)) if weight is None else weight[safe]
        w_y = torch.where(keep, w_y, torch.zeros_like(w_y))
        log_p_y = log_p.gather(dim, safe.unsqueeze(dim)).squeeze(dim)
        nll = torch.where(keep, -w_y * log_p_y, torch.zeros_like(log_p_y))
        if eps == 0:  # no smoothing term: 0 * (-inf) would turn a logit masked with -inf into nan
            return reduce(nll, self.reduction, w_y.sum())
        all_classes = log_p if weight is None else log_p * weight.view(w_shape)
        smooth = torch.where(keep, -all_classes.sum(dim), torch.zeros_like(nll))
        loss = (1 - eps) * nll + (eps / n_classes) * smooth
        return reduce(loss, self.reduction, w_y.sum())


# -- comparing instead of labelling ----------------------------------------------------------


class ContrastiveLoss(_Loss):
    r"""Contrastive loss (Hadsell et al., 2006) of pairs of embeddings, as :func:`lossutils.contrastive`.

    .. math::

        \ell_i = \begin{cases} \tfrac12 d_i^2 & t_i = +1 \ (\text{similar}), \\
                  \tfrac12 \max(0,\; m - d_i)^2 & t_i = -1 \ (\text{dissimilar}), \end{cases}
        \qquad d_i = \lVert x_{1i} - x_{2i} \rVert_2.

    Autograd of the norm gives a gradient of 0 where :math:`d_i = 0`, as the NumPy gradient does.

    Parameters
    ----------
    margin : float > 0, default 1.0
        The distance beyond which a dissimilar pair costs nothing.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape: ``input1`` and ``input2`` (N, D) or (D,); ``target`` (N,) or (), +1 or -1.

    Examples
    --------
    >>> import torch
    >>> x1, x2 = torch.zeros(2, 2), torch.tensor([[0.6, 0.8], [0.3, 0.4]])
    >>> ContrastiveLoss(reduction="none")(x1, x2, torch.tensor([1.0, -1.0]))  # ½ 1², ½ (1 - 0.5)²
    tensor([0.5000, 0.1250])
    """

    def __init__(self, margin: float = 1.0, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_positive(margin, "margin")

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        _check_float(input1, "input1")
        _check_float(input2, "input2")
        if input1.dim() not in (1, 2) or input2.shape != input1.shape:
            raise ValueError(
                "input1 and input2 must have one shape, (N, D) or (D,); "
                f"got input1.shape={_shape(input1)}, input2.shape={_shape(input2)}"
            )
        if not isinstance(target, Tensor) or _shape(target) != _shape(input1)[:-1]:
            raise ValueError(f"target must be a tensor of shape {_shape(input1)[:-1]}, one label per pair")
        if not bool(((target == 1) | (target == -1)).all()):
            raise ValueError("target must hold +1 (a similar pair) or -1 (a dissimilar pair)")
        margin = check_positive(self.margin, "margin")
        d = torch.linalg.vector_norm(input1 - input2, dim=-1)
        loss = torch.where(target == 1, 0.5 * d**2, 0.5 * torch.relu(margin - d) ** 2)
        return reduce(loss, self.reduction)


class InfoNCELoss(_Loss):
    r"""InfoNCE (NT-Xent) of a batch of queries and keys, as :func:`lossutils.info_nce`: the
    cross-entropy of the cosine similarities divided by the temperature, the key of query i
    being row i of the keys.

    .. math::

        \ell_i = \operatorname{CE}\bigl(\hat q_i \cdot \hat k_{\cdot} / \tau,\ i\bigr),
        \qquad \hat x = x / \max(\lVert x \rVert, 10^{-12}),

    one line of torch: ``F.cross_entropy(F.normalize(q) @ F.normalize(k).T / tau, arange(N))``.
    With ``symmetric`` (CLIP), the average of that and the cross-entropy of each key among the
    queries.

    Parameters
    ----------
    temperature : float > 0, default 0.1
    symmetric : bool, default False
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape: ``queries`` and ``keys`` (N, D); the output is a scalar, or (N,) for ``'none'``.

    Examples
    --------
    >>> import torch
    >>> q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> round(InfoNCELoss(temperature=1.0)(q, q).item(), 4)  # log(1 + e^-1)
    0.3133
    """

    def __init__(self, temperature: float = 0.1, symmetric: bool = False, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.temperature = check_positive(temperature, "temperature")
        if not isinstance(symmetric, bool):
            raise TypeError(f"symmetric must be a bool (True or False), got {type(symmetric).__name__}")
        self.symmetric = symmetric

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}, symmetric={self.symmetric}, reduction={self.reduction!r}"

    def forward(self, queries: Tensor, keys: Tensor) -> Tensor:
        _check_float(queries, "queries")
        _check_float(keys, "keys")
        if queries.dim() != 2 or keys.shape != queries.shape:
            raise ValueError(
                "queries and keys must have one shape, (N, D); "
                f"got queries.shape={_shape(queries)}, keys.shape={_shape(keys)}"
            )
        temperature = check_positive(self.temperature, "temperature")
        logits = F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T / temperature
        positives = torch.arange(len(logits), device=logits.device)  # the key of query i is key i
        loss = F.cross_entropy(logits, positives, reduction="none")
        if self.symmetric:
            loss = 0.5 * (loss + F.cross_entropy(logits.T, positives, reduction="none"))
        return reduce(loss, self.reduction)
