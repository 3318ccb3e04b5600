"""Bad input to the classification losses: the right exception with the exact message.

Every loss and its gradient validate the same way, so each row is checked on both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import lossutils as lu

LOGITS = np.zeros((4, 5))
INDEX = np.array([0, 1, 4, 2])
PROB = np.full((4, 3), 0.5)

# (loss, first argument, target, options, exception, exact message)
Case = tuple[Callable[..., np.ndarray], Any, Any, dict[str, Any], type[Exception], str]

CASES: dict[str, Case] = {
    # class indices out of range (ignore_index aside)
    "ce_class_too_large": (
        lu.cross_entropy,
        LOGITS,
        [0, 7, 1, 2],
        {},
        ValueError,
        "target holds class 7 but logits have 5 classes",
    ),
    "ce_negative_class": (
        lu.cross_entropy,
        LOGITS,
        [0, -1, 1, 2],
        {},
        ValueError,
        "target holds class -1 but logits have 5 classes",
    ),
    "ce_default_ignore_index_is_not_a_class_once_changed": (
        lu.cross_entropy,
        LOGITS,
        [0, -100, 1, 2],
        {"ignore_index": 3},
        ValueError,
        "target holds class -100 but logits have 5 classes",
    ),
    "ce_spatial_class_too_large": (
        lu.cross_entropy,
        np.zeros((2, 3, 4)),
        [[0, 1, 2, 3], [0, 1, 2, 0]],
        {},
        ValueError,
        "target holds class 3 but logits have 3 classes",
    ),
    "nll_class_too_large": (
        lu.nll_loss,
        LOGITS,
        [0, 5, 1, 2],
        {},
        ValueError,
        "target holds class 5 but log_probs have 5 classes",
    ),
    "focal_class_too_large": (
        lu.focal_loss,
        LOGITS,
        [9, 0, 1, 2],
        {},
        ValueError,
        "target holds class 9 but logits have 5 classes",
    ),
    "focal_has_no_ignore_index": (
        lu.focal_loss,
        LOGITS,
        [0, -100, 1, 2],
        {},
        ValueError,
        "target holds class -100 but logits have 5 classes",
    ),
    "multiclass_hinge_class_too_large": (
        lu.multiclass_hinge,
        LOGITS,
        [0, 1, 5, 2],
        {},
        ValueError,
        "target holds class 5 but scores have 5 classes",
    ),
    # probabilities outside [0, 1]
    "bce_prob_above_one": (
        lu.binary_cross_entropy,
        [0.2, 1.3],
        [0.0, 1.0],
        {},
        ValueError,
        "prob must lie in [0, 1]; found 1.3",
    ),
    "bce_prob_float32_above_one": (
        lu.binary_cross_entropy,
        np.array([0.2, 1.3], dtype=np.float32),
        [0.0, 1.0],
        {},
        ValueError,
        "prob must lie in [0, 1]; found 1.3",
    ),
    "bce_prob_negative": (
        lu.binary_cross_entropy,
        [-0.5, 0.5],
        [0.0, 1.0],
        {},
        ValueError,
        "prob must lie in [0, 1]; found -0.5",
    ),
    "bce_target_above_one": (
        lu.binary_cross_entropy,
        [0.2, 0.3],
        [0.0, 1.5],
        {},
        ValueError,
        "target must lie in [0, 1]; found 1.5",
    ),
    # hinge labels
    "hinge_target_zero": (
        lu.hinge,
        [0.5, -0.5],
        [1, 0],
        {},
        ValueError,
        "target must hold -1 or +1 labels; found 0",
    ),
    "squared_hinge_target_two": (
        lu.squared_hinge,
        [0.5, -0.5],
        [2, -1],
        {},
        ValueError,
        "target must hold -1 or +1 labels; found 2",
    ),
    # shape mismatches
    "bce_shapes": (
        lu.binary_cross_entropy,
        [0.5, 0.5, 0.5],
        [0.0, 1.0, 1.0, 0.0],
        {},
        ValueError,
        "prob and target must have the same shape; got prob.shape=(3,), target.shape=(4,)",
    ),
    "bce_logits_no_broadcast": (
        lu.binary_cross_entropy_with_logits,
        np.zeros((4, 1)),
        np.zeros(4),
        {},
        ValueError,
        "logits and target must have the same shape; got logits.shape=(4, 1), target.shape=(4,)",
    ),
    "hinge_shapes": (
        lu.hinge,
        [0.5, 0.5],
        [1, -1, 1],
        {},
        ValueError,
        "scores and target must have the same shape; got scores.shape=(2,), target.shape=(3,)",
    ),
    "kl_shapes": (
        lu.kl_div,
        np.zeros((2, 3)),
        np.zeros((3, 2)),
        {},
        ValueError,
        "log_pred and target must have the same shape; got log_pred.shape=(2, 3), target.shape=(3, 2)",
    ),
    "ce_target_length": (
        lu.cross_entropy,
        np.zeros((4, 3)),
        [0, 1, 2, 0, 1],
        {},
        ValueError,
        "target must have shape (N,) = (4,) (class indices) or (N, C) = (4, 3) (class probabilities); got shape (5,)",
    ),
    "ce_probability_target_shape": (
        lu.cross_entropy,
        np.zeros((4, 3)),
        np.zeros((4, 2)),
        {},
        ValueError,
        "target must have shape (N,) = (4,) (class indices) or (N, C) = (4, 3) (class probabilities); got shape (4, 2)",
    ),
    "ce_single_sample_target": (
        lu.cross_entropy,
        np.zeros(3),
        [[1]],
        {},
        ValueError,
        "target must have shape () = () (class indices) or (C,) = (3,) (class probabilities); got shape (1, 1)",
    ),
    "ce_spatial_target": (
        lu.cross_entropy,
        np.zeros((2, 3, 4)),
        np.zeros((2, 5), dtype=int),
        {},
        ValueError,
        "target must have shape (N, d1, ...) = (2, 4) (class indices) or (N, C, d1, ...) = (2, 3, 4) "
        "(class probabilities); got shape (2, 5)",
    ),
    "nll_probability_target": (
        lu.nll_loss,
        np.zeros((4, 3)),
        np.zeros((4, 3), dtype=int),
        {},
        ValueError,
        "target must have shape (N,) = (4,); got shape (4, 3)",
    ),
    "focal_probability_target": (
        lu.focal_loss,
        np.zeros((4, 3)),
        np.full((4, 3), 1 / 3),
        {},
        TypeError,
        "target must hold integer class indices; got non-integer values of dtype float64",
    ),
    "multiclass_hinge_target_length": (
        lu.multiclass_hinge,
        np.zeros((4, 3)),
        [0, 1],
        {},
        ValueError,
        "target must have shape (N,) = (4,); got shape (2,)",
    ),
    # wrong number of dimensions
    "ce_scalar_logits": (
        lu.cross_entropy,
        1.0,
        0,
        {},
        ValueError,
        "logits must have shape (N, C), (C,) or (N, C, d1, ...); got shape ()",
    ),
    "multiclass_hinge_vector_scores": (
        lu.multiclass_hinge,
        np.zeros(5),
        0,
        {},
        ValueError,
        "scores must have shape (N, C); got shape (5,)",
    ),
    "multiclass_hinge_3d_scores": (
        lu.multiclass_hinge,
        np.zeros((2, 3, 4)),
        np.zeros((2, 4), dtype=int),
        {},
        ValueError,
        "scores must have shape (N, C); got shape (2, 3, 4)",
    ),
    # options out of range
    "focal_negative_gamma": (
        lu.focal_loss,
        LOGITS,
        INDEX,
        {"gamma": -1.0},
        ValueError,
        "gamma must be >= 0 and finite, got -1.0",
    ),
    "focal_gamma_not_a_number": (
        lu.focal_loss,
        LOGITS,
        INDEX,
        {"gamma": "2"},
        TypeError,
        "gamma must be a real number, got str",
    ),
    "ce_label_smoothing_above_one": (
        lu.cross_entropy,
        LOGITS,
        INDEX,
        {"label_smoothing": 1.5},
        ValueError,
        "label_smoothing must lie in [0, 1], got 1.5",
    ),
    "ce_label_smoothing_negative": (
        lu.cross_entropy,
        LOGITS,
        INDEX,
        {"label_smoothing": -0.1},
        ValueError,
        "label_smoothing must lie in [0, 1], got -0.1",
    ),
    "ce_ignore_index_not_int": (
        lu.cross_entropy,
        LOGITS,
        INDEX,
        {"ignore_index": 1.5},
        TypeError,
        "ignore_index must be an integer, got float",
    ),
    "hinge_margin_nan": (
        lu.hinge,
        [0.5],
        [1],
        {"margin": float("nan")},
        ValueError,
        "margin must lie in (-inf, inf), got nan",
    ),
    "multiclass_hinge_unknown_variant": (
        lu.multiclass_hinge,
        LOGITS,
        INDEX,
        {"variant": "ww"},
        ValueError,
        "variant must be 'weston_watkins' or 'crammer_singer', got 'ww'",
    ),
    # non-numeric data
    "ce_string_logits": (
        lu.cross_entropy,
        [["a", "b"]],
        [0],
        {},
        TypeError,
        "logits must hold real numbers; got dtype <U1",
    ),
    "ce_string_target": (
        lu.cross_entropy,
        LOGITS,
        ["a", "b", "c", "d"],
        {},
        TypeError,
        "target must hold integer class indices; got dtype <U1",
    ),
    "ce_fractional_target": (
        lu.cross_entropy,
        LOGITS,
        [0.5, 1.0, 2.0, 3.0],
        {},
        TypeError,
        "target must hold integer class indices; got non-integer values of dtype float64",
    ),
    "bce_string_prob": (
        lu.binary_cross_entropy,
        ["0.5"],
        [1.0],
        {},
        TypeError,
        "prob must hold real numbers; got dtype <U3",
    ),
    "hinge_object_target": (
        lu.hinge,
        [0.5],
        [None],
        {},
        TypeError,
        "target must hold real numbers; got dtype object",
    ),
    "kl_string_target": (lu.kl_div, [0.0], ["x"], {}, TypeError, "target must hold real numbers; got dtype <U1"),
    # weights of the wrong size
    "ce_weight_length": (
        lu.cross_entropy,
        LOGITS,
        INDEX,
        {"weight": [1.0, 2.0, 3.0]},
        ValueError,
        "weight must have shape (C,) = (5,); got shape (3,)",
    ),
    "ce_weight_matrix": (
        lu.cross_entropy,
        LOGITS,
        INDEX,
        {"weight": np.ones((1, 5))},
        ValueError,
        "weight must have shape (C,) = (5,); got shape (1, 5)",
    ),
    "nll_weight_length": (
        lu.nll_loss,
        LOGITS,
        INDEX,
        {"weight": np.ones(6)},
        ValueError,
        "weight must have shape (C,) = (5,); got shape (6,)",
    ),
    "focal_weight_empty": (
        lu.focal_loss,
        LOGITS,
        INDEX,
        {"weight": []},
        ValueError,
        "weight must have shape (C,) = (5,); got shape (0,)",
    ),
    "bce_weight_not_broadcastable": (
        lu.binary_cross_entropy,
        PROB,
        PROB,
        {"weight": [1.0, 2.0]},
        ValueError,
        "weight with shape (2,) cannot be broadcast to prob.shape=(4, 3)",
    ),
    "bce_weight_larger_than_prob": (
        lu.binary_cross_entropy,
        PROB,
        PROB,
        {"weight": np.ones((2, 4, 3))},
        ValueError,
        "weight with shape (2, 4, 3) cannot be broadcast to prob.shape=(4, 3)",
    ),
    "bce_logits_pos_weight_length": (
        lu.binary_cross_entropy_with_logits,
        PROB,
        PROB,
        {"pos_weight": [1.0, 2.0, 3.0, 4.0]},
        ValueError,
        "pos_weight with shape (4,) cannot be broadcast to logits.shape=(4, 3)",
    ),
}

# An empty input and an unknown reduction, for every loss and its gradient: tests/test_common.py.


def _gradient_of(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    grad = getattr(lu, fn.__name__ + "_grad")
    assert callable(grad)
    return grad


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("gradient", [False, True], ids=["loss", "grad"])
def test_bad_input_raises_with_exact_message(case: str, gradient: bool) -> None:
    fn, first, target, options, exc, message = CASES[case]
    fn = _gradient_of(fn) if gradient else fn
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn(first, target, **options)


def test_ragged_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="^" + re.escape("prob must be an array of real numbers; got list")):
        lu.binary_cross_entropy([[0.5], [0.5, 0.5]], [[1.0], [1.0, 0.0]])
    with pytest.raises(TypeError, match="^" + re.escape("target must be an array of real numbers; got list")):
        lu.cross_entropy(LOGITS, [[0], [1, 2]])


def test_ignored_targets_are_not_range_checked_and_nan_is_not_an_error() -> None:
    """Only real mistakes raise: an ignored target may be any number; nan data propagates."""
    assert np.isfinite(lu.cross_entropy(LOGITS, [0, -1, 1, 2], ignore_index=-1))
    assert np.isfinite(lu.nll_loss(LOGITS, [0, 99, 1, 2], ignore_index=99))
    assert np.isnan(lu.binary_cross_entropy([np.nan, 0.5], [1.0, 0.0]))
    assert np.isnan(lu.binary_cross_entropy([0.5, 0.5], [np.nan, 0.0]))
    assert np.isnan(lu.hinge([0.5, 0.5], [np.nan, 1.0]))
    assert np.isnan(lu.cross_entropy([[np.nan, 0.0]], [0]))


def test_one_class_and_boundary_options_are_accepted() -> None:
    """Edges that are valid: label_smoothing 0 and 1, gamma 0, soft labels, a single class, tensors."""
    assert np.isfinite(lu.cross_entropy(LOGITS, INDEX, label_smoothing=1.0))
    assert np.isfinite(lu.focal_loss(LOGITS, INDEX, gamma=0))
    assert np.isfinite(lu.binary_cross_entropy([0.0, 1.0], [0.3, 0.7]))
    assert float(lu.multiclass_hinge(np.zeros((3, 1)), [0, 0, 0], variant="crammer_singer")) == 0.0
    assert float(lu.multiclass_hinge(np.zeros((3, 1)), [0, 0, 0])) == 0.0
    assert np.isfinite(lu.cross_entropy(torch.zeros(4, 5), torch.tensor(INDEX)))


@pytest.mark.parametrize(
    ("fn", "first"),
    [
        (lu.cross_entropy, LOGITS),
        (lu.cross_entropy_grad, LOGITS),
        (lu.nll_loss, LOGITS),
        (lu.nll_loss_grad, LOGITS),
        (lu.focal_loss, LOGITS),
        (lu.multiclass_hinge_grad, LOGITS),
    ],
    ids=lambda v: getattr(v, "__name__", "logits"),
)
@pytest.mark.parametrize("huge", [1e20, -1e20])
def test_a_float_class_beyond_int64_is_reported_as_given(
    fn: Callable[..., np.ndarray], first: np.ndarray, huge: float
) -> None:
    # it used to be cast to int64 first, and reported as class -9223372036854775808
    with pytest.raises(ValueError, match=re.escape(f"target holds class {huge:g}")):
        fn(first, np.array([0.0, huge, 1.0, 2.0]))


def test_a_float_label_beyond_int64_is_reported_as_given_by_the_metrics() -> None:
    with pytest.raises(ValueError, match=re.escape("labels holds class 1e+20")):
        lu.metrics.top_label([0.9, 0.2], np.array([1.0, 1e20]))


@pytest.mark.parametrize("flag", ["no", "False", 0, 1, None, np.float64(1.0)], ids=repr)
@pytest.mark.parametrize("fn", [lu.kl_div, lu.kl_div_grad], ids=lambda f: f.__name__)
def test_log_target_must_be_a_bool(fn: Callable[..., np.ndarray], flag: object) -> None:
    # torch: "kl_div(): argument 'log_target' must be bool, not str"; the truth value of "no" is True
    with pytest.raises(TypeError, match="log_target must be a bool"):
        fn(np.log(PROB), PROB, log_target=flag)


@pytest.mark.parametrize("fn", [lu.kl_div, lu.kl_div_grad], ids=lambda f: f.__name__)
def test_log_target_accepts_python_and_numpy_bools(fn: Callable[..., np.ndarray]) -> None:
    for flag in (True, False):
        np.testing.assert_array_equal(
            fn(np.log(PROB), PROB, log_target=np.bool_(flag)), fn(np.log(PROB), PROB, log_target=flag)
        )
