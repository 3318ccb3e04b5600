"""Scalar inputs and dtypes of the element-wise losses, against PyTorch.

Python numbers, NumPy scalars and 0-d arrays are valid inputs (torch takes 0-d tensors): a
reduced loss is a 0-d array, and so is ``reduction='none'`` of 0-d input. Mixed float dtypes
promote as torch promotes them, and float16 is computed in float32 and cast back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils as lu

# (name, a valid first argument, a valid target, options, torch twin or None)
TorchTwin = Callable[..., torch.Tensor] | None
ELEMENTWISE: list[tuple[str, float, float, dict[str, Any], TorchTwin]] = [
    ("mse", 2.0, 0.5, {}, F.mse_loss),
    ("mae", 2.0, 0.5, {}, F.l1_loss),
    ("mbe", 2.0, 0.5, {}, None),
    ("huber", 2.0, 0.5, {"delta": 1.0}, F.huber_loss),
    ("smooth_l1", 2.0, 0.5, {"beta": 1.0}, F.smooth_l1_loss),
    ("smooth_l1", 2.0, 0.5, {"beta": 0.0}, F.smooth_l1_loss),
    ("log_cosh", 2.0, 0.5, {}, None),
    ("quantile", 2.0, 0.5, {"q": 0.25}, None),
    ("binary_cross_entropy", 0.25, 1.0, {}, F.binary_cross_entropy),
    ("binary_cross_entropy_with_logits", 0.5, 1.0, {}, F.binary_cross_entropy_with_logits),
    ("hinge", 0.5, -1.0, {}, None),
    ("squared_hinge", 0.5, -1.0, {}, None),
    ("kl_div", -0.5, 0.25, {"reduction": "sum"}, F.kl_div),
]
IDS = [f"{name}-{opts}" for name, _, _, opts, _ in ELEMENTWISE]


def _scalar_forms(value: float) -> list[Any]:
    return [value, np.float64(value), np.array(value), torch.tensor(value, dtype=torch.float64)]


@pytest.mark.parametrize(("name", "first", "target", "opts", "twin"), ELEMENTWISE, ids=IDS)
def test_scalars_and_0d_arrays_are_valid_inputs(
    name: str, first: float, target: float, opts: dict[str, Any], twin: TorchTwin
) -> None:
    # every such call used to raise "TypeError: return arrays must be of ArrayType"
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    base = {k: v for k, v in opts.items() if k != "reduction"}
    reductions = [opts["reduction"]] if "reduction" in opts else ["mean", "sum", "none"]
    for reduction in reductions:
        one = fn(np.array([first]), np.array([target]), reduction=reduction, **base)  # shape (1,)
        one_grad = grad_fn(np.array([first]), np.array([target]), reduction=reduction, **base)
        for p, t in zip(_scalar_forms(first), _scalar_forms(target), strict=True):
            value = fn(p, t, reduction=reduction, **base)
            grad = grad_fn(p, t, reduction=reduction, **base)
            assert isinstance(value, np.ndarray if reduction == "none" else np.floating)
            assert value.shape == ()  # a NumPy scalar, or a 0-d array for 'none'
            assert value.dtype == np.float64
            assert isinstance(grad, np.ndarray)
            assert grad.shape == ()  # the shape of the first argument
            assert value == one.reshape(())
            assert grad == one_grad.reshape(())
        if twin is not None:  # torch takes 0-d tensors, and agrees
            tp = torch.tensor(first, dtype=torch.float64, requires_grad=True)
            ref = twin(tp, torch.tensor(target, dtype=torch.float64), reduction=reduction, **base)
            ref.backward()
            np.testing.assert_allclose(fn(first, target, reduction=reduction, **base), ref.item(), rtol=1e-15)
            assert tp.grad is not None
            np.testing.assert_allclose(grad_fn(first, target, reduction=reduction, **base), tp.grad.item(), rtol=1e-15)


@pytest.mark.parametrize(("fn", "twin"), [(lu.sigmoid, torch.sigmoid), (lu.log_sigmoid, F.logsigmoid)])
@pytest.mark.parametrize("form", [float, np.float64, np.array, np.float32])
def test_sigmoid_and_log_sigmoid_of_a_scalar_are_0d_arrays(
    fn: Callable[..., np.ndarray], twin: Callable[[torch.Tensor], torch.Tensor], form: Callable[[float], Any]
) -> None:
    x = form(0.3)
    out = fn(x)
    assert isinstance(out, np.ndarray)
    assert out.shape == ()
    assert out.dtype == np.asarray(x).dtype
    np.testing.assert_allclose(out, twin(torch.tensor(0.3, dtype=torch.float64)).item(), rtol=1e-6)


# -- float16: computed in float32, cast back -------------------------------------------------

HALF = np.float16


def _half(*values: float) -> np.ndarray:
    return np.array(values, dtype=HALF)


def test_float16_mean_of_ten_squared_residuals_of_100_is_finite_as_in_torch() -> None:
    pred, target = np.full(10, 100.0, dtype=HALF), np.zeros(10, dtype=HALF)
    value = lu.mse(pred, target)  # the sum, 1e5, is beyond float16's 65504: it used to be inf
    assert value.dtype == HALF
    ref = F.mse_loss(torch.tensor(pred), torch.tensor(target))
    assert ref.item() == 10000.0
    assert float(value) == 10000.0


def test_float16_mean_over_more_than_65504_elements_is_not_zero() -> None:
    n = 70_000  # N itself rounds to inf in float16: the mean was 0 and the gradient all zeros
    pred, target = np.ones(n, dtype=HALF), np.zeros(n, dtype=HALF)
    tp = torch.tensor(pred, requires_grad=True)
    ref = F.mse_loss(tp, torch.tensor(target))
    ref.backward()
    assert tp.grad is not None
    for name in ("mse", "mae", "huber", "smooth_l1", "mbe"):
        value, grad = getattr(lu, name)(pred, target), getattr(lu, f"{name}_grad")(pred, target)
        assert value.dtype == grad.dtype == HALF
        assert float(value) == pytest.approx(0.5 if name in ("huber", "smooth_l1") else 1.0, rel=1e-3)
        assert np.all(grad > 0), name
    np.testing.assert_array_equal(lu.mse(pred, target), ref.detach().numpy())
    np.testing.assert_array_equal(lu.mse_grad(pred, target), tp.grad.numpy())


def test_float16_log_cosh_does_not_overflow_beyond_11_8() -> None:
    r = _half(11.0, 12.0, 100.0, -1000.0, 60000.0)
    value = lu.log_cosh(r, np.zeros_like(r), reduction="none")  # cosh(12) > 65504: it was inf
    assert value.dtype == HALF
    exact = np.abs(r.astype(np.float64)) - np.log(2.0) + np.log1p(np.exp(-2 * np.abs(r.astype(np.float64))))
    np.testing.assert_array_equal(value, exact.astype(HALF))
    grad = lu.log_cosh_grad(r, np.zeros_like(r), reduction="none")
    np.testing.assert_array_equal(grad, np.tanh(r.astype(np.float64)).astype(HALF))


@pytest.mark.parametrize(
    ("name", "opts", "twin"),
    [
        ("huber", {"delta": 1.0}, F.huber_loss),
        ("smooth_l1", {"beta": 1.0}, F.smooth_l1_loss),
        ("mse", {}, F.mse_loss),
    ],
)
def test_float16_residuals_beyond_half_the_range_match_torch(name: str, opts: dict[str, Any], twin: TorchTwin) -> None:
    # |r| > 65504 / 2: r² and 2|r| left float16's range, so huber, smooth_l1 and mse_grad gave inf
    pred, target = np.full(10, 40000.0, dtype=HALF), np.zeros(10, dtype=HALF)
    tp = torch.tensor(pred, requires_grad=True)
    assert twin is not None
    ref = twin(tp, torch.tensor(target), **opts)
    ref.backward()
    assert tp.grad is not None
    value, grad = getattr(lu, name)(pred, target, **opts), getattr(lu, f"{name}_grad")(pred, target, **opts)
    assert value.dtype == grad.dtype == HALF
    np.testing.assert_array_equal(value, ref.detach().numpy())  # inf for mse, as in torch: 1.6e9 is beyond float16
    np.testing.assert_array_equal(grad, tp.grad.numpy())
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize(("name", "first", "target", "opts", "twin"), ELEMENTWISE, ids=IDS)
def test_float16_in_float16_out(name: str, first: float, target: float, opts: dict[str, Any], twin: TorchTwin) -> None:
    fn, grad_fn = getattr(lu, name), getattr(lu, f"{name}_grad")
    p, t = np.full(3, first, dtype=HALF), np.full(3, target, dtype=HALF)
    base = {k: v for k, v in opts.items() if k != "reduction"}
    for reduction in ["mean", "sum", "none"] + (["batchmean"] if name == "kl_div" else []):
        value, grad = fn(p, t, reduction=reduction, **base), grad_fn(p, t, reduction=reduction, **base)
        assert value.dtype == grad.dtype == HALF, reduction
        expected = fn(p.astype(np.float32), t.astype(np.float32), reduction=reduction, **base)
        np.testing.assert_array_equal(value, expected.astype(HALF))


# -- mixed dtypes promote as in torch --------------------------------------------------------


def test_float32_pred_with_float64_target_promotes_to_float64_as_torch_does() -> None:
    pred, target = np.array([10000.5, -3.0], dtype=np.float32), np.array([10000.0 + 1e-3, -3.0])
    ref = F.mse_loss(torch.tensor(pred), torch.tensor(target))  # torch: float64
    assert ref.dtype == torch.float64
    value = lu.mse(pred, target)  # the target used to be cast down to float32: 0.25 instead of 0.2495
    assert value.dtype == np.float64
    np.testing.assert_allclose(value, ref.item(), rtol=1e-15)
    assert lu.mse_grad(pred, target).dtype == np.float64


ELEMENTWISE_DTYPES = [
    (np.float32, np.float64, np.float64),
    (np.float64, np.float32, np.float64),
    (np.float16, np.float32, np.float32),
    (np.float16, np.float64, np.float64),
    (np.float32, np.int64, np.float32),  # torch: an integer tensor takes the float dtype
    (np.int64, np.float32, np.float32),
    (np.int64, np.int32, np.float64),  # no float at all: float64, as before
    (np.float32, np.bool_, np.float32),
]


@pytest.mark.parametrize(("pred_dtype", "target_dtype", "expected"), ELEMENTWISE_DTYPES)
@pytest.mark.parametrize(("name", "first", "target", "opts", "twin"), ELEMENTWISE[:8], ids=IDS[:8])
def test_regression_result_dtype_is_torch_promotion(
    name: str, first: float, target: float, opts: dict[str, Any], twin: TorchTwin, pred_dtype, target_dtype, expected
) -> None:
    p, t = np.array([2, 1], dtype=pred_dtype), np.array([0, 1], dtype=target_dtype)
    for reduction in ("mean", "none"):
        assert getattr(lu, name)(p, t, reduction=reduction, **opts).dtype == expected
        assert getattr(lu, f"{name}_grad")(p, t, reduction=reduction, **opts).dtype == expected
    # torch agrees for mse_loss, l1_loss and smooth_l1_loss; huber_loss alone keeps its input's dtype
    if twin not in (None, F.huber_loss) and np.dtype(pred_dtype).kind == "f" and np.dtype(target_dtype).kind == "f":
        assert (
            twin(torch.tensor(p.astype(pred_dtype)), torch.tensor(t)).dtype
            == torch.from_numpy(np.ones(1, expected)).dtype
        )


@pytest.mark.parametrize(
    ("name", "first", "target"),
    [
        ("binary_cross_entropy_with_logits", [0.5, -1.0], [1.0, 0.0]),
        ("binary_cross_entropy", [0.25, 0.5], [1.0, 0.0]),
        ("hinge", [0.5, -1.0], [1.0, -1.0]),
        ("kl_div", [-0.5, -1.0], [0.25, 0.75]),
    ],
)
def test_classification_result_dtype_is_torch_promotion(name: str, first: list[float], target: list[float]) -> None:
    f32, f64 = np.array(first, dtype=np.float32), np.array(target, dtype=np.float64)
    for fn in (getattr(lu, name), getattr(lu, f"{name}_grad")):
        assert fn(f32, f64).dtype == np.float64
        assert fn(f32, f64.astype(np.float32)).dtype == np.float32
        assert fn(f32, target).dtype == np.float32  # a list has no dtype: it takes the other's


def test_python_lists_and_numbers_take_the_dtype_of_the_other_input() -> None:
    f32 = np.array([0.5, 2.0], dtype=np.float32)
    assert lu.mse(f32, [0.0, 1.0]).dtype == np.float32
    assert lu.mse([0.0, 1.0], f32).dtype == np.float32
    assert lu.mse(np.float32(0.5), 1.0).dtype == np.float32
    assert lu.mse(torch.tensor([0.5, 2.0]), [0.0, 1.0]).dtype == np.float32
    assert lu.mse([0.5, 2.0], [0.0, 1.0]).dtype == np.float64
