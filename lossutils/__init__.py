"""lossutils: loss functions and their gradients from scratch in NumPy, checked against PyTorch.

The companion package of the book *Loss Functions in Machine Learning*. Every loss
``fn(pred, target, *, reduction="mean", ...)`` takes the prediction first and the target
second, like :mod:`torch.nn.functional`, and has a gradient ``fn_grad`` with the same
arguments that returns d(loss)/d(first argument) with the first argument's shape.

Submodules: :mod:`lossutils.regression`, :mod:`lossutils.classification`,
:mod:`lossutils.distributions` (the Gaussian and Poisson negative log-likelihoods),
:mod:`lossutils.multilabel`, :mod:`lossutils.sequence` (CTC), :mod:`lossutils.ranking` (the
losses that compare: ranking, metric learning, contrastive), :mod:`lossutils.vocab` (the losses
over a huge vocabulary: the linear layer and the cross-entropy in chunks, the adaptive softmax),
:mod:`lossutils.activations` (the stable sigmoid, softplus, softmax and logsumexp the losses are
made of) and :mod:`lossutils.distances` (the distances between embeddings the comparing losses
use), all nine re-exported here;
:mod:`lossutils.registry` (every loss with its gradient, kind and PyTorch twin),
:mod:`lossutils.metrics`; and, loaded on first use (``lu.plot.use_style()`` works after
``import lossutils as lu``), :mod:`lossutils.nn`
(``torch.nn.Module`` losses; imports torch), :mod:`lossutils.data`, :mod:`lossutils.plot`
(imports matplotlib), :mod:`lossutils.train`, :mod:`lossutils.cards` (the loss cards of the
book) and :mod:`lossutils.notebook`. So ``import lossutils`` imports neither torch nor
matplotlib.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from . import (
    activations,
    classification,
    distances,
    distributions,
    metrics,
    multilabel,
    ranking,
    registry,
    regression,
    sequence,
    vocab,
)
from .activations import *  # noqa: F403
from .activations import __all__ as _activations_all
from .classification import *  # noqa: F403
from .classification import __all__ as _classification_all
from .distances import *  # noqa: F403
from .distances import __all__ as _distances_all
from .distributions import *  # noqa: F403
from .distributions import __all__ as _distributions_all
from .multilabel import *  # noqa: F403
from .multilabel import __all__ as _multilabel_all
from .ranking import *  # noqa: F403
from .ranking import __all__ as _ranking_all
from .regression import *  # noqa: F403
from .regression import __all__ as _regression_all
from .sequence import *  # noqa: F403
from .sequence import __all__ as _sequence_all
from .vocab import *  # noqa: F403
from .vocab import __all__ as _vocab_all

if TYPE_CHECKING:  # type checkers see the lazy submodules as plain imports
    from . import cards, data, nn, notebook, plot, train  # noqa: F401 (nn and notebook are not in __all__)

__version__ = "0.1.0"

__all__ = [
    *_regression_all,
    *_classification_all,
    *_distributions_all,
    *_multilabel_all,
    *_sequence_all,
    *_ranking_all,
    *_vocab_all,
    *_activations_all,
    *_distances_all,
    "activations",
    "cards",
    "classification",
    "data",
    "distances",
    "distributions",
    "metrics",
    "multilabel",
    "plot",
    "ranking",
    "registry",
    "regression",
    "sequence",
    "train",
    "vocab",
]

# Submodules imported on first attribute access (PEP 562): plot imports matplotlib, nn torch.
_LAZY_SUBMODULES = ("cards", "data", "nn", "notebook", "plot", "train")


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)  # also sets it as an attribute here
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES})
