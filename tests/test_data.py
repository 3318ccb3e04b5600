"""Tests of lossutils.data: shapes, determinism, the stated properties of each data set."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn import datasets

import lossutils as lu
from lossutils import data

GENERATORS = [
    lambda seed: data.cat_dog(50, seed=seed),
    lambda seed: data.linear_with_outliers(50, seed=seed),
    lambda seed: data.heteroscedastic(50, seed=seed),
    lambda seed: (data.skewed_sample(50, seed=seed),),
    lambda seed: data.two_blobs(50, seed=seed),
    lambda seed: data.moons_2d(50, seed=seed),
    lambda seed: data.imbalanced_classes(100, seed=seed),
    lambda seed: data.load_iris(seed=seed),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    a, b, c = make(1), make(1), make(2)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert any(not np.array_equal(left, right) for left, right in zip(a, c, strict=True))


def test_a_generator_is_accepted_as_seed():
    x1, _ = data.cat_dog(20, seed=np.random.default_rng(5))
    x2, _ = data.cat_dog(20, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(x1, x2)
    X, _ = data.moons_2d(20, seed=np.random.default_rng(5))
    assert X.shape == (20, 2)


def test_cat_dog():
    x, y = data.cat_dog(200, seed=0)
    assert x.shape == y.shape == (200,)
    assert x.dtype == np.float64
    assert y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    assert y.sum() == 100
    assert x.mean() == pytest.approx(0.0, abs=1e-12)
    assert x.std() == pytest.approx(1.0)
    kg, y_kg = data.cat_dog(200, seed=0, standardize=False)
    np.testing.assert_array_equal(y, y_kg)
    np.testing.assert_allclose(x, (kg - kg.mean()) / kg.std())
    assert kg.min() >= 1.0
    # dogs are heavier on average, but the classes overlap: no threshold separates them
    assert kg[y == 1].mean() > kg[y == 0].mean() + 3
    assert kg[y == 1].min() < kg[y == 0].max()
    x_big, y_big = data.cat_dog(20_000, seed=1, standardize=False)
    assert x_big[y_big == 0].mean() == pytest.approx(4.5, abs=0.05)
    with pytest.raises(ValueError, match=re.escape("n must be an integer >= 2, got 1")):
        data.cat_dog(1)


def test_linear_with_outliers():
    x, y, outlier = data.linear_with_outliers(200, 0.1, slope=2.0, intercept=1.0, noise=0.5, outlier_shift=10.0, seed=0)
    assert x.shape == y.shape == outlier.shape == (200,)
    assert outlier.dtype == bool
    assert outlier.sum() == 20
    assert np.all(np.diff(x) >= 0)
    assert x.min() >= 0
    assert x.max() <= 10
    clean = ~outlier
    slope, intercept = np.polyfit(x[clean], y[clean], 1)
    assert slope == pytest.approx(2.0, abs=0.1)
    assert intercept == pytest.approx(1.0, abs=0.3)
    shift = y[outlier] - (1.0 + 2.0 * x[outlier])
    assert np.all(shift > 10.0 - 4 * 0.5)
    _, _, none = data.linear_with_outliers(30, 0.0, seed=0)
    assert not none.any()
    with pytest.raises(ValueError, match=re.escape("outlier_fraction must lie in [0, 1], got 1.5")):
        data.linear_with_outliers(10, 1.5)


def test_heteroscedastic_noise_grows_and_true_quantiles_hold():
    x, y = data.heteroscedastic(20_000, seed=0)
    assert np.all(np.diff(x) >= 0)
    for q in (0.1, 0.5, 0.9):
        below = np.mean(y <= data.heteroscedastic_quantile(x, q))
        assert below == pytest.approx(q, abs=0.01)
    resid = y - (1.0 + 0.5 * x)
    assert resid[x > 8].std() > 3 * resid[x < 2].std()
    np.testing.assert_allclose(data.heteroscedastic_quantile([0.0, 4.0], 0.5), [1.0, 3.0])
    with pytest.raises(ValueError, match=re.escape("q must lie in (0, 1), got 1.0")):
        data.heteroscedastic_quantile([0.0], 1.0)


def test_skewed_sample_mean_exceeds_median():
    s = data.skewed_sample(50_000, seed=0, sigma=1.0)
    assert np.all(s > 0)
    assert np.median(s) == pytest.approx(1.0, abs=0.03)  # exp(0)
    assert s.mean() == pytest.approx(np.exp(0.5), rel=0.03)  # exp(sigma^2 / 2)
    # the best constant under MSE is the mean, under MAE the median
    grid = np.linspace(0.5, 2.5, 401)
    mse_best = grid[np.argmin([lu.mse(np.full_like(s, c), s) for c in grid])]
    mae_best = grid[np.argmin([lu.mae(np.full_like(s, c), s) for c in grid])]
    assert mse_best == pytest.approx(s.mean(), abs=0.006)
    assert mae_best == pytest.approx(np.median(s), abs=0.006)


def test_two_blobs_and_moons():
    X, y = data.two_blobs(201, distance=6.0, std=0.5, seed=0)
    assert X.shape == (201, 2)
    assert np.bincount(y).tolist() == [101, 100]
    centre_gap = np.linalg.norm(X[y == 1].mean(0) - X[y == 0].mean(0))
    assert centre_gap == pytest.approx(6.0, abs=0.3)
    assert X[y == 0].std(0) == pytest.approx([0.5, 0.5], abs=0.1)
    Xm, ym = data.moons_2d(100, noise=0.1, seed=3)
    ref_X, ref_y = datasets.make_moons(n_samples=100, noise=0.1, random_state=3)
    np.testing.assert_array_equal(Xm, ref_X)
    np.testing.assert_array_equal(ym, ref_y)


def test_imbalanced_classes():
    X, y = data.imbalanced_classes(1000, weights=(0.7, 0.2, 0.1), n_features=4, separation=8.0, seed=0)
    assert X.shape == (1000, 4)
    assert np.bincount(y).tolist() == [700, 200, 100]
    centres = np.array([X[y == k].mean(0) for k in range(3)])
    # centres on a circle of diameter `separation` in the first two features
    assert np.linalg.norm(centres[:, :2], axis=1) == pytest.approx([4.0] * 3, abs=0.3)
    assert np.abs(centres[:, 2:]).max() < 0.3
    with pytest.raises(ValueError, match="weights must be at least two non-negative class shares summing to 1"):
        data.imbalanced_classes(10, weights=(0.5, 0.2))


def test_make_imbalanced_subsamples_only_the_chosen_classes():
    X_train, _, y_train, _ = data.load_breast_cancer(seed=0)
    counts = np.bincount(y_train)
    X_small, y_small = data.make_imbalanced(X_train, y_train, 0.1, classes=[1], seed=0)
    assert np.bincount(y_small).tolist() == [counts[0], int(np.ceil(0.1 * counts[1]))]
    # kept rows are original rows, in their original order
    rows = [np.flatnonzero((X_train == row).all(axis=1))[0] for row in X_small]
    assert rows == sorted(rows)
    np.testing.assert_array_equal(y_train[rows], y_small)
    again = data.make_imbalanced(X_train, y_train, 0.1, classes=[1], seed=0)
    np.testing.assert_array_equal(again[0], X_small)
    with pytest.raises(ValueError, match=re.escape("classes [7] do not occur in y (its classes are [0, 1])")):
        data.make_imbalanced(X_train, y_train, 0.1, classes=[7])
    with pytest.raises(ValueError, match=re.escape("minority_fraction must lie in (0, 1], got 0.0")):
        data.make_imbalanced(X_train, y_train, 0.0)
    with pytest.raises(ValueError, match="X and y must have the same number of samples"):
        data.make_imbalanced(X_train, y_train[:-1])


@pytest.mark.parametrize(
    ("loader", "bundled", "n_features", "n_classes"),
    [
        (data.load_digits, datasets.load_digits, 64, 10),
        (data.load_iris, datasets.load_iris, 4, 3),
        (data.load_breast_cancer, datasets.load_breast_cancer, 30, 2),
        (data.load_diabetes, datasets.load_diabetes, 10, None),
    ],
)
def test_loaders_split_and_standardise_on_train_only(loader, bundled, n_features, n_classes):
    split = loader(seed=0)
    X_train, X_test, y_train, y_test = split
    assert split.X_train is X_train
    X_all, y_all = bundled(return_X_y=True)
    assert len(X_train) + len(X_test) == len(X_all)
    assert len(X_test) == int(np.ceil(0.25 * len(X_all)))
    assert X_train.shape[1] == X_test.shape[1] == n_features
    # standardised with the training statistics: exactly 0 / 1 on train (constant pixels stay 0)
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    sd = X_train.std(axis=0)
    np.testing.assert_allclose(sd[sd > 0], 1.0)
    # ... and only approximately on test
    assert not np.allclose(X_test.mean(axis=0), 0.0, atol=1e-6)
    if n_classes is None:
        assert y_train.dtype == np.float64
        np.testing.assert_allclose(np.sort(np.r_[y_train, y_test]), np.sort(y_all))
    else:
        assert y_train.dtype == np.int64
        assert set(np.unique(y_train)) == set(range(n_classes))
        # stratified: each class is in the test set in proportion, up to one sample of rounding
        expected = np.bincount(y_all) * len(y_test) / len(y_all)
        assert np.abs(np.bincount(y_test) - expected).max() <= 1


def test_loader_options():
    X_train, _, y_train, _ = data.load_diabetes(seed=1, test_size=0.5, standardize_target=True)
    assert len(X_train) == 221
    assert y_train.mean() == pytest.approx(0.0, abs=1e-12)
    assert y_train.std() == pytest.approx(1.0)
    other = data.load_diabetes(seed=2)
    assert not np.array_equal(other.y_test, data.load_diabetes(seed=1).y_test)
    with pytest.raises(ValueError, match=re.escape("test_size must lie in (0, 1), got 1.0")):
        data.load_iris(test_size=1.0)
