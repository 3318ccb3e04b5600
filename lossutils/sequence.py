r"""Sequence losses: connectionist temporal classification (CTC), from scratch in NumPy.

A model reads T frames (of speech, of handwriting) and gives, for every frame, log-probabilities
over C symbols: the labels and one extra *blank*. The target is a shorter label sequence
:math:`l = (l_1, \dots, l_S)` with no frame-to-label alignment. CTC sums the probability of
every frame-by-frame path :math:`\pi` that *collapses* to :math:`l` — merge repeated symbols,
then drop the blanks, so ``"-aa-b"`` and ``"a--bb"`` both collapse to ``"ab"`` and ``"a-a-b"``
to ``"aab"`` — and its loss is the negative log of that sum.

The sum over the exponentially many paths is a dynamic programme over the *extended* label
sequence :math:`l' = (\varnothing, l_1, \varnothing, l_2, \dots, l_S, \varnothing)` of length
2S + 1 (a blank :math:`\varnothing` before, between and after the labels). A path sits at one
position s of :math:`l'` per frame and, from one frame to the next, either stays at s, moves on
to s + 1, or skips the blank at s + 1 to s + 2 when that blank separates two *different* labels
(between two equal labels the blank is compulsory: ``"aa"`` collapses to ``"a"``). The forward
variables :math:`\alpha_t(s)` sum over the paths' beginnings, the backward variables
:math:`\beta_t(s)` over their ends; both are kept in log space (:func:`numpy.logaddexp`), so
hundreds of frames of small probabilities neither underflow nor lose digits.

:func:`ctc` and :func:`ctc_grad` take PyTorch's arguments (``log_probs`` of shape (T, N, C),
``targets``, ``input_lengths``, ``target_lengths``) and options (``blank``, ``reduction``,
``zero_infinity``); the loss matches :func:`torch.nn.functional.ctc_loss`.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from ._reduction import reduce, reduce_grad
from ._validation import (
    LossValue,
    Reduction,
    as_float_array,
    as_index_array,
    as_lengths,
    check_bool,
    check_reduction,
    computing_dtype,
)

__all__ = ["ctc", "ctc_grad"]


# --------------------------------------------------------------------------------------------
# Inputs: PyTorch's layouts, read into one padded batch
# --------------------------------------------------------------------------------------------


def _ctc_inputs(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    blank: object,
    reduction: object,
    zero_infinity: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, Reduction, bool, np.dtype]:
    """Validate; return the log-probabilities (T, N, C) in the dtype they are computed in, the
    labels (N, S) padded with the blank, the input and target lengths (N,), the blank, the
    reduction, whether the input was one unbatched sequence, and the dtype of the result."""
    red = cast(Reduction, check_reduction(reduction))
    check_bool(zero_infinity, "zero_infinity")
    lp = as_float_array(log_probs, "log_probs")
    if lp.ndim not in (2, 3):
        raise ValueError(f"log_probs must have shape (T, N, C) or (T, C) (one sequence); got shape {lp.shape}")
    unbatched = lp.ndim == 2
    dtype = lp.dtype
    lp = lp[:, None, :] if unbatched else lp  # one sequence is a batch of one
    n_frames, n_samples, n_classes = lp.shape
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < n_classes:
        raise ValueError(f"blank must be an integer in [0, C) = [0, {n_classes}), got {blank!r}")
    length_shape = () if unbatched else (n_samples,)
    in_len = as_lengths(input_lengths, "input_lengths", length_shape, n_frames, "T").reshape(n_samples)
    labels, tg_len = _padded_labels(targets, target_lengths, length_shape, n_samples, int(blank))
    _check_labels(labels, tg_len, n_classes, int(blank))
    return lp.astype(computing_dtype(dtype), copy=False), labels, in_len, tg_len, int(blank), red, unbatched, dtype


def _padded_labels(
    targets: ArrayLike, target_lengths: ArrayLike, length_shape: tuple[int, ...], n_samples: int, blank: int
) -> tuple[np.ndarray, np.ndarray]:
    """The labels as one (N, S) array, each row padded with the blank after its target length,
    from PyTorch's padded (N, S) targets (S for one sequence) or concatenated 1-D targets."""
    y = as_index_array(targets, "targets")
    padded_shape = "(S,)" if not length_shape else f"(N, S) = ({n_samples}, S)"
    if y.ndim == len(length_shape) + 1 and (not length_shape or y.shape[0] == n_samples):  # padded
        y = y if length_shape else y[None, :]
        tg_len = as_lengths(target_lengths, "target_lengths", length_shape, y.shape[1], "S").reshape(n_samples)
        positions = np.arange(y.shape[1])
        return np.where(positions < tg_len[:, None], y, blank), tg_len  # what lies beyond a length is padding
    if y.ndim == 1 and length_shape:  # concatenated: sample n's labels follow sample n - 1's
        tg_len = as_lengths(target_lengths, "target_lengths", length_shape, y.size, "len(targets)")
        if tg_len.sum() != y.size:
            raise ValueError(
                f"targets holds {y.size} labels but target_lengths add up to {tg_len.sum()}; concatenated "
                "(1-D) targets hold every sample's labels, one after another"
            )
        labels = np.full((n_samples, int(tg_len.max(initial=0))), blank, dtype=np.int64)
        starts = np.cumsum(tg_len) - tg_len
        for n, (start, length) in enumerate(zip(starts, tg_len, strict=True)):
            labels[n, :length] = y[start : start + length]
        return labels, tg_len
    concatenated = " or (sum(target_lengths),) (concatenated)" if length_shape else ""
    raise ValueError(f"targets must have shape {padded_shape} (padded){concatenated}; got shape {y.shape}")


def _check_labels(labels: np.ndarray, tg_len: np.ndarray, n_classes: int, blank: int) -> None:
    """Every label within its target length is a class of ``log_probs`` and not the blank."""
    within = np.arange(labels.shape[1]) < tg_len[:, None]
    used = labels[within]
    bad = used[(used < 0) | (used >= n_classes)]
    if bad.size:
        raise ValueError(f"targets holds class {int(bad[0])} but log_probs have {n_classes} classes")
    if np.any(used == blank):
        sample = int(np.nonzero(np.any(within & (labels == blank), axis=1))[0][0])
        raise ValueError(
            f"targets holds the blank ({blank}) as a label of sample {sample}; labels must differ from blank"
        )


# --------------------------------------------------------------------------------------------
# The lattice: extended labels, forward and backward recursions
# --------------------------------------------------------------------------------------------


def _extended_labels(labels: np.ndarray, blank: int) -> np.ndarray:
    """l' = (blank, l_1, blank, l_2, ..., l_S, blank): (N, S) -> (N, 2S + 1)."""
    ext = np.full((labels.shape[0], 2 * labels.shape[1] + 1), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    return ext


def _shift(a: np.ndarray, k: int, fill: object) -> np.ndarray:
    """``a`` moved ``k`` places along its last axis (to higher s for k > 0, lower for k < 0),
    the places left empty filled with ``fill``: ``_shift(alpha, 1, -inf)[s] = alpha[s - 1]``."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _can_skip(ext: np.ndarray, blank: int) -> np.ndarray:
    """Whether a path may reach position s from s - 2, skipping the blank between: only where l'_s
    is a label different from l'_{s-2} (two equal labels need the blank between them)."""
    can_skip: np.ndarray = (ext != blank) & (ext != _shift(ext, 2, blank))
    return can_skip


def _log_sum(terms: ArrayLike, axis: int = 0) -> np.ndarray:
    """log(sum(exp(terms))) along ``axis``, without leaving log space: a term of -inf adds nothing,
    and a nan in ``log_probs`` propagates (as in torch) without NumPy's 'invalid value' warning."""
    with np.errstate(invalid="ignore"):
        total: np.ndarray = np.logaddexp.reduce(np.asarray(terms), axis=axis)
    return total


def _log_alpha(log_probs: np.ndarray, ext: np.ndarray, blank: int) -> np.ndarray:
    """The forward variables: ``log_alpha[t, n, s]`` is the log of the summed probability of the
    paths' first t frames that end at position s of l' (row 0: before any frame, every path sits
    at the first blank with probability 1). Shape (T + 1, N, 2S + 1)."""
    can_skip = _can_skip(ext, blank)
    alpha = np.full(ext.shape, -np.inf, dtype=log_probs.dtype)
    alpha[:, 0] = 0.0  # log 1: the first frame may stay at the first blank or move on to l_1
    alphas = [alpha]
    for frame in log_probs:  # one frame at a time, every position s and every sample at once
        emit = np.take_along_axis(frame, ext, axis=1)  # log y_t(l'_s): this frame emits l'_s
        stay = alpha  # from s: the same symbol again
        advance = _shift(alpha, 1, -np.inf)  # from s - 1: the next symbol of l'
        skip = np.where(can_skip, _shift(alpha, 2, -np.inf), -np.inf)  # from s - 2, over a blank
        alpha = _log_sum([stay, advance, skip]) + emit
        alphas.append(alpha)
    return np.stack(alphas)


def _end_positions(ext: np.ndarray, tg_len: np.ndarray) -> np.ndarray:
    """Where a complete path ends, (N, 2S + 1): at the last blank of l' or at the last label."""
    s = np.arange(ext.shape[1])
    last_blank = 2 * tg_len[:, None]
    at_end: np.ndarray = (s == last_blank) | (s == last_blank - 1)  # for an empty target: the only blank
    return at_end


def _log_likelihood(log_alpha: np.ndarray, ext: np.ndarray, in_len: np.ndarray, tg_len: np.ndarray) -> np.ndarray:
    """log p(l | x) per sample: the forward variables after the sample's last frame, summed over
    the two positions a path may end at. -inf where no path fits in the frames."""
    after_last_frame = log_alpha[in_len, np.arange(len(in_len))]  # (N, 2S + 1)
    at_end = np.where(_end_positions(ext, tg_len), after_last_frame, -np.inf)
    return _log_sum(at_end, axis=1)


def _log_beta(log_probs: np.ndarray, ext: np.ndarray, blank: int, in_len: np.ndarray, tg_len: np.ndarray) -> np.ndarray:
    """The backward variables: ``log_beta[t, n, s]`` is the log of the summed probability of the
    frames t, ..., T_n - 1 still to come for a path at position s after t frames (1 after the
    sample's last frame at an end position; -inf beyond its last frame). Shape (T + 1, N, 2S + 1).

    So ``log_alpha[t + 1] + log_beta[t + 1]`` sums the probability of every path that emits
    frame t at position s."""
    may_skip_ahead = _shift(_can_skip(ext, blank), -2, False)  # from s to s + 2 (as the forward skip)
    done = np.where(_end_positions(ext, tg_len), 0.0, -np.inf).astype(log_probs.dtype)  # log 1 at an end
    n_frames = log_probs.shape[0]
    beta = np.where(in_len[:, None] == n_frames, done, -np.inf)
    betas = [beta]
    for t in range(n_frames - 1, -1, -1):
        emit_next = beta + np.take_along_axis(log_probs[t], ext, axis=1)  # frame t emitted at s, then the rest
        stay = emit_next  # to s
        advance = _shift(emit_next, -1, -np.inf)  # to s + 1
        skip = np.where(may_skip_ahead, _shift(emit_next, -2, -np.inf), -np.inf)  # to s + 2, over a blank
        recursed = _log_sum([stay, advance, skip])
        # after a sample's own last frame (in_len - 1) its path must be done; beyond it, nothing
        frames_left = in_len[:, None] - t  # of sample n after t frames
        beta = np.where(frames_left > 0, recursed, np.where(frames_left == 0, done, -np.inf))
        betas.append(beta)
    return np.stack(betas[::-1])


# --------------------------------------------------------------------------------------------
# The loss and its gradient
# --------------------------------------------------------------------------------------------


def ctc(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: Reduction = "mean",
    zero_infinity: bool = False,
) -> LossValue:
    r"""Connectionist temporal classification (Graves et al., 2006): the negative log-probability
    of a label sequence, summed over every alignment of it to the frames.

    For one sample with frames :math:`t = 1, \dots, T_n` (``input_lengths``), symbol
    log-probabilities :math:`a_t(k)` (``log_probs``; :math:`y_t(k) = e^{a_t(k)}`) and labels
    :math:`l = (l_1, \dots, l_S)` (``targets``, :math:`S` from ``target_lengths``):

    .. math::

        \ell_n = -\log p(l \mid x), \qquad
        p(l \mid x) = \sum_{\pi:\ \mathcal{B}(\pi) = l} \ \prod_{t=1}^{T_n} y_t(\pi_t),

    where :math:`\mathcal{B}` collapses a path :math:`\pi` of :math:`T_n` symbols: merge repeats,
    then drop blanks. The sum is computed by the forward recursion over the extended labels
    :math:`l' = (\varnothing, l_1, \varnothing, \dots, l_S, \varnothing)`,

    .. math::

        \alpha_t(s) = y_t(l'_s)\,\bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
            + [\,l'_s \ne \varnothing,\ l'_s \ne l'_{s-2}\,]\ \alpha_{t-1}(s-2)\bigr),

    starting from :math:`\alpha_0 = (1, 0, \dots, 0)` before the first frame and ending with
    :math:`p(l \mid x) = \alpha_{T_n}(2S + 1) + \alpha_{T_n}(2S)` (positions counted from 1),
    all in log space. A target that no path of :math:`T_n` frames can produce — it needs
    :math:`S` frames plus one blank between every two equal neighbouring labels — gives
    :math:`p = 0` and a loss of ``inf`` (0 with ``zero_infinity=True``). Frames after
    :math:`T_n` and labels after :math:`S` are padding and never read.

    ``reduction='mean'`` divides each :math:`\ell_n` by its target length :math:`\max(S_n, 1)`
    and averages over the batch, as PyTorch does; ``'sum'`` gives :math:`\sum_n \ell_n`,
    ``'none'`` every :math:`\ell_n`.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilities :math:`a_t(k)`, shape (T, N, C), or (T, C) for one sequence; usually
        a log-softmax over the C symbols (not checked, as in PyTorch).
    targets : array_like
        Label indices in [0, C), none equal to ``blank``: padded, shape (N, S) (or (S,) for one
        sequence), of which each row's first ``target_lengths[n]`` are read; or concatenated,
        shape (sum(target_lengths),), every sample's labels one after another. (PyTorch reads
        the (S,) targets of one sequence as concatenated: it requires S = ``target_lengths``.)
    input_lengths : array_like
        Frames of each sample, integers in [0, T], shape (N,) (or () for one sequence).
    target_lengths : array_like
        Labels of each sample, integers >= 0, shape (N,) (or ()); at most S for padded targets.
    blank : int, default 0
        The index of the blank symbol, in [0, C).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-sample losses become the result.
    zero_infinity : bool, default False
        Replace infinite losses (no alignment fits) by 0, and their gradients too.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A NumPy scalar for ``'mean'`` and ``'sum'``; shape (N,) (or () for one sequence) for
        ``'none'``. In the dtype of ``log_probs`` (float16 is computed in float32 and cast
        back; PyTorch's CPU ``ctc_loss`` rejects float16).

    Shape
    -----
    ``log_probs``: (T, N, C) or (T, C); ``targets``: (N, S), (sum(target_lengths),) or (S,);
    ``input_lengths`` and ``target_lengths``: (N,) or ().

    Notes
    -----
    The gradient (see :func:`ctc_grad`) is the posterior probability, given the labels, that
    frame t emits symbol k, with a minus sign:

    .. math::

        \frac{\partial \ell_n}{\partial a_t(k)} = -\gamma_t(k), \qquad
        \gamma_t(k) = \frac{1}{p(l \mid x)} \sum_{s:\ l'_s = k} \alpha_t(s)\, \beta_t(s),

    with the backward variables :math:`\beta_t(s)`, the summed probability of the frames after
    t for a path at :math:`s` at frame t (this :math:`\beta` leaves out :math:`y_t`; Graves'
    includes it and divides by :math:`y_t(k)`). It is 0 on padding frames.

    See Also
    --------
    torch.nn.functional.ctc_loss : the PyTorch twin.

    References
    ----------
    .. [1] A. Graves, S. Fernández, F. Gomez, J. Schmidhuber, "Connectionist Temporal
       Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks",
       ICML 2006.

    Examples
    --------
    Two frames, symbols (blank, a), probability 1/2 each; the target "a" comes from the paths
    "aa", "a-" and "-a", so p = 3/4:

    >>> import numpy as np
    >>> import lossutils as lu
    >>> log_probs = np.log(np.full((2, 2), 0.5))  # (T, C): one sequence
    >>> round(float(lu.ctc(log_probs, [1], 2, 1, reduction="sum")), 4)  # -log(3/4)
    0.2877
    """
    lp, labels, in_len, tg_len, blank, reduction, unbatched, dtype = _ctc_inputs(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
    )
    ext = _extended_labels(labels, blank)  # (N, 2S + 1)
    log_alpha = _log_alpha(lp, ext, blank)  # (T + 1, N, 2S + 1)
    loss = -_log_likelihood(log_alpha, ext, in_len, tg_len)  # inf where no alignment fits
    if zero_infinity:
        loss = np.where(loss == np.inf, 0, loss)
    if reduction == "mean":  # PyTorch's mean for CTC: per label first (a length of 0 counts as 1) ...
        loss = loss / np.maximum(tg_len, 1).astype(loss.dtype)
    return reduce(loss[0] if unbatched else loss, reduction, dtype=dtype)  # ... then over the batch


def ctc_grad(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    reduction: Reduction = "mean",
    zero_infinity: bool = False,
) -> np.ndarray:
    r"""Gradient of :func:`ctc` with respect to ``log_probs``, the shape of ``log_probs``:
    :math:`-\gamma_t(k)`, minus the posterior probability that frame t emits symbol k (Notes of
    :func:`ctc`), 0 on padding frames; ``nan`` where no alignment fits (the loss is ``inf``
    there, as in PyTorch), or 0 with ``zero_infinity=True``; divided by each target length and
    by N for ``reduction='mean'``.

    This is the derivative of :func:`ctc` itself, which finite differences confirm for any
    ``log_probs``. PyTorch's autograd gives :math:`y_t(k) - \gamma_t(k)` instead (it adds
    :math:`y_t(k) = e^{a_t(k)}` on every frame within the input length): Graves' gradient with
    respect to the logits of a softmax, stored as the gradient of ``log_probs``. When
    ``log_probs`` is a log-softmax of logits, the two give the same gradient for the logits,
    :math:`y_t(k) - \gamma_t(k)`, which is what training uses: the log-softmax's backward
    :math:`g \mapsto g - y_t \sum_k g_k` maps :math:`g + c\,y_t` to the same as :math:`g`,
    since :math:`\sum_k y_t(k) = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> log_probs = np.log(np.full((2, 2), 0.5))  # paths "aa", "a-", "-a" of p = 1/4 each
    >>> lu.ctc_grad(log_probs, [1], 2, 1, reduction="sum")  # frame 1 emits "a" in 2 of the 3
    array([[-0.33333333, -0.66666667],
           [-0.33333333, -0.66666667]])
    """
    lp, labels, in_len, tg_len, blank, reduction, unbatched, dtype = _ctc_inputs(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
    )
    n_frames, _, n_classes = lp.shape
    ext = _extended_labels(labels, blank)
    log_alpha = _log_alpha(lp, ext, blank)
    log_beta = _log_beta(lp, ext, blank, in_len, tg_len)
    log_p = _log_likelihood(log_alpha, ext, in_len, tg_len)

    # 1. Occupation: the probability, given the labels, that frame t is emitted at position s:
    #    alpha_t(s) beta_t(s) / p. Where p = 0 (no alignment fits) it is 0 / 0 = nan, as in torch.
    with np.errstate(invalid="ignore"):
        occupation = np.exp(log_alpha[1:] + log_beta[1:] - log_p[:, None])  # (T, N, 2S + 1)

    # 2. gamma_t(k): the occupations of the positions that hold symbol k, added up (a blank
    #    position, or a label that occurs more than once, shares its symbol with others).
    holds_symbol = (ext[..., None] == np.arange(n_classes)).astype(lp.dtype)  # (N, 2S + 1, C)
    g = -np.einsum("tns,nsk->tnk", occupation, holds_symbol)

    # 3. Padding frames are no part of the sample; zero_infinity zeroes the infeasible samples.
    g = np.where((np.arange(n_frames)[:, None] < in_len)[..., None], g, 0)
    if zero_infinity:
        g = np.where(np.isneginf(log_p)[:, None], 0, g)

    # 4. Reduction: 'mean' divides by each sample's target length (at least 1), then by N.
    if reduction == "mean":
        g = g / np.maximum(tg_len, 1).astype(g.dtype)[:, None]  # (N, 1) against (T, N, C)
    return reduce_grad(g[:, 0] if unbatched else g, reduction, divisor=len(in_len), dtype=dtype)
