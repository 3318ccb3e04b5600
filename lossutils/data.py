"""Small, deterministic data sets for the book's experiments.

Every generator takes a ``seed`` (an int or a :class:`numpy.random.Generator`): the same seed
gives the same data on every machine. The loaders wrap the data sets that ship inside
scikit-learn (digits, iris, breast cancer, diabetes: nothing is downloaded) and return
standardised train/test splits, with the scaler fitted on the training part only.

Examples
--------
>>> x, y = cat_dog(n=6, seed=0)
>>> x.shape, y.tolist().count(1)
((6,), 3)
>>> X_train, X_test, y_train, y_test = load_iris(seed=0)
>>> X_train.shape, X_test.shape
((112, 4), (38, 4))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import check_in_range, check_positive

__all__ = [
    "Split",
    "cat_dog",
    "heteroscedastic",
    "heteroscedastic_quantile",
    "imbalanced_classes",
    "linear_with_outliers",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "make_imbalanced",
    "moons_2d",
    "skewed_sample",
    "two_blobs",
]

Seed = int | np.random.Generator | None


class Split(NamedTuple):
    """A train/test split; unpacks as ``X_train, X_test, y_train, y_test`` (scikit-learn's order)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _rng(seed: Seed) -> np.random.Generator:
    return np.random.default_rng(seed)


def _int_seed(seed: Seed) -> int:
    """An int for scikit-learn's ``random_state`` (a Generator gives one of its draws)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    return int(_rng(seed).integers(2**31 - 1))


def _check_n(n: object, name: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


# -- chapter 1 -----------------------------------------------------------------------------


def cat_dog(n: int = 200, *, seed: Seed = 0, standardize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The first chapter's toy problem: tell a cat (label 0) from a dog (label 1) by one number.

    The feature is the animal's body weight in kilograms: cats weigh about 4.5 kg (standard
    deviation 1 kg), dogs about 9 kg with a much wider spread (3 kg, never below 1.5 kg), so small
    dogs overlap with cats and no threshold is perfect. Exactly ``n // 2`` animals are dogs, in
    shuffled order.

    Parameters
    ----------
    n : int, default 200
        Number of animals (at least 2).
    seed : int or numpy.random.Generator, default 0
    standardize : bool, default True
        Return the weight as a z-score (mean 0, standard deviation 1 over the sample), the
        scale a model trains well on; ``False`` returns kilograms.

    Returns
    -------
    x : numpy.ndarray of float64, shape (n,)
        The feature.
    y : numpy.ndarray of int64, shape (n,)
        0 = cat, 1 = dog.

    Examples
    --------
    >>> x, y = cat_dog(n=200, seed=0, standardize=False)
    >>> bool(x[y == 1].mean() > x[y == 0].mean())  # dogs are heavier on average
    True
    """
    n = _check_n(n, minimum=2)
    rng = _rng(seed)
    y = np.zeros(n, dtype=np.int64)
    y[: n // 2] = 1
    y = rng.permutation(y)
    cats = rng.normal(4.5, 1.0, size=n)
    dogs = np.maximum(rng.normal(9.0, 3.0, size=n), 1.5)
    kg = np.where(y == 1, dogs, np.maximum(cats, 1.0))
    if standardize:
        return (kg - kg.mean()) / kg.std(), y
    return kg, y


# -- regression ------------------------------------------------------------------------------


def linear_with_outliers(
    n: int = 100,
    outlier_fraction: float = 0.1,
    *,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 1.0,
    outlier_shift: float = 10.0,
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A noisy line with a few points pushed far above it.

    ``x`` is uniform on [0, 10] (sorted), ``y = intercept + slope·x + noise·ε`` with standard
    normal ε, and ``round(outlier_fraction·n)`` points chosen at random get ``outlier_shift``
    added: one-sided, so a loss that chases them drags the whole line up.

    Returns
    -------
    x, y : numpy.ndarray, shape (n,)
    outlier : numpy.ndarray of bool, shape (n,)
        True for the shifted points.

    Examples
    --------
    >>> x, y, outlier = linear_with_outliers(n=50, outlier_fraction=0.1, seed=0)
    >>> int(outlier.sum())
    5
    """
    n = _check_n(n)
    check_in_range(outlier_fraction, "outlier_fraction", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    x = np.sort(rng.uniform(0.0, 10.0, size=n))
    y = intercept + slope * x + noise * rng.standard_normal(n)
    outlier = np.zeros(n, dtype=bool)
    outlier[rng.choice(n, size=round(outlier_fraction * n), replace=False)] = True
    y[outlier] += outlier_shift
    return x, y, outlier


def _noise_sd(x: np.ndarray, noise_base: float, noise_slope: float) -> np.ndarray:
    return noise_base + noise_slope * x


def heteroscedastic(
    n: int = 200,
    *,
    seed: Seed = 0,
    intercept: float = 1.0,
    slope: float = 0.5,
    noise_base: float = 0.2,
    noise_slope: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """Data whose noise grows with ``x``: where quantile regression earns its keep.

    ``x`` is uniform on [0, 10] (sorted) and ``y = intercept + slope·x + σ(x)·ε`` with
    ``σ(x) = noise_base + noise_slope·x`` and standard normal ε. The true conditional
    quantiles are given by :func:`heteroscedastic_quantile`.

    Examples
    --------
    >>> x, y = heteroscedastic(n=1000, seed=0)
    >>> resid = y - (1.0 + 0.5 * x)
    >>> bool(resid[x > 5].std() > 2 * resid[x < 5].std())
    True
    """
    n = _check_n(n)
    check_positive(noise_base, "noise_base", allow_zero=True)
    check_positive(noise_slope, "noise_slope", allow_zero=True)
    rng = _rng(seed)
    x = np.sort(rng.uniform(0.0, 10.0, size=n))
    y = intercept + slope * x + _noise_sd(x, noise_base, noise_slope) * rng.standard_normal(n)
    return x, y


def heteroscedastic_quantile(
    x: ArrayLike,
    q: float,
    *,
    intercept: float = 1.0,
    slope: float = 0.5,
    noise_base: float = 0.2,
    noise_slope: float = 0.3,
) -> np.ndarray:
    """The true ``q``-quantile of ``y`` given ``x`` for :func:`heteroscedastic` (same options).

    ``intercept + slope·x + σ(x)·Φ⁻¹(q)``, with Φ the standard normal distribution function.

    Examples
    --------
    >>> heteroscedastic_quantile([0.0, 2.0], 0.5).tolist()  # the median is the line itself
    [1.0, 2.0]
    """
    check_in_range(q, "q", 0.0, 1.0)
    xs = np.asarray(x, dtype=np.float64)
    return np.asarray(intercept + slope * xs + _noise_sd(xs, noise_base, noise_slope) * NormalDist().inv_cdf(q))


def skewed_sample(n: int = 1000, *, seed: Seed = 0, mean_log: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """A right-skewed sample (log-normal) whose mean and median differ: MSE vs MAE.

    ``exp(mean_log + sigma·ε)`` with standard normal ε. The population median is
    ``exp(mean_log)`` and the mean ``exp(mean_log + sigma²/2)``: with the defaults, 1 and
    about 1.65.

    Examples
    --------
    >>> s = skewed_sample(n=10_000, seed=0)
    >>> bool(s.mean() > np.median(s))
    True
    """
    n = _check_n(n)
    check_positive(sigma, "sigma", allow_zero=True)
    return np.exp(mean_log + sigma * _rng(seed).standard_normal(n))


# -- classification --------------------------------------------------------------------------


def two_blobs(
    n: int = 200, *, distance: float = 3.0, std: float = 1.0, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two round Gaussian clouds in 2-D, ``n // 2`` points of class 1 and the rest class 0.

    The centres lie ``distance`` apart on the diagonal, symmetric about the origin; both
    clouds have standard deviation ``std`` in every direction.

    Returns
    -------
    X : numpy.ndarray, shape (n, 2)
    y : numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> X, y = two_blobs(n=10, seed=0)
    >>> X.shape, int(y.sum())
    ((10, 2), 5)
    """
    n = _check_n(n, minimum=2)
    check_positive(std, "std")
    rng = _rng(seed)
    y = rng.permutation(np.r_[np.zeros(n - n // 2, dtype=np.int64), np.ones(n // 2, dtype=np.int64)])
    centre = np.array([1.0, 1.0]) * distance / (2 * math.sqrt(2))
    X = np.where(y[:, None] == 1, centre, -centre) + std * rng.standard_normal((n, 2))
    return X, y


def moons_2d(n: int = 200, *, noise: float = 0.2, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-moons (scikit-learn's ``make_moons``): not linearly separable.

    Examples
    --------
    >>> X, y = moons_2d(n=100, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    from sklearn.datasets import make_moons

    n = _check_n(n, minimum=2)
    check_positive(noise, "noise", allow_zero=True)
    X, y = make_moons(n_samples=n, noise=noise, random_state=_int_seed(seed))
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def imbalanced_classes(
    n: int = 1000,
    *,
    weights: Sequence[float] = (0.9, 0.1),
    n_features: int = 2,
    separation: float = 2.0,
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian classes with unequal sizes: class ``k`` gets ``round(weights[k]·n)`` points.

    Class centres sit on a circle of diameter ``separation`` in the first two features (so
    two classes are ``separation`` apart); every class has unit variance in every feature.

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, n_features)
    y : numpy.ndarray of int64, shape (n_samples,)
        Shuffled; ``n_samples`` is ``sum(round(weights[k]·n))`` (``n`` up to rounding).

    Examples
    --------
    >>> X, y = imbalanced_classes(n=1000, weights=(0.95, 0.05), seed=0)
    >>> np.bincount(y).tolist()
    [950, 50]
    """
    n = _check_n(n)
    n_features = _check_n(n_features, "n_features", minimum=2)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size < 2 or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"weights must be at least two non-negative class shares summing to 1, got {tuple(weights)}")
    rng = _rng(seed)
    counts = np.round(w * n).astype(np.int64)
    y = rng.permutation(np.repeat(np.arange(w.size), counts))
    angles = 2 * np.pi * np.arange(w.size) / w.size
    centres = np.zeros((w.size, n_features))
    centres[:, 0], centres[:, 1] = np.cos(angles), np.sin(angles)
    X = 0.5 * separation * centres[y] + rng.standard_normal((y.size, n_features))
    return X, y.astype(np.int64)


def make_imbalanced(
    X: ArrayLike,
    y: ArrayLike,
    minority_fraction: float = 0.1,
    *,
    classes: Sequence[int] = (1,),
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Subsample some classes of a data set so that they become rare.

    Each class listed in ``classes`` keeps ``ceil(minority_fraction·count)`` of its samples,
    chosen at random; other classes keep all of theirs. The order of the kept samples is
    unchanged. Apply it to a training split only, so the test set stays untouched.

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> X_small, y_small = make_imbalanced(X, y, 0.2, classes=[1], seed=0)
    >>> np.bincount(y_small).tolist()
    [5, 1]
    """
    features = np.asarray(X)
    labels = np.asarray(y)
    if labels.ndim != 1 or features.shape[:1] != labels.shape:
        raise ValueError(
            f"X and y must have the same number of samples and y must be 1-D; "
            f"got X.shape={features.shape}, y.shape={labels.shape}"
        )
    check_in_range(minority_fraction, "minority_fraction", 0.0, 1.0, high_inclusive=True)
    missing = [c for c in classes if not np.any(labels == c)]
    if missing:
        raise ValueError(f"classes {missing} do not occur in y (its classes are {np.unique(labels).tolist()})")
    rng = _rng(seed)
    keep = np.ones(labels.size, dtype=bool)
    for c in classes:
        members = np.flatnonzero(labels == c)
        kept = rng.choice(members, size=math.ceil(minority_fraction * members.size), replace=False)
        keep[members] = False
        keep[kept] = True
    return features[keep], labels[keep]


# -- scikit-learn's bundled data sets ----------------------------------------------------------


def _split(
    loader: Callable[..., Any], *, test_size: float, seed: Seed, classification: bool, standardize_target: bool = False
) -> Split:
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    check_in_range(test_size, "test_size", 0.0, 1.0)
    X, y = loader(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64 if classification else np.float64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=_int_seed(seed), stratify=y if classification else None
    )
    scaler = StandardScaler().fit(X_train)  # fitted on the training part only: no peeking at the test set
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if standardize_target:
        mean, sd = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / sd, (y_test - mean) / sd
    return Split(X_train, X_test, y_train, y_test)


def load_digits(*, test_size: float = 0.25, seed: Seed = 0) -> Split:
    """8×8 images of hand-written digits (1797 samples, 64 pixel features, 10 classes).

    Pixels are standardised with a scaler fitted on the training split; the split is stratified.

    Returns
    -------
    Split
        ``X_train, X_test, y_train, y_test`` with int64 labels 0..9.
    """
    from sklearn import datasets

    return _split(datasets.load_digits, test_size=test_size, seed=seed, classification=True)


def load_iris(*, test_size: float = 0.25, seed: Seed = 0) -> Split:
    """Fisher's iris flowers (150 samples, 4 features, 3 classes), standardised, stratified split."""
    from sklearn import datasets

    return _split(datasets.load_iris, test_size=test_size, seed=seed, classification=True)


def load_breast_cancer(*, test_size: float = 0.25, seed: Seed = 0) -> Split:
    """Wisconsin breast cancer (569 samples, 30 features; label 1 = benign, 0 = malignant),
    standardised, stratified split."""
    from sklearn import datasets

    return _split(datasets.load_breast_cancer, test_size=test_size, seed=seed, classification=True)


def load_diabetes(*, test_size: float = 0.25, seed: Seed = 0, standardize_target: bool = False) -> Split:
    """Diabetes progression one year after baseline (442 patients, 10 features): regression.

    Features are standardised on the training split. The target is a disease-progression
    score (about 25 to 346); ``standardize_target=True`` turns it into a z-score with the
    training mean and standard deviation.
    """
    from sklearn import datasets

    return _split(
        datasets.load_diabetes,
        test_size=test_size,
        seed=seed,
        classification=False,
        standardize_target=standardize_target,
    )
