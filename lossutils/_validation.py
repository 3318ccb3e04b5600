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
    "as_array",
    "as_float_array",
    "as_float_inputs",
    "as_float_pair",
    "as_index_array",
    "as_lengths",
    "as_result",
    "broadcast_weight",
    "check_bool",
    "check_ignore_index",
    "check_in_range",
    "check_multilabel_shape",
    "check_nonnegative",
    "check_positive",
    "check_reduction",
    "check_row_labels",
    "check_rows",
    "check_same_shape",
    "check_sign_labels",
    "check_unit_interval",
    "class_indices",
    "class_input",
    "class_symbols",
    "class_weight",
    "computing_dtype",
    "multilabel_mask",
    "n_classes_of",
    "promoted_dtype",
    "sample_shape",
]

Reduction = Literal["mean", "sum", "none"]

#: What a loss returns: a NumPy scalar for ``'mean'`` and ``'sum'`` (as :func:`numpy.mean`
#: returns), an array for ``'none'``.
LossValue: TypeAlias = "np.ndarray | np.floating[Any]"
_REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")


def _describe(values: tuple[str, ...]) -> str:
    quoted = [repr(v) for v in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def as_array(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a NumPy array in its own dtype (a torch tensor is read as NumPy, without its
    autograd history); ragged data is a TypeError naming ``name``."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor: read it as numpy
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers; got {type(x).__name__} ({exc})") from None


def _as_real_array(x: ArrayLike, name: str, *, allow_empty: bool) -> np.ndarray:
    """Return ``x`` as an array of real numbers in its own dtype (torch tensors read as numpy)."""
    arr = as_array(x, name)
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
    (a, b), dtype = as_float_inputs((first, second), names)
    return a, b, dtype


def as_float_inputs(inputs: tuple[ArrayLike, ...], names: tuple[str, ...]) -> tuple[tuple[np.ndarray, ...], np.dtype]:
    """:func:`as_float_pair` for any number of inputs (a Gaussian's mean, target and variance):
    each in the dtype the loss is computed in, and the dtype of the result, promoted over the
    inputs that have a dtype of their own (Python numbers and lists take the others')."""
    arrays = [_as_real_array(x, name, allow_empty=False) for x, name in zip(inputs, names, strict=True)]
    typed = [arr for arr, given in zip(arrays, inputs, strict=True) if hasattr(given, "dtype")]
    dtype = promoted_dtype(*typed) if typed else promoted_dtype(*arrays)
    work = computing_dtype(dtype)
    return tuple(arr.astype(work, copy=False) for arr in arrays), dtype


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
    arr = as_array(x, name)
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

    Messages read ``delta must be > 0 and finite, got 0`` or ``beta must be >= 0 and finite, got -0.1``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return v


def check_nonnegative(a: np.ndarray, name: str, what: str) -> None:
    """Raise unless every element of ``a`` is >= 0 (NaN passes: it propagates); ``what`` says
    what ``a`` holds, e.g. ``"a variance"``: ``var must be >= 0 (a variance); found -0.5``."""
    bad = a < 0  # False for nan
    if np.any(bad):
        raise ValueError(f"{name} must be >= 0 ({what}); found {float(a[bad][0]):g}")


# -- inputs of the classification losses ---------------------------------------------------


def check_unit_interval(a: np.ndarray, name: str) -> None:
    """Raise unless every element of ``a`` lies in [0, 1] (NaN passes: it propagates)."""
    bad = (a < 0) | (a > 1)  # False for nan
    if np.any(bad):
        raise ValueError(f"{name} must lie in [0, 1]; found {float(a[bad][0]):g}")


def broadcast_weight(weight: ArrayLike | None, like: np.ndarray, name: str, like_name: str) -> np.ndarray | None:
    """Read a rescaling ``weight`` and broadcast it to ``like.shape`` (never the other way round)."""
    if weight is None:
        return None
    w = as_float_array(weight, name, dtype=like.dtype, allow_empty=True)
    try:
        return np.broadcast_to(w, like.shape)
    except ValueError:
        raise ValueError(f"{name} with shape {w.shape} cannot be broadcast to {like_name}.shape={like.shape}") from None


def class_symbols(ndim: int) -> tuple[str, str]:
    """Symbolic shapes of the input and of an index target, for messages."""
    if ndim == 1:
        return "(C,)", "()"
    if ndim == 2:
        return "(N, C)", "(N,)"
    return "(N, C, d1, ...)", "(N, d1, ...)"


def class_input(x: ArrayLike, name: str, *, matrix_only: bool = False) -> tuple[np.ndarray, np.dtype]:
    """Scores over classes in the dtype they are computed in (float16 in float32), and their own dtype."""
    a = as_float_array(x, name)
    if matrix_only and a.ndim != 2:
        raise ValueError(f"{name} must have shape (N, C); got shape {a.shape}")
    if a.ndim == 0:
        raise ValueError(f"{name} must have shape (N, C), (C,) or (N, C, d1, ...); got shape {a.shape}")
    return a.astype(computing_dtype(a.dtype), copy=False), a.dtype


def n_classes_of(shape: tuple[int, ...]) -> int:
    return shape[0] if len(shape) == 1 else shape[1]


def sample_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return () if len(shape) == 1 else (shape[0], *shape[2:])


def class_indices(target: ArrayLike, shape: tuple[int, ...], first: str, ignore_index: int | None = None) -> np.ndarray:
    """Class indices (int64) for an input of ``shape``, in its sample shape; every index not equal
    to ``ignore_index`` must lie in [0, C) (an ignored one may hold any value)."""
    y = as_index_array(target, "target")
    expected = sample_shape(shape)
    if y.shape != expected:
        raise ValueError(f"target must have shape {class_symbols(len(shape))[1]} = {expected}; got shape {y.shape}")
    n_classes = n_classes_of(shape)
    checked = y if ignore_index is None else y[y != ignore_index]
    bad = checked[(checked < 0) | (checked >= n_classes)]
    if bad.size:
        raise ValueError(f"target holds class {int(bad[0])} but {first} have {n_classes} classes")
    return y


def class_weight(weight: ArrayLike | None, n_classes: int, dtype: np.dtype) -> np.ndarray:
    """The weight of each class, shape (C,): ``weight``, or 1 for every class without it."""
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    w = as_float_array(weight, "weight", dtype=dtype, allow_empty=True)
    if w.shape != (n_classes,):
        raise ValueError(f"weight must have shape (C,) = ({n_classes},); got shape {w.shape}")
    return w


def check_ignore_index(ignore_index: object) -> int:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"ignore_index must be an integer, got {type(ignore_index).__name__}")
    return int(ignore_index)


# -- labels of the binary margin losses and targets of the multi-label losses ----------------


def check_sign_labels(t: np.ndarray, name: str, *, allow_nan: bool = True, hint: str = "") -> None:
    """Raise unless every element of ``t`` is -1 or +1 (NaN passes where ``allow_nan``: it propagates);
    ``hint`` ends the message, e.g. what the labels mean."""
    bad = ~((t == 1) | (t == -1) | (np.isnan(t) & allow_nan))
    if np.any(bad):
        raise ValueError(
            f"{name} must hold -1 or +1 labels; found {float(t[bad][0]):g}" + (f"; {hint}" if hint else "")
        )


def check_multilabel_shape(a: np.ndarray, name: str) -> None:
    """Raise unless ``a`` holds the scores of one sample, (C,), or of N samples, (N, C)."""
    if a.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (N, C) or (C,); got shape {a.shape}")


def _check_label_values(values: np.ndarray, n_classes: int, target_format: str) -> None:
    """Raise unless every value is a class in [0, C), or -1 (the end of the labels) in the padded format."""
    low = -1 if target_format == "padded" else 0
    bad = values[(values < low) | (values >= n_classes)]
    if bad.size:
        allowed = f"classes in [0, {n_classes})" + (" or -1 (the end of the labels)" if low == -1 else "")
        raise ValueError(f"target holds {int(bad[0])}, but {target_format} targets hold {allowed}")


def _label_counts(padded: np.ndarray, n_classes: int) -> np.ndarray:
    """How often each sample lists each class: rows of class indices padded with -1, (N, k) -> (N, C).
    A class listed twice is a ValueError: a set of labels holds each class once."""
    counts = np.zeros((len(padded), n_classes), dtype=np.int64)
    samples, positions = np.nonzero(padded >= 0)
    np.add.at(counts, (samples, padded[samples, positions]), 1)
    twice = np.argwhere(counts > 1)
    if twice.size:
        n, c = twice[0]
        raise ValueError(f"target lists class {c} more than once for sample {n}; a set of labels holds each class once")
    return counts


def multilabel_mask(target: Any, shape: tuple[int, ...], first: str, target_format: object) -> np.ndarray:
    """Which classes are labels of each sample: a boolean array of ``shape``, (C,) or (N, C).

    ``target`` comes in one of three formats (``target_format``):

    - ``'padded'``, PyTorch's: class indices with the shape of the scores; the labels of a
      sample are its indices before the first -1, e.g. ``[3, 0, -1, 1]``: labels 3 and 0 of
      C = 4. What follows the first -1 is ignored, but must still lie in [-1, C), as torch checks;
    - ``'lists'``: one sequence of class indices per sample, of any lengths, e.g.
      ``[[3, 0], [], [1, 2, 3]]`` (for scores of shape (C,), one sequence);
    - ``'multi_hot'``: 1 for each label and 0 for each other class, with the shape of the scores.
    """
    n_classes = shape[-1]
    if target_format == "multi_hot":
        hot = _as_real_array(target, "target", allow_empty=True)
        if hot.shape != shape:
            raise ValueError(
                f"target must have the shape of {first}, {shape}, in the multi_hot format; got shape {hot.shape}"
            )
        bad = ~((hot == 0) | (hot == 1))
        if np.any(bad):
            raise ValueError(f"target must hold 0 or 1 in the multi_hot format; found {float(hot[bad][0]):g}")
        return np.asarray(hot == 1)
    if target_format == "padded":
        padded = as_index_array(target, "target")
        if padded.shape != shape:
            raise ValueError(
                f"target must have the shape of {first}, {shape}, in the padded format (class indices "
                f"padded with -1); got shape {padded.shape}"
            )
        _check_label_values(padded, n_classes, "padded")
        rows = padded.reshape(-1, n_classes)
        ended = np.cumsum(rows == -1, axis=1) > 0  # the first -1 and everything after it
        listed = np.where(ended, -1, rows)  # the labels: the indices before the first -1
        return (_label_counts(listed, n_classes) > 0).reshape(shape)
    if target_format == "lists":
        if isinstance(target, (str, bytes)) or not hasattr(target, "__iter__"):
            raise TypeError(
                f"target must be a sequence of lists of labels in the lists format; got {type(target).__name__}"
            )
        samples = [target] if len(shape) == 1 else list(target)
        n_samples = 1 if len(shape) == 1 else shape[0]
        if len(samples) != n_samples:
            raise ValueError(f"target must hold one list of labels per sample, {n_samples}; got {len(samples)}")
        lists = [as_index_array(labels, "target") for labels in samples]
        for n, labels in enumerate(lists):
            if labels.ndim != 1:
                raise ValueError(f"target must hold one list of labels per sample; sample {n} has shape {labels.shape}")
            _check_label_values(labels, n_classes, "lists")
        listed = np.full((n_samples, max(len(labels) for labels in lists)), -1)  # padded with -1, as torch's
        for n, labels in enumerate(lists):
            listed[n, : len(labels)] = labels
        return (_label_counts(listed, n_classes) > 0).reshape(shape)
    raise ValueError(f"target_format must be 'padded', 'lists' or 'multi_hot', got {target_format!r}")


# -- inputs of the sequence losses -----------------------------------------------------------


def as_lengths(x: ArrayLike, name: str, shape: tuple[int, ...], high: int, high_name: str) -> np.ndarray:
    """Sequence lengths as ``int64`` of ``shape``, each in [0, ``high``]; ``high_name`` names the
    bound in messages: ``input_lengths must lie in [0, T] = [0, 50]; found 51``."""
    arr = as_array(x, name)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer lengths; got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, one length per sample; got shape {arr.shape}")
    bad = arr[(arr < 0) | (arr > high)]
    if bad.size:
        raise ValueError(f"{name} must lie in [0, {high_name}] = [0, {high}]; found {int(bad[0])}")
    return arr.astype(np.int64)


# -- inputs of the losses that compare embeddings ------------------------------------------------


def check_rows(a: np.ndarray, name: str, *, allow_one: bool = True) -> None:
    """Raise unless ``a`` holds embeddings as rows, (N, D), or one embedding, (D,), where ``allow_one``."""
    if a.ndim != 2 and not (allow_one and a.ndim == 1):
        expected = "(N, D) or (D,)" if allow_one else "(N, D)"
        raise ValueError(f"{name} must have shape {expected}, one embedding per row; got shape {a.shape}")


def check_row_labels(t: np.ndarray, rows_shape: tuple[int, ...], name: str = "target") -> None:
    """Raise unless ``t`` holds one label per row of embeddings of ``rows_shape``: (N,) for (N, D), () for (D,)."""
    expected = rows_shape[:-1]
    if t.shape != expected:
        symbol = "(N,)" if expected else "()"
        raise ValueError(f"{name} must have shape {symbol} = {expected}, one label per row; got shape {t.shape}")
