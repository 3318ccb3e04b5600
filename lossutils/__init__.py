"""lossutils: loss functions and their gradients from scratch in NumPy, checked against PyTorch.

The companion package of the book *Loss Functions in Machine Learning*. Every loss
``fn(pred, target, *, reduction="mean", ...)`` takes the prediction first and the target
second, like :mod:`torch.nn.functional`, and has a gradient ``fn_grad`` with the same
arguments that returns d(loss)/d(first argument) with the first argument's shape.

Submodules: :mod:`lossutils.regression`, :mod:`lossutils.classification` (both re-exported
here), :mod:`lossutils.nn` (``torch.nn.Module`` losses; imports torch), :mod:`lossutils.data`,
:mod:`lossutils.plot`, :mod:`lossutils.metrics`, :mod:`lossutils.train`,
:mod:`lossutils.cards` (the loss cards of the book).
"""

from . import cards, classification, data, metrics, plot, regression, train
from .classification import *  # noqa: F403
from .classification import __all__ as _classification_all
from .regression import *  # noqa: F403
from .regression import __all__ as _regression_all

__version__ = "0.1.0"

__all__ = [
    *_regression_all,
    *_classification_all,
    "cards",
    "classification",
    "data",
    "metrics",
    "plot",
    "regression",
    "train",
]
