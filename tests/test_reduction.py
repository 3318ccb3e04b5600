"""The one reduction path (lossutils._reduction): NumPy arrays and torch tensors alike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lossutils as lu
from lossutils._reduction import reduce, reduce_grad


def test_reduce_and_reduce_grad_agree() -> None:
    loss = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert reduce(loss, "none") is loss
    assert reduce(loss, "sum") == 6.0
    assert reduce(loss, "mean") == 2.0
    assert reduce(loss, "mean").dtype == np.float32
    assert reduce(loss, "mean", divisor=4.0) == 1.5
    np.testing.assert_array_equal(reduce_grad(loss, "mean"), loss / 3)
    np.testing.assert_array_equal(reduce_grad(loss, "sum"), loss)
    np.testing.assert_array_equal(reduce_grad(loss, "mean", divisor=2.0), loss / 2)


def test_reduced_numpy_results_are_numpy_scalars_and_none_keeps_arrays() -> None:
    loss = np.array([[1.0, 2.0], [3.0, 6.0]])
    for reduction in ("mean", "sum"):
        out = reduce(loss, reduction)
        assert isinstance(out, np.float64), type(out)  # what np.mean returns
    assert reduce(loss, "mean") == 3.0  # divides by the number of elements, not of rows
    assert isinstance(reduce(loss.astype(np.float32), "sum"), np.float32)
    assert isinstance(reduce(loss.astype(np.float32), "mean", divisor=np.float64(4.0)), np.float32)
    zero_d = np.asarray(2.0)
    assert isinstance(reduce(zero_d, "none"), np.ndarray)
    grad = np.ones((2, 2), dtype=np.float32)
    assert reduce_grad(grad, "mean").dtype == np.float32
    np.testing.assert_array_equal(reduce_grad(grad, "mean"), np.full((2, 2), 0.25, dtype=np.float32))
    assert reduce_grad(grad, "none") is grad


def test_a_total_weight_of_zero_gives_nan_as_in_torch() -> None:
    loss = np.zeros(3)
    assert np.isnan(reduce(loss, "mean", divisor=0.0))
    assert np.all(np.isnan(reduce_grad(np.ones(3), "mean", divisor=0.0)))
    assert torch.isnan(reduce(torch.zeros(3), "mean", torch.tensor(0.0)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_tensors_take_the_same_path_and_stay_tensors(reduction: str) -> None:
    loss = torch.tensor([1.0, 2.0, 6.0])
    out = reduce(loss, reduction)
    assert isinstance(out, torch.Tensor)
    expected = {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(reduce(loss, "mean", loss.new_tensor(4.0)), loss.new_tensor(2.25))


def test_an_unknown_reduction_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="reduction must be"):
        reduce(np.ones(2), "avg")
    with pytest.raises(ValueError, match="reduction must be"):
        reduce(torch.ones(2), "avg")


def test_every_reduced_loss_is_a_numpy_scalar() -> None:
    assert isinstance(lu.mse([1.0, 2.0], [0.0, 0.0]), np.float64)
    assert isinstance(lu.cross_entropy(np.zeros((2, 3), dtype=np.float32), [0, 1], reduction="sum"), np.float32)
    assert isinstance(lu.kl_div(np.log([[0.5, 0.5]]), [[0.25, 0.75]]), np.float64)
