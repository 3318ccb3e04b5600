"""What is specific to the losses that compare (lossutils.ranking) and their distances
(lossutils.distances); tests/test_common.py runs the common checks on every loss and option.

Here: PyTorch's exact conventions (the float32 epsilon of cosine_embedding_loss, the epsilon added
to the difference in pairwise_distance, the clamp of cosine_similarity that the gradient passes,
the kinks counted as within the margin, the swap's tie), one pair or triplet of shape (D,), the
documented relations (margin_ranking is the hinge of the difference, InfoNCE is cross-entropy over
the scaled cosine similarities, contrastive is Hadsell et al.'s loss), the distance functions of
triplet_margin_with_distance, the contrastive gradient at distance 0, bad input, the claims of the
cards, the torch modules, and what plot.loss_curve and train.fit do with these kinds."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils as lu
from lossutils import plot, ranking
from lossutils.cards import card
from lossutils.nn import ContrastiveLoss, InfoNCELoss
from lossutils.train import fit, resolve_loss

REDUCTIONS = ("mean", "sum", "none")
COMPARING = [
    "margin_ranking",
    "cosine_embedding",
    "contrastive",
    "triplet_margin",
    "triplet_margin_with_distance",
    "info_nce",
]


def torch_value_and_grads(fn: Any, args: tuple[np.ndarray, ...], labels: set[int], **options: Any):
    """fn(*tensors, **options) and autograd's gradients of its sum with respect to every input but
    those at ``labels``, in float64."""
    tensors = [torch.tensor(a, requires_grad=k not in labels) for k, a in enumerate(args)]
    out = fn(*tensors, **options)
    out.sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for k, t in enumerate(tensors) if k not in labels]


def assert_matches(ours: Any, theirs: Any, rtol: float = 1e-12, atol: float = 1e-14) -> None:
    value, grads = ours
    ref_value, ref_grads = theirs
    np.testing.assert_allclose(value, ref_value, rtol=rtol, atol=atol)
    assert len(grads) == len(ref_grads)
    for grad, ref_grad in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(grad, ref_grad, rtol=rtol, atol=atol)


def pairs(seed: int = 0, n: int = 6, dim: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)), rng.normal(size=(n, dim)), rng.choice([-1.0, 1.0], size=n)


def triplets(seed: int = 0, n: int = 6, dim: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, dim))
    return a, a + 0.7 * rng.normal(size=(n, dim)), a + 1.2 * rng.normal(size=(n, dim))


# -- margin_ranking: the hinge of a difference of scores ------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0])
def test_margin_ranking_is_the_hinge_of_the_difference(reduction: str, margin: float) -> None:
    rng = np.random.default_rng(1)
    x1, x2, t = rng.normal(size=20), rng.normal(size=20), rng.choice([-1.0, 1.0], size=20)
    np.testing.assert_allclose(
        lu.margin_ranking(x1, x2, t, margin=margin, reduction=reduction),
        lu.hinge(x1 - x2, t, margin=margin, reduction=reduction),
        rtol=1e-15,
    )
    d_x1, d_x2 = lu.margin_ranking_grad(x1, x2, t, margin=margin, reduction=reduction)
    np.testing.assert_allclose(d_x1, lu.hinge_grad(x1 - x2, t, margin=margin, reduction=reduction), rtol=1e-15)
    np.testing.assert_array_equal(d_x2, -d_x1)
    # x2 = 0: the binary hinge of one score, as torch's margin_ranking_loss computes it
    np.testing.assert_allclose(
        lu.margin_ranking(x1, np.zeros(20), t, margin=margin, reduction=reduction),
        lu.hinge(x1, t, margin=margin, reduction=reduction),
        rtol=1e-15,
    )


def test_the_kinks_count_as_within_the_margin_as_in_torch() -> None:
    """At the kink PyTorch's clamp passes the gradient; so does lossutils, for every loss with a
    hinge (the existing hinge takes 0 there: there it is not a twin of torch)."""
    # margin_ranking: -t (x1 - x2) + m = 0 exactly
    x1, x2, t = np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.5, 1.0]), np.array([1.0, 1.0, -1.0])
    for margin in (0.0, 0.5):
        ours = (
            lu.margin_ranking(x1, x2, t, margin=margin, reduction="sum"),
            lu.margin_ranking_grad(x1, x2, t, margin=margin, reduction="sum"),
        )
        theirs = torch_value_and_grads(F.margin_ranking_loss, (x1, x2, t), {2}, margin=margin, reduction="sum")
        assert_matches(ours, theirs)
    assert lu.margin_ranking_grad([1.0], [1.0], [1.0], reduction="sum")[0][0] == -1.0
    # cosine_embedding: a dissimilar pair at right angles, cosine 0 = the margin
    e1, e2, te = np.array([[1.0, 0.0]]), np.array([[0.0, 3.0]]), np.array([-1.0])
    ours = lu.cosine_embedding(e1, e2, te, reduction="sum"), lu.cosine_embedding_grad(e1, e2, te, reduction="sum")
    theirs = torch_value_and_grads(F.cosine_embedding_loss, (e1, e2, te), {2}, reduction="sum")
    assert_matches(ours, theirs)
    assert np.any(ours[1][0] != 0)
    # triplet: d(a, p) - d(a, n) + m = 0 exactly (eps = 0, one dimension)
    a, p, n = np.array([[0.0]]), np.array([[1.0]]), np.array([[2.0]])
    ours = (
        lu.triplet_margin(a, p, n, eps=0.0, reduction="sum"),
        lu.triplet_margin_grad(a, p, n, eps=0.0, reduction="sum"),
    )
    theirs = torch_value_and_grads(F.triplet_margin_loss, (a, p, n), set(), eps=0.0, reduction="sum")
    assert_matches(ours, theirs)
    np.testing.assert_array_equal(ours[1][1], [[1.0]])


def test_margin_ranking_keeps_any_shape_and_rejects_other_preferences() -> None:
    x1, x2 = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    t = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]])
    assert lu.margin_ranking(x1, x2, t, reduction="none").shape == (2, 3)
    assert all(g.shape == (2, 3) for g in lu.margin_ranking_grad(x1, x2, t))
    assert np.isnan(lu.margin_ranking([1.0], [0.0], [np.nan]))  # a nan preference propagates, as in torch
    with pytest.raises(ValueError, match=re.escape("target must hold -1 or +1 labels; found 0.5")):
        lu.margin_ranking([1.0], [0.0], [0.5])
    with pytest.raises(
        ValueError, match=re.escape("x1 and x2 must have the same shape; got x1.shape=(2,), x2.shape=(3,)")
    ):
        lu.margin_ranking_grad([1.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0])
    with pytest.raises(TypeError, match="margin must be a real number, got str"):
        lu.margin_ranking([1.0], [0.0], [1.0], margin="0.5")


# -- cosine_embedding: PyTorch's own cosine ------------------------------------------------------


def test_cosine_embedding_adds_pytorchs_float32_epsilon_to_each_squared_norm() -> None:
    assert ranking.EPSILON == float(np.float32(1e-12)) != 1e-12
    # norms of about 1e-7: the squared norms (1e-14) are close to the epsilon, which then matters
    x1, x2, t = np.array([[1e-7, 2e-7, 0.0]]), np.array([[3e-7, -1e-7, 2e-7]]), np.array([1.0])
    theirs = torch_value_and_grads(F.cosine_embedding_loss, (x1, x2, t), {2}, reduction="sum")
    ours = lu.cosine_embedding(x1, x2, t, reduction="sum"), lu.cosine_embedding_grad(x1, x2, t, reduction="sum")
    assert_matches(ours, theirs, rtol=1e-14)
    with_exact_1e_12 = 1 - np.sum(x1 * x2) / np.sqrt((np.sum(x1**2) + 1e-12) * (np.sum(x2**2) + 1e-12))
    assert abs(with_exact_1e_12 - theirs[0]) > 1e-11  # 1e-12 itself would not be PyTorch's number
    # the epsilon makes a zero vector's cosine 0: a similar pair costs 1, and the gradient is finite
    zero = lu.cosine_embedding([[0.0, 0.0]], [[1.0, 0.0]], [1.0], reduction="none")
    np.testing.assert_array_equal(zero, [1.0])
    assert all(np.all(np.isfinite(g)) for g in lu.cosine_embedding_grad([[0.0, 0.0]], [[1.0, 0.0]], [1.0]))


def test_cosine_embedding_counts_angles_not_lengths() -> None:
    x1, x2, t = pairs(2)
    for margin in (0.0, 0.3):
        base = lu.cosine_embedding(x1, x2, t, margin=margin, reduction="none")
        np.testing.assert_allclose(
            lu.cosine_embedding(7.0 * x1, 3.0 * x2, t, margin=margin, reduction="none"), base, rtol=1e-11
        )
        d_x1, _ = lu.cosine_embedding_grad(x1, x2, t, margin=margin)
        d_x1_long, _ = lu.cosine_embedding_grad(7.0 * x1, x2, t, margin=margin)
        np.testing.assert_allclose(d_x1_long, d_x1 / 7.0, rtol=1e-12)  # a longer vector turns less per step
        np.testing.assert_allclose(np.sum(d_x1 * x1, axis=1), 0.0, atol=1e-12)  # perpendicular to x1


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("t", [1.0, -1.0])
def test_one_pair_of_shape_d_gives_one_number_as_in_torch(reduction: str, t: float) -> None:
    x1, x2, _ = pairs(3, n=1)
    args = (x1[0], x2[0], np.array(t))
    references = {
        "cosine_embedding": lambda a, b, y: F.cosine_embedding_loss(a, b, y, reduction=reduction),
        "contrastive": ContrastiveLoss(reduction=reduction),
    }
    for name, reference in references.items():
        value = getattr(lu, name)(*args, reduction=reduction)
        grads = getattr(lu, f"{name}_grad")(*args, reduction=reduction)
        assert np.shape(value) == ()
        assert [g.shape for g in grads] == [(4,), (4,)]
        assert_matches((value, grads), torch_value_and_grads(reference, args, {2}))


# -- the distances: PyTorch's pairwise_distance and cosine_similarity -----------------------------


@pytest.mark.parametrize("p", [1, 1.5, 2, 3])
@pytest.mark.parametrize("eps", [0.0, 1e-6, 0.1])
@pytest.mark.parametrize("shape", [(5, 4), (4,)])
def test_pairwise_distance_adds_eps_to_the_difference_as_torch(p: float, eps: float, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(size=shape), rng.normal(size=shape)
    ours = lu.pairwise_distance(x1, x2, p=p, eps=eps), lu.pairwise_distance_grad(x1, x2, p=p, eps=eps)
    theirs = torch_value_and_grads(F.pairwise_distance, (x1, x2), set(), p=p, eps=eps)
    assert_matches(ours, theirs)
    if eps > 0:  # not symmetric: d(x1, x2) = |x1 - x2 + eps|, d(x2, x1) = |x2 - x1 + eps|
        assert np.any(lu.pairwise_distance(x1, x2, p=p, eps=eps) != lu.pairwise_distance(x2, x1, p=p, eps=eps))


@pytest.mark.parametrize("p", [1, 2, 3])
def test_distances_have_a_zero_gradient_where_they_are_zero_as_torch(p: float) -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    ours = lu.pairwise_distance(x, x, p=p, eps=0.0), lu.pairwise_distance_grad(x, x, p=p, eps=0.0)
    assert_matches(ours, torch_value_and_grads(F.pairwise_distance, (x, x.copy()), set(), p=p, eps=0.0))
    np.testing.assert_array_equal(ours[1][0], 0.0)


@pytest.mark.parametrize("scale", [1.0, 1e-5, 1e-9, 0.0])
def test_cosine_similarity_floors_each_norm_and_its_gradient_passes_the_floor_as_torch(scale: float) -> None:
    """PyTorch divides each vector by max(|x|, eps); its gradient treats the floor as absent (the
    norm's derivative, x / |x|, stays in it), which a plain autograd of that formula would not."""
    rng = np.random.default_rng(5)
    x1, x2 = scale * rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    ours = lu.cosine_similarity(x1, x2), lu.cosine_similarity_grad(x1, x2)
    reference = lambda a, b: F.cosine_similarity(a, b, dim=-1)  # noqa: E731
    assert_matches(ours, torch_value_and_grads(reference, (x1, x2), set()))
    assert_matches(
        (lu.cosine_distance(x1, x2), lu.cosine_distance_grad(x1, x2)),
        torch_value_and_grads(lambda a, b: 1 - reference(a, b), (x1, x2), set()),
    )


def test_the_named_distances_and_a_distance_with_its_gradient() -> None:
    assert set(lu.DISTANCES) == {"euclidean", "cosine"}
    assert lu.DISTANCES["euclidean"] == lu.Distance(lu.pairwise_distance, lu.pairwise_distance_grad)
    assert lu.DISTANCES["cosine"] == lu.Distance(lu.cosine_distance, lu.cosine_distance_grad)
    with pytest.raises(TypeError):
        lu.DISTANCES["manhattan"] = lu.DISTANCES["euclidean"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: lu.pairwise_distance([1.0], [2.0], p=0.5), ValueError, "p must lie in [1, inf), got 0.5"),
        (lambda: lu.pairwise_distance([1.0], [2.0], p=np.inf), ValueError, "p must lie in [1, inf), got inf"),
        (lambda: lu.pairwise_distance([1.0], [2.0], eps=-1e-6), ValueError, "eps must be >= 0 and finite, got -1e-06"),
        (lambda: lu.cosine_similarity([1.0], [2.0], eps=0.0), ValueError, "eps must be > 0 and finite, got 0.0"),
        (lambda: lu.pairwise_distance(1.0, 2.0), ValueError, "x1 must hold embeddings along its last axis"),
        (
            lambda: lu.cosine_similarity_grad([[1.0, 2.0]], [[1.0, 2.0, 3.0]]),
            ValueError,
            "x1 and x2 must have the same shape; got x1.shape=(1, 2), x2.shape=(1, 3)",
        ),
    ],
)
def test_distances_reject_bad_input(call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


# -- the triplet losses -------------------------------------------------------------------------


def test_swap_measures_the_negative_from_the_nearer_of_anchor_and_positive() -> None:
    a, p, n = np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([[1.5, 0.0]])  # n nearer to p
    no_swap = lu.triplet_margin(a, p, n, eps=0.0, reduction="none")
    swap = lu.triplet_margin(a, p, n, eps=0.0, swap=True, reduction="none")
    np.testing.assert_allclose(no_swap, [1.0 - 1.5 + 1.0])
    np.testing.assert_allclose(swap, [1.0 - 0.5 + 1.0])  # d(p, n) = 0.5 replaces d(a, n) = 1.5
    d_a, d_p, d_n = lu.triplet_margin_grad(a, p, n, eps=0.0, swap=True, reduction="sum")
    np.testing.assert_allclose(d_a, [[-1.0, 0.0]])  # d(a, n) no longer counts for the anchor
    np.testing.assert_allclose(d_p, [[1.0 + 1.0, 0.0]])  # the positive: d(a, p) and d(p, n)
    np.testing.assert_allclose(d_n, [[-1.0, 0.0]])


def test_a_tie_of_the_swap_splits_the_gradient_in_halves_as_torch() -> None:
    a, p, n = np.array([[0.0]]), np.array([[2.0]]), np.array([[1.0]])  # d(a, n) = d(p, n) = 1
    ours = (
        lu.triplet_margin(a, p, n, eps=0.0, swap=True, reduction="sum"),
        lu.triplet_margin_grad(a, p, n, eps=0.0, swap=True, reduction="sum"),
    )
    assert_matches(
        ours, torch_value_and_grads(F.triplet_margin_loss, (a, p, n), set(), eps=0.0, swap=True, reduction="sum")
    )
    np.testing.assert_allclose(ours[1][0], [[-1.0 + 0.5]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"p": 1, "swap": True}, {"margin": 3.0, "eps": 0.0}])
def test_one_triplet_of_shape_d_as_torch(reduction: str, options: dict) -> None:
    a, p, n = (x[0] for x in triplets(6, n=1))
    value = lu.triplet_margin(a, p, n, reduction=reduction, **options)
    grads = lu.triplet_margin_grad(a, p, n, reduction=reduction, **options)
    assert np.shape(value) == ()
    assert [g.shape for g in grads] == [(4,)] * 3
    theirs = torch_value_and_grads(F.triplet_margin_loss, (a, p, n), set(), reduction=reduction, **options)
    assert_matches((value, grads), theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_by_default_and_by_name_is_triplet_margin(reduction: str, swap: bool) -> None:
    a, p, n = triplets(7)
    expected = lu.triplet_margin(a, p, n, swap=swap, reduction=reduction)
    expected_grads = lu.triplet_margin_grad(a, p, n, swap=swap, reduction=reduction)
    for distance_function in (None, "euclidean", lu.DISTANCES["euclidean"]):
        options = {"distance_function": distance_function, "swap": swap, "reduction": reduction}
        np.testing.assert_array_equal(lu.triplet_margin_with_distance(a, p, n, **options), expected)
        for grad, expected_grad in zip(
            lu.triplet_margin_with_distance_grad(a, p, n, **options), expected_grads, strict=True
        ):
            np.testing.assert_array_equal(grad, expected_grad)


@pytest.mark.parametrize("swap", [False, True])
def test_a_distance_of_ones_own_with_its_gradient_matches_torch(swap: bool) -> None:
    squared = lu.Distance(
        function=lambda x1, x2: np.sum((x1 - x2) ** 2, axis=-1),
        grad=lambda x1, x2: (2 * (x1 - x2), -2 * (x1 - x2)),
    )
    a, p, n = triplets(8)
    ours = (
        lu.triplet_margin_with_distance(a, p, n, distance_function=squared, swap=swap, margin=2.0, reduction="none"),
        lu.triplet_margin_with_distance_grad(
            a, p, n, distance_function=squared, swap=swap, margin=2.0, reduction="none"
        ),
    )
    theirs = torch_value_and_grads(
        F.triplet_margin_with_distance_loss,
        (a, p, n),
        set(),
        distance_function=lambda x1, x2: ((x1 - x2) ** 2).sum(-1),
        swap=swap,
        margin=2.0,
        reduction="none",
    )
    assert_matches(ours, theirs)
    assert np.any(ours[0] > 0)  # both sides of the margin
    assert np.any(ours[0] == 0)


def test_a_plain_callable_gives_the_loss_but_its_gradient_asks_for_a_distance() -> None:
    a, p, n = triplets(9)
    manhattan = lambda x1, x2: np.sum(np.abs(x1 - x2), axis=-1)  # noqa: E731
    np.testing.assert_allclose(
        lu.triplet_margin_with_distance(a, p, n, distance_function=manhattan),
        lu.triplet_margin(a, p, n, p=1, eps=0.0),
        rtol=1e-15,
    )
    with pytest.raises(TypeError, match=re.escape("pass lossutils.Distance(function, grad)")):
        lu.triplet_margin_with_distance_grad(a, p, n, distance_function=manhattan)


@pytest.mark.parametrize(
    ("distance_function", "error", "message"),
    [
        (
            "manhattan",
            ValueError,
            "distance_function must be 'euclidean' or 'cosine', a lossutils.Distance or a callable, got 'manhattan'",
        ),
        (2.0, TypeError, "distance_function must be None, a name, a lossutils.Distance or a callable, got float"),
        (
            lambda x1, x2: x1 - x2,
            ValueError,
            "distance_function must return one distance per row, shape (6,) for embeddings of shape (6, 4); "
            "got shape (6, 4)",
        ),
    ],
)
def test_bad_distance_functions_are_errors_that_say_what_is_expected(distance_function, error, message) -> None:
    with pytest.raises(error, match=re.escape(message)):
        lu.triplet_margin_with_distance(*triplets(10), distance_function=distance_function)


# -- contrastive ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_contrastive_is_hadsells_loss_with_y_equal_to_one_minus_t_over_two(reduction: str) -> None:
    x1, x2, t = pairs(11, n=12)
    margin = 2.0
    d = np.linalg.norm(x1 - x2, axis=1)
    y = (1 - t) / 2  # Hadsell et al.: Y = 0 similar, Y = 1 dissimilar
    hadsell = (1 - y) * 0.5 * d**2 + y * 0.5 * np.maximum(0, margin - d) ** 2
    expected = {"none": hadsell, "sum": hadsell.sum(), "mean": hadsell.mean()}[reduction]
    np.testing.assert_allclose(lu.contrastive(x1, x2, t, margin=margin, reduction=reduction), expected, rtol=1e-14)


def test_contrastive_gradient_at_distance_zero_is_finite_and_zero_as_torch() -> None:
    x = np.array([[0.3, -1.2, 2.0], [0.0, 0.0, 0.0]])
    for t in ([1.0, 1.0], [-1.0, -1.0]):
        t = np.array(t)
        with np.errstate(all="raise"):
            value = lu.contrastive(x, x.copy(), t, reduction="none")
            grads = lu.contrastive_grad(x, x.copy(), t, reduction="none")
        np.testing.assert_array_equal(value, [0.0, 0.0] if t[0] == 1 else [0.5, 0.5])  # ½ m² for dissimilar
        assert all(np.array_equal(g, np.zeros_like(x)) for g in grads)
        assert_matches((value, grads), torch_value_and_grads(ContrastiveLoss(reduction="none"), (x, x.copy(), t), {2}))


def test_contrastive_takes_plus_and_minus_one_and_says_so_for_a_zero_label() -> None:
    x1, x2, _ = pairs(12, n=3)
    message = "target must hold -1 or +1 labels; found 0; +1 for a similar pair, -1 for a dissimilar one"
    for fn in (lu.contrastive, lu.contrastive_grad, lu.cosine_embedding):
        with pytest.raises(ValueError, match=re.escape(message)):
            fn(x1, x2, [1, 0, 1])
        with pytest.raises(ValueError, match=re.escape("found nan")):
            fn(x1, x2, [1.0, np.nan, 1.0])  # PyTorch's pair losses give such a pair 0: not a label here


def test_contrastive_is_smooth_at_the_margin_where_hinge_embedding_has_a_kink() -> None:
    x2 = np.zeros((1, 2))
    h = 1e-7
    for d in (1.0 - h, 1.0, 1.0 + h):  # the gradient goes to 0 continuously at d = margin = 1
        g = lu.contrastive_grad(np.array([[d, 0.0]]), x2, [-1.0])[0]
        assert abs(g[0, 0]) <= 2 * h
    assert lu.hinge_embedding_grad([1.0 - h], [-1.0])[0] == -1.0  # the unsquared hinge jumps


# -- InfoNCE is cross-entropy over the scaled cosine similarities ----------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("temperature", [0.1, 0.5, 2.0])
def test_info_nce_is_cross_entropy_on_the_scaled_cosine_similarity_matrix(reduction: str, temperature: float) -> None:
    rng = np.random.default_rng(13)
    q, k = rng.normal(size=(8, 5)), rng.normal(size=(8, 5))

    def as_cross_entropy(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        similarities = F.cosine_similarity(queries[:, None, :], keys[None, :, :], dim=-1)  # (N, N)
        return F.cross_entropy(similarities / temperature, torch.arange(8), reduction=reduction)

    ours = (
        lu.info_nce(q, k, temperature=temperature, reduction=reduction),
        lu.info_nce_grad(q, k, temperature=temperature, reduction=reduction),
    )
    assert_matches(ours, torch_value_and_grads(as_cross_entropy, (q, k), set()), rtol=1e-12, atol=1e-13)
    # and lossutils' own cross_entropy of the same logits: the loss IS cross-entropy
    logits = lu.cosine_similarity(*np.broadcast_arrays(q[:, None, :], k[None, :, :])) / temperature
    np.testing.assert_allclose(ours[0], lu.cross_entropy(logits, np.arange(8), reduction=reduction), rtol=1e-13)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_symmetric_info_nce_averages_both_directions_as_clip(reduction: str) -> None:
    rng = np.random.default_rng(14)
    q, k = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    queries_to_keys = lu.info_nce(q, k, reduction="none")
    keys_to_queries = lu.info_nce(k, q, reduction="none")  # each key classified among the queries
    both = 0.5 * (queries_to_keys + keys_to_queries)
    expected = {"none": both, "sum": both.sum(), "mean": both.mean()}[reduction]
    np.testing.assert_allclose(lu.info_nce(q, k, symmetric=True, reduction=reduction), expected, rtol=1e-14)
    d_q, d_k = lu.info_nce_grad(q, k, symmetric=True, reduction="sum")
    d_q1, d_k1 = lu.info_nce_grad(q, k, reduction="sum")
    d_k2, d_q2 = lu.info_nce_grad(k, q, reduction="sum")
    np.testing.assert_allclose(d_q, 0.5 * (d_q1 + d_q2), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(d_k, 0.5 * (d_k1 + d_k2), rtol=1e-13, atol=1e-15)


def test_info_nce_follows_its_pairs_when_the_batch_is_reordered() -> None:
    rng = np.random.default_rng(15)
    q, k = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    order = rng.permutation(7)
    np.testing.assert_allclose(
        lu.info_nce(q[order], k[order], reduction="none"), lu.info_nce(q, k, reduction="none")[order], rtol=1e-14
    )
    assert not np.allclose(lu.info_nce(q, k[order], reduction="none"), lu.info_nce(q, k, reduction="none"))


def test_info_nce_of_a_collapse_is_log_n_and_it_never_goes_below_its_floor() -> None:
    rng = np.random.default_rng(16)
    n = 5
    one_point = np.tile(rng.normal(size=3), (n, 1))
    for temperature in (0.1, 1.0):
        np.testing.assert_allclose(
            lu.info_nce(one_point, 2 * one_point, temperature=temperature, reduction="none"), np.log(n)
        )
        floor = np.log(1 + (n - 1) * np.exp(-2 / temperature))
        for _ in range(20):
            q, k = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
            assert lu.info_nce(q, k, temperature=temperature, reduction="none").min() >= floor
    assert "$\\log N$ for a collapse" in card("info_nce").minimiser


# -- bad input ---------------------------------------------------------------------------------


GOOD = {
    "margin_ranking": lambda: ([1.0, 2.0], [0.0, 0.0], [1.0, -1.0]),
    "cosine_embedding": lambda: pairs(17, n=2),
    "contrastive": lambda: pairs(17, n=2),
    "triplet_margin": lambda: triplets(17, n=2),
    "triplet_margin_with_distance": lambda: triplets(17, n=2),
    "info_nce": lambda: triplets(17, n=2)[:2],
}
BAD_INPUTS = [
    (
        "cosine_embedding",
        lambda x1, x2, t: (x1, x2, t[:, None]),
        {},
        ValueError,
        "target must have shape (N,) = (2,), one label per row; got shape (2, 1)",
    ),
    (
        "cosine_embedding",
        lambda x1, x2, t: (x1[..., None], x2[..., None], t),
        {},
        ValueError,
        "x1 must have shape (N, D) or (D,), one embedding per row; got shape (2, 4, 1)",
    ),
    (
        "cosine_embedding",
        lambda x1, x2, t: (x1, x2[:, :3], t),
        {},
        ValueError,
        "x1 and x2 must have the same shape; got x1.shape=(2, 4), x2.shape=(2, 3)",
    ),
    ("cosine_embedding", lambda *a: a, {"margin": 1.5}, ValueError, "margin must lie in [-1, 1], got 1.5"),
    ("contrastive", lambda *a: a, {"margin": 0.0}, ValueError, "margin must be > 0 and finite, got 0.0"),
    (
        "contrastive",
        lambda x1, x2, t: (x1[0], x2[0], t),
        {},
        ValueError,
        "target must have shape () = (), one label per row; got shape (2,)",
    ),
    ("triplet_margin", lambda *a: a, {"margin": 0.0}, ValueError, "margin must be > 0 and finite, got 0.0"),
    ("triplet_margin", lambda *a: a, {"p": 0.5}, ValueError, "p must lie in [1, inf), got 0.5"),
    ("triplet_margin", lambda *a: a, {"eps": -1.0}, ValueError, "eps must be >= 0 and finite, got -1.0"),
    ("triplet_margin", lambda *a: a, {"swap": 1}, TypeError, "swap must be a bool (True or False), got int"),
    (
        "triplet_margin",
        lambda a, p, n: (a, p, n[:, :2]),
        {},
        ValueError,
        "anchor and negative must have the same shape",
    ),
    (
        "triplet_margin_with_distance",
        lambda *a: a,
        {"margin": -1.0},
        ValueError,
        "margin must be > 0 and finite, got -1.0",
    ),
    (
        "triplet_margin_with_distance",
        lambda a, p, n: (a[:, None], p[:, None], n[:, None]),
        {},
        ValueError,
        "anchor must have shape (N, D) or (D,)",
    ),
    ("info_nce", lambda *a: a, {"temperature": 0.0}, ValueError, "temperature must be > 0 and finite, got 0.0"),
    ("info_nce", lambda *a: a, {"symmetric": "yes"}, TypeError, "symmetric must be a bool (True or False), got str"),
    (
        "info_nce",
        lambda q, k: (q[0], k[0]),
        {},
        ValueError,
        "queries must have shape (N, D), one embedding per row; got shape (4,)",
    ),
    (
        "info_nce",
        lambda q, k: (q, k[:1]),
        {},
        ValueError,
        "queries and keys must have the same shape; got queries.shape=(2, 4), keys.shape=(1, 4)",
    ),
    ("info_nce", lambda q, k: (q, k.astype(str)), {}, TypeError, "keys must hold real numbers; got dtype <U"),
    (
        "margin_ranking",
        lambda *a: a,
        {"reduction": "batchmean"},
        ValueError,
        "reduction must be 'mean', 'sum' or 'none', got 'batchmean'",
    ),
]


@pytest.mark.parametrize("gradient", [False, True], ids=["loss", "grad"])
@pytest.mark.parametrize(("name", "make", "options", "error", "message"), BAD_INPUTS)
def test_bad_input_is_an_error_naming_the_argument(name, make, options, error, message, gradient) -> None:
    fn = getattr(lu, f"{name}_grad" if gradient else name)
    with pytest.raises(error, match=re.escape(message)):
        fn(*make(*GOOD[name]()), **options)


# -- the claims of the cards ----------------------------------------------------------------------


def test_the_best_constant_difference_of_margin_ranking_and_the_free_tie_without_a_margin() -> None:
    t = np.where(np.arange(100) < 70, 1.0, -1.0)  # 70 % prefer item 1
    grid = np.linspace(-3, 3, 6001)
    for margin in (0.5, 1.5):
        sweep = [float(lu.margin_ranking(np.full_like(t, delta), np.zeros_like(t), t, margin=margin)) for delta in grid]
        assert grid[int(np.argmin(sweep))] == pytest.approx(margin * np.sign(t.mean()), abs=1e-9)
    # margin 0: a tie costs nothing, for every pair (the collapse the card warns of)
    assert float(lu.margin_ranking(np.ones_like(t), np.ones_like(t), t)) == 0.0
    assert "a tie ($x_1 = x_2$) costs nothing" in card("margin_ranking").minimiser


@pytest.mark.parametrize("name", ["triplet_margin", "triplet_margin_with_distance"])
def test_a_collapse_to_one_point_costs_the_margin_for_every_triplet(name: str) -> None:
    point = np.tile([0.3, -0.2, 1.0], (5, 1))
    for margin in (0.5, 2.0):
        np.testing.assert_allclose(getattr(lu, name)(point, point, point, margin=margin, reduction="none"), margin)
    assert "each triplet costs $\\Delta$" in card("triplet_margin").minimiser


def test_contrastive_hessian_stated_on_its_card() -> None:
    rng = np.random.default_rng(18)
    x2, h, margin = rng.normal(size=3), 1e-6, 2.0
    for t, x1 in (
        (1.0, x2 + rng.normal(size=3)),
        (-1.0, x2 + 0.4 * rng.normal(size=3)),
        (-1.0, x2 + np.array([3.0, 0, 0])),
    ):
        d = np.linalg.norm(x1 - x2)
        u = (x1 - x2) / d
        numeric = np.array(
            [
                (
                    lu.contrastive_grad(x1 + e, x2, t, margin=margin)[0]
                    - lu.contrastive_grad(x1 - e, x2, t, margin=margin)[0]
                )
                / (2 * h)
                for e in h * np.eye(3)
            ]
        )
        if t == 1:
            expected = np.eye(3)
        elif d < margin:
            expected = np.outer(u, u) - (margin - d) / d * (np.eye(3) - np.outer(u, u))
        else:
            expected = np.zeros((3, 3))
        np.testing.assert_allclose(numeric, expected, rtol=1e-6, atol=1e-8)


def test_triplet_hessian_in_the_anchor_stated_on_its_card() -> None:
    a, p, n = (x[0] for x in triplets(19, n=1, dim=3))
    assert lu.triplet_margin(a, p, n, eps=0.0) > 0
    h = 1e-6
    numeric = np.array(
        [
            (lu.triplet_margin_grad(a + e, p, n, eps=0.0)[0] - lu.triplet_margin_grad(a - e, p, n, eps=0.0)[0])
            / (2 * h)
            for e in h * np.eye(3)
        ]
    )

    def term(y: np.ndarray) -> np.ndarray:
        d = np.linalg.norm(a - y)
        u = (a - y) / d
        return (np.eye(3) - np.outer(u, u)) / d

    np.testing.assert_allclose(numeric, term(p) - term(n), rtol=1e-6, atol=1e-8)


def test_gradient_bounds_stated_on_the_cards() -> None:
    rng = np.random.default_rng(20)
    x1, x2 = 10 * rng.normal(size=(500, 4)), 10 * rng.normal(size=(500, 4))
    t = rng.choice([-1.0, 1.0], size=500)
    d_x1, _ = lu.cosine_embedding_grad(x1, x2, t, margin=-1.0, reduction="none")  # every pair active
    assert np.all(np.linalg.norm(d_x1, axis=1) <= 1 / np.linalg.norm(x1, axis=1) * (1 + 1e-12))
    assert "at most $1 / \\lVert x_1 \\rVert$" in card("cosine_embedding").robust_to_outliers
    values = lu.cosine_embedding(x1, x2, t, margin=-1.0, reduction="none")
    assert values.min() >= 0
    assert values.max() <= 2
    a, p, n = x1, x2, 10 * rng.normal(size=(500, 4))
    d_a, _, _ = lu.triplet_margin_grad(a, p, n, margin=50.0, reduction="none")
    assert np.all(np.linalg.norm(d_a, axis=1) <= 2 + 1e-12)
    assert "gradient of length at most 2 for p = 2" in card("triplet_margin").robust_to_outliers
    d_c, _ = lu.contrastive_grad(x1, x2, -np.ones(500), margin=3.0, reduction="none")
    assert np.all(np.linalg.norm(d_c, axis=1) <= 3.0 + 1e-12)
    assert "a force of at most $\\Delta$" in card("contrastive").robust_to_outliers


@pytest.mark.parametrize("name", COMPARING)
def test_the_cards_of_the_comparing_losses_say_when_to_use_them(name: str) -> None:
    c = card(name)
    assert c.family == "comparison"
    assert c.chapter == "10_comparing.ipynb"
    assert ("when to use", c.use_when) in c.rows()
    for function in re.findall(r"`(\w+)`", c.use_when):  # the lossutils functions it names exist
        assert callable(getattr(lu, function)), function
    assert lu.registry.LOSSES[name].card is c


# -- the torch modules -----------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 2.5])
def test_contrastive_module_matches_the_numpy_loss_and_gradcheck(reduction: str, margin: float) -> None:
    x1, x2, t = pairs(21)
    module = ContrastiveLoss(margin=margin, reduction=reduction)
    ours = (
        lu.contrastive(x1, x2, t, margin=margin, reduction=reduction),
        lu.contrastive_grad(x1, x2, t, margin=margin, reduction=reduction),
    )
    assert_matches(ours, torch_value_and_grads(module, (x1, x2, t), {2}))
    tensors = [torch.tensor(x, requires_grad=True) for x in (x1, x2)]
    assert torch.autograd.gradcheck(lambda a, b: module(a, b, torch.tensor(t)), tensors)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("temperature", "symmetric"), [(0.1, False), (0.5, True)])
def test_info_nce_module_matches_the_numpy_loss_and_gradcheck(
    reduction: str, temperature: float, symmetric: bool
) -> None:
    q, k, _ = triplets(22)
    module = InfoNCELoss(temperature=temperature, symmetric=symmetric, reduction=reduction)
    options = {"temperature": temperature, "symmetric": symmetric, "reduction": reduction}
    ours = lu.info_nce(q, k, **options), lu.info_nce_grad(q, k, **options)
    assert_matches(ours, torch_value_and_grads(module, (q, k), set()), rtol=1e-12, atol=1e-13)
    tensors = [torch.tensor(x, requires_grad=True) for x in (q, k)]
    assert torch.autograd.gradcheck(module, tensors)
    assert repr(module) == f"InfoNCELoss(temperature={temperature}, symmetric={symmetric}, reduction={reduction!r})"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ContrastiveLoss(margin=0.0), ValueError, "margin must be > 0 and finite, got 0.0"),
        (lambda: InfoNCELoss(temperature=-1.0), ValueError, "temperature must be > 0 and finite, got -1.0"),
        (lambda: InfoNCELoss(symmetric=1), TypeError, "symmetric must be a bool (True or False), got int"),
        (
            lambda: ContrastiveLoss()(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([1.0, 0.0])),
            ValueError,
            "target must hold +1 (a similar pair) or -1 (a dissimilar pair)",
        ),
        (
            lambda: ContrastiveLoss()(torch.zeros(2, 3), torch.zeros(3, 3), torch.ones(2)),
            ValueError,
            "input1 and input2 must have one shape, (N, D) or (D,); got input1.shape=(2, 3), input2.shape=(3, 3)",
        ),
        (
            lambda: ContrastiveLoss()(torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(3)),
            ValueError,
            "target must be a tensor of shape (2,), one label per pair",
        ),
        (
            lambda: InfoNCELoss()(torch.zeros(2, 3), torch.zeros(3)),
            ValueError,
            "queries and keys must have one shape, (N, D); got queries.shape=(2, 3), keys.shape=(3,)",
        ),
        (
            lambda: InfoNCELoss()(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 3)),
            TypeError,
            "queries must be a floating-point tensor",
        ),
    ],
)
def test_the_modules_reject_bad_input(call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


# -- what plot.loss_curve and train.fit do with these kinds ----------------------------------------


def test_loss_curve_draws_margin_ranking_against_the_score_difference() -> None:
    x = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(plot.loss_curve("margin_ranking", x, margin=0.5), np.maximum(0, 0.5 - x))
    np.testing.assert_array_equal(plot.loss_curve("margin_ranking", x, target=-1), np.maximum(0, x))
    np.testing.assert_array_equal(plot.loss_curve("margin_ranking", [-1.0, 1.0], grad=True), [-1.0, 0.0])
    ax = plot.plot_losses({"margin 0": "margin_ranking", "margin 1": ("margin_ranking", {"margin": 1.0})}, x)
    assert ax.get_xlabel() == "score difference x1 − x2 (positive: item 1 ranked higher)"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.maximum(0, 1 - x))


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("cosine_embedding", "it compares two embeddings, so draw it against their distance d"),
        ("contrastive", "(contrastive: d**2 / 2 or max(0, margin - d)**2 / 2)"),
        ("triplet_margin", "draw it against x = d(anchor, positive) - d(anchor, negative)"),
        ("triplet_margin_with_distance", "max(0, x + margin), the hinge of x"),
        ("info_nce", "it is cross_entropy over a batch's similarities"),
    ],
)
def test_loss_curve_rejects_the_losses_of_embeddings_and_says_what_to_draw(name: str, hint: str) -> None:
    kind = lu.registry.LOSSES[name].kind
    with pytest.raises(
        ValueError, match=re.escape(f"got {name!r} (a loss of {kind}); pass a callable x -> values instead")
    ) as error:
        plot.loss_curve(name, [0.0, 1.0])
    assert hint in str(error.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("margin_ranking", "loss 'margin_ranking' compares the scores of two items (x1, x2) per sample"),
        ("cosine_embedding", "loss 'cosine_embedding' compares the embeddings of two items"),
        ("contrastive", "lossutils.nn.ContrastiveLoss"),
        ("triplet_margin", "loss 'triplet_margin' compares the embeddings of an anchor, a positive and a negative"),
        ("triplet_margin_with_distance", "torch.nn.TripletMarginLoss"),
        ("info_nce", "loss 'info_nce' compares a batch of query embeddings with key embeddings"),
    ],
)
def test_fit_rejects_the_losses_that_compare_and_says_what_to_train_instead(name: str, message: str) -> None:
    X, y = np.random.default_rng(23).normal(size=(10, 2)), np.ones(10)
    for call in (lambda: fit(X, y, name, epochs=1), lambda: resolve_loss(name)):
        with pytest.raises(ValueError, match=re.escape(message)):
            call()


def test_the_linear_ranker_that_fits_message_suggests_learns_the_preferences() -> None:
    """margin_ranking(X1 w + b, X2 w + b, t) is the hinge of (X1 - X2) w: the bias cancels, and
    fit(X1 - X2, t, 'hinge') trains the ranker, as the message of fit says."""
    rng = np.random.default_rng(24)
    w_true = np.array([2.0, -1.0, 0.5])
    X1, X2 = rng.normal(size=(300, 3)), rng.normal(size=(300, 3))
    t = np.sign((X1 - X2) @ w_true)
    model, history = fit(X1 - X2, t, "hinge", loss_kwargs={"margin": 1.0}, lr=0.5, epochs=200)
    s1, s2 = X1 @ model.weight + 3.0, X2 @ model.weight + 3.0  # any bias: only the difference counts
    np.testing.assert_allclose(
        lu.margin_ranking(s1, s2, t, margin=1.0), lu.hinge((X1 - X2) @ model.weight, t, margin=1.0), rtol=1e-12
    )
    assert np.mean(np.sign(s1 - s2) == t) > 0.97
    assert history.loss[-1] < 0.2 * history.initial_loss
