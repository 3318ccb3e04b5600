"""Regression losses of :mod:`lossutils` against PyTorch (float64), finite differences,
scikit-learn's metrics, extreme inputs and hypothesis properties.

Every loss is checked for its value AND its gradient, for every reduction and option value.
The reference is ``torch.nn.functional`` where PyTorch has the loss, otherwise the same
formula written directly in torch and differentiated by autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import mean_absolute_error, mean_pinball_loss, mean_squared_error

import lossutils as lu

REDUCTIONS = ("mean", "sum", "none")
FAST = settings(max_examples=50, deadline=None)
TorchRef = Callable[[torch.Tensor, torch.Tensor, str], torch.Tensor]


def _reduce_t(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def _log_cosh_t(p: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
    r = p - t
    return _reduce_t(torch.logaddexp(r, -r) - math.log(2.0), reduction)


def _quantile_t(q: float) -> TorchRef:
    def ref(p: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
        d = t - p
        return _reduce_t(torch.maximum(q * d, (q - 1) * d), reduction)

    return ref


# (name, options, torch reference). Each option value of each loss appears once.
CASES: list[tuple[str, dict[str, Any], TorchRef]] = [
    ("mse", {}, lambda p, t, red: F.mse_loss(p, t, reduction=red)),
    ("mae", {}, lambda p, t, red: F.l1_loss(p, t, reduction=red)),
    ("mbe", {}, lambda p, t, red: _reduce_t(p - t, red)),
    *[
        ("huber", {"delta": d}, lambda p, t, red, d=d: F.huber_loss(p, t, reduction=red, delta=d))
        for d in (0.3, 1.0, 2.5)
    ],
    *[
        ("smooth_l1", {"beta": b}, lambda p, t, red, b=b: F.smooth_l1_loss(p, t, reduction=red, beta=b))
        for b in (0.0, 0.5, 1.0, 3.0)
    ],
    ("log_cosh", {}, _log_cosh_t),
    *[("quantile", {"q": q}, _quantile_t(q)) for q in (0.1, 0.5, 0.9)],
]
IDS = [f"{name}-{opts}" for name, opts, _ in CASES]


def _data(shape: tuple[int, ...], seed: int = 0, scale: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(shape), scale * rng.standard_normal(shape)


def _torch_value_and_grad(ref: TorchRef, pred: np.ndarray, target: np.ndarray, red: str) -> tuple[Any, Any]:
    p = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    out = ref(p, torch.tensor(target, dtype=torch.float64), red)
    out.sum().backward()
    assert p.grad is not None
    return out.detach().numpy(), p.grad.numpy()


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7,), (4, 5), (1,)])
def test_value_and_gradient_match_torch(
    name: str, opts: dict[str, Any], ref: TorchRef, reduction: str, shape: tuple[int, ...]
) -> None:
    pred, target = _data(shape, seed=len(shape) + 3 * len(name))
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    value = fn(pred, target, reduction=reduction, **opts)
    grad = grad_fn(pred, target, reduction=reduction, **opts)
    ref_value, ref_grad = _torch_value_and_grad(ref, pred, target, reduction)
    assert value.shape == ref_value.shape
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-12)
    assert grad.shape == pred.shape
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradient_matches_central_finite_differences(
    name: str, opts: dict[str, Any], ref: TorchRef, reduction: str
) -> None:
    pred, target = _data((9,), seed=11)
    # keep every residual away from the kinks (0, ±delta, ±beta) so the derivative exists
    kinks = np.array([0.0, *(v for k, v in opts.items() if k in ("delta", "beta"))])
    r = pred - target
    for k in kinks:
        for s in (-1, 1):
            close = np.abs(r - s * k) < 1e-3
            pred[close] += 0.01
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    h = 1e-6
    numeric = np.empty_like(pred)
    for i in range(pred.size):
        up, down = pred.copy(), pred.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (fn(up, target, reduction=reduction, **opts) - fn(down, target, reduction=reduction, **opts)) / (
            2 * h
        )
    np.testing.assert_allclose(grad_fn(pred, target, reduction=reduction, **opts), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_extreme_residuals_are_finite_and_match_torch(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    pred = np.array([1e4, -1e4, 0.0, 5e3, -1e-300])
    target = np.array([-1e4, 1e4, 0.0, 0.0, 0.0])
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no invalid operation
        value = fn(pred, target, reduction="none", **opts)
        grad = grad_fn(pred, target, reduction="none", **opts)
    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(grad))
    ref_value, ref_grad = _torch_value_and_grad(ref, pred, target, "none")
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-12)
    if name != "quantile":  # at a tie autograd of max() splits the slope; lossutils uses 0 (tested below)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-12)


def test_log_cosh_is_stable_where_the_naive_formula_overflows() -> None:
    r = np.array([1e4, -1e4, 800.0], dtype=np.float64)
    with np.errstate(over="ignore"):
        assert np.all(np.isinf(np.log(np.cosh(r))))  # the naive formula fails here
    np.testing.assert_allclose(lu.log_cosh(r, np.zeros(3), reduction="none"), np.abs(r) - math.log(2.0), rtol=1e-15)
    moderate = np.array([0.3, -0.99, 0.999999, 1.5])
    np.testing.assert_allclose(
        lu.log_cosh(moderate, np.zeros(4), reduction="none"), np.log(np.cosh(moderate)), rtol=1e-12
    )
    # near 0, log cosh r = r^2/2 - r^4/12 + ...: the naive formula rounds it to 0, lossutils does not
    tiny = np.array([1e-8, -3e-5])
    np.testing.assert_allclose(lu.log_cosh(tiny, np.zeros(2), reduction="none"), tiny**2 / 2 - tiny**4 / 12, rtol=1e-12)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_in_float32_out_and_inputs_untouched(
    name: str, opts: dict[str, Any], ref: TorchRef, reduction: str
) -> None:
    pred, target = (a.astype(np.float32) for a in _data((6,), seed=2))
    pred_copy, target_copy = pred.copy(), target.copy()
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    value = fn(pred, target, reduction=reduction, **opts)
    grad = grad_fn(pred, target, reduction=reduction, **opts)
    assert value.dtype == np.float32
    assert grad.dtype == np.float32
    np.testing.assert_array_equal(pred, pred_copy)
    np.testing.assert_array_equal(target, target_copy)
    ref_value, ref_grad = _torch_value_and_grad(ref, pred.astype(np.float64), target.astype(np.float64), reduction)
    np.testing.assert_allclose(value, ref_value, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_integers_lists_and_tensors_are_accepted(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    fn = getattr(lu, name)
    pred, target = [3, -1, 2], [1, 1, 2]
    expected = fn(np.array(pred, dtype=np.float64), np.array(target, dtype=np.float64), **opts)
    from_ints = fn(np.array(pred), np.array(target), **opts)
    assert from_ints.dtype == np.float64
    assert float(from_ints) == float(expected)
    assert float(fn(pred, target, **opts)) == float(expected)
    assert float(fn(torch.tensor(pred, dtype=torch.float64), torch.tensor(target), **opts)) == float(expected)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_nan_propagates(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    pred, target = np.array([np.nan, 1.0]), np.array([0.0, 0.5])
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    assert np.isnan(fn(pred, target, **opts))
    assert np.isnan(fn(pred, target, reduction="none", **opts)[0])
    if name != "mbe":  # d(pred - target)/d(pred) is 1 whatever pred is, as autograd says too
        assert np.isnan(grad_fn(pred, target, reduction="none", **opts)[0])
    assert not np.isnan(fn(pred, target, reduction="none", **opts)[1])


def test_quantile_gradient_at_a_tie_is_zero_and_matches_half_mae() -> None:
    pred, target = np.array([1.0, 2.0, 0.0]), np.array([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(lu.quantile_grad(pred, target, q=0.3, reduction="none"), [0.0, 0.7, -0.3])
    np.testing.assert_array_equal(lu.quantile_grad(pred, target, q=0.5), 0.5 * lu.mae_grad(pred, target))


# ---------------------------------------------------------------------------------------------
# Known values from scikit-learn
# ---------------------------------------------------------------------------------------------


def test_mse_and_mae_match_scikit_learn() -> None:
    pred, target = _data((50,), seed=5)
    assert float(lu.mse(pred, target)) == pytest.approx(mean_squared_error(target, pred), rel=1e-14)
    assert float(lu.mae(pred, target)) == pytest.approx(mean_absolute_error(target, pred), rel=1e-14)


@pytest.mark.parametrize("q", [0.05, 0.1, 0.5, 0.75, 0.95])
def test_quantile_matches_scikit_learn_mean_pinball_loss(q: float) -> None:
    pred, target = _data((40,), seed=6)
    assert float(lu.quantile(pred, target, q=q)) == pytest.approx(mean_pinball_loss(target, pred, alpha=q), rel=1e-14)


def test_scikit_learn_documented_pinball_example() -> None:
    # scikit-learn's docstring example: mean_pinball_loss([1, 2, 3], [0, 2, 3], alpha=0.1) == 0.0333...
    assert float(lu.quantile([0, 2, 3], [1, 2, 3], q=0.1)) == pytest.approx(0.1 / 3, rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------------------------

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
pairs = st.integers(min_value=1, max_value=20).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, (n,), elements=finite),
        hnp.arrays(np.float64, (n,), elements=finite),
    )
)
NON_NEGATIVE = [case for case in CASES if case[0] != "mbe"]


@FAST
@given(pairs)
def test_losses_are_non_negative_and_zero_at_a_perfect_prediction(xy: tuple[np.ndarray, np.ndarray]) -> None:
    pred, target = xy
    for name, opts, _ in NON_NEGATIVE:
        fn = getattr(lu, name)
        assert np.all(fn(pred, target, reduction="none", **opts) >= 0), name
        assert float(fn(target, target, **opts)) == 0.0, name
        assert np.all(getattr(lu, f"{name}_grad")(target, target, **opts) == 0.0), name


@FAST
@given(pairs)
def test_reductions_are_consistent(xy: tuple[np.ndarray, np.ndarray]) -> None:
    pred, target = xy
    for name, opts, _ in CASES:
        fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
        none = fn(pred, target, reduction="none", **opts)
        total = fn(pred, target, reduction="sum", **opts)
        np.testing.assert_allclose(total, none.sum(), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(fn(pred, target, **opts), total / pred.size, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(
            grad_fn(pred, target, **opts), grad_fn(pred, target, reduction="sum", **opts) / pred.size, rtol=1e-12
        )


@FAST
@given(pairs, st.floats(min_value=1e-3, max_value=1e3))
def test_huber_is_delta_times_smooth_l1(xy: tuple[np.ndarray, np.ndarray], delta: float) -> None:
    pred, target = xy
    np.testing.assert_allclose(
        lu.huber(pred, target, delta=delta, reduction="none"),
        delta * lu.smooth_l1(pred, target, beta=delta, reduction="none"),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        lu.huber_grad(pred, target, delta=delta, reduction="none"),
        delta * lu.smooth_l1_grad(pred, target, beta=delta, reduction="none"),
        rtol=1e-12,
        atol=1e-12,
    )


@FAST
@given(pairs)
def test_limits_and_bounds(xy: tuple[np.ndarray, np.ndarray]) -> None:
    pred, target = xy
    r = np.abs(pred - target)
    # pinball at q = 1/2 is half the absolute error
    np.testing.assert_allclose(lu.quantile(pred, target, q=0.5, reduction="none"), 0.5 * r, rtol=1e-12, atol=0)
    # Huber with a delta larger than every residual is half the squared error
    big = float(r.max()) + 1.0
    np.testing.assert_allclose(lu.huber(pred, target, delta=big, reduction="none"), 0.5 * r**2, rtol=1e-12, atol=1e-300)
    # log cosh r lies between |r| - log 2 and |r|, and below r^2 / 2
    lc = lu.log_cosh(pred, target, reduction="none")
    assert np.all(lc <= r + 1e-12)
    assert np.all(lc >= r - math.log(2.0) - 1e-12)
    assert np.all(lc <= 0.5 * r**2 + 1e-12)
    # MBE is the mean signed residual and can be zero while every error is large
    assert float(lu.mbe([1.0, -1.0], [0.0, 0.0])) == 0.0


# ---------------------------------------------------------------------------------------------
# The API promise, the pieces' boundaries, and inputs the tests above do not reach
# ---------------------------------------------------------------------------------------------

NAMES = ["mse", "mae", "mbe", "huber", "smooth_l1", "log_cosh", "quantile"]
DEFAULTS = {"huber": {"delta": 1.0}, "smooth_l1": {"beta": 1.0}, "quantile": {"q": 0.5}}


@pytest.mark.parametrize("name", NAMES)
def test_grad_shares_the_signature_of_its_loss(name: str) -> None:
    import inspect

    assert name in lu.regression.__all__
    assert f"{name}_grad" in lu.regression.__all__
    sig = inspect.signature(getattr(lu, name))
    grad_sig = inspect.signature(getattr(lu, f"{name}_grad"))
    assert grad_sig.parameters == sig.parameters  # the same arguments; the loss returns a LossValue
    params = list(sig.parameters.values())
    assert [p.name for p in params[:2]] == ["pred", "target"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:])
    assert {p.name: p.default for p in params[2:]} == {"reduction": "mean", **DEFAULTS.get(name, {})}


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_pieces_meet_at_delta(delta: float) -> None:
    pred, target = np.array([delta, -delta]), np.zeros(2)
    value = lu.huber(pred, target, reduction="none", delta=delta)
    np.testing.assert_allclose(value, 0.5 * delta**2, rtol=1e-15)  # delta * (|r| - delta / 2) gives the same
    np.testing.assert_array_equal(lu.huber_grad(pred, target, reduction="none", delta=delta), [delta, -delta])
    ref = next(c[2] for c in CASES if c[:2] == ("huber", {"delta": delta}))
    ref_value, ref_grad = _torch_value_and_grad(ref, pred, target, "none")
    np.testing.assert_allclose(value, ref_value, rtol=1e-15)
    np.testing.assert_array_equal(lu.huber_grad(pred, target, reduction="none", delta=delta), ref_grad)


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_smooth_l1_pieces_meet_at_beta(beta: float) -> None:
    pred, target = np.array([beta, -beta]), np.zeros(2)
    value = lu.smooth_l1(pred, target, reduction="none", beta=beta)
    np.testing.assert_allclose(value, 0.5 * beta, rtol=1e-15)
    np.testing.assert_array_equal(lu.smooth_l1_grad(pred, target, reduction="none", beta=beta), [1.0, -1.0])
    ref = next(c[2] for c in CASES if c[:2] == ("smooth_l1", {"beta": beta}))
    ref_value, ref_grad = _torch_value_and_grad(ref, pred, target, "none")
    np.testing.assert_allclose(value, ref_value, rtol=1e-15)
    np.testing.assert_array_equal(lu.smooth_l1_grad(pred, target, reduction="none", beta=beta), ref_grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_with_beta_zero_is_exactly_mae(reduction: str) -> None:
    pred, target = np.array([-2.0, 0.0, 0.3, 5.0]), np.array([0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(
        lu.smooth_l1(pred, target, reduction=reduction, beta=0.0), lu.mae(pred, target, reduction=reduction)
    )
    np.testing.assert_array_equal(
        lu.smooth_l1_grad(pred, target, reduction=reduction, beta=0.0), lu.mae_grad(pred, target, reduction=reduction)
    )


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_float32_residuals_of_1e4_stay_finite(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    pred = np.array([1e4, -1e4, 0.0, 0.5], dtype=np.float32)
    target = np.array([-1e4, 1e4, 0.0, 0.0], dtype=np.float32)
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for reduction in REDUCTIONS:
            value = fn(pred, target, reduction=reduction, **opts)
            grad = grad_fn(pred, target, reduction=reduction, **opts)
            assert value.dtype == grad.dtype == np.float32
            assert np.all(np.isfinite(value))
            assert np.all(np.isfinite(grad))
    ref_value, _ = _torch_value_and_grad(ref, pred.astype(np.float64), target.astype(np.float64), "none")
    np.testing.assert_allclose(fn(pred, target, reduction="none", **opts), ref_value, rtol=1e-6)


def test_float32_log_cosh_of_large_residuals_is_abs_minus_log2() -> None:
    r = np.array([1e4, -1e4, 100.0, -90.0, 1e30], dtype=np.float32)  # cosh overflows float32 past ~89
    with np.errstate(over="raise", invalid="raise"):
        value = lu.log_cosh(r, np.zeros_like(r), reduction="none")
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, np.abs(r.astype(np.float64)) - math.log(2.0), rtol=1e-7)
    np.testing.assert_array_equal(lu.log_cosh_grad(r, np.zeros_like(r), reduction="none"), np.sign(r))


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_integer_gradients_are_float64(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    pred, target = np.array([[3, -1], [0, 7]]), np.array([[1, 1], [0, 2]])
    grad_fn = getattr(lu, f"{name}_grad")
    for reduction in REDUCTIONS:
        grad = grad_fn(pred, target, reduction=reduction, **opts)
        assert grad.dtype == np.float64
        np.testing.assert_array_equal(
            grad, grad_fn(pred.astype(float), target.astype(float), reduction=reduction, **opts)
        )


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float64_inputs_are_neither_mutated_nor_aliased(
    name: str, opts: dict[str, Any], ref: TorchRef, reduction: str
) -> None:
    pred, target = _data((2, 3), seed=4)
    pred_copy, target_copy = pred.copy(), target.copy()
    for fn in (getattr(lu, name), getattr(lu, f"{name}_grad")):
        out = np.asarray(fn(pred, target, reduction=reduction, **opts))  # a reduced loss is a NumPy scalar
        out[...] = 12345.0  # writing to a result must not reach the caller's arrays
        np.testing.assert_array_equal(pred, pred_copy)
        np.testing.assert_array_equal(target, target_copy)


@pytest.mark.parametrize(("name", "opts", "ref"), CASES, ids=IDS)
def test_gradients_accept_lists_and_tensors_that_require_grad(name: str, opts: dict[str, Any], ref: TorchRef) -> None:
    pred, target = [[0.5, -2.0], [3.0, 0.25]], [[0.0, 1.0], [-1.0, 0.25]]
    grad_fn = getattr(lu, f"{name}_grad")
    expected = grad_fn(np.array(pred), np.array(target), reduction="none", **opts)
    tp = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    for p, t in [(pred, target), (tp, torch.tensor(target, dtype=torch.float64)), (tp, target)]:
        np.testing.assert_array_equal(grad_fn(p, t, reduction="none", **opts), expected)
    assert grad_fn(tp.float(), target, reduction="none", **opts).dtype == np.float32
    assert tp.grad is None  # reading a tensor leaves its autograd state alone


def test_scikit_learn_documented_examples() -> None:
    # sklearn.metrics.mean_squared_error / mean_absolute_error docstrings (y_true first there)
    y_true, y_pred = [3, -0.5, 2, 7], [2.5, 0.0, 2, 8]
    assert float(lu.mse(y_pred, y_true)) == pytest.approx(0.375, abs=1e-15)
    assert float(lu.mae(y_pred, y_true)) == pytest.approx(0.5, abs=1e-15)
    # sklearn.metrics.mean_pinball_loss docstring: one miss of 1 among 3 samples, weighted q or 1 - q
    y_true = [1, 2, 3]
    assert float(lu.quantile([1, 2, 4], y_true, q=0.1)) == pytest.approx(0.9 / 3, rel=1e-14)
    assert float(lu.quantile([0, 2, 3], y_true, q=0.9)) == pytest.approx(0.9 / 3, rel=1e-14)
    assert float(lu.quantile([1, 2, 4], y_true, q=0.9)) == pytest.approx(0.1 / 3, rel=1e-14)
    assert float(lu.quantile(y_true, y_true, q=0.1)) == 0.0


def test_two_dimensional_inputs_match_scikit_learn() -> None:
    pred, target = _data((20, 3), seed=8)  # scikit-learn averages per-column means: the same mean here
    assert float(lu.mse(pred, target)) == pytest.approx(mean_squared_error(target, pred), rel=1e-13)
    assert float(lu.mae(pred, target)) == pytest.approx(mean_absolute_error(target, pred), rel=1e-13)
    for q in (0.1, 0.5, 0.9):
        assert float(lu.quantile(pred, target, q=q)) == pytest.approx(
            mean_pinball_loss(target, pred, alpha=q), rel=1e-13
        )


@st.composite
def _pairs_2d(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6))
    return draw(hnp.arrays(np.float64, shape, elements=finite)), draw(hnp.arrays(np.float64, shape, elements=finite))


@FAST
@given(_pairs_2d())
def test_none_gradient_is_the_sum_gradient_and_mbe_is_zero_at_perfect_prediction(
    xy: tuple[np.ndarray, np.ndarray],
) -> None:
    pred, target = xy
    for name, opts, _ in CASES:
        grad_fn = getattr(lu, f"{name}_grad")
        g_none = grad_fn(pred, target, reduction="none", **opts)
        assert g_none.shape == pred.shape
        np.testing.assert_array_equal(g_none, grad_fn(pred, target, reduction="sum", **opts))
        np.testing.assert_allclose(
            getattr(lu, name)(pred, target, **opts),
            getattr(lu, name)(pred, target, reduction="sum", **opts) / pred.size,
            rtol=1e-12,
            atol=1e-9,
        )
    assert float(lu.mbe(target, target.copy())) == 0.0
    np.testing.assert_array_equal(lu.mbe_grad(target, target.copy(), reduction="none"), np.ones_like(target))


@FAST
@given(_pairs_2d(), st.floats(min_value=0.01, max_value=0.99))
def test_quantile_mirrors_q_when_pred_and_target_swap(xy: tuple[np.ndarray, np.ndarray], q: float) -> None:
    pred, target = xy
    np.testing.assert_allclose(
        lu.quantile(pred, target, q=q, reduction="none"),
        lu.quantile(target, pred, q=1 - q, reduction="none"),
        rtol=1e-12,
        atol=1e-12,
    )
    r = pred - target
    expected = np.select([r > 0, r < 0], [1 - q, -q], 0.0)  # -q too low, 1 - q too high, 0 at a tie
    np.testing.assert_array_equal(lu.quantile_grad(pred, target, q=q, reduction="none"), expected)


@FAST
@given(_pairs_2d(), st.floats(min_value=1e-2, max_value=1e2))
def test_robust_gradients_are_bounded_and_log_cosh_is_above_its_taylor_bound(
    xy: tuple[np.ndarray, np.ndarray], delta: float
) -> None:
    pred, target = xy
    r = pred - target
    assert np.all(np.abs(lu.huber_grad(pred, target, delta=delta, reduction="none")) <= delta)
    assert np.all(np.abs(lu.smooth_l1_grad(pred, target, beta=delta, reduction="none")) <= 1.0)
    np.testing.assert_allclose(lu.log_cosh_grad(pred, target, reduction="none"), np.tanh(r), rtol=1e-15, atol=0)
    lc = lu.log_cosh(pred, target, reduction="none")
    assert np.all(lc >= r**2 / 2 - r**4 / 12 - 1e-12 * (1 + np.abs(r)))
