"""The rest of the binary margin family, soft margin and hinge embedding: documented relations,
PyTorch's semantics where they differ from the formula (overflow, targets other than +-1, the
kink, dtypes), options and bad input.

The common checks (values and gradients against torch for every reduction and margin, finite
differences, dtypes, NaN, extremes) run over the registry in tests/test_common.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils as lu

REDUCTIONS = ("mean", "sum", "none")
RTOL, ATOL = 1e-10, 1e-12


def torch_value_and_grad(ref, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(first, dtype=torch.float64, requires_grad=True)
    out = ref(x)
    out.sum().backward()
    assert x.grad is not None
    return out.detach().numpy(), x.grad.numpy()


def scores_and_labels(seed: int = 0, shape: tuple[int, ...] = (40,)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 3 * rng.normal(size=shape), rng.choice([-1.0, 1.0], size=shape)


# -- soft margin ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_is_bce_with_logits_on_labels_moved_to_0_and_1(reduction: str) -> None:
    s, t = scores_and_labels(1)
    y = (t + 1) / 2
    np.testing.assert_allclose(
        lu.soft_margin(s, t, reduction=reduction), lu.binary_cross_entropy_with_logits(s, y, reduction=reduction), 1e-14
    )
    np.testing.assert_allclose(
        lu.soft_margin_grad(s, t, reduction=reduction),
        lu.binary_cross_entropy_with_logits_grad(s, y, reduction=reduction),
        1e-14,
        1e-300,
    )
    # and in torch: its two twins agree the same way
    ref = F.binary_cross_entropy_with_logits(torch.tensor(s), torch.tensor(y), reduction=reduction)
    np.testing.assert_allclose(lu.soft_margin(s, t, reduction=reduction), ref, RTOL, ATOL)


@pytest.mark.parametrize("shape", [(7,), (4, 3), ()])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_is_element_wise_in_any_shape_like_torch(reduction: str, shape: tuple[int, ...]) -> None:
    s, t = scores_and_labels(2, shape)
    ref_value, ref_grad = torch_value_and_grad(lambda x: F.soft_margin_loss(x, torch.tensor(t), reduction=reduction), s)
    value = lu.soft_margin(s, t, reduction=reduction)
    assert np.shape(value) == ref_value.shape
    np.testing.assert_allclose(value, ref_value, RTOL, ATOL)
    np.testing.assert_allclose(lu.soft_margin_grad(s, t, reduction=reduction), ref_grad, RTOL, ATOL)


@pytest.mark.parametrize(("dtype", "finite", "overflow"), [(torch.float64, 700.0, 720.0), (torch.float32, 88.0, 90.0)])
def test_torch_overflows_where_soft_margin_stays_exact(dtype: torch.dtype, finite: float, overflow: float) -> None:
    """The docstring: torch's loss is inf once -ys passes about 710 (float64) or 89 (float32)."""
    s = np.array([-finite, -overflow])
    theirs = F.soft_margin_loss(torch.tensor(s, dtype=dtype), torch.ones(2, dtype=dtype), reduction="none").numpy()
    assert np.isfinite(theirs[0])
    assert np.isinf(theirs[1])
    ours = lu.soft_margin(s.astype(theirs.dtype), np.ones(2, dtype=theirs.dtype), reduction="none")
    np.testing.assert_allclose(ours, [finite, overflow], rtol=1e-7)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(lu.soft_margin_grad(s, np.ones(2), reduction="none"), [-1.0, -1.0])


def test_soft_margin_labels_must_be_plus_or_minus_one_where_torch_takes_any() -> None:
    s = np.array([1.0, 2.0])
    assert float(F.soft_margin_loss(torch.tensor(s), torch.tensor([1.0, 0.0]), reduction="sum")) > 0  # torch: any t
    for fn in (lu.soft_margin, lu.soft_margin_grad):
        with pytest.raises(ValueError, match="^" + re.escape("target must hold -1 or +1 labels; found 0") + "$"):
            fn(s, [1.0, 0.0])
    assert np.isnan(lu.soft_margin(s, [1.0, np.nan], reduction="none")[1])  # a nan label propagates, as in hinge


def test_soft_margin_docstring_values() -> None:
    assert float(lu.soft_margin([0.0], [1])) == pytest.approx(np.log(2), rel=1e-15)
    assert float(lu.soft_margin([-1e4], [1])) == 1e4
    np.testing.assert_array_equal(lu.soft_margin_grad([0.0, 0.0], [1, -1], reduction="sum"), [-0.5, 0.5])


# -- hinge embedding ----------------------------------------------------------------------------------


def distances_and_labels(seed: int = 0, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 3.0, size=n), rng.choice([-1.0, 1.0], size=n)


@pytest.mark.parametrize("margin", [1.0, 0.3, 2.5, -0.5, 0.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_matches_torch_for_every_margin(reduction: str, margin: float) -> None:
    d, t = distances_and_labels(3)
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.hinge_embedding_loss(x, torch.tensor(t), margin=margin, reduction=reduction), d
    )
    np.testing.assert_allclose(lu.hinge_embedding(d, t, margin=margin, reduction=reduction), ref_value, RTOL, ATOL)
    np.testing.assert_allclose(lu.hinge_embedding_grad(d, t, margin=margin, reduction=reduction), ref_grad, RTOL, ATOL)


def test_hinge_embedding_gradient_at_the_margin_is_minus_one_like_torch() -> None:
    d, t = np.array([1.0, 0.5, 2.0]), np.array([-1.0, -1.0, -1.0])  # the first exactly at the margin
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.hinge_embedding_loss(x, torch.tensor(t), reduction="none"), d
    )
    np.testing.assert_array_equal(lu.hinge_embedding_grad(d, t, reduction="none"), ref_grad)
    np.testing.assert_array_equal(ref_grad, [-1.0, -1.0, 0.0])
    np.testing.assert_array_equal(lu.hinge_embedding(d, t, reduction="none"), ref_value)
    assert not np.signbit(lu.hinge_embedding_grad(d, t, reduction="none")[2])  # 0, not -0


def test_hinge_embedding_rejects_what_torch_reads_as_both_cases() -> None:
    d = np.array([0.3, 0.7])
    for bad in (0.0, 0.5, np.nan):
        # torch gives a target that is neither 1 nor -1 the sum of both cases: d + max(0, m - d)
        theirs = F.hinge_embedding_loss(torch.tensor(d), torch.tensor([1.0, bad]), reduction="none").numpy()
        assert theirs[1] == pytest.approx(0.7 + 0.3)
        for fn in (lu.hinge_embedding, lu.hinge_embedding_grad):
            with pytest.raises(
                ValueError, match="^" + re.escape(f"target must hold -1 or +1 labels; found {bad:g}") + "$"
            ):
                fn(d, [1.0, bad])


def test_hinge_embedding_nan_distance_propagates() -> None:
    d, t = np.array([np.nan, np.nan, 0.5]), np.array([1.0, -1.0, -1.0])
    np.testing.assert_array_equal(np.isnan(lu.hinge_embedding(d, t, reduction="none")), [True, True, False])
    assert lu.hinge_embedding_grad(d, t, reduction="none")[0] == 1.0  # a similar pair's slope is 1 whatever d is
    assert np.isnan(lu.hinge_embedding_grad(d, t, reduction="none")[1])


def test_hinge_embedding_docstring_values() -> None:
    assert float(lu.hinge_embedding([0.3, 0.4, 2.0], [1, -1, -1])) == pytest.approx((0.3 + 0.6) / 3, rel=1e-15)
    np.testing.assert_array_equal(
        lu.hinge_embedding_grad([0.3, 0.4, 2.0], [1, -1, -1], reduction="sum"), [1.0, -1.0, 0.0]
    )


def test_both_promote_mixed_dtypes_where_torch_keeps_the_inputs() -> None:
    s32, t64 = np.array([0.5, 2.0], dtype=np.float32), np.array([1.0, -1.0])
    for fn, twin in ((lu.soft_margin, F.soft_margin_loss), (lu.hinge_embedding, F.hinge_embedding_loss)):
        assert twin(torch.tensor(s32), torch.tensor(t64)).dtype == torch.float32  # documented: torch keeps float32
        assert fn(s32, t64).dtype == np.float64
        assert fn(s32, t64.astype(np.float32)).dtype == np.float32
        assert fn(s32.astype(np.float16), [1, -1]).dtype == np.float16


@pytest.mark.parametrize(
    ("fn", "first", "target", "options", "error", "message"),
    [
        (
            lu.hinge_embedding,
            [0.5, 0.5],
            [1, -1, 1],
            {},
            ValueError,
            "distance and target must have the same shape; got distance.shape=(2,), target.shape=(3,)",
        ),
        (lu.hinge_embedding, [0.5], [2], {}, ValueError, "target must hold -1 or +1 labels; found 2"),
        (lu.hinge_embedding, [0.5], [1], {"margin": np.inf}, ValueError, "margin must lie in (-inf, inf), got inf"),
        (lu.hinge_embedding, [0.5], [1], {"margin": "1"}, TypeError, "margin must be a real number, got str"),
        (lu.hinge_embedding, [], [], {}, ValueError, "distance is empty"),
        (
            lu.soft_margin,
            [0.5, 0.5],
            [[1, -1]],
            {},
            ValueError,
            "scores and target must have the same shape; got scores.shape=(2,), target.shape=(1, 2)",
        ),
        (
            lu.soft_margin,
            [0.5],
            [1],
            {"reduction": "avg"},
            ValueError,
            "reduction must be 'mean', 'sum' or 'none', got 'avg'",
        ),
    ],
)
def test_bad_input_is_named_in_the_message(fn, first, target, options, error, message) -> None:
    for f in (fn, getattr(lu, fn.__name__ + "_grad")):
        with pytest.raises(error, match="^" + re.escape(message) + "$"):
            f(first, target, **options)
