"""The registry of losses: one entry per loss, read by everything that lists losses.

``LOSSES[name]`` holds the loss function, its gradient, its *kind* (what its first argument
is), its PyTorch twin and the :mod:`lossutils.nn` module that stands in where PyTorch has
none. :mod:`lossutils.plot` draws curves from it, :mod:`lossutils.train` trains with it,
:mod:`lossutils.cards` renders its tables from it, and the tests check every entry against
its twin. Adding a loss to the book is one entry here (and its card).

Examples
--------
>>> from lossutils.registry import LOSSES
>>> entry = LOSSES["huber"]
>>> entry.kind, entry.torch_function, entry.grad.__name__
('residual', 'huber_loss', 'huber_grad')
>>> [name for name, e in LOSSES.items() if e.kind == "margin"]
['hinge', 'squared_hinge', 'soft_margin']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from . import classification as cls
from . import distributions as dist
from . import multilabel as ml
from . import ranking as rank
from . import regression as reg
from . import sequence as seq
from . import vocab as voc

if TYPE_CHECKING:
    from .cards import LossCard

__all__ = ["KINDS", "LOSSES", "Kind", "LossEntry", "get"]

Kind = Literal[
    "residual",
    "probability",
    "logit",
    "margin",
    "classes",
    "distribution",
    "mean_and_variance",
    "rate",
    "multilabel",
    "distance",
    "sequence",
    "ranking",
    "pair",
    "triplet",
    "embeddings",
    "features",
    "clustered_features",
]

#: What each kind of loss takes as its first argument, and its target.
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "residual": "a real prediction and a real target of the same shape; x = prediction − target",
        "probability": "a probability in [0, 1] and a label in {0, 1} (or a soft label in [0, 1])",
        "logit": "a real score (logit) and a label in {0, 1}; the decision boundary is 0",
        "margin": "a real score and a label in {−1, +1}; x = label × score is the margin",
        "classes": "logits, scores or log-probabilities (N, C) for C classes, and the true class of each sample",
        "distribution": "log-probabilities and a target distribution over the same outcomes",
        "mean_and_variance": (
            "a predicted mean and a real target of the same shape, with a predicted variance ≥ 0 as the third "
            "argument: the parameters of a Gaussian; x = mean − target"
        ),
        "rate": "a predicted Poisson rate (its log by default, or the rate itself) and a count target ≥ 0",
        "multilabel": "scores or logits (N, C) for C labels, and the set of labels of each sample (any of the C)",
        "distance": "a distance d ≥ 0 between the two items of a pair, and a label: +1 similar pair, −1 dissimilar",
        "sequence": (
            "log-probabilities (T, N, C) of C symbols, one of them a blank, at each of T frames, and a label "
            "sequence per sample, shorter and not aligned to the frames (with the lengths of both)"
        ),
        "ranking": (
            "the scores x1 and x2 of the two items of each pair (the same shape), and a label: +1 where the first "
            "should rank higher, −1 where the second; only x1 − x2 counts"
        ),
        "pair": (
            "the embeddings x1 and x2 (N, D) of the two items of each pair, and a label per pair: +1 similar, "
            "−1 dissimilar"
        ),
        "triplet": (
            "three embeddings (N, D), an anchor, a positive (like the anchor) and a negative (unlike it), "
            "and no label: the anchor should be nearer to the positive"
        ),
        "embeddings": (
            "query and key embeddings (N, D), the key of query i in row i of the keys, and no label: the "
            "other keys of the batch are the query's negatives"
        ),
        "features": (
            "hidden features (N, d) and the weight (V, d) of the output layer, whose product are the logits over "
            "V classes, and the true class of each sample"
        ),
        "clustered_features": (
            "hidden features (N, d), the true class of each sample, and the weights of an adaptive softmax: a "
            "head over the frequent classes and one entry per cluster, and a two-layer tail for each cluster"
        ),
    }
)


@dataclass(frozen=True)
class LossEntry:
    """One loss: what lossutils computes and where its twins live.

    Attributes
    ----------
    name : str
        The lossutils name, e.g. ``"huber"``.
    fn, grad : callable
        ``lossutils.<name>`` and ``lossutils.<name>_grad``. The gradient of a loss with several
        differentiable inputs (``gaussian_nll``: mean and variance; ``margin_ranking``: both
        scores; ``triplet_margin``: anchor, positive and negative; ``linear_cross_entropy``:
        features and weight) is a tuple, one per input.
    kind : str
        What the first argument is (a key of :data:`KINDS`).
    torch_function : str or None
        The twin in :mod:`torch.nn.functional` that takes the same arguments and options
        (``"huber_loss"``), or None where PyTorch has no such function.
    torch_module : str or None
        The :mod:`torch.nn` module of that twin (``"HuberLoss"``).
    nn_module : str or None
        The :mod:`lossutils.nn` module written for the book where PyTorch has none
        (``"LogCoshLoss"``), or whose ``forward`` the book writes itself (``"CrossEntropyLoss"``).
    """

    name: str
    fn: Callable[..., Any]
    grad: Callable[..., Any]
    kind: Kind
    torch_function: str | None = None
    torch_module: str | None = None
    nn_module: str | None = None

    @property
    def card(self) -> LossCard:
        """The loss's card: the formulas and facts the book states about it."""
        from .cards import card

        return card(self.name)


_ENTRIES = [
    LossEntry("mse", reg.mse, reg.mse_grad, "residual", "mse_loss", "MSELoss"),
    LossEntry("mae", reg.mae, reg.mae_grad, "residual", "l1_loss", "L1Loss"),
    LossEntry("mbe", reg.mbe, reg.mbe_grad, "residual", nn_module="MeanBiasError"),
    LossEntry("huber", reg.huber, reg.huber_grad, "residual", "huber_loss", "HuberLoss"),
    LossEntry("smooth_l1", reg.smooth_l1, reg.smooth_l1_grad, "residual", "smooth_l1_loss", "SmoothL1Loss"),
    LossEntry("log_cosh", reg.log_cosh, reg.log_cosh_grad, "residual", nn_module="LogCoshLoss"),
    LossEntry("quantile", reg.quantile, reg.quantile_grad, "residual", nn_module="QuantileLoss"),
    LossEntry(
        "binary_cross_entropy",
        cls.binary_cross_entropy,
        cls.binary_cross_entropy_grad,
        "probability",
        "binary_cross_entropy",
        "BCELoss",
    ),
    LossEntry(
        "binary_cross_entropy_with_logits",
        cls.binary_cross_entropy_with_logits,
        cls.binary_cross_entropy_with_logits_grad,
        "logit",
        "binary_cross_entropy_with_logits",
        "BCEWithLogitsLoss",
    ),
    LossEntry(
        "cross_entropy",
        cls.cross_entropy,
        cls.cross_entropy_grad,
        "classes",
        "cross_entropy",
        "CrossEntropyLoss",
        nn_module="CrossEntropyLoss",
    ),
    LossEntry("nll_loss", cls.nll_loss, cls.nll_loss_grad, "classes", "nll_loss", "NLLLoss"),
    LossEntry("focal_loss", cls.focal_loss, cls.focal_loss_grad, "classes", nn_module="FocalLoss"),
    LossEntry("kl_div", cls.kl_div, cls.kl_div_grad, "distribution", "kl_div", "KLDivLoss"),
    LossEntry("hinge", cls.hinge, cls.hinge_grad, "margin"),
    LossEntry("squared_hinge", cls.squared_hinge, cls.squared_hinge_grad, "margin"),
    LossEntry(
        "multiclass_hinge", cls.multiclass_hinge, cls.multiclass_hinge_grad, "classes", nn_module="MulticlassHingeLoss"
    ),
    LossEntry(
        "multi_margin", cls.multi_margin, cls.multi_margin_grad, "classes", "multi_margin_loss", "MultiMarginLoss"
    ),
    # predicted distributions: the Gaussian's gradient is a pair (d/d mean, d/d var)
    LossEntry(
        "gaussian_nll",
        dist.gaussian_nll,
        dist.gaussian_nll_grad,
        "mean_and_variance",
        "gaussian_nll_loss",
        "GaussianNLLLoss",
    ),
    LossEntry("poisson_nll", dist.poisson_nll, dist.poisson_nll_grad, "rate", "poisson_nll_loss", "PoissonNLLLoss"),
    # -- many labels, and the binary margin family --
    LossEntry(
        "multilabel_soft_margin",
        ml.multilabel_soft_margin,
        ml.multilabel_soft_margin_grad,
        "multilabel",
        "multilabel_soft_margin_loss",
        "MultiLabelSoftMarginLoss",
    ),
    LossEntry(
        "multilabel_margin",
        ml.multilabel_margin,
        ml.multilabel_margin_grad,
        "multilabel",
        "multilabel_margin_loss",
        "MultiLabelMarginLoss",
    ),
    LossEntry("soft_margin", cls.soft_margin, cls.soft_margin_grad, "margin", "soft_margin_loss", "SoftMarginLoss"),
    LossEntry(
        "hinge_embedding",
        cls.hinge_embedding,
        cls.hinge_embedding_grad,
        "distance",
        "hinge_embedding_loss",
        "HingeEmbeddingLoss",
    ),
    # -- comparing instead of labelling: each gradient is a tuple, one per input but the label --
    LossEntry(
        "margin_ranking",
        rank.margin_ranking,
        rank.margin_ranking_grad,
        "ranking",
        "margin_ranking_loss",
        "MarginRankingLoss",
    ),
    LossEntry(
        "cosine_embedding",
        rank.cosine_embedding,
        rank.cosine_embedding_grad,
        "pair",
        "cosine_embedding_loss",
        "CosineEmbeddingLoss",
    ),
    LossEntry("contrastive", rank.contrastive, rank.contrastive_grad, "pair", nn_module="ContrastiveLoss"),
    LossEntry(
        "triplet_margin",
        rank.triplet_margin,
        rank.triplet_margin_grad,
        "triplet",
        "triplet_margin_loss",
        "TripletMarginLoss",
    ),
    LossEntry(
        "triplet_margin_with_distance",
        rank.triplet_margin_with_distance,
        rank.triplet_margin_with_distance_grad,
        "triplet",
        "triplet_margin_with_distance_loss",
        "TripletMarginWithDistanceLoss",
    ),
    LossEntry("info_nce", rank.info_nce, rank.info_nce_grad, "embeddings", nn_module="InfoNCELoss"),
    # sequences without alignment
    LossEntry("ctc", seq.ctc, seq.ctc_grad, "sequence", "ctc_loss", "CTCLoss"),
    # -- a huge vocabulary: the output layer's weights are inputs, and each gradient a tuple --
    LossEntry(
        "linear_cross_entropy",
        voc.linear_cross_entropy,
        voc.linear_cross_entropy_grad,
        "features",
        "linear_cross_entropy",
        "LinearCrossEntropyLoss",
    ),
    LossEntry("adaptive_log_softmax", voc.adaptive_log_softmax, voc.adaptive_log_softmax_grad, "clustered_features"),
]

#: Every loss, by lossutils name, in the order of the book.
LOSSES: Mapping[str, LossEntry] = MappingProxyType({e.name: e for e in _ENTRIES})


def get(name: str, *, argument: str = "name") -> LossEntry:
    """The entry of the loss ``name``; an unknown name is a ValueError that names the caller's
    ``argument`` and lists the losses there are.

    Examples
    --------
    >>> get("mse").torch_module
    'MSELoss'
    """
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"{argument} must name a lossutils loss ({', '.join(LOSSES)}), got {name!r}") from None
