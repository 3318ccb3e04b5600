"""Classification losses of :mod:`lossutils` against PyTorch (float64), finite differences,
scikit-learn's published metrics, extreme inputs and hypothesis properties.

Every loss is checked for its value AND its gradient, for every reduction and option. The
reference is ``torch.nn.functional`` where PyTorch has the loss, otherwise the same formula
written directly in torch and differentiated by autograd.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import hinge_loss, log_loss

import lossutils as lu

REDUCTIONS = ("mean", "sum", "none")
RTOL, ATOL = 1e-10, 1e-12
FAST = settings(max_examples=50, deadline=None)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def t64(a: object) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def torch_value_and_grad(
    ref: Callable[[torch.Tensor], torch.Tensor], first: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value of ``ref(first)`` and the gradient of its sum w.r.t. ``first`` (per-sample for 'none')."""
    xt = torch.tensor(first, dtype=torch.float64, requires_grad=True)
    out = ref(xt)
    out.sum().backward()
    assert xt.grad is not None
    return out.detach().numpy(), xt.grad.numpy()


def assert_matches_torch(
    fn: Callable[..., np.ndarray],
    grad_fn: Callable[..., np.ndarray],
    ref: Callable[[torch.Tensor], torch.Tensor],
    first: np.ndarray,
    *args: object,
    rtol: float = RTOL,
    atol: float = ATOL,
    **kwargs: object,
) -> None:
    value = fn(first, *args, **kwargs)
    grad = grad_fn(first, *args, **kwargs)
    ref_value, ref_grad = torch_value_and_grad(ref, first)
    reduced = kwargs.get("reduction") != "none"
    assert isinstance(value, np.floating if reduced else np.ndarray)  # a NumPy scalar, as np.mean returns
    assert value.shape == ref_value.shape
    np.testing.assert_allclose(value, ref_value, rtol=rtol, atol=atol)
    assert grad.shape == np.shape(first)
    np.testing.assert_allclose(grad, ref_grad, rtol=rtol, atol=atol)


def finite_difference(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


def torch_reduce(loss: torch.Tensor, reduction: str, denom: torch.Tensor | None = None) -> torch.Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.numel() if denom is None else denom)


# --------------------------------------------------------------------------------------------
# Stable building blocks
# --------------------------------------------------------------------------------------------

EXTREME = np.array([-1e4, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e4])


def test_sigmoid_and_log_sigmoid_match_torch_at_every_magnitude() -> None:
    np.testing.assert_allclose(lu.sigmoid(EXTREME), torch.sigmoid(t64(EXTREME)).numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(lu.log_sigmoid(EXTREME), F.logsigmoid(t64(EXTREME)).numpy(), rtol=1e-15, atol=0)
    assert np.all(np.isfinite(lu.log_sigmoid(EXTREME)))


def test_softmax_family_is_finite_and_matches_torch_for_logits_of_1e4() -> None:
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1.0, 2.0, 3.0], [1e4, 1e4, -5.0]])
    np.testing.assert_allclose(lu.softmax(x), torch.softmax(t64(x), -1).numpy(), rtol=1e-14, atol=0)
    np.testing.assert_allclose(lu.log_softmax(x), torch.log_softmax(t64(x), -1).numpy(), rtol=1e-14, atol=0)
    np.testing.assert_allclose(lu.logsumexp(x), torch.logsumexp(t64(x), -1).numpy(), rtol=1e-15, atol=0)
    for out in (lu.softmax(x), lu.log_softmax(x), lu.logsumexp(x)):
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family_along_any_axis(axis: int) -> None:
    x = np.random.default_rng(0).normal(size=(3, 4)) * 5
    np.testing.assert_allclose(lu.softmax(x, axis=axis), torch.softmax(t64(x), axis).numpy(), rtol=1e-14)
    np.testing.assert_allclose(lu.log_softmax(x, axis=axis), torch.log_softmax(t64(x), axis).numpy(), rtol=1e-14)
    lse = lu.logsumexp(x, axis=axis, keepdims=True)
    np.testing.assert_allclose(lse, torch.logsumexp(t64(x), axis, keepdim=True).numpy(), rtol=1e-15)
    assert lse.shape == tuple(torch.logsumexp(t64(x), axis, keepdim=True).shape)


def test_softmax_family_on_masked_and_infinite_rows_is_torch() -> None:
    """-inf masks a class (probability 0); a row of -inf, or one holding +inf or nan, ends as torch's."""
    inf = np.inf
    x = np.array([[0.0, -inf, 1.0], [-inf, -inf, -inf], [inf, 0.0, 1.0], [inf, inf, 0.0], [np.nan, 0.0, 1.0]])
    pairs = [
        (lu.softmax(x), torch.softmax(t64(x), -1)),
        (lu.log_softmax(x), torch.log_softmax(t64(x), -1)),
        (lu.logsumexp(x), torch.logsumexp(t64(x), -1)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-15, atol=0)  # nan and inf in the same places


def test_building_blocks_keep_float32() -> None:
    x = np.array([[-1e4, 0.0, 1e4]], dtype=np.float32)
    for fn in (lu.sigmoid, lu.log_sigmoid, lu.softmax, lu.log_softmax, lu.logsumexp):
        out = fn(x)
        assert out.dtype == np.float32, fn.__name__
        assert np.all(np.isfinite(out)), fn.__name__


# --------------------------------------------------------------------------------------------
# Binary cross-entropy (probabilities)
# --------------------------------------------------------------------------------------------

BCE_WEIGHTS = ("none", "full", "per_column")


def _bce_weight(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray | None:
    if kind == "none":
        return None
    return rng.uniform(0.2, 3.0, size=shape if kind == "full" else shape[-1:])


@pytest.mark.parametrize(("reduction", "weight_kind"), list(itertools.product(REDUCTIONS, BCE_WEIGHTS)))
def test_binary_cross_entropy_matches_torch(reduction: str, weight_kind: str) -> None:
    rng = np.random.default_rng(1)
    prob = rng.uniform(0.01, 0.99, size=(6, 3))
    target = rng.uniform(0, 1, size=(6, 3))  # soft labels
    target[0] = [0.0, 1.0, 1.0]
    w = _bce_weight(weight_kind, prob.shape, rng)

    def ref(p: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(p, t64(target), weight=None if w is None else t64(w), reduction=reduction)

    assert_matches_torch(
        lu.binary_cross_entropy, lu.binary_cross_entropy_grad, ref, prob, target, reduction=reduction, weight=w
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_at_probabilities_0_and_1_equals_torch_exactly(dtype: type, reduction: str) -> None:
    """Log clamped at -100 and gradient denominator clamped at torch's float 1e-12."""
    prob = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1e-30, 1 - 1e-10], dtype=dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 1.0, 0.0], dtype=dtype)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    pt = torch.tensor(prob, dtype=tdtype, requires_grad=True)
    ref = F.binary_cross_entropy(pt, torch.tensor(target, dtype=tdtype), reduction=reduction)
    ref.sum().backward()
    value = lu.binary_cross_entropy(prob, target, reduction=reduction)
    grad = lu.binary_cross_entropy_grad(prob, target, reduction=reduction)
    assert value.dtype == dtype
    assert grad.dtype == dtype
    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, ref.detach().numpy(), rtol=1e-6 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_binary_cross_entropy_of_a_certain_wrong_prediction_is_100() -> None:
    """The closed form of the clamp: -log 0 is replaced by 100."""
    assert float(lu.binary_cross_entropy([0.0], [1.0])) == 100.0
    assert float(lu.binary_cross_entropy([1.0], [0.0])) == 100.0
    assert float(lu.binary_cross_entropy([1.0, 0.0], [1.0, 0.0], reduction="sum")) == 0.0


def test_binary_cross_entropy_equals_sklearn_log_loss() -> None:
    rng = np.random.default_rng(2)
    prob = rng.uniform(0.05, 0.95, size=40)
    y = rng.integers(0, 2, size=40)
    np.testing.assert_allclose(lu.binary_cross_entropy(prob, y), log_loss(y, prob), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Binary cross-entropy with logits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reduction", "weight_kind", "pos_weight_kind"),
    list(itertools.product(REDUCTIONS, BCE_WEIGHTS, ("none", "per_column", "full"))),
)
def test_binary_cross_entropy_with_logits_matches_torch(reduction: str, weight_kind: str, pos_weight_kind: str) -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 4)) * 4
    logits[0] = [1e4, -1e4, 40.0, -40.0]
    target = rng.uniform(0, 1, size=(5, 4))
    target[0] = [0.0, 1.0, 0.0, 1.0]
    w = _bce_weight(weight_kind, logits.shape, rng)
    pw = _bce_weight(pos_weight_kind, logits.shape, rng)

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(
            x,
            t64(target),
            weight=None if w is None else t64(w),
            pos_weight=None if pw is None else t64(pw),
            reduction=reduction,
        )

    assert_matches_torch(
        lu.binary_cross_entropy_with_logits,
        lu.binary_cross_entropy_with_logits_grad,
        ref,
        logits,
        target,
        reduction=reduction,
        weight=w,
        pos_weight=pw,
        atol=1e-11,
    )


def test_binary_cross_entropy_with_logits_is_exact_at_extreme_logits() -> None:
    """softplus(1e4) = 1e4 exactly; the gradient is sigmoid(x) - y = -1, 0, 0, 1."""
    logits = np.array([-1e4, 1e4, -1e4, 1e4])
    target = np.array([1.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(
        lu.binary_cross_entropy_with_logits(logits, target, reduction="none"), [1e4, 0.0, 0.0, 1e4]
    )
    np.testing.assert_array_equal(
        lu.binary_cross_entropy_with_logits_grad(logits, target, reduction="sum"), [-1.0, 0.0, 0.0, 1.0]
    )


def test_binary_cross_entropy_with_logits_equals_binary_cross_entropy_of_the_sigmoid() -> None:
    rng = np.random.default_rng(4)
    logits, target = rng.normal(size=20) * 3, rng.uniform(size=20)
    np.testing.assert_allclose(
        lu.binary_cross_entropy_with_logits(logits, target),
        lu.binary_cross_entropy(lu.sigmoid(logits), target),
        rtol=1e-12,
    )


# --------------------------------------------------------------------------------------------
# Cross-entropy
# --------------------------------------------------------------------------------------------

IGNORE_CASES = ("none_ignored", "default_-100", "in_range_class")


def _ce_index_problem(
    shape: tuple[int, ...], ignore_case: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Logits of ``shape`` (class axis 1, or 0 for a single sample) and index targets."""
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    sample_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    logits = rng.normal(size=shape) * 3
    target = rng.integers(0, n_classes, size=sample_shape)
    ignore_index = -100
    if ignore_case == "default_-100" and target.ndim:
        target.flat[::3] = -100
    elif ignore_case == "in_range_class":
        ignore_index = 1
    return logits, np.asarray(target), ignore_index


@pytest.mark.parametrize(
    ("reduction", "weighted", "ignore_case", "label_smoothing"),
    list(itertools.product(REDUCTIONS, (False, True), IGNORE_CASES, (0.0, 0.1, 1.0))),
)
@pytest.mark.parametrize("shape", [(7, 4), (4,), (3, 4, 2, 3)], ids=["N_C", "C", "N_C_d1_d2"])
def test_cross_entropy_with_class_indices_matches_torch(
    shape: tuple[int, ...], reduction: str, weighted: bool, ignore_case: str, label_smoothing: float
) -> None:
    rng = np.random.default_rng(5)
    logits, target, ignore_index = _ce_index_problem(shape, ignore_case, rng)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    w = rng.uniform(0.2, 3.0, size=n_classes) if weighted else None
    options = {"reduction": reduction, "ignore_index": ignore_index, "label_smoothing": label_smoothing}

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, torch.tensor(target), weight=None if w is None else t64(w), **options)

    assert_matches_torch(lu.cross_entropy, lu.cross_entropy_grad, ref, logits, target, weight=w, **options)


@pytest.mark.parametrize(
    ("reduction", "weighted", "label_smoothing"), list(itertools.product(REDUCTIONS, (False, True), (0.0, 0.25)))
)
@pytest.mark.parametrize("shape", [(6, 3), (3,), (2, 3, 4)], ids=["N_C", "C", "N_C_d1"])
def test_cross_entropy_with_class_probabilities_matches_torch(
    shape: tuple[int, ...], reduction: str, weighted: bool, label_smoothing: float
) -> None:
    rng = np.random.default_rng(6)
    class_axis = 0 if len(shape) == 1 else 1
    logits = rng.normal(size=shape) * 3
    target = lu.softmax(rng.normal(size=shape) * 2, axis=class_axis)
    w = rng.uniform(0.2, 3.0, size=shape[class_axis]) if weighted else None
    options = {"reduction": reduction, "label_smoothing": label_smoothing}

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, t64(target), weight=None if w is None else t64(w), **options)

    assert_matches_torch(lu.cross_entropy, lu.cross_entropy_grad, ref, logits, target, weight=w, **options)


@pytest.mark.parametrize(("weighted", "label_smoothing"), list(itertools.product((False, True), (0.0, 0.2))))
def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient_like_torch(
    weighted: bool, label_smoothing: float
) -> None:
    logits = np.random.default_rng(7).normal(size=(4, 3))
    target = np.full(4, -100)
    w = np.array([0.5, 2.0, 1.5]) if weighted else None
    value = lu.cross_entropy(logits, target, weight=w, label_smoothing=label_smoothing)
    grad = lu.cross_entropy_grad(logits, target, weight=w, label_smoothing=label_smoothing)
    ref_value, ref_grad = torch_value_and_grad(
        lambda x: F.cross_entropy(
            x, torch.tensor(target), weight=None if w is None else t64(w), label_smoothing=label_smoothing
        ),
        logits,
    )
    assert np.isnan(value)
    assert np.isnan(ref_value)
    np.testing.assert_array_equal(grad, ref_grad)
    np.testing.assert_array_equal(grad, np.zeros_like(logits))
    np.testing.assert_array_equal(lu.cross_entropy(logits, target, reduction="sum"), 0.0)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_with_zero_total_weight_is_nan_like_torch(label_smoothing: float) -> None:
    logits = np.random.default_rng(8).normal(size=(3, 3))
    target = np.array([0, 0, -100])
    w = np.array([0.0, 2.0, 1.5])

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, torch.tensor(target), weight=t64(w), label_smoothing=label_smoothing)

    assert_matches_torch(
        lu.cross_entropy, lu.cross_entropy_grad, ref, logits, target, weight=w, label_smoothing=label_smoothing
    )
    assert np.isnan(lu.cross_entropy(logits, target, weight=w, label_smoothing=label_smoothing))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_at_logits_of_1e4_is_finite_and_matches_torch(label_smoothing: float) -> None:
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, 1e4]])
    target = np.array([0, 1, 0, 2])

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, torch.tensor(target), reduction="none", label_smoothing=label_smoothing)

    assert_matches_torch(
        lu.cross_entropy,
        lu.cross_entropy_grad,
        ref,
        logits,
        target,
        reduction="none",
        label_smoothing=label_smoothing,
        rtol=1e-14,
    )
    assert np.all(np.isfinite(lu.cross_entropy(logits, target, reduction="none", label_smoothing=label_smoothing)))


@pytest.mark.parametrize(
    ("weighted", "reduction", "label_smoothing"), list(itertools.product((False, True), REDUCTIONS, (0.0, 0.1)))
)
def test_cross_entropy_with_logits_masked_by_minus_inf_matches_torch(
    weighted: bool, reduction: str, label_smoothing: float
) -> None:
    """Padding and attention masks: a row with one class left, a masked class the target does not take."""
    inf = np.inf
    logits = np.array([[0.0, -inf, 1.0, 0.5], [2.0, -inf, -inf, -inf], [1.0, 2.0, -inf, 0.0]])
    target = np.array([0, 0, 1])
    w = np.array([1.0, 2.0, 3.0, 0.5]) if weighted else None
    options = {"reduction": reduction, "label_smoothing": label_smoothing}

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, torch.tensor(target), weight=None if w is None else t64(w), **options)

    # without smoothing the loss is finite; with it, inf (-log p of a masked class), in torch too
    assert_matches_torch(lu.cross_entropy, lu.cross_entropy_grad, ref, logits, target, weight=w, **options)


def test_cross_entropy_equals_sklearn_log_loss_multiclass() -> None:
    rng = np.random.default_rng(9)
    logits = rng.normal(size=(30, 4)) * 2
    y = rng.integers(0, 4, size=30)
    np.testing.assert_allclose(
        lu.cross_entropy(logits, y), log_loss(y, lu.softmax(logits), labels=range(4)), rtol=1e-12
    )


def test_cross_entropy_of_a_uniform_guess_is_log_c() -> None:
    """Closed form: equal logits give -log(1/C) whatever the target."""
    np.testing.assert_allclose(lu.cross_entropy(np.zeros((5, 7)), [0, 1, 2, 3, 6]), np.log(7), rtol=1e-15)


# --------------------------------------------------------------------------------------------
# Negative log-likelihood
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reduction", "weighted", "ignore_case"), list(itertools.product(REDUCTIONS, (False, True), IGNORE_CASES))
)
@pytest.mark.parametrize("shape", [(7, 4), (4,), (3, 4, 2, 3)], ids=["N_C", "C", "N_C_d1_d2"])
def test_nll_loss_matches_torch(shape: tuple[int, ...], reduction: str, weighted: bool, ignore_case: str) -> None:
    rng = np.random.default_rng(10)
    logits, target, ignore_index = _ce_index_problem(shape, ignore_case, rng)
    class_axis = 0 if len(shape) == 1 else 1
    log_probs = lu.log_softmax(logits, axis=class_axis)
    w = rng.uniform(0.2, 3.0, size=shape[class_axis]) if weighted else None
    options = {"reduction": reduction, "ignore_index": ignore_index}

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.nll_loss(x, torch.tensor(target), weight=None if w is None else t64(w), **options)

    assert_matches_torch(lu.nll_loss, lu.nll_loss_grad, ref, log_probs, target, weight=w, **options)


def test_nll_loss_with_every_target_ignored_is_nan_with_zero_gradient() -> None:
    log_probs = lu.log_softmax(np.random.default_rng(11).normal(size=(3, 4)))
    target = np.array([-100, -100, -100])
    assert np.isnan(lu.nll_loss(log_probs, target))
    np.testing.assert_array_equal(lu.nll_loss_grad(log_probs, target), np.zeros((3, 4)))
    assert np.isnan(F.nll_loss(t64(log_probs), torch.tensor(target)).item())


# --------------------------------------------------------------------------------------------
# Focal loss
# --------------------------------------------------------------------------------------------


def torch_focal(
    x: torch.Tensor, target: np.ndarray, gamma: float, weight: np.ndarray | None, reduction: str
) -> torch.Tensor:
    """Softmax focal loss written directly in torch, for (N, C) logits."""
    y = torch.tensor(target)
    log_pt = torch.log_softmax(x, dim=1).gather(1, y[:, None])[:, 0]
    loss = -((1 - log_pt.exp()) ** gamma) * log_pt
    if weight is None:
        return torch_reduce(loss, reduction)
    alpha = t64(weight)[y]
    return torch_reduce(alpha * loss, reduction, alpha.sum())


@pytest.mark.parametrize(
    ("reduction", "gamma", "weighted"), list(itertools.product(REDUCTIONS, (0.0, 0.5, 2.0, 3.7), (False, True)))
)
def test_focal_loss_matches_torch_autograd(reduction: str, gamma: float, weighted: bool) -> None:
    rng = np.random.default_rng(12)
    logits = rng.normal(size=(8, 5)) * 3
    target = rng.integers(0, 5, size=8)
    w = rng.uniform(0.2, 3.0, size=5) if weighted else None
    assert_matches_torch(
        lu.focal_loss,
        lu.focal_loss_grad,
        lambda x: torch_focal(x, target, gamma, w, reduction),
        logits,
        target,
        reduction=reduction,
        gamma=gamma,
        weight=w,
    )


@pytest.mark.parametrize("gamma", [0.0, 0.3, 1.0, 2.0])
def test_focal_loss_is_finite_at_logits_of_1e4_and_when_p_t_is_one(gamma: float) -> None:
    """p_t = 1 exactly (u = 0): loss 0 and gradient 0 for gamma > 0; torch's pow gives nan for gamma < 1 there."""
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    target = np.array([0, 1, 0])
    value = lu.focal_loss(logits, target, gamma=gamma, reduction="none")
    grad = lu.focal_loss_grad(logits, target, gamma=gamma, reduction="none")
    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(grad))
    assert value[0] == 0.0
    # -log p_t = 2e4 (and 2e4 + log 2 with two winning classes); (1 - p_t)^gamma = 1
    np.testing.assert_allclose(value[1:], [2e4, 2e4 + np.log(2)], rtol=1e-15)
    # where p_t underflows to 0, the gradient is the cross-entropy one: softmax minus one-hot
    np.testing.assert_allclose(grad[1:], lu.cross_entropy_grad(logits[1:], target[1:], reduction="none"), atol=1e-15)


def test_focal_loss_of_an_even_guess_has_closed_form() -> None:
    """Two equal logits: p_t = 1/2, so the loss is (1/2)^gamma log 2."""
    for gamma in (0.0, 1.0, 2.0, 5.0):
        np.testing.assert_allclose(lu.focal_loss([[0.0, 0.0]], [1], gamma=gamma), 0.5**gamma * np.log(2), rtol=1e-15)


# --------------------------------------------------------------------------------------------
# Hinge losses
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reduction", "margin"), list(itertools.product(REDUCTIONS, (1.0, 0.5, 2.0))))
@pytest.mark.parametrize("squared", [False, True])
def test_binary_hinges_match_torch_autograd(reduction: str, margin: float, squared: bool) -> None:
    rng = np.random.default_rng(13)
    scores = rng.normal(size=12) * 2
    target = rng.choice([-1.0, 1.0], size=12)
    fn, grad_fn = (lu.squared_hinge, lu.squared_hinge_grad) if squared else (lu.hinge, lu.hinge_grad)

    def ref(s: torch.Tensor) -> torch.Tensor:
        z = torch.relu(margin - t64(target) * s)
        return torch_reduce(z**2 if squared else z, reduction)

    assert_matches_torch(fn, grad_fn, ref, scores, target, reduction=reduction, margin=margin)


def test_hinge_gradient_at_the_kink_is_zero_like_torch_relu() -> None:
    scores = np.array([1.0, -1.0, 0.5])
    target = np.array([1.0, -1.0, 1.0])  # margins exactly 1, 1 and 0.5
    assert_matches_torch(
        lu.hinge, lu.hinge_grad, lambda s: torch.relu(1 - t64(target) * s).sum(), scores, target, reduction="sum"
    )
    np.testing.assert_array_equal(lu.hinge_grad(scores, target, reduction="none"), [0.0, 0.0, -1.0])


def test_hinge_equals_sklearn_binary_hinge_loss() -> None:
    rng = np.random.default_rng(14)
    scores = rng.normal(size=40) * 2
    y01 = rng.integers(0, 2, size=40)  # sklearn accepts any two labels; the greater is +1
    np.testing.assert_allclose(lu.hinge(scores, 2 * y01 - 1), hinge_loss(y01, scores), rtol=1e-14)


def test_hinge_known_values_from_sklearn_docs() -> None:
    """The binary example of sklearn.metrics.hinge_loss's documentation, published as 0.30..."""
    from sklearn import svm

    x, y = [[0], [1]], [-1, 1]
    decision = svm.LinearSVC(random_state=0).fit(x, y).decision_function([[-2], [3], [0.5]])
    value = lu.hinge(decision, [-1, 1, 1])
    np.testing.assert_allclose(value, hinge_loss([-1, 1, 1], decision), rtol=1e-14)
    assert f"{float(value):.2f}" == "0.30"


def torch_crammer_singer(s: torch.Tensor, target: np.ndarray, margin: float, reduction: str) -> torch.Tensor:
    y = torch.tensor(target)
    s_y = s.gather(1, y[:, None])[:, 0]
    others = s.masked_fill(F.one_hot(y, s.shape[1]).bool(), -torch.inf)
    return torch_reduce(torch.relu(margin - s_y + others.max(dim=1).values), reduction)


@pytest.mark.parametrize(("reduction", "margin"), list(itertools.product(REDUCTIONS, (1.0, 0.5, 3.0))))
def test_weston_watkins_is_torch_multi_margin_loss_times_c(reduction: str, margin: float) -> None:
    rng = np.random.default_rng(15)
    scores = rng.normal(size=(9, 5)) * 2
    target = rng.integers(0, 5, size=9)

    def ref(s: torch.Tensor) -> torch.Tensor:
        return 5 * F.multi_margin_loss(s, torch.tensor(target), p=1, margin=margin, reduction=reduction)

    assert_matches_torch(
        lu.multiclass_hinge, lu.multiclass_hinge_grad, ref, scores, target, reduction=reduction, margin=margin
    )


@pytest.mark.parametrize(("reduction", "margin"), list(itertools.product(REDUCTIONS, (1.0, 0.5, 3.0))))
def test_crammer_singer_matches_torch_autograd(reduction: str, margin: float) -> None:
    rng = np.random.default_rng(16)
    scores = rng.normal(size=(9, 5)) * 2
    target = rng.integers(0, 5, size=9)
    assert_matches_torch(
        lu.multiclass_hinge,
        lu.multiclass_hinge_grad,
        lambda s: torch_crammer_singer(s, target, margin, reduction),
        scores,
        target,
        reduction=reduction,
        margin=margin,
        variant="crammer_singer",
    )


def test_crammer_singer_equals_sklearn_multiclass_hinge_loss() -> None:
    rng = np.random.default_rng(17)
    scores = rng.normal(size=(40, 4)) * 2
    y = rng.integers(0, 4, size=40)
    expected = hinge_loss(y, scores, labels=[0, 1, 2, 3])
    np.testing.assert_allclose(lu.multiclass_hinge(scores, y, variant="crammer_singer"), expected, rtol=1e-14)


def test_multiclass_hinge_cs231n_example() -> None:
    """The worked example of CS231n's linear classification notes: scores (13, -7, 11), true class 0,
    margin 10: max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10) = 0 + 8."""
    assert float(lu.multiclass_hinge([[13.0, -7.0, 11.0]], [0], margin=10.0)) == 8.0
    assert float(lu.multiclass_hinge([[13.0, -7.0, 11.0]], [0], margin=10.0, variant="crammer_singer")) == 8.0


# --------------------------------------------------------------------------------------------
# KL divergence
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reduction", "log_target"), list(itertools.product(("batchmean", "mean", "sum", "none"), (False, True)))
)
def test_kl_div_matches_torch(reduction: str, log_target: bool) -> None:
    rng = np.random.default_rng(18)
    log_pred = lu.log_softmax(rng.normal(size=(6, 4)) * 2)
    target = lu.softmax(rng.normal(size=(6, 4)) * 2)
    target[0] = [0.0, 0.5, 0.5, 0.0]  # 0 log 0 = 0
    if log_target:
        with np.errstate(divide="ignore"):
            target = np.log(target)

    def ref(x: torch.Tensor) -> torch.Tensor:
        return F.kl_div(x, t64(target), reduction=reduction, log_target=log_target)

    # torch warns that its 'mean' divides by the number of elements; so does ours, documented
    expect_warning = (
        pytest.warns(UserWarning, match="divides the total loss by both")
        if reduction == "mean"
        else contextlib.nullcontext()
    )
    with expect_warning:
        assert_matches_torch(
            lu.kl_div, lu.kl_div_grad, ref, log_pred, target, reduction=reduction, log_target=log_target
        )


def test_kl_div_of_identical_distributions_is_zero_and_batchmean_is_the_mean_row_divergence() -> None:
    rng = np.random.default_rng(19)
    p = lu.softmax(rng.normal(size=(5, 3)))
    q = lu.softmax(rng.normal(size=(5, 3)))
    np.testing.assert_allclose(lu.kl_div(np.log(p), p), 0.0, atol=1e-15)
    per_row = np.sum(q * np.log(q / p), axis=1)  # the textbook definition of D_KL(q || p)
    np.testing.assert_allclose(lu.kl_div(np.log(p), q), per_row.mean(), rtol=1e-13)
    np.testing.assert_allclose(lu.kl_div(np.log(p), q, reduction="mean"), per_row.sum() / q.size, rtol=1e-13)


def test_kl_div_follows_torch_on_zero_targets_against_minus_infinity() -> None:
    """0 * -inf is not guarded in torch either: both give nan there, and gradient -target."""
    log_pred = np.array([-np.inf, 0.0, -1.0])
    target = np.array([0.0, 0.5, 0.0])
    value = lu.kl_div(log_pred, target, reduction="none")
    ref = F.kl_div(t64(log_pred), t64(target), reduction="none").numpy()
    np.testing.assert_array_equal(np.isnan(value), np.isnan(ref))
    np.testing.assert_allclose(value, ref)
    np.testing.assert_array_equal(lu.kl_div_grad(log_pred, target, reduction="sum"), -target)


# --------------------------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------------------------

FD_CASES = {
    "binary_cross_entropy": (
        lu.binary_cross_entropy,
        lu.binary_cross_entropy_grad,
        lambda r: (r.uniform(0.1, 0.9, (4, 3)), r.uniform(0, 1, (4, 3))),
        {"weight": np.array([0.5, 1.0, 2.0])},
    ),
    "binary_cross_entropy_with_logits": (
        lu.binary_cross_entropy_with_logits,
        lu.binary_cross_entropy_with_logits_grad,
        lambda r: (r.normal(size=(4, 3)) * 2, r.uniform(0, 1, (4, 3))),
        {"pos_weight": np.array([0.5, 1.0, 3.0])},
    ),
    "cross_entropy": (
        lu.cross_entropy,
        lu.cross_entropy_grad,
        lambda r: (r.normal(size=(5, 4)) * 2, np.array([0, 3, -100, 2, 1])),
        {"weight": np.array([0.5, 1.0, 2.0, 1.5]), "label_smoothing": 0.2},
    ),
    "cross_entropy_probabilities": (
        lu.cross_entropy,
        lu.cross_entropy_grad,
        lambda r: (r.normal(size=(5, 4)) * 2, lu.softmax(r.normal(size=(5, 4)))),
        {"weight": np.array([0.5, 1.0, 2.0, 1.5]), "label_smoothing": 0.1},
    ),
    "focal_loss": (
        lu.focal_loss,
        lu.focal_loss_grad,
        lambda r: (r.normal(size=(5, 4)) * 2, np.array([0, 3, 1, 2, 1])),
        {"gamma": 0.7, "weight": np.array([0.5, 1.0, 2.0, 1.5])},
    ),
    "squared_hinge": (
        lu.squared_hinge,
        lu.squared_hinge_grad,
        lambda r: (r.normal(size=8), r.choice([-1.0, 1.0], size=8)),
        {"margin": 1.5},
    ),
    "kl_div": (
        lu.kl_div,
        lu.kl_div_grad,
        lambda r: (lu.log_softmax(r.normal(size=(3, 4))), lu.softmax(r.normal(size=(3, 4)))),
        {},
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", sorted(FD_CASES))
def test_gradients_agree_with_central_finite_differences(case: str, reduction: str) -> None:
    fn, grad_fn, make, options = FD_CASES[case]
    first, target = make(np.random.default_rng(20))
    numeric = finite_difference(lambda x: float(fn(x, target, reduction=reduction, **options)), first)
    np.testing.assert_allclose(grad_fn(first, target, reduction=reduction, **options), numeric, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------------
# dtypes, array-likes, no mutation, nan
# --------------------------------------------------------------------------------------------

rng_cases = np.random.default_rng(21)
_LOGITS = rng_cases.normal(size=(4, 3))
_INDEX = np.array([0, 2, 1, 2])
CASES: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray], np.ndarray, np.ndarray, dict]] = {
    "binary_cross_entropy": (
        lu.binary_cross_entropy,
        lu.binary_cross_entropy_grad,
        rng_cases.uniform(0.1, 0.9, 6),
        rng_cases.uniform(0, 1, 6),
        {"weight": rng_cases.uniform(0.5, 2, 6)},
    ),
    "binary_cross_entropy_with_logits": (
        lu.binary_cross_entropy_with_logits,
        lu.binary_cross_entropy_with_logits_grad,
        rng_cases.normal(size=(2, 3)),
        rng_cases.uniform(0, 1, (2, 3)),
        {"pos_weight": np.array([1.0, 2.0, 0.5])},
    ),
    "cross_entropy": (
        lu.cross_entropy,
        lu.cross_entropy_grad,
        _LOGITS,
        _INDEX,
        {"weight": np.array([1.0, 2.0, 0.5]), "label_smoothing": 0.1},
    ),
    "cross_entropy_probabilities": (
        lu.cross_entropy,
        lu.cross_entropy_grad,
        _LOGITS,
        lu.softmax(rng_cases.normal(size=(4, 3))),
        {"weight": np.array([1.0, 2.0, 0.5])},
    ),
    "nll_loss": (lu.nll_loss, lu.nll_loss_grad, lu.log_softmax(_LOGITS), _INDEX, {"weight": np.array([1.0, 2.0, 0.5])}),
    "focal_loss": (lu.focal_loss, lu.focal_loss_grad, _LOGITS, _INDEX, {"gamma": 1.5}),
    "hinge": (lu.hinge, lu.hinge_grad, rng_cases.normal(size=6), np.array([1, -1, 1, 1, -1, -1]), {}),
    "squared_hinge": (
        lu.squared_hinge,
        lu.squared_hinge_grad,
        rng_cases.normal(size=6),
        np.array([1, -1, 1, 1, -1, -1]),
        {},
    ),
    "multiclass_hinge": (lu.multiclass_hinge, lu.multiclass_hinge_grad, _LOGITS, _INDEX, {}),
    "multiclass_hinge_cs": (
        lu.multiclass_hinge,
        lu.multiclass_hinge_grad,
        _LOGITS,
        _INDEX,
        {"variant": "crammer_singer"},
    ),
    "kl_div": (
        lu.kl_div,
        lu.kl_div_grad,
        lu.log_softmax(_LOGITS),
        lu.softmax(rng_cases.normal(size=(4, 3))),
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_in_float32_out_for_value_and_gradient(case: str) -> None:
    fn, grad_fn, first, target, options = CASES[case]
    reductions = ("mean", "sum", "none") + (("batchmean",) if fn is lu.kl_div else ())
    # a float64 target would promote the result to float64, as in torch: the target is float32 too
    target32 = target.astype(np.float32) if np.asarray(target).dtype.kind == "f" else target
    for reduction in reductions:
        value32 = fn(first.astype(np.float32), target32, reduction=reduction, **options)
        grad32 = grad_fn(first.astype(np.float32), target32, reduction=reduction, **options)
        assert value32.dtype == np.float32, reduction
        assert grad32.dtype == np.float32, reduction
        assert grad32.shape == first.shape
        np.testing.assert_allclose(value32, fn(first, target, reduction=reduction, **options), rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(grad32, grad_fn(first, target, reduction=reduction, **options), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reduced_results_are_0d_arrays_and_none_has_the_sample_shape(case: str) -> None:
    fn, _, first, target, options = CASES[case]
    assert fn(first, target, reduction="mean", **options).shape == ()
    assert fn(first, target, reduction="sum", **options).shape == ()
    per_sample = fn(first, target, reduction="none", **options)
    elementwise = fn in (lu.binary_cross_entropy, lu.binary_cross_entropy_with_logits, lu.hinge, lu.squared_hinge)
    expected = first.shape if elementwise or fn is lu.kl_div else first.shape[:1]
    assert per_sample.shape == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_lists_and_torch_tensors_give_the_same_results_and_inputs_are_not_mutated(case: str) -> None:
    fn, grad_fn, first, target, options = CASES[case]
    first_before, target_before = first.copy(), target.copy()
    options_before = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    value, grad = fn(first, target, **options), grad_fn(first, target, **options)
    np.testing.assert_array_equal(first, first_before)
    np.testing.assert_array_equal(target, target_before)
    for k, v in options.items():
        np.testing.assert_array_equal(v, options_before[k])
    np.testing.assert_array_equal(fn(first.tolist(), target.tolist(), **options), value)
    np.testing.assert_array_equal(grad_fn(first.tolist(), target.tolist(), **options), grad)
    as_tensor = torch.tensor(first, requires_grad=True)
    np.testing.assert_array_equal(fn(as_tensor, torch.tensor(target), **options), value)
    np.testing.assert_array_equal(grad_fn(as_tensor, torch.tensor(target), **options), grad)


@pytest.mark.parametrize("case", sorted(CASES))
def test_nan_propagates_to_the_value_and_the_gradient(case: str) -> None:
    fn, grad_fn, first, target, options = CASES[case]
    poisoned = first.copy()
    poisoned.flat[0] = np.nan
    assert np.isnan(fn(poisoned, target, **options))
    assert np.isnan(fn(poisoned, target, reduction="none", **options).flat[0])
    if fn not in (lu.kl_div, lu.nll_loss):  # their gradients do not depend on the first argument (as in torch)
        assert np.isnan(grad_fn(poisoned, target, reduction="none", **options).flat[0])


# --------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------

finite = st.floats(-30, 30, allow_nan=False, allow_infinity=False)


@st.composite
def class_problems(draw: st.DrawFn, min_classes: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logits (N, C), index targets (N,) and positive class weights (C,)."""
    n = draw(st.integers(1, 6))
    c = draw(st.integers(min_classes, 5))
    logits = draw(hnp.arrays(np.float64, (n, c), elements=finite))
    target = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    weight = draw(hnp.arrays(np.float64, (c,), elements=st.floats(0.1, 5.0)))
    return logits, target, weight


reductions = st.sampled_from(REDUCTIONS)


@FAST
@given(problem=class_problems(), reduction=reductions, gamma=st.floats(0.0, 5.0), weighted=st.booleans())
def test_losses_are_non_negative(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], reduction: str, gamma: float, weighted: bool
) -> None:
    logits, target, weight = problem
    w = weight if weighted else None
    assert np.all(lu.cross_entropy(logits, target, reduction=reduction, weight=w, label_smoothing=0.3) >= 0)
    assert np.all(lu.focal_loss(logits, target, reduction=reduction, gamma=gamma, weight=w) >= 0)
    for variant in ("weston_watkins", "crammer_singer"):
        assert np.all(lu.multiclass_hinge(logits, target, reduction=reduction, variant=variant) >= 0)
    prob = lu.softmax(logits)
    assert np.all(lu.cross_entropy(logits, prob, reduction=reduction, weight=w) >= 0)
    assert np.all(lu.binary_cross_entropy(prob, lu.softmax(-logits), reduction=reduction) >= 0)
    assert np.all(lu.binary_cross_entropy_with_logits(logits, prob, reduction=reduction, pos_weight=w) >= 0)
    signs = np.where(logits > 0, 1.0, -1.0)[:, ::-1]
    assert np.all(lu.hinge(logits, signs, reduction=reduction) >= 0)
    assert np.all(lu.squared_hinge(logits, signs, reduction=reduction) >= 0)
    # KL between distributions (per row, so 'sum'/'batchmean' reductions) is >= 0 up to rounding
    assert lu.kl_div(lu.log_softmax(logits), lu.softmax(-logits), reduction="sum") >= -1e-12


@FAST
@given(problem=class_problems(), reduction=reductions, weighted=st.booleans())
def test_focal_loss_with_gamma_zero_is_cross_entropy(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], reduction: str, weighted: bool
) -> None:
    logits, target, weight = problem
    w = weight if weighted else None
    options = {"reduction": reduction, "weight": w}
    np.testing.assert_allclose(
        lu.focal_loss(logits, target, gamma=0.0, **options), lu.cross_entropy(logits, target, **options), rtol=1e-12
    )
    np.testing.assert_allclose(
        lu.focal_loss_grad(logits, target, gamma=0.0, **options),
        lu.cross_entropy_grad(logits, target, **options),
        rtol=1e-12,
        atol=1e-15,
    )


@FAST
@given(problem=class_problems(), reduction=reductions, weighted=st.booleans())
def test_cross_entropy_without_smoothing_is_nll_of_log_softmax(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], reduction: str, weighted: bool
) -> None:
    logits, target, weight = problem
    options = {"reduction": reduction, "weight": weight if weighted else None}
    np.testing.assert_allclose(
        lu.cross_entropy(logits, target, label_smoothing=0.0, **options),
        lu.nll_loss(lu.log_softmax(logits), target, **options),
        rtol=1e-12,
    )


@FAST
@given(problem=class_problems(), reduction=reductions, weighted=st.booleans(), eps=st.floats(0.0, 1.0))
def test_index_targets_equal_one_hot_probability_targets(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], reduction: str, weighted: bool, eps: float
) -> None:
    """Per sample the two forms agree, smoothing and weights included; PyTorch's weighted 'mean'
    divides by the summed target weights for indices but by N for probabilities."""
    logits, target, weight = problem
    w = weight if weighted else None
    one_hot = np.eye(logits.shape[1])[target]
    options = {"reduction": reduction, "weight": w, "label_smoothing": eps}
    from_index = lu.cross_entropy(logits, target, **options)
    from_probs = lu.cross_entropy(logits, one_hot, **options)
    grad_index = lu.cross_entropy_grad(logits, target, **options)
    grad_probs = lu.cross_entropy_grad(logits, one_hot, **options)
    if reduction == "mean" and weighted:
        scale = len(target) / weight[target].sum()
        from_probs, grad_probs = from_probs * scale, grad_probs * scale
    np.testing.assert_allclose(from_index, from_probs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_index, grad_probs, rtol=1e-10, atol=1e-12)


@FAST
@given(problem=class_problems(), reduction=reductions, margin=st.floats(0.0, 5.0))
def test_crammer_singer_never_exceeds_weston_watkins(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], reduction: str, margin: float
) -> None:
    logits, target, _ = problem
    ww = lu.multiclass_hinge(logits, target, reduction=reduction, margin=margin)
    cs = lu.multiclass_hinge(logits, target, reduction=reduction, margin=margin, variant="crammer_singer")
    assert np.all(cs <= ww + 1e-12)


@FAST
@given(problem=class_problems(), weighted=st.booleans())
def test_mean_is_sum_over_n_and_none_sums_to_sum(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], weighted: bool
) -> None:
    logits, target, weight = problem
    w = weight if weighted else None
    n = len(target)
    signs = np.where(np.arange(logits.size) % 2, 1.0, -1.0).reshape(logits.shape)
    cases = [
        (lu.cross_entropy, logits, target, {"label_smoothing": 0.2}, n),
        (lu.focal_loss, logits, target, {"gamma": 2.0}, n),
        (lu.nll_loss, lu.log_softmax(logits), target, {}, n),
        (lu.multiclass_hinge, logits, target, {}, n),
        (lu.multiclass_hinge, logits, target, {"variant": "crammer_singer"}, n),
        (lu.binary_cross_entropy, lu.sigmoid(logits), lu.sigmoid(-logits), {"weight": w}, logits.size),
        (lu.binary_cross_entropy_with_logits, logits, lu.sigmoid(-logits), {"weight": w}, logits.size),
        (lu.hinge, logits, signs, {}, logits.size),
        (lu.squared_hinge, logits, signs, {}, logits.size),
        (lu.kl_div, lu.log_softmax(logits), lu.softmax(-logits), {}, logits.size),
    ]
    for fn, first, tgt, options, count in cases:
        total = fn(first, tgt, reduction="sum", **options)
        np.testing.assert_allclose(fn(first, tgt, reduction="none", **options).sum(), total, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fn(first, tgt, reduction="mean", **options), total / count, rtol=1e-12, atol=1e-12)
        grad_fn = getattr(lu, fn.__name__ + "_grad")
        grad_sum = grad_fn(first, tgt, reduction="sum", **options)
        grad_mean = grad_fn(first, tgt, reduction="mean", **options)
        np.testing.assert_allclose(grad_mean, grad_sum / count, rtol=1e-12, atol=1e-15)
    if weighted:  # weighted means of the class losses divide by the summed target weights
        for fn in (lu.cross_entropy, lu.focal_loss):
            total = fn(logits, target, reduction="sum", weight=weight)
            np.testing.assert_allclose(fn(logits, target, weight=weight), total / weight[target].sum(), rtol=1e-12)


@FAST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.floats(-1e4, 1e4)))
def test_softmax_sums_to_one_and_log_softmax_is_its_log(x: np.ndarray) -> None:
    p = lu.softmax(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    log_p = lu.log_softmax(x)
    assert np.all(np.isfinite(log_p))
    with np.errstate(divide="ignore"):
        log_of_p = np.log(p)
    where = p >= np.finfo(p.dtype).tiny  # a subnormal softmax has lost digits; log_softmax has not
    np.testing.assert_allclose(log_p[where], log_of_p[where], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lu.logsumexp(x), torch.logsumexp(t64(x), -1).numpy(), rtol=1e-14)
