"""Common tests of every loss in :data:`lossutils.registry.LOSSES`, in the manner of
scikit-learn's ``sklearn/metrics/tests/test_common.py``.

Each test is parametrized over the registry, so a new entry is tested by every check here
without a line of test code, and a check that lacks what it needs for an entry (an input
generator for its kind, a torch reference) fails instead of skipping it. The checks:

1. value and gradient against torch, for every reduction: ``entry.torch_function`` where it is
   set, else the loss's definition written in torch (:data:`TORCH_FORMULA`, the naive
   reference), differentiated by autograd;
2. the gradient against central finite differences of the loss;
3. dtypes: float32 and float64 are kept, float16 comes back as float16 computed in float32,
   mixed dtypes promote as :func:`torch.result_type`;
4. NaN in the first argument propagates as in torch;
5. inputs are never written to, and results never share their memory;
6. result types and shapes: reduced losses are NumPy scalars, ``'none'`` gives one loss per
   sample, gradients have the shape of the first argument;
7. bad input is a ValueError naming the argument (key phrases only, not whole messages);
8. extreme inputs (scores of +-1e4, residuals of 1e4) give finite values and torch's gradients,
   with no floating-point warning.

A loss with more positional inputs than a prediction and a target (:data:`POSITIONAL_INPUTS`: a
Gaussian's variance after the target, the second item of a pair before its label, a triplet or a
batch of queries and keys without any label) gets them from its kind's generator, and each check
covers its gradient with respect to every input but the target. Special cases (weights,
``ignore_index``, label smoothing, layouts, ``pos_weight``, var shapes, ...) stay in the per-family
test files. A kind whose inputs these checks cannot build
(:data:`DEDICATED_TEST_FILES`: CTC's four arrays) is tested in its own file, which must run each
of the checks on each of its losses.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from references import padded_target

from lossutils.activations import log_softmax, softmax
from lossutils.registry import KINDS, LOSSES, LossEntry

#: Kinds whose inputs the generic checks cannot build, and the test file that runs every check
#: of this file on their losses instead: a "sequence" loss (CTC) takes log-probabilities, targets
#: and two length vectors; the adaptive softmax, a list of pairs of tail weights and keyword cutoffs.
#: Their losses are left out of NAMES (see the test at the end).
DEDICATED_TEST_FILES = {"sequence": "test_ctc", "clustered_features": "test_vocab"}
NAMES = [name for name, entry in LOSSES.items() if entry.kind not in DEDICATED_TEST_FILES]
REDUCTIONS = ("mean", "sum", "none")
N_CLASSES = 4  # the length of _CLASS_OFFSETS

# -- inputs ------------------------------------------------------------------------------------
#
# Every loss has its kinks where a residual, a margin or a difference of two class scores is a
# multiple of 0.5 (0, delta, beta, margin: the defaults and the OPTIONS below are chosen so), and
# the generators keep those quantities at least 0.05 away from every multiple of 0.5, so that
# the derivative exists at every point they return and finite differences of step 1e-6 see it.

KINK_GAP = 0.05


def _off_the_kinks(x: np.ndarray) -> np.ndarray:
    """``x`` moved by less than 0.05 so that it is at least 0.05 away from every multiple of 0.5."""
    frac = np.mod(x, 0.5)
    return x - frac + np.clip(frac, KINK_GAP, 0.5 - KINK_GAP)


# Fractional parts of the class scores within a row: every difference of two of them, and its
# negative, lies at least 0.05 from a multiple of 0.5 (0.11, 0.12, 0.13, 0.23, 0.25, 0.36).
_CLASS_OFFSETS = np.array([0.0, 0.11, 0.23, 0.36])


def _class_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scores (n, C) whose pairwise differences within a row all stay off the kinks: multiples
    of 0.5, plus the offsets in a random order, plus a shift common to the row."""
    halves = 0.5 * rng.integers(-6, 7, size=(n, N_CLASSES))
    offsets = rng.permuted(np.tile(_CLASS_OFFSETS, (n, 1)), axis=1)
    return halves + offsets + rng.uniform(-1.0, 1.0, size=(n, 1))


def _residual(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.normal(size=(n, 3))
    return target + _off_the_kinks(2.0 * rng.normal(size=(n, 3))), target


def _probability(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.05, 0.95, size=(n, 3)), rng.integers(0, 2, size=(n, 3)).astype(np.float64)


def _logit(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return 3.0 * rng.normal(size=(n, 3)), rng.integers(0, 2, size=(n, 3)).astype(np.float64)


def _margin(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.choice([-1.0, 1.0], size=(n, 3))
    return target * _off_the_kinks(2.0 * rng.normal(size=(n, 3))), target  # target × score off the kinks


def _classes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return _class_scores(rng, n), rng.integers(0, N_CLASSES, size=n)


def _distribution(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return log_softmax(rng.normal(size=(n, N_CLASSES))), softmax(rng.normal(size=(n, N_CLASSES)))


def _mean_and_variance(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    target = rng.normal(size=(n, 3))  # variances off the multiples of 0.5, where an eps may clamp them
    return target + 2.0 * rng.normal(size=(n, 3)), target, _off_the_kinks(rng.uniform(0.05, 3.0, size=(n, 3)))


def _rate(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    # positive log-rates, valid as rates too (log_input=False); counts from 0 up, 0 and 1 included
    return rng.uniform(0.05, 3.0, size=(n, 3)), rng.poisson(2.0, size=(n, 3)).astype(np.float64)


def _multilabel(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores as for the losses over classes, and a multi-hot target in which every sample has a
    label and a class that is not one (so every sample has a pair of each)."""
    labels = rng.integers(0, 2, size=(n, N_CLASSES)).astype(np.float64)
    order = rng.permuted(np.tile(np.arange(N_CLASSES), (n, 1)), axis=1)
    labels[np.arange(n), order[:, 0]], labels[np.arange(n), order[:, 1]] = 1.0, 0.0
    return _class_scores(rng, n), labels


def _distance(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return _off_the_kinks(np.abs(2.0 * rng.normal(size=(n, 3)))), rng.choice([-1.0, 1.0], size=(n, 3))


# -- the losses that compare: pairs of scores, pairs and triplets of embeddings, queries and keys --

EMBEDDING_DIM = 3


def _ranking(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two scores and a preference, with t (x1 - x2) off the kinks (the margins are multiples of 0.5)."""
    target = rng.choice([-1.0, 1.0], size=(n, 3))
    x2 = rng.normal(size=(n, 3))
    return x2 + target * _off_the_kinks(2.0 * rng.normal(size=(n, 3))), x2, target


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _pair(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of embeddings (n, D) with labels +-1, built at a chosen cosine: off the multiples of
    0.5, where cosine_embedding's margins put its kinks. Their distances, from about 0 to 4, lie on
    both sides of contrastive's margins (it has no kink: its terms are squared)."""
    x1 = rng.normal(size=(n, EMBEDDING_DIM))
    cos = _off_the_kinks(rng.uniform(-0.95, 0.95, size=(n, 1)))
    u = _unit_rows(x1)
    w = rng.normal(size=(n, EMBEDDING_DIM))
    w_perp = _unit_rows(w - np.sum(w * u, axis=-1, keepdims=True) * u)  # a direction at right angles to x1
    x2 = rng.uniform(0.5, 2.0, size=(n, 1)) * (cos * u + np.sqrt(1 - cos**2) * w_perp)
    return x1, x2, rng.choice([-1.0, 1.0], size=n)


#: The p-norms and the cosine distance that the triplet losses' options use (the generator keeps
#: the triplets off the kinks of each).
TRIPLET_NORMS = (1.0, 1.5, 2.0, 3.0)


def _triplet_distances(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The distances of TRIPLET_NORMS (eps = 1e-6, PyTorch's default) and 1 - cos, row by row."""
    p_norms = [np.sum(np.abs(x - y + 1e-6) ** p, axis=-1) ** (1 / p) for p in TRIPLET_NORMS]
    return [*p_norms, 1 - np.sum(_unit_rows(x) * _unit_rows(y), axis=-1)]


def _triplet(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anchors, positives and negatives (n, D), drawn until n of them stay off every kink for every
    distance of :func:`_triplet_distances`: d(a, p) - d(a, n) at least 0.05 from a multiple of 0.5
    (the margins are multiples of 0.5), d(a, n) at least 0.05 from d(p, n) (the swap's choice), and
    every component of the differences at least 0.05 from 0 (the p-norms' kinks and curvature)."""
    kept: list[np.ndarray] = []
    while sum(k.shape[1] for k in kept) < n:
        a = rng.normal(size=(2 * n + 8, EMBEDDING_DIM))
        pos, neg = a + 0.7 * rng.normal(size=a.shape), a + 1.2 * rng.normal(size=a.shape)
        ok = np.all(np.abs(np.concatenate([a - pos, a - neg, pos - neg], axis=1)) >= KINK_GAP, axis=1)
        for d_ap, d_an, d_pn in zip(
            *(_triplet_distances(x, y) for x, y in ((a, pos), (a, neg), (pos, neg))), strict=True
        ):
            frac = np.mod(d_ap - d_an, 0.5)
            ok &= (frac >= KINK_GAP) & (frac <= 0.5 - KINK_GAP)
            ok &= np.abs(d_an - d_pn) >= KINK_GAP
        kept.append(np.stack([a, pos, neg])[:, ok])
    triplets = np.concatenate(kept, axis=1)[:, :n]
    return triplets[0], triplets[1], triplets[2]


def _embeddings(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Queries (n, D) and keys near them: key i is query i plus noise (InfoNCE has no kinks)."""
    queries = rng.normal(size=(n, EMBEDDING_DIM))
    return queries, queries + 0.5 * rng.normal(size=queries.shape)


# -- hidden features and the output layer's weight: the logits are their product --

N_VOCAB = 5  # classes of the "features" kind; the OPTIONS' chunk sizes divide it or not


def _features(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features (n, D) and an output layer's weight (V, D): logits of a few units (cross-entropy has no kink)."""
    return rng.normal(size=(n, EMBEDDING_DIM)), rng.normal(size=(N_VOCAB, EMBEDDING_DIM)), rng.integers(0, N_VOCAB, n)


#: One generator per kind: (rng, number of samples) -> the kind's positional inputs (the first
#: argument, then :data:`POSITIONAL_INPUTS`) in float64.
GENERATORS: dict[str, Callable[[np.random.Generator, int], tuple[np.ndarray, ...]]] = {
    "residual": _residual,
    "probability": _probability,
    "logit": _logit,
    "margin": _margin,
    "classes": _classes,
    "distribution": _distribution,
    "mean_and_variance": _mean_and_variance,
    "rate": _rate,
    "multilabel": _multilabel,
    "distance": _distance,
    "ranking": _ranking,
    "pair": _pair,
    "triplet": _triplet,
    "embeddings": _embeddings,
    "features": _features,
}

#: The positional inputs of each kind after the first argument, by their names in the losses'
#: signatures, where they are not just ``("target",)``: a Gaussian's variance comes after the
#: target, the second item of a pair before its label, and a triplet or a batch of queries and keys
#: has no label at all. Every input but ``"target"`` is differentiable: the loss's ``_grad`` returns
#: a tuple, one gradient per differentiable input in argument order, and each is checked as the
#: first argument's is.
POSITIONAL_INPUTS: dict[str, tuple[str, ...]] = {
    "mean_and_variance": ("target", "var"),
    "ranking": ("x2", "target"),
    "pair": ("x2", "target"),
    "triplet": ("positive", "negative"),
    "embeddings": ("keys",),
    "features": ("linear_weight", "target"),
}


def positional_inputs(kind: str) -> tuple[str, ...]:
    """The names of the positional inputs of ``kind`` after the first argument."""
    return POSITIONAL_INPUTS.get(kind, ("target",))


def target_position(kind: str) -> int | None:
    """Where the target sits among the positional inputs of ``kind``; None for a kind without one."""
    names = positional_inputs(kind)
    return 1 + names.index("target") if "target" in names else None


def differentiable_positions(kind: str) -> list[int]:
    """The positions of the inputs a loss's gradient is taken with respect to: all but the target."""
    return [k for k in range(1 + len(positional_inputs(kind))) if k != target_position(kind)]


def inputs(kind: str, rng: np.random.Generator, dtype: Any = np.float64, n: int = 4) -> tuple[np.ndarray, ...]:
    """Valid positional inputs of ``kind`` with ``n`` samples, off every kink: the first argument,
    then the kind's :data:`POSITIONAL_INPUTS`.

    Floating arrays come in ``dtype``; class indices stay int64.
    """
    return tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in GENERATORS[kind](rng, n))


def differentiable(kind: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The inputs a loss's gradient is taken with respect to: all but the target."""
    return tuple(args[k] for k in differentiable_positions(kind))


def gradients(entry: LossEntry, *args: Any, **options: Any) -> tuple[np.ndarray, ...]:
    """``entry.grad`` as a tuple: one gradient per differentiable input, in argument order."""
    grad = entry.grad(*args, **options)
    return grad if isinstance(grad, tuple) else (grad,)


#: Losses whose target is in another format than their kind's generators give: the conversion.
#: The multi-label generators give a multi-hot matrix; multilabel_margin takes PyTorch's padded
#: class indices by default.
TARGET_FORMATS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"multilabel_margin": padded_target}


def loss_inputs(entry: LossEntry, rng: np.random.Generator, dtype: Any = np.float64, n: int = 4) -> tuple[Any, ...]:
    """:func:`inputs` of the loss's kind, with the target in the loss's own format."""
    return _in_format(entry, inputs(entry.kind, rng, dtype, n))


def extreme_inputs(entry: LossEntry) -> tuple[Any, ...]:
    """:data:`EXTREME` inputs of the loss's kind, with the target in the loss's own format."""
    return _in_format(entry, EXTREME[entry.kind])


def _in_format(entry: LossEntry, args: tuple[Any, ...]) -> tuple[Any, ...]:
    convert = TARGET_FORMATS.get(entry.name)
    k = target_position(entry.kind)
    return args if convert is None or k is None else (*args[:k], convert(args[k]), *args[k + 1 :])


#: Inputs at the edge of the float range, one set per kind (no residual or margin at a kink).
EXTREME: dict[str, tuple[np.ndarray, ...]] = {
    "residual": (
        np.array([[1e4, -1e4, 2e4], [0.3, -1e4, 1e4]]),
        np.array([[0.0, 0.0, 1e4], [0.0, 1e4, -1e4]]),
    ),
    "probability": (  # the ends of [0, 1]: torch's clamps (log at -100, p(1 - p) at 1e-12)
        np.array([[0.0, 1.0, 1e-30], [1.0 - 1e-10, 0.0, 1.0]]),
        np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    ),
    "logit": (
        np.array([[1e4, -1e4, 1e4], [-1e4, 0.3, -1e4]]),
        np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
    ),
    "margin": (
        np.array([[1e4, -1e4, 1e4], [-1e4, 0.3, -1e4]]),
        np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]]),
    ),
    "classes": (
        np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, -1e4, 0.3], [1e4, 1e4, -1e4, 0.0]]),
        np.array([0, 0, 1]),
    ),
    "distribution": (
        np.array([[-1e4, 0.0, -5.0], [-2.0, -1e4, -1e4]]),
        np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]),
    ),
    "mean_and_variance": (  # variances of 0 and 1e-30, clamped to eps = 1e-6 (torch's gradient passes the clamp)
        np.array([[1e4, -1e4, 2e4], [0.3, -1e4, 1e4]]),
        np.array([[0.0, 0.0, 1e4], [0.0, 1e4, -1e4]]),
        np.array([[0.0, 1e-30, 1e30], [1e-6, 1e4, 0.5]]),
    ),
    "rate": (  # log-rates up to 80 (e^80 is finite in float32) and down to -1e4; counts up to 1e30
        np.array([[80.0, -1e4, 0.0], [50.0, 1e-3, -80.0]]),
        np.array([[0.0, 5.0, 1e4], [1e30, 2.0, 0.0]]),
    ),
    "multilabel": (
        np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, -1e4, 0.3], [1e4, 1e4, -1e4, 0.0]]),
        np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]),
    ),
    "distance": (  # far beyond the margin, at 0, and far off for similar pairs
        np.array([[1e4, 0.0, 1e30], [2e4, 1e-30, 0.3]]),
        np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]]),
    ),
    "ranking": (  # differences of 2e4 either way, and of 1e-30 at margin 0 (not quite the kink)
        np.array([[1e4, -1e4, 0.3], [2e4, 1e-30, -1e4]]),
        np.array([[-1e4, 1e4, 0.2], [0.0, 0.0, 1e4]]),
        np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]]),
    ),
    "pair": (  # opposite and huge; both zero (cosine 0 by the eps; distance 0); tiny against unit; equal
        np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [1e-30, 2e-30, 0.0], [0.3, 0.4, 0.5]]),
        np.array([[-1e4, 1e4, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.3, 0.4, 0.5]]),
        np.array([1.0, 1.0, -1.0, -1.0]),
    ),
    "triplet": (  # far apart, all at one point (the eps alone), the negative on the anchor, a huge loss
        np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [1e4, 0.0, 0.0]]),
        np.array([[1e4, -1e4, 1.0], [0.0, 0.0, 0.0], [1e-30, 0.0, 0.0], [-1e4, 0.0, 0.0]]),
        np.array([[-1e4, 1e4, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [1e4, 1.0, 0.0]]),
    ),
    "embeddings": (  # huge, zero and tiny rows (their norms floored at 1e-12), and an opposite pair
        np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [1e-30, 0.0, 0.0], [0.3, 0.4, 0.5]]),
        np.array([[1e4, 1e4, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-0.3, -0.4, -0.5]]),
    ),
    "features": (  # logits of +-1e4 and 2e4 (products of 100s, exact), and ties at 1e4
        np.array([[100.0, 0.0, 0.0], [0.0, -100.0, 0.0], [100.0, 100.0, 0.0]]),
        np.array([[100.0, 0.0, 0.0], [-100.0, 0.0, 0.0], [0.0, 100.0, 0.0], [0.0, 0.0, 1.0], [100.0, 0.0, 0.3]]),
        np.array([1, 0, 3]),
    ),
}


#: Kinds whose samples are the rows of the first argument (N, C) or (N, D): one loss per row.
ROW_KINDS = ("classes", "multilabel", "pair", "triplet", "embeddings", "features")


def sample_shape(kind: str, first_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of ``reduction='none'``: one loss per sample (the class axis summed out)."""
    return first_shape[:1] if kind in ROW_KINDS else first_shape


# -- references ----------------------------------------------------------------------------------


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def _mbe(x: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
    return _reduce(x - t, reduction)


def _log_cosh(x: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
    r = x - t
    return _reduce(torch.logaddexp(r, -r) - math.log(2.0), reduction)  # log((e^r + e^-r) / 2)


def _quantile(x: torch.Tensor, t: torch.Tensor, reduction: str, q: float = 0.5) -> torch.Tensor:
    d = t - x  # scikit-learn's mean_pinball_loss(t, x, alpha=q) for 'mean'
    return _reduce(torch.maximum(q * d, (q - 1) * d), reduction)


def _focal_loss(x: torch.Tensor, t: torch.Tensor, reduction: str, gamma: float = 2.0) -> torch.Tensor:
    ce = F.cross_entropy(x, t, reduction="none")  # -log p_t; gamma = 0 is cross-entropy itself
    return _reduce((-torch.expm1(-ce)) ** gamma * ce, reduction)  # (1 - p_t)^gamma (-log p_t)


def _hinge(x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0) -> torch.Tensor:
    return _reduce(torch.relu(margin - t * x), reduction)


def _squared_hinge(x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0) -> torch.Tensor:
    return _reduce(torch.relu(margin - t * x) ** 2, reduction)


def _contrastive(
    x1: torch.Tensor, x2: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0
) -> torch.Tensor:
    d = torch.linalg.vector_norm(x1 - x2, dim=-1)  # Hadsell et al.'s Y = 0 (similar) is t = +1 here
    return _reduce(torch.where(t == 1, 0.5 * d**2, 0.5 * torch.relu(margin - d) ** 2), reduction)


def _info_nce(
    q: torch.Tensor, k: torch.Tensor, reduction: str, temperature: float = 0.1, symmetric: bool = False
) -> torch.Tensor:
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / temperature  # scaled cosine similarities
    positives = torch.arange(len(q))  # the key of query i is key i
    loss = F.cross_entropy(logits, positives, reduction="none")
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(logits.T, positives, reduction="none"))
    return _reduce(loss, reduction)


def _multiclass_hinge(
    x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0, variant: str = "weston_watkins"
) -> torch.Tensor:
    if variant == "weston_watkins":  # torch's multi_margin_loss divides the sum over classes by C
        return x.shape[1] * F.multi_margin_loss(x, t, p=1, margin=margin, reduction=reduction)
    s_y = x.gather(1, t[:, None])[:, 0]
    others = x.masked_fill(F.one_hot(t, x.shape[1]).bool(), -torch.inf)
    return _reduce(torch.relu(margin - s_y + others.max(dim=1).values), reduction)


def _adaptive_log_softmax(
    x: torch.Tensor,
    t: torch.Tensor,
    head_weight: torch.Tensor,
    tail_weights: list[tuple[torch.Tensor, torch.Tensor]],
    reduction: str,
    cutoffs: list[int],
    head_bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """``nn.AdaptiveLogSoftmaxWithLoss`` run with these weights (``torch.func.functional_call``): its
    ``loss`` for 'mean', and minus its ``output`` (the log-probability of each target) for 'sum' and 'none'."""
    n_classes = cutoffs[-1] + len(tail_weights[-1][1])
    module = torch.nn.AdaptiveLogSoftmaxWithLoss(  # its own weights are replaced; div_value 1: none is empty
        x.shape[-1], n_classes, cutoffs, div_value=1.0, head_bias=head_bias is not None
    )
    weights = {"head.weight": head_weight, **({"head.bias": head_bias} if head_bias is not None else {})}
    for k, (projection, output) in enumerate(tail_weights):
        weights |= {f"tail.{k}.0.weight": projection, f"tail.{k}.1.weight": output}
    output, loss = torch.func.functional_call(module.to(x.dtype), weights, (x, t))
    return {"mean": loss, "sum": -output.sum(), "none": -output}[reduction]


#: The naive reference of every loss that has no ``torch_function``: its definition in torch,
#: with the loss's options and their defaults. A test requires one for each such entry.
TORCH_FORMULA: dict[str, Callable[..., torch.Tensor]] = {
    "mbe": _mbe,
    "log_cosh": _log_cosh,
    "quantile": _quantile,
    "focal_loss": _focal_loss,
    "hinge": _hinge,
    "squared_hinge": _squared_hinge,
    "multiclass_hinge": _multiclass_hinge,
    "contrastive": _contrastive,
    "info_nce": _info_nce,
    "adaptive_log_softmax": _adaptive_log_softmax,
}

#: Option values that name a NumPy function of lossutils, and the torch function the torch
#: reference takes in their place (a distance between rows, for the triplet losses).
TORCH_OPTION_VALUES: dict[str, dict[str, Callable[..., torch.Tensor]]] = {
    "distance_function": {
        "euclidean": F.pairwise_distance,
        "cosine": lambda x, y: 1 - F.cosine_similarity(x, y, dim=-1),
    }
}


#: Options that change how lossutils computes a loss, not what it computes: the torch twin has no
#: such option, and its reference is called without them.
LOSSUTILS_ONLY_OPTIONS = {"chunk_size"}


def torch_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` for the torch reference: a name in :data:`TORCH_OPTION_VALUES` becomes its torch
    function, and :data:`LOSSUTILS_ONLY_OPTIONS` are left out."""
    return {
        k: TORCH_OPTION_VALUES[k][v] if k in TORCH_OPTION_VALUES else v
        for k, v in options.items()
        if k not in LOSSUTILS_ONLY_OPTIONS
    }


#: Losses whose torch twin overflows (inf loss, nan gradient) at :data:`EXTREME` inputs where
#: lossutils stays exact (documented): there they are compared with their formula written
#: stably in torch, and the twin is checked to still overflow, so the entry cannot go stale.
TORCH_OVERFLOWS: dict[str, Callable[..., torch.Tensor]] = {
    # F.soft_margin_loss computes log(1 + exp(-t x)) as written: inf once -t x passes about 710
    "soft_margin": lambda x, t, reduction: _reduce(torch.logaddexp(torch.zeros_like(x), -t * x), reduction),
}

#: Option values besides the defaults that the torch comparison and the finite differences also
#: try (kinks at multiples of 0.5, see the generators); the torch twin takes the same options.
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "huber": [{"delta": 1.5}],
    "smooth_l1": [{"beta": 0.5}, {"beta": 0.0}],
    "quantile": [{"q": 0.3}],
    "cross_entropy": [{"label_smoothing": 0.2}],
    "focal_loss": [{"gamma": 0.0}, {"gamma": 1.5}],
    "hinge": [{"margin": 0.5}],
    "squared_hinge": [{"margin": 1.5}],
    "multiclass_hinge": [{"margin": 0.5}, {"variant": "crammer_singer"}],
    "gaussian_nll": [{"full": True}],
    "poisson_nll": [{"log_input": False}, {"full": True}, {"log_input": False, "full": True, "eps": 0.5}],
    "hinge_embedding": [{"margin": 1.5}, {"margin": 0.5}],
    # class weights as a tensor, which torch needs and lossutils reads like any array
    "multi_margin": [
        {"p": 2},
        {"margin": 0.5},
        {"weight": torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=torch.float64)},
        {"p": 2, "margin": 1.5, "weight": torch.tensor([1.5, 0.25, 1.0, 2.0], dtype=torch.float64)},
    ],
    # comparing: the p-norms and distances are those the triplet generator keeps off the kinks
    "margin_ranking": [{"margin": 0.5}, {"margin": -1.0}],
    "cosine_embedding": [{"margin": 0.5}, {"margin": -0.5}],
    "contrastive": [{"margin": 2.0}, {"margin": 0.5}],
    "triplet_margin": [
        {"margin": 0.5},
        {"p": 1},
        {"p": 3, "margin": 2.0},
        {"p": 1.5},
        {"swap": True},
        {"eps": 0.0, "swap": True, "margin": 0.5},
    ],
    "triplet_margin_with_distance": [
        {"distance_function": "cosine"},
        {"distance_function": "cosine", "margin": 0.5, "swap": True},
        {"distance_function": "euclidean", "margin": 2.0, "swap": True},
    ],
    "info_nce": [{"temperature": 0.5}, {"symmetric": True}, {"temperature": 1.0, "symmetric": True}],
    # the vocabulary in chunks that divide it (5 = 5 x 1) or not (2 + 2 + 1), and in one chunk (the default)
    "linear_cross_entropy": [
        {"label_smoothing": 0.2},
        {"chunk_size": 1},
        {"chunk_size": 2, "weight": torch.tensor([0.5, 2.0, 1.0, 3.0, 0.25], dtype=torch.float64)},
        {"chunk_size": 3, "label_smoothing": 0.1, "ignore_index": 2},
    ],
}

#: Options compared with torch only, not with finite differences: under them a gradient is
#: torch's convention, not the loss's derivative. gaussian_nll's eps = 0.5 clamps the generated
#: variances below 0.5; the loss is flat in var there, but torch's gradient passes the clamp.
TORCH_ONLY_OPTIONS: dict[str, list[dict[str, Any]]] = {"gaussian_nll": [{"eps": 0.5}]}

#: Losses whose torch twin raises on NaN in the first argument, where lossutils propagates it
#: (documented); checked to still raise, so the entry cannot go stale.
TORCH_REJECTS_NAN = {"binary_cross_entropy"}


def option_sets(name: str) -> list[dict[str, Any]]:
    return [{}, *OPTIONS.get(name, [])]


def default_reduction(entry: LossEntry) -> str:
    return inspect.signature(entry.fn).parameters["reduction"].default


def reductions(entry: LossEntry) -> tuple[str, ...]:
    """'mean', 'sum', 'none' and the loss's default ('batchmean' for kl_div)."""
    return tuple(dict.fromkeys((*REDUCTIONS, default_reduction(entry))))


def torch_reference(entry: LossEntry) -> Callable[..., torch.Tensor]:
    """``torch.nn.functional.<torch_function>``, or the loss's :data:`TORCH_FORMULA`."""
    if entry.torch_function is not None:
        return getattr(F, entry.torch_function)
    return TORCH_FORMULA[entry.name]  # a KeyError fails the test: no loss goes unchecked


def torch_value_and_grad(
    entry: LossEntry,
    args: tuple[np.ndarray, ...],
    reduction: str,
    reference: Callable[..., torch.Tensor] | None = None,
    **options: Any,
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The value of ``reference`` (the loss's :func:`torch_reference` by default) and, by
    autograd, the gradients of its sum (per sample for 'none') with respect to each
    differentiable input (all but the target), in argument order."""
    target = target_position(entry.kind)
    tensors = [
        torch.from_numpy(np.array(a)) if i == target else torch.tensor(a, requires_grad=True)
        for i, a in enumerate(args)
    ]
    with warnings.catch_warnings():  # F.kl_div warns that its 'mean' is not 'batchmean': known
        warnings.filterwarnings("ignore", message=".*divides the total loss by both", category=UserWarning)
        out = (reference or torch_reference(entry))(*tensors, reduction=reduction, **torch_options(options))
    out.sum().backward()
    grads = [x.grad for x in differentiable(entry.kind, tuple(tensors))]
    assert all(g is not None for g in grads)
    return out.detach().numpy(), tuple(g.numpy() for g in grads if g is not None)


def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    return torch.empty(0, dtype=dtype).numpy().dtype


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded by the loss's name, so each loss sees its own data, the same every run."""
    return np.random.default_rng(list(name.encode()))


# -- the registry has everything the checks need -------------------------------------------------


def test_every_kind_has_inputs() -> None:
    assert set(GENERATORS) == set(KINDS) - set(DEDICATED_TEST_FILES)
    assert set(EXTREME) == set(KINDS) - set(DEDICATED_TEST_FILES)


def test_every_loss_without_a_torch_function_has_a_torch_formula() -> None:
    assert set(TORCH_FORMULA) == {name for name, entry in LOSSES.items() if entry.torch_function is None}


def test_the_lists_of_special_cases_name_registered_losses() -> None:
    assert set(OPTIONS).issubset(LOSSES)
    assert set(TORCH_ONLY_OPTIONS).issubset(LOSSES)
    assert TORCH_REJECTS_NAN.issubset(LOSSES)
    assert set(POSITIONAL_INPUTS).issubset(KINDS)
    assert set(N_FOR_FLOAT16).issubset(KINDS)
    assert set(TARGET_FORMATS).issubset(LOSSES)
    assert set(TORCH_OVERFLOWS).issubset(LOSSES)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_takes_the_arguments_of_its_loss(name: str) -> None:
    entry = LOSSES[name]
    params = inspect.signature(entry.fn).parameters
    assert inspect.signature(entry.grad).parameters == params
    positional = [p.name for p in params.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional[1:] == list(positional_inputs(entry.kind))  # the inputs the generators give
    assert "reduction" in params
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(params.values())[len(positional) :])


# -- 1. value and gradient against torch ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reduction"), [(name, reduction) for name in NAMES for reduction in reductions(LOSSES[name])]
)
def test_value_and_gradient_match_torch(name: str, reduction: str) -> None:
    entry = LOSSES[name]
    args = loss_inputs(entry, rng_for(name))
    for options in [*option_sets(name), *TORCH_ONLY_OPTIONS.get(name, [])]:
        value = entry.fn(*args, reduction=reduction, **options)
        grads = gradients(entry, *args, reduction=reduction, **options)
        ref_value, ref_grads = torch_value_and_grad(entry, args, reduction, **options)
        assert np.shape(value) == ref_value.shape, options
        np.testing.assert_allclose(value, ref_value, rtol=1e-10, atol=1e-12, err_msg=str(options))
        assert len(grads) == len(ref_grads), options
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12, err_msg=str(options))


# -- 2. gradient against finite differences ------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_finite_differences(name: str) -> None:
    entry = LOSSES[name]
    args = loss_inputs(entry, rng_for(name))
    h = 1e-6  # far below the inputs' distance to a kink (KINK_GAP)
    positions = differentiable_positions(entry.kind)  # every input but the target
    for options in option_sets(name):
        grads = gradients(entry, *args, reduction="sum", **options)
        assert len(grads) == len(positions), options
        for k, grad in zip(positions, grads, strict=True):
            numeric = np.empty_like(args[k])
            for i in np.ndindex(args[k].shape):
                up, down = list(args), list(args)
                up[k], down[k] = args[k].copy(), args[k].copy()
                up[k][i] += h
                down[k][i] -= h
                diff = entry.fn(*up, reduction="sum", **options) - entry.fn(*down, reduction="sum", **options)
                numeric[i] = diff / (2 * h)
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=f"input {k}, {options}")


# -- 3. dtypes -------------------------------------------------------------------------------------


def _as_float32(args: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The floating inputs in float32 (class indices stay integers)."""
    return tuple(a.astype(np.float32) if a.dtype.kind == "f" else a for a in args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_float32_and_float64_are_kept(name: str, dtype: type) -> None:
    entry = LOSSES[name]
    args64 = loss_inputs(entry, rng_for(name))
    args = loss_inputs(entry, rng_for(name), dtype)
    for reduction in reductions(entry):
        value = entry.fn(*args, reduction=reduction)
        grads = gradients(entry, *args, reduction=reduction)
        assert value.dtype == dtype, reduction
        assert all(grad.dtype == dtype for grad in grads), reduction
        if dtype == np.float32:  # the same numbers as in float64, to float32's precision
            np.testing.assert_allclose(value, entry.fn(*args64, reduction=reduction), rtol=2e-5, atol=1e-6)
            for grad, grad64 in zip(grads, gradients(entry, *args64, reduction=reduction), strict=True):
                np.testing.assert_allclose(grad, grad64, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_float16_in_float16_out(name: str) -> None:
    entry = LOSSES[name]
    args = loss_inputs(entry, rng_for(name), np.float16)
    args32 = _as_float32(args)
    for reduction in reductions(entry):
        value = entry.fn(*args, reduction=reduction)
        grads = gradients(entry, *args, reduction=reduction)
        assert value.dtype == np.float16, reduction
        assert all(grad.dtype == np.float16 for grad in grads), reduction
        # the float32 result of the same (float16) numbers, rounded to float16; loose, since a
        # loss computed in float16 itself is off by a few units in the last place
        expected = entry.fn(*args32, reduction=reduction).astype(np.float16)
        expected_grads = gradients(entry, *args32, reduction=reduction)
        np.testing.assert_allclose(value.astype(np.float32), expected.astype(np.float32), rtol=1e-2, atol=1e-3)
        for grad, expected_grad in zip(grads, expected_grads, strict=True):
            np.testing.assert_allclose(
                grad.astype(np.float32), expected_grad.astype(np.float16).astype(np.float32), rtol=1e-2, atol=1e-3
            )


#: Kinds whose float16 check takes fewer samples than the 70 000 below: InfoNCE compares every
#: query with every key, an N x N matrix (70 000² floats would need 20 GB); with 3000 each row's
#: softmax sums more terms than float16 adds up exactly (2048), which a float32 accumulation gets right.
N_FOR_FLOAT16 = {"embeddings": 3000}


@pytest.mark.parametrize("name", NAMES)
def test_float16_is_computed_in_float32(name: str) -> None:
    entry = LOSSES[name]
    n = N_FOR_FLOAT16.get(
        entry.kind, 70_000
    )  # more samples than float16 counts: only a float32 accumulation gets the mean right
    args = loss_inputs(entry, rng_for(name), np.float16, n=n)
    args32 = _as_float32(args)
    default = default_reduction(entry)  # a mean: 'batchmean' for kl_div
    value, grads = entry.fn(*args, reduction=default), gradients(entry, *args, reduction=default)
    assert value.dtype == np.float16
    assert all(grad.dtype == np.float16 for grad in grads)
    expected = entry.fn(*args32, reduction=default).astype(np.float16)
    assert np.isfinite(value)
    np.testing.assert_allclose(value.astype(np.float32), expected.astype(np.float32), rtol=1e-3)
    for grad, expected_grad in zip(grads, gradients(entry, *args32, reduction=default), strict=True):
        expected_grad = expected_grad.astype(np.float16)
        np.testing.assert_allclose(grad.astype(np.float32), expected_grad.astype(np.float32), rtol=1e-3, atol=1e-7)
        assert np.count_nonzero(grad) == np.count_nonzero(expected_grad)  # 1/N in float16 is subnormal, not 0


@pytest.mark.parametrize(
    ("first_dtype", "target_dtype"), [(np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32)]
)
@pytest.mark.parametrize("name", NAMES)
def test_mixed_dtypes_promote_as_in_torch(name: str, first_dtype: type, target_dtype: type) -> None:
    entry = LOSSES[name]
    args = list(loss_inputs(entry, rng_for(name)))
    other = target_position(entry.kind) or len(args) - 1  # the target, or the last input of a kind without one
    for k, a in enumerate(args):  # the other inputs in the first's dtype
        if a.dtype.kind == "f":  # class indices stay integers: torch keeps the float dtype then
            args[k] = a.astype(target_dtype if k == other else first_dtype)
    expected = numpy_dtype(functools.reduce(torch.promote_types, [torch.from_numpy(a).dtype for a in args]))
    for reduction in reductions(entry):
        assert entry.fn(*args, reduction=reduction).dtype == expected, reduction
        grads = gradients(entry, *args, reduction=reduction)
        assert all(grad.dtype == expected for grad in grads), reduction


# -- 4. NaN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_nan_propagates_as_in_torch(name: str) -> None:
    """NaN in one element of the first argument makes its sample's loss NaN, and the reduced
    loss; the gradients are NaN at least where torch's are, and every other sample is untouched
    (the further inputs of the generators are shaped like the first argument)."""
    entry = LOSSES[name]
    args = loss_inputs(entry, rng_for(name))
    first = args[0]
    poisoned = np.zeros(first.shape, dtype=bool)  # the elements of the poisoned sample
    if entry.kind == "classes":
        first[0, args[1][0]] = np.nan  # the true class's score, which every loss over classes reads
        poisoned[0] = True
    elif entry.kind in ROW_KINDS:  # multilabel: a label or not, every sample has pairs of both
        first[0, 0] = np.nan  # (see _multilabel); an embedding: its whole row
        poisoned[0] = True
    else:
        first[0, 0] = np.nan
        poisoned[0, 0] = True
    in_sample = poisoned[:, 0] if entry.kind in ROW_KINDS else poisoned
    for reduction in reductions(entry):
        value = entry.fn(*args, reduction=reduction)
        grads = gradients(entry, *args, reduction=reduction)
        if reduction == "none":
            np.testing.assert_array_equal(np.isnan(value), in_sample)
        else:
            assert np.isnan(value), reduction
        if name in TORCH_REJECTS_NAN:
            with pytest.raises(RuntimeError):
                torch_value_and_grad(entry, args, reduction)
            for grad in grads:
                assert np.all(np.isnan(grad[poisoned])), reduction
                assert not np.any(np.isnan(grad[~poisoned])), reduction
            continue
        ref_value, ref_grads = torch_value_and_grad(entry, args, reduction)
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            assert np.all(np.isnan(grad[np.isnan(ref_grad)])), reduction
            # an input shaped like the first is clean outside the poisoned sample; one every sample
            # shares (an output layer's weight) is clean where torch's gradient is
            clean = ~poisoned if grad.shape == first.shape else ~np.isnan(ref_grad)
            np.testing.assert_allclose(grad[clean], ref_grad[clean], rtol=1e-10, atol=1e-12, err_msg=reduction)
        if reduction == "none":
            np.testing.assert_allclose(value[~in_sample], ref_value[~in_sample], rtol=1e-10, atol=1e-12)


# -- 5. no mutation, no aliasing ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_mutated_and_results_do_not_alias_them(name: str) -> None:
    entry = LOSSES[name]
    for dtype in (np.float64, np.float32):
        args = loss_inputs(entry, rng_for(name), dtype)
        copies = [a.copy() for a in args]
        for a in args:
            a.flags.writeable = False  # any write to them raises
        for reduction in reductions(entry):
            outputs = [("loss", entry.fn(*args, reduction=reduction))]
            outputs += [("grad", grad) for grad in gradients(entry, *args, reduction=reduction)]
            for label, out in outputs:
                assert not any(np.shares_memory(out, a) for a in args), (label, reduction)
        for a, copy in zip(args, copies, strict=True):
            np.testing.assert_array_equal(a, copy)


# -- 6. result types and shapes -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_results_are_numpy_scalars_and_arrays_of_the_right_shape(name: str) -> None:
    entry = LOSSES[name]
    args = loss_inputs(entry, rng_for(name), n=5)
    for reduction in reductions(entry):
        value = entry.fn(*args, reduction=reduction)
        grads = gradients(entry, *args, reduction=reduction)
        if reduction == "none":
            assert type(value) is np.ndarray
            assert value.shape == sample_shape(entry.kind, args[0].shape)
        else:
            assert isinstance(value, np.floating), (reduction, type(value))  # as np.mean returns
        assert value.dtype == np.float64
        assert len(grads) == len(differentiable(entry.kind, args)), reduction
        for grad, x in zip(grads, differentiable(entry.kind, args), strict=True):  # each shaped like its input
            assert type(grad) is np.ndarray, reduction
            assert grad.shape == x.shape, reduction
            assert grad.dtype == np.float64


# -- 7. bad input --------------------------------------------------------------------------------


def _first_name(entry: LossEntry) -> str:
    return next(iter(inspect.signature(entry.fn).parameters))


FUNCTIONS = pytest.mark.parametrize("gradient", [False, True], ids=["loss", "grad"])


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_mismatched_shapes_are_a_value_error_naming_the_target(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    args = list(loss_inputs(entry, rng_for(name)))
    k = target_position(entry.kind) or len(args) - 1  # the target, or the last input of a kind without one
    args[k] = args[k][:-1]  # one sample short
    with pytest.raises(ValueError, match=list(inspect.signature(entry.fn).parameters)[k]) as error:
        fn(*args)
    assert "shape" in str(error.value)


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_reduction_is_a_value_error_naming_reduction(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    args = loss_inputs(entry, rng_for(name))
    allowed = reductions(entry)
    for bad in ("avg", "MEAN", None, *(["batchmean"] if "batchmean" not in allowed else [])):
        with pytest.raises(ValueError, match="reduction") as error:
            fn(*args, reduction=bad)
        message = str(error.value)
        assert repr(bad) in message  # the value given ...
        assert all(repr(r) in message for r in allowed), message  # ... and the ones allowed


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_an_empty_input_is_a_value_error_naming_it(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    args = loss_inputs(entry, rng_for(name))
    for empty in [tuple(a[:0] for a in args), tuple([] for _ in args)]:  # no samples: arrays, lists
        with pytest.raises(ValueError, match=f"{_first_name(entry)} is empty"):
            fn(*empty)


# -- 8. extreme inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_are_finite_and_match_torch(name: str) -> None:
    entry = LOSSES[name]
    args = extreme_inputs(entry)
    args32 = _as_float32(args)
    for reduction in reductions(entry):
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            value = entry.fn(*args, reduction=reduction)
            grads = gradients(entry, *args, reduction=reduction)
            value32 = entry.fn(*args32, reduction=reduction)
            grads32 = gradients(entry, *args32, reduction=reduction)
        assert np.all(np.isfinite(value)), reduction
        assert all(np.all(np.isfinite(grad)) for grad in grads), reduction
        ref_value, ref_grads = torch_value_and_grad(entry, args, reduction, TORCH_OVERFLOWS.get(name))
        np.testing.assert_allclose(value, ref_value, rtol=1e-10, atol=1e-12, err_msg=reduction)
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12, err_msg=reduction)
        if name in TORCH_OVERFLOWS:  # the twin itself still overflows there
            assert not np.all(np.isfinite(torch_value_and_grad(entry, args, reduction)[0])), reduction
        assert value32.dtype == np.float32
        assert all(grad32.dtype == np.float32 for grad32 in grads32)
        assert np.all(np.isfinite(value32)), reduction
        assert all(np.all(np.isfinite(grad32)) for grad32 in grads32), reduction


# -- kinds tested in their own file ----------------------------------------------------------------

#: The checks of this file, which the test file of a dedicated kind maps to its own tests, loss by loss.
COMMON_CHECKS = (
    "arguments",  # the gradient takes the loss's arguments
    "torch",  # 1. value and gradient against torch, every reduction and option
    "finite_differences",  # 2.
    "dtypes",  # 3. float32, float64, float16 computed in float32
    "nan",  # 4.
    "no_mutation",  # 5.
    "shapes",  # 6. result types and shapes
    "bad_input",  # 7.
    "extreme",  # 8.
)


def test_every_loss_of_a_dedicated_kind_runs_the_common_checks_in_its_own_file() -> None:
    assert set(DEDICATED_TEST_FILES) <= set(KINDS)
    for name, entry in LOSSES.items():
        if entry.kind not in DEDICATED_TEST_FILES:
            continue
        module = importlib.import_module(DEDICATED_TEST_FILES[entry.kind])
        checks = module.COMMON_CHECKS.get(name)
        assert checks is not None, f"{name} (kind {entry.kind!r}) has no tests in {module.__name__}.py"
        assert set(checks) == set(COMMON_CHECKS), name
        for check, test in checks.items():
            assert callable(test), (name, check)
            assert test.__name__.startswith("test_"), (name, check)
            assert getattr(module, test.__name__) is test, (name, check)  # collected by pytest from that file
