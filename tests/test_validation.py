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
)

REGRESSION = ["mse", "mae", "mbe", "huber", "smooth_l1", "log_cosh", "quantile"]

# (loss names, pred, target, options, exception, exact message). An empty input and an unknown
# reduction, for every loss and its gradient: tests/test_common.py.
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


# ---------------------------------------------------------------------------------------------
# More bad inputs, and the edges of the helpers
# ---------------------------------------------------------------------------------------------

MORE_BAD_INPUTS: list[tuple[list[str], Any, Any, dict[str, Any], type[Exception], str]] = [
    (REGRESSION, [], [1.0], {}, ValueError, "pred is empty"),
    (REGRESSION, [1.0], [], {}, ValueError, "target is empty"),
    (REGRESSION, np.zeros((2, 0)), np.zeros((2, 0)), {}, ValueError, "pred is empty"),
    (REGRESSION, [None, 1.0], [1.0, 2.0], {}, TypeError, "pred must hold real numbers; got dtype object"),
    (REGRESSION, [1.0, 2.0], [1j, 2.0], {}, TypeError, "target must hold real numbers; got dtype complex128"),
    (REGRESSION, [1.0, 2.0], [[1.0], [2.0, 3.0]], {}, TypeError, "target must be an array of real numbers; got list"),
    (["huber"], [1.0], [1.0], {"delta": float("nan")}, ValueError, "delta must be > 0 and finite, got nan"),
    (["huber"], [1.0], [1.0], {"delta": None}, TypeError, "delta must be a real number, got NoneType"),
    (["huber"], [1.0], [1.0], {"delta": np.array([1.0])}, TypeError, "delta must be a real number, got ndarray"),
    (["smooth_l1"], [1.0], [1.0], {"beta": "x"}, TypeError, "beta must be a real number, got str"),
    (["smooth_l1"], [1.0], [1.0], {"beta": float("-inf")}, ValueError, "beta must be >= 0 and finite, got -inf"),
    (["quantile"], [1.0], [1.0], {"q": None}, TypeError, "q must be a real number, got NoneType"),
    (["quantile"], [1.0], [1.0], {"q": float("nan")}, ValueError, "q must lie in (0, 1), got nan"),
    (["quantile"], [1.0], [1.0], {"q": np.float64(1.0)}, ValueError, "q must lie in (0, 1), got np.float64(1.0)"),
    (["quantile"], [1.0], [1.0], {"q": False}, TypeError, "q must be a real number, got bool"),
    (["mse", "huber", "log_cosh"], [1.0], [1.0], {"q": 0.5}, TypeError, "got an unexpected keyword argument 'q'"),
    (["huber"], [1.0], [1.0], {"beta": 1.0}, TypeError, "got an unexpected keyword argument 'beta'"),
]


def _more_cases() -> list[Any]:
    cases = []
    for names, pred, target, opts, exc, msg in MORE_BAD_INPUTS:
        for name in names:
            for suffix in ("", "_grad"):
                cases.append(pytest.param(name + suffix, pred, target, opts, exc, msg, id=f"{name}{suffix}: {msg}"))
    return cases


@pytest.mark.parametrize(("fn_name", "pred", "target", "opts", "exc", "msg"), _more_cases())
def test_more_bad_input_raises_a_clear_error(
    fn_name: str, pred: Any, target: Any, opts: dict[str, Any], exc: type[Exception], msg: str
) -> None:
    fn: Callable[..., Any] = getattr(lu, fn_name)
    # unexpected keywords come from Python itself, prefixed with the function's name
    pattern = re.escape(msg) + "$" if msg.startswith("got an unexpected") else "^" + re.escape(msg)
    with pytest.raises(exc, match=pattern):
        fn(pred, target, **opts)


@pytest.mark.parametrize("name", REGRESSION)
def test_gradient_options_are_keyword_only(name: str) -> None:
    with pytest.raises(TypeError, match=re.escape(f"{name}_grad() takes 2 positional arguments but 3 were given")):
        getattr(lu, f"{name}_grad")([1.0], [1.0], "sum")


@pytest.mark.parametrize(
    ("name", "opts"),
    [
        ("huber", {"delta": np.float32(0.5)}),
        ("huber", {"delta": np.int64(2)}),
        ("huber", {"delta": 3}),
        ("smooth_l1", {"beta": 0}),
        ("smooth_l1", {"beta": np.float64(1.5)}),
        ("quantile", {"q": np.float32(0.25)}),
    ],
)
def test_numpy_and_integer_options_are_accepted(name: str, opts: dict[str, Any]) -> None:
    key, value = next(iter(opts.items()))
    for suffix in ("", "_grad"):
        fn = getattr(lu, name + suffix)
        np.testing.assert_array_equal(
            fn([0.5, 4.0], [0.0, 0.0], **opts), fn([0.5, 4.0], [0.0, 0.0], **{key: float(value)})
        )


def test_as_float_array_rejects_what_is_not_real_numbers() -> None:
    with pytest.raises(TypeError, match="^" + re.escape("x must hold real numbers; got dtype <U3")):
        as_float_array(["abc"], "x")
    with pytest.raises(TypeError, match="^" + re.escape("x must hold real numbers; got dtype complex64")):
        as_float_array(np.ones(2, dtype=np.complex64), "x")
    with pytest.raises(TypeError, match="^" + re.escape("x must hold real numbers; got dtype object")):
        as_float_array([1.0, "a", None], "x")
    with pytest.raises(TypeError, match="^" + re.escape("x must be an array of real numbers; got list (")):
        as_float_array([[1.0], [1.0, 2.0]], "x")
    with pytest.raises(TypeError, match="^" + re.escape("x must hold real numbers; got dtype datetime64[D]")):
        as_float_array(np.array(["2020-01-01"], dtype="datetime64[D]"), "x")


def test_as_float_array_reads_scalars_tensors_and_keeps_float64_without_copy() -> None:
    f64 = np.arange(3.0)
    assert as_float_array(f64, "x") is f64
    scalar = as_float_array(5, "x")
    assert scalar.shape == ()
    assert scalar.dtype == np.float64
    t = torch.ones(3, dtype=torch.float64, requires_grad=True)
    out = as_float_array(t, "x")
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [1.0, 1.0, 1.0])
    assert as_float_array(torch.arange(3), "x").dtype == np.float64  # int64 tensor
    assert as_float_array(np.ones(2, dtype=np.float16), "x").dtype == np.float16  # a float stays as it is
    assert as_float_array(np.ones(2), "x", dtype=np.dtype(np.float32)).dtype == np.float32


def test_as_index_array_edges() -> None:
    assert as_index_array([True, False], "target").dtype == np.int64
    assert as_index_array(torch.tensor([2, 0]), "target").tolist() == [2, 0]
    np.testing.assert_array_equal(as_index_array(np.array([1.0, -100.0]), "target"), [1, -100])
    for bad in ([np.nan], [np.inf], [2.0000001]):
        with pytest.raises(
            TypeError, match="^" + re.escape("target must hold integer class indices; got non-integer values of dtype")
        ):
            as_index_array(bad, "target")
    with pytest.raises(
        TypeError, match="^" + re.escape("target must hold integer class indices; got dtype complex128")
    ):
        as_index_array([1j], "target")


def test_check_same_shape_never_broadcasts() -> None:
    with pytest.raises(
        ValueError, match="^" + re.escape("p and t must have the same shape; got p.shape=(3,), t.shape=(3, 1)") + "$"
    ):
        check_same_shape(np.zeros(3), np.zeros((3, 1)), "p", "t")
    with pytest.raises(
        ValueError, match="^" + re.escape("p and t must have the same shape; got p.shape=(), t.shape=(1,)") + "$"
    ):
        check_same_shape(np.zeros(()), np.zeros(1), "p", "t")


def test_check_reduction_lists_every_allowed_value() -> None:
    allowed = ("mean", "sum", "none", "batchmean")
    assert check_reduction("batchmean", allowed) == "batchmean"
    with pytest.raises(
        ValueError, match="^" + re.escape("reduction must be 'mean', 'sum', 'none' or 'batchmean', got 'avg'") + "$"
    ):
        check_reduction("avg", allowed)
    with pytest.raises(ValueError, match="^" + re.escape("reduction must be 'mean', got 'sum'") + "$"):
        check_reduction("sum", ("mean",))
    with pytest.raises(ValueError, match="^" + re.escape("reduction must be 'mean', 'sum' or 'none', got 1") + "$"):
        check_reduction(1)


def test_check_in_range_bounds_and_types() -> None:
    assert check_in_range(0, "p", 0, 1, low_inclusive=True) == 0.0
    assert check_in_range(np.float32(0.25), "q", 0, 1) == 0.25
    assert isinstance(check_in_range(np.int64(1), "p", 0, 1, high_inclusive=True), float)
    with pytest.raises(ValueError, match="^" + re.escape("q must lie in (0, 1), got 0") + "$"):
        check_in_range(0, "q", 0, 1)
    with pytest.raises(ValueError, match="^" + re.escape("p must lie in [0, 1], got -0.5") + "$"):
        check_in_range(-0.5, "p", 0, 1, low_inclusive=True, high_inclusive=True)
    with pytest.raises(ValueError, match="^" + re.escape("p must lie in (0, 1], got inf") + "$"):
        check_in_range(float("inf"), "p", 0, 1, high_inclusive=True)
    with pytest.raises(TypeError, match="^" + re.escape("q must be a real number, got bool") + "$"):
        check_in_range(True, "q", 0, 1)
    with pytest.raises(TypeError, match="^" + re.escape("q must be a real number, got str") + "$"):
        check_in_range("0.5", "q", 0, 1)


def test_check_positive_edges() -> None:
    assert check_positive(1e-300, "delta") == 1e-300
    assert isinstance(check_positive(np.int32(3), "delta"), float)
    with pytest.raises(ValueError, match="^" + re.escape("beta must be >= 0 and finite, got -1e-300") + "$"):
        check_positive(-1e-300, "beta", allow_zero=True)
    with pytest.raises(ValueError, match="^" + re.escape("delta must be > 0 and finite, got nan") + "$"):
        check_positive(float("nan"), "delta")
    with pytest.raises(TypeError, match="^" + re.escape("delta must be a real number, got complex") + "$"):
        check_positive(1j, "delta")
