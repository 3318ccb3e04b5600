"""The reduction step: from per-sample losses to the one number training pushes down.

One path for every loss, NumPy and PyTorch alike (:mod:`lossutils.nn` reduces its tensors
here too): ``'none'`` keeps the per-sample losses, ``'sum'`` adds them up, ``'mean'`` divides
the sum by the number of losses, or by a ``divisor``: the summed weights of a weighted mean, as
PyTorch does, or the number of samples where one sample has many losses.
Only ``.sum()``, ``.shape`` and division are used, which arrays and tensors share.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ._validation import LossValue, as_result, check_reduction

if TYPE_CHECKING:
    from torch import Tensor

__all__ = ["reduce", "reduce_grad"]


@overload
def reduce(loss: np.ndarray, reduction: str, divisor: Any = None, *, dtype: np.dtype | None = None) -> LossValue: ...
@overload
def reduce(loss: Tensor, reduction: str, divisor: Any = None, *, dtype: None = None) -> Tensor: ...


def reduce(loss: Any, reduction: str, divisor: Any = None, *, dtype: np.dtype | None = None) -> Any:
    """Reduce per-sample losses by ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``).

    ``'mean'`` is ``loss.sum() / N`` with N the number of losses, or ``loss.sum() / divisor``
    (the summed class weights of a weighted mean; the number of samples for ``kl_div``'s
    ``'batchmean'`` or a cross-entropy with probability targets). A weighted mean over a total
    weight of 0 (every target ignored, say) is ``nan``, the 0/0 of PyTorch. A NumPy result
    comes in ``dtype`` (the dtype of ``loss`` if None): a NumPy scalar for ``'mean'`` and
    ``'sum'``, as :func:`numpy.mean` returns (``[()]`` turns a 0-d array into one), an array
    for ``'none'``.
    """
    check_reduction(reduction)  # a module's reduction may have been reassigned since it was checked
    if reduction == "none":
        return as_result(loss, dtype) if isinstance(loss, np.ndarray | np.generic) else loss
    reduced = loss.sum() if reduction == "sum" else loss.sum() / _count(loss, divisor)
    return as_result(reduced, dtype)[()] if isinstance(loss, np.ndarray | np.generic) else reduced


def reduce_grad(grad: np.ndarray, reduction: str, divisor: Any = None, *, dtype: np.dtype | None = None) -> np.ndarray:
    """The gradient of the reduced loss, from the per-sample gradients ``grad``.

    ``'none'`` and ``'sum'`` leave them as they are; ``'mean'`` divides them by the same count
    as :func:`reduce` (a total weight of 0 gives ``nan``). The result is an array shaped like
    ``grad``, in ``dtype`` (the dtype of ``grad`` if None).
    """
    check_reduction(reduction)
    if reduction == "mean":
        grad = grad / _count(grad, divisor)
    return as_result(grad, dtype)


def _count(loss: Any, divisor: Any) -> Any:
    """What a mean divides by: the number of losses, or ``divisor``. For NumPy, in the dtype of
    ``loss`` (so a float32 loss stays float32), with a divisor of 0 read as nan."""
    count = math.prod(loss.shape) if divisor is None else divisor
    if not isinstance(loss, np.ndarray | np.generic):
        return count
    count = np.asarray(count, dtype=loss.dtype)
    return np.where(count == 0, np.nan, count)  # x / 0 for an all-ignored batch: nan, as torch's 0/0
