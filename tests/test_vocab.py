"""Tests of lossutils.vocab, the losses over a huge vocabulary.

``linear_cross_entropy`` runs the common checks of tests/test_common.py (kind "features"); here,
what is specific to it: every chunk size (dividing V or not, and >= V) against
``F.linear_cross_entropy`` and against the dense cross-entropy, with every option, the bias, the
all-ignored batch, and a peak memory far below that of the (N, V) logits.

The adaptive softmax takes a list of pairs of tail weights and keyword cutoffs, which the generic
checks cannot build: each common check runs here (:data:`COMMON_CHECKS`, which test_common checks),
against ``nn.AdaptiveLogSoftmaxWithLoss`` with the same weights, on Zipfian targets that reach the
head and every cluster, and on a batch that leaves a cluster empty. Then its full distribution
(``adaptive_log_prob`` = the module's ``log_prob``), the brute-force reference of
tests/references.py, and the cards' Hessians.
"""

from __future__ import annotations

import inspect
import re
import tracemalloc
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from references import REFERENCES
from test_common import EXTREME, TORCH_FORMULA

import lossutils as lu
from lossutils.registry import LOSSES

REDUCTIONS = ("mean", "sum", "none")

# -- linear cross-entropy ---------------------------------------------------------------------------

N, D, V = 9, 4, 21
CHUNKS = [1, 3, 7, 4, 10, 21, 100]  # dividing V = 21, not dividing it, V itself and beyond
LCE_OPTIONS: list[dict[str, Any]] = [
    {},
    {"label_smoothing": 0.3},
    {"weight": np.linspace(0.2, 3.0, V)},
    {"ignore_index": 5},
    {"weight": np.linspace(3.0, 0.2, V), "label_smoothing": 0.1, "ignore_index": 0},
]


def lce_inputs(dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(17)
    h, W, b = 2 * rng.normal(size=(N, D)), rng.normal(size=(V, D)), rng.normal(size=V)
    y = rng.integers(0, V, size=N)
    y[[1, 4]] = 5  # twice the ignore_index 5 of an option
    y[2] = 0
    return h.astype(dtype), W.astype(dtype), b.astype(dtype), y


def torch_lce(h, W, b, y, reduction, **options):
    """F.linear_cross_entropy's value and autograd gradients w.r.t. input, weight and (if given) bias."""
    th, tW = torch.tensor(h, requires_grad=True), torch.tensor(W, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    opts = {k: torch.tensor(v, dtype=th.dtype) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    out = F.linear_cross_entropy(th, tW, torch.from_numpy(y), linear_bias=tb, reduction=reduction, **opts)
    out.sum().backward()
    grads = [th.grad, tW.grad] + ([] if tb is None else [tb.grad])
    return out.detach().numpy(), [g.numpy() for g in grads]


def dense_lce(h, W, b, y, reduction, **options):
    """lossutils.cross_entropy on the logits built in full, and the chain rule by hand."""
    z = h @ W.T + b
    value = lu.cross_entropy(z, y, reduction=reduction, **options)
    g = lu.cross_entropy_grad(z, y, reduction=reduction, **options)
    return value, [g @ W, g.T @ h, g.sum(axis=0)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", LCE_OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_chunk_size_matches_torch_and_the_dense_loss(reduction: str, options: dict, dtype: type) -> None:
    h, W, b, y = lce_inputs(dtype)
    opts = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 1e-6}
    ref_value, ref_grads = torch_lce(h, W, b, y, reduction, **opts)
    dense_value, dense_grads = dense_lce(h, W, b, y, reduction, **opts)
    for chunk_size in CHUNKS:
        value = lu.linear_cross_entropy(h, W, y, linear_bias=b, reduction=reduction, chunk_size=chunk_size, **opts)
        grads = lu.linear_cross_entropy_grad(h, W, y, linear_bias=b, reduction=reduction, chunk_size=chunk_size, **opts)
        assert value.dtype == dtype
        assert all(g.dtype == dtype for g in grads)
        assert len(grads) == 3
        np.testing.assert_allclose(value, ref_value, **tol, err_msg=str(chunk_size))
        np.testing.assert_allclose(value, dense_value, **tol, err_msg=str(chunk_size))
        for grad, ref_grad, dense_grad in zip(grads, ref_grads, dense_grads, strict=True):
            np.testing.assert_allclose(grad, ref_grad, **tol, err_msg=str(chunk_size))
            np.testing.assert_allclose(grad, dense_grad, **tol, err_msg=str(chunk_size))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_an_all_ignored_batch_is_nan_for_the_mean_and_has_zero_gradients(reduction: str) -> None:
    h, W, b, _ = lce_inputs()
    y = np.full(N, -100)
    value = lu.linear_cross_entropy(h, W, y, linear_bias=b, reduction=reduction, chunk_size=4)
    grads = lu.linear_cross_entropy_grad(h, W, y, linear_bias=b, reduction=reduction, chunk_size=4)
    ref_value, ref_grads = torch_lce(h, W, b, y, reduction)
    np.testing.assert_array_equal(value, ref_value)  # nan for the mean (0/0), zeros otherwise
    assert np.all(np.isnan(value)) == (reduction == "mean")
    for grad, ref_grad in zip(grads, ref_grads, strict=True):
        np.testing.assert_array_equal(grad, 0.0)
        np.testing.assert_array_equal(ref_grad, 0.0)


def test_without_a_bias_two_gradients_and_one_sample_keeps_its_shape() -> None:
    h, W, _, y = lce_inputs()
    grads = lu.linear_cross_entropy_grad(h, W, y, chunk_size=5)
    _, ref_grads = torch_lce(h, W, None, y, "mean")
    assert len(grads) == 2
    for grad, ref_grad in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
    one = lu.linear_cross_entropy(h[0], W, y[0], reduction="none", chunk_size=5)  # (d,) and (): one loss, ()
    assert one.shape == ()
    np.testing.assert_allclose(one, lu.linear_cross_entropy(h[:1], W, y[:1], reduction="none")[0], rtol=1e-12)
    d_h, d_W = lu.linear_cross_entropy_grad(h[0], W, y[0], chunk_size=5)
    assert d_h.shape == (D,)
    assert d_W.shape == (V, D)
    np.testing.assert_allclose(d_h, lu.linear_cross_entropy_grad(h[:1], W, y[:1])[0][0], rtol=1e-12)


def test_float32_keeps_its_digits_at_logits_of_1e4() -> None:
    # LSE - z is (m - z) + log s: with m + log s first, float32 would round log s to a thousandth at 1e4
    h, W, y = (a.astype(np.float32) if a.dtype.kind == "f" else a for a in EXTREME["features"])
    for reduction in REDUCTIONS:
        value = lu.linear_cross_entropy(h, W, y, reduction=reduction, chunk_size=2)
        grads = lu.linear_cross_entropy_grad(h, W, y, reduction=reduction, chunk_size=2)
        ref_value, ref_grads = torch_lce(h, W, None, y, reduction)
        np.testing.assert_allclose(value, ref_value, rtol=1e-6)
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-6, atol=1e-6 * np.max(np.abs(ref_grad)))


def test_linear_cross_entropy_in_float16_is_computed_in_float32() -> None:
    h, W, b, y = lce_inputs(np.float16)
    value = lu.linear_cross_entropy(h, W, y, linear_bias=b, chunk_size=4)
    grads = lu.linear_cross_entropy_grad(h, W, y, linear_bias=b, chunk_size=4)
    args32 = [a.astype(np.float32) for a in (h, W, b)]
    expected = lu.linear_cross_entropy(args32[0], args32[1], y, linear_bias=args32[2], chunk_size=4)
    assert value.dtype == np.float16
    assert all(g.dtype == np.float16 for g in grads)
    assert value == expected.astype(np.float16)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"target": np.full((N, V), 1.0 / V)}, ValueError, "class probabilities (9, 21) are as large as the logits"),
        ({"target": np.zeros(N - 1, int)}, ValueError, "target must have shape (N,) = (9,)"),
        ({"target": np.full(N, V)}, ValueError, "target holds class 21 but the vocabulary has 21 classes"),
        ({"linear_weight": np.zeros((V, 2, D))}, ValueError, "linear_weight must have shape (rows, d) with d = 4"),
        ({"linear_weight": np.zeros((V, D + 1))}, ValueError, "linear_weight must have shape (rows, d) with d = 4"),
        ({"input": np.zeros((N, 1, D))}, ValueError, "input must have shape (N, d) or (d,)"),
        ({"linear_bias": np.zeros(V - 1)}, ValueError, "linear_bias must have shape (V,) = (21,)"),
        ({"weight": np.ones(3)}, ValueError, "weight must have shape (C,) = (21,)"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be >= 1, got 0"),
        ({"chunk_size": 2.0}, TypeError, "chunk_size must be an integer, got float"),
        ({"label_smoothing": 1.5}, ValueError, "label_smoothing must lie in [0, 1]"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
@pytest.mark.parametrize("fn", [lu.linear_cross_entropy, lu.linear_cross_entropy_grad], ids=["loss", "grad"])
def test_bad_input_of_linear_cross_entropy(fn: Any, change: dict, error: type, message: str) -> None:
    h, W, _, y = lce_inputs()
    args = {"input": h, "linear_weight": W, "target": y} | change
    with pytest.raises(error, match=re.escape(message)):
        fn(args.pop("input"), args.pop("linear_weight"), args.pop("target"), **args)


def peak_bytes(f: Any) -> int:
    """The peak of memory allocated (NumPy's buffers included) while ``f()`` runs, above what was before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        f()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_the_chunked_loss_never_holds_the_n_by_v_logits() -> None:
    rng = np.random.default_rng(0)
    n, v, d = 64, 50_000, 64
    h, W, y = rng.normal(size=(n, d)), 0.1 * rng.normal(size=(v, d)), rng.integers(0, v, size=n)
    logits_bytes = n * v * 8  # 25.6 MB in float64
    # the measure sees the logits where they are built: the dense loss holds several (N, V) arrays
    assert peak_bytes(lambda: lu.cross_entropy(h @ W.T, y)) > 2 * logits_bytes
    # chunks of 1024 classes: a few (N, 1024) arrays, under a tenth of the logits
    assert peak_bytes(lambda: lu.linear_cross_entropy(h, W, y, chunk_size=1024)) < logits_bytes / 10
    # the gradient holds d_weight (V, d), the size of the weight, and chunks besides
    assert peak_bytes(lambda: lu.linear_cross_entropy_grad(h, W, y, chunk_size=1024)) - W.nbytes < logits_bytes / 4


def test_linear_cross_entropy_hessian_stated_on_the_card() -> None:
    # W^T (diag(p) - p p^T) W, by central differences of the gradient in h (one sample)
    h, W, _, y = lce_inputs()
    h0, y0, step = h[0], y[0], 1e-5
    numeric = np.stack(
        [
            (lu.linear_cross_entropy_grad(h0 + e, W, y0)[0] - lu.linear_cross_entropy_grad(h0 - e, W, y0)[0])
            / (2 * step)
            for e in step * np.eye(D)
        ]
    )
    p = lu.softmax(W @ h0)
    np.testing.assert_allclose(numeric, W.T @ (np.diag(p) - np.outer(p, p)) @ W, rtol=1e-6, atol=1e-8)
    assert "diag}(p) - p p^\\top" in LOSSES["linear_cross_entropy"].card.second_derivative


@pytest.mark.parametrize("name", ["linear_cross_entropy", "adaptive_log_softmax"])
def test_plot_and_fit_reject_the_losses_of_features_and_say_what_to_use(name: str) -> None:
    with pytest.raises(ValueError, match="draw cross_entropy's loss of one logit among the others"):
        lu.plot.loss_curve(name, [0.0, 1.0])
    with pytest.raises(ValueError, match=re.escape("fit(X, y, 'cross_entropy') trains")):
        lu.train.resolve_loss(name)


# -- adaptive softmax ---------------------------------------------------------------------------------

AD_D = 8
CUTOFFS = [3, 6, 9]  # a shortlist of 3 classes, then clusters [3, 6), [6, 9), [9, 12)
AD_V = 12
#: Zipfian targets: mostly the shortlist, then fewer and fewer in each cluster, all reached ...
ZIPF = np.array([0, 0, 0, 0, 1, 1, 2, 0, 1, 3, 4, 5, 6, 8, 9, 11, 0, 2])
#: ... and a batch that leaves the cluster [6, 9) empty
GAP = np.array([0, 1, 2, 0, 3, 5, 10, 11, 0])
TARGETS = {"zipf": ZIPF, "empty_cluster": GAP}


def adaptive_model(dtype: Any = np.float64, bias: bool = False, seed: int = 3) -> dict[str, Any]:
    """The weights of nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 6, 9], div_value=2): tails of 4, 2, 1 units."""
    rng = np.random.default_rng(seed)
    tails = [
        (rng.normal(size=(AD_D // 2 ** (k + 1), AD_D)), rng.normal(size=(3, AD_D // 2 ** (k + 1)))) for k in range(3)
    ]
    model = {
        "head_weight": rng.normal(size=(CUTOFFS[0] + 3, AD_D)).astype(dtype),
        "tail_weights": [(p.astype(dtype), o.astype(dtype)) for p, o in tails],
        "cutoffs": CUTOFFS,
    }
    if bias:
        model["head_bias"] = rng.normal(size=CUTOFFS[0] + 3).astype(dtype)
    return model


def features(n: int, dtype: Any = np.float64, seed: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, AD_D)).astype(dtype)


def flat(grads: tuple) -> list[np.ndarray]:
    """The gradients as a flat list: input, head weight, each tail's projection and output, (bias)."""
    return [grads[0], grads[1], *[w for pair in grads[2] for w in pair], *grads[3:]]


def torch_adaptive(x: np.ndarray, y: np.ndarray, model: dict, reduction: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The module's value (through test_common's TORCH_FORMULA) and its autograd gradients, flat."""
    tx, th = torch.tensor(x, requires_grad=True), torch.tensor(model["head_weight"], requires_grad=True)
    tails = [
        (torch.tensor(p, requires_grad=True), torch.tensor(o, requires_grad=True)) for p, o in model["tail_weights"]
    ]
    tb = torch.tensor(model["head_bias"], requires_grad=True) if "head_bias" in model else None
    out = TORCH_FORMULA["adaptive_log_softmax"](
        tx, torch.from_numpy(y), th, tails, reduction, model["cutoffs"], head_bias=tb
    )
    out.sum().backward()
    tensors = [tx, th, *[w for pair in tails for w in pair], *([tb] if tb is not None else [])]
    return out.detach().numpy(), [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in tensors]


def adaptive(x, y, model, **kwargs):
    return lu.adaptive_log_softmax(x, y, model["head_weight"], model["tail_weights"], **_kw(model), **kwargs)


def adaptive_grad(x, y, model, **kwargs):
    return lu.adaptive_log_softmax_grad(x, y, model["head_weight"], model["tail_weights"], **_kw(model), **kwargs)


def _kw(model: dict) -> dict:
    return {k: v for k, v in model.items() if k in ("cutoffs", "head_bias")}


def test_gradient_takes_the_arguments_of_its_loss() -> None:
    params = inspect.signature(lu.adaptive_log_softmax).parameters
    assert inspect.signature(lu.adaptive_log_softmax_grad).parameters == params
    assert list(params) == ["input", "target", "head_weight", "tail_weights", "cutoffs", "head_bias", "reduction"]
    assert [p.kind for p in params.values()][4:] == [inspect.Parameter.KEYWORD_ONLY] * 3
    assert LOSSES["adaptive_log_softmax"].kind == "clustered_features"


@pytest.mark.parametrize("targets", TARGETS)
@pytest.mark.parametrize("bias", [False, True], ids=["no_bias", "head_bias"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_gradient_match_torch(dtype: type, reduction: str, bias: bool, targets: str) -> None:
    y = TARGETS[targets]
    model, x = adaptive_model(dtype, bias), features(len(y), dtype)
    value, grads = adaptive(x, y, model, reduction=reduction), flat(adaptive_grad(x, y, model, reduction=reduction))
    ref_value, ref_grads = torch_adaptive(x, y, model, reduction)
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 1e-6}
    assert np.shape(value) == ref_value.shape
    np.testing.assert_allclose(value, ref_value, **tol)
    assert len(grads) == len(ref_grads) == 8 + bias
    for k, (grad, ref_grad) in enumerate(zip(grads, ref_grads, strict=True)):
        assert grad.dtype == dtype
        np.testing.assert_allclose(grad, ref_grad, **tol, err_msg=f"gradient {k}")
    if targets == "empty_cluster":  # the cluster [6, 9) has no sample: no gradient for its tail
        assert not np.any(grads[4])
        assert not np.any(grads[5])


def test_gradient_matches_central_finite_differences() -> None:
    model, x = adaptive_model(bias=True), features(len(ZIPF))
    grads = flat(adaptive_grad(x, ZIPF, model, reduction="sum"))
    arrays = flat((x, model["head_weight"], model["tail_weights"], model["head_bias"]))
    step = 1e-6
    for k, (grad, a) in enumerate(zip(grads, arrays, strict=True)):
        numeric = np.empty_like(a)
        for i in np.ndindex(a.shape):
            a[i] += step
            up = adaptive(arrays[0], ZIPF, _rebuild(arrays), reduction="sum")
            a[i] -= 2 * step
            down = adaptive(arrays[0], ZIPF, _rebuild(arrays), reduction="sum")
            a[i] += step
            numeric[i] = (up - down) / (2 * step)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=f"gradient {k}")


def _rebuild(arrays: list[np.ndarray]) -> dict:
    """A model from the flat list of :func:`flat`: input first, then head, tails and bias."""
    return {
        "head_weight": arrays[1],
        "tail_weights": [(arrays[2 + 2 * k], arrays[3 + 2 * k]) for k in range(3)],
        "cutoffs": CUTOFFS,
        "head_bias": arrays[8],
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_are_kept(dtype: type) -> None:
    model, x = adaptive_model(dtype), features(len(ZIPF), dtype)
    model64, x64 = adaptive_model(), features(len(ZIPF))
    for reduction in REDUCTIONS:
        value, grads = adaptive(x, ZIPF, model, reduction=reduction), flat(adaptive_grad(x, ZIPF, model))
        assert value.dtype == dtype
        assert all(g.dtype == dtype for g in grads)
        np.testing.assert_allclose(value, adaptive(x64, ZIPF, model64, reduction=reduction), rtol=2e-5)
    # mixed: the promotion of input and head_weight; the tails are read in it
    mixed = adaptive(x.astype(np.float32), ZIPF, adaptive_model(np.float64))
    assert mixed.dtype == np.float64


def test_float16_is_computed_in_float32() -> None:
    y = np.resize(ZIPF, 70_000)  # more samples than float16 counts: only a float32 mean gets it right
    model16, x16 = adaptive_model(np.float16), features(len(y), np.float16)
    model32 = adaptive_model(np.float16)
    model32 = {
        "head_weight": model32["head_weight"].astype(np.float32),
        "tail_weights": [(p.astype(np.float32), o.astype(np.float32)) for p, o in model32["tail_weights"]],
        "cutoffs": CUTOFFS,
    }
    value, grads = adaptive(x16, y, model16), flat(adaptive_grad(x16, y, model16))
    expected = adaptive(x16.astype(np.float32), y, model32)
    assert value.dtype == np.float16
    assert all(g.dtype == np.float16 for g in grads)
    np.testing.assert_allclose(value.astype(np.float32), expected.astype(np.float16).astype(np.float32), rtol=1e-3)
    for grad, grad32 in zip(grads, flat(adaptive_grad(x16.astype(np.float32), y, model32)), strict=True):
        np.testing.assert_allclose(
            grad.astype(np.float32), grad32.astype(np.float16).astype(np.float32), rtol=1e-3, atol=1e-7
        )


def test_nan_propagates_as_in_torch() -> None:
    model, x = adaptive_model(), features(len(ZIPF))
    x[9, 0] = np.nan  # a sample of the first cluster
    for reduction in REDUCTIONS:
        value, grads = (
            adaptive(x, ZIPF, model, reduction=reduction),
            flat(adaptive_grad(x, ZIPF, model, reduction=reduction)),
        )
        ref_value, ref_grads = torch_adaptive(x, ZIPF, model, reduction)
        if reduction == "none":
            np.testing.assert_array_equal(np.isnan(value), np.arange(len(ZIPF)) == 9)
            np.testing.assert_allclose(value[:9], ref_value[:9], rtol=1e-10)
        else:
            assert np.isnan(value)
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            np.testing.assert_array_equal(np.isnan(grad), np.isnan(ref_grad))
            clean = ~np.isnan(ref_grad)
            np.testing.assert_allclose(grad[clean], ref_grad[clean], rtol=1e-10, atol=1e-12)
        assert np.all(np.isnan(grads[0][9]))
        assert not np.any(np.isnan(np.delete(grads[0], 9, axis=0)))


def test_inputs_are_not_mutated_and_results_do_not_alias_them() -> None:
    model, x = adaptive_model(bias=True), features(len(ZIPF))
    arrays = flat((x, model["head_weight"], model["tail_weights"], model["head_bias"]))
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    for reduction in REDUCTIONS:
        outputs = [
            adaptive(x, ZIPF, model, reduction=reduction),
            *flat(adaptive_grad(x, ZIPF, model, reduction=reduction)),
        ]
        outputs.append(lu.adaptive_log_prob(x, model["head_weight"], model["tail_weights"], **_kw(model)))
        assert not any(np.shares_memory(out, a) for out in outputs for a in arrays)
    for a, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, copy)


def test_results_are_numpy_scalars_and_arrays_of_the_right_shape() -> None:
    model, x = adaptive_model(bias=True), features(len(ZIPF))
    for reduction in REDUCTIONS:
        value = adaptive(x, ZIPF, model, reduction=reduction)
        if reduction == "none":
            assert type(value) is np.ndarray
            assert value.shape == (len(ZIPF),)
        else:
            assert isinstance(value, np.floating)
        d_x, d_head, d_tails, d_bias = adaptive_grad(x, ZIPF, model, reduction=reduction)
        assert d_x.shape == x.shape
        assert d_head.shape == model["head_weight"].shape
        assert d_bias.shape == model["head_bias"].shape
        assert [(p.shape, o.shape) for p, o in d_tails] == [(p.shape, o.shape) for p, o in model["tail_weights"]]
    # one sample, (d,) with a target (): a loss of shape (), a gradient of shape (d,)
    one = adaptive(x[9], ZIPF[9], model, reduction="none")
    assert one.shape == ()
    assert one == adaptive(x[9:10], ZIPF[9:10], model, reduction="none")[0]
    assert adaptive_grad(x[9], ZIPF[9], model)[0].shape == (AD_D,)
    assert lu.adaptive_log_prob(x[9], model["head_weight"], model["tail_weights"], cutoffs=CUTOFFS).shape == (AD_V,)


BAD_ADAPTIVE = [
    ({"target": ZIPF[:-1]}, "target must have shape (N,) = (18,)"),
    ({"target": np.r_[ZIPF[:-1], AD_V]}, "target holds class 12 but the vocabulary has 12 classes"),
    ({"reduction": "avg"}, "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ({"input": np.zeros((0, AD_D)), "target": np.zeros(0, int)}, "input is empty"),
    ({"cutoffs": [3, 3, 9]}, "cutoffs must be a sequence of increasing positive integers; got [3, 3, 9]"),
    ({"cutoffs": [0, 6, 9]}, "cutoffs must be a sequence of increasing positive integers"),
    ({"cutoffs": [4, 6, 9]}, "head_weight must have cutoffs[0] + n_clusters = 7 rows"),
    ({"tail_weights": "drop"}, "tail_weights must hold a pair of weights per cutoff, 3; got 2"),
    ({"tail_weights": "wide"}, "tail_weights[1][1] must have shape (classes of cluster 1, hidden) = (3, 2)"),
    ({"tail_weights": "narrow"}, "tail_weights[0][0] must have shape (hidden, d = 8)"),
    ({"head_bias": np.zeros(3)}, "head_bias must have shape (6,), one per row of head_weight"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ADAPTIVE, ids=[m[:40] for _, m in BAD_ADAPTIVE])
@pytest.mark.parametrize("fn", [lu.adaptive_log_softmax, lu.adaptive_log_softmax_grad], ids=["loss", "grad"])
def test_bad_input_is_an_error_naming_the_argument(fn: Any, change: dict, message: str) -> None:
    model = adaptive_model()
    tails = model["tail_weights"]
    change = dict(change)
    change["tail_weights"] = {
        "drop": tails[:2],
        "wide": [tails[0], (tails[1][0], np.zeros((4, 2))), tails[2]],
        "narrow": [(tails[0][0][:, :3], tails[0][1]), *tails[1:]],
    }.get(change.get("tail_weights", ""), tails)
    args = {"input": features(len(ZIPF)), "target": ZIPF, **model} | change
    with pytest.raises(ValueError, match=re.escape(message)):
        fn(args.pop("input"), args.pop("target"), args.pop("head_weight"), args.pop("tail_weights"), **args)


def test_extreme_inputs_are_finite_and_match_torch() -> None:
    model, x = adaptive_model(bias=True), 300 * features(len(ZIPF))  # logits in the thousands
    for reduction in REDUCTIONS:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            value, grads = (
                adaptive(x, ZIPF, model, reduction=reduction),
                flat(adaptive_grad(x, ZIPF, model, reduction=reduction)),
            )
            value32 = adaptive(x.astype(np.float32), ZIPF, adaptive_model(np.float32, bias=True), reduction=reduction)
        assert np.all(np.isfinite(value))
        assert np.all(np.isfinite(value32))
        assert np.max(np.abs(value)) > 100  # far beyond a naive exp
        ref_value, ref_grads = torch_adaptive(x, ZIPF, model, reduction)
        np.testing.assert_allclose(value, ref_value, rtol=1e-10, atol=1e-12)
        for grad, ref_grad in zip(grads, ref_grads, strict=True):
            assert np.all(np.isfinite(grad))
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)


#: The checks of tests/test_common.py, each run here on the adaptive softmax (test_common checks the list).
COMMON_CHECKS = {
    "adaptive_log_softmax": {
        "arguments": test_gradient_takes_the_arguments_of_its_loss,
        "torch": test_value_and_gradient_match_torch,
        "finite_differences": test_gradient_matches_central_finite_differences,
        "dtypes": test_float32_and_float64_are_kept,
        "nan": test_nan_propagates_as_in_torch,
        "no_mutation": test_inputs_are_not_mutated_and_results_do_not_alias_them,
        "shapes": test_results_are_numpy_scalars_and_arrays_of_the_right_shape,
        "bad_input": test_bad_input_is_an_error_naming_the_argument,
        "extreme": test_extreme_inputs_are_finite_and_match_torch,
    }
}


# -- what is specific to the adaptive softmax -------------------------------------------------------


@pytest.mark.parametrize("bias", [False, True], ids=["no_bias", "head_bias"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_prob_is_the_modules_and_a_distribution(dtype: type, bias: bool) -> None:
    model, x = adaptive_model(dtype, bias), features(len(ZIPF), dtype)
    log_p = lu.adaptive_log_prob(x, model["head_weight"], model["tail_weights"], **_kw(model))
    module = torch.nn.AdaptiveLogSoftmaxWithLoss(AD_D, AD_V, CUTOFFS, div_value=2.0, head_bias=bias).to(
        torch.from_numpy(x).dtype
    )
    with torch.no_grad():
        module.head.weight.copy_(torch.from_numpy(model["head_weight"]))
        if bias:
            module.head.bias.copy_(torch.from_numpy(model["head_bias"]))
        for (p, o), tail in zip(model["tail_weights"], module.tail, strict=True):
            tail[0].weight.copy_(torch.from_numpy(p))
            tail[1].weight.copy_(torch.from_numpy(o))
        expected = module.log_prob(torch.from_numpy(x)).numpy()
        output, loss = module(torch.from_numpy(x), torch.from_numpy(ZIPF))
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert log_p.shape == (len(ZIPF), AD_V)
    assert log_p.dtype == dtype
    np.testing.assert_allclose(log_p, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.exp(log_p.astype(np.float64)).sum(axis=1), 1.0, rtol=10 * tol)  # rows sum to 1
    # the module's (output, loss) are -'none' and 'mean', and output is log p of the target
    np.testing.assert_allclose(-adaptive(x, ZIPF, model, reduction="none"), output.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(adaptive(x, ZIPF, model), loss.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(log_p[np.arange(len(ZIPF)), ZIPF], output.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("targets", TARGETS)
def test_matches_the_brute_force_reference(targets: str) -> None:
    y = TARGETS[targets]
    model, x = adaptive_model(bias=True), features(len(y))
    ref = REFERENCES["adaptive_log_softmax"]
    args = (x, y, model["head_weight"], model["tail_weights"], CUTOFFS, model["head_bias"])
    np.testing.assert_allclose(adaptive(x, y, model, reduction="none"), ref.loss(*args), rtol=1e-10)
    for grad, ref_grad in zip(flat(adaptive_grad(x, y, model, reduction="none")), flat(ref.grad(*args)), strict=True):
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-12)


def test_adaptive_hessian_stated_on_the_card() -> None:
    # H^T S(q) H + [y >= c_0] A_k^T S(r) A_k with A_k = O_k P_k, by central differences of the gradient in h
    model, step = adaptive_model(), 1e-5
    H = model["head_weight"]
    x = features(2)
    for x0, y0 in ((x[0], 1), (x[1], 7)):  # a shortlist class, then one of cluster k = 1
        numeric = np.stack(
            [
                (adaptive_grad(x0 + e, y0, model)[0] - adaptive_grad(x0 - e, y0, model)[0]) / (2 * step)
                for e in step * np.eye(AD_D)
            ]
        )
        q = lu.softmax(H @ x0)
        expected = H.T @ (np.diag(q) - np.outer(q, q)) @ H
        if y0 >= CUTOFFS[0]:
            proj, out = model["tail_weights"][1]
            A = out @ proj
            r = lu.softmax(A @ x0)
            expected = expected + A.T @ (np.diag(r) - np.outer(r, r)) @ A
        np.testing.assert_allclose(numeric, expected, rtol=1e-6, atol=1e-8)
    assert "A_k^\\top S(r) A_k" in LOSSES["adaptive_log_softmax"].card.second_derivative


def test_a_shortlist_target_reads_no_tail() -> None:
    # a batch of shortlist classes only: the tails may hold anything (nan), only the head counts
    model, x = adaptive_model(), features(4)
    y = np.array([0, 1, 2, 0])
    poisoned = {**model, "tail_weights": [(np.full_like(p, np.nan), o) for p, o in model["tail_weights"]]}
    np.testing.assert_array_equal(adaptive(x, y, poisoned, reduction="none"), adaptive(x, y, model, reduction="none"))
    expected = -lu.log_softmax(x @ model["head_weight"].T)[np.arange(4), y]
    np.testing.assert_allclose(adaptive(x, y, model, reduction="none"), expected, rtol=1e-12)
