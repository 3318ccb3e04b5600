"""A small, readable training loop for linear models, driven by lossutils' own gradients.

The book's experiments train the simplest model that can show what a loss does: a linear
model, ``scores = X @ W + b``, optionally followed by a sigmoid. :func:`fit` runs gradient
descent with the analytic gradient ``name_grad`` of a lossutils loss and the chain rule, and
records the training loss at the end of every epoch. Everything is deterministic under a seed.

Examples
--------
>>> import numpy as np
>>> from lossutils.train import fit
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
>>> y = 2 * X[:, 0] + 1
>>> model, history = fit(X, y, loss="mse", lr=0.1, epochs=500)
>>> round(float(model.weight[0]), 4), round(float(model.bias), 4)
(2.0, 1.0)
>>> history.loss[0] > history.loss[-1]
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from . import registry
from ._validation import check_in_range, check_positive
from .activations import sigmoid

__all__ = ["History", "LinearModel", "fit", "loss_and_grad", "resolve_loss"]

LossFn = Callable[..., Any]
LossSpec = str | tuple[LossFn, LossFn]
Link = Literal["sigmoid"] | None


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _as_features(X: ArrayLike, name: str, n_features: int | None = None) -> np.ndarray:
    """``X`` as a float64 ``(n_samples, n_features)`` array; a 1-D array is one feature."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 1 and (n_features is None or n_features == 1):
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features); got {name}.shape={arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (columns); got {name}.shape={arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


@dataclass
class LinearModel:
    """A linear model ``scores = X @ weight + bias``, with an optional sigmoid link.

    Attributes
    ----------
    weight : numpy.ndarray
        ``(n_features,)`` for one output, ``(n_features, n_outputs)`` otherwise.
    bias : float or numpy.ndarray
        A float for one output, ``(n_outputs,)`` otherwise.
    link : {None, 'sigmoid'}
        Applied by :meth:`predict` (element-wise).
    threshold : float, numpy.ndarray or None
        One output: :meth:`predict_class` returns ``classes[1]`` where ``predict(X) >=
        threshold``. :func:`fit` sets it (0.5 after a sigmoid, 0 for score losses such as hinge,
        the midpoint of the two labels for a regression loss on labels). A multi-label model
        applies it to every label (an array of shape ``(n_outputs,)`` gives each label its
        own); None where the loss learnt no threshold (``multilabel_margin`` only ranks).
    classes : tuple
        The two labels of a one-output classifier, low then high.
    multilabel : bool
        Whether each output is a label of its own (a multi-label classifier, e.g. trained with
        ``multilabel_soft_margin``): :meth:`predict_class` then says yes or no per label.

    Examples
    --------
    >>> m = LinearModel(weight=np.array([2.0]), bias=-1.0, link="sigmoid", threshold=0.5)
    >>> m.decision_function([[0.0], [1.0]]).tolist()
    [-1.0, 1.0]
    >>> m.predict_class([[0.0], [1.0]]).tolist()
    [0, 1]
    """

    weight: np.ndarray
    bias: float | np.ndarray
    link: Link = None
    threshold: float | np.ndarray | None = 0.0
    classes: tuple[Any, Any] = (0, 1)
    multilabel: bool = False

    @property
    def n_features(self) -> int:
        return int(self.weight.shape[0])

    @property
    def n_outputs(self) -> int:
        return 1 if self.weight.ndim == 1 else int(self.weight.shape[1])

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Scores ``X @ weight + bias``: ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        return np.asarray(_as_features(X, "X", self.n_features) @ self.weight + self.bias)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Scores with the link applied (probabilities after a sigmoid link)."""
        scores = self.decision_function(X)
        return sigmoid(scores) if self.link == "sigmoid" else scores

    def predict_class(self, X: ArrayLike) -> np.ndarray:
        """Predicted classes: the arg-max of the scores for several outputs; for one output,
        ``classes[1]`` where ``predict(X) >= threshold`` and ``classes[0]`` elsewhere; for a
        multi-label model, a 0/1 matrix ``(n_samples, n_outputs)``: 1 for every label whose
        ``predict(X)`` reaches the threshold."""
        if self.threshold is None:
            raise ValueError(
                "this model has no threshold: its loss ranks the labels of a sample but does not say where "
                "they end (multilabel_margin); set model.threshold, e.g. chosen on validation data"
            )
        if self.multilabel:
            return np.asarray(self.predict(X) >= self.threshold).astype(np.int64)
        if self.n_outputs > 1:
            return np.asarray(np.argmax(self.decision_function(X), axis=1))
        return np.asarray(np.where(self.predict(X) >= self.threshold, self.classes[1], self.classes[0]))


@dataclass
class History:
    """What :func:`fit` records, one entry per epoch.

    Attributes
    ----------
    epochs : list of int
        1, 2, ...: the epoch after which each entry was recorded.
    loss : list of float
        The training loss on the FULL training set at the end of each epoch, computed with
        that epoch's final weights (without the weight-decay penalty).
    val_loss : list of float
        The same on ``(X_val, y_val)``, if given.
    metric, val_metric : list of float
        ``metric(model, X, y)`` on the training and validation sets, if a metric was given.
    weights, biases : list
        Copies of the weights and bias at the end of each epoch.
    initial_loss : float
        The training loss before the first update (epoch 0).
    diverged : bool
        True if the loss or the weights stopped being finite; training then stopped early.
    """

    epochs: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    biases: list[Any] = field(default_factory=list)
    initial_loss: float = math.nan
    diverged: bool = False

    def as_dict(self) -> dict[str, list[float]]:
        """The recorded series that are not empty, e.g. for a table or a plot."""
        series = {"loss": self.loss, "val_loss": self.val_loss, "metric": self.metric, "val_metric": self.val_metric}
        return {name: values for name, values in series.items() if values}


def resolve_loss(loss: LossSpec) -> tuple[LossFn, LossFn, str | None]:
    """Return ``(loss_fn, grad_fn, name)`` for a lossutils loss name or a ``(fn, grad_fn)`` pair.

    Names are looked up in :data:`lossutils.registry.LOSSES`. A loss that needs an input
    besides the prediction and the target (``gaussian_nll``: a predicted variance) is a
    ValueError: the linear model predicts one number per output. ``poisson_nll`` trains as it
    is, the linear scores being log-rates (Poisson regression). A loss of label sequences (kind
    ``'sequence'``: ``ctc``) is a ValueError too, since a linear model's one score per sample
    cannot feed it; and so is a loss that compares (kinds ``'ranking'``, ``'pair'``,
    ``'triplet'``, ``'embeddings'``: ``margin_ranking``, ``contrastive``, ``info_nce``, ...),
    which takes two or three inputs per sample, with a message that says what to train instead;
    and so is a loss that holds the output layer itself (kinds ``'features'`` and
    ``'clustered_features'``: ``linear_cross_entropy``, ``adaptive_log_softmax``), whose scores
    fit's linear model would compute.

    Examples
    --------
    >>> fn, grad, name = resolve_loss("mse")
    >>> name, fn.__name__, grad.__name__
    ('mse', 'mse', 'mse_grad')
    """
    if isinstance(loss, str):
        entry = registry.get(loss, argument="loss")
        if entry.kind == "mean_and_variance":
            raise ValueError(
                f"loss {loss!r} needs a predicted variance besides the predictions and targets, but the linear "
                "model predicts one number per output: train a mean and a variance with torch "
                "(torch.nn.GaussianNLLLoss), or pass a (loss_fn, grad_fn) pair that fixes the variance"
            )
        if entry.kind == "sequence":
            raise ValueError(
                f"loss {loss!r} is a loss of label sequences (log-probabilities per frame, targets and lengths): "
                "the linear model of lossutils.train gives one score per sample and cannot feed it; "
                "train a sequence model (in torch, say) instead"
            )
        if entry.kind in _COMPARING:
            raise ValueError(f"loss {loss!r} {_COMPARING[entry.kind]}")
        if entry.kind in _OUTPUT_LAYER:
            raise ValueError(f"loss {loss!r} {_OUTPUT_LAYER[entry.kind]}")
        return entry.fn, entry.grad, loss
    if isinstance(loss, tuple) and len(loss) == 2 and callable(loss[0]) and callable(loss[1]):
        return loss[0], loss[1], None
    raise TypeError(f"loss must be a lossutils loss name or a (loss_fn, grad_fn) pair; got {type(loss).__name__}")


def _loss_value(
    weight: np.ndarray,
    bias: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    fn: LossFn,
    link: Link,
    options: Mapping[str, Any],
) -> float:
    """Loss of the linear model on ``(X, y)``."""
    scores = X @ weight + bias
    return float(fn(sigmoid(scores) if link == "sigmoid" else scores, y, **options))


def _forward_backward(
    weight: np.ndarray,
    bias: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    fn: LossFn,
    grad_fn: LossFn,
    link: Link,
    options: Mapping[str, Any],
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss of the linear model on ``(X, y)`` and its gradient with respect to weight and bias."""
    scores = X @ weight + bias
    pred = sigmoid(scores) if link == "sigmoid" else scores
    value = float(fn(pred, y, **options))
    d_pred = np.asarray(grad_fn(pred, y, **options), dtype=np.float64)  # dL/d(prediction)
    d_scores = d_pred * pred * (1.0 - pred) if link == "sigmoid" else d_pred  # chain rule through σ
    return value, X.T @ d_scores, d_scores.sum(axis=0)


def loss_and_grad(
    model: LinearModel,
    X: ArrayLike,
    y: ArrayLike,
    loss: LossSpec = "mse",
    *,
    loss_kwargs: Mapping[str, Any] | None = None,
) -> tuple[float, np.ndarray, float | np.ndarray]:
    """The loss of ``model`` on ``(X, y)`` and its gradient with respect to the weight and bias.

    This is the step :func:`fit` repeats: the loss's analytic gradient with respect to the
    predictions, through the link (chain rule), back to the parameters:
    :math:`\\partial L/\\partial W = X^\\top\\, \\partial L/\\partial s`,
    :math:`\\partial L/\\partial b = \\sum_i \\partial L/\\partial s_i`.

    Returns
    -------
    loss : float
    grad_weight : numpy.ndarray
        Shaped like ``model.weight``.
    grad_bias : float or numpy.ndarray
        Shaped like ``model.bias``.

    Examples
    --------
    >>> m = LinearModel(weight=np.array([0.0]), bias=0.0)
    >>> value, gw, gb = loss_and_grad(m, [[1.0], [2.0]], [1.0, 2.0], "mse")
    >>> value, gw.tolist(), gb  # d/dw mean((w x - y)^2) = mean(2 (w x - y) x) = -5 at w = 0
    (2.5, [-5.0], -3.0)
    """
    fn, grad_fn, _ = resolve_loss(loss)
    features = _as_features(X, "X", model.n_features)
    targets = np.asarray(y)
    value, gw, gb = _forward_backward(
        np.asarray(model.weight, dtype=np.float64),
        np.asarray(model.bias, dtype=np.float64),
        features,
        targets,
        fn,
        grad_fn,
        model.link,
        dict(loss_kwargs or {}),
    )
    return value, gw, float(gb) if gb.ndim == 0 else gb


#: Why the linear model cannot train a loss that compares, and what to do instead, by kind.
_COMPARING = {
    "ranking": (
        "compares the scores of two items (x1, x2) per sample, where fit's linear model gives one score per "
        "sample; a linear ranker scores both items with the same weights, and since only x1 - x2 counts, "
        "fit(X1 - X2, target, 'hinge', loss_kwargs={'margin': margin}) trains it, X1 and X2 holding the "
        "features of the two items"
    ),
    "pair": (
        "compares the embeddings of two items, where fit's linear model gives one score per sample; train an "
        "embedding network on pairs instead (in torch: torch.nn.CosineEmbeddingLoss, lossutils.nn.ContrastiveLoss)"
    ),
    "triplet": (
        "compares the embeddings of an anchor, a positive and a negative, where fit's linear model gives one "
        "score per sample; train an embedding network on triplets instead (in torch: torch.nn.TripletMarginLoss)"
    ),
    "embeddings": (
        "compares a batch of query embeddings with key embeddings, where fit's linear model gives one score per "
        "sample; train an embedding network instead (in torch: lossutils.nn.InfoNCELoss)"
    ),
}

#: Why the linear model cannot train a loss that holds the output layer itself, and what to do instead.
_OUTPUT_LAYER = {
    "features": (
        "takes hidden features and the output layer's weight, where fit passes the scores of its linear model; "
        "fit(X, y, 'cross_entropy') trains the same model and loss (linear_cross_entropy is cross_entropy of "
        "X @ W.T + b, computed in vocabulary chunks)"
    ),
    "clustered_features": (
        "takes hidden features and the weights of an adaptive softmax, where fit passes the scores of its linear "
        "model; fit(X, y, 'cross_entropy') trains a full softmax, and torch.nn.AdaptiveLogSoftmaxWithLoss an "
        "adaptive one"
    ),
}

#: Multi-label losses that only rank the labels of a sample (adding a constant to all its scores
#: changes nothing), so that a model trained with them learns no threshold between labels and the rest.
_RANKING_ONLY = ("multilabel_margin",)


def _classes_and_threshold(y: np.ndarray, link: Link, name: str | None) -> tuple[tuple[Any, Any], float | None]:
    labels = np.unique(y) if y.ndim == 1 else np.array([])
    classes: tuple[Any, Any] = (labels[0].item(), labels[1].item()) if labels.size == 2 else (0, 1)
    if link == "sigmoid":
        return classes, 0.5
    if name in _RANKING_ONLY:
        return classes, None
    if name is not None and registry.get(name).kind == "multilabel":  # a logit per label: the boundary is 0
        return classes, 0.0
    if name is not None and registry.get(name).kind in ("logit", "margin"):  # a score: the boundary is 0
        return classes, 0.0
    return classes, 0.5 * (classes[0] + classes[1])


def fit(
    X: ArrayLike,
    y: ArrayLike,
    loss: LossSpec = "mse",
    *,
    n_outputs: int = 1,
    link: Link = None,
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    seed: int | np.random.Generator | None = 0,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    loss_kwargs: Mapping[str, Any] | None = None,
    metric: Callable[[LinearModel, np.ndarray, np.ndarray], float] | None = None,
    init_scale: float = 0.0,
    init: tuple[ArrayLike, ArrayLike] | None = None,
) -> tuple[LinearModel, History]:
    """Train a linear model by gradient descent on a lossutils loss; record the loss per epoch.

    Each step computes the scores ``s = X @ W + b``, the predictions ``p = link(s)``, the
    loss's analytic gradient ``dL/dp = name_grad(p, y, **loss_kwargs)``, the chain rule
    ``dL/ds = dL/dp · σ'(s)`` when ``link="sigmoid"``, then ``dL/dW = Xᵀ dL/ds`` and
    ``dL/db = Σ dL/ds``, and updates ``W ← W − lr·v`` with ``v ← momentum·v + dL/dW + weight_decay·W``
    (the same rule for ``b``, without decay), as :class:`torch.optim.SGD` does.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Features (a 1-D array is read as one feature).
    y : array_like
        Targets in the form the loss expects: ``(n_samples,)`` values or labels, class
        indices for ``cross_entropy``, ``(n_samples, n_outputs)`` for multi-output regression
        and for the multi-label losses (a 0/1 matrix for ``multilabel_soft_margin``; PyTorch's
        padded class indices for ``multilabel_margin``, or a 0/1 matrix with
        ``loss_kwargs={"target_format": "multi_hot"}``). The losses of a distance
        (``hinge_embedding``) are not for a linear model's scores: a ValueError says why.
    loss : str or (callable, callable), default "mse"
        A lossutils loss name (its gradient ``name_grad`` is used), or a pair
        ``(loss_fn, grad_fn)`` with the lossutils signature ``fn(pred, target, **options)``.
    n_outputs : int, default 1
        Number of scores per sample (e.g. the number of classes for ``cross_entropy``, the
        number of labels for a multi-label loss).
    link : {None, 'sigmoid'}, default None
        Applied to the scores before the loss (e.g. MSE on sigmoid outputs, chapter 1).
    lr : float, default 0.1
        Learning rate (> 0).
    epochs : int, default 100
        Passes over the training data.
    batch_size : int, optional
        Full-batch gradient descent when None; otherwise minibatches of this size, in an
        order shuffled every epoch by ``np.random.default_rng(seed)``.
    momentum : float in [0, 1), default 0
        Heavy-ball momentum.
    weight_decay : float, default 0
        L2 penalty strength on ``W`` (not on ``b``); added to the gradient.
    seed : int or numpy.random.Generator, default 0
        Seeds the shuffling and the initial weights: same seed, same result.
    X_val, y_val : array_like, optional
        Validation data; its loss is recorded in ``history.val_loss``.
    loss_kwargs : dict, optional
        Options of the loss, e.g. ``{"delta": 0.5}``, ``{"q": 0.9}``, ``{"weight": w}``.
    metric : callable, optional
        ``metric(model, X, y) -> float`` recorded each epoch (e.g. :func:`accuracy`).
    init_scale : float, default 0
        Initial weights are ``init_scale`` times standard normal draws (zeros by default);
        biases start at 0.
    init : (weight, bias), optional
        Start from these weights instead (shapes ``(n_features,)`` and ``()`` when
        ``n_outputs == 1``, else ``(n_features, n_outputs)`` and ``(n_outputs,)``); for
        example a deliberately bad start. Overrides ``init_scale``; the inputs are copied.

    Returns
    -------
    model : LinearModel
        The trained model.
    history : History
        Loss (and metric) per epoch; see :class:`History`.

    Examples
    --------
    Logistic regression on two points, with the loss recorded per epoch:

    >>> model, history = fit([[-1.0], [1.0]], [0.0, 1.0], "mse", link="sigmoid", lr=1.0, epochs=50)
    >>> model.predict_class([[-2.0], [2.0]]).tolist()
    [0.0, 1.0]
    >>> len(history.loss), history.loss[-1] < history.initial_loss
    (50, True)
    """
    fn, grad_fn, name = resolve_loss(loss)
    kind = None if name is None else registry.get(name).kind
    if kind == "distance":
        raise ValueError(
            f"loss {name!r} takes a distance d >= 0 between the two items of a pair, not the score of a linear "
            "model (for a similar pair the loss is d itself, which a score would push to -inf); train an "
            "embedding and feed the loss the distances between embeddings instead"
        )
    if kind == "multilabel" and isinstance(loss_kwargs, Mapping) and loss_kwargs.get("target_format") == "lists":
        raise ValueError(
            "fit needs y as an array (n_samples, n_labels), not lists of labels: pass a 0/1 matrix with "
            "loss_kwargs={'target_format': 'multi_hot'}, or PyTorch's padded class indices"
        )
    features = _as_features(X, "X")
    targets = np.asarray(y)
    n, d = features.shape
    if targets.ndim == 0 or targets.shape[0] != n:
        raise ValueError(
            f"X and y must have the same number of samples; got X.shape={features.shape}, y.shape={targets.shape}"
        )
    if not _is_int(n_outputs) or n_outputs < 1:
        raise ValueError(f"n_outputs must be a positive integer, got {n_outputs!r}")
    if link not in (None, "sigmoid"):
        raise ValueError(f"link must be None or 'sigmoid', got {link!r}")
    check_positive(lr, "lr")
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
        raise ValueError(f"batch_size must be None or a positive integer, got {batch_size!r}")
    check_in_range(momentum, "momentum", 0.0, 1.0, low_inclusive=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    check_positive(init_scale, "init_scale", allow_zero=True)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if loss_kwargs is not None and not isinstance(loss_kwargs, Mapping):
        raise TypeError(f"loss_kwargs must be a dict of loss options, got {type(loss_kwargs).__name__}")
    if metric is not None and not callable(metric):
        raise TypeError(f"metric must be a callable metric(model, X, y), got {type(metric).__name__}")
    options = dict(loss_kwargs or {})
    if kind == "multilabel" and (targets.ndim != 2 or targets.shape[1] != n_outputs):
        raise ValueError(
            f"loss {name!r} needs one score per label: n_outputs must be the number of labels, "
            f"y.shape[1]; got n_outputs={n_outputs!r}, y.shape={targets.shape}"
        )
    validation = None
    if X_val is not None:
        val_features = _as_features(X_val, "X_val", d)
        val_targets = np.asarray(y_val)
        if val_targets.ndim == 0 or val_targets.shape[0] != val_features.shape[0]:
            raise ValueError(
                "X_val and y_val must have the same number of samples; "
                f"got X_val.shape={val_features.shape}, y_val.shape={val_targets.shape}"
            )
        validation = (val_features, val_targets)

    rng = np.random.default_rng(seed)
    shape = (d,) if n_outputs == 1 else (d, n_outputs)
    weight = init_scale * rng.standard_normal(shape) if init_scale > 0 else np.zeros(shape)
    bias = np.zeros(()) if n_outputs == 1 else np.zeros(n_outputs)
    if init is not None:
        if not isinstance(init, tuple) or len(init) != 2:
            raise TypeError(f"init must be a (weight, bias) pair, got {type(init).__name__}")
        init_w = np.array(init[0], dtype=np.float64)
        init_b = np.array(init[1], dtype=np.float64)
        if init_w.shape != weight.shape or init_b.shape != bias.shape:
            raise ValueError(
                f"init must have shapes weight {weight.shape} and bias {bias.shape}; "
                f"got weight {init_w.shape} and bias {init_b.shape}"
            )
        weight, bias = init_w, init_b
    velocity_w, velocity_b = np.zeros_like(weight), np.zeros_like(bias)
    classes, threshold = _classes_and_threshold(targets, link, name)

    def snapshot() -> LinearModel:
        b = float(bias) if bias.ndim == 0 else bias.copy()
        return LinearModel(
            weight=weight.copy(),
            bias=b,
            link=link,
            threshold=threshold,
            classes=classes,
            multilabel=kind == "multilabel",
        )

    def evaluate(data_X: np.ndarray, data_y: np.ndarray) -> float:
        return _loss_value(weight, bias, data_X, data_y, fn, link, options)

    history = History()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history.initial_loss = evaluate(features, targets)
        for epoch in range(1, epochs + 1):
            batches = (
                [np.arange(n)]
                if batch_size is None
                else np.array_split(rng.permutation(n), range(batch_size, n, batch_size))
            )
            for batch in batches:
                _, grad_w, grad_b = _forward_backward(
                    weight, bias, features[batch], targets[batch], fn, grad_fn, link, options
                )
                velocity_w = momentum * velocity_w + grad_w + weight_decay * weight
                velocity_b = momentum * velocity_b + grad_b
                weight = weight - lr * velocity_w
                bias = bias - lr * velocity_b
            model = snapshot()
            history.epochs.append(epoch)
            history.loss.append(evaluate(features, targets))
            history.weights.append(model.weight)
            history.biases.append(model.bias)
            if validation is not None:
                history.val_loss.append(evaluate(*validation))
            if metric is not None:
                history.metric.append(float(metric(model, features, targets)))
                if validation is not None:
                    history.val_metric.append(float(metric(model, *validation)))
            finite = np.all(np.isfinite(weight)) and np.all(np.isfinite(bias)) and math.isfinite(history.loss[-1])
            if not finite:
                history.diverged = True
                break
    return snapshot(), history
