r"""Losses that compare instead of labelling: ranking, metric learning and contrastive losses.

A classifier is told what each sample *is*; these losses are only told how samples *relate*:
which of two items should rank higher (:func:`margin_ranking`), whether the two items of a pair
are alike (:func:`cosine_embedding`, :func:`contrastive`), that an anchor should be nearer to a
positive than to a negative (:func:`triplet_margin`, :func:`triplet_margin_with_distance`), or
which key in a batch belongs to each query (:func:`info_nce`). The model's outputs are scores
or embeddings, and the loss shapes the distances between them. A margin (or a temperature) is
what stops the cheapest answer, every embedding at one point, from being the best one.

Each loss ``fn`` has its gradient ``fn_grad`` right below it, with the same arguments. Every
input but a label is differentiable, and the gradient is a tuple with one gradient per
differentiable input, in argument order, each shaped like its input: ``(d/d x1, d/d x2)`` for a
pair, ``(d/d anchor, d/d positive, d/d negative)`` for a triplet, ``(d/d queries, d/d keys)``.
Embeddings come as rows, shape (N, D) (or (D,) for one pair or triplet); ``reduction='none'``
gives one loss per row and ``'mean'`` averages over the N rows. The distances the losses use
live in :mod:`lossutils.distances`. Inputs and results follow the rest of :mod:`lossutils`:
lists, Python numbers and CPU tensors are read as arrays; a reduced loss is a NumPy scalar; the
dtype is torch's promotion of the inputs'; float16 is computed in float32 and cast back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_inputs,
    check_bool,
    check_in_range,
    check_positive,
    check_reduction,
    check_row_labels,
    check_rows,
    check_same_shape,
    check_sign_labels,
)
from .classification import cross_entropy, cross_entropy_grad
from .distances import DISTANCES, Distance, pairwise_distance, pairwise_distance_grad

__all__ = [
    "contrastive",
    "contrastive_grad",
    "cosine_embedding",
    "cosine_embedding_grad",
    "info_nce",
    "info_nce_grad",
    "margin_ranking",
    "margin_ranking_grad",
    "triplet_margin",
    "triplet_margin_grad",
    "triplet_margin_with_distance",
    "triplet_margin_with_distance_grad",
]

#: The epsilon PyTorch's ``cosine_embedding_loss`` adds to each squared norm: the C++ constant
#: ``float EPSILON = 1e-12``, a float32, so in float64 too it is float32's nearest value to 1e-12.
EPSILON = float(np.float32(1e-12))
#: The floor of a norm in :func:`torch.nn.functional.normalize`, which :func:`info_nce` mirrors.
NORMALIZE_EPS = 1e-12


def _pair_inputs(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, reduction: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Reduction, np.dtype]:
    """Validate a pair of embeddings, (N, D) or (D,), with one label per row, +1 (similar) or -1
    (dissimilar); return them in the dtype they are computed in, the reduction and the dtype of
    the result (promoted over the three inputs, as torch does)."""
    red = cast(Reduction, check_reduction(reduction))
    (a, b, t), dtype = as_float_inputs((x1, x2, target), ("x1", "x2", "target"))
    check_rows(a, "x1")
    check_same_shape(a, b, "x1", "x2")
    check_row_labels(t, a.shape)
    # +1 similar, -1 dissimilar: nothing else is a pair label (0/1 labels of other conventions neither)
    check_sign_labels(t, "target", allow_nan=False, hint="+1 for a similar pair, -1 for a dissimilar one")
    return a, b, t, red, dtype


# --------------------------------------------------------------------------------------------
# Margin ranking: which of two scores should be higher
# --------------------------------------------------------------------------------------------


def _ranking_inputs(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, reduction: object, margin: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Reduction, float, np.dtype]:
    """Validate two scores and a preference of the same shape; return them, the reduction, the
    margin and the dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    m = check_in_range(margin, "margin", -np.inf, np.inf)
    (a, b, t), dtype = as_float_inputs((x1, x2, target), ("x1", "x2", "target"))
    check_same_shape(a, b, "x1", "x2")
    check_same_shape(a, t, "x1", "target")
    check_sign_labels(t, "target")  # a nan preference propagates, as nan data does
    return a, b, t, red, m, dtype


def margin_ranking(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 0.0
) -> LossValue:
    r"""Margin ranking loss: the score of the preferred item should be higher by a margin.

    .. math::

        \ell_i = \max\bigl(0,\; -t_i\,(x_{1i} - x_{2i}) + m\bigr),

    where :math:`t_i = +1` says item 1 should rank higher (score :math:`x_{1i}` above
    :math:`x_{2i}`) and :math:`t_i = -1` item 2. A pair ranked right by at least :math:`m` costs
    nothing; otherwise the cost grows linearly with the wrong difference. It is the hinge of the
    difference, ``hinge(x1 - x2, target, margin=m)``: only the difference of the two scores
    counts. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'``
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    x1, x2 : array_like
        The scores of the two items of each pair, the same shape (any, element-wise).
    target : array_like
        The preference, the same shape: +1 where ``x1`` should be higher, -1 where ``x2``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-pair losses become the result.
    margin : float, default 0.0
        The margin :math:`m` by which the preferred score should lead. With 0, a tie
        (:math:`x_1 = x_2`) costs nothing: scoring every item the same is a perfect answer.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; an array shaped like ``x1`` for ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ (PyTorch also requires them equal), or ``target`` holds anything
        but -1 and +1 (PyTorch multiplies by any number; NaN propagates here as there).

    Notes
    -----
    The gradients (see :func:`margin_ranking_grad`) are :math:`-t_i` for :math:`x_1` and
    :math:`+t_i` for :math:`x_2` where the pair is within the margin, 0 elsewhere: the preferred
    score is pushed up and the other down, each by the same amount. At the kink
    :math:`-t(x_1 - x_2) + m = 0` they take the within-the-margin value, as PyTorch's clamp
    passes the gradient at equality.

    See Also
    --------
    torch.nn.functional.margin_ranking_loss : the PyTorch twin (``input1``, ``input2`` are ``x1``, ``x2``).
    hinge : the same loss of one score, :math:`x_2 = 0`.

    Examples
    --------
    >>> import lossutils as lu
    >>> x1, x2 = [2.0, 0.5, 1.0], [1.0, 1.5, 1.0]
    >>> lu.margin_ranking(x1, x2, [1, 1, -1], reduction="none")  # right; wrong by 1; a tie costs nothing
    array([0., 1., 0.])
    >>> lu.margin_ranking(x1, x2, [1, 1, -1], margin=0.5, reduction="none")  # a tie costs the margin
    array([0. , 1.5, 0.5])
    """
    a, b, t, red, m, dtype = _ranking_inputs(x1, x2, target, reduction, margin)
    loss = np.maximum(0, -t * (a - b) + m)
    return reduce(loss, red, dtype=dtype)


def margin_ranking_grad(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`margin_ranking` with respect to ``x1`` and to ``x2``, in that order:
    :math:`-t` and :math:`+t` where :math:`-t(x_1 - x_2) + m \ge 0` (the kink included, as in
    PyTorch), 0 elsewhere; divided by N for ``reduction='mean'``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The gradient with respect to ``x1`` and to ``x2``, each shaped like ``x1``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.margin_ranking_grad([2.0, 0.5], [1.0, 1.5], [1, 1], reduction="sum")  # only the wrong pair pulls
    (array([ 0., -1.]), array([0., 1.]))
    """
    a, b, t, red, m, dtype = _ranking_inputs(x1, x2, target, reduction, margin)
    within = -t * (a - b) + m >= 0  # where the pair is not yet ranked right by the margin
    d_x1, d_x2 = np.where(within, -t, 0.0), np.where(within, t, 0.0)  # the preferred score up, the other down
    return reduce_grad(d_x1, red, dtype=dtype), reduce_grad(d_x2, red, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Cosine embedding: similar pairs point the same way, dissimilar ones not
# --------------------------------------------------------------------------------------------


def _cosine_embedding_inputs(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, reduction: object, margin: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Reduction, float, np.dtype]:
    m = check_in_range(margin, "margin", -1.0, 1.0, low_inclusive=True, high_inclusive=True)
    a, b, t, red, dtype = _pair_inputs(x1, x2, target, reduction)
    return a, b, t, red, m, dtype


def _torch_cosine(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The cosine of each pair as PyTorch's ``cosine_embedding_loss`` computes it,
    :math:`x_1 \cdot x_2 / \sqrt{(\lVert x_1 \rVert^2 + \epsilon)(\lVert x_2 \rVert^2 + \epsilon)}`,
    with the two floored squared norms it divides by."""
    sq1 = np.sum(x1 * x1, axis=-1) + EPSILON
    sq2 = np.sum(x2 * x2, axis=-1) + EPSILON
    return np.sum(x1 * x2, axis=-1) / np.sqrt(sq1 * sq2), sq1, sq2


def cosine_embedding(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 0.0
) -> LossValue:
    r"""Cosine embedding loss: similar pairs should point the same way, dissimilar ones apart.

    With :math:`c_i = \cos(x_{1i}, x_{2i})` the cosine of the angle between the two embeddings
    of pair :math:`i`:

    .. math::

        \begin{aligned}
        \ell_i &= \begin{cases}
            1 - c_i & t_i = +1 \ (\text{similar}), \\
            \max(0,\; c_i - m) & t_i = -1 \ (\text{dissimilar}),
        \end{cases} \\
        c_i &= \frac{x_{1i} \cdot x_{2i}}
                   {\sqrt{(\lVert x_{1i} \rVert^2 + \epsilon)(\lVert x_{2i} \rVert^2 + \epsilon)}}.
        \end{aligned}

    Only the angle counts, not the lengths. A dissimilar pair costs nothing once its cosine is
    at most :math:`m` (with :math:`m = 0`: at right angles or beyond). The :math:`\epsilon` is
    PyTorch's (the module's ``EPSILON``, :math:`10^{-12}` as a float32), added to each squared norm, so a
    zero vector has cosine 0. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i` over the N
    pairs, ``'sum'`` :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    x1, x2 : array_like
        The embeddings of the two items of each pair, shape (N, D), or (D,) for one pair.
    target : array_like
        One label per pair, shape (N,) (or () for one pair): +1 similar, -1 dissimilar.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-pair losses become the result.
    margin : float, default 0.0
        The largest cosine a dissimilar pair may keep for free, in [-1, 1] (PyTorch suggests
        0 to 0.5).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one pair).

    Raises
    ------
    ValueError
        If ``x2``'s shape differs from ``x1``'s, ``target`` does not hold one label per pair,
        or holds anything but -1 and +1 (NaN included): PyTorch gives such a pair a loss of 0.

    Notes
    -----
    With :math:`\hat x = x / \sqrt{\lVert x \rVert^2 + \epsilon}`, the gradient of the cosine is

    .. math::

        \frac{\partial c}{\partial x_1}
            = \frac{x_2}{\sqrt{(\lVert x_1 \rVert^2 + \epsilon)(\lVert x_2 \rVert^2 + \epsilon)}}
              - c\,\frac{x_1}{\lVert x_1 \rVert^2 + \epsilon}
            \approx \frac{\hat x_2 - c\,\hat x_1}{\lVert x_1 \rVert},

    the part of :math:`x_2`'s direction perpendicular to :math:`x_1`, divided by
    :math:`x_1`'s length; the loss's gradients (see :func:`cosine_embedding_grad`) are
    :math:`-\partial c` for a similar pair, :math:`+\partial c` for a dissimilar pair with
    :math:`c \ge m` (the kink included, as PyTorch's clamp passes it), 0 otherwise.
    This is not :func:`lossutils.cosine_similarity` (PyTorch's ``F.cosine_similarity``), which
    floors each norm at 1e-8 instead: the two differ by about :math:`10^{-12} / \lVert x \rVert^2`
    relative, which matters only for tiny embeddings.

    See Also
    --------
    torch.nn.functional.cosine_embedding_loss : the PyTorch twin (``input1``, ``input2`` are ``x1``, ``x2``).
    contrastive : the same pairs, judged by their Euclidean distance.

    Examples
    --------
    >>> import lossutils as lu
    >>> x1, x2 = [[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]], [[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]]
    >>> lu.cosine_embedding(x1, x2, [1, 1, -1], reduction="none").round(4)  # 1 - 1, 1 - 0, cos 45° - 0
    array([0.    , 1.    , 0.7071])
    """
    a, b, t, red, m, dtype = _cosine_embedding_inputs(x1, x2, target, reduction, margin)
    cos, _, _ = _torch_cosine(a, b)
    loss = np.where(t == 1, 1 - cos, np.maximum(0, cos - m))
    return reduce(loss, red, dtype=dtype)


def cosine_embedding_grad(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`cosine_embedding` with respect to ``x1`` and to ``x2``, in that order:
    :math:`\mp \partial c / \partial x` (see the Notes there), each shaped like ``x1``; divided by
    the number of pairs N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_x1, d_x2 = lu.cosine_embedding_grad([[2.0, 1.0]], [[1.0, 2.0]], [1], reduction="sum")
    >>> d_x1, d_x2  # a similar pair: steps against these turn each embedding towards the other
    (array([[ 0.12, -0.24]]), array([[-0.24,  0.12]]))
    """
    a, b, t, red, m, dtype = _cosine_embedding_inputs(x1, x2, target, reduction, margin)
    cos, sq1, sq2 = _torch_cosine(a, b)
    d_cos = np.where(t == 1, -1.0, cos - m >= 0)[..., None]  # d loss / d cos: -1, or 1 above the margin
    den = np.sqrt(sq1 * sq2)[..., None]
    d_x1 = d_cos * (b / den - cos[..., None] * a / sq1[..., None])
    d_x2 = d_cos * (a / den - cos[..., None] * b / sq2[..., None])
    n_pairs = cos.size
    return reduce_grad(d_x1, red, divisor=n_pairs, dtype=dtype), reduce_grad(d_x2, red, divisor=n_pairs, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Triplets: the anchor nearer to the positive than to the negative, by a margin
# --------------------------------------------------------------------------------------------


def _triplet_inputs(
    anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, reduction: object, margin: object, swap: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Reduction, float, bool, np.dtype]:
    """Validate three arrays of embeddings of one shape, (N, D) or (D,); return them in the dtype
    they are computed in, the reduction, the margin (> 0, as PyTorch requires), ``swap`` and the
    dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    m = check_positive(margin, "margin")
    swap = check_bool(swap, "swap")
    (a, p, n), dtype = as_float_inputs((anchor, positive, negative), ("anchor", "positive", "negative"))
    check_rows(a, "anchor")
    check_same_shape(a, p, "anchor", "positive")
    check_same_shape(a, n, "anchor", "negative")
    return a, p, n, red, m, swap, dtype


def _one_distance_per_row(d: object, like: np.ndarray, what: str) -> np.ndarray:
    """The output of a distance function as an array of one distance per row of ``like``."""
    arr = np.asarray(d)
    if arr.shape != like.shape[:-1]:
        raise ValueError(
            f"distance_function must return {what} per row, shape {like.shape[:-1]} for embeddings of shape "
            f"{like.shape}; got shape {arr.shape}"
        )
    return arr


def _triplet_losses(
    a: np.ndarray, p: np.ndarray, n: np.ndarray, distance: Distance, margin: float, swap: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The triplet loss of each row, :math:`\max(0,\ d(a, p) - d(a, n) + m)`, and the three
    distances it reads: d(a, p), d(a, n) and d(p, n) (the last only with ``swap``, else d(a, n))."""
    d_ap = _one_distance_per_row(distance.function(a, p), a, "one distance")
    d_an = _one_distance_per_row(distance.function(a, n), a, "one distance")
    d_pn = _one_distance_per_row(distance.function(p, n), a, "one distance") if swap else d_an
    d_neg = np.minimum(d_an, d_pn)  # swap: the negative's distance to the nearer of anchor and positive
    return np.maximum(0, margin + d_ap - d_neg), d_ap, d_an, d_pn


def _triplet_grads(
    a: np.ndarray, p: np.ndarray, n: np.ndarray, distance: Distance, margin: float, swap: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    r"""The gradients of the triplet losses of the rows with respect to anchor, positive and
    negative, by the chain rule through the distances, and the number of triplets."""
    _, d_ap, d_an, d_pn = _triplet_losses(a, p, n, distance, margin, swap)
    within = (margin + d_ap - np.minimum(d_an, d_pn) >= 0)[..., None]  # the kink included, as torch's clamp
    # which distance is the negative's: d(a, n), or d(p, n) where swap finds it smaller; on a tie,
    # half each, as torch.minimum splits its gradient
    by_anchor = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0))[..., None] if swap else 1.0
    ap_a, ap_p = distance.grad(a, p)
    an_a, an_n = distance.grad(a, n)
    pn_p, pn_n = distance.grad(p, n) if swap else (0.0, 0.0)
    d_anchor = within * (ap_a - by_anchor * an_a)
    d_positive = within * (ap_p - (1 - by_anchor) * pn_p)
    d_negative = within * -(by_anchor * an_n + (1 - by_anchor) * pn_n)
    return d_anchor, d_positive, d_negative, d_ap.size


def _p_norm(p: object, eps: object) -> Distance:
    """:func:`lossutils.pairwise_distance` with the norm ``p`` (>= 1) and ``eps`` (>= 0), as a :class:`Distance`."""
    p = check_in_range(p, "p", 1.0, np.inf, low_inclusive=True)
    eps = check_positive(eps, "eps", allow_zero=True)
    return Distance(partial(pairwise_distance, p=p, eps=eps), partial(pairwise_distance_grad, p=p, eps=eps))


def triplet_margin(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    reduction: Reduction = "mean",
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
) -> LossValue:
    r"""Triplet margin loss: the anchor should be nearer to the positive than to the negative.

    .. math::

        \ell_i = \max\bigl(0,\; d(a_i, x^+_i) - d(a_i, x^-_i) + m\bigr),
        \qquad d(x, y) = \lVert x - y + \epsilon \rVert_p,

    for an anchor :math:`a_i`, a positive :math:`x^+_i` (an item like it: the same class, another
    view of it) and a negative :math:`x^-_i` (an item unlike it). A triplet costs nothing once the
    negative is at least :math:`m` farther from the anchor than the positive. The distance is
    PyTorch's :func:`lossutils.pairwise_distance`, with :math:`\epsilon` added to the
    difference. With ``swap`` (Balntas et al., 2016), the negative's distance is the smaller of
    :math:`d(a_i, x^-_i)` and :math:`d(x^+_i, x^-_i)`: the positive serves as a second anchor where
    the negative comes nearer to it. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`
    over the N triplets, ``'sum'`` :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    anchor, positive, negative : array_like
        Embeddings, one triplet per row, the same shape: (N, D), or (D,) for one triplet.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-triplet losses become the result.
    margin : float, default 1.0
        The margin :math:`m`, > 0 (as PyTorch requires).
    p : float, default 2
        The norm of the distance, >= 1.
    eps : float, default 1e-6
        Added to each difference before its norm, >= 0.
    swap : bool, default False
        Use the distance swap.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one triplet).

    Notes
    -----
    The gradients (see :func:`triplet_margin_grad`), where :math:`\ell_i > 0`, follow the
    distances: :math:`\partial d(a, x^+)/\partial a - \partial d(a, x^-)/\partial a` for the anchor
    (a step against it moves the anchor towards the positive and away from the negative),
    :math:`\partial d(a, x^+)/\partial x^+` for the positive and :math:`-\partial d(a, x^-)/\partial x^-`
    for the negative, with
    :math:`\partial d/\partial x = (x - y)/d` for p = 2 (see
    :func:`lossutils.pairwise_distance_grad`); with ``swap``, the distance chosen carries the
    negative's part. As in PyTorch, the kink (:math:`\ell_i = 0` exactly) counts as within the
    margin, and a tie of the swap splits the gradient in two halves.

    PyTorch broadcasts inputs of the same number of dimensions; here their shapes must be
    equal, and p < 1 or infinite is a ValueError (see :func:`lossutils.pairwise_distance`).

    See Also
    --------
    torch.nn.functional.triplet_margin_loss : the PyTorch twin.
    triplet_margin_with_distance : the same loss with any distance.

    Examples
    --------
    >>> import lossutils as lu
    >>> a, pos, neg = [[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]], [[3.0, 0.0], [0.0, 1.5]]
    >>> lu.triplet_margin(a, pos, neg, eps=0.0, reduction="none")  # 1 - 3 + 1 < 0; 1 - 1.5 + 1
    array([0. , 0.5])
    """
    a, pos, neg, red, m, swap, dtype = _triplet_inputs(anchor, positive, negative, reduction, margin, swap)
    loss, *_ = _triplet_losses(a, pos, neg, _p_norm(p, eps), m, swap)
    return reduce(loss, red, dtype=dtype)


def triplet_margin_grad(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    reduction: Reduction = "mean",
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :func:`triplet_margin` with respect to ``anchor``, ``positive`` and
    ``negative``, in that order, each shaped like its input; divided by the number of triplets
    N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_a, d_p, d_n = lu.triplet_margin_grad([0.0, 0.0], [0.6, 0.8], [0.8, 0.6], eps=0.0)
    >>> d_a, d_p, d_n  # steps against these: the anchor nears the positive, the negative moves off
    (array([ 0.2, -0.2]), array([0.6, 0.8]), array([-0.8, -0.6]))
    """
    a, pos, neg, red, m, swap, dtype = _triplet_inputs(anchor, positive, negative, reduction, margin, swap)
    *grads, n_triplets = _triplet_grads(a, pos, neg, _p_norm(p, eps), m, swap)
    return cast(
        tuple[np.ndarray, np.ndarray, np.ndarray],
        tuple(reduce_grad(g, red, divisor=n_triplets, dtype=dtype) for g in grads),
    )


DistanceSpec = str | Distance | Callable[[np.ndarray, np.ndarray], np.ndarray] | None


def _distance(distance_function: object) -> Distance:
    """The :class:`Distance` that ``distance_function`` names or is. A plain callable has no
    gradient: it serves the loss, and its gradient is a TypeError that says what to pass."""
    if distance_function is None:
        return DISTANCES["euclidean"]
    if isinstance(distance_function, str):
        if distance_function not in DISTANCES:
            names = " or ".join(repr(name) for name in DISTANCES)
            raise ValueError(
                f"distance_function must be {names}, a lossutils.Distance or a callable, got {distance_function!r}"
            )
        return DISTANCES[distance_function]
    if isinstance(distance_function, Distance):
        return distance_function
    if callable(distance_function):

        def no_gradient(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            raise TypeError(
                "distance_function is a plain callable, which gives the loss but not its gradient: pass "
                "lossutils.Distance(function, grad), with grad(x1, x2) -> (d/dx1, d/dx2), or a name "
                f"({', '.join(repr(name) for name in DISTANCES)})"
            )

        return Distance(cast(Callable[[np.ndarray, np.ndarray], np.ndarray], distance_function), no_gradient)
    raise TypeError(
        "distance_function must be None, a name, a lossutils.Distance or a callable, "
        f"got {type(distance_function).__name__}"
    )


def triplet_margin_with_distance(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    reduction: Reduction = "mean",
    distance_function: DistanceSpec = None,
    margin: float = 1.0,
    swap: bool = False,
) -> LossValue:
    r"""Triplet margin loss with any distance: the anchor nearer to the positive than to the negative.

    .. math::

        \ell_i = \max\bigl(0,\; d(a_i, x^+_i) - d(a_i, x^-_i) + m\bigr),

    :func:`triplet_margin` with the distance :math:`d` chosen by ``distance_function``; with
    ``swap``, :math:`d(a_i, x^-_i)` is replaced by the smaller of it and :math:`d(x^+_i, x^-_i)`.
    ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i` over the N triplets, ``'sum'``
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    Parameters
    ----------
    anchor, positive, negative : array_like
        Embeddings, one triplet per row, the same shape: (N, D), or (D,) for one triplet.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-triplet losses become the result.
    distance_function : None, str, Distance or callable, default None
        The distance between matching rows:

        - None or ``'euclidean'``: :func:`lossutils.pairwise_distance` (p = 2, eps = 1e-6),
          PyTorch's default;
        - ``'cosine'``: :func:`lossutils.cosine_distance`, :math:`1 - \cos`;
        - a :class:`lossutils.Distance`, a distance function with its gradient, for any other;
        - a plain callable ``f(x1, x2)`` with one distance per row, as PyTorch takes it: the loss
          works, but :func:`triplet_margin_with_distance_grad` needs the distance's gradient and
          raises a TypeError that asks for a :class:`lossutils.Distance`.

        The callables receive the embeddings as arrays (float16 ones in float32).
    margin : float, default 1.0
        The margin :math:`m`, > 0 (as PyTorch requires).
    swap : bool, default False
        Use the distance swap (see :func:`triplet_margin`).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one triplet).

    Notes
    -----
    Why a distance comes with its gradient: the loss's gradient is the chain rule through the
    distance, :math:`\partial \ell / \partial a = \partial d(a, x^+)/\partial a - \partial
    d(a, x^-)/\partial a` where :math:`\ell > 0`, and NumPy has no autograd to find
    :math:`\partial d` from the function alone. A :class:`lossutils.Distance` keeps the two side
    by side, as every loss here keeps its gradient beside it; names cover the two distances the
    book uses, and the pair covers any other without a registry to extend.

    See Also
    --------
    torch.nn.functional.triplet_margin_with_distance_loss : the PyTorch twin, which takes torch callables.
    triplet_margin : the same loss with the p-norm distance and its options.

    Examples
    --------
    >>> import lossutils as lu
    >>> a, pos, neg = [[1.0, 0.0]], [[2.0, 0.1]], [[0.0, 5.0]]
    >>> float(lu.triplet_margin_with_distance(a, pos, neg, distance_function="cosine", margin=0.5))  # 1 - 1 + 0.5 < 0
    0.0
    """
    a, pos, neg, red, m, swap, dtype = _triplet_inputs(anchor, positive, negative, reduction, margin, swap)
    loss, *_ = _triplet_losses(a, pos, neg, _distance(distance_function), m, swap)
    return reduce(loss, red, dtype=dtype)


def triplet_margin_with_distance_grad(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    reduction: Reduction = "mean",
    distance_function: DistanceSpec = None,
    margin: float = 1.0,
    swap: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :func:`triplet_margin_with_distance` with respect to ``anchor``,
    ``positive`` and ``negative``, in that order, each shaped like its input, by the chain rule
    through the distance's gradient; divided by the number of triplets N for ``reduction='mean'``.

    Raises
    ------
    TypeError
        If ``distance_function`` is a plain callable, which has no gradient: pass a name or a
        :class:`lossutils.Distance`.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_a, d_p, d_n = lu.triplet_margin_with_distance_grad([0.0, 0.0], [0.6, 0.8], [0.8, 0.6])
    >>> d_a.round(4), d_p.round(4), d_n.round(4)  # the Euclidean default, as triplet_margin_grad
    (array([ 0.2, -0.2]), array([0.6, 0.8]), array([-0.8, -0.6]))
    """
    a, pos, neg, red, m, swap, dtype = _triplet_inputs(anchor, positive, negative, reduction, margin, swap)
    *grads, n_triplets = _triplet_grads(a, pos, neg, _distance(distance_function), m, swap)
    return cast(
        tuple[np.ndarray, np.ndarray, np.ndarray],
        tuple(reduce_grad(np.asarray(g), red, divisor=n_triplets, dtype=dtype) for g in grads),
    )


# --------------------------------------------------------------------------------------------
# Contrastive (Hadsell, Chopra & LeCun, 2006): pull similar pairs together, push dissimilar apart
# --------------------------------------------------------------------------------------------


def _contrastive_inputs(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, reduction: object, margin: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Reduction, float, np.dtype]:
    m = check_positive(margin, "margin")
    a, b, t, red, dtype = _pair_inputs(x1, x2, target, reduction)
    return a, b, t, red, m, dtype


def contrastive(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> LossValue:
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006): similar pairs close, dissimilar ones a margin apart.

    With :math:`d_i = \lVert x_{1i} - x_{2i} \rVert_2` the Euclidean distance between the two
    embeddings of pair :math:`i`:

    .. math::

        \ell_i = \begin{cases}
            \tfrac12\, d_i^2 & t_i = +1 \ (\text{a similar pair}), \\
            \tfrac12 \max(0,\; m - d_i)^2 & t_i = -1 \ (\text{a dissimilar pair}).
        \end{cases}

    A similar pair is pulled together like a spring; a dissimilar pair is pushed apart until it
    is :math:`m` apart, and then left alone. Without that second term, mapping every input to
    one point would cost nothing. The labels are those of PyTorch's pair losses
    (:func:`cosine_embedding`, :func:`lossutils.hinge_embedding`): +1 similar, -1 dissimilar;
    Hadsell et al. write :math:`Y = 0` for similar and :math:`Y = 1` for dissimilar, that is
    :math:`Y = (1 - t)/2`. A 0 label is rejected rather than guessed. ``reduction='mean'`` gives
    :math:`\frac1N\sum_i \ell_i` over the N pairs, ``'sum'`` :math:`\sum_i \ell_i`, ``'none'``
    every :math:`\ell_i`.

    Parameters
    ----------
    x1, x2 : array_like
        The embeddings of the two items of each pair, shape (N, D), or (D,) for one pair.
    target : array_like
        One label per pair, shape (N,) (or () for one pair): +1 similar, -1 dissimilar.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-pair losses become the result.
    margin : float, default 1.0
        The distance :math:`m` > 0 beyond which a dissimilar pair costs nothing.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one pair).

    Raises
    ------
    ValueError
        If ``target`` holds anything but -1 and +1 (the message says which label means what), or
        the shapes do not fit.

    Notes
    -----
    With :math:`u = (x_1 - x_2)/d`, the gradients (see :func:`contrastive_grad`) are

    .. math::

        \frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2}
            = \begin{cases} x_1 - x_2 & t = +1, \\ -\max(0,\; m - d)\, u & t = -1. \end{cases}

    At :math:`d = 0` a dissimilar pair has no direction to move apart in: :math:`u` is undefined,
    and the gradient is 0 there (finite, as PyTorch's autograd of the norm gives it), so a
    dissimilar pair mapped to exactly one point stays stuck. Both terms are differentiable at
    :math:`d = m`: the squares make the loss smooth where :func:`lossutils.hinge_embedding` has a kink.
    The distance has no :math:`\epsilon` (unlike :func:`lossutils.pairwise_distance`'s default).

    References
    ----------
    R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality reduction by learning an invariant
    mapping", CVPR 2006.

    See Also
    --------
    hinge_embedding : the unsquared hinge, fed a distance.
    cosine_embedding : the same pairs, judged by their angle.
    lossutils.nn.ContrastiveLoss : the same loss as a torch module.

    Examples
    --------
    >>> import lossutils as lu
    >>> x1, x2 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[0.6, 0.8], [0.3, 0.4], [3.0, 4.0]]
    >>> lu.contrastive(x1, x2, [1, -1, -1], reduction="none")  # ½ 1²; ½ (1 - 0.5)²; beyond the margin
    array([0.5  , 0.125, 0.   ])
    """
    a, b, t, red, m, dtype = _contrastive_inputs(x1, x2, target, reduction, margin)
    d = pairwise_distance(a, b, eps=0.0)  # ‖x1 - x2‖₂, without PyTorch's eps
    loss = np.where(t == 1, 0.5 * d**2, 0.5 * np.maximum(0, m - d) ** 2)
    return reduce(loss, red, dtype=dtype)


def contrastive_grad(
    x1: ArrayLike, x2: ArrayLike, target: ArrayLike, *, reduction: Reduction = "mean", margin: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`contrastive` with respect to ``x1`` and to ``x2``, in that order:
    :math:`\partial \ell / \partial d` times the unit vector :math:`(x_1 - x_2)/d` (0 at
    :math:`d = 0`), and its opposite; divided by the number of pairs N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_x1, d_x2 = lu.contrastive_grad([[0.0, 0.0]], [[0.3, 0.4]], [-1], reduction="sum")
    >>> d_x1, d_x2  # a dissimilar pair 0.5 apart: pushed apart with force 1 - 0.5
    (array([[0.3, 0.4]]), array([[-0.3, -0.4]]))
    """
    a, b, t, red, m, dtype = _contrastive_inputs(x1, x2, target, reduction, margin)
    d = pairwise_distance(a, b, eps=0.0)
    d_d = np.where(t == 1, d, -np.maximum(0, m - d))[..., None]  # d loss / d distance
    d_x1 = d_d * pairwise_distance_grad(a, b, eps=0.0)[0]  # times d distance / d x1: the unit vector, 0 at d = 0
    return reduce_grad(d_x1, red, divisor=d.size, dtype=dtype), reduce_grad(-d_x1, red, divisor=d.size, dtype=dtype)


# --------------------------------------------------------------------------------------------
# InfoNCE / NT-Xent: cross-entropy over "which key belongs to this query"
# --------------------------------------------------------------------------------------------


def _info_nce_inputs(
    queries: ArrayLike, keys: ArrayLike, reduction: object, temperature: object, symmetric: object
) -> tuple[np.ndarray, np.ndarray, Reduction, float, bool, np.dtype]:
    red = cast(Reduction, check_reduction(reduction))
    tau = check_positive(temperature, "temperature")
    symmetric = check_bool(symmetric, "symmetric")
    (q, k), dtype = as_float_inputs((queries, keys), ("queries", "keys"))
    check_rows(q, "queries", allow_one=False)
    check_same_shape(q, k, "queries", "keys")  # row i of keys is the key of query i
    return q, k, red, tau, symmetric, dtype


def _normalize(x: np.ndarray) -> np.ndarray:
    r"""Each row divided by its norm floored at ``NORMALIZE_EPS``, as :func:`torch.nn.functional.normalize`."""
    unit: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), NORMALIZE_EPS)
    return unit


def _normalize_grad(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    r"""The gradient with respect to ``x`` from ``g``, the gradient with respect to its
    :func:`_normalize`: :math:`(g - \hat x (\hat x \cdot g)) / \lVert x \rVert` (only the part of
    ``g`` that turns :math:`\hat x`), or :math:`g / \epsilon` where the norm is below the floor."""
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    unit = x / np.maximum(norm, NORMALIZE_EPS)
    turning = g - unit * np.sum(unit * g, axis=-1, keepdims=True)
    grad: np.ndarray = np.where(norm >= NORMALIZE_EPS, turning, g) / np.maximum(norm, NORMALIZE_EPS)
    return grad


def info_nce(
    queries: ArrayLike,
    keys: ArrayLike,
    *,
    reduction: Reduction = "mean",
    temperature: float = 0.1,
    symmetric: bool = False,
) -> LossValue:
    r"""InfoNCE (NT-Xent): cross-entropy over "which key in the batch belongs to this query".

    With :math:`s_{ij} = \cos(q_i, k_j)` the cosine similarity of query :math:`i` with key
    :math:`j` and :math:`\tau` the temperature:

    .. math::

        \ell_i = -\log \frac{e^{s_{ii}/\tau}}{\sum_{j=1}^{N} e^{s_{ij}/\tau}}
               = \operatorname{CE}\bigl(\text{logits } s_{i\cdot}/\tau,\ \text{class } i\bigr).

    Row :math:`i` of ``keys`` is the positive of query :math:`i` (another view of the same
    image, the caption of the same picture); the other N - 1 keys of the batch are its
    negatives. So the loss IS :func:`lossutils.cross_entropy`: the N queries are N samples, the
    N keys are N classes, the scaled similarities are the logits and the true class of query
    :math:`i` is :math:`i`; the code below says exactly that. A small temperature sharpens the
    softmax, so that the hardest negatives dominate the gradient. With ``symmetric`` (CLIP), each
    key is also classified among the queries and the two losses are averaged:
    :math:`\frac12(\ell_i + \ell'_i)` with :math:`\ell'_i` the cross-entropy of column
    :math:`i`. ``reduction='mean'`` gives :math:`\frac1N\sum_i \ell_i`, ``'sum'``
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    The cosines are dot products of unit vectors, :math:`\hat q_i \cdot \hat k_j` with
    :math:`\hat x = x / \max(\lVert x \rVert, 10^{-12})`, as :func:`torch.nn.functional.normalize`
    computes them.

    Parameters
    ----------
    queries, keys : array_like
        Embeddings, shape (N, D) each; the key of query i is row i of ``keys``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-query losses become the result.
    temperature : float, default 0.1
        The temperature :math:`\tau` > 0 that divides the similarities.
    symmetric : bool, default False
        Average the query-to-key and key-to-query cross-entropies (CLIP's loss).

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'``.

    Notes
    -----
    The gradient (see :func:`info_nce_grad`) is cross-entropy's, softmax minus one-hot, carried
    back through the similarities: with :math:`p_{ij} = \operatorname{softmax}_j(s_{ij}/\tau)`
    and :math:`G_{ij} = (p_{ij} - [i = j])/\tau`,

    .. math::

        \frac{\partial \ell}{\partial \hat q_i} = \sum_j G_{ij}\, \hat k_j, \qquad
        \frac{\partial \ell}{\partial \hat k_j} = \sum_i G_{ij}\, \hat q_i, \qquad
        \frac{\partial \ell}{\partial q_i} = \frac{1}{\lVert q_i \rVert}\bigl(I - \hat q_i \hat q_i^\top\bigr)
            \frac{\partial \ell}{\partial \hat q_i}:

    the query is pulled towards its key and pushed from the others, each in proportion to the
    probability the softmax gives it. Every loss depends on every key, so the gradient with
    respect to ``keys`` sums the losses' contributions, also for ``reduction='none'`` (where it
    is the gradient of their sum). All N losses equal :math:`\log N` when all the similarities
    are equal (a collapse of all the embeddings to one direction).

    PyTorch has no InfoNCE function; :class:`lossutils.nn.InfoNCELoss` is its one line of PyTorch.

    References
    ----------
    A. van den Oord, Y. Li and O. Vinyals, "Representation learning with contrastive
    predictive coding", 2018; T. Chen et al., "A simple framework for contrastive learning of
    visual representations" (SimCLR), ICML 2020; A. Radford et al., "Learning transferable
    visual models from natural language supervision" (CLIP), ICML 2021.

    See Also
    --------
    lossutils.cross_entropy : the loss it is.
    lossutils.nn.InfoNCELoss : the same loss as a torch module:
        ``F.cross_entropy(F.normalize(q) @ F.normalize(k).T / temperature, torch.arange(N))``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> q = [[1.0, 0.0], [0.0, 1.0]]
    >>> round(float(lu.info_nce(q, q, temperature=1.0)), 4)  # each query's key scores e^1, the other e^0
    0.3133
    >>> round(float(lu.info_nce(q, [[1.0, 1.0], [1.0, 1.0]])), 4)  # collapsed keys: log 2
    0.6931
    """
    q, k, red, tau, symmetric, dtype = _info_nce_inputs(queries, keys, reduction, temperature, symmetric)
    logits = _normalize(q) @ _normalize(k).T / tau  # (N, N): query i against every key, scaled
    positives = np.arange(len(logits))  # the true class of query i is key i: the diagonal
    loss = cast(np.ndarray, cross_entropy(logits, positives, reduction="none"))  # one per query
    if symmetric:  # and each key against every query (CLIP)
        loss = 0.5 * (loss + cross_entropy(logits.T, positives, reduction="none"))
    return reduce(loss, red, dtype=dtype)


def info_nce_grad(
    queries: ArrayLike,
    keys: ArrayLike,
    *,
    reduction: Reduction = "mean",
    temperature: float = 0.1,
    symmetric: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`info_nce` with respect to ``queries`` and to ``keys``, in that order,
    each shaped (N, D): cross-entropy's gradient in the logits, softmax minus one-hot, through the
    cosine similarities (see the Notes there); divided by N for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_q, d_k = lu.info_nce_grad([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], temperature=1.0)
    >>> d_q.round(4)  # a step against it turns each query away from the other key
    array([[0.    , 0.1345],
           [0.1345, 0.    ]])
    """
    q, k, red, tau, symmetric, dtype = _info_nce_inputs(queries, keys, reduction, temperature, symmetric)
    q_hat, k_hat = _normalize(q), _normalize(k)
    logits = q_hat @ k_hat.T / tau
    positives = np.arange(len(logits))
    d_logits = cross_entropy_grad(logits, positives, reduction="none")  # softmax minus one-hot, row by row
    if symmetric:
        d_logits = 0.5 * (d_logits + cross_entropy_grad(logits.T, positives, reduction="none").T)
    d_similarity = d_logits / tau
    d_q = _normalize_grad(q, d_similarity @ k_hat)  # through q_hat = q / |q|
    d_k = _normalize_grad(k, d_similarity.T @ q_hat)
    return reduce_grad(d_q, red, divisor=len(q), dtype=dtype), reduce_grad(d_k, red, divisor=len(q), dtype=dtype)
