"""Tests of lossutils.ctc and ctc_grad: the checks tests/test_common.py runs on every other loss
(listed in COMMON_CHECKS at the end; test_common checks the list), then what is specific to CTC:
a 3-frame lattice by hand, a brute-force sum over every alignment (tests/references.py), padded,
concatenated and unbatched targets, lengths, infeasible targets, the blank, the card's claims,
and PyTorch's gradient, which is not the derivative of its own loss with respect to log_probs.

PyTorch's autograd gives, for ``log_probs``, the derivative of ``ctc_loss`` plus ``exp(log_probs)``
on every frame within the input length, times the sample's weight in the reduced loss (Graves'
gradient for the logits of a softmax); :func:`torch_grad_as_derivative` removes that term, and the
tests also compare the gradient of the logits through a log-softmax, where the two agree as they are.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from references import REFERENCES, ctc_alignments

import lossutils as lu
from lossutils import sequence
from lossutils.registry import LOSSES

REDUCTIONS = ("mean", "sum", "none")
OPTIONS: list[dict[str, Any]] = [
    {},
    {"blank": 2},
    {"blank": 4},  # the last symbol
    {"zero_infinity": True},
    {"blank": 3, "zero_infinity": True},
]
LAYOUTS = ("padded", "concatenated", "unbatched")


# -- inputs ------------------------------------------------------------------------------------


def log_softmax(u: np.ndarray) -> np.ndarray:
    return u - np.log(np.sum(np.exp(u - u.max(-1, keepdims=True)), axis=-1, keepdims=True)) - u.max(-1, keepdims=True)


def labels_without_repeats(rng: np.random.Generator, labels_of: list[int], size: int) -> np.ndarray:
    """``size`` labels, no two neighbours equal (each needs one frame, and no blank between)."""
    labels = [int(rng.choice(labels_of))]
    while len(labels) < size:
        labels.append(int(rng.choice([k for k in labels_of if k != labels[-1]])))
    return np.array(labels)


def random_case(
    rng: np.random.Generator,
    *,
    blank: int = 0,
    layout: str = "padded",
    normalised: bool = True,
    infeasible: bool = False,
    n_frames: int = 8,
    n_classes: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(log_probs, targets, input_lengths, target_lengths) of 5 samples (1 if unbatched), T >= 6
    frames: lengths shorter than T, repeated labels, an empty target, padding that holds junk and,
    if asked, a target no alignment fits (sample 4). Every other target fits its frames."""
    labels_of = [k for k in range(n_classes) if k != blank]
    if layout == "unbatched":
        lp = 2.0 * rng.normal(size=(n_frames, n_classes))
        targets = labels_without_repeats(rng, labels_of, 3)
        targets = np.insert(targets, 2, targets[1])  # one repeat: 4 labels need 5 frames
        return (log_softmax(lp) if normalised else lp), targets, np.array(n_frames - 1), np.array(4)
    n, s = 5, 4
    lp = 2.0 * rng.normal(size=(n_frames, n, n_classes))
    lp = log_softmax(lp) if normalised else lp
    padded = np.stack([labels_without_repeats(rng, labels_of, s) for _ in range(n)])
    padded[[0, 3]] = [np.insert(row[:-1], 1, row[0]) for row in padded[[0, 3]]]  # "aa..": 5 frames, 3 frames
    input_lengths = np.array([n_frames, n_frames - 2, 5, n_frames, 3])
    target_lengths = np.array([4, 3, 0, 2, 2])  # sample 2: the empty target
    if infeasible:  # sample 4: "a a" needs 3 frames, or 2 labels in 1 frame
        padded[4, 1] = padded[4, 0]
        input_lengths[4] = 2
    padded = np.where(np.arange(s) < target_lengths[:, None], padded, 77)  # padding is any value
    if layout == "concatenated":
        return (
            lp,
            np.concatenate([r[:k] for r, k in zip(padded, target_lengths, strict=True)]),
            input_lengths,
            (target_lengths),
        )
    return lp, padded, input_lengths, target_lengths


def torch_value_and_grad(
    log_probs: np.ndarray, targets: np.ndarray, input_lengths: Any, target_lengths: Any, **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """F.ctc_loss and its autograd gradient with respect to log_probs (of the sum for 'none')."""
    x = torch.tensor(log_probs, requires_grad=True)
    t = torch.as_tensor(np.asarray(targets))
    out = F.ctc_loss(x, t, torch.as_tensor(input_lengths), torch.as_tensor(target_lengths), **options)
    out.sum().backward()
    assert x.grad is not None
    return out.detach().numpy(), x.grad.numpy()


def torch_grad_as_derivative(
    torch_grad: np.ndarray, log_probs: np.ndarray, targets: Any, input_lengths: Any, target_lengths: Any, **options: Any
) -> np.ndarray:
    """PyTorch's gradient minus what its autograd adds to the derivative of ctc_loss: exp(log_probs)
    on each frame within the input length, times the sample's weight in the reduced loss (1 for
    'sum' and 'none', 1 / (N max(S_n, 1)) for 'mean', 0 for a loss zeroed by zero_infinity)."""
    reduction = options.get("reduction", "mean")
    lp = log_probs if log_probs.ndim == 3 else log_probs[:, None]
    in_len, tg_len = np.atleast_1d(input_lengths), np.atleast_1d(target_lengths)
    weight = np.ones(len(in_len)) if reduction != "mean" else 1 / (len(in_len) * np.maximum(tg_len, 1))
    if options.get("zero_infinity", False):
        losses = lu.ctc(
            log_probs, targets, input_lengths, target_lengths, blank=options.get("blank", 0), reduction="none"
        )
        weight = np.where(np.isinf(np.atleast_1d(losses)), 0, weight)
    in_frame = np.arange(lp.shape[0])[:, None] < in_len
    extra = np.where(in_frame[..., None], np.exp(lp) * weight[:, None], 0)  # torch leaves padding frames at 0
    return torch_grad - extra.reshape(torch_grad.shape)


def logits_grad(grad_log_probs: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """The chain rule through log_probs = log_softmax(logits): g - softmax * sum_k g."""
    p = np.exp(log_softmax(logits))
    return grad_log_probs - p * np.sum(grad_log_probs, axis=-1, keepdims=True)


# -- the common checks ---------------------------------------------------------------------------


def test_gradient_takes_the_arguments_of_its_loss() -> None:
    params = inspect.signature(lu.ctc).parameters
    assert inspect.signature(lu.ctc_grad).parameters == params
    assert list(params) == [
        "log_probs",
        "targets",
        "input_lengths",
        "target_lengths",
        "blank",
        "reduction",
        "zero_infinity",
    ]  # PyTorch's names and order
    torch_params = inspect.signature(F.ctc_loss).parameters
    assert all(params[name].default == torch_params[name].default for name in ("blank", "reduction", "zero_infinity"))
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(params.values())[4:])


@pytest.mark.parametrize("normalised", [True, False], ids=["log_softmax", "free"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_value_and_gradient_match_torch(reduction: str, layout: str, normalised: bool) -> None:
    rng = np.random.default_rng([len(reduction), len(layout), normalised])
    for options in OPTIONS:
        case = random_case(
            rng, blank=options.get("blank", 0), layout=layout, normalised=normalised, infeasible=layout != "unbatched"
        )
        value = lu.ctc(*case, reduction=reduction, **options)
        grad = lu.ctc_grad(*case, reduction=reduction, **options)
        ref_value, ref_grad = torch_value_and_grad(*case, reduction=reduction, **options)
        assert np.shape(value) == ref_value.shape, options
        np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-12, err_msg=str(options))
        expected = torch_grad_as_derivative(ref_grad, *case, reduction=reduction, **options)
        np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-12, err_msg=str(options))  # nan where torch's


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradient_of_the_logits_matches_torch_through_log_softmax(reduction: str, layout: str) -> None:
    rng = np.random.default_rng([len(reduction), len(layout), 7])
    for options in OPTIONS:
        lp, *rest = random_case(rng, blank=options.get("blank", 0), layout=layout, normalised=False)
        logits = lp  # free scores; the loss reads their log-softmax
        u = torch.tensor(logits, requires_grad=True)
        out = F.ctc_loss(
            u.log_softmax(-1), *(torch.as_tensor(np.asarray(a)) for a in rest), reduction=reduction, **options
        )
        out.sum().backward()
        assert u.grad is not None
        ours = logits_grad(lu.ctc_grad(log_softmax(logits), *rest, reduction=reduction, **options), logits)
        np.testing.assert_allclose(ours, u.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=str(options))


def test_torch_autograd_is_not_the_derivative_of_its_own_loss() -> None:
    """Why ctc_grad differs from torch's autograd: finite differences of F.ctc_loss agree with
    lossutils, and torch's gradient is larger by exp(log_probs) on the sample's frames."""
    rng = np.random.default_rng(11)
    lp, targets, il, tl = random_case(rng, layout="unbatched", n_frames=6, n_classes=3)
    _, torch_grad = torch_value_and_grad(lp, targets, il, tl, reduction="sum")
    h = 1e-6
    numeric = np.empty_like(lp)
    for i in np.ndindex(lp.shape):
        up, down = lp.copy(), lp.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (
            torch_value_and_grad(up, targets, il, tl, reduction="sum")[0]
            - torch_value_and_grad(down, targets, il, tl, reduction="sum")[0]
        ) / (2 * h)
    ours = lu.ctc_grad(lp, targets, il, tl, reduction="sum")
    np.testing.assert_allclose(ours, numeric, rtol=1e-6, atol=1e-8)
    in_frame = (np.arange(6) < il)[:, None]
    np.testing.assert_allclose(torch_grad - ours, np.exp(lp) * in_frame, rtol=1e-10, atol=1e-12)
    assert np.abs(torch_grad - numeric).max() > 0.1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gradient_matches_central_finite_differences(layout: str) -> None:
    rng = np.random.default_rng(len(layout))
    for options in OPTIONS:
        for reduction in ("sum", "mean"):
            case = random_case(
                rng, blank=options.get("blank", 0), layout=layout, normalised=False, n_frames=6, n_classes=5
            )
            lp, rest = case[0], case[1:]
            h = 1e-6
            numeric = np.empty_like(lp)
            for i in np.ndindex(lp.shape):
                up, down = lp.copy(), lp.copy()
                up[i] += h
                down[i] -= h
                diff = lu.ctc(up, *rest, reduction=reduction, **options) - lu.ctc(
                    down, *rest, reduction=reduction, **options
                )
                numeric[i] = diff / (2 * h)
            grad = lu.ctc_grad(lp, *rest, reduction=reduction, **options)
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=str(options))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_float32_and_float64_are_kept(layout: str, dtype: type) -> None:
    lp, *rest = random_case(np.random.default_rng(3), layout=layout, infeasible=False)
    for reduction in REDUCTIONS:
        value = lu.ctc(lp.astype(dtype), *rest, reduction=reduction)
        grad = lu.ctc_grad(lp.astype(dtype), *rest, reduction=reduction)
        assert value.dtype == grad.dtype == dtype, reduction
        np.testing.assert_allclose(value, lu.ctc(lp, *rest, reduction=reduction), rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(grad, lu.ctc_grad(lp, *rest, reduction=reduction), rtol=2e-5, atol=1e-6)
        if dtype == np.float32:  # and torch's float32 kernel: the same numbers to float32's precision
            ref_value, ref_grad = torch_value_and_grad(lp.astype(dtype), *rest, reduction=reduction)
            np.testing.assert_allclose(value, ref_value, rtol=1e-5, atol=1e-6)
            expected = torch_grad_as_derivative(ref_grad, lp.astype(dtype), *rest, reduction=reduction)
            np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


def test_float16_is_computed_in_float32_and_cast_back() -> None:
    """PyTorch's CPU ctc_loss rejects float16; lossutils computes it in float32, as every loss."""
    rng = np.random.default_rng(5)
    lp = log_softmax(rng.normal(size=(200, 3, 6))).astype(np.float16)  # 200 frames: float16 sums would drift
    rest = (rng.integers(1, 6, size=(3, 20)), np.array([200, 150, 100]), np.array([20, 15, 10]))
    with pytest.raises(NotImplementedError, match="Half"):
        torch_value_and_grad(lp, *rest)
    for reduction in REDUCTIONS:
        value, grad = lu.ctc(lp, *rest, reduction=reduction), lu.ctc_grad(lp, *rest, reduction=reduction)
        assert value.dtype == grad.dtype == np.float16
        np.testing.assert_array_equal(
            value, lu.ctc(lp.astype(np.float32), *rest, reduction=reduction).astype(np.float16)
        )
        np.testing.assert_array_equal(
            grad, lu.ctc_grad(lp.astype(np.float32), *rest, reduction=reduction).astype(np.float16)
        )


def test_integer_inputs_and_float_labels() -> None:
    """Integer log_probs become float64; integral float labels are read as labels (as in torch)."""
    lp = np.zeros((3, 2, 3), dtype=np.int64)  # log 1 everywhere: every alignment has probability 1
    targets, il, tl = np.array([[1.0, 2.0], [2.0, 2.0]]), [3, 3], [2, 1]
    value = lu.ctc(lp, targets, il, tl, reduction="none")
    assert value.dtype == np.float64
    expected = [-np.log(len(ctc_alignments(3, 3, [1, 2], 0))), -np.log(len(ctc_alignments(3, 3, [2], 0)))]
    np.testing.assert_allclose(value, expected)
    np.testing.assert_allclose(value, torch_value_and_grad(lp.astype(float), targets, il, tl, reduction="none")[0])


def test_nan_propagates_as_in_torch() -> None:
    """NaN in a frame of a sample makes that sample's loss NaN (and the reduced loss); NaN in a
    padding frame changes nothing; the other samples are untouched."""
    rng = np.random.default_rng(9)
    lp, targets, il, tl = random_case(rng)
    lp[1, 0, 0] = np.nan  # the blank in a frame of sample 0, which every sample reads
    lp[-1, 1, 0] = np.nan  # a padding frame of sample 1 (il = T - 2)
    for reduction in REDUCTIONS:
        value = lu.ctc(lp, targets, il, tl, reduction=reduction)
        grad = lu.ctc_grad(lp, targets, il, tl, reduction=reduction)
        ref_value, ref_grad = torch_value_and_grad(lp, targets, il, tl, reduction=reduction)
        if reduction == "none":
            np.testing.assert_array_equal(np.isnan(value), [True, False, False, False, False])
            np.testing.assert_allclose(value, ref_value, rtol=1e-12)  # nan where torch's is
        else:
            assert np.isnan(value), reduction
            assert np.isnan(ref_value), reduction
        expected = torch_grad_as_derivative(ref_grad, lp, targets, il, tl, reduction=reduction)
        assert np.all(np.isnan(grad[np.isnan(expected)])), reduction
        np.testing.assert_allclose(grad[:, 1:], expected[:, 1:], rtol=1e-10, atol=1e-12)  # samples 1 to 4
        assert np.all(grad[-2:, 1] == 0), reduction  # the padding frames of sample 1, nan or not


def test_nan_at_a_symbol_the_sample_never_reads() -> None:
    """A symbol that is neither the blank nor one of a sample's labels is never read: its loss
    stays finite (as torch's), and its derivative there is 0; torch's gradient is nan there, from
    the exp(log_probs) its autograd adds."""
    lp, targets, il, tl = random_case(np.random.default_rng(10), layout="unbatched")
    unread = next(k for k in range(1, 5) if k not in targets)
    lp[2, unread] = np.nan
    value, grad = lu.ctc(lp, targets, il, tl), lu.ctc_grad(lp, targets, il, tl)
    ref_value, ref_grad = torch_value_and_grad(lp, targets, il, tl)
    assert np.isfinite(value)
    assert value == pytest.approx(float(ref_value), rel=1e-12)
    assert grad[2, unread] == 0
    assert np.isnan(ref_grad[2, unread])
    assert np.count_nonzero(np.isnan(ref_grad)) == 1


def test_inputs_are_not_mutated_and_results_do_not_alias_them() -> None:
    for layout in LAYOUTS:
        case = random_case(np.random.default_rng(1), layout=layout)
        copies = [np.array(a, copy=True) for a in case]
        for a in case:
            a.flags.writeable = False  # any write raises
        for reduction in REDUCTIONS:
            for fn in (lu.ctc, lu.ctc_grad):
                out = fn(*case, reduction=reduction)
                assert not any(np.shares_memory(out, a) for a in case), (layout, fn.__name__, reduction)
        for a, copy in zip(case, copies, strict=True):
            np.testing.assert_array_equal(a, copy)


def test_results_are_numpy_scalars_and_arrays_of_the_right_shape() -> None:
    for layout in LAYOUTS:
        lp, *rest = random_case(np.random.default_rng(2), layout=layout)
        for reduction in REDUCTIONS:
            value, grad = lu.ctc(lp, *rest, reduction=reduction), lu.ctc_grad(lp, *rest, reduction=reduction)
            if reduction == "none":
                assert type(value) is np.ndarray
                assert value.shape == (() if layout == "unbatched" else (5,))
            else:
                assert isinstance(value, np.floating), (reduction, type(value))
            assert type(grad) is np.ndarray
            assert grad.shape == lp.shape
            assert value.dtype == grad.dtype == np.float64


def _case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lp = log_softmax(np.random.default_rng(0).normal(size=(5, 2, 4)))  # T = 5, N = 2, C = 4
    return lp, np.array([[1, 2, 3], [3, 3, 9]]), np.array([5, 4]), np.array([3, 2])


BAD_INPUTS = [
    ({"log_probs": np.zeros((5, 2, 4, 1))}, ValueError, "log_probs must have shape (T, N, C) or (T, C) (one sequence)"),
    ({"log_probs": np.zeros((5,))}, ValueError, "log_probs must have shape (T, N, C) or (T, C) (one sequence)"),
    ({"log_probs": np.zeros((0, 2, 4))}, ValueError, "log_probs is empty"),
    ({"log_probs": np.array([["a"]])}, TypeError, "log_probs must hold real numbers; got dtype <U1"),
    ({"blank": 4}, ValueError, "blank must be an integer in [0, C) = [0, 4), got 4"),
    ({"blank": -1}, ValueError, "blank must be an integer in [0, C) = [0, 4), got -1"),
    ({"blank": 1.0}, ValueError, "blank must be an integer in [0, C) = [0, 4), got 1.0"),
    ({"reduction": "avg"}, ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ({"zero_infinity": 1}, TypeError, "zero_infinity must be a bool (True or False), got int"),
    ({"input_lengths": np.array([6, 4])}, ValueError, "input_lengths must lie in [0, T] = [0, 5]; found 6"),
    ({"input_lengths": np.array([-1, 4])}, ValueError, "input_lengths must lie in [0, T] = [0, 5]; found -1"),
    ({"input_lengths": np.array([5, 4, 3])}, ValueError, "input_lengths must have shape (2,), one length per sample"),
    ({"input_lengths": np.array([5.0, 4.0])}, TypeError, "input_lengths must hold integer lengths; got dtype float64"),
    ({"target_lengths": np.array([4, 2])}, ValueError, "target_lengths must lie in [0, S] = [0, 3]; found 4"),
    ({"target_lengths": np.array([3])}, ValueError, "target_lengths must have shape (2,), one length per sample"),
    ({"targets": np.array([[1, 2, 3]])}, ValueError, "targets must have shape (N, S) = (2, S) (padded) or"),
    ({"targets": np.array([1, 2, 3, 3])}, ValueError, "targets holds 4 labels but target_lengths add up to 5"),
    ({"targets": np.array([[1, 2, 4], [3, 3, 9]])}, ValueError, "targets holds class 4 but log_probs have 4 classes"),
    ({"targets": np.array([[1, -2, 3], [3, 3, 9]])}, ValueError, "targets holds class -2 but log_probs have 4"),
    ({"targets": np.array([[1, 2, 3], [0, 3, 9]])}, ValueError, "targets holds the blank (0) as a label of sample 1"),
    ({"targets": np.array([[1, 2, 3], [2, 2, 2]]), "blank": 2}, ValueError, "targets holds the blank (2) as a label"),
    ({"targets": np.array([[1.5, 2, 3], [3, 3, 9]])}, TypeError, "targets must hold integer class indices"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS])
@pytest.mark.parametrize("fn", [lu.ctc, lu.ctc_grad], ids=["loss", "grad"])
def test_bad_input_is_an_error_naming_the_argument(fn: Any, change: dict, error: type, message: str) -> None:
    lp, targets, il, tl = _case()
    args = {"log_probs": lp, "targets": targets, "input_lengths": il, "target_lengths": tl, **change}
    with pytest.raises(error, match=re.escape(message)):
        fn(**args)


def test_bad_input_of_one_sequence_and_of_concatenated_targets() -> None:
    lp = _case()[0][:, 0]  # (T, C): one sequence
    with pytest.raises(ValueError, match=re.escape("input_lengths must have shape (), one length per sample")):
        lu.ctc(lp, [1, 2], [5], 2)
    with pytest.raises(ValueError, match=re.escape("targets must have shape (S,) (padded); got shape (1, 2)")):
        lu.ctc(lp, [[1, 2]], 5, 2)
    with pytest.raises(ValueError, match=re.escape("target_lengths must lie in [0, S] = [0, 2]; found 3")):
        lu.ctc(lp, [1, 2], 5, 3)
    lp2, _, il, _ = _case()
    with pytest.raises(ValueError, match=re.escape("target_lengths must lie in [0, len(targets)] = [0, 3]; found -1")):
        lu.ctc_grad(lp2, [1, 2, 3], il, [-1, 4])


def extreme_case(dtype: type) -> tuple[np.ndarray, ...]:
    """Log-softmax outputs of logits of +-1e4 (sample 0: most symbols have probability e^-2e4) and
    of 1e3 N(0, 1) (sample 1), in ``dtype``."""
    rng = np.random.default_rng(4)
    lp, targets, il, tl = random_case(rng)
    lp[:, 0] = log_softmax(1e4 * rng.choice([-1.0, 1.0], size=lp[:, 0].shape))
    lp[:, 1] = log_softmax(1e3 * rng.normal(size=lp[:, 1].shape))
    return lp.astype(dtype), targets, il, tl


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_inputs_are_finite_and_match_torch(dtype: type) -> None:
    """Log space keeps every feasible loss finite, without a floating-point warning, and as
    torch's; free log-probabilities of 1e4 too (where torch's gradient overflows: it adds e^1e4)."""
    lp, targets, il, tl = extreme_case(dtype)
    for reduction in REDUCTIONS:
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            value = lu.ctc(lp, targets, il, tl, reduction=reduction)
            grad = lu.ctc_grad(lp, targets, il, tl, reduction=reduction)
            shifted_value = lu.ctc(lp + 1e4, targets, il, tl, reduction="none")
            shifted_grad = lu.ctc_grad(lp + 1e4, targets, il, tl, reduction=reduction)
        assert value.dtype == grad.dtype == dtype
        assert np.all(np.isfinite(value)), reduction
        assert np.all(np.isfinite(grad)), reduction
        ref_value, ref_grad = torch_value_and_grad(lp, targets, il, tl, reduction=reduction)
        expected = torch_grad_as_derivative(ref_grad, lp, targets, il, tl, reduction=reduction)
        if dtype == np.float64:
            np.testing.assert_allclose(value, ref_value, rtol=1e-12, err_msg=reduction)
            np.testing.assert_allclose(grad, expected, atol=1e-10, err_msg=reduction)
        else:  # a posterior is e^(log alpha + log beta - log p), terms of 4e4: float32 holds them to 0.004
            np.testing.assert_allclose(value, ref_value, rtol=1e-6, err_msg=reduction)
            np.testing.assert_allclose(grad, expected, atol=5e-3, err_msg=reduction)
        # adding c to every log-probability lowers each loss by c T_n and leaves the gradient as it is
        np.testing.assert_allclose(shifted_value, lu.ctc(lp, targets, il, tl, reduction="none") - 1e4 * il, rtol=1e-6)
        np.testing.assert_allclose(shifted_grad, grad, atol=1e-10 if dtype == np.float64 else 2e-2)


#: The checks tests/test_common.py runs on every other loss, and the tests here that run them on ctc
#: (test_common fails if a loss of kind "sequence" is missing here, or a check is).
COMMON_CHECKS = {
    "ctc": {
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


# -- the lattice by hand, and every alignment enumerated -------------------------------------------

# Three frames over the symbols (blank, a, b) = (0, 1, 2): y[t, k] is the probability of k at frame t.
Y = np.array(
    [
        [0.2, 0.5, 0.3],
        [0.3, 0.4, 0.3],
        [0.6, 0.1, 0.3],
    ]
)


def test_three_frame_example_by_hand() -> None:
    b, a, c = 0, 1, 2  # blank, "a", "b"
    # the target "ab": its alignments of 3 frames, listed by hand
    by_hand = {(a, b, c), (a, c, b), (b, a, c), (a, a, c), (a, c, c)}  # a-b, ab-, -ab, aab, abb
    assert set(ctc_alignments(3, 3, [a, c], blank=0)) == by_hand
    p_ab = sum(Y[0, p0] * Y[1, p1] * Y[2, p2] for p0, p1, p2 in by_hand)

    # the lattice over l' = (-, a, -, b, -): alpha_t(s) by hand, from the recursion's three moves
    alpha1 = [Y[0, b], Y[0, a], 0, 0, 0]  # a path starts at the first blank or at the first label
    alpha2 = [
        alpha1[0] * Y[1, b],  # stay at -
        (alpha1[1] + alpha1[0]) * Y[1, a],  # stay at a, or advance from -
        (alpha1[2] + alpha1[1]) * Y[1, b],  # advance from a
        (alpha1[3] + alpha1[2] + alpha1[1]) * Y[1, c],  # skip the blank between a and b
        (alpha1[4] + alpha1[3]) * Y[1, b],
    ]
    alpha3 = [
        alpha2[0] * Y[2, b],
        (alpha2[1] + alpha2[0]) * Y[2, a],
        (alpha2[2] + alpha2[1]) * Y[2, b],
        (alpha2[3] + alpha2[2] + alpha2[1]) * Y[2, c],
        (alpha2[4] + alpha2[3]) * Y[2, b],
    ]
    assert alpha3[3] + alpha3[4] == pytest.approx(p_ab, rel=1e-15)  # a complete path ends at b or the last -
    log_alpha = sequence._log_alpha(np.log(Y)[:, None], sequence._extended_labels(np.array([[a, c]]), 0), 0)
    np.testing.assert_allclose(np.exp(log_alpha[1:, 0]), [alpha1, alpha2, alpha3], rtol=1e-14, atol=1e-300)

    assert float(lu.ctc(np.log(Y), [a, c], 3, 2, reduction="sum")) == pytest.approx(-np.log(p_ab), rel=1e-14)
    assert REFERENCES["ctc"].loss(np.log(Y), [a, c]) == pytest.approx(-np.log(p_ab), rel=1e-14)
    # 'mean' divides by the target length, 2
    assert float(lu.ctc(np.log(Y), [a, c], 3, 2)) == pytest.approx(-np.log(p_ab) / 2, rel=1e-14)

    # the target "a": a--, -a-, --a, aa-, -aa, aaa
    by_hand_a = {(a, b, b), (b, a, b), (b, b, a), (a, a, b), (b, a, a), (a, a, a)}
    assert set(ctc_alignments(3, 3, [a], blank=0)) == by_hand_a
    p_a = sum(Y[0, p0] * Y[1, p1] * Y[2, p2] for p0, p1, p2 in by_hand_a)
    assert float(lu.ctc(np.log(Y), [a], 3, 1)) == pytest.approx(-np.log(p_a), rel=1e-14)
    # the gradient: minus the share of p held by the alignments that emit "a" at frame 2
    emit_a_at_2 = sum(Y[0, p0] * Y[1, p1] * Y[2, p2] for p0, p1, p2 in by_hand_a if p1 == a)
    assert lu.ctc_grad(np.log(Y), [a], 3, 1)[1, a] == pytest.approx(-emit_a_at_2 / p_a, rel=1e-14)


@pytest.mark.parametrize("blank", [0, 1, 2])
def test_matches_the_sum_over_every_alignment(blank: int) -> None:
    """lossutils against tests/references.py, which enumerates all C^T paths and keeps those that
    collapse to the labels: random sequences, labels with repeats, empty labels, infeasible ones."""
    rng = np.random.default_rng(blank)
    ref = REFERENCES["ctc"]
    labels_of = [k for k in range(3) if k != blank]
    for _ in range(30):
        n_frames, n_labels = rng.integers(1, 6), rng.integers(0, 4)
        lp = rng.normal(size=(n_frames, 3))  # free log-probabilities: the sum over paths does not need normalising
        labels = rng.choice(labels_of, size=n_labels)
        value = lu.ctc(lp, labels, n_frames, n_labels, blank=blank, reduction="sum")
        expected = ref.loss(lp, labels, blank=blank)
        np.testing.assert_allclose(value, expected, rtol=1e-12)
        if np.isfinite(expected):
            np.testing.assert_allclose(
                lu.ctc_grad(lp, labels, n_frames, n_labels, blank=blank, reduction="sum"),
                (ref.grad(lp, labels, blank=blank)),
                rtol=1e-10,
                atol=1e-14,
            )


def test_infeasible_exactly_when_the_frames_cannot_hold_the_labels() -> None:
    """A target needs S frames plus one for the blank between each pair of equal neighbours; with
    fewer the loss is inf (0 with zero_infinity, its gradient 0 too)."""
    rng = np.random.default_rng(12)
    for _ in range(40):
        labels = rng.integers(1, 3, size=rng.integers(1, 5))
        needed = len(labels) + int(np.sum(labels[1:] == labels[:-1]))
        for n_frames in range(needed - 1, needed + 1):
            lp = log_softmax(rng.normal(size=(max(n_frames, 1), 3)))
            loss = lu.ctc(lp, labels, n_frames, len(labels), reduction="sum")
            assert np.isinf(loss) == (n_frames < needed) == (not ctc_alignments(n_frames, 3, labels, 0))
            if n_frames < needed:
                assert lu.ctc(lp, labels, n_frames, len(labels), zero_infinity=True) == 0
                assert np.all(lu.ctc_grad(lp, labels, n_frames, len(labels), zero_infinity=True) == 0)
                with np.errstate(invalid="raise"):  # nan where the loss is inf, as in torch, without a warning
                    g = lu.ctc_grad(lp, labels, n_frames, len(labels))
                assert np.all(np.isnan(g[:n_frames]))
                assert np.all(g[n_frames:] == 0)


def test_empty_targets_and_empty_inputs() -> None:
    lp = log_softmax(np.random.default_rng(13).normal(size=(4, 3, 3)))
    targets, il, tl = np.zeros((3, 0), dtype=np.int64), np.array([4, 2, 0]), np.array([0, 0, 0])
    value = lu.ctc(lp, targets, il, tl, reduction="none")
    expected = [-lp[:4, 0, 0].sum(), -lp[:2, 1, 0].sum(), 0.0]  # every frame blank; no frame: p = 1
    np.testing.assert_allclose(value, expected, rtol=1e-14)
    np.testing.assert_allclose(value, torch_value_and_grad(lp, targets, il, tl, reduction="none")[0], rtol=1e-14)
    assert lu.ctc(lp, [], il, tl, reduction="sum") == pytest.approx(sum(expected))  # concatenated, all empty
    assert lu.ctc(lp, [[1], [1], [1]], [4, 2, 0], [1, 1, 1], reduction="none")[2] == np.inf  # no frame for a label
    np.testing.assert_allclose(lu.ctc(lp, targets, il, tl), np.mean(expected))  # 'mean' divides by max(0, 1)


def test_padded_concatenated_and_unbatched_targets_agree() -> None:
    lp, padded, il, tl = random_case(np.random.default_rng(14), infeasible=True)
    concatenated = np.concatenate([row[:n] for row, n in zip(padded, tl, strict=True)])
    for fn in (lu.ctc, lu.ctc_grad):
        for reduction in REDUCTIONS:
            np.testing.assert_allclose(
                fn(lp, padded, il, tl, reduction=reduction, zero_infinity=True),
                fn(lp, concatenated, il, tl, reduction=reduction, zero_infinity=True),
                rtol=1e-14,
            )
        one = fn(lp[:, 1], padded[1], il[1], tl[1], reduction="none")
        batch = fn(lp, padded, il, tl, reduction="none")
        np.testing.assert_allclose(one, batch[1] if fn is lu.ctc else batch[:, 1], rtol=1e-14)


def test_the_targets_of_one_sequence_may_be_padded() -> None:
    """(S,) targets of one sequence: the first target_lengths are read. PyTorch reads them as
    concatenated, so it needs S = target_lengths exactly; with that, the two agree."""
    lp, targets, il, _ = random_case(np.random.default_rng(21), layout="unbatched")
    padded = np.append(targets, [77, -3])
    for fn in (lu.ctc, lu.ctc_grad):
        np.testing.assert_array_equal(fn(lp, padded, il, len(targets)), fn(lp, targets, il, len(targets)))
    with pytest.raises(RuntimeError, match="Expected tensor to have size 4 at dimension 0, but got size 6"):
        torch_value_and_grad(lp, padded, il, len(targets))
    assert lu.ctc(lp, targets, il, 4) == pytest.approx(torch_value_and_grad(lp, targets, il, 4)[0].item(), rel=1e-14)


def test_padding_frames_and_labels_are_never_read() -> None:
    lp, targets, il, tl = random_case(np.random.default_rng(15))
    changed = lp.copy()
    changed[il[1] :, 1] = 123.0  # the padding frames of sample 1
    other_targets = np.where(np.arange(targets.shape[1]) < tl[:, None], targets, -5)
    np.testing.assert_array_equal(
        lu.ctc(lp, targets, il, tl, reduction="none"), lu.ctc(changed, other_targets, il, tl, reduction="none")
    )
    grad = lu.ctc_grad(changed, other_targets, il, tl)
    assert np.all(grad[il[1] :, 1] == 0)


def test_mean_divides_each_loss_by_its_target_length_then_by_n() -> None:
    lp, targets, il, tl = random_case(np.random.default_rng(16))
    losses = lu.ctc(lp, targets, il, tl, reduction="none")
    assert lu.ctc(lp, targets, il, tl) == pytest.approx(np.mean(losses / np.maximum(tl, 1)), rel=1e-14)
    assert lu.ctc(lp, targets, il, tl, reduction="sum") == pytest.approx(np.sum(losses), rel=1e-14)
    grads = lu.ctc_grad(lp, targets, il, tl, reduction="none")
    np.testing.assert_allclose(lu.ctc_grad(lp, targets, il, tl), grads / (5 * np.maximum(tl, 1))[:, None], rtol=1e-14)


# -- the card's claims ---------------------------------------------------------------------------


def test_gradient_is_minus_a_posterior_over_the_symbols() -> None:
    """-gamma_t(k): on every frame of a feasible sample the symbols' posteriors add up to 1."""
    lp, targets, il, tl = random_case(np.random.default_rng(17), normalised=False)
    grad = lu.ctc_grad(lp, targets, il, tl, reduction="sum")
    in_frame = np.arange(lp.shape[0])[:, None] < il
    np.testing.assert_allclose(grad.sum(axis=-1), np.where(in_frame, -1.0, 0.0), atol=1e-12)
    assert np.all(grad <= 0)


def test_second_derivative_stated_on_the_card() -> None:
    lp, targets, il, tl = random_case(np.random.default_rng(18), layout="unbatched", normalised=False)
    gamma = -lu.ctc_grad(lp, targets, il, tl, reduction="sum")
    h = 1e-5
    for t, k in [(0, 0), (2, int(targets[0])), (3, 1), (5, int(targets[2]))]:
        e = np.zeros_like(lp)
        e[t, k] = h
        up = lu.ctc_grad(lp + e, targets, il, tl, reduction="sum")
        down = lu.ctc_grad(lp - e, targets, il, tl, reduction="sum")
        numeric = (up[t, k] - down[t, k]) / (2 * h)
        assert numeric == pytest.approx(-gamma[t, k] * (1 - gamma[t, k]), rel=1e-5, abs=1e-9)
    assert r"-\gamma_t(k)\,\bigl(1 - \gamma_t(k)\bigr)" in lu.cards.card("ctc").second_derivative


def test_loss_of_free_log_probabilities_is_unbounded_below() -> None:
    """The card's 'best constant' entry: adding c to every log-probability of a sample's T frames
    lowers its loss by c T, without end."""
    lp, targets, il, tl = random_case(np.random.default_rng(19), layout="unbatched")
    values = [float(lu.ctc(lp + c, targets, il, tl, reduction="sum")) for c in (0.0, 10.0, 1e3)]
    np.testing.assert_allclose(np.diff(values), [-10.0 * il, -990.0 * il], rtol=1e-10)
    assert "unbounded below" in lu.cards.card("ctc").minimiser


def test_gradient_of_the_logits_is_bounded_by_one() -> None:
    """The card's robustness entry: through a log-softmax the gradient per logit is y - gamma."""
    lp, targets, il, tl = random_case(np.random.default_rng(20), normalised=False)
    logits = 50.0 * lp  # confident and often wrong
    g = logits_grad(lu.ctc_grad(log_softmax(logits), targets, il, tl, reduction="sum"), logits)
    assert np.all(np.abs(g) <= 1 + 1e-12)
    assert np.abs(g).max() > 0.9


# -- the registry kind: no curve, no linear model -------------------------------------------------


def test_the_sequence_kind_is_registered() -> None:
    assert LOSSES["ctc"].kind == "sequence"
    assert (LOSSES["ctc"].torch_function, LOSSES["ctc"].torch_module) == ("ctc_loss", "CTCLoss")


def test_plot_loss_curve_rejects_a_sequence_loss() -> None:
    with pytest.raises(ValueError, match=re.escape("got 'ctc' (a loss of sequence); pass a callable x")):
        lu.plot.loss_curve("ctc", [0.0, 1.0])


def test_train_rejects_a_sequence_loss() -> None:
    message = "loss 'ctc' is a loss of label sequences (log-probabilities per frame, targets and lengths)"
    with pytest.raises(ValueError, match=re.escape(message)):
        lu.train.fit(np.zeros((4, 2)), np.zeros(4), "ctc")
    with pytest.raises(ValueError, match=re.escape(message)):
        lu.train.loss_and_grad(lu.train.LinearModel(weight=np.zeros(2), bias=0.0), np.zeros((4, 2)), np.zeros(4), "ctc")
