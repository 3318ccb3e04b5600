"""Bad input to the regression losses gets a clear error that names the argument and the
problem, from the loss and from its gradient alike; plus the shared validation helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import lossutils as lu
from lossutils._validation import (
    as_float_array,
    as_index_array,
    check_in_range,
    check_positive,
    check_reduction,
    check_same_shape,
    reduce,
    reduce_grad,
)

REGRESSION = ["mse", "mae", "mbe", "huber", "smooth_l1", "log_cosh", "quantile"]

# (loss names, pred, target, options, exception, exact message)
BAD_INPUTS: list[tuple[list[str], Any, Any, dict[str, Any], type[Exception], str]] = [
    (
        REGRESSION,
        [1.0, 2.0, 3.0],
        [1.0, 2.0],
        {},
        ValueError,
        "pred and target must have the same shape; got pred.shape=(3,), target.shape=(2,)",
    ),
    (
        REGRESSION,
        [1.0, 2.0],
        [[1.0, 2.0]],
        {},
        ValueError,
        "pred and target must have the same shape; got pred.shape=(2,), target.shape=(1, 2)",
    ),
    (REGRESSION, [], [], {}, ValueError, "pred is empty"),
    (
        REGRESSION,
        [1.0],
        [1.0],
        {"reduction": "avg"},
        ValueError,
        "reduction must be 'mean', 'sum' or 'none', got 'avg'",
    ),
    (REGRESSION, [1.0], [1.0], {"reduction": None}, ValueError, "reduction must be 'mean', 'sum' or 'none', got None"),
    (REGRESSION, ["a"], [1.0], {}, TypeError, "pred must hold real numbers; got dtype <U1"),
    (REGRESSION, [1.0], ["b"], {}, TypeError, "target must hold real numbers; got dtype <U1"),
    (REGRESSION, [1j], [1.0], {}, TypeError, "pred must hold real numbers; got dtype complex128"),
    (REGRESSION, [object()], [1.0], {}, TypeError, "pred must hold real numbers; got dtype object"),
    (REGRESSION, [[1.0, 2.0], [3.0]], [1.0, 2.0], {}, TypeError, "pred must be an array of real numbers; got list"),
    (["huber"], [1.0], [1.0], {"delta": 0.0}, ValueError, "delta must be > 0 and finite, got 0.0"),
    (["huber"], [1.0], [1.0], {"delta": -1}, ValueError, "delta must be > 0 and finite, got -1"),
    (["huber"], [1.0], [1.0], {"delta": float("inf")}, ValueError, "delta must be > 0 and finite, got inf"),
    (["huber"], [1.0], [1.0], {"delta": "1"}, TypeError, "delta must be a real number, got str"),
    (["huber"], [1.0], [1.0], {"delta": True}, TypeError, "delta must be a real number, got bool"),
    (["smooth_l1"], [1.0], [1.0], {"beta": -0.1}, ValueError, "beta must be >= 0 and finite, got -0.1"),
    (["smooth_l1"], [1.0], [1.0], {"beta": None}, TypeError, "beta must be a real number, got NoneType"),
    *[
        (["quantile"], [1.0], [1.0], {"q": q}, ValueError, f"q must lie in (0, 1), got {q!r}")
        for q in (0, 1, 1.5, -0.1)
    ],
    (["quantile"], [1.0], [1.0], {"q": "0.5"}, TypeError, "q must be a real number, got str"),
]


def _cases() -> list[Any]:
    cases = []
    for names, pred, target, opts, exc, msg in BAD_INPUTS:
        for name in names:
            for suffix in ("", "_grad"):
                cases.append(pytest.param(name + suffix, pred, target, opts, exc, msg, id=f"{name}{suffix}: {msg}"))
    return cases


@pytest.mark.parametrize(("fn_name", "pred", "target", "opts", "exc", "msg"), _cases())
def test_bad_input_raises_a_clear_error(
    fn_name: str, pred: Any, target: Any, opts: dict[str, Any], exc: type[Exception], msg: str
) -> None:
    fn: Callable[..., Any] = getattr(lu, fn_name)
    with pytest.raises(exc, match="^" + re.escape(msg)):
        fn(pred, target, **opts)


@pytest.mark.parametrize("name", REGRESSION)
def test_options_are_keyword_only(name: str) -> None:
    with pytest.raises(TypeError):
        getattr(lu, name)([1.0], [1.0], "sum")


# ---------------------------------------------------------------------------------------------
# The helpers
# ---------------------------------------------------------------------------------------------


def test_as_float_array_keeps_float_dtypes_and_promotes_integers() -> None:
    f32 = np.ones(3, dtype=np.float32)
    assert as_float_array(f32, "x") is f32  # no copy
    assert as_float_array([1, 2], "x").dtype == np.float64
    assert as_float_array([True, False], "x").dtype == np.float64
    assert as_float_array(np.arange(3, dtype=np.int8), "x", dtype=np.dtype(np.float32)).dtype == np.float32
    assert as_float_array(torch.ones(2, dtype=torch.float32), "x").dtype == np.float32
    assert as_float_array([], "x", allow_empty=True).size == 0
    with pytest.raises(ValueError, match=r"^x is empty$"):
        as_float_array(np.zeros((0, 3)), "x")


def test_as_index_array() -> None:
    assert as_index_array([0, 2, 1], "target").dtype == np.int64
    np.testing.assert_array_equal(as_index_array(np.array([0.0, 3.0]), "target"), [0, 3])
    with pytest.raises(TypeError, match=re.escape("target must hold integer class indices; got non-integer values")):
        as_index_array([0.5], "target")
    with pytest.raises(TypeError, match=re.escape("target must hold integer class indices; got dtype <U1")):
        as_index_array(["a"], "target")


def test_check_same_shape_and_reduction() -> None:
    check_same_shape(np.zeros(2), np.ones(2), "a", "b")
    with pytest.raises(ValueError, match=re.escape("a and b must have the same shape; got a.shape=(2,), b.shape=(3,)")):
        check_same_shape(np.zeros(2), np.ones(3), "a", "b")
    assert check_reduction("sum") == "sum"
    with pytest.raises(ValueError, match=re.escape("reduction must be 'sum' or 'none', got 'mean'")):
        check_reduction("mean", ("sum", "none"))


def test_check_in_range_and_positive() -> None:
    assert check_in_range(0.5, "q", 0, 1) == 0.5
    assert check_in_range(1, "p", 0, 1, high_inclusive=True) == 1.0
    with pytest.raises(ValueError, match=re.escape("p must lie in [0, 1), got 1")):
        check_in_range(1, "p", 0, 1, low_inclusive=True)
    with pytest.raises(ValueError, match=re.escape("q must lie in (0, 1), got nan")):
        check_in_range(float("nan"), "q", 0, 1)
    assert check_positive(np.float32(2.0), "delta") == 2.0
    assert check_positive(0, "beta", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match=re.escape("delta must be > 0 and finite, got 0")):
        check_positive(0, "delta")


def test_reduce_and_reduce_grad_agree() -> None:
    loss = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert reduce(loss, "none") is loss
    assert float(reduce(loss, "sum")) == 6.0
    assert float(reduce(loss, "mean")) == 2.0
    assert reduce(loss, "mean").dtype == np.float32
    assert float(reduce(loss, "mean", weight_sum=4.0)) == 1.5
    np.testing.assert_array_equal(reduce_grad(loss, "mean"), loss / 3)
    np.testing.assert_array_equal(reduce_grad(loss, "sum"), loss)
    np.testing.assert_array_equal(reduce_grad(loss, "mean", weight_sum=2.0), loss / 2)
