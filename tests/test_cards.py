"""Tests of lossutils.cards: every loss in the registry has a card and a NumPy reference written
from it (tests/references.py), and every card's formulas, gradients, second derivatives and
stated minimisers agree with lossutils."""

from __future__ import annotations

import importlib
import inspect
import re

import numpy as np
import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from references import REFERENCES, log_softmax, padded_target, softmax

import lossutils as lu
from lossutils import cards
from lossutils.cards import CARDS, card, gradient_cheatsheet, summary_table
from lossutils.registry import LOSSES

NAMES = list(LOSSES)
CHAPTERS = {
    "01_what_is_a_loss.ipynb",
    "02_mse.ipynb",
    "03_mae_mbe.ipynb",
    "04_robust_regression.ipynb",
    "05_binary_cross_entropy.ipynb",
    "06_cross_entropy.ipynb",
    "07_hinge.ipynb",
    "08_distributions.ipynb",
    "09_multilabel.ipynb",
    "10_comparing.ipynb",
    "11_ctc.ipynb",
    "12_pytorch.ipynb",
    "13_scale.ipynb",
    "14_choosing.ipynb",
}
LATEX_FIELDS = ("argument", "formula", "gradient", "second_derivative")
MARKDOWN_FIELDS = (
    "variables",
    "minimiser",
    "noise_model",
    "robust_to_outliers",
    "input_range",
    "output_range",
    "extra_options",
    "torch_note",
    "use_when",
)


def test_every_loss_has_a_card_and_a_reference_in_book_order():
    assert list(CARDS) == NAMES
    assert set(REFERENCES) == set(NAMES)
    chapters = [c.chapter for c in CARDS.values()]
    assert chapters == sorted(chapters)


@pytest.mark.parametrize("name", NAMES)
def test_card_fields_are_complete_and_consistent(name):
    c, entry = card(name), LOSSES[name]
    assert c.key == name
    assert c.entry is entry
    if entry.kind in ("residual", "mean_and_variance", "rate"):
        assert c.family == "regression"
    elif entry.kind in ("ranking", "pair", "triplet", "embeddings"):
        assert c.family == "comparison"
    else:
        assert c.family == "classification"
    assert c.chapter in CHAPTERS
    assert c.lossutils_name == f"lossutils.{name}"
    assert c.grad_name == f"lossutils.{name}_grad"
    for field in ("title", *LATEX_FIELDS, *MARKDOWN_FIELDS[:6]):
        assert getattr(c, field).strip(), field
    for field in LATEX_FIELDS:
        latex = getattr(c, field)
        assert "|" not in latex, f"{field} of {name} holds a '|' that would split a Markdown table cell"
        assert "$" not in latex
        assert latex.count("{") == latex.count("}")
        assert latex.count(r"\begin") == latex.count(r"\end")
    for field in MARKDOWN_FIELDS:
        assert "|" not in getattr(c, field), field
        assert getattr(c, field).count("$") % 2 == 0, field
        assert getattr(c, field).count("`") % 2 == 0, field


@pytest.mark.parametrize("name", NAMES)
def test_card_options_are_the_defaults_of_the_functions(name):
    entry = LOSSES[name]
    for fn in (entry.fn, entry.grad):
        parameters = inspect.signature(fn).parameters
        for option, default in card(name).options.items():
            assert parameters[option].default == default, (fn.__name__, option)


@pytest.mark.parametrize("name", NAMES)
def test_named_functions_and_modules_exist(name):
    c, entry = card(name), LOSSES[name]
    assert getattr(lu, c.lossutils_name.removeprefix("lossutils.")) is entry.fn
    assert getattr(lu, c.grad_name.removeprefix("lossutils.")) is entry.grad
    assert (c.nn_module == "—") == (entry.nn_module is None)
    if entry.nn_module is not None:
        module, _, cls = c.nn_module.rpartition(".")
        assert callable(getattr(importlib.import_module(module), cls))
    # the names in the card's PyTorch note (torchvision is not a dependency of the book)
    for dotted in re.findall(r"`((?:torch|sklearn)\.[\w.]+\w)`", c.torch_note):
        module, _, attr = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), dotted


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_cell_is_the_registry_twin_then_the_note(name):
    c, entry = card(name), LOSSES[name]
    cell = cards._pytorch(c)
    if entry.torch_function is None:
        twin = "—"
    else:
        twin = f"`torch.nn.functional.{entry.torch_function}` / `torch.nn.{entry.torch_module}`"
    assert cell == (f"{twin} ({c.torch_note})" if c.torch_note else twin)
    assert all(" " not in span for span in re.findall(r"`([^`]*)`", cell)), "code spans hold names, not prose"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mse", "`torch.nn.functional.mse_loss` / `torch.nn.MSELoss`"),
        ("squared_hinge", "—"),
        (
            "hinge",
            "— (`torch.nn.functional.margin_ranking_loss` with a second score of 0 computes it; "
            "scikit-learn: `sklearn.metrics.hinge_loss`)",
        ),
        (
            "multiclass_hinge",
            "— (Weston–Watkins ÷ C is `torch.nn.functional.multi_margin_loss` / `torch.nn.MultiMarginLoss`)",
        ),
    ],
)
def test_pytorch_cells_as_the_book_shows_them(name, expected):
    assert cards._pytorch(card(name)) == expected


# -- the NumPy references written from the cards agree with lossutils ---------------------------

# Values of each option other than the card's default, so that a formula that ignores an option fails.
OTHER_OPTIONS = {
    "huber": [{"delta": 0.3}, {"delta": 2.5}],
    "smooth_l1": [{"beta": 0.4}],
    "quantile": [{"q": 0.1}, {"q": 0.9}],
    "focal_loss": [{"gamma": 0.0}, {"gamma": 0.5}],
    "hinge": [{"margin": 0.5}],
    "squared_hinge": [{"margin": 2.0}],
    "multiclass_hinge": [{"margin": 0.3}],
    "gaussian_nll": [{"full": True}, {"eps": 0.5}],
    "poisson_nll": [{"log_input": False}, {"full": True}, {"log_input": False, "full": True, "eps": 0.5}],
    "hinge_embedding": [{"margin": 2.0}],
    "multi_margin": [{"p": 2}, {"margin": 0.3}, {"p": 2, "margin": 1.7}],
    "margin_ranking": [{"margin": 0.5}, {"margin": -0.3}],
    "cosine_embedding": [{"margin": 0.3}, {"margin": -0.4}],
    "contrastive": [{"margin": 2.5}],
    "triplet_margin": [{"margin": 0.4}, {"p": 1}, {"p": 3}, {"swap": True}, {"eps": 0.0}],
    "triplet_margin_with_distance": [{"margin": 2.0}, {"swap": True}],
    "info_nce": [{"temperature": 0.5}, {"symmetric": True}],
}
# CTC's reference sums over every alignment of one sequence (T, C) to its labels: tests/test_ctc.py
# holds it to lossutils.ctc (test_matches_the_sum_over_every_alignment); the adaptive softmax's
# takes its cutoffs as a keyword: tests/test_vocab.py holds it to lossutils.adaptive_log_softmax
FORMULA_NAMES = [name for name in NAMES if LOSSES[name].kind not in ("sequence", "clustered_features")]
CASES = [
    (name, {**card(name).options, **other}) for name in FORMULA_NAMES for other in [{}, *OTHER_OPTIONS.get(name, [])]
]
CASE_IDS = [name + "".join(f"-{k}={v}" for k, v in options.items()) for name, options in CASES]


def test_every_option_is_tested_away_from_its_default():
    assert set(OTHER_OPTIONS) == {name for name, c in CARDS.items() if c.options}
    for name, variants in OTHER_OPTIONS.items():
        assert all(set(v) <= set(card(name).options) for v in variants), name


def sample(name: str, rng: np.random.Generator, options: dict) -> tuple[np.ndarray, ...]:
    """Positional inputs of the loss `name`, by the kind of its first argument, away from its kinks:
    (first argument, target), and a Gaussian's variance after them."""
    n, C = 40, 4
    match LOSSES[name].kind:
        case "residual":
            target = rng.normal(size=n)
            r = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.05, 4.0, size=n)
            for kink in (options.get("delta"), options.get("beta")):
                if kink is not None:
                    r = np.where(np.abs(np.abs(r) - kink) < 0.05, r + 0.2 * np.sign(r), r)
            return target + r, target
        case "probability":
            return rng.uniform(0.05, 0.95, size=n), np.r_[rng.integers(0, 2, size=n - 5), rng.uniform(size=5)]
        case "logit":
            return 3 * rng.normal(size=n), np.r_[rng.integers(0, 2, size=n - 5), rng.uniform(size=5)]
        case "margin":
            t = rng.choice([-1.0, 1.0], size=n)
            kink = options.get("margin", 0.0)  # the margin losses without a margin (soft margin) have no kink
            m = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.05, 3.0, size=n) + kink
            return m * t, t  # t * s = m stays away from the margin
        case "classes":  # log-probabilities: valid logits, scores and log-probabilities alike
            return log_softmax(2 * rng.normal(size=(n, C))), rng.integers(0, C, size=n)
        case "distribution":
            return log_softmax(2 * rng.normal(size=(n, C))), softmax(2 * rng.normal(size=(n, C)))
        case "mean_and_variance":  # variances above and below eps, none within 0.05 of it (the clamp)
            var = rng.uniform(0.05, 3.0, size=n)
            var = np.where(np.abs(var - options["eps"]) < 0.05, var + 0.1, var)
            target = rng.normal(size=n)
            return target + 2 * rng.normal(size=n), target, var
        case "rate":  # counts 0, 1 (no Stirling term) and more; log-rates, or rates
            counts = np.r_[0.0, 1.0, rng.poisson(4.0, size=n - 2).astype(float)]
            first = rng.normal(1.0, 1.0, size=n) if options["log_input"] else rng.uniform(0.1, 6.0, size=n)
            return first, counts
        case "multilabel":  # a multi-hot target; multilabel_margin takes it in PyTorch's padded format
            labels = rng.integers(0, 2, size=(n, C)).astype(float)
            return 2 * rng.normal(size=(n, C)), padded_target(labels) if name == "multilabel_margin" else labels
        case "distance":
            d = rng.uniform(0.0, 3.0, size=n)
            return np.where(np.abs(d - options["margin"]) < 0.05, d + 0.2, d), rng.choice([-1.0, 1.0], size=n)
        case "ranking":  # t (x1 - x2) away from the margin
            t, x2 = rng.choice([-1.0, 1.0], size=n), rng.normal(size=n)
            m = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.05, 3.0, size=n) + options["margin"]
            return x2 + t * m, x2, t
        case "pair" | "triplet":  # rows of embeddings, kept where no term is within 0.05 of its kink
            return kept_rows(name, rng, n, C, options)
        case "embeddings":
            q = rng.normal(size=(n // 4, C))
            return q, q + 0.5 * rng.normal(size=q.shape)
        case "features":  # features (N, d) and an output layer (V, d): logits of a few units
            return rng.normal(size=(n, 3)), rng.normal(size=(7, 3)), rng.integers(0, 7, size=n)
    raise AssertionError(f"no inputs for a loss of kind {LOSSES[name].kind!r}")


def kept_rows(name: str, rng: np.random.Generator, n: int, dim: int, options: dict) -> tuple[np.ndarray, ...]:
    """n rows of a pair (x1, x2, t) or a triplet (anchor, positive, negative) drawn until none is within
    0.05 of a kink of the loss `name` with `options`: the cosine at the margin (cosine_embedding), the
    loss at 0 and the swap's tie (the triplets), a component of a difference at 0 (p = 1)."""
    kind = LOSSES[name].kind
    rows: list[tuple[np.ndarray, ...]] = []
    while len(rows) < n:
        a = rng.normal(size=dim)
        b, c = a + 0.7 * rng.normal(size=dim), a + 1.2 * rng.normal(size=dim)
        if kind == "pair":
            t = rng.choice([-1.0, 1.0])
            cos = a @ b / np.sqrt(a @ a * (b @ b))
            if name != "cosine_embedding" or abs(cos - options["margin"]) >= 0.05:
                rows.append((a, b, np.array(t)))
            continue
        p, eps = options.get("p", 2.0), options.get("eps", 1e-6)
        d_ap, d_an, d_pn = (np.sum(np.abs(x - y + eps) ** p) ** (1 / p) for x, y in ((a, b), (a, c), (b, c)))
        h = d_ap - min(d_an, d_pn if options["swap"] else d_an) + options["margin"]
        if abs(h) >= 0.05 and abs(d_an - d_pn) >= 0.05 and np.min(np.abs(np.r_[a - b, a - c, b - c])) >= 0.05:
            rows.append((a, b, c))
    return tuple(np.stack(column) for column in zip(*rows, strict=True))


def as_tuple(grad: np.ndarray | tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Gradients as a tuple, one per differentiable input (a Gaussian's: mean, then variance)."""
    return grad if isinstance(grad, tuple) else (grad,)


def differentiable_positions(name: str) -> list[int]:
    """The positions of the inputs the gradients are taken with respect to: every positional input
    of the loss's signature but the target."""
    positional = [
        p.name
        for p in inspect.signature(LOSSES[name].fn).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    return [k for k, parameter in enumerate(positional) if parameter != "target"]


@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_reference_formulas_match_lossutils(name, options):
    ref, entry = REFERENCES[name], LOSSES[name]
    args = sample(name, np.random.default_rng(0), options)
    np.testing.assert_allclose(
        ref.loss(*args, **options),
        entry.fn(*args, reduction="none", **options),
        rtol=1e-10,
        atol=1e-12,
    )
    ref_grads, grads = as_tuple(ref.grad(*args, **options)), as_tuple(entry.grad(*args, reduction="none", **options))
    assert len(ref_grads) == len(grads) == len(differentiable_positions(name))
    for ref_grad, grad in zip(ref_grads, grads, strict=True):
        np.testing.assert_allclose(ref_grad, grad, rtol=1e-9, atol=1e-12)


SECOND_CASES = [(name, options) for name, options in CASES if REFERENCES[name].second is not None]


def test_every_element_wise_card_states_its_second_derivative():
    # cross-entropy, focal loss and multi-margin with p = 2 have a C x C Hessian in the scores per
    # sample, which their cards do not write out (the diagonals the cross-entropy and multi-margin
    # cards state are tested below and in tests/test_multi_margin.py), and CTC's is tested in test_ctc.py;
    # the losses of embeddings have a D x D Hessian per row (the contrastive and triplet cards' are
    # tested in tests/test_ranking.py), and so do the losses of hidden features (tests/test_vocab.py)
    assert {name for name, ref in REFERENCES.items() if ref.second is None} == {
        "cross_entropy",
        "focal_loss",
        "multi_margin",
        "ctc",
        "cosine_embedding",
        "contrastive",
        "triplet_margin",
        "triplet_margin_with_distance",
        "info_nce",
        "linear_cross_entropy",
        "adaptive_log_softmax",
    }


@pytest.mark.parametrize(("name", "options"), SECOND_CASES, ids=[CASE_IDS[CASES.index(c)] for c in SECOND_CASES])
def test_second_derivative_matches_finite_differences_of_the_gradient(name, options):
    # one per differentiable input: the derivative of its gradient with respect to itself
    grad = LOSSES[name].grad
    args = sample(name, np.random.default_rng(1), options)
    h = 1e-5
    seconds = as_tuple(REFERENCES[name].second(*args, **options))
    assert len(seconds) == len(differentiable_positions(name))
    for j, (k, second) in enumerate(zip(differentiable_positions(name), seconds, strict=True)):
        up, down = list(args), list(args)
        up[k], down[k] = args[k] + h, args[k] - h
        numeric = (
            as_tuple(grad(*up, reduction="none", **options))[j] - as_tuple(grad(*down, reduction="none", **options))[j]
        ) / (2 * h)
        np.testing.assert_allclose(second, numeric, rtol=1e-5, atol=1e-6, err_msg=f"input {k}")


def test_cross_entropy_hessian_diagonal_stated_on_the_card():
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    h = 1e-5
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        numeric = (
            lu.cross_entropy_grad(z + e, y, reduction="none") - lu.cross_entropy_grad(z - e, y, reduction="none")
        )[:, k] / (2 * h)
        p = softmax(z)[:, k]
        np.testing.assert_allclose(numeric, p * (1 - p), rtol=1e-6)


# -- the stated minimisers are right ------------------------------------------------------------

SCALAR_KINDS = ("residual", "probability", "logit", "margin", "rate", "distance")
SCALAR_MINIMISERS = [
    (name, options)
    for name, options in CASES
    if LOSSES[name].kind in SCALAR_KINDS and REFERENCES[name].best_constant is not None
]
CLASS_MINIMISERS = [name for name in NAMES if LOSSES[name].kind == "classes" and REFERENCES[name].best_constant]


def test_the_losses_without_a_closed_form_best_constant_are_tested_on_their_own():
    # mbe is unbounded below, focal loss and multi-class hinge have no closed form, and kl_div's
    # best distribution is the target itself: each has its own test below; multi-margin (WW / C
    # for p = 1) and CTC (no constant to hold, unbounded below) have theirs in their own files, and
    # so do the losses that compare (tests/test_ranking.py: a constant difference of two scores, and
    # the collapse of every embedding to one point); the losses of hidden features have none (the
    # prediction is features, mapped to logits by weights that are inputs too)
    assert {name for name, ref in REFERENCES.items() if ref.best_constant is None} == {
        "mbe",
        "focal_loss",
        "kl_div",
        "multiclass_hinge",
        "multilabel_margin",
        "multi_margin",
        "ctc",
        "margin_ranking",
        "cosine_embedding",
        "contrastive",
        "triplet_margin",
        "triplet_margin_with_distance",
        "info_nce",
        "linear_cross_entropy",
        "adaptive_log_softmax",
    }
    assert CLASS_MINIMISERS == ["cross_entropy", "nll_loss"]
    # gaussian_nll's best constant is a pair (mean, variance), multilabel_soft_margin's a vector
    # (one log-odds per label): each is tested on its own below
    others = {name for name, ref in REFERENCES.items() if ref.best_constant is not None}
    assert others - {name for name, _ in SCALAR_MINIMISERS} - set(CLASS_MINIMISERS) == {
        "gaussian_nll",
        "multilabel_soft_margin",
    }


def targets_for(name: str, options: dict) -> tuple[np.ndarray, np.ndarray]:
    """Targets, and a grid of constant first arguments to sweep, by the kind of the loss."""
    rng = np.random.default_rng(3)
    match LOSSES[name].kind:
        case "residual":
            y = lu.data.skewed_sample(n=301, seed=3)  # skewed: mean, median and the others differ
            return y, np.linspace(y.min(), y.max(), 6001)
        case "probability":
            return (rng.uniform(size=200) < 0.3).astype(float), np.linspace(0.001, 0.999, 2001)
        case "logit":
            return (rng.uniform(size=200) < 0.3).astype(float), np.linspace(-4, 4, 2001)
        case "margin":
            return np.where(rng.uniform(size=200) < 0.7, 1.0, -1.0), np.linspace(-4, 4, 2001)
        case "rate":  # counts with mean about 3; log-rates, or rates
            y = rng.poisson(3.0, size=200).astype(float)
            return y, np.linspace(0.0, 2.0, 2001) if options["log_input"] else np.linspace(1.0, 5.0, 2001)
        case "distance":  # mostly dissimilar pairs; distances are never negative
            return np.where(rng.uniform(size=200) < 0.3, 1.0, -1.0), np.linspace(0, 4, 2001)
    raise AssertionError(f"no constant to sweep for a loss of kind {LOSSES[name].kind!r}")


@pytest.mark.parametrize(
    ("name", "options"), SCALAR_MINIMISERS, ids=[CASE_IDS[CASES.index(c)] for c in SCALAR_MINIMISERS]
)
def test_stated_best_constant_minimises_the_mean_loss(name, options):
    y, grid = targets_for(name, options)
    fn = LOSSES[name].fn
    best = REFERENCES[name].best_constant(y, **options)

    def mean_loss(const: float) -> float:
        return float(fn(np.full_like(y, const), y, **options))

    sweep = np.array([mean_loss(v) for v in grid])
    assert mean_loss(best) <= sweep.min() + 1e-9
    # and the sweep's own minimiser sits next to it (the loss is not flat there)
    assert abs(grid[np.argmin(sweep)] - best) <= 2 * (grid[1] - grid[0]) + 1e-12


def test_named_minimisers_of_the_classic_losses():
    y = lu.data.skewed_sample(n=301, seed=4)
    assert REFERENCES["mse"].best_constant(y) == pytest.approx(np.mean(y))
    assert REFERENCES["mae"].best_constant(y) == pytest.approx(np.median(y))
    assert REFERENCES["quantile"].best_constant(y, q=0.9) == pytest.approx(np.quantile(y, 0.9), rel=0.02)
    # the robust centres lie between the median and the mean of a right-skewed sample
    for centre in (REFERENCES["huber"].best_constant(y, delta=1.0), REFERENCES["log_cosh"].best_constant(y)):
        assert np.median(y) < centre < np.mean(y)


def test_mbe_has_no_minimiser():
    y = np.array([1.0, 2.0, 3.0])
    values = [float(lu.mbe(np.full_like(y, c), y)) for c in (-1e1, -1e3, -1e6)]
    assert values[0] > values[1] > values[2]


@pytest.mark.parametrize("name", CLASS_MINIMISERS)
def test_class_frequencies_minimise_cross_entropy_and_nll(name):
    rng = np.random.default_rng(5)
    y = rng.choice(4, size=300, p=[0.5, 0.25, 0.15, 0.1])
    best = REFERENCES[name].best_constant(y, 4)
    np.testing.assert_allclose(np.exp(best), np.bincount(y) / len(y))
    # nll_loss on its own is unbounded below: its best constant is that of a log-softmax output
    to_first_argument = {"cross_entropy": lambda Z: Z, "nll_loss": lambda Z: lu.log_softmax(Z, axis=1)}[name]

    def loss(z: np.ndarray) -> float:
        return float(LOSSES[name].fn(to_first_argument(np.tile(z, (len(y), 1))), y))

    # the gradient in the logits vanishes there, and every nearby constant does worse
    grad = lu.cross_entropy_grad(np.tile(best, (len(y), 1)), y).sum(axis=0)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)
    for _ in range(20):
        assert loss(best) < loss(best + 0.1 * rng.normal(size=4))


def test_nll_alone_is_unbounded_below():
    y = np.array([0, 1])
    values = [float(lu.nll_loss(np.full((2, 2), c), y)) for c in (0.0, 10.0, 1e6)]
    assert values[0] > values[1] > values[2]


def test_focal_best_constant_is_pulled_toward_uniform():
    y = np.array([0] * 80 + [1] * 20)
    grid = np.linspace(-1.0, 4.0, 5001)

    def best_prob(gamma: float) -> float:
        losses = [float(lu.focal_loss(np.tile([m, 0.0], (len(y), 1)), y, gamma=gamma)) for m in grid]
        return float(1 / (1 + np.exp(-grid[int(np.argmin(losses))])))

    p0, p2, p5 = best_prob(0.0), best_prob(2.0), best_prob(5.0)
    assert p0 == pytest.approx(0.8, abs=1e-3)  # gamma = 0: cross-entropy, the class frequency
    assert 0.5 < p5 < p2 < p0


def test_focal_second_derivative_claim():
    def second(gamma: float, p_true: float) -> float:
        m, h = np.log(p_true / (1 - p_true)), 1e-4
        f = [float(lu.focal_loss([[m + d, 0.0]], [0], gamma=gamma)) for d in (-h, 0.0, h)]
        return (f[0] - 2 * f[1] + f[2]) / h**2

    assert second(2.0, 0.03) < 0  # not convex for badly misclassified samples
    assert second(2.0, 0.09) > 0
    assert second(2.0, 0.5) > 0
    assert second(0.0, 0.03) > 0  # cross-entropy is convex


def test_kl_div_is_zero_at_the_target_distribution():
    rng = np.random.default_rng(6)
    p = softmax(rng.normal(size=(5, 3)))
    assert float(lu.kl_div(np.log(p), p)) == pytest.approx(0.0, abs=1e-15)
    for _ in range(10):
        q = softmax(rng.normal(size=(5, 3)))
        assert float(lu.kl_div(np.log(q), p)) > 0


def test_multiclass_hinge_best_constant_ranks_the_majority_first():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    grid = np.linspace(-2, 2, 41)
    best = min(
        ((a, b) for a in grid for b in grid),
        key=lambda ab: float(lu.multiclass_hinge(np.tile([0.0, ab[0], ab[1]], (len(y), 1)), y)),
    )
    assert 0.0 > best[0] >= best[1]  # class 0 scores highest, then 1, then 2


@pytest.mark.parametrize(
    "options", [{"full": False, "eps": 1e-6}, {"full": True, "eps": 1e-6}, {"full": False, "eps": 9.0}]
)
def test_gaussian_best_constant_mean_and_variance(options):
    # the card: with one constant variance, the mean of the targets and their variance (at least eps);
    # eps = 9 exceeds the targets' variance, so the best variance is eps
    y = lu.data.skewed_sample(n=301, seed=3)
    mu, var = REFERENCES["gaussian_nll"].best_constant(y, **options)
    assert var == (options["eps"] if options["eps"] > np.var(y) else pytest.approx(np.var(y)))

    def loss(m: float, v: float) -> float:
        return float(lu.gaussian_nll(np.full_like(y, m), y, v, **options))

    sweep = [(loss(m, v), m, v) for m in mu + np.linspace(-0.5, 0.5, 41) for v in var * np.linspace(0.5, 2.0, 61)]
    best_value, best_mu, best_var = min(sweep)
    assert loss(mu, var) <= best_value + 1e-12
    assert abs(best_mu - mu) <= 0.025 + 1e-12
    assert abs(max(best_var, options["eps"]) - var) <= 0.025 * var + 1e-12  # below eps the loss is flat in var


def test_gaussian_best_constant_mean_with_given_variances_is_precision_weighted():
    # the card: with given variances per sample, the mean of the targets weighted by 1 / variance
    rng = np.random.default_rng(7)
    y, var = rng.normal(size=50), rng.uniform(0.1, 4.0, size=50)
    weighted = float(np.sum(y / var) / np.sum(1 / var))
    assert abs(weighted - np.mean(y)) > 0.05  # not the plain mean
    d_mean, _ = lu.gaussian_nll_grad(np.full_like(y, weighted), y, var)
    assert abs(d_mean.sum()) < 1e-12
    for shift in (-1e-3, 1e-3):
        assert lu.gaussian_nll(np.full_like(y, weighted), y, var) < lu.gaussian_nll(
            np.full_like(y, weighted + shift), y, var
        )


# -- short enough for a page --------------------------------------------------------------------
#
# A formula never wraps: MathJax sets it on one line, and a table cell, a card or the cheat sheet
# is as wide as its widest formula. The book's column is 686 px wide at 1280 px; a card's value
# column about 510 px, of which the label in front of a formula ("d^2 l / dz_k^2 =") takes 70.
# Measured in the built book (inline math, the table font), a line of a formula costs about 9 to
# 10 px per glyph it shows, so 45 glyphs are at most about 440 px; and a \text{} of 40 characters
# about 300 px, less than half the column, which leaves room for the mathematics around it.
# Alternatives (variants, options, cases) go on lines of their own; a sentence goes to the note.

MAX_TEXT = 40  # characters inside one \text{...}
MAX_GLYPHS = 45  # glyphs shown on one line of a formula


def formula_lines(tex: str) -> list[str]:
    """The lines of a formula: split at ``\\\\`` (the rows of ``cases``, ``aligned``, ...)."""
    return re.split(r"\\\\(?:\[[^\]]*\])?", tex)


def glyphs(line: str) -> int:
    """About how many glyphs a line of TeX shows: the letters of each ``\\text{}`` and function name
    (``\\log``, ``\\max``, ``\\operatorname{sign}``), one per other command (``\\sigma``) or character;
    nothing for layout (environments, braces, sub/superscript marks, spacing, delimiter sizes,
    fraction commands: a fraction is as wide as its wider part, here counted as both)."""
    line = re.sub(r"\\text\{([^{}]*)\}", lambda m: "x" * len(m.group(1)), line)
    line = re.sub(r"\\operatorname\{(\w+)\}", lambda m: "x" * len(m.group(1)), line)
    line = re.sub(r"\\(log|exp|max|min|tanh|cosh|sign|sech|diag|arg|lesssim)\b", lambda m: "x" * len(m.group(1)), line)
    line = re.sub(r"\\(?:mathbb|mathcal|tilde|hat|bar|dfrac|tfrac|frac|sqrt)\b", "", line)
    line = re.sub(r"\\quad\b", "xx", line)
    line = re.sub(r"\\(?:begin|end)\{\w+\}(?:\[\w\])?", "", line)  # environments
    line = re.sub(r"\\(?:[bB]igg?[lr]?|left|right|textstyle)\b|\\[,;:! ]|[{}^_&]", "", line)  # sizes, spaces, marks
    line = re.sub(r"\\[A-Za-z]+", "x", line)
    return len(line.replace(" ", ""))


def test_glyph_count_on_examples():
    assert glyphs(r"(\hat y - y)^2") == 6  # ( y - y ) 2: the hat and the ^ cost nothing
    assert glyphs(r"\log\cosh(\hat y - y)") == 12
    assert glyphs(r"\dfrac{p - y}{p\,(1 - p)}") == 9  # a fraction counted as both its parts: an upper bound
    assert glyphs(r"\text{otherwise}") == 9
    cases = r"\begin{cases} a & b \\ c & d \end{cases}"
    assert formula_lines(cases) == [r"\begin{cases} a & b ", r" c & d \end{cases}"]
    # what made the cheat sheet 2,958 px wide: a sentence in one \text{} (1,038 px) and two variants
    # of a loss side by side in one line (854 px)
    sentence = (
        r"\text{no compact form; for } \gamma > 0 \text{ it turns negative for badly misclassified samples "
        r"(two classes, } \gamma = 2\text{: } p_y \lesssim 0.06\text{): not convex}"
    )
    variants = (
        r"\sum_{j \ne y} \max(0,\ \Delta - s_y + s_j) \ \text{(Weston–Watkins)};\quad "
        r"\max\bigl(0,\ \Delta - s_y + \max_{j \ne y} s_j\bigr) \ \text{(Crammer–Singer)}"
    )
    assert glyphs(sentence) > 100
    assert max(map(len, re.findall(r"\\text\{([^{}]*)\}", sentence))) > MAX_TEXT
    assert glyphs(variants) > 60


@pytest.mark.parametrize("name", NAMES)
def test_card_formulas_are_short_enough_for_a_table_cell(name):
    c = card(name)
    for field in ("formula", "gradient", "second_derivative"):
        tex = getattr(c, field)
        for text in re.findall(r"\\text\{([^{}]*)\}", tex):
            assert len(text) <= MAX_TEXT, f"{name}.{field}: a \\text{{}} of {len(text)} characters: {text!r} (a note?)"
        for line in formula_lines(tex):
            assert glyphs(line) <= MAX_GLYPHS, f"{name}.{field}: a line of about {glyphs(line)} glyphs: {line!r}"


# -- rendering -----------------------------------------------------------------------------------

MD = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)


def table_rows(markdown: str, tables: int = 1) -> list[list[list]]:
    """Rows of the tables (``tables`` of them, one after the other), each a list of cells, each a
    list of inline child tokens."""
    tokens = MD.parse(markdown)
    assert sum(t.type == "table_open" for t in tokens) == tables
    rows, current = [], None
    for t in tokens:
        if t.type == "tr_open":
            current = []
        elif t.type == "inline" and current is not None:
            current.append(t.children)
        elif t.type == "tr_close":
            rows.append(current)
            current = None
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_card_renders_as_a_two_column_table_with_math(name):
    c = card(name)
    markdown = c._repr_markdown_()
    assert markdown == str(c.to_markdown())
    rows = table_rows(markdown)
    assert len(rows) == 1 + len(c.rows())
    assert all(len(row) == 2 for row in rows)
    math = [tok.content for row in rows for cell in row for tok in cell if tok.type == "math_inline"]
    assert rf"\ell = {c.formula}" in math
    assert any(m.endswith(f"= {c.gradient}") for m in math)
    assert any(m.endswith(f"= {c.second_derivative}") for m in math)
    assert (("note", c.note) in c.rows()) == bool(c.note)
    assert c.title in repr(c)
    assert c.formula in repr(c)


def test_summary_tables_render_every_card():
    table = summary_table()
    assert isinstance(table, cards.Markdown)
    assert table._repr_markdown_() == str(table)
    assert repr(table) == str(table)
    compare, formulas = str(table).split("\n\n")
    for part, n_cols in ((compare, 4), (formulas, 3)):
        rows = table_rows(part)
        assert len(rows) == 1 + len(CARDS)
        assert all(len(row) == n_cols for row in rows)
    assert len(table_rows(str(table), tables=2)) == 2 * (1 + len(CARDS))
    for row, c in zip(table_rows(formulas)[1:], CARDS.values(), strict=True):
        assert [tok.content for tok in row[1] if tok.type == "math_inline"] == [c.formula]


def test_cheatsheet_lists_every_card_by_family_with_its_three_formulas():
    sheet = gradient_cheatsheet()
    assert isinstance(sheet, cards.Markdown)
    tokens = MD.parse(str(sheet))
    assert not any(t.type == "table_open" for t in tokens)  # entries, not one wide table
    blocks = [t.content for t in tokens if t.type == "math_block"]
    titles = [t.content for t in tokens if t.type == "inline" and t.content.startswith("*") and "`" in t.content]
    families = ("regression", "classification", "comparison")
    order = [c for family in families for c in CARDS.values() if c.family == family]
    assert len(blocks) == len(titles) == len(order) == len(CARDS)
    for block, title, c in zip(blocks, titles, order, strict=True):
        assert title.startswith(f"*{c.title}* (`{c.key}`)")
        lines = block.strip().removeprefix("\\begin{aligned}").removesuffix("\\end{aligned}").split(" \\\\[4pt]\n")
        assert [line.split(" &= ", 1)[1].strip() for line in lines] == [c.formula, c.gradient, c.second_derivative]
    notes = [c for c in CARDS.values() if c.note]
    assert notes
    assert all(f"Note: {c.note}" in str(sheet) for c in notes)
    assert str(gradient_cheatsheet(["huber"])).startswith("**Regression")


def test_summary_table_subset_order_and_links():
    table = summary_table(["mae", "mse"], links=True)
    rows = table_rows(str(table), tables=2)
    assert len(rows) == 2 * 3
    assert "Mean absolute error" in str(table).splitlines()[2]
    assert "Mean squared error" in str(table).splitlines()[3]
    assert "[2](02_mse.ipynb)" in str(table)
    assert "(02_mse.ipynb)" not in str(summary_table(["mse"]))


def test_unknown_card_names_are_rejected():
    with pytest.raises(ValueError, match=r"name must name a lossutils loss \(mse, .*\), got 'l2'"):
        card("l2")
    with pytest.raises(ValueError, match=r"name must name a lossutils loss \(mse, .*\), got 'nope'"):
        summary_table(["mse", "nope"])


def test_smooth_l1_card_allows_beta_zero_as_the_code_and_torch_do():
    # torch.nn.functional.smooth_l1_loss accepts beta=0 (it is then the L1 loss), and so does
    # lossutils.smooth_l1; the card used to say beta > 0
    import torch
    import torch.nn.functional as F

    assert r"$\beta \ge 0$" in CARDS["smooth_l1"].variables
    assert r"$\beta > 0$" not in CARDS["smooth_l1"].variables
    pred, target = np.array([0.5, -3.0, 0.0]), np.zeros(3)
    ours = lu.smooth_l1(pred, target, beta=0.0, reduction="none")
    theirs = F.smooth_l1_loss(torch.tensor(pred), torch.tensor(target), beta=0.0, reduction="none")
    np.testing.assert_array_equal(ours, theirs.numpy())
    np.testing.assert_array_equal(ours, np.abs(pred - target))


def test_focal_card_amplification_claim():
    # the card: hard samples get up to about 1.2 times cross-entropy's gradient at gamma = 2
    p = np.linspace(1e-6, 1 - 1e-6, 200_001)
    gamma = card("focal_loss").options["gamma"]
    weight = (1 - p) ** gamma * (1 - gamma * p * np.log(p) / (1 - p))  # focal gradient / CE gradient
    assert f"{weight.max():.1f}" == "1.2"
    assert "1.2 times" in card("focal_loss").robust_to_outliers


# -- the claims of the multi-label and binary margin cards --------------------------------------


def test_label_log_odds_minimise_multilabel_soft_margin():
    rng = np.random.default_rng(7)
    y = (rng.uniform(size=(300, 3)) < [0.5, 0.2, 0.9]).astype(float)
    best = REFERENCES["multilabel_soft_margin"].best_constant(y)
    np.testing.assert_allclose(1 / (1 + np.exp(-best)), y.mean(axis=0))  # the label frequencies

    def loss(z: np.ndarray) -> float:
        return float(lu.multilabel_soft_margin(np.tile(z, (len(y), 1)), y))

    grad = lu.multilabel_soft_margin_grad(np.tile(best, (len(y), 1)), y).sum(axis=0)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)
    for _ in range(20):
        assert loss(best) < loss(best + 0.1 * rng.normal(size=3))


def test_multilabel_soft_margin_hessian_is_diagonal_as_its_card_says():
    assert "the Hessian is diagonal" in CARDS["multilabel_soft_margin"].second_derivative
    rng = np.random.default_rng(8)
    z, y = rng.normal(size=(5, 4)), rng.integers(0, 2, size=(5, 4)).astype(float)
    h = 1e-5
    for k in range(4):
        e = np.zeros(4)
        e[k] = h
        column = (
            lu.multilabel_soft_margin_grad(z + e, y, reduction="none")
            - lu.multilabel_soft_margin_grad(z - e, y, reduction="none")
        ) / (2 * h)
        expected = np.zeros_like(z)
        expected[:, k] = REFERENCES["multilabel_soft_margin"].second(z, y)[:, k]
        np.testing.assert_allclose(column, expected, rtol=1e-6, atol=1e-10)


def test_multilabel_margin_ranks_without_a_threshold_and_is_zero_once_separated():
    rng = np.random.default_rng(9)
    s, labels = rng.normal(size=(6, 5)), rng.integers(0, 2, size=(6, 5))
    shift = rng.normal(scale=10.0, size=(6, 1))  # one constant per sample
    for fn in (lu.multilabel_margin, lu.multilabel_margin_grad):
        np.testing.assert_allclose(
            fn(s + shift, labels, target_format="multi_hot", reduction="none"),
            fn(s, labels, target_format="multi_hot", reduction="none"),
            atol=1e-12,
        )
    separated = np.where(labels == 1, 1.0, 0.0) + 0.01 * rng.uniform(size=(6, 5))  # labels ahead by >= 0.99
    assert float(lu.multilabel_margin(separated + 0.02 * labels, labels, target_format="multi_hot")) == 0.0


def test_hinge_embedding_best_distance_is_a_majority_vote():
    grid = np.linspace(0, 4, 2001)
    for share_similar, expected in ((0.7, 0.0), (0.3, 1.5)):
        t = np.where(np.arange(100) < 100 * share_similar, 1.0, -1.0)
        assert REFERENCES["hinge_embedding"].best_constant(t, margin=1.5) == expected
        sweep = [float(lu.hinge_embedding(np.full_like(t, d), t, margin=1.5)) for d in grid]
        assert grid[int(np.argmin(sweep))] == pytest.approx(expected, abs=1e-12)
    # why the card says "for distances d >= 0": with mostly similar pairs, negative values win without bound
    t = np.where(np.arange(100) < 70, 1.0, -1.0)
    values = [float(lu.hinge_embedding(np.full_like(t, d), t)) for d in (0.0, -10.0, -1e6)]
    assert values[0] > values[1] > values[2]


def test_gradient_bounds_stated_on_the_cards():
    rng = np.random.default_rng(10)
    s = np.r_[100 * rng.normal(size=500), -1e4, 1e4]
    t = rng.choice([-1.0, 1.0], size=s.size)
    assert "bounded by 1," in CARDS["soft_margin"].robust_to_outliers
    assert np.max(np.abs(lu.soft_margin_grad(s, t, reduction="none"))) <= 1.0
    assert "bounded by 1;" in CARDS["hinge_embedding"].robust_to_outliers
    assert np.max(np.abs(lu.hinge_embedding_grad(np.abs(s), t, reduction="none"))) <= 1.0
    assert "bounded by 1/C" in CARDS["multilabel_soft_margin"].robust_to_outliers
    z, y = s[:500].reshape(100, 5), (t[:500].reshape(100, 5) + 1) / 2
    assert np.max(np.abs(lu.multilabel_soft_margin_grad(z, y, reduction="none"))) <= 1 / 5


@pytest.mark.parametrize("name", ["multilabel_soft_margin", "multilabel_margin", "soft_margin", "hinge_embedding"])
def test_the_new_cards_say_when_to_use_them_in_their_own_row(name):
    c = card(name)
    assert c.use_when
    assert ("when to use", c.use_when) in c.rows()
    for function in re.findall(r"`(\w+)`", c.use_when):  # the lossutils functions it names exist
        assert callable(getattr(lu, function)), function
    assert all(label != "when to use" for label, _ in card("mse").rows())  # no empty row for the others
