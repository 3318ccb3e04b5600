"""What is specific to lossutils.multi_margin, PyTorch's multi-class margin loss (tests/test_common.py
runs the common checks, options p, margin and weight included): its relation to the Weston–Watkins
multiclass_hinge, where the class weight enters and what 'mean' divides by, one sample of shape
(C,), the options' validation, NaN, and the claims of its card."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils as lu
from lossutils.cards import card

REDUCTIONS = ("mean", "sum", "none")


def scores_and_target(seed: int = 0, n: int = 6, n_classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_classes)), rng.integers(0, n_classes, size=n)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weston_watkins_is_c_times_multi_margin(reduction: str) -> None:
    """The docstring's relation: multiclass_hinge (Weston–Watkins) = C × multi_margin with p=1, no weight."""
    s, y = scores_and_target()
    for margin in (1.0, 0.3):
        np.testing.assert_allclose(
            4 * lu.multi_margin(s, y, margin=margin, reduction=reduction),
            lu.multiclass_hinge(s, y, margin=margin, reduction=reduction),
            rtol=1e-15,
        )
        np.testing.assert_allclose(
            4 * lu.multi_margin_grad(s, y, margin=margin, reduction=reduction),
            lu.multiclass_hinge_grad(s, y, margin=margin, reduction=reduction),
            rtol=1e-15,
        )


@pytest.mark.parametrize("p", [1, 2])
def test_the_true_class_weight_scales_the_sample_and_mean_divides_by_n(p: int) -> None:
    s, y = scores_and_target(1)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    plain = lu.multi_margin(s, y, p=p, reduction="none")
    weighted = lu.multi_margin(s, y, p=p, weight=w, reduction="none")
    np.testing.assert_allclose(weighted, w[y] * plain, rtol=1e-15)  # w_y, the true class's weight
    mean = lu.multi_margin(s, y, p=p, weight=w)
    assert mean == pytest.approx(weighted.sum() / len(y), rel=1e-15)  # N, not sum(w_y) as cross_entropy
    assert mean != pytest.approx(weighted.sum() / w[y].sum())
    torch_mean = F.multi_margin_loss(torch.tensor(s), torch.tensor(y), p=p, weight=torch.tensor(w))
    assert mean == pytest.approx(torch_mean.item(), rel=1e-14)
    np.testing.assert_allclose(
        lu.multi_margin_grad(s, y, p=p, weight=w, reduction="none"),
        w[y][:, None] * lu.multi_margin_grad(s, y, p=p, reduction="none"),
        rtol=1e-15,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_one_sample_of_shape_c(reduction: str) -> None:
    s, y = scores_and_target(2)
    x = torch.tensor(s[0], requires_grad=True)
    out = F.multi_margin_loss(x, torch.tensor(y[0]), p=2, margin=0.5, reduction=reduction)
    out.backward()
    value = lu.multi_margin(s[0], y[0], p=2, margin=0.5, reduction=reduction)
    grad = lu.multi_margin_grad(s[0], y[0], p=2, margin=0.5, reduction=reduction)
    assert np.shape(value) == tuple(out.shape) == ()
    assert grad.shape == (4,)
    np.testing.assert_allclose(value, out.item(), rtol=1e-14)
    assert x.grad is not None
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(value, lu.multi_margin(s[:1], y[:1], p=2, margin=0.5, reduction="sum"))


def test_a_term_at_its_kink_counts_as_not_violated_as_in_torch() -> None:
    s, y = np.array([[1.0, 0.0, -5.0]]), np.array([0])  # margin - s_y + s_1 = 0 exactly
    x = torch.tensor(s, requires_grad=True)
    F.multi_margin_loss(x, torch.tensor(y), reduction="sum").backward()
    assert x.grad is not None
    np.testing.assert_array_equal(lu.multi_margin_grad(s, y, reduction="sum"), x.grad.numpy())
    np.testing.assert_array_equal(lu.multi_margin_grad(s, y, reduction="sum"), 0.0)


def test_p_accepts_what_torch_accepts() -> None:
    s, y = scores_and_target(3)
    assert lu.multi_margin(s, y, p=2.0) == lu.multi_margin(s, y, p=2)  # torch takes 2.0 too
    assert lu.multi_margin(s, y, p=np.int64(2)) == lu.multi_margin(s, y, p=2)
    for bad in (3, 0, 1.5, True, "1", None):
        for fn in (lu.multi_margin, lu.multi_margin_grad):
            with pytest.raises(ValueError, match=re.escape(f"p must be 1 or 2, got {bad!r}")):
                fn(s, y, p=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(torch.tensor(s), torch.tensor(y), p=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": np.zeros((2, 4, 3))}, "scores must have shape (N, C) or (C,); got shape (2, 4, 3)"),
        ({"scores": np.zeros(())}, "scores must have shape (N, C) or (C,); got shape ()"),
        ({"weight": np.ones(3)}, "weight must have shape (C,) = (4,); got shape (3,)"),
        ({"target": np.array([0, 1, 4, 0, 0, 0])}, "target holds class 4 but scores have 4 classes"),
        ({"target": np.array([0, 1])}, "target must have shape (N,) = (6,); got shape (2,)"),
        ({"margin": np.inf}, "margin must lie in (-inf, inf), got inf"),
    ],
)
def test_bad_input_is_an_error_naming_the_argument(kwargs: dict, message: str) -> None:
    s, y = scores_and_target()
    args = {"scores": s, "target": y, **kwargs}
    for fn in (lu.multi_margin, lu.multi_margin_grad):
        with pytest.raises(ValueError, match=re.escape(message)):
            fn(**args)


def test_nan_propagates_where_torchs_kernel_skips_it() -> None:
    """The documented difference: PyTorch's CPU kernel tests each term with ``z > 0``, which is
    false for nan, so a nan score counts as no violation; lossutils propagates it."""
    s, y = scores_and_target(4)
    s[0, y[0]] = np.nan
    torch_loss = F.multi_margin_loss(torch.tensor(s), torch.tensor(y), reduction="none")
    assert torch_loss[0].item() == 0.0  # torch: no violation
    ours = lu.multi_margin(s, y, reduction="none")
    assert np.isnan(ours[0])
    np.testing.assert_allclose(ours[1:], torch_loss[1:].numpy(), rtol=1e-14)
    assert np.all(np.isnan(lu.multi_margin_grad(s, y)[0]))


# -- the card's claims ---------------------------------------------------------------------------


def test_hessian_diagonal_stated_on_the_card() -> None:
    s, y = scores_and_target(5, n=8)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    h = 1e-6
    for p in (1, 2):
        for k in range(4):
            e = np.zeros(4)
            e[k] = h
            numeric = (
                lu.multi_margin_grad(s + e, y, p=p, weight=w, reduction="none")
                - lu.multi_margin_grad(s - e, y, p=p, weight=w, reduction="none")
            )[:, k] / (2 * h)
            terms = np.maximum(0, 1 - s[np.arange(8), y][:, None] + s) * (np.arange(4) != y[:, None])
            if p == 1:
                expected = np.zeros(8)
            else:  # 2 w_y / C [h_k > 0] for k != y, as the card says (and the sum over j at k = y)
                expected = 2 * w[y] / 4 * np.where(k != y, terms[:, k] > 0, np.sum(terms > 0, axis=1))
            np.testing.assert_allclose(numeric, expected, rtol=1e-6, atol=1e-8)
    assert r"\tfrac{2 w_y}{C}\, [h_k > 0]\ (p = 2,\ k \ne y)" in card("multi_margin").second_derivative


def test_best_constant_scores_are_those_of_weston_watkins() -> None:
    """The card: with p = 1 the loss is Weston–Watkins divided by C, so the same scores minimise both."""
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    grid = [np.tile([0.0, a, b], (len(y), 1)) for a in np.linspace(-2, 2, 21) for b in np.linspace(-2, 2, 21)]
    ours = np.array([float(lu.multi_margin(s, y)) for s in grid])
    weston_watkins = np.array([float(lu.multiclass_hinge(s, y)) for s in grid])
    np.testing.assert_allclose(3 * ours, weston_watkins, rtol=1e-14)
    best = np.flatnonzero(ours <= ours.min() + 1e-12)
    np.testing.assert_array_equal(best, np.flatnonzero(weston_watkins <= weston_watkins.min() + 1e-12))
    assert "Weston–Watkins loss divided by C" in card("multi_margin").minimiser
