r"""Multi-label losses and their gradients, from scratch in NumPy.

In multi-class classification each sample has exactly one class out of C (a softmax over the
classes, :func:`lossutils.cross_entropy`); in multi-label classification each sample has a
*set* of labels, any number of the C, from none to all (a photo shows a dog AND a ball). The
model gives one score per label, shape (N, C), and the losses here compare those scores with
the set of labels of each sample:

- :func:`multilabel_soft_margin`: one binary decision per label, "does it apply?", judged by
  binary cross-entropy on logits and averaged over the C labels;
- :func:`multilabel_margin`: a ranking, every label of a sample should outscore every class
  that is not one of its labels by a margin of 1.

Each loss ``fn(scores, target, *, reduction="mean", ...)`` takes the scores first and the labels
second, like :mod:`torch.nn.functional`; its gradient ``fn_grad`` sits right below it, takes
the same arguments and returns d(loss)/d(scores) with the shape of the scores. Both accept
scores of shape (N, C) or, for one sample, (C,). ``reduction='none'`` returns one loss per
sample, shape (N,) (0-d for one sample); ``'mean'`` averages them over the N samples.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_array,
    as_float_pair,
    check_multilabel_shape,
    check_reduction,
    check_same_shape,
    computing_dtype,
    multilabel_mask,
)
from .classification import binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad

__all__ = [
    "multilabel_margin",
    "multilabel_margin_grad",
    "multilabel_soft_margin",
    "multilabel_soft_margin_grad",
]

TargetFormat = Literal["padded", "lists", "multi_hot"]


# --------------------------------------------------------------------------------------------
# Multi-label soft margin: binary cross-entropy on logits, averaged over the labels
# --------------------------------------------------------------------------------------------


def _soft_margin_inputs(
    logits: ArrayLike, target: ArrayLike, reduction: object
) -> tuple[np.ndarray, np.ndarray, Reduction, np.dtype]:
    """Validate; return the logits and targets in the dtype the loss is computed in, the reduction
    and the dtype of the result (promoted as torch does; float16 computes in float32)."""
    red = cast(Reduction, check_reduction(reduction))
    x, t, dtype = as_float_pair(logits, target, ("logits", "target"))
    check_multilabel_shape(x, "logits")
    check_same_shape(x, t, "logits", "target")
    return x, t, red, dtype


def multilabel_soft_margin(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
) -> LossValue:
    r"""Multi-label soft margin loss: binary cross-entropy on logits, averaged over the C labels.

    With logits :math:`z_{ik}`, labels :math:`y_{ik} \in \{0, 1\}` (1: label :math:`k` applies
    to sample :math:`i`) and label weights :math:`w_k`:

    .. math::

        \begin{aligned}
        \ell_i &= \frac{1}{C} \sum_{k=1}^{C} w_k\,\bigl[-y_{ik} \log\sigma(z_{ik})
                 - (1 - y_{ik}) \log\sigma(-z_{ik})\bigr] \\
               &= \frac{1}{C} \sum_{k=1}^{C} \operatorname{BCE}(z_{ik}, y_{ik}),
        \end{aligned}

    one logistic regression per label, and the loss of a sample is their mean. The code is that
    sentence: :func:`lossutils.binary_cross_entropy_with_logits` with ``reduction='none'``
    (stable for any logit, through :func:`lossutils.softplus`), then the mean over the labels.
    ``reduction='mean'`` averages :math:`\ell_i` over the N samples, so the result is the mean
    BCE over all N·C entries; ``'sum'`` gives :math:`\sum_i \ell_i`; ``'none'`` every
    :math:`\ell_i`.

    Parameters
    ----------
    logits : array_like
        One score per label, :math:`z`, shape (N, C) or (C,) for one sample.
    target : array_like
        Labels :math:`y` in {0, 1} (soft labels in [0, 1] work too, as in BCE), the shape of
        ``logits``: a multi-hot matrix.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    weight : array_like, optional
        Rescaling weights :math:`w`, usually one per label, shape (C,); anything that
        broadcasts to the shape of ``logits``.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one sample).

    Shape
    -----
    ``logits``: (N, C) or (C,); ``target``: the same; ``weight``: broadcastable to it, e.g. (C,).

    Notes
    -----
    The gradient (see :func:`multilabel_soft_margin_grad`) is BCE's, divided by C:

    .. math::

        \frac{\partial \ell_i}{\partial z_{ik}} = \frac{w_k}{C}\,\bigl(\sigma(z_{ik}) - y_{ik}\bigr).

    Each label's logit sees only its own label, so the labels are learnt independently, and the
    best constant logit of label :math:`k` is the log-odds of its frequency. Mixed float dtypes
    of ``logits`` and ``target`` promote as in every loss here; the weights take the dtype of
    the logits (PyTorch would promote float32 logits to the float64 of a float64 weight).

    See Also
    --------
    torch.nn.functional.multilabel_soft_margin_loss : the PyTorch twin.
    binary_cross_entropy_with_logits : ``mean(bce(logits, target, reduction='none'), axis=-1)``.
    multilabel_margin : a ranking loss for the same targets.

    Examples
    --------
    >>> import lossutils as lu
    >>> z = [[0.0, 0.0, 0.0]]  # unsure about all three labels: log 2 each
    >>> round(float(lu.multilabel_soft_margin(z, [[1, 0, 1]])), 4)
    0.6931
    """
    x, t, reduction, dtype = _soft_margin_inputs(logits, target, reduction)
    per_label = binary_cross_entropy_with_logits(x, t, weight=weight, reduction="none")  # one BCE per entry
    loss = np.mean(per_label, axis=-1)  # averaged over the C labels of each sample
    return reduce(loss, reduction, dtype=dtype)


def multilabel_soft_margin_grad(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`multilabel_soft_margin` with respect to ``logits``:
    :math:`w_k(\sigma(z_{ik}) - y_{ik}) / C`, BCE's gradient divided by the number of labels;
    divided by N as well for ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.multilabel_soft_margin_grad([[0.0, 0.0]], [[1, 0]])  # (sigmoid(0) - y) / 2
    array([[-0.25,  0.25]])
    """
    x, t, reduction, dtype = _soft_margin_inputs(logits, target, reduction)
    n_labels = x.shape[-1]
    g = binary_cross_entropy_with_logits_grad(x, t, weight=weight, reduction="none") / n_labels
    return reduce_grad(g, reduction, divisor=g.size // n_labels, dtype=dtype)  # 'mean': / N samples


# --------------------------------------------------------------------------------------------
# Multi-label margin: every label above every other class by a margin of 1
# --------------------------------------------------------------------------------------------


def _margin_inputs(
    scores: ArrayLike, target: ArrayLike, reduction: object, target_format: object
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], Reduction, np.dtype]:
    """Validate; return the scores as (N, C) in the dtype the loss is computed in (one sample,
    (C,), is read as N = 1), which of them are labels (a boolean (N, C) mask), the shape of the
    scores, the reduction and the dtype of the result (the scores')."""
    red = cast(Reduction, check_reduction(reduction))
    s = as_float_array(scores, "scores")
    check_multilabel_shape(s, "scores")
    is_label = multilabel_mask(target, s.shape, "scores", target_format)
    s_2d = np.atleast_2d(s).astype(computing_dtype(s.dtype), copy=False)
    return s_2d, np.atleast_2d(is_label), s.shape, red, s.dtype


def _pair_hinges(s: np.ndarray, is_label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hinge of every (label j, other class i) pair of each sample and which pairs count:
    ``max(0, 1 - (s_j - s_i))`` and ``[j is a label][i is not]``, both (N, C, C), indexed [n, j, i]."""
    s_j, s_i = s[:, :, None], s[:, None, :]
    is_pair = is_label[:, :, None] & ~is_label[:, None, :]
    return np.maximum(0, 1 - (s_j - s_i)), is_pair


def multilabel_margin(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    target_format: TargetFormat = "padded",
) -> LossValue:
    r"""Multi-label margin loss: every label of a sample should outscore every other class by 1.

    With scores :math:`s_i \in \mathbb{R}^C`, the set :math:`Y_i` of labels of sample :math:`i`
    and :math:`\bar Y_i` the other classes:

    .. math::

        \ell_i = \frac{1}{C} \sum_{j \in Y_i} \sum_{m \in \bar Y_i} \max\bigl(0,\; 1 - (s_{ij} - s_{im})\bigr),

    a hinge on every (label, non-label) pair, divided by the number of classes C (not by the
    number of pairs), as in PyTorch. It is 0 for a sample without labels, or with all C.
    ``reduction='mean'`` averages :math:`\ell_i` over the N samples, ``'sum'`` gives
    :math:`\sum_i \ell_i`, ``'none'`` every :math:`\ell_i`.

    The loss ranks: adding the same constant to every score of a sample changes nothing, so a
    model trained with it says which labels come first, not where the labels end; choosing
    that threshold (or how many labels to keep) is a separate step.

    Parameters
    ----------
    scores : array_like
        One score per class, shape (N, C) or (C,) for one sample.
    target : array_like or sequence of sequences
        The labels of each sample, in the format ``target_format`` names.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    target_format : {'padded', 'lists', 'multi_hot'}, default 'padded'
        How ``target`` lists the labels:

        - ``'padded'``, PyTorch's format: integer class indices with the shape of ``scores``.
          The labels of a sample are its indices *before the first -1*; the -1 and everything
          after it are padding, so that every row has length C. For C = 4, ``[3, 0, -1, 1]``
          means labels {3, 0} (the 1 after the -1 is ignored), ``[-1, 0, 0, 0]`` means no label
          and ``[2, 0, 1, 3]`` all four. Every entry must lie in [-1, C), as torch checks.
        - ``'lists'``: one sequence of class indices per sample, of any length, e.g.
          ``[[3, 0], [], [0, 1, 2, 3]]`` (one sequence for scores of shape (C,)).
        - ``'multi_hot'``: 1 for each label and 0 for each other class, the shape of ``scores``,
          e.g. ``[[1, 0, 0, 1]]`` for labels {0, 3}.

        A 0/1 matrix is also a padded target, with other labels: read as torch reads it,
        ``[1, 0, 0, 1]`` lists classes 1, 0, 0 and 1 (torch counts each twice; lossutils rejects
        a class listed twice). So the format is never guessed: say ``target_format='multi_hot'``.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) for ``'none'`` (0-d for one sample).

    Raises
    ------
    ValueError
        If a class index leaves [0, C) (or [-1, C) in the padded format), or a sample lists a
        class twice: a set of labels holds each class once (torch would count the class twice).

    Shape
    -----
    ``scores``: (N, C) or (C,); ``target``: the shape of ``scores`` (``'padded'``,
    ``'multi_hot'``), or N sequences (``'lists'``).

    Notes
    -----
    The (sub)gradient (see :func:`multilabel_margin_grad`), with :math:`v_{jm} = [1 - s_{ij} +
    s_{im} > 0]` marking the pairs within the margin, is

    .. math::

        \frac{\partial \ell_i}{\partial s_{ik}} = \frac{1}{C}\Bigl([k \in \bar Y_i] \sum_{j \in Y_i} v_{jk}
        - [k \in Y_i] \sum_{m \in \bar Y_i} v_{km}\Bigr):

    a non-label is pushed down once for each label it comes within the margin of, a label is
    pushed up once for each such non-label. Pairs exactly at the margin count as not violated,
    as in PyTorch. The scores keep their dtype (float16 computed in float32; PyTorch has no
    float16 version on the CPU). Unlike PyTorch's kernel, which skips a NaN pair, NaN scores
    propagate to the sample's loss.

    See Also
    --------
    torch.nn.functional.multilabel_margin_loss : the PyTorch twin (padded targets).
    multilabel_soft_margin : one binary decision per label instead of a ranking.
    multiclass_hinge : the same pairwise hinge with one label per sample (Weston–Watkins).

    Examples
    --------
    >>> import lossutils as lu
    >>> s = [[0.1, 0.2, 0.4, 0.8]]  # labels 3 and 0; classes 1 and 2 are not labels
    >>> round(float(lu.multilabel_margin(s, [[3, 0, -1, 1]])), 4)  # (0.4 + 0.6 + 1.1 + 1.3) / 4
    0.85
    >>> round(float(lu.multilabel_margin(s, [[3, 0]], target_format="lists")), 4)
    0.85
    >>> round(float(lu.multilabel_margin(s, [[1, 0, 0, 1]], target_format="multi_hot")), 4)
    0.85
    """
    s, is_label, shape, reduction, dtype = _margin_inputs(scores, target, reduction, target_format)
    hinge, is_pair = _pair_hinges(s, is_label)
    loss = np.sum(np.where(is_pair, hinge, 0), axis=(1, 2)) / s.shape[1]  # the pairs that count, / C
    return reduce(loss.reshape(shape[:-1]), reduction, dtype=dtype)  # one loss per sample: (N,), or () for (C,)


def multilabel_margin_grad(
    scores: ArrayLike,
    target: ArrayLike,
    *,
    reduction: Reduction = "mean",
    target_format: TargetFormat = "padded",
) -> np.ndarray:
    r"""Gradient of :func:`multilabel_margin` with respect to ``scores``, their shape: for each
    pair within the margin, +1/C at the non-label and -1/C at the label; divided by N for
    ``reduction='mean'``.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.multilabel_margin_grad([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]])  # every pair within the margin
    array([[-0.5,  0.5,  0.5, -0.5]])
    """
    s, is_label, shape, reduction, dtype = _margin_inputs(scores, target, reduction, target_format)
    hinge, is_pair = _pair_hinges(s, is_label)
    within = np.where(is_pair, np.heaviside(hinge, 0), 0)  # 1 for each pair within the margin, [n, j, i]
    g = (np.sum(within, axis=1) - np.sum(within, axis=2)) / s.shape[1]  # non-labels pushed down, labels up
    return reduce_grad(g.reshape(shape), reduction, divisor=len(g), dtype=dtype)  # 'mean': / N samples
