"""The multi-label losses: options, shapes, the three target formats, documented relations and
documented differences from PyTorch, and their bad-input messages.

The common checks (values and gradients against torch for every reduction, finite differences,
dtypes, NaN, extremes) run over the registry in tests/test_common.py; this file holds what is
specific to multilabel_soft_margin and multilabel_margin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from references import padded_target

import lossutils as lu

REDUCTIONS = ("mean", "sum", "none")
RTOL, ATOL = 1e-10, 1e-12


def torch_value_and_grad(
    ref: Callable[[torch.Tensor], torch.Tensor], first: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value of ``ref(first)`` and the gradient of its sum with respect to ``first``."""
    x = torch.tensor(first, dtype=torch.float64, requires_grad=True)
    out = ref(x)
    out.sum().backward()
    assert x.grad is not None
    return out.detach().numpy(), x.grad.numpy()


def data(seed: int = 0, n: int = 6, n_classes: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Scores (n, C) and a multi-hot target whose rows include one without labels and one with all."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=(n, n_classes)).astype(np.float64)
    labels[0], labels[1] = 0.0, 1.0
    return 2 * rng.normal(size=(n, n_classes)), labels


# -- multilabel_soft_margin ------------------------------------------------------------------------

WEIGHTS: dict[str, Callable[[np.random.Generator], np.ndarray | None]] = {
    "none": lambda rng: None,
    "per label (C,)": lambda rng: rng.uniform(0.2, 3.0, size=5),
    "per entry (N, C)": lambda rng: rng.uniform(0.2, 3.0, size=(6, 5)),
    "per sample (N, 1)": lambda rng: rng.uniform(0.2, 3.0, size=(6, 1)),
}


@pytest.mark.parametrize("weight_kind", list(WEIGHTS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_weights_match_torch(reduction: str, weight_kind: str) -> None:
    z, y = data()
    w = WEIGHTS[weight_kind](np.random.default_rng(1))
    w_t = None if w is None else torch.tensor(w)
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.multilabel_soft_margin_loss(x, torch.tensor(y), weight=w_t, reduction=reduction), z
    )
    np.testing.assert_allclose(lu.multilabel_soft_margin(z, y, weight=w, reduction=reduction), ref_value, RTOL, ATOL)
    np.testing.assert_allclose(
        lu.multilabel_soft_margin_grad(z, y, weight=w, reduction=reduction), ref_grad, RTOL, ATOL
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_is_the_mean_over_labels_of_bce_with_logits(reduction: str) -> None:
    z, y = data(seed=2)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=5)
    per_label = lu.binary_cross_entropy_with_logits(z, y, weight=w, reduction="none")  # (N, C)
    per_label_grad = lu.binary_cross_entropy_with_logits_grad(z, y, weight=w, reduction="none")
    expected = {"none": per_label.mean(axis=1), "sum": per_label.mean(axis=1).sum(), "mean": per_label.mean()}
    expected_grad = {"none": per_label_grad / 5, "sum": per_label_grad / 5, "mean": per_label_grad / z.size}
    np.testing.assert_allclose(
        lu.multilabel_soft_margin(z, y, weight=w, reduction=reduction), expected[reduction], 1e-14
    )
    np.testing.assert_allclose(
        lu.multilabel_soft_margin_grad(z, y, weight=w, reduction=reduction), expected_grad[reduction], 1e-14
    )
    # and torch's own BCE with logits, averaged over the labels
    torch_bce = F.binary_cross_entropy_with_logits(
        torch.tensor(z), torch.tensor(y), weight=torch.tensor(w), reduction="none"
    )
    np.testing.assert_allclose(lu.multilabel_soft_margin(z, y, weight=w, reduction="none"), torch_bce.mean(dim=1), RTOL)


def test_soft_margin_of_one_sample_and_soft_labels_match_torch() -> None:
    z, y = np.array([1.5, -0.5, 3.0]), np.array([1.0, 0.25, 0.0])  # (C,), one soft label
    for reduction in REDUCTIONS:
        value = lu.multilabel_soft_margin(z, y, reduction=reduction)
        ref_value, ref_grad = torch_value_and_grad(
            lambda x, r=reduction: F.multilabel_soft_margin_loss(x, torch.tensor(y), reduction=r), z
        )
        assert np.shape(value) == ref_value.shape == ()
        np.testing.assert_allclose(value, ref_value, RTOL, ATOL)
        np.testing.assert_allclose(lu.multilabel_soft_margin_grad(z, y, reduction=reduction), ref_grad, RTOL, ATOL)


def test_soft_margin_docstring_example_by_hand() -> None:
    assert float(lu.multilabel_soft_margin([[0.0, 0.0, 0.0]], [[1, 0, 1]])) == pytest.approx(np.log(2), rel=1e-15)
    np.testing.assert_array_equal(lu.multilabel_soft_margin_grad([[0.0, 0.0]], [[1, 0]]), [[-0.25, 0.25]])


# -- multilabel_margin: the formats ----------------------------------------------------------------


def test_the_three_target_formats_give_the_same_loss() -> None:
    s, hot = data(seed=4)
    lists = [list(np.flatnonzero(row)) for row in hot]
    padded = padded_target(hot)
    for reduction in REDUCTIONS:
        for fn in (lu.multilabel_margin, lu.multilabel_margin_grad):
            expected = fn(s, padded, reduction=reduction)
            np.testing.assert_array_equal(fn(s, lists, target_format="lists", reduction=reduction), expected)
            np.testing.assert_array_equal(fn(s, hot, target_format="multi_hot", reduction=reduction), expected)
            np.testing.assert_array_equal(
                fn(s, hot.astype(bool), target_format="multi_hot", reduction=reduction), expected
            )


def test_lists_may_be_ragged_in_any_order_and_of_any_sequence_type() -> None:
    s = np.array([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0], [0.0, 1.0, 2.0, 3.0]])
    lists = [(3, 0), np.array([], dtype=int), torch.tensor([2, 1, 3])]
    padded = [[3, 0, -1, -1], [-1, -1, -1, -1], [2, 1, 3, -1]]
    np.testing.assert_array_equal(
        lu.multilabel_margin(s, lists, target_format="lists", reduction="none"),
        lu.multilabel_margin(s, padded, reduction="none"),
    )
    ref = F.multilabel_margin_loss(torch.tensor(s), torch.tensor(padded), reduction="none")
    np.testing.assert_allclose(lu.multilabel_margin(s, lists, target_format="lists", reduction="none"), ref, RTOL, ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_padded_targets_end_at_the_first_minus_one_as_in_torch(reduction: str) -> None:
    s = np.array([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0], [1.0, 0.0, -1.0, 0.5]])
    padded = np.array([[3, 0, -1, 1], [-1, 2, 3, 0], [2, 0, 1, 3]])  # after the -1: ignored; no -1: all four
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.multilabel_margin_loss(x, torch.tensor(padded), reduction=reduction), s
    )
    np.testing.assert_allclose(lu.multilabel_margin(s, padded, reduction=reduction), ref_value, RTOL, ATOL)
    np.testing.assert_allclose(lu.multilabel_margin_grad(s, padded, reduction=reduction), ref_grad, RTOL, ATOL)
    assert np.all(lu.multilabel_margin(s, padded, reduction="none")[1:] == 0.0)  # no labels, all labels: no pairs
    lists = [[3, 0], [], [2, 0, 1, 3]]
    np.testing.assert_array_equal(
        lu.multilabel_margin(s, padded, reduction=reduction),
        lu.multilabel_margin(s, lists, target_format="lists", reduction=reduction),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_one_sample_of_shape_c_matches_torch(reduction: str) -> None:
    s, padded = np.array([0.1, 0.2, 0.4, 0.8]), np.array([3, 0, -1, 1])
    value = lu.multilabel_margin(s, padded, reduction=reduction)
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.multilabel_margin_loss(x, torch.tensor(padded), reduction=reduction), s
    )
    assert np.shape(value) == ref_value.shape == ()  # 'none' too: one sample, one 0-d loss
    np.testing.assert_allclose(value, ref_value, RTOL, ATOL)
    grad = lu.multilabel_margin_grad(s, padded, reduction=reduction)
    assert grad.shape == (4,)
    np.testing.assert_allclose(grad, ref_grad, RTOL, ATOL)
    assert float(lu.multilabel_margin(s, [3, 0], target_format="lists")) == pytest.approx(0.85, rel=1e-15)
    assert float(lu.multilabel_margin(s, [1, 0, 0, 1], target_format="multi_hot")) == pytest.approx(0.85, rel=1e-15)


def test_a_multi_hot_matrix_is_never_guessed() -> None:
    s = np.array([[0.1, 0.2, 0.4, 0.8]])
    hot = np.array([[1, 0, 0, 1]])
    # read as padded, as torch reads it, the 0/1 row lists classes 1, 0, 0 and 1: torch counts 0 and 1 twice ...
    twice = F.multilabel_margin_loss(torch.tensor(s), torch.tensor(hot), reduction="none")
    once = F.multilabel_margin_loss(torch.tensor(s), torch.tensor([[1, 0, -1, -1]]), reduction="none")
    np.testing.assert_allclose(twice, 2 * once, RTOL)
    # ... lossutils rejects it, and reads it as labels {0, 3} only when told
    with pytest.raises(ValueError, match=re.escape("target lists class 0 more than once for sample 0")):
        lu.multilabel_margin(s, hot)
    np.testing.assert_allclose(
        lu.multilabel_margin(s, hot, target_format="multi_hot"), lu.multilabel_margin(s, [[0, 3, -1, -1]]), RTOL
    )


# -- multilabel_margin: relations and documented behaviour ----------------------------------------


def test_with_one_label_per_sample_it_is_weston_watkins_divided_by_c() -> None:
    rng = np.random.default_rng(5)
    s, y = rng.normal(size=(8, 4)), rng.integers(0, 4, size=8)
    lists = [[c] for c in y]
    np.testing.assert_allclose(
        lu.multilabel_margin(s, lists, target_format="lists", reduction="none"),
        lu.multiclass_hinge(s, y, reduction="none") / 4,
        RTOL,
    )
    np.testing.assert_allclose(
        lu.multilabel_margin_grad(s, lists, target_format="lists"), lu.multiclass_hinge_grad(s, y) / 4, RTOL
    )


def test_pairs_exactly_at_the_margin_have_no_gradient_as_in_torch() -> None:
    s, padded = np.array([[1.0, 0.0, 0.5]]), np.array([[0, -1, 0]])  # 1 - (s_0 - s_1) = 0 exactly
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.multilabel_margin_loss(x, torch.tensor(padded), reduction="sum"), s
    )
    np.testing.assert_array_equal(lu.multilabel_margin_grad(s, padded, reduction="sum"), ref_grad)
    np.testing.assert_array_equal(ref_grad, [[-1 / 3, 0.0, 1 / 3]])  # only the pair with class 2 is within the margin
    assert float(lu.multilabel_margin(s, padded, reduction="sum")) == pytest.approx(float(ref_value), rel=1e-15)


def test_nan_scores_propagate_where_torch_skips_the_pair() -> None:
    s, padded = np.array([[0.1, 0.2, 0.4, np.nan], [0.3, -0.2, 0.5, 1.0]]), np.array([[3, 0, -1, 1], [1, 2, 3, 0]])
    ours = lu.multilabel_margin(s, padded, reduction="none")
    theirs = F.multilabel_margin_loss(torch.tensor(s), torch.tensor(padded), reduction="none").numpy()
    assert np.isnan(ours[0])
    assert np.isfinite(theirs[0])
    assert ours[1] == theirs[1]


def test_dtypes_scores_keep_theirs_and_the_target_does_not_promote() -> None:
    s, hot = data(seed=6)
    for dtype in (np.float32, np.float64, np.float16):
        for target, fmt in ((padded_target(hot), "padded"), (hot, "multi_hot")):  # a float64 0/1 matrix: a mask
            assert lu.multilabel_margin(s.astype(dtype), target, target_format=fmt).dtype == dtype
            assert lu.multilabel_margin_grad(s.astype(dtype), target, target_format=fmt).dtype == dtype
    assert lu.multilabel_margin(np.arange(4), [0, -1, 0, 0]).dtype == np.float64  # integer scores: float64
    # torch has no float16 kernel on the CPU; float32 keeps float32 there too
    assert (
        F.multilabel_margin_loss(torch.tensor(s, dtype=torch.float32), torch.tensor(padded_target(hot))).dtype
        == torch.float32
    )


def test_tensors_are_read_as_arrays() -> None:
    s, hot = data(seed=7)
    expected = lu.multilabel_margin(s, padded_target(hot))
    assert lu.multilabel_margin(torch.tensor(s), torch.tensor(padded_target(hot))) == expected
    assert lu.multilabel_soft_margin(torch.tensor(s), torch.tensor(hot)) == lu.multilabel_soft_margin(s, hot)


# -- bad input --------------------------------------------------------------------------------------

S = np.zeros((2, 4))
# (loss, first argument, target, options, exception, exact message)
Case = tuple[Callable[..., Any], Any, Any, dict[str, Any], type[Exception], str]
CASES: dict[str, Case] = {
    "padded_class_too_large": (
        lu.multilabel_margin,
        S,
        [[0, 4, -1, -1], [1, -1, -1, -1]],
        {},
        ValueError,
        "target holds 4, but padded targets hold classes in [0, 4) or -1 (the end of the labels)",
    ),
    "padded_checked_after_the_end_too": (
        lu.multilabel_margin,
        S,
        [[0, -1, 9, -1], [1, -1, -1, -1]],
        {},
        ValueError,
        "target holds 9, but padded targets hold classes in [0, 4) or -1 (the end of the labels)",
    ),
    "padded_below_minus_one": (
        lu.multilabel_margin,
        S,
        [[0, -2, -1, -1], [1, -1, -1, -1]],
        {},
        ValueError,
        "target holds -2, but padded targets hold classes in [0, 4) or -1 (the end of the labels)",
    ),
    "padded_duplicate": (
        lu.multilabel_margin,
        S,
        [[0, 1, -1, -1], [2, 3, 2, -1]],
        {},
        ValueError,
        "target lists class 2 more than once for sample 1; a set of labels holds each class once",
    ),
    "padded_shape": (
        lu.multilabel_margin,
        S,
        [[0, -1, -1], [1, -1, -1]],
        {},
        ValueError,
        "target must have the shape of scores, (2, 4), in the padded format (class indices padded with -1); "
        "got shape (2, 3)",
    ),
    "padded_fractional": (
        lu.multilabel_margin,
        S,
        [[0.5, -1, -1, -1], [1, -1, -1, -1]],
        {},
        TypeError,
        "target must hold integer class indices; got non-integer values of dtype float64",
    ),
    "lists_count": (
        lu.multilabel_margin,
        S,
        [[0, 1]],
        {"target_format": "lists"},
        ValueError,
        "target must hold one list of labels per sample, 2; got 1",
    ),
    "lists_minus_one": (
        lu.multilabel_margin,
        S,
        [[0, -1], [1]],
        {"target_format": "lists"},
        ValueError,
        "target holds -1, but lists targets hold classes in [0, 4)",
    ),
    "lists_duplicate": (
        lu.multilabel_margin,
        S,
        [[0], [3, 1, 3]],
        {"target_format": "lists"},
        ValueError,
        "target lists class 3 more than once for sample 1; a set of labels holds each class once",
    ),
    "lists_nested_too_deep": (
        lu.multilabel_margin,
        S,
        [[[0]], [1]],
        {"target_format": "lists"},
        ValueError,
        "target must hold one list of labels per sample; sample 0 has shape (1, 1)",
    ),
    "lists_not_a_sequence": (
        lu.multilabel_margin,
        S,
        3,
        {"target_format": "lists"},
        TypeError,
        "target must be a sequence of lists of labels in the lists format; got int",
    ),
    "multi_hot_values": (
        lu.multilabel_margin,
        S,
        [[0, 1, 2, 0], [1, 0, 0, 0]],
        {"target_format": "multi_hot"},
        ValueError,
        "target must hold 0 or 1 in the multi_hot format; found 2",
    ),
    "multi_hot_nan": (
        lu.multilabel_margin,
        S,
        [[0, 1, np.nan, 0], [1, 0, 0, 0]],
        {"target_format": "multi_hot"},
        ValueError,
        "target must hold 0 or 1 in the multi_hot format; found nan",
    ),
    "multi_hot_shape": (
        lu.multilabel_margin,
        S,
        [[0, 1, 0, 0]],
        {"target_format": "multi_hot"},
        ValueError,
        "target must have the shape of scores, (2, 4), in the multi_hot format; got shape (1, 4)",
    ),
    "unknown_format": (
        lu.multilabel_margin,
        S,
        [[0, -1, -1, -1], [1, -1, -1, -1]],
        {"target_format": "one_hot"},
        ValueError,
        "target_format must be 'padded', 'lists' or 'multi_hot', got 'one_hot'",
    ),
    "margin_scores_3d": (
        lu.multilabel_margin,
        np.zeros((2, 3, 4)),
        np.zeros((2, 3, 4), dtype=int),
        {},
        ValueError,
        "scores must have shape (N, C) or (C,); got shape (2, 3, 4)",
    ),
    "margin_scores_0d": (
        lu.multilabel_margin,
        1.0,
        0,
        {},
        ValueError,
        "scores must have shape (N, C) or (C,); got shape ()",
    ),
    "soft_margin_logits_3d": (
        lu.multilabel_soft_margin,
        np.zeros((2, 3, 4)),
        np.zeros((2, 3, 4)),
        {},
        ValueError,
        "logits must have shape (N, C) or (C,); got shape (2, 3, 4)",
    ),
    "soft_margin_shapes": (
        lu.multilabel_soft_margin,
        S,
        np.zeros((2, 3)),
        {},
        ValueError,
        "logits and target must have the same shape; got logits.shape=(2, 4), target.shape=(2, 3)",
    ),
    "soft_margin_weight": (
        lu.multilabel_soft_margin,
        S,
        np.zeros((2, 4)),
        {"weight": np.ones(3)},
        ValueError,
        "weight with shape (3,) cannot be broadcast to logits.shape=(2, 4)",
    ),
    "soft_margin_string_target": (
        lu.multilabel_soft_margin,
        S,
        [["a"] * 4] * 2,
        {},
        TypeError,
        "target must hold real numbers; got dtype <U1",
    ),
}


@pytest.mark.parametrize("gradient", [False, True], ids=["loss", "grad"])
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_named_in_the_message(case: str, gradient: bool) -> None:
    fn, first, target, options, error, message = CASES[case]
    fn = getattr(lu, fn.__name__ + "_grad") if gradient else fn
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        fn(first, target, **options)
