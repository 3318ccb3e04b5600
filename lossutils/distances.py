r"""Distances between embeddings, the building blocks of the losses that compare.

The metric-learning losses of :mod:`lossutils.ranking` measure how far apart two embeddings
are, row by row: for arrays of shape (N, D), one distance per row, shape (N,); for one
embedding each, (D,), a single number. Each distance has its gradient right below it, which
returns the pair (d/d ``x1``, d/d ``x2``), each shaped like its input, so a loss can apply the
chain rule through it:

- :func:`pairwise_distance`: the p-norm of the difference, as PyTorch computes it
  (:math:`\lVert x_1 - x_2 + \epsilon \rVert_p`, the :math:`\epsilon` added to the difference);
- :func:`cosine_similarity` and :func:`cosine_distance` (:math:`1 - \cos`): the angle only,
  not the lengths.

A :class:`Distance` keeps a distance and its gradient together, and :data:`DISTANCES` names the
two that :func:`lossutils.triplet_margin_with_distance` accepts by name. Inputs and results
follow the rest of :mod:`lossutils`: array-likes are read as arrays, float32 stays float32,
float16 is computed in float32 and cast back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_pair, as_result, check_in_range, check_positive, check_same_shape

__all__ = [
    "DISTANCES",
    "Distance",
    "cosine_distance",
    "cosine_distance_grad",
    "cosine_similarity",
    "cosine_similarity_grad",
    "pairwise_distance",
    "pairwise_distance_grad",
]


def _embeddings(x1: ArrayLike, x2: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """Two arrays of embeddings of the same shape, (..., D), in the dtype they are computed in."""
    a, b, dtype = as_float_pair(x1, x2, ("x1", "x2"))
    check_same_shape(a, b, "x1", "x2")
    if a.ndim == 0:
        raise ValueError("x1 must hold embeddings along its last axis, (N, D) or (D,); got a single number")
    return a, b, dtype


def _norm(v: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each row (the last axis)."""
    norm: np.ndarray = np.sqrt(np.sum(v * v, axis=-1))
    return norm


def _unit(v: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """``v / norm`` row by row, and 0 where the norm is 0: the direction of ``v``, or none (nan stays nan)."""
    safe = np.where(norm == 0, 1.0, norm)[..., None]  # the division below is used only where norm != 0
    return np.where(norm[..., None] == 0, 0.0, v / safe)


# --------------------------------------------------------------------------------------------
# The p-norm distance
# --------------------------------------------------------------------------------------------


def pairwise_distance(x1: ArrayLike, x2: ArrayLike, *, p: float = 2.0, eps: float = 1e-6) -> np.ndarray:
    r"""The p-norm distance between matching rows, as PyTorch computes it.

    .. math::

        d(x_1, x_2) = \lVert x_1 - x_2 + \epsilon \rVert_p
                    = \Bigl(\sum_{k=1}^{D} \lvert x_{1k} - x_{2k} + \epsilon \rvert^p\Bigr)^{1/p},

    with the :math:`\epsilon` added to every component of the difference, as
    :func:`torch.nn.functional.pairwise_distance` does (so :math:`d(x, x) = \epsilon D^{1/p}`,
    not 0, and :math:`d(x_1, x_2)` differs from :math:`d(x_2, x_1)` by about :math:`\epsilon`).

    Parameters
    ----------
    x1, x2 : array_like
        Embeddings along the last axis, the same shape: (N, D), or (D,) for one pair.
    p : float, default 2.0
        The norm, >= 1 (1: Manhattan, 2: Euclidean). PyTorch also takes p < 1 (not a norm) and
        infinity (the largest component, not this sum); here they are a ValueError.
    eps : float, default 1e-6
        Added to the difference, >= 0.

    Returns
    -------
    numpy.ndarray
        One distance per row: shape (N,), or () for one pair.

    See Also
    --------
    torch.nn.functional.pairwise_distance : the PyTorch twin.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.pairwise_distance([[3.0, 4.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]], eps=0.0)
    array([5., 0.])
    >>> lu.pairwise_distance([3.0, 4.0], [0.0, 0.0], p=1, eps=0.0)  # one pair: |3| + |4|
    array(7.)
    """
    a, b, dtype = _embeddings(x1, x2)
    p = check_in_range(p, "p", 1.0, np.inf, low_inclusive=True)
    eps = check_positive(eps, "eps", allow_zero=True)
    v = a - b + eps
    return as_result(np.sum(np.abs(v) ** p, axis=-1) ** (1 / p), dtype)


def pairwise_distance_grad(
    x1: ArrayLike, x2: ArrayLike, *, p: float = 2.0, eps: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`pairwise_distance` with respect to ``x1`` and to ``x2``, in that order.

    With :math:`v = x_1 - x_2 + \epsilon` and :math:`d = \lVert v \rVert_p`,

    .. math::

        \frac{\partial d}{\partial x_1} = -\frac{\partial d}{\partial x_2}
            = \operatorname{sign}(v)\,\Bigl(\frac{\lvert v \rvert}{d}\Bigr)^{p - 1},

    the unit vector :math:`v / d` for p = 2 and :math:`\operatorname{sign}(v)` for p = 1. At
    :math:`d = 0` the direction is undefined and the gradient is 0, as PyTorch's norm gives it.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_x1, d_x2 = lu.pairwise_distance_grad([3.0, 4.0], [0.0, 0.0], eps=0.0)
    >>> d_x1, d_x2  # the unit vector from x2 to x1, and its opposite
    (array([0.6, 0.8]), array([-0.6, -0.8]))
    """
    a, b, dtype = _embeddings(x1, x2)
    p = check_in_range(p, "p", 1.0, np.inf, low_inclusive=True)
    eps = check_positive(eps, "eps", allow_zero=True)
    v = a - b + eps
    d = np.sum(np.abs(v) ** p, axis=-1) ** (1 / p)
    g = np.sign(v) * _unit(np.abs(v), d) ** (p - 1)  # |v| / d per component, 0 where d = 0
    return as_result(g, dtype), as_result(-g, dtype)


# --------------------------------------------------------------------------------------------
# The cosine similarity, and the cosine distance 1 - cos
# --------------------------------------------------------------------------------------------


def cosine_similarity(x1: ArrayLike, x2: ArrayLike, *, eps: float = 1e-8) -> np.ndarray:
    r"""The cosine of the angle between matching rows, as PyTorch computes it.

    .. math::

        \cos(x_1, x_2) = \frac{x_1}{\max(\lVert x_1 \rVert, \epsilon)} \cdot
                         \frac{x_2}{\max(\lVert x_2 \rVert, \epsilon)},

    each embedding divided by its Euclidean norm, floored at :math:`\epsilon` so that a zero
    vector has cosine 0 with everything (as :func:`torch.nn.functional.cosine_similarity` does
    along its last axis).

    Parameters
    ----------
    x1, x2 : array_like
        Embeddings along the last axis, the same shape: (N, D), or (D,) for one pair.
    eps : float, default 1e-8
        The floor of each norm, > 0.

    Returns
    -------
    numpy.ndarray
        One cosine in [-1, 1] per row: shape (N,), or () for one pair.

    See Also
    --------
    torch.nn.functional.cosine_similarity : the PyTorch twin (``dim=-1``).

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.cosine_similarity([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [-1.0, 1.0], [1.0, 0.0]])
    array([1., 0., 0.])
    """
    a, b, dtype = _embeddings(x1, x2)
    eps = check_positive(eps, "eps")
    a_hat = a / np.maximum(_norm(a), eps)[..., None]
    b_hat = b / np.maximum(_norm(b), eps)[..., None]
    return as_result(np.sum(a_hat * b_hat, axis=-1), dtype)


def cosine_similarity_grad(x1: ArrayLike, x2: ArrayLike, *, eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`cosine_similarity` with respect to ``x1`` and to ``x2``, in that order.

    .. math::

        \frac{\partial \cos}{\partial x_1}
            = \frac{1}{\max(\lVert x_1 \rVert, \epsilon)}
              \Bigl(\hat x_2 - \cos(x_1, x_2)\,\frac{x_1}{\lVert x_1 \rVert}\Bigr),
        \qquad \hat x_2 = \frac{x_2}{\max(\lVert x_2 \rVert, \epsilon)},

    and the same with the roles swapped for :math:`x_2`: the part of the other direction
    perpendicular to :math:`x_1`, divided by its length (a longer vector turns less per step).
    As in PyTorch, the floor at :math:`\epsilon` is passed by the gradient as if it were not
    there, and :math:`x_1 / \lVert x_1 \rVert` is 0 for a zero vector.

    Examples
    --------
    >>> import lossutils as lu
    >>> d_x1, d_x2 = lu.cosine_similarity_grad([2.0, 0.0], [1.0, 1.0])
    >>> d_x1.round(4), d_x2.round(4)  # turning x1 up, towards x2, raises the cosine; x2 down, towards x1
    (array([0.    , 0.3536]), array([ 0.3536, -0.3536]))
    """
    a, b, dtype = _embeddings(x1, x2)
    eps = check_positive(eps, "eps")
    norm_a, norm_b = _norm(a), _norm(b)
    floor_a, floor_b = np.maximum(norm_a, eps)[..., None], np.maximum(norm_b, eps)[..., None]
    cos = np.sum((a / floor_a) * (b / floor_b), axis=-1)[..., None]
    d_a = (b / floor_b - cos * _unit(a, norm_a)) / floor_a
    d_b = (a / floor_a - cos * _unit(b, norm_b)) / floor_b
    return as_result(d_a, dtype), as_result(d_b, dtype)


def cosine_distance(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    r"""The cosine distance :math:`1 - \cos(x_1, x_2)` between matching rows, in [0, 2]
    (:func:`cosine_similarity` with its default :math:`\epsilon`): 0 for the same direction,
    1 at right angles, 2 for opposite directions. The lengths of the embeddings do not count.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.cosine_distance([[1.0, 0.0], [1.0, 0.0]], [[5.0, 0.0], [-1.0, 0.0]])
    array([0., 2.])
    """
    return as_result(1 - cosine_similarity(x1, x2))


def cosine_distance_grad(x1: ArrayLike, x2: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`cosine_distance` with respect to ``x1`` and to ``x2``: those of
    :func:`cosine_similarity_grad`, negated.

    Examples
    --------
    >>> import lossutils as lu
    >>> lu.cosine_distance_grad([1.0, 2.0], [2.0, 1.0])[0]  # turning x1 away from x2 adds distance
    array([-0.24,  0.12])
    """
    d_x1, d_x2 = cosine_similarity_grad(x1, x2)
    return as_result(-d_x1), as_result(-d_x2)


# --------------------------------------------------------------------------------------------
# A distance with its gradient, and the distances known by name
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Distance:
    r"""A distance between matching rows and its gradient, kept together (as each loss of
    :mod:`lossutils` keeps its gradient beside it), for
    :func:`lossutils.triplet_margin_with_distance` and its gradient.

    Attributes
    ----------
    function : callable
        ``function(x1, x2)``: one distance per row, shape ``x1.shape[:-1]``, for embeddings
        ``x1`` and ``x2`` of shape (N, D) (or (D,)).
    grad : callable
        ``grad(x1, x2)``: the pair (d/d ``x1``, d/d ``x2``) of that distance, row by row, each
        shaped like ``x1``.

    Examples
    --------
    >>> import numpy as np
    >>> import lossutils as lu
    >>> squared = lu.Distance(
    ...     function=lambda x1, x2: np.sum((x1 - x2) ** 2, axis=-1),
    ...     grad=lambda x1, x2: (2 * (x1 - x2), -2 * (x1 - x2)),
    ... )
    >>> float(lu.triplet_margin_with_distance([0.0], [1.0], [3.0], distance_function=squared))  # 1 - 9 + 1 < 0
    0.0
    """

    function: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


#: The distances known by name: ``"euclidean"``, :func:`pairwise_distance` with PyTorch's
#: defaults (p = 2, eps = 1e-6: the default ``distance_function`` of
#: :func:`torch.nn.functional.triplet_margin_with_distance_loss`), and ``"cosine"``,
#: :func:`cosine_distance`.
DISTANCES: Mapping[str, Distance] = MappingProxyType(
    {
        "euclidean": Distance(pairwise_distance, pairwise_distance_grad),
        "cosine": Distance(cosine_distance, cosine_distance_grad),
    }
)
