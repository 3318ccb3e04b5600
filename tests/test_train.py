"""Tests of lossutils.train: the training loop against least squares, PyTorch's SGD and autograd."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossutils as lu
from lossutils.metrics import accuracy
from lossutils.train import History, LinearModel, fit, loss_and_grad, resolve_loss


def regression_data(n: int = 80, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)
    return X, y


def test_mse_gradient_descent_reaches_least_squares():
    X, y = regression_data()
    model, history = fit(X, y, "mse", lr=0.1, epochs=400)
    A = np.column_stack([X, np.ones(len(X))])
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(model.weight, solution[:-1], atol=1e-8)
    assert model.bias == pytest.approx(solution[-1], abs=1e-8)
    assert history.loss[-1] == pytest.approx(float(np.mean((A @ solution - y) ** 2)), rel=1e-10)


def test_loss_is_recorded_at_the_end_of_each_epoch_with_that_epochs_weights():
    X, y = regression_data()
    _, history = fit(X, y, "mse", lr=0.05, epochs=20, batch_size=16, X_val=X[:10], y_val=y[:10])
    assert history.epochs == list(range(1, 21))
    assert len(history.loss) == len(history.val_loss) == len(history.weights) == 20
    for w, b, value, val in zip(history.weights, history.biases, history.loss, history.val_loss, strict=True):
        assert value == pytest.approx(float(lu.mse(X @ w + b, y)), rel=1e-12)
        assert val == pytest.approx(float(lu.mse(X[:10] @ w + b, y[:10])), rel=1e-12)
    assert history.initial_loss == pytest.approx(float(lu.mse(np.zeros_like(y), y)))
    assert history.loss[-1] < history.loss[0] < history.initial_loss
    assert not history.diverged


def test_full_batch_loss_decreases_every_epoch():
    X, y = regression_data()
    _, history = fit(X, y, "mse", lr=0.05, epochs=30)
    assert np.all(np.diff(history.loss) < 0)


def test_deterministic_under_a_seed():
    X, y = regression_data()
    kwargs = {"lr": 0.05, "epochs": 5, "batch_size": 7, "init_scale": 0.1}
    m1, h1 = fit(X, y, seed=3, **kwargs)
    m2, h2 = fit(X, y, seed=3, **kwargs)
    m3, h3 = fit(X, y, seed=4, **kwargs)
    np.testing.assert_array_equal(m1.weight, m2.weight)
    assert h1.loss == h2.loss
    assert not np.array_equal(m1.weight, m3.weight)
    assert h1.loss != h3.loss
    # a Generator works as a seed too
    m4, _ = fit(X, y, seed=np.random.default_rng(3), **kwargs)
    np.testing.assert_array_equal(m1.weight, m4.weight)


def test_minibatches_cover_the_data_once_per_epoch():
    X, y = regression_data(n=23)
    seen: list[int] = []

    def counting_mse(pred, target, **kw):
        return lu.mse(pred, target, **kw)

    def counting_grad(pred, target, **kw):
        seen.append(len(pred))
        return lu.mse_grad(pred, target, **kw)

    fit(X, y, (counting_mse, counting_grad), epochs=3, batch_size=10)
    assert seen == [10, 10, 3] * 3


def torch_sgd_reference(X, y, *, lr, epochs, batch_size, momentum, weight_decay, link, seed):
    """The same training with torch.optim.SGD and autograd (W decayed, b not)."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    W = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD(
        [{"params": [W], "weight_decay": weight_decay}, {"params": [b], "weight_decay": 0.0}],
        lr=lr,
        momentum=momentum,
    )
    rng = np.random.default_rng(seed)
    n = len(X)
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        step = n if batch_size is None else batch_size
        for start in range(0, n, step):
            idx = torch.tensor(order[start : start + step])
            opt.zero_grad()
            scores = Xt[idx] @ W + b
            pred = torch.sigmoid(scores) if link == "sigmoid" else scores
            F.mse_loss(pred, yt[idx]).backward()
            opt.step()
    return W.detach().numpy(), b.item()


@pytest.mark.parametrize(
    ("batch_size", "momentum", "weight_decay", "link"),
    [
        (None, 0.0, 0.0, None),
        (None, 0.9, 0.01, None),
        (16, 0.5, 0.1, None),
        (None, 0.0, 0.0, "sigmoid"),
        (9, 0.9, 0.0, "sigmoid"),
    ],
)
def test_fit_matches_torch_sgd(batch_size, momentum, weight_decay, link):
    X, y = regression_data(n=50)
    if link == "sigmoid":
        y = (y > np.median(y)).astype(float)
    settings = {"lr": 0.2, "epochs": 15, "batch_size": batch_size, "momentum": momentum, "weight_decay": weight_decay}
    model, _ = fit(X, y, "mse", link=link, seed=7, **settings)
    W, b = torch_sgd_reference(X, y, link=link, seed=7, **settings)
    np.testing.assert_allclose(model.weight, W, rtol=1e-10, atol=1e-12)
    assert model.bias == pytest.approx(b, rel=1e-10, abs=1e-12)


def test_loss_and_grad_matches_autograd_through_the_sigmoid_link():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 3))
    y = rng.integers(0, 2, size=20).astype(float)
    model = LinearModel(weight=rng.normal(size=3), bias=0.3, link="sigmoid")
    value, gw, gb = loss_and_grad(model, X, y, "mse")
    W = torch.tensor(model.weight, requires_grad=True)
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ref = F.mse_loss(torch.sigmoid(torch.tensor(X) @ W + b), torch.tensor(y))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-10)
    assert gb == pytest.approx(b.grad.item(), rel=1e-10)


def test_loss_and_grad_matches_finite_differences_for_multi_output_mse():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(15, 3))
    Y = rng.normal(size=(15, 2))
    model = LinearModel(weight=rng.normal(size=(3, 2)), bias=rng.normal(size=2))
    _, gw, gb = loss_and_grad(model, X, Y, "mse")
    eps = 1e-6
    for i, j in np.ndindex(3, 2):
        plus, minus = model.weight.copy(), model.weight.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        numeric = (lu.mse(X @ plus + model.bias, Y) - lu.mse(X @ minus + model.bias, Y)) / (2 * eps)
        assert gw[i, j] == pytest.approx(float(numeric), rel=1e-6)
    assert gb.shape == (2,)


def test_cross_entropy_multiclass_matches_autograd_and_learns_iris():
    X_train, X_test, y_train, y_test = lu.data.load_iris(seed=0)
    rng = np.random.default_rng(0)
    model = LinearModel(weight=rng.normal(size=(4, 3)), bias=rng.normal(size=3))
    value, gw, gb = loss_and_grad(model, X_train, y_train, "cross_entropy", loss_kwargs={"label_smoothing": 0.1})
    W = torch.tensor(model.weight, requires_grad=True)
    b = torch.tensor(model.bias, requires_grad=True)
    ref = F.cross_entropy(torch.tensor(X_train) @ W + b, torch.tensor(y_train), label_smoothing=0.1)
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-10)
    np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-8, atol=1e-12)

    model, history = fit(
        X_train, y_train, "cross_entropy", n_outputs=3, lr=0.5, epochs=200, metric=accuracy, X_val=X_test, y_val=y_test
    )
    assert history.metric[-1] > 0.9
    assert history.val_metric[-1] > 0.85
    assert model.predict(X_test).shape == (len(X_test), 3)
    assert set(np.unique(model.predict_class(X_test))) <= {0, 1, 2}


def test_hinge_classifier_predicts_plus_minus_one():
    X, y = lu.data.two_blobs(n=100, seed=0)
    t = 2 * y - 1
    model, history = fit(X, t, "hinge", lr=0.1, epochs=50, metric=accuracy)
    assert model.classes == (-1, 1)
    assert model.threshold == 0.0
    assert set(np.unique(model.predict_class(X))) <= {-1, 1}
    assert history.metric[-1] > 0.9


def test_logistic_regression_with_logits_thresholds_scores_at_zero():
    X, y = lu.data.two_blobs(n=100, seed=1)
    model, history = fit(X, y.astype(float), "binary_cross_entropy_with_logits", lr=0.5, epochs=100, metric=accuracy)
    assert model.threshold == 0.0
    assert history.metric[-1] > 0.9


def test_classes_and_thresholds_set_by_fit():
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    y = np.array([0, 1, 0, 1])
    sig, _ = fit(X, y, "mse", link="sigmoid", lr=1.0, epochs=50)
    assert (sig.classes, sig.threshold) == ((0, 1), 0.5)
    reg, _ = fit(X, 2 * y - 1, "mse", lr=0.1, epochs=50)
    assert (reg.classes, reg.threshold) == ((-1, 1), 0.0)  # the midpoint of the labels
    np.testing.assert_array_equal(reg.predict_class(X), 2 * y - 1)
    np.testing.assert_array_equal(sig.predict_class(X), y)
    assert accuracy(sig, X, y) == 1.0


def test_quantile_loss_option_reaches_the_quantile():
    y = lu.data.skewed_sample(n=400, seed=0)
    X = np.zeros((len(y), 1))  # only the bias can learn: the best constant
    model, _ = fit(X, y, "quantile", loss_kwargs={"q": 0.9}, lr=0.5, epochs=1000)
    assert np.mean(y <= model.bias) == pytest.approx(0.9, abs=0.005)
    assert model.bias == pytest.approx(np.quantile(y, 0.9), abs=0.01)


def test_metric_and_custom_loss_pair():
    X, y = regression_data()
    calls = []

    def metric(model, data_X, data_y):
        calls.append(len(data_X))
        return float(lu.mae(model.predict(data_X), data_y))

    _, history = fit(X, y, (lu.mse, lu.mse_grad), epochs=4, metric=metric, X_val=X[:5], y_val=y[:5])
    assert calls == [80, 5] * 4
    assert len(history.metric) == len(history.val_metric) == 4
    assert set(history.as_dict()) == {"loss", "val_loss", "metric", "val_metric"}


def test_one_dimensional_features_are_one_column():
    x = np.linspace(-1, 1, 20)
    model, _ = fit(x, 3 * x - 1, "mse", lr=0.3, epochs=300)
    assert model.weight.shape == (1,)
    assert model.weight[0] == pytest.approx(3.0, abs=1e-6)
    np.testing.assert_allclose(model.predict(x), 3 * x - 1, atol=1e-6)


def test_divergence_stops_early_without_warnings():
    X, y = regression_data()
    _, history = fit(X * 100, y, "mse", lr=10.0, epochs=500)
    assert history.diverged
    assert len(history.loss) < 500
    assert not np.isfinite(history.loss[-1]) or not np.all(np.isfinite(history.weights[-1]))


def test_resolve_loss():
    assert resolve_loss("mse")[:2] == (lu.mse, lu.mse_grad)
    with pytest.raises(ValueError, match=re.escape("loss must name a lossutils loss (mse, mae,")):
        resolve_loss("sigmoid")
    with pytest.raises(TypeError, match="loss must be a lossutils loss name or a"):
        resolve_loss(3)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"y": np.zeros(5)},
            ValueError,
            "X and y must have the same number of samples; got X.shape=(4, 2), y.shape=(5,)",
        ),
        (
            {"X": np.zeros((4, 2, 1))},
            ValueError,
            "X must be a 2-D array (n_samples, n_features); got X.shape=(4, 2, 1)",
        ),
        ({"X": np.full((4, 2), np.nan)}, ValueError, "X contains NaN or infinite values"),
        ({"X": np.array([["a", "b"]] * 4)}, TypeError, "X must hold real numbers; got dtype <U1"),
        ({"lr": 0.0}, ValueError, "lr must be > 0 and finite, got 0.0"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"epochs": 2.5}, ValueError, "epochs must be a positive integer, got 2.5"),
        ({"batch_size": 0}, ValueError, "batch_size must be None or a positive integer, got 0"),
        ({"momentum": 1.0}, ValueError, "momentum must lie in [0, 1), got 1.0"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay must be >= 0 and finite, got -1.0"),
        ({"link": "relu"}, ValueError, "link must be None or 'sigmoid', got 'relu'"),
        ({"n_outputs": 0}, ValueError, "n_outputs must be a positive integer, got 0"),
        ({"X_val": np.zeros((2, 2))}, ValueError, "X_val and y_val must be given together"),
        ({"X_val": np.zeros((2, 3)), "y_val": np.zeros(2)}, ValueError, "X_val must have 2 features (columns)"),
        ({"loss_kwargs": [1]}, TypeError, "loss_kwargs must be a dict of loss options, got list"),
        ({"metric": 3}, TypeError, "metric must be a callable metric(model, X, y), got int"),
    ],
)
def test_fit_validates_inputs(kwargs, error, message):
    args = {"X": np.zeros((4, 2)), "y": np.zeros(4)}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=re.escape(message)):
        fit(X, y, epochs=args.pop("epochs", 2), **args)


def test_loss_errors_surface_with_the_loss_message():
    with pytest.raises(ValueError, match=re.escape("pred and target must have the same shape")):
        fit(np.zeros((4, 2)), np.zeros((4, 3)), "mse", n_outputs=2, epochs=1)


def test_model_validates_feature_count_and_history_defaults():
    model = LinearModel(weight=np.zeros(3), bias=0.0)
    with pytest.raises(ValueError, match=re.escape("X must have 3 features (columns); got X.shape=(2, 2)")):
        model.predict(np.zeros((2, 2)))
    assert History().as_dict() == {}


def test_fit_starts_from_given_init() -> None:
    X = np.array([[-1.0], [0.5], [2.0]])
    y = np.array([0.0, 1.0, 1.0])
    w0, b0 = np.array([-3.0]), np.array(0.5)
    _, history = fit(X, y, "mse", link="sigmoid", lr=0.1, epochs=1, init=(w0, b0))
    expected_initial = float(np.mean((1 / (1 + np.exp(-(X[:, 0] * w0[0] + b0))) - y) ** 2))
    assert history.initial_loss == pytest.approx(expected_initial, rel=1e-12)
    assert w0[0] == -3.0  # the caller's arrays are not modified
    with pytest.raises(ValueError, match=re.escape("init must have shapes weight (1,) and bias ()")):
        fit(X, y, "mse", init=(np.zeros(2), 0.0))


def multilabel_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=200, n_features=8, n_classes=4, random_state=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), Y


@pytest.mark.parametrize("name", ["multilabel_soft_margin", "multilabel_margin"])
def test_multilabel_loss_and_grad_match_autograd(name):
    X, Y = multilabel_data()
    rng = np.random.default_rng(1)
    model = LinearModel(weight=rng.normal(size=(8, 4)), bias=rng.normal(size=4), multilabel=True)
    kwargs = {"target_format": "multi_hot"} if name == "multilabel_margin" else {}
    value, gw, gb = loss_and_grad(model, X, Y, name, loss_kwargs=kwargs)
    W = torch.tensor(model.weight, requires_grad=True)
    b = torch.tensor(model.bias, requires_grad=True)
    scores = torch.tensor(X) @ W + b
    if name == "multilabel_margin":
        padded = torch.tensor([list(np.flatnonzero(row)) + [-1] * (4 - row.sum()) for row in Y])
        ref = F.multilabel_margin_loss(scores, padded)
    else:
        ref = F.multilabel_soft_margin_loss(scores, torch.tensor(Y, dtype=torch.float64))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-10)
    np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_multilabel_soft_margin_model_says_yes_or_no_per_label():
    X, Y = multilabel_data()
    model, history = fit(X, Y, "multilabel_soft_margin", n_outputs=4, lr=1.0, epochs=200)
    assert model.multilabel
    assert model.threshold == 0.0
    assert history.loss[-1] < history.initial_loss
    predicted = model.predict_class(X)
    assert predicted.shape == Y.shape
    assert set(np.unique(predicted)) <= {0, 1}
    np.testing.assert_array_equal(predicted, (model.decision_function(X) >= 0).astype(int))
    assert np.mean(predicted == Y) > max(np.mean(Y), 1 - np.mean(Y)) + 0.1  # beats the best constant answer
    model.threshold = np.array([0.0, 1e9, -1e9, 0.0])  # one threshold per label
    predicted = model.predict_class(X)
    assert predicted[:, 1].sum() == 0
    assert predicted[:, 2].sum() == len(X)


def test_multilabel_margin_model_ranks_but_has_no_threshold():
    from sklearn.metrics import label_ranking_average_precision_score

    X, Y = multilabel_data()
    padded = np.array([list(np.flatnonzero(row)) + [-1] * (4 - row.sum()) for row in Y])
    model, history = fit(X, padded, "multilabel_margin", n_outputs=4, lr=1.0, epochs=200)
    same, _ = fit(
        X, Y, "multilabel_margin", n_outputs=4, lr=1.0, epochs=200, loss_kwargs={"target_format": "multi_hot"}
    )
    np.testing.assert_allclose(same.weight, model.weight)  # the two target formats train the same model
    assert history.loss[-1] < 0.5 * history.initial_loss
    assert label_ranking_average_precision_score(Y, model.decision_function(X)) > 0.9
    assert model.multilabel
    assert model.threshold is None
    with pytest.raises(ValueError, match=re.escape("this model has no threshold: its loss ranks the labels")):
        model.predict_class(X)
    model.threshold = 0.0
    assert model.predict_class(X).shape == Y.shape


@pytest.mark.parametrize(
    ("loss", "kwargs", "message"),
    [
        (
            "multilabel_soft_margin",
            {"n_outputs": 3},
            "loss 'multilabel_soft_margin' needs one score per label: n_outputs must be the number of labels, "
            "y.shape[1]; got n_outputs=3, y.shape=(200, 4)",
        ),
        (
            "multilabel_margin",
            {"n_outputs": 4, "loss_kwargs": {"target_format": "lists"}},
            "fit needs y as an array (n_samples, n_labels), not lists of labels",
        ),
        ("hinge_embedding", {}, "loss 'hinge_embedding' takes a distance d >= 0 between the two items of a pair"),
    ],
)
def test_fit_rejects_what_a_linear_model_cannot_train_with_these_losses(loss, kwargs, message):
    X, Y = multilabel_data()
    with pytest.raises(ValueError, match=re.escape(message)):
        fit(X, Y, loss, epochs=1, **kwargs)
