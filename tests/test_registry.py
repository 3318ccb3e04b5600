"""The registry is complete and every name in it resolves: adding a loss is one entry."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import lossutils as lu
from lossutils import cards, registry
from lossutils.registry import KINDS, LOSSES

#: Public functions of the loss modules that are not losses: the adaptive softmax's full distribution.
NOT_LOSSES = {"adaptive_log_prob"}
PUBLIC_LOSSES = sorted(
    name
    for module in (lu.regression, lu.classification, lu.distributions, lu.multilabel, lu.sequence, lu.ranking, lu.vocab)
    for name in module.__all__
    if not name.endswith("_grad") and name not in NOT_LOSSES
)


def test_every_public_loss_has_an_entry_and_a_card() -> None:
    assert sorted(LOSSES) == PUBLIC_LOSSES
    assert list(cards.CARDS) == list(LOSSES)  # the same losses, in the same (book) order


@pytest.mark.parametrize("name", list(LOSSES))
def test_entry_names_resolve(name: str) -> None:
    entry = LOSSES[name]
    assert entry.name == name
    assert entry.fn is getattr(lu, name)
    assert entry.grad is getattr(lu, f"{name}_grad")
    assert entry.kind in KINDS
    assert entry.card is cards.card(name)
    if entry.torch_function is not None:
        assert callable(getattr(F, entry.torch_function))
    assert (entry.torch_module is None) == (entry.torch_function is None)
    if entry.torch_module is not None:
        assert issubclass(getattr(torch.nn, entry.torch_module), torch.nn.Module)
    if entry.nn_module is not None:
        assert issubclass(getattr(lu.nn, entry.nn_module), torch.nn.Module)
    # a twin in torch.nn.functional, or a module; the adaptive softmax's twin is a module with its weights,
    # torch.nn.AdaptiveLogSoftmaxWithLoss, named on its card
    assert (
        entry.torch_function is not None
        or entry.nn_module is not None
        or entry.kind in ("margin", "clustered_features")
    )


def test_an_unknown_name_is_an_error_that_lists_the_losses() -> None:
    with pytest.raises(ValueError, match=r"loss must name a lossutils loss \(mse, mae, .*\), got 'l2'"):
        registry.get("l2", argument="loss")
    with pytest.raises(ValueError, match="name must name a lossutils loss"):
        registry.get(["mse"])  # type: ignore[arg-type]
