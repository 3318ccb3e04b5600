"""Input checks and the reduction step shared by every loss in :mod:`lossutils`.

Every public loss validates its inputs here, so that all of them speak with one voice:
messages name the argument and show what was expected and what was found, e.g.
``pred and target must have the same shape; got pred.shape=(4,), target.shape=(4, 1)``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Reduction",
    "as_float_array",
    "as_index_array",
    "check_bool",
    "check_in_range",
    "check_positive",
    "check_reduction",
    "check_same_shape",
    "reduce",
    "reduce_grad",
]

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")


def _describe(values: tuple[str, ...]) -> str:
    quoted = [repr(v) for v in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def as_float_array(x: ArrayLike, name: str, *, dtype: np.dtype | None = None, allow_empty: bool = False) -> np.ndarray:
    """Return ``x`` as a floating-point array without copying when possible.

    Floating dtypes are kept (float32 stays float32); booleans and integers become
    ``float64`` unless ``dtype`` says otherwise. Anything that is not real numbers raises
    :class:`TypeError` naming ``name``.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor: read it as numpy
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers; got {type(x).__name__} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    return arr


def as_index_array(x: ArrayLike, name: str) -> np.ndarray:
    """Return ``x`` as an ``int64`` array of class indices (integral floats are accepted).

    A float too large for ``int64`` (1e20, say) raises a ``ValueError`` that quotes it, instead of
    being cast to a meaningless integer.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise TypeError(f"{name} must hold integer class indices; got non-integer values of dtype {arr.dtype}")
        too_large = np.abs(arr) >= 2.0**63  # no int64 holds them: report the value given
        if np.any(too_large):
            raise ValueError(f"{name} holds class {arr[too_large][0]:g}, beyond the range of class indices")
        return arr.astype(np.int64)
    raise TypeError(f"{name} must hold integer class indices; got dtype {arr.dtype}")


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


def reduce(loss: np.ndarray, reduction: str, weight_sum: float | np.ndarray | None = None) -> np.ndarray:
    """Reduce per-sample losses: ``'none'`` returns them, ``'sum'`` adds them up,
    ``'mean'`` divides the sum by the number of elements (or by ``weight_sum`` for a
    weighted mean, as PyTorch does). The result keeps the dtype of ``loss``."""
    if reduction == "none":
        return loss
    total = np.sum(loss, dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(total)
    denom = loss.size if weight_sum is None else weight_sum
    return np.asarray(total / np.asarray(denom, dtype=loss.dtype))


def reduce_grad(
    grad: np.ndarray,
    reduction: str,
    weight_sum: float | np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Scale per-sample gradients to the gradient of the reduced loss.

    ``'none'`` and ``'sum'`` leave them as they are; ``'mean'`` divides by the number of
    elements (or by ``weight_sum``), matching :func:`reduce`. ``out=grad`` divides in place,
    for a caller that owns ``grad`` (a temporary it computed): one memory pass, no new array.
    """
    if reduction != "mean":
        return grad
    denom = grad.size if weight_sum is None else weight_sum
    scaled: np.ndarray = np.divide(grad, np.asarray(denom, dtype=grad.dtype), out=out)
    return scaled
