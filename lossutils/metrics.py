"""Metrics that sit beside the losses: accuracy and the calibration of predicted probabilities.

A loss is what training minimises; a metric is what we report. This module holds the metrics
the book reports: :func:`accuracy`, and the *expected calibration error* (ECE) of Guo et al.
(2017), which asks whether a model that says "90 % sure" is right 90 % of the time.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, as_index_array

__all__ = ["CalibrationBins", "accuracy", "calibration_bins", "expected_calibration_error", "top_label"]


def accuracy(model: Any, X: ArrayLike, y: ArrayLike) -> float:
    """Share of samples whose predicted class, ``model.predict_class(X)``, equals ``y``.

    Its signature ``metric(model, X, y)`` is what :func:`lossutils.train.fit` expects of
    ``metric``; any model with a ``predict_class`` method will do.

    Examples
    --------
    >>> import numpy as np
    >>> from lossutils.train import LinearModel
    >>> model = LinearModel(weight=np.array([1.0]), bias=0.0, link="sigmoid", threshold=0.5)
    >>> accuracy(model, [[-2.0], [1.0], [3.0]], [0, 1, 0])
    0.6666666666666666
    """
    return float(np.mean(model.predict_class(X) == np.asarray(y)))


class CalibrationBins(NamedTuple):
    """Per-bin summary of top-label confidences (see :func:`calibration_bins`).

    ``confidence`` and ``accuracy`` are NaN in empty bins.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def top_label(probs: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return the top-label confidence of every sample and whether its predicted class is right.

    Parameters
    ----------
    probs : array_like
        Either ``(N,)`` probabilities of the positive class (binary problems; the predicted
        class is 1 where ``p >= 0.5`` and its confidence is ``max(p, 1 - p)``), or ``(N, C)``
        class probabilities (the predicted class is the arg-max, its confidence the maximum).
    labels : array_like of int, shape (N,)
        True classes: 0 or 1 for binary ``probs``, ``0 .. C-1`` otherwise.

    Returns
    -------
    confidence : numpy.ndarray, shape (N,)
    correct : numpy.ndarray of bool, shape (N,)

    Examples
    --------
    >>> conf, correct = top_label([0.9, 0.2, 0.6], [1, 0, 0])
    >>> conf.tolist(), correct.tolist()
    ([0.9, 0.8, 0.6], [True, True, False])
    """
    p = as_float_array(probs, "probs")
    y = as_index_array(labels, "labels")
    if p.ndim not in (1, 2):
        raise ValueError(f"probs must have shape (N,) or (N, C); got probs.shape={p.shape}")
    if y.shape != p.shape[:1]:
        raise ValueError(
            f"labels must have shape (N,) with N = len(probs); got labels.shape={y.shape}, probs.shape={p.shape}"
        )
    finite = p[~np.isnan(p)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        bad = finite.min() if finite.min() < 0 else finite.max()
        raise ValueError(f"probs must lie in [0, 1]; found {bad:g}")
    n_classes = 2 if p.ndim == 1 else p.shape[1]
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad_label = int(y.min() if y.min() < 0 else y.max())
        raise ValueError(f"labels holds class {bad_label} but probs describe {n_classes} classes")
    if p.ndim == 1:
        predicted = (p >= 0.5).astype(np.int64)
        confidence = np.maximum(p, 1.0 - p)
    else:
        predicted = np.argmax(p, axis=1)
        confidence = np.max(p, axis=1)
    return confidence, predicted == y


def calibration_bins(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10) -> CalibrationBins:
    """Group samples into ``n_bins`` equal-width bins of top-label confidence.

    Bin :math:`m` holds the confidences in :math:`((m-1)/M,\\, m/M]` (a confidence of exactly 0
    joins the first bin), as in Guo et al. (2017). For each bin: the number of samples, their
    mean confidence and their accuracy (NaN for an empty bin).

    Examples
    --------
    >>> bins = calibration_bins([0.9, 0.9, 0.6], [1, 0, 1], n_bins=5)
    >>> bins.counts.tolist()
    [0, 0, 1, 0, 2]
    >>> float(bins.accuracy[-1])
    0.5
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    confidence, correct = top_label(probs, labels)
    if np.isnan(confidence).any():
        raise ValueError("probs contains NaN; calibration bins are undefined")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=correct.astype(np.float64), minlength=n_bins) / counts
    return CalibrationBins(edges, counts, mean_conf, accuracy)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10) -> float:
    r"""Expected calibration error of top-label confidences (Guo et al., 2017).

    .. math::

        \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
        \bigl|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\bigr|

    over :math:`M` equal-width bins :math:`B_m` of confidence (see :func:`calibration_bins`).
    0 means perfectly calibrated; the worst possible value is 1.

    Parameters
    ----------
    probs : array_like
        ``(N,)`` probabilities of the positive class, or ``(N, C)`` class probabilities.
    labels : array_like of int, shape (N,)
        True classes.
    n_bins : int, default 10
        Number of equal-width confidence bins.

    Returns
    -------
    float
        The ECE; NaN if ``probs`` holds NaN.

    References
    ----------
    C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On Calibration of Modern Neural Networks",
    ICML 2017.

    Examples
    --------
    A model that is always 90 % sure but right only 8 times out of 10 is over-confident by 0.1:

    >>> probs = [0.9] * 10
    >>> labels = [1] * 8 + [0] * 2
    >>> round(expected_calibration_error(probs, labels), 12)
    0.1
    """
    confidence, _ = top_label(probs, labels)
    if np.isnan(confidence).any():
        return float("nan")
    bins = calibration_bins(probs, labels, n_bins)
    filled = bins.counts > 0
    weights = bins.counts[filled] / bins.counts.sum()
    return float(np.sum(weights * np.abs(bins.accuracy[filled] - bins.confidence[filled])))
