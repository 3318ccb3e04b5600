"""Losses over classes with float16 scores and unusual index dtypes (regression tests)."""

from __future__ import annotations

import numpy as np
import pytest

import lossutils as lu

CLASS_LOSSES = [
    (lu.cross_entropy, lu.cross_entropy_grad, {}),
    (lu.cross_entropy, lu.cross_entropy_grad, {"label_smoothing": 0.1, "weight": [1.0, 2.0, 0.5]}),
    (lu.focal_loss, lu.focal_loss_grad, {}),
    (lu.multiclass_hinge, lu.multiclass_hinge_grad, {}),
    (lu.multiclass_hinge, lu.multiclass_hinge_grad, {"variant": "crammer_singer"}),
]


@pytest.mark.parametrize(("fn", "grad_fn", "options"), CLASS_LOSSES)
def test_float16_scores_are_computed_in_float32_and_returned_in_float16(fn, grad_fn, options) -> None:
    # 70,000 samples: float16 (max 65504) cannot even count them, let alone sum their losses
    rng = np.random.default_rng(0)
    z16 = (3 * rng.normal(size=(70_000, 3))).astype(np.float16)
    y = rng.integers(0, 3, size=70_000)
    value = fn(z16, y, **options)
    assert value.dtype == np.float16
    assert np.isfinite(value)
    assert value == np.float16(fn(z16.astype(np.float32), y, **options))
    grad = grad_fn(z16[:50], y[:50], **options)
    assert grad.dtype == np.float16
    np.testing.assert_array_equal(grad, grad_fn(z16[:50].astype(np.float32), y[:50], **options).astype(np.float16))


def test_nll_loss_of_float16_log_probabilities() -> None:
    log_p = np.log(np.full((70_000, 2), 0.5)).astype(np.float16)
    y = np.zeros(70_000, dtype=int)
    assert lu.nll_loss(log_p, y).dtype == np.float16
    assert lu.nll_loss(log_p, y) == np.float16(np.log(2))


def test_uint64_class_indices_beyond_int64_are_reported_not_wrapped() -> None:
    target = np.array([2**63 + 5], dtype=np.uint64)  # a cast to int64 would make it negative
    with pytest.raises(ValueError, match="holds class 9223372036854775813"):
        lu.cross_entropy([[0.0, 1.0]], target)
    assert lu.cross_entropy([[0.0, 1.0]], np.array([1], dtype=np.uint64)) == lu.cross_entropy([[0.0, 1.0]], [1])
