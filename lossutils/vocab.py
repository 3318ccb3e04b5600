r"""Losses over a huge vocabulary, from scratch in NumPy: the output layer and the loss in one.

A language model ends with a linear layer from hidden features :math:`h_i` (dimension
:math:`d`) to one logit per word of a vocabulary of :math:`V` words, :math:`z_i = W h_i + b`,
and a cross-entropy over them. With :math:`N` tokens the logits are an :math:`N \times V`
matrix: 512 tokens over 100 000 words are 400 MB in float64, and the softmax and the gradient
need two more arrays of that size. The two losses here take the hidden features and the
layer's weights instead of the logits:

- :func:`linear_cross_entropy` computes the exact cross-entropy of :math:`W h + b` chunk by chunk
  over the vocabulary, with a running log-sum-exp, so that no more than
  :math:`N \times` ``chunk_size`` logits are in memory at a time (the gradient holds about
  eight such (N, ``chunk_size``) arrays, besides its own results, the (V, d) gradient of
  :math:`W` among them; PyTorch: ``torch.nn.functional.linear_cross_entropy``, which chunks over
  the tokens instead);
- :func:`adaptive_log_softmax` changes the model: the frequent words get a softmax of their own
  (the head), the rarer ones are grouped into clusters, each a single entry of the head with a
  smaller softmax of its own behind it (Grave et al., 2017; PyTorch:
  ``torch.nn.AdaptiveLogSoftmaxWithLoss``), and :func:`adaptive_log_prob` gives its full
  distribution.

Each has its gradient right below it, with respect to the features and to every weight (a tuple,
in argument order, the biases last). With ``reduction='none'`` the gradients are those of the sum
of the per-sample losses: row :math:`i` of the features' gradient is then the derivative of
:math:`\ell_i` alone, and a weight's is the sum over the samples (what
``loss.backward(torch.ones_like(loss))`` gives). As for the other losses, float32 stays float32,
float16 is computed in float32 and cast back, integers become float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_array,
    as_float_inputs,
    as_index_array,
    as_result,
    check_ignore_index,
    check_in_range,
    check_reduction,
    class_weight,
)
from .activations import log_softmax, softmax

__all__ = [
    "adaptive_log_prob",
    "adaptive_log_softmax",
    "adaptive_log_softmax_grad",
    "linear_cross_entropy",
    "linear_cross_entropy_grad",
]

#: Classes per chunk: the gradient holds about eight (N, chunk) arrays at once, 512 tokens x 1024
#: logits are 4 MB each in float64.
DEFAULT_CHUNK_SIZE = 1024


# --------------------------------------------------------------------------------------------
# Shared private helpers
# --------------------------------------------------------------------------------------------


def _take(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``z[i, y[i]]`` row by row: (N, C) and (N,) -> (N,)."""
    return np.take_along_axis(z, y[:, None], axis=-1)[:, 0]


def _features(input: ArrayLike, weight: ArrayLike, weight_name: str) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """Hidden features (N, d) or (d,) and a weight (rows, d), in the dtype they are computed in,
    and the dtype of the result (their promotion, as for every loss here)."""
    (h, w), dtype = as_float_inputs((input, weight), ("input", weight_name))
    if h.ndim not in (1, 2):
        raise ValueError(f"input must have shape (N, d) or (d,), one row of features per sample; got shape {h.shape}")
    if w.ndim != 2 or w.shape[1] != h.shape[-1]:
        raise ValueError(
            f"{weight_name} must have shape (rows, d) with d = {h.shape[-1]}, the features of input; "
            f"got shape {w.shape}"
        )
    return h, w, dtype


def _targets(target: ArrayLike, input_shape: tuple[int, ...], n_classes: int, ignore_index: int | None) -> np.ndarray:
    """Class indices (int64), one per row of features: (N,) for (N, d), () for (d,); each in
    [0, V) unless it equals ``ignore_index``."""
    y = as_index_array(target, "target")
    expected = input_shape[:-1]
    if y.shape != expected:
        symbol = "(N,)" if expected else "()"
        raise ValueError(f"target must have shape {symbol} = {expected}, one class per sample; got shape {y.shape}")
    checked = y if ignore_index is None else y[y != ignore_index]
    bad = checked[(checked < 0) | (checked >= n_classes)]
    if bad.size:
        raise ValueError(f"target holds class {int(bad[0])} but the vocabulary has {n_classes} classes")
    return y


def _check_chunk_size(chunk_size: object) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"chunk_size must be an integer, got {type(chunk_size).__name__}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return int(chunk_size)


# --------------------------------------------------------------------------------------------
# Linear cross-entropy: the exact loss, the vocabulary in chunks
# --------------------------------------------------------------------------------------------


def _linear_cross_entropy_inputs(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    linear_bias: ArrayLike | None,
    weight: ArrayLike | None,
    reduction: object,
    ignore_index: object,
    label_smoothing: object,
    chunk_size: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, int, Reduction, int, np.dtype]:
    """Validate; return the features (N, d), the weight (V, d), the bias (V,), the class indices
    (N,), the class weights, the smoothing, ``ignore_index``, the reduction, the chunk size and
    the dtype of the result. A single sample (d,) comes back as one row."""
    red = cast(Reduction, check_reduction(reduction))
    ignore = check_ignore_index(ignore_index)
    eps = check_in_range(label_smoothing, "label_smoothing", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    chunk = _check_chunk_size(chunk_size)
    h, W, dtype = _features(input, linear_weight, "linear_weight")
    n_classes = W.shape[0]
    t = as_float_array(target, "target", allow_empty=True) if np.ndim(target) == h.ndim else None
    if t is not None and t.shape == (*h.shape[:-1], n_classes):
        raise ValueError(
            f"target must hold class indices, shape {h.shape[:-1]}; class probabilities {t.shape} are as large "
            "as the logits linear_cross_entropy never builds: use cross_entropy(input @ linear_weight.T, target)"
        )
    y = _targets(target, h.shape, n_classes, ignore)
    b = np.zeros(n_classes, W.dtype)  # no bias: 0
    if linear_bias is not None:
        b = as_float_array(linear_bias, "linear_bias", dtype=W.dtype)
    if b.shape != (n_classes,):
        raise ValueError(f"linear_bias must have shape (V,) = ({n_classes},), one per class; got shape {b.shape}")
    w = class_weight(weight, n_classes, W.dtype)
    return h.reshape(-1, h.shape[-1]), W, b, y.reshape(-1), w, eps, ignore, red, chunk, dtype


def _logsumexp_by_chunks(
    h: np.ndarray, W: np.ndarray, b: np.ndarray, y: np.ndarray, w: np.ndarray, chunk_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""One pass over the vocabulary, ``chunk_size`` rows of ``W`` at a time: for every sample,
    the maximum logit :math:`m` and :math:`\log s` with :math:`\operatorname{LSE}(z) = m + \log s`,
    the target's logit :math:`z_y` and :math:`\sum_c w_c z_c`.

    The online-softmax recurrence keeps a running maximum :math:`m` and a running sum
    :math:`s = \sum_c e^{z_c - m}` over the chunks seen so far; a chunk :math:`z_K` updates them to

    .. math::

        m' = \max\bigl(m, \max_{c \in K} z_c\bigr), \qquad
        s' = s\, e^{m - m'} + \sum_{c \in K} e^{z_c - m'},

    every exponent :math:`\le 0` as in :func:`lossutils.logsumexp`, and at the end
    :math:`\operatorname{LSE}(z) = m + \log s`; :math:`m` and :math:`\log s` are returned apart, so
    that :math:`\operatorname{LSE}(z) - z_y = (m - z_y) + \log s` loses no digit to a logit of 1e4
    (in float32, :math:`m + \log s` would round :math:`\log s` to a thousandth). Only one chunk of
    logits, (N, chunk_size), is in memory at a time, with a few arrays of its size made from it.

    ``w`` holds the class weights, and ``wz`` accumulates :math:`\sum_c w_c z_c`, which only
    label smoothing needs. ``np.clip`` keeps the index of a target outside the chunk inside it;
    ``np.where`` then discards what it picked.
    """
    n, n_classes = len(h), len(W)
    m = np.full(n, -np.inf, h.dtype)  # the running maximum (no logit seen yet) ...
    s = np.zeros(n, h.dtype)  # ... and the running sum of e^(z - m)
    z_y = np.zeros(n, h.dtype)  # the target's logit, picked when its chunk passes
    wz = np.zeros(n, h.dtype)  # sum_c w_c z_c, for label smoothing
    for start in range(0, n_classes, chunk_size):
        stop = min(start + chunk_size, n_classes)
        z = h @ W[start:stop].T + b[start:stop]  # (N, chunk): the logits of this chunk only
        m_new = np.maximum(m, np.max(z, axis=-1))
        s = s * np.exp(m - m_new) + np.sum(np.exp(z - m_new[:, None]), axis=-1)
        m = m_new
        here = (start <= y) & (y < stop)  # the samples whose target is in this chunk
        z_y = np.where(here, _take(z, np.clip(y - start, 0, stop - start - 1)), z_y)
        wz = wz + z @ w[start:stop]
    return m, np.log(s), z_y, wz


def linear_cross_entropy(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> LossValue:
    r"""Cross-entropy of a linear layer's logits, computed without ever building them.

    The value is ``cross_entropy(input @ linear_weight.T + linear_bias, target, ...)``: with
    logits :math:`z_{ic} = W_c \cdot h_i + b_c` over a vocabulary of :math:`V` classes, class
    weights :math:`w` and label smoothing :math:`\varepsilon`,

    .. math::

        \ell_i = (1 - \varepsilon)\, w_{y_i} \bigl(\operatorname{LSE}(z_i) - z_{i y_i}\bigr)
               + \frac{\varepsilon}{V} \sum_{c=1}^{V} w_c \bigl(\operatorname{LSE}(z_i) - z_{ic}\bigr),

    :math:`\ell_i = 0` where :math:`y_i` equals ``ignore_index``, reduced as in
    :func:`lossutils.cross_entropy` (``'mean'`` divides by :math:`\sum_i w_{y_i}` over the samples
    not ignored). But the (N, V) logits are never in memory: the vocabulary is read
    ``chunk_size`` rows of :math:`W` at a time, and a running maximum :math:`m` and sum
    :math:`s` give the log-sum-exp (the online-softmax recurrence),

    .. math::

        m' = \max\bigl(m, \max_{c \in K} z_{ic}\bigr), \qquad
        s' = s\, e^{m - m'} + \sum_{c \in K} e^{z_{ic} - m'}, \qquad
        \operatorname{LSE}(z_i) = m + \log s \text{ after the last chunk } K,

    while :math:`z_{iy_i}` is picked up as its chunk passes. Peak extra memory: one chunk of
    N × ``chunk_size`` logits and a few arrays of its size instead of N × V logits (the gradient,
    :func:`linear_cross_entropy_grad`, holds about eight (N, ``chunk_size``) arrays at once, plus
    the gradients it returns, (N, d) and the (V, d) gradient of :math:`W`).

    Parameters
    ----------
    input : array_like
        Hidden features :math:`h`, shape (N, d), or (d,) for one sample.
    linear_weight : array_like
        The output layer's weight :math:`W`, shape (V, d): a row per class (``nn.Linear(d, V).weight``).
    target : array_like
        Class indices in [0, V), shape (N,) (or () for one sample). Class probabilities are not
        accepted: an (N, V) target is as large as the logits this function avoids; use
        :func:`lossutils.cross_entropy` on the logits for them.
    linear_bias : array_like, optional
        The layer's bias :math:`b`, shape (V,); none (0) by default.
    weight : array_like, optional
        A weight per class, shape (V,).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    ignore_index : int, default -100
        Targets equal to it contribute nothing, neither to the loss nor to the mean's denominator.
    label_smoothing : float, default 0.0
        :math:`\varepsilon` in [0, 1].
    chunk_size : int, default 1024
        Classes (rows of ``linear_weight``) per chunk; any size >= 1 gives the same value up to
        rounding, a size >= V computes the logits in one piece.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; the per-sample losses, shape (N,) (or ()),
        for ``'none'``.

    Notes
    -----
    The gradient (see :func:`linear_cross_entropy_grad`) takes a second pass over the chunks:
    with :math:`p_{ic} = e^{z_{ic} - \operatorname{LSE}(z_i)}`, the derivative of
    :math:`\ell_i` with respect to the chunk's logits is that of :func:`lossutils.cross_entropy`,
    :math:`g_{ic} = (1 - \varepsilon) w_{y_i} (p_{ic} - [c = y_i]) + \frac{\varepsilon}{V}(p_{ic}
    \sum_k w_k - w_c)`, and the chain rule through :math:`z = W h + b` gives
    :math:`\partial h_i \mathrel{+}= g_{iK} W_K`, :math:`\partial W_K = g_K^\top h` and
    :math:`\partial b_K = \sum_i g_{iK}`.

    PyTorch's ``F.linear_cross_entropy`` takes the same arguments (its ``ignore_index`` defaults
    to None, read as -100 for class indices) and, with ``options``, chunks over the *tokens*
    (``batch_chunk_size``), which keeps ``batch_chunk_size`` × V logits; chunking over the
    vocabulary, as here, keeps N × ``chunk_size``. It also takes probability targets and
    (C, d1, ..., d) weights for a K-dimensional loss, which this function does not.

    See Also
    --------
    torch.nn.functional.linear_cross_entropy : the PyTorch twin.
    lossutils.cross_entropy : the same loss on logits.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> h, W = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    >>> round(float(lu.linear_cross_entropy(0 * h, W, [1])), 4)  # h = 0: three logits of 0, log 3
    1.0986
    >>> bool(np.isclose(lu.linear_cross_entropy(h, W, [1], chunk_size=2), lu.cross_entropy(h @ W.T, [1])))
    True
    """
    h, W, b, y, w, eps, ignore_index, reduction, chunk_size, dtype = _linear_cross_entropy_inputs(
        input, linear_weight, target, linear_bias, weight, reduction, ignore_index, label_smoothing, chunk_size
    )
    n_classes = len(W)
    keep = y != ignore_index  # ignore_index: step 3 zeroes the others ...
    y = np.where(keep, y, 0)  # ... so any class will do to index them

    # 1. One pass over the vocabulary in chunks: LSE(z) = m + log s, z_y and sum_c w_c z_c per sample.
    m, log_s, z_y, wz = _logsumexp_by_chunks(h, W, b, y, w, chunk_size)

    # 2. The loss of cross_entropy: w_y (LSE - z_y), mixed with the uniform target's for smoothing.
    w_y = w[y]
    loss = w_y * ((m - z_y) + log_s)
    if eps > 0:
        # sum_c w_c (LSE - z_c) = sum(w) LSE - sum_c w_c z_c. Unlike above, m + log_s is formed here: the
        # term is a difference of two sums over all V classes, and the rounding of wz, a sum of V logits,
        # already exceeds what adding log_s to m loses.
        loss = (1 - eps) * loss + eps / n_classes * (np.sum(w) * (m + log_s) - wz)

    # 3. ignore_index, then the weighted mean sum(w_y l) / sum(w_y) (nan when every target is ignored).
    loss = np.where(keep, loss, 0)
    w_y = np.where(keep, w_y, 0)
    return reduce(loss.reshape(np.shape(target)), reduction, divisor=np.sum(w_y), dtype=dtype)


def linear_cross_entropy_grad(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> tuple[np.ndarray, ...]:
    r"""Gradients of :func:`linear_cross_entropy`: ``(d_input, d_linear_weight)``, and
    ``d_linear_bias`` third when a ``linear_bias`` is given, each shaped like its argument.

    A first pass over the chunks gives :math:`\operatorname{LSE}(z_i)`; a second one recomputes
    each chunk's logits, their softmax :math:`p = e^{z - \operatorname{LSE}}` and the derivative
    :math:`g` of the loss with respect to them ("softmax minus one-hot", weighted and smoothed,
    divided by the mean's denominator; see the Notes of :func:`linear_cross_entropy`), and adds
    :math:`g W_K` to the features' gradient, :math:`g^\top h` to the chunk's rows of the weight's
    and :math:`\sum_i g_i` to the bias's. For ``reduction='none'``, the gradients of the sum of the
    per-sample losses. Ignored samples contribute exactly 0, even to a 0/0 mean.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_input, d_weight = lu.linear_cross_entropy_grad([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [1])
    >>> d_weight  # softmax (1/2, 1/2) minus one-hot (0, 1), times h = 0
    array([[0., 0.],
           [0., 0.]])
    >>> d_input  # (1/2, -1/2) @ W
    array([[ 0.5, -0.5]])
    """
    h, W, b, y, w, eps, ignore_index, reduction, chunk_size, dtype = _linear_cross_entropy_inputs(
        input, linear_weight, target, linear_bias, weight, reduction, ignore_index, label_smoothing, chunk_size
    )
    n_classes = len(W)
    keep = y != ignore_index
    y = np.where(keep, y, 0)

    # 1. The first pass: LSE(z_i) = m_i + log s_i of every sample.
    m, log_s, _, _ = _logsumexp_by_chunks(h, W, b, y, w, chunk_size)

    # 2. What multiplies each sample's dl/dz: 1/sum(w_y) for the weighted mean, 1 for a sum; 0 if ignored.
    w_y = np.where(keep, w[y], 0)
    scale = reduce_grad(np.ones(len(h), h.dtype), reduction, divisor=np.sum(w_y))
    scale = np.where(keep, scale, 0)  # exactly 0 for ignored samples, even where the mean is 0/0
    p_coef = (1 - eps) * w_y + eps / n_classes * np.sum(w)  # dl/dz = p_coef p - (target weights)

    # 3. The second pass: each chunk's logits, their derivative g, and the chain rule through z = W h + b.
    d_h = np.zeros_like(h)
    d_W = np.zeros_like(W)
    d_b = np.zeros_like(b)
    for start in range(0, n_classes, chunk_size):
        stop = min(start + chunk_size, n_classes)
        z = h @ W[start:stop].T + b[start:stop]
        p = np.exp((z - m[:, None]) - log_s[:, None])  # the softmax of the chunk's classes, e^(z - LSE)
        one_hot = np.arange(start, stop) == y[:, None]
        target_weight = (1 - eps) * w_y[:, None] * one_hot + eps / n_classes * w[start:stop]
        g = np.where(keep[:, None], scale[:, None] * (p_coef[:, None] * p - target_weight), 0)
        d_h = d_h + g @ W[start:stop]
        d_W[start:stop] = g.T @ h
        d_b[start:stop] = np.sum(g, axis=0)

    grads = [d_h.reshape(np.shape(input)), d_W]
    if linear_bias is not None:
        grads.append(d_b)
    return tuple(as_result(g, dtype) for g in grads)


# --------------------------------------------------------------------------------------------
# Adaptive softmax (Grave et al., 2017)
# --------------------------------------------------------------------------------------------


def _adaptive_inputs(
    input: ArrayLike,
    head_weight: ArrayLike,
    tail_weights: Sequence[tuple[ArrayLike, ArrayLike]],
    cutoffs: Sequence[int],
    head_bias: ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]], list[int], np.dtype]:
    """Validate; return the features (N, d) (one row for a single sample (d,)), the head's weight
    and bias, the tail's pairs of weights, the class boundaries ``[c_0, c_1, ..., V]`` (the
    cutoffs and the vocabulary size) and the dtype of the result."""
    h, Wh, dtype = _features(input, head_weight, "head_weight")
    cuts = [int(c) for c in as_index_array(cutoffs, "cutoffs").reshape(-1)]
    if np.ndim(cutoffs) != 1 or not cuts or cuts != sorted(set(cuts)) or cuts[0] <= 0:
        raise ValueError(f"cutoffs must be a sequence of increasing positive integers; got {cutoffs!r}")
    n_clusters = len(cuts)
    if Wh.shape[0] != cuts[0] + n_clusters:
        raise ValueError(
            f"head_weight must have cutoffs[0] + n_clusters = {cuts[0] + n_clusters} rows (the shortlist and one "
            f"per cluster); got shape {Wh.shape}"
        )
    if len(tail_weights) != n_clusters:
        raise ValueError(f"tail_weights must hold a pair of weights per cutoff, {n_clusters}; got {len(tail_weights)}")
    tails = []
    for k, pair in enumerate(tail_weights):
        if len(pair) != 2:
            raise ValueError(f"tail_weights[{k}] must be a pair (projection, output); got {len(pair)} arrays")
        proj = as_float_array(pair[0], f"tail_weights[{k}][0]", dtype=Wh.dtype, allow_empty=True)
        out = as_float_array(pair[1], f"tail_weights[{k}][1]", dtype=Wh.dtype, allow_empty=True)
        if proj.ndim != 2 or proj.shape[1] != h.shape[-1]:
            raise ValueError(f"tail_weights[{k}][0] must have shape (hidden, d = {h.shape[-1]}); got {proj.shape}")
        size = cuts[k + 1] - cuts[k] if k + 1 < n_clusters else max(len(out), 1)  # the last: its own rows
        if out.shape != (size, proj.shape[0]):
            raise ValueError(
                f"tail_weights[{k}][1] must have shape (classes of cluster {k}, hidden) = {(size, proj.shape[0])}; "
                f"got {out.shape}"
            )
        tails.append((proj, out))
    bounds = [*cuts, cuts[-1] + len(tails[-1][1])]
    bh = np.zeros(len(Wh), Wh.dtype) if head_bias is None else as_float_array(head_bias, "head_bias", dtype=Wh.dtype)
    if bh.shape != (len(Wh),):
        raise ValueError(f"head_bias must have shape ({len(Wh)},), one per row of head_weight; got {bh.shape}")
    return h.reshape(-1, h.shape[-1]), Wh, bh, tails, bounds, dtype


def adaptive_log_prob(
    input: ArrayLike,
    head_weight: ArrayLike,
    tail_weights: Sequence[tuple[ArrayLike, ArrayLike]],
    *,
    cutoffs: Sequence[int],
    head_bias: ArrayLike | None = None,
) -> np.ndarray:
    r"""The full distribution of an adaptive softmax: :math:`\log p(c \mid h_i)` for every class.

    The head is a softmax over the :math:`c_0` most frequent classes (the shortlist) and one entry
    per cluster; cluster :math:`k` holds the classes :math:`[c_k, c_{k+1})` (``cutoffs`` are
    :math:`c_0 < c_1 < \dots`, and the last cluster ends at the vocabulary size :math:`V`) and
    has a softmax of its own, over the logits of a two-layer tail :math:`O_k P_k h`:

    .. math::

        \log p(c \mid h) = \begin{cases}
            \log \operatorname{softmax}(H h + b)_c & c < c_0, \\
            \log \operatorname{softmax}(H h + b)_{c_0 + k}
              + \log \operatorname{softmax}(O_k P_k h)_{c - c_k} & c_k \le c < c_{k+1}.
        \end{cases}

    Each row sums to 1 in probability. This is ``AdaptiveLogSoftmaxWithLoss.log_prob``.

    Parameters
    ----------
    input : array_like
        Hidden features :math:`h`, shape (N, d), or (d,) for one sample.
    head_weight : array_like
        :math:`H`, shape (c_0 + K, d) for K clusters: the module's ``head.weight``.
    tail_weights : sequence of pairs of array_like
        ``[(P_0, O_0), ..., (P_{K-1}, O_{K-1})]``: the projection (hidden_k, d) and the output
        (c_{k+1} - c_k, hidden_k) of each cluster, the module's ``tail[k][0].weight`` and
        ``tail[k][1].weight`` (hidden_k = d // div_value^(k+1) there; any size here).
    cutoffs : sequence of int
        :math:`c_0 < c_1 < \dots < c_{K-1}`, as given to the module (without V: the last
        cluster's size is the rows of its output weight).
    head_bias : array_like, optional
        The head's bias :math:`b`, shape (c_0 + K,) (the module's ``head_bias=True``).

    Returns
    -------
    numpy.ndarray
        Log-probabilities, shape (N, V) (or (V,) for one sample).

    See Also
    --------
    torch.nn.AdaptiveLogSoftmaxWithLoss.log_prob : the PyTorch twin.
    adaptive_log_softmax : the loss, -log p(y | h).

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> head = np.zeros((3, 2))  # 2 classes in the shortlist, 1 cluster: three equal head logits
    >>> tail = [(np.zeros((1, 2)), np.zeros((2, 1)))]  # classes 2 and 3 equally likely in the cluster
    >>> np.exp(lu.adaptive_log_prob([[1.0, 1.0]], head, tail, cutoffs=[2]))  # 1/3, 1/3, 1/6, 1/6
    array([[0.33333333, 0.33333333, 0.16666667, 0.16666667]])
    """
    h, Wh, bh, tails, bounds, dtype = _adaptive_inputs(input, head_weight, tail_weights, cutoffs, head_bias)
    head_log_p = log_softmax(h @ Wh.T + bh)  # (N, c_0 + K)
    shortlist = bounds[0]
    columns = [head_log_p[:, :shortlist]]
    for k, (proj, out) in enumerate(tails):  # each cluster: its head entry, plus its own log-softmax
        columns.append(head_log_p[:, shortlist + k, None] + log_softmax(h @ proj.T @ out.T))
    log_p = np.concatenate(columns, axis=-1)
    return as_result(log_p.reshape(*np.shape(input)[:-1], bounds[-1]), dtype)


def _adaptive_loss_inputs(
    input: ArrayLike,
    target: ArrayLike,
    head_weight: ArrayLike,
    tail_weights: Sequence[tuple[ArrayLike, ArrayLike]],
    cutoffs: Sequence[int],
    head_bias: ArrayLike | None,
    reduction: object,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]], list[int], np.ndarray, Reduction, np.dtype
]:
    """:func:`_adaptive_inputs`, then the class indices (N,) and the reduction."""
    red = cast(Reduction, check_reduction(reduction))
    h, Wh, bh, tails, bounds, dtype = _adaptive_inputs(input, head_weight, tail_weights, cutoffs, head_bias)
    y = _targets(target, np.shape(input), bounds[-1], None)  # (N,) for (N, d), () for (d,)
    return h, Wh, bh, tails, bounds, y.reshape(-1), red, dtype


def adaptive_log_softmax(
    input: ArrayLike,
    target: ArrayLike,
    head_weight: ArrayLike,
    tail_weights: Sequence[tuple[ArrayLike, ArrayLike]],
    *,
    cutoffs: Sequence[int],
    head_bias: ArrayLike | None = None,
    reduction: Reduction = "mean",
) -> LossValue:
    r"""Negative log-likelihood of the target class under an adaptive softmax (Grave et al., 2017).

    .. math::

        \ell_i = -\log p(y_i \mid h_i),

    with :math:`p` the adaptive softmax of :func:`adaptive_log_prob`: the head's log-probability
    of :math:`y_i` if it is in the shortlist, else that of its cluster :math:`k` plus the
    cluster's own log-probability of :math:`y_i`. Only the clusters some target falls in are
    computed, each on its own samples only: the point of the model, whose frequent classes cost
    a small head softmax and rare ones a small tail. ``'mean'`` (the module's loss) divides
    :math:`\sum_i \ell_i` by N, ``'sum'`` and ``'none'`` as usual.

    Parameters
    ----------
    input : array_like
        Hidden features :math:`h`, shape (N, d), or (d,) for one sample.
    target : array_like
        Class indices in [0, V), shape (N,) (or ()), the classes sorted by decreasing frequency.
    head_weight, tail_weights, cutoffs, head_bias
        The model, as in :func:`adaptive_log_prob`.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; the per-sample losses, shape (N,) (or ()),
        for ``'none'``.

    Notes
    -----
    ``AdaptiveLogSoftmaxWithLoss(d, V, cutoffs, div_value, head_bias)(input, target)`` returns
    ``(output, loss)``: ``output`` is :math:`\log p(y_i \mid h_i)`, that is
    ``-adaptive_log_softmax(..., reduction='none')``, and ``loss`` is
    ``adaptive_log_softmax(..., reduction='mean')``, with ``head_weight = module.head.weight``,
    ``tail_weights = [(t[0].weight, t[1].weight) for t in module.tail]`` and the module's
    ``cutoffs`` (without V). The gradient (see :func:`adaptive_log_softmax_grad`) is "softmax
    minus one-hot" in the head and in the sample's cluster, passed back through the layers.

    See Also
    --------
    torch.nn.AdaptiveLogSoftmaxWithLoss : the PyTorch twin (a module).
    linear_cross_entropy : the exact softmax over the whole vocabulary, in chunks.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> head, tail = np.zeros((3, 2)), [(np.zeros((1, 2)), np.zeros((2, 1)))]  # as in adaptive_log_prob
    >>> lu.adaptive_log_softmax([[1.0, 1.0]] * 2, [0, 3], head, tail, cutoffs=[2], reduction="none")
    array([1.09861229, 1.79175947])
    """
    h, Wh, bh, tails, bounds, y, reduction, dtype = _adaptive_loss_inputs(
        input, target, head_weight, tail_weights, cutoffs, head_bias, reduction
    )

    # 1. The head: the log-probability of y itself (a shortlist class) or of y's cluster.
    cluster = np.searchsorted(bounds, y, side="right")  # 0 for the shortlist, k + 1 for cluster k
    head_entry = np.where(cluster == 0, y, bounds[0] + cluster - 1)
    log_p = _take(log_softmax(h @ Wh.T + bh), head_entry)

    # 2. Each cluster, on its own samples only: plus the cluster's log-probability of y.
    for k, (proj, out) in enumerate(tails):
        rows = cluster == k + 1
        if np.any(rows):  # a cluster no target falls in costs nothing
            log_p[rows] += _take(log_softmax(h[rows] @ proj.T @ out.T), y[rows] - bounds[k])

    return reduce((-log_p).reshape(np.shape(target)), reduction, dtype=dtype)


def adaptive_log_softmax_grad(
    input: ArrayLike,
    target: ArrayLike,
    head_weight: ArrayLike,
    tail_weights: Sequence[tuple[ArrayLike, ArrayLike]],
    *,
    cutoffs: Sequence[int],
    head_bias: ArrayLike | None = None,
    reduction: Reduction = "mean",
) -> tuple[np.ndarray | list[tuple[np.ndarray, np.ndarray]], ...]:
    r"""Gradients of :func:`adaptive_log_softmax`: ``(d_input, d_head_weight, d_tail_weights)``,
    and ``d_head_bias`` fourth when a ``head_bias`` is given; ``d_tail_weights`` mirrors
    ``tail_weights``, a list of pairs ``(d_projection, d_output)`` (zeros for a cluster no
    target falls in).

    In the head and in the sample's cluster, the derivative of :math:`-\log p` with respect to the
    logits is "softmax minus one-hot", :math:`g = p - e_y` (divided by N for ``'mean'``); the chain
    rule takes it back through each linear map :math:`z = A x`: :math:`\partial A = g^\top x`,
    :math:`\partial x = g A`. For ``reduction='none'``, the gradients of the sum of the per-sample
    losses.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> head, tail = np.zeros((3, 2)), [(np.zeros((1, 2)), np.zeros((2, 1)))]
    >>> d_input, d_head, d_tail = lu.adaptive_log_softmax_grad([[1.0, 1.0]], [0], head, tail, cutoffs=[2])
    >>> d_head  # (softmax (1/3, 1/3, 1/3) minus one-hot (1, 0, 0)) times h = (1, 1)
    array([[-0.66666667, -0.66666667],
           [ 0.33333333,  0.33333333],
           [ 0.33333333,  0.33333333]])
    """
    h, Wh, bh, tails, bounds, y, reduction, dtype = _adaptive_loss_inputs(
        input, target, head_weight, tail_weights, cutoffs, head_bias, reduction
    )
    scale = reduce_grad(np.ones(len(h), h.dtype), reduction)  # 1/N for the mean, 1 for a sum

    # 1. The head: g = (softmax - one-hot at y's head entry), then through z = H h + b.
    cluster = np.searchsorted(bounds, y, side="right")
    head_entry = np.where(cluster == 0, y, bounds[0] + cluster - 1)
    g = scale[:, None] * (softmax(h @ Wh.T + bh) - (np.arange(len(Wh)) == head_entry[:, None]))
    d_h = g @ Wh
    d_Wh = g.T @ h
    d_bh = np.sum(g, axis=0)

    # 2. Each cluster, on its own samples: g = softmax - one-hot, back through z = O u and u = P h.
    d_tails = []
    for k, (proj, out) in enumerate(tails):
        rows = cluster == k + 1
        if not np.any(rows):  # no target in this cluster: its weights get no gradient
            d_tails.append((as_result(np.zeros_like(proj), dtype), as_result(np.zeros_like(out), dtype)))
            continue
        u = h[rows] @ proj.T  # the cluster's hidden layer
        g = scale[rows, None] * (softmax(u @ out.T) - (np.arange(len(out)) == y[rows, None] - bounds[k]))
        g_u = g @ out
        d_h[rows] += g_u @ proj
        d_tails.append((as_result(g_u.T @ h[rows], dtype), as_result(g.T @ u, dtype)))

    grads: list[np.ndarray | list[tuple[np.ndarray, np.ndarray]]] = [
        as_result(d_h.reshape(np.shape(input)), dtype),
        as_result(d_Wh, dtype),
        d_tails,
    ]
    if head_bias is not None:
        grads.append(as_result(d_bh, dtype))
    return tuple(grads)
