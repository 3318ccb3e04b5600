"""Input checks shared by every loss in :mod:`lossutils`.

Every public loss validates its inputs here, so that all of them speak with one voice:
messages name the argument and show what was expected and what was found, e.g.
``pred and target must have the same shape; got pred.shape=(4,), target.shape=(4, 1)``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "LossValue",
    "Reduction",
    "as_float_array",
    "as_float_pair",
    "as_index_array",
    "as_result",
    "check_bool",
    "check_in_range",
    "check_positive",
    "check_reduction",
    "check_same_shape",
    "computing_dtype",
    "promoted_dtype",
]

Reduction = Literal["mean", "sum", "none"]

#: What a loss returns: a NumPy scalar for ``'mean'`` and ``'sum'`` (as :func:`numpy.mean`
#: returns), an array for ``'none'``.
LossValue: TypeAlias = "np.ndarray | np.floating[Any]"
_REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")


def _describe(values: tuple[str, ...]) -> str:
    quoted = [repr(v) for v in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def _as_real_array(x: ArrayLike, name: str, *, allow_empty: bool) -> np.ndarray:
    """Return ``x`` as an array of real numbers in its own dtype (torch tensors read as numpy)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor: read it as numpy
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers; got {type(x).__name__} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    return arr


def as_float_array(x: ArrayLike, name: str, *, dtype: np.dtype | None = None, allow_empty: bool = False) -> np.ndarray:
    """Return ``x`` as a floating-point array without copying when possible.

    Floating dtypes are kept (float32 stays float32); booleans and integers become
    ``float64`` unless ``dtype`` says otherwise. Anything that is not real numbers raises
    :class:`TypeError` naming ``name``. Python scalars and 0-d arrays give 0-d arrays.
    """
    arr = _as_real_array(x, name, allow_empty=allow_empty)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def promoted_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype of a loss of ``arrays``, promoted as torch promotes tensors.

    Floating dtypes promote to the wider one (float32 with float64 gives float64, as
    :func:`numpy.result_type` says). Integers and booleans take the floating dtype of the
    others (float32 with int64 stays float32, as in torch); alone, they give float64.

    Examples
    --------
    >>> promoted_dtype(np.ones(2, np.float32), np.ones(2, np.float64))
    dtype('float64')
    >>> promoted_dtype(np.ones(2, np.float32), np.ones(2, np.int64))
    dtype('float32')
    >>> promoted_dtype(np.ones(2, np.int64), np.ones(2, np.int64))
    dtype('float64')
    """
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def computing_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a loss of ``dtype`` inputs is computed in: float16 in float32, others as they are.

    float16 ends at 65504 and holds 11 bits: a mean of ten squared residuals of 100 overflows
    it, and so does the count N of a mean over 65520 elements. As PyTorch does, losses compute
    float16 inputs in float32 and :func:`as_result` casts the result back to float16.
    """
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def as_float_pair(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """Read a prediction and its target: both in the dtype the loss is computed in, and the
    dtype of the result (:func:`promoted_dtype` of the two; float16 computes in float32).

    A Python number or list has no dtype of its own: like a Python scalar in torch (and in
    NumPy's promotion), it takes the dtype of the other input, so a float32 prediction with a
    target ``[0.0, 1.0]`` stays float32.
    """
    a = _as_real_array(first, names[0], allow_empty=False)
    b = _as_real_array(second, names[1], allow_empty=False)
    typed = [arr for arr, given in ((a, first), (b, second)) if hasattr(given, "dtype")]
    dtype = promoted_dtype(*typed) if typed else promoted_dtype(a, b)
    work = computing_dtype(dtype)
    return a.astype(work, copy=False), b.astype(work, copy=False), dtype


def as_result(value: ArrayLike, dtype: np.dtype | None = None) -> np.ndarray:
    """Return a computed loss or gradient as an array of the result ``dtype`` (its own if None).

    This is the step that casts float16 results, computed in float32, back to float16; a value
    beyond float16's range becomes ``inf`` as in torch, without NumPy's overflow warning. A
    NumPy scalar (what ufuncs return for 0-d input) becomes a 0-d array.
    """
    with np.errstate(over="ignore"):
        return np.asarray(value, dtype=dtype)


def as_index_array(x: ArrayLike, name: str) -> np.ndarray:
    """Return ``x`` as an ``int64`` array of class indices (integral floats are accepted).

    A float too large for ``int64`` (1e20, say) raises a ``ValueError`` that quotes it, instead of
    being cast to a meaningless integer.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "iubf":
        raise TypeError(f"{name} must hold integer class indices; got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
        raise TypeError(f"{name} must hold integer class indices; got non-integer values of dtype {arr.dtype}")
    if arr.dtype.kind in "uf" and np.any(np.abs(arr) >= 2**63):  # no int64 holds them: report the value given
        raise ValueError(f"{name} holds class {arr[np.abs(arr) >= 2**63][0]}, beyond the range of class indices")
    return arr.astype(np.int64, copy=False)


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a bool (Python's or NumPy's); raise ``TypeError`` otherwise.

    A flag must not be read by its truth value: ``log_target="no"`` would mean ``True``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {type(value).__name__}")
    return bool(value)


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same shape (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {name_a}.shape={a.shape}, {name_b}.shape={b.shape}"
        )


def check_reduction(reduction: object, allowed: tuple[str, ...] = _REDUCTIONS) -> str:
    """Return ``reduction`` if it is one of ``allowed``; raise a ``ValueError`` otherwise."""
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"reduction must be {_describe(allowed)}, got {reduction!r}")
    return reduction


def check_in_range(
    value: object,
    name: str,
    low: float,
    high: float,
    *,
    low_inclusive: bool = False,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval; raise ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    above = v >= low if low_inclusive else v > low
    below = v <= high if high_inclusive else v < high
    if not (above and below and np.isfinite(v)):
        interval = ("[" if low_inclusive else "(") + f"{low:g}, {high:g}" + ("]" if high_inclusive else ")")
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")
    return v


def check_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is positive (or zero when allowed).

    Messages read ``delta must be > 0, got 0`` or ``beta must be >= 0, got -0.1``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return v
