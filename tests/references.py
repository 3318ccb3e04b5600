"""Naive textbook NumPy references of every loss, written from the LaTeX on its card.

``REFERENCES[name]`` is the loss ``name`` as its card (:mod:`lossutils.cards`) states it: the
per-sample loss, its derivative with respect to the first argument, the second derivative
where the card gives one per sample, and the best constant prediction where one exists, as the
card's ``minimiser`` says. They are written for reading, without the numerical care of
:mod:`lossutils` (no shifted log-sum-exp, no clamping) and without calling it, so that
tests/test_cards.py can hold the cards and the package to each other. The tests call them on
moderate inputs away from the kinks, with every option of the card given.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Reference:
    """One loss, from its card.

    ``loss``, ``grad`` and ``second`` are ``f(first_arg, target, **options)``, per sample (per
    sample and class for the losses over C classes); ``second`` is None where the card gives no
    per-sample closed form. A loss with a further input (the Gaussian's variance) takes it after
    the target, and its ``grad`` and ``second`` return a pair: with respect to the first argument,
    then to that input. The losses that compare take their inputs in their own argument order
    (``x1, x2, target``; ``anchor, positive, negative``; ``queries, keys``), and ``grad`` returns
    one gradient per input but the target. ``best_constant`` is ``f(targets, **options)``, or ``f(targets,
    n_classes)`` for the losses over C classes: the constant first argument that minimises the
    mean loss; None where none exists or it has no closed form. The multi-label losses take the
    targets of all samples, (N, C), and give one constant per label; multilabel_margin's target
    is in PyTorch's padded format (:func:`padded_target`).
    """

    loss: Callable[..., np.ndarray]
    grad: Callable[..., np.ndarray]
    second: Callable[..., np.ndarray] | None = None
    best_constant: Callable[..., Any] | None = None


def bisect(f: Callable[[float], float], lo: float, hi: float, steps: int = 200) -> float:
    """The root of an increasing function ``f`` with ``f(lo) <= 0 <= f(hi)``, by bisection."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if f(mid) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """``[k = y]``: 1 at the true class of each row."""
    return np.eye(n_classes)[np.asarray(y, dtype=int)]


def pick(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``a_y``: the entry of each row at its true class."""
    return a[np.arange(len(a)), np.asarray(y, dtype=int)]


def zeros(first: np.ndarray, target: np.ndarray, **options: float) -> np.ndarray:
    """A second derivative of 0 (away from the kinks)."""
    return np.zeros_like(first, dtype=float)


# -- best constants that solve an equation: sum of the gradient over the targets = 0 ------------


def huber_centre(y: np.ndarray, delta: float) -> float:
    """The c with sum_i clip(c - y_i, -delta, delta) = 0."""
    return bisect(lambda c: float(np.sum(np.clip(c - y, -delta, delta))), float(y.min()), float(y.max()))


def log_cosh_centre(y: np.ndarray) -> float:
    """The c with sum_i tanh(c - y_i) = 0."""
    return bisect(lambda c: float(np.sum(np.tanh(c - y))), float(y.min()), float(y.max()))


def log_class_frequencies(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.log(np.bincount(y, minlength=n_classes) / len(y))


# -- gradients with more than one line -----------------------------------------------------------


def focal_grad(z: np.ndarray, y: np.ndarray, gamma: float) -> np.ndarray:
    """(1 - p_y)^gamma (1 - gamma p_y log p_y / (1 - p_y)) (p_k - [k = y])."""
    p = softmax(z)
    p_y = pick(p, y)
    factor = (1 - p_y) ** gamma * (1 - gamma * p_y * np.log(p_y) / (1 - p_y))
    return factor[:, None] * (p - one_hot(y, z.shape[1]))


def weston_watkins_grad(s: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    """[k != y] [m - s_y + s_k > 0] - [k = y] sum_{j != y} [m - s_y + s_j > 0]."""
    is_true = one_hot(y, s.shape[1])
    violated = (margin - pick(s, y)[:, None] + s > 0) * (1 - is_true)
    return violated - is_true * violated.sum(axis=1, keepdims=True)


# -- the multi-label losses: a set of labels per sample -------------------------------------------


def padded_target(multi_hot: np.ndarray) -> np.ndarray:
    """PyTorch's padded format of a 0/1 label matrix (N, C): each row's labels, then -1s (int64)."""
    rows = []
    for row in multi_hot:
        labels = [c for c, is_label in enumerate(row) if is_label == 1]
        rows.append(labels + [-1] * (len(row) - len(labels)))
    return np.array(rows, dtype=np.int64)


def label_sets(padded: np.ndarray) -> list[list[int]]:
    """The labels of each sample in PyTorch's padded format: the class indices before the first -1."""
    sets = []
    for row in padded:
        labels: list[int] = []
        for c in row:
            if c == -1:
                break
            labels.append(int(c))
        sets.append(labels)
    return sets


def multilabel_margin_loss(s: np.ndarray, padded: np.ndarray) -> np.ndarray:
    """(1/C) sum_{j in Y} sum_{i not in Y} max(0, 1 - s_j + s_i), sample by sample."""
    n_samples, n_classes = s.shape
    loss = np.zeros(n_samples)
    for n, labels in enumerate(label_sets(padded)):
        others = [i for i in range(n_classes) if i not in labels]
        loss[n] = sum(max(0.0, 1 - s[n, j] + s[n, i]) for j in labels for i in others) / n_classes
    return loss


def multilabel_margin_grad(s: np.ndarray, padded: np.ndarray) -> np.ndarray:
    """(1/C) ([k not in Y] sum_{j in Y} [1 - s_j + s_k > 0] - [k in Y] sum_{i not in Y} [1 - s_k + s_i > 0])."""
    _n_samples, n_classes = s.shape
    grad = np.zeros_like(s)
    for n, labels in enumerate(label_sets(padded)):
        others = [i for i in range(n_classes) if i not in labels]
        for k in range(n_classes):
            if k in labels:
                grad[n, k] = -sum(1 - s[n, k] + s[n, i] > 0 for i in others) / n_classes
            else:
                grad[n, k] = sum(1 - s[n, j] + s[n, k] > 0 for j in labels) / n_classes
    return grad


def label_log_odds(y: np.ndarray) -> np.ndarray:
    """log(y_k / (1 - y_k)) with y_k the frequency of label k: one logit per label."""
    frequency = np.mean(y, axis=0)
    return np.log(frequency / (1 - frequency))


REFERENCES: dict[str, Reference] = {
    "mse": Reference(
        loss=lambda p, y: (p - y) ** 2,
        grad=lambda p, y: 2 * (p - y),
        second=lambda p, y: np.full_like(p, 2.0),
        best_constant=lambda y: float(np.mean(y)),
    ),
    "mae": Reference(
        loss=lambda p, y: np.abs(p - y),
        grad=lambda p, y: np.sign(p - y),
        second=zeros,
        best_constant=lambda y: float(np.median(y)),
    ),
    "mbe": Reference(
        loss=lambda p, y: p - y,
        grad=lambda p, y: np.ones_like(p),
        second=zeros,
    ),
    "huber": Reference(
        loss=lambda p, y, delta: np.where(
            np.abs(p - y) <= delta, 0.5 * (p - y) ** 2, delta * (np.abs(p - y) - 0.5 * delta)
        ),
        grad=lambda p, y, delta: np.where(np.abs(p - y) <= delta, p - y, delta * np.sign(p - y)),
        second=lambda p, y, delta: np.where(np.abs(p - y) < delta, 1.0, 0.0),
        best_constant=huber_centre,
    ),
    "smooth_l1": Reference(
        loss=lambda p, y, beta: np.where(np.abs(p - y) < beta, 0.5 * (p - y) ** 2 / beta, np.abs(p - y) - 0.5 * beta),
        grad=lambda p, y, beta: np.where(np.abs(p - y) < beta, (p - y) / beta, np.sign(p - y)),
        second=lambda p, y, beta: np.where(np.abs(p - y) < beta, 1.0 / beta, 0.0),
        best_constant=lambda y, beta: huber_centre(y, delta=beta),  # the card: Huber's centre with delta = beta
    ),
    "log_cosh": Reference(
        loss=lambda p, y: np.log(np.cosh(p - y)),
        grad=lambda p, y: np.tanh(p - y),
        second=lambda p, y: 1.0 - np.tanh(p - y) ** 2,
        best_constant=log_cosh_centre,
    ),
    "quantile": Reference(
        loss=lambda p, y, q: np.maximum(q * (y - p), (q - 1) * (y - p)),
        grad=lambda p, y, q: np.where(p > y, 1 - q, np.where(p < y, -q, 0.0)),
        second=zeros,
        best_constant=lambda y, q: float(np.quantile(y, q, method="inverted_cdf")),
    ),
    "binary_cross_entropy": Reference(
        loss=lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        grad=lambda p, y: (p - y) / (p * (1 - p)),
        second=lambda p, y: y / p**2 + (1 - y) / (1 - p) ** 2,
        best_constant=lambda y: float(np.mean(y)),
    ),
    "binary_cross_entropy_with_logits": Reference(
        loss=lambda z, y: np.log(1 + np.exp(z)) - y * z,
        grad=lambda z, y: sigmoid(z) - y,
        second=lambda z, y: sigmoid(z) * (1 - sigmoid(z)),
        best_constant=lambda y: float(np.log(np.mean(y) / (1 - np.mean(y)))),
    ),
    # cross-entropy and focal loss have a C x C Hessian per sample, which their cards do not write
    # out in full (tests/test_cards.py checks the diagonal the cross-entropy card states)
    "cross_entropy": Reference(
        loss=lambda z, y: np.log(np.sum(np.exp(z), axis=1)) - pick(z, y),
        grad=lambda z, y: softmax(z) - one_hot(y, z.shape[1]),
        best_constant=log_class_frequencies,
    ),
    "nll_loss": Reference(
        loss=lambda a, y: -pick(a, y),
        grad=lambda a, y: -one_hot(y, a.shape[1]),
        second=zeros,
        best_constant=log_class_frequencies,
    ),
    "focal_loss": Reference(
        loss=lambda z, y, gamma: -((1 - pick(softmax(z), y)) ** gamma) * np.log(pick(softmax(z), y)),
        grad=focal_grad,
    ),
    "kl_div": Reference(
        loss=lambda log_q, p: p * (np.log(p) - log_q),
        grad=lambda log_q, p: -p,
        second=zeros,
    ),
    "hinge": Reference(
        loss=lambda s, t, margin: np.maximum(0.0, margin - t * s),
        grad=lambda s, t, margin: np.where(t * s < margin, -t, 0.0),
        second=zeros,
        best_constant=lambda t, margin: float(margin * np.sign(np.mean(t))),
    ),
    "squared_hinge": Reference(
        loss=lambda s, t, margin: np.maximum(0.0, margin - t * s) ** 2,
        grad=lambda s, t, margin: -2 * t * np.maximum(0.0, margin - t * s),
        second=lambda s, t, margin: np.where(t * s < margin, 2.0, 0.0),
        best_constant=lambda t, margin: float(margin * (2 * np.mean(t == 1) - 1)),
    ),
    "multiclass_hinge": Reference(
        loss=lambda s, y, margin: np.sum(
            np.maximum(0.0, margin - pick(s, y)[:, None] + s) * (1 - one_hot(y, s.shape[1])), axis=1
        ),
        grad=weston_watkins_grad,
        second=zeros,
    ),
    "multilabel_soft_margin": Reference(
        loss=lambda z, y: np.mean(np.log(1 + np.exp(z)) - y * z, axis=1),
        grad=lambda z, y: (sigmoid(z) - y) / z.shape[1],
        second=lambda z, y: sigmoid(z) * (1 - sigmoid(z)) / z.shape[1],
        best_constant=label_log_odds,
    ),
    "multilabel_margin": Reference(
        loss=multilabel_margin_loss,
        grad=multilabel_margin_grad,
        second=zeros,
    ),
    "soft_margin": Reference(
        loss=lambda s, t: np.log(1 + np.exp(-t * s)),
        grad=lambda s, t: -t * sigmoid(-t * s),
        second=lambda s, t: sigmoid(t * s) * (1 - sigmoid(t * s)),
        best_constant=lambda t: float(np.log(np.mean(t == 1) / (1 - np.mean(t == 1)))),
    ),
    "hinge_embedding": Reference(
        loss=lambda d, t, margin: np.where(t == 1, d, np.maximum(0.0, margin - d)),
        grad=lambda d, t, margin: np.where(t == 1, 1.0, np.where(d < margin, -1.0, 0.0)),
        second=zeros,
        best_constant=lambda t, margin: 0.0 if np.mean(t == 1) > 0.5 else margin,
    ),
}


# -- predicted distributions ---------------------------------------------------------------------


def gaussian_nll(mu: np.ndarray, y: np.ndarray, var: np.ndarray, full: bool, eps: float) -> np.ndarray:
    """1/2 (log v + (mu - y)^2 / v) [+ 1/2 log 2 pi if full], v = max(var, eps)."""
    v = np.maximum(var, eps)
    return 0.5 * (np.log(v) + (mu - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0)


def gaussian_nll_grad(mu, y, var, full, eps):
    """(mu - y) / v; and for the variance (v - (mu - y)^2) / (2 v^2)."""
    v = np.maximum(var, eps)
    return (mu - y) / v, (v - (mu - y) ** 2) / (2 * v**2)


def gaussian_nll_second(mu, y, var, full, eps):
    """1 / v; and for the variance (2 (mu - y)^2 - var) / (2 var^3) above eps (0 below: clamped)."""
    return 1 / np.maximum(var, eps), np.where(var > eps, (2 * (mu - y) ** 2 - var) / (2 * var**3), 0.0)


def poisson_nll(x: np.ndarray, y: np.ndarray, log_input: bool, full: bool, eps: float) -> np.ndarray:
    """e^x - y x (log-rate x) or x - y log(x + eps) (rate x); + y log y - y + 1/2 log(2 pi y) if full and y > 1."""
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 log 0 is nan, and masked below
        stirling = y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y)
    return loss + np.where(full & (y > 1), stirling, 0.0)


REFERENCES |= {
    "gaussian_nll": Reference(
        loss=gaussian_nll,
        grad=gaussian_nll_grad,
        second=gaussian_nll_second,
        # with one constant variance: the mean of the targets, and their (biased) variance, at least eps
        best_constant=lambda y, full, eps: (float(np.mean(y)), max(float(np.var(y)), eps)),
    ),
    "poisson_nll": Reference(
        loss=poisson_nll,
        grad=lambda x, y, log_input, full, eps: np.exp(x) - y if log_input else 1 - y / (x + eps),
        second=lambda x, y, log_input, full, eps: np.exp(x) if log_input else y / (x + eps) ** 2,
        best_constant=lambda y, log_input, full, eps: float(np.log(np.mean(y)) if log_input else np.mean(y) - eps),
    ),
}


# -- beyond one label per sample -----------------------------------------------------------------


def multi_margin_terms(s: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    """h_j = max(0, margin - s_y + s_j) for j != y, 0 at j = y."""
    return np.maximum(0.0, margin - pick(s, y)[:, None] + s) * (1 - one_hot(y, s.shape[1]))


def multi_margin_grad(s: np.ndarray, y: np.ndarray, p: int, margin: float) -> np.ndarray:
    """(1/C) ([k != y] h'_k - [k = y] sum_j h'_j), h' = [h > 0] for p = 1, 2 h for p = 2."""
    h = multi_margin_terms(s, y, margin)
    d = (h > 0).astype(float) if p == 1 else 2 * h
    return (d - one_hot(y, s.shape[1]) * d.sum(axis=1, keepdims=True)) / s.shape[1]


def ctc_collapse(path: tuple[int, ...], blank: int) -> tuple[int, ...]:
    """The collapse B of CTC: merge runs of the same symbol, then drop the blanks."""
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != blank)


def ctc_alignments(n_frames: int, n_symbols: int, labels: Any, blank: int) -> list[tuple[int, ...]]:
    """Every path of ``n_frames`` symbols that collapses to ``labels``, found by trying all C^T paths."""
    paths = itertools.product(range(n_symbols), repeat=n_frames)
    return [path for path in paths if ctc_collapse(path, blank) == tuple(int(k) for k in labels)]


def ctc_path_probabilities(log_probs: np.ndarray, labels: Any, blank: int) -> dict[tuple[int, ...], float]:
    """The probability prod_t y_t(pi_t) of every alignment pi of ``labels`` to the frames of
    ``log_probs`` (T, C)."""
    n_frames, n_symbols = log_probs.shape
    return {
        path: float(np.exp(sum(log_probs[t, k] for t, k in enumerate(path))))
        for path in ctc_alignments(n_frames, n_symbols, labels, blank)
    }


def ctc_loss(log_probs: np.ndarray, labels: Any, blank: int = 0) -> float:
    """-log p(l | x) of one sequence (T, C): minus the log of the summed probabilities of its alignments."""
    with np.errstate(divide="ignore"):  # no alignment: -log 0 = inf
        return float(-np.log(sum(ctc_path_probabilities(log_probs, labels, blank).values())))


def ctc_grad(log_probs: np.ndarray, labels: Any, blank: int = 0) -> np.ndarray:
    """-gamma_t(k): minus the share of p(l | x) held by the alignments that emit k at frame t."""
    probabilities = ctc_path_probabilities(log_probs, labels, blank)
    total = sum(probabilities.values())
    g = np.zeros_like(log_probs)
    for path, prob in probabilities.items():
        for t, k in enumerate(path):
            g[t, k] -= prob / total
    return g


REFERENCES.update(
    {
        "multi_margin": Reference(  # the card's Hessian is C x C for p = 2: tests/test_multi_margin.py
            loss=lambda s, y, p, margin: np.sum(multi_margin_terms(s, y, margin) ** p, axis=1) / s.shape[1],
            grad=multi_margin_grad,
        ),
        # one sequence (T, C) and its labels, by enumeration of every path: tests/test_ctc.py
        "ctc": Reference(loss=ctc_loss, grad=ctc_grad),
    }
)


# -- comparing instead of labelling: pairs of scores, pairs and triplets of embeddings, a batch ------


def norm(x: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each row."""
    return np.sqrt(np.sum(x**2, axis=-1))


def unit(x: np.ndarray) -> np.ndarray:
    """x / |x|, row by row."""
    return x / norm(x)[..., None]


def cosine(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """c = x1 . x2 / (|x1| |x2|), row by row."""
    return np.sum(x1 * x2, axis=-1) / (norm(x1) * norm(x2))


def cosine_grad(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """dc/dx1 = (x2^ - c x1^) / |x1|."""
    return (unit(x2) - cosine(x1, x2)[..., None] * unit(x1)) / norm(x1)[..., None]


def cosine_embedding_grad(x1, x2, t, margin):
    """-g for t = +1, g for t = -1 and c > margin, else 0; g = dc/dx (for x2, with the roles swapped)."""
    s = np.where(t == 1, -1.0, np.where(cosine(x1, x2) > margin, 1.0, 0.0))[..., None]
    return s * cosine_grad(x1, x2), s * cosine_grad(x2, x1)


def contrastive_grad(x1, x2, t, margin):
    """x1 - x2 for t = +1, -max(0, margin - d) u for t = -1, u = (x1 - x2) / d; for x2, the opposite."""
    d = norm(x1 - x2)
    g = np.where((t == 1)[..., None], x1 - x2, -np.maximum(0.0, margin - d)[..., None] * unit(x1 - x2))
    return g, -g


def p_distance(x: np.ndarray, y: np.ndarray, p: float, eps: float) -> np.ndarray:
    """d(x, y) = |x - y + eps|_p, row by row."""
    return np.sum(np.abs(x - y + eps) ** p, axis=-1) ** (1 / p)


def p_distance_grad(x: np.ndarray, y: np.ndarray, p: float, eps: float) -> np.ndarray:
    """dd/dx = sign(v) |v|^(p - 1) / d^(p - 1), v = x - y + eps (v / d for p = 2); dd/dy is its opposite."""
    v = x - y + eps
    return np.sign(v) * np.abs(v) ** (p - 1) / p_distance(x, y, p, eps)[..., None] ** (p - 1)


def triplet_loss(a, pos, neg, margin, p, eps, swap):
    """max(0, d(a, x+) - d(a, x-) + margin), with d(a, x-) -> min(d(a, x-), d(x+, x-)) if swap."""
    d_neg = p_distance(a, neg, p, eps)
    if swap:
        d_neg = np.minimum(d_neg, p_distance(pos, neg, p, eps))
    return np.maximum(0.0, p_distance(a, pos, p, eps) - d_neg + margin)


def triplet_grad(a, pos, neg, margin, p, eps, swap):
    """[loss > 0] (u+ - u-) for the anchor, u_pm = dd(a, x_pm)/da; the positive and the negative by the
    same chain rule; with swap, the distance of the negative is the smaller of d(a, x-) and d(x+, x-)."""
    active = (triplet_loss(a, pos, neg, margin, p, eps, swap) > 0)[..., None]
    from_positive = (swap & (p_distance(pos, neg, p, eps) < p_distance(a, neg, p, eps)))[..., None]
    u_ap = p_distance_grad(a, pos, p, eps)
    u_an = np.where(from_positive, 0.0, p_distance_grad(a, neg, p, eps))
    u_pn = np.where(from_positive, p_distance_grad(pos, neg, p, eps), 0.0)
    return active * (u_ap - u_an), active * (-u_ap - u_pn), active * (u_an + u_pn)


def info_nce_loss(q, k, temperature, symmetric):
    """-log softmax_j(s_ij / tau)_i with s_ij = q^_i . k^_j; averaged with the same over the queries
    for each key if symmetric. One loop per query, as written."""
    s = np.array([[unit(qi) @ unit(kj) for kj in k] for qi in q]) / temperature
    loss = np.array([np.log(np.sum(np.exp(s[i]))) - s[i, i] for i in range(len(q))])
    if symmetric:
        loss = 0.5 * (loss + np.array([np.log(np.sum(np.exp(s[:, i]))) - s[i, i] for i in range(len(q))]))
    return loss


def info_nce_grad(q, k, temperature, symmetric):
    """(I - q^_i q^_i^T) / (tau |q_i|) sum_j (p_ij - [j = i]) k^_j, and the same for each key with the
    roles of queries and keys swapped (the column j of p); symmetric averages the two directions."""
    s = np.array([[unit(qi) @ unit(kj) for kj in k] for qi in q]) / temperature
    n, dim = q.shape
    rows = softmax(s) - np.eye(n)  # p_ij - [j = i], query i among the keys
    cols = softmax(s.T).T - np.eye(n) if symmetric else np.zeros((n, n))  # key j among the queries
    g = rows if not symmetric else 0.5 * (rows + cols)
    d_q = np.array([(np.eye(dim) - np.outer(unit(q[i]), unit(q[i]))) @ (g[i] @ unit(k)) / norm(q[i]) for i in range(n)])
    d_k = np.array(
        [(np.eye(dim) - np.outer(unit(k[j]), unit(k[j]))) @ (g[:, j] @ unit(q)) / norm(k[j]) for j in range(n)]
    )
    return d_q / temperature, d_k / temperature


REFERENCES.update(
    {
        "margin_ranking": Reference(
            loss=lambda x1, x2, t, margin: np.maximum(0.0, -t * (x1 - x2) + margin),
            grad=lambda x1, x2, t, margin: (
                np.where(t * (x1 - x2) < margin, -t, 0.0),
                np.where(t * (x1 - x2) < margin, t, 0.0),
            ),
            second=lambda x1, x2, t, margin: (np.zeros_like(x1), np.zeros_like(x2)),
        ),
        # the losses of embeddings have a D x D Hessian per row: their cards' claims are tested in
        # tests/test_ranking.py, and none has a best constant (the prediction is vectors)
        "cosine_embedding": Reference(
            loss=lambda x1, x2, t, margin: np.where(
                t == 1, 1 - cosine(x1, x2), np.maximum(0.0, cosine(x1, x2) - margin)
            ),
            grad=cosine_embedding_grad,
        ),
        "contrastive": Reference(
            loss=lambda x1, x2, t, margin: np.where(
                t == 1, 0.5 * norm(x1 - x2) ** 2, 0.5 * np.maximum(0.0, margin - norm(x1 - x2)) ** 2
            ),
            grad=contrastive_grad,
        ),
        "triplet_margin": Reference(loss=triplet_loss, grad=triplet_grad),
        "triplet_margin_with_distance": Reference(  # the default distance: |x - y + 1e-6|_2
            loss=lambda a, pos, neg, margin, swap: triplet_loss(a, pos, neg, margin, 2.0, 1e-6, swap),
            grad=lambda a, pos, neg, margin, swap: triplet_grad(a, pos, neg, margin, 2.0, 1e-6, swap),
        ),
        "info_nce": Reference(loss=info_nce_loss, grad=info_nce_grad),
    }
)


# -- a huge vocabulary: the output layer inside the loss ------------------------------------------


def linear_cross_entropy_loss(h, W, y):
    """logsumexp(z) - z_y with the logits z = h W^T built in full, (N, V): what the loss never does."""
    z = h @ W.T
    return np.log(np.sum(np.exp(z), axis=1)) - pick(z, y)


def linear_cross_entropy_grad(h, W, y):
    """(p - e_y) W for the features, and its sum over the samples (p - e_y)^T h for the weight."""
    g = softmax(h @ W.T) - one_hot(y, len(W))
    return g @ W, g.T @ h


def adaptive_full_log_prob(h, H, tails, cutoffs, head_bias=None):
    """log p(c | h) of every class c, class by class as the card writes it: (N, V)."""
    bounds = [*cutoffs, cutoffs[-1] + len(tails[-1][1])]
    q = softmax(h @ H.T + (0 if head_bias is None else head_bias))
    columns = []
    for c in range(bounds[-1]):
        if c < cutoffs[0]:
            columns.append(np.log(q[:, c]))
            continue
        k = sum(c >= bound for bound in bounds[1:])  # the cluster of c
        proj, out = tails[k]
        r = softmax(h @ proj.T @ out.T)
        columns.append(np.log(q[:, cutoffs[0] + k]) + np.log(r[:, c - bounds[k]]))
    return np.stack(columns, axis=1)


def adaptive_loss(h, y, H, tails, cutoffs, head_bias=None):
    """-log p(y | h), picked from the full distribution."""
    return -pick(adaptive_full_log_prob(h, H, tails, cutoffs, head_bias), y)


def adaptive_grad(h, y, H, tails, cutoffs, head_bias=None):
    """Sample by sample, as the card writes it: H^T (q - e_j) for the features and (q - e_j) h^T for H,
    then, for a target in cluster k, (O_k P_k)^T (r - e_{y - c_k}) for the features, (r - e) (P_k h)^T
    for O_k and O_k^T (r - e) h^T for P_k; the weights' summed over the samples (and the bias's: q - e_j)."""
    bounds = [*cutoffs, cutoffs[-1] + len(tails[-1][1])]
    d_h, d_H = np.zeros_like(h), np.zeros_like(H)
    d_b = np.zeros(len(H))
    d_tails = [(np.zeros_like(proj), np.zeros_like(out)) for proj, out in tails]
    for i in range(len(h)):
        q = softmax((H @ h[i] + (0 if head_bias is None else head_bias))[None])[0]
        k = sum(y[i] >= bound for bound in bounds) - 1  # -1: the shortlist, else the cluster of y
        j = y[i] if k < 0 else cutoffs[0] + k
        g = q - np.eye(len(H))[j]
        d_h[i] += H.T @ g
        d_H += np.outer(g, h[i])
        d_b += g
        if k >= 0:
            proj, out = tails[k]
            u = proj @ h[i]
            r = softmax((out @ u)[None])[0]
            g_r = r - np.eye(len(out))[y[i] - bounds[k]]
            d_h[i] += proj.T @ out.T @ g_r
            d_tails[k][1][...] += np.outer(g_r, u)
            d_tails[k][0][...] += np.outer(out.T @ g_r, h[i])
    return (d_h, d_H, d_tails) if head_bias is None else (d_h, d_H, d_tails, d_b)


REFERENCES.update(
    {
        # a D x D Hessian and no best constant (the prediction is features), as for the embeddings
        "linear_cross_entropy": Reference(loss=linear_cross_entropy_loss, grad=linear_cross_entropy_grad),
        # takes its cutoffs as a keyword: tests/test_vocab.py holds it to lossutils
        "adaptive_log_softmax": Reference(loss=adaptive_loss, grad=adaptive_grad),
    }
)
