"""Tests of lossutils.metrics: top-label confidence and the expected calibration error."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lossutils.metrics import calibration_bins, expected_calibration_error, top_label


def reference_ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """Guo et al. (2017), written as the paper states it: bins ((m-1)/M, m/M], weighted gaps."""
    n = len(confidence)
    total = 0.0
    for m in range(1, n_bins + 1):
        lo, hi = (m - 1) / n_bins, m / n_bins
        members = (confidence > lo) & (confidence <= hi)
        if m == 1:
            members |= confidence == 0
        if members.any():
            total += members.sum() / n * abs(correct[members].mean() - confidence[members].mean())
    return total


def test_top_label_binary_and_multiclass():
    conf, correct = top_label([0.9, 0.2, 0.6, 0.5], [1, 0, 0, 1])
    np.testing.assert_allclose(conf, [0.9, 0.8, 0.6, 0.5])
    np.testing.assert_array_equal(correct, [True, True, False, True])
    conf, correct = top_label([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], [1, 2])
    np.testing.assert_allclose(conf, [0.7, 0.5])
    np.testing.assert_array_equal(correct, [True, False])


def test_ece_closed_form_overconfidence():
    # always 90 % sure, right 70 % of the time: ECE = |0.7 - 0.9| = 0.2
    labels = np.array([1] * 7 + [0] * 3)
    assert expected_calibration_error(np.full(10, 0.9), labels) == pytest.approx(0.2)


def test_ece_is_zero_when_each_bin_is_calibrated():
    # 10 samples at confidence 0.8 with 8 right, 10 at 0.6 with 6 right
    probs = np.r_[np.full(10, 0.8), np.full(10, 0.6)]
    labels = np.r_[np.ones(8), np.zeros(2), np.ones(6), np.zeros(4)].astype(int)
    assert expected_calibration_error(probs, labels) == pytest.approx(0.0, abs=1e-12)


def test_ece_matches_the_paper_definition_on_random_data():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(500, 4)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, size=500)
    conf, correct = top_label(probs, labels)
    for n_bins in (1, 5, 10, 15):
        assert expected_calibration_error(probs, labels, n_bins) == pytest.approx(
            reference_ece(conf, correct.astype(float), n_bins), abs=1e-12
        )


def test_ece_with_one_bin_is_gap_between_mean_confidence_and_accuracy():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=200)
    labels = rng.integers(0, 2, size=200)
    conf, correct = top_label(p, labels)
    assert expected_calibration_error(p, labels, n_bins=1) == pytest.approx(abs(correct.mean() - conf.mean()))


def test_calibration_bins_counts_and_empty_bins():
    bins = calibration_bins([0.95, 0.05, 0.55], [1, 1, 1], n_bins=5)
    np.testing.assert_allclose(bins.edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_array_equal(bins.counts, [0, 0, 1, 0, 2])
    assert np.isnan(bins.accuracy[0])
    assert np.isnan(bins.confidence[0])
    assert bins.accuracy[-1] == pytest.approx(0.5)
    assert bins.confidence[-1] == pytest.approx(0.95)


def test_nan_propagates_to_ece():
    assert np.isnan(expected_calibration_error([0.2, np.nan], [0, 1]))


def test_validation_messages():
    with pytest.raises(ValueError, match=re.escape("probs must lie in [0, 1]; found 1.3")):
        expected_calibration_error([0.2, 1.3], [0, 1])
    with pytest.raises(ValueError, match=re.escape("labels holds class 3 but probs describe 2 classes")):
        expected_calibration_error([0.2, 0.3], [0, 3])
    with pytest.raises(ValueError, match=re.escape("labels must have shape (N,) with N = len(probs)")):
        expected_calibration_error([0.2, 0.3], [0, 1, 1])
    with pytest.raises(ValueError, match=re.escape("n_bins must be a positive integer, got 0")):
        expected_calibration_error([0.2], [0], n_bins=0)
    with pytest.raises(ValueError, match="probs is empty"):
        expected_calibration_error([], [])
