"""Common tests of every loss in :data:`lossutils.registry.LOSSES`, in the manner of
scikit-learn's ``sklearn/metrics/tests/test_common.py``.

Each test is parametrized over the registry, so a new entry is tested by every check here
without a line of test code, and a check that lacks what it needs for an entry (an input
generator for its kind, a torch reference) fails instead of skipping it. The checks:

1. value and gradient against torch, for every reduction: ``entry.torch_function`` where it is
   set, else the loss's definition written in torch (:data:`TORCH_FORMULA`, the naive
   reference), differentiated by autograd;
2. the gradient against central finite differences of the loss;
3. dtypes: float32 and float64 are kept, float16 comes back as float16 computed in float32,
   mixed dtypes promote as :func:`torch.result_type`;
4. NaN in the first argument propagates as in torch;
5. inputs are never written to, and results never share their memory;
6. result types and shapes: reduced losses are NumPy scalars, ``'none'`` gives one loss per
   sample, gradients have the shape of the first argument;
7. bad input is a ValueError naming the argument (key phrases only, not whole messages);
8. extreme inputs (scores of +-1e4, residuals of 1e4) give finite values and torch's gradients,
   with no floating-point warning.

Special cases (weights, ``ignore_index``, label smoothing, layouts, ``pos_weight``, ...) stay in
the per-family test files. A kind whose inputs these checks cannot build (:data:`DEDICATED_TEST_FILES`:
CTC's four arrays) is tested in its own file, which must run each of the checks on each of its losses.
"""

from __future__ import annotations

import importlib
import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossutils.activations import log_softmax, softmax
from lossutils.registry import KINDS, LOSSES, LossEntry

#: Kinds whose inputs the generic checks cannot build, and the test file that runs every check
#: of this file on their losses instead: a "sequence" loss (CTC) takes log-probabilities, targets
#: and two length vectors. Their losses are left out of NAMES (see the test at the end).
DEDICATED_TEST_FILES = {"sequence": "test_ctc"}
NAMES = [name for name, entry in LOSSES.items() if entry.kind not in DEDICATED_TEST_FILES]
REDUCTIONS = ("mean", "sum", "none")
N_CLASSES = 4  # the length of _CLASS_OFFSETS

# -- inputs ------------------------------------------------------------------------------------
#
# Every loss has its kinks where a residual, a margin or a difference of two class scores is a
# multiple of 0.5 (0, delta, beta, margin: the defaults and the OPTIONS below are chosen so), and
# the generators keep those quantities at least 0.05 away from every multiple of 0.5, so that
# the derivative exists at every point they return and finite differences of step 1e-6 see it.

KINK_GAP = 0.05


def _off_the_kinks(x: np.ndarray) -> np.ndarray:
    """``x`` moved by less than 0.05 so that it is at least 0.05 away from every multiple of 0.5."""
    frac = np.mod(x, 0.5)
    return x - frac + np.clip(frac, KINK_GAP, 0.5 - KINK_GAP)


# Fractional parts of the class scores within a row: every difference of two of them, and its
# negative, lies at least 0.05 from a multiple of 0.5 (0.11, 0.12, 0.13, 0.23, 0.25, 0.36).
_CLASS_OFFSETS = np.array([0.0, 0.11, 0.23, 0.36])


def _class_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scores (n, C) whose pairwise differences within a row all stay off the kinks: multiples
    of 0.5, plus the offsets in a random order, plus a shift common to the row."""
    halves = 0.5 * rng.integers(-6, 7, size=(n, N_CLASSES))
    offsets = rng.permuted(np.tile(_CLASS_OFFSETS, (n, 1)), axis=1)
    return halves + offsets + rng.uniform(-1.0, 1.0, size=(n, 1))


def _residual(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.normal(size=(n, 3))
    return target + _off_the_kinks(2.0 * rng.normal(size=(n, 3))), target


def _probability(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.05, 0.95, size=(n, 3)), rng.integers(0, 2, size=(n, 3)).astype(np.float64)


def _logit(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return 3.0 * rng.normal(size=(n, 3)), rng.integers(0, 2, size=(n, 3)).astype(np.float64)


def _margin(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.choice([-1.0, 1.0], size=(n, 3))
    return target * _off_the_kinks(2.0 * rng.normal(size=(n, 3))), target  # target × score off the kinks


def _classes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return _class_scores(rng, n), rng.integers(0, N_CLASSES, size=n)


def _distribution(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return log_softmax(rng.normal(size=(n, N_CLASSES))), softmax(rng.normal(size=(n, N_CLASSES)))


#: One generator per kind: (rng, number of samples) -> (first argument, target) in float64.
GENERATORS: dict[str, Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]] = {
    "residual": _residual,
    "probability": _probability,
    "logit": _logit,
    "margin": _margin,
    "classes": _classes,
    "distribution": _distribution,
}


def inputs(kind: str, rng: np.random.Generator, dtype: Any = np.float64, n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A valid (first argument, target) pair of ``kind`` with ``n`` samples, off every kink.

    Floating arrays come in ``dtype``; class indices stay int64.
    """
    first, target = GENERATORS[kind](rng, n)
    return first.astype(dtype), target.astype(dtype) if target.dtype.kind == "f" else target


#: Inputs at the edge of the float range, one pair per kind (no residual or margin at a kink).
EXTREME: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "residual": (
        np.array([[1e4, -1e4, 2e4], [0.3, -1e4, 1e4]]),
        np.array([[0.0, 0.0, 1e4], [0.0, 1e4, -1e4]]),
    ),
    "probability": (  # the ends of [0, 1]: torch's clamps (log at -100, p(1 - p) at 1e-12)
        np.array([[0.0, 1.0, 1e-30], [1.0 - 1e-10, 0.0, 1.0]]),
        np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    ),
    "logit": (
        np.array([[1e4, -1e4, 1e4], [-1e4, 0.3, -1e4]]),
        np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
    ),
    "margin": (
        np.array([[1e4, -1e4, 1e4], [-1e4, 0.3, -1e4]]),
        np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]]),
    ),
    "classes": (
        np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, -1e4, 0.3], [1e4, 1e4, -1e4, 0.0]]),
        np.array([0, 0, 1]),
    ),
    "distribution": (
        np.array([[-1e4, 0.0, -5.0], [-2.0, -1e4, -1e4]]),
        np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]),
    ),
}


def sample_shape(kind: str, first_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of ``reduction='none'``: one loss per sample (the class axis summed out)."""
    return first_shape[:1] if kind == "classes" else first_shape


# -- references ----------------------------------------------------------------------------------


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def _mbe(x: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
    return _reduce(x - t, reduction)


def _log_cosh(x: torch.Tensor, t: torch.Tensor, reduction: str) -> torch.Tensor:
    r = x - t
    return _reduce(torch.logaddexp(r, -r) - math.log(2.0), reduction)  # log((e^r + e^-r) / 2)


def _quantile(x: torch.Tensor, t: torch.Tensor, reduction: str, q: float = 0.5) -> torch.Tensor:
    d = t - x  # scikit-learn's mean_pinball_loss(t, x, alpha=q) for 'mean'
    return _reduce(torch.maximum(q * d, (q - 1) * d), reduction)


def _focal_loss(x: torch.Tensor, t: torch.Tensor, reduction: str, gamma: float = 2.0) -> torch.Tensor:
    ce = F.cross_entropy(x, t, reduction="none")  # -log p_t; gamma = 0 is cross-entropy itself
    return _reduce((-torch.expm1(-ce)) ** gamma * ce, reduction)  # (1 - p_t)^gamma (-log p_t)


def _hinge(x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0) -> torch.Tensor:
    return _reduce(torch.relu(margin - t * x), reduction)


def _squared_hinge(x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0) -> torch.Tensor:
    return _reduce(torch.relu(margin - t * x) ** 2, reduction)


def _multiclass_hinge(
    x: torch.Tensor, t: torch.Tensor, reduction: str, margin: float = 1.0, variant: str = "weston_watkins"
) -> torch.Tensor:
    if variant == "weston_watkins":  # torch's multi_margin_loss divides the sum over classes by C
        return x.shape[1] * F.multi_margin_loss(x, t, p=1, margin=margin, reduction=reduction)
    s_y = x.gather(1, t[:, None])[:, 0]
    others = x.masked_fill(F.one_hot(t, x.shape[1]).bool(), -torch.inf)
    return _reduce(torch.relu(margin - s_y + others.max(dim=1).values), reduction)


#: The naive reference of every loss that has no ``torch_function``: its definition in torch,
#: with the loss's options and their defaults. A test requires one for each such entry.
TORCH_FORMULA: dict[str, Callable[..., torch.Tensor]] = {
    "mbe": _mbe,
    "log_cosh": _log_cosh,
    "quantile": _quantile,
    "focal_loss": _focal_loss,
    "hinge": _hinge,
    "squared_hinge": _squared_hinge,
    "multiclass_hinge": _multiclass_hinge,
}

#: Option values besides the defaults that the torch comparison and the finite differences also
#: try (kinks at multiples of 0.5, see the generators); the torch twin takes the same options.
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "huber": [{"delta": 1.5}],
    "smooth_l1": [{"beta": 0.5}, {"beta": 0.0}],
    "quantile": [{"q": 0.3}],
    "cross_entropy": [{"label_smoothing": 0.2}],
    "focal_loss": [{"gamma": 0.0}, {"gamma": 1.5}],
    "hinge": [{"margin": 0.5}],
    "squared_hinge": [{"margin": 1.5}],
    "multiclass_hinge": [{"margin": 0.5}, {"variant": "crammer_singer"}],
    # class weights as a tensor, which torch needs and lossutils reads like any array
    "multi_margin": [
        {"p": 2},
        {"margin": 0.5},
        {"weight": torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=torch.float64)},
        {"p": 2, "margin": 1.5, "weight": torch.tensor([1.5, 0.25, 1.0, 2.0], dtype=torch.float64)},
    ],
}

#: Losses whose torch twin raises on NaN in the first argument, where lossutils propagates it
#: (documented); checked to still raise, so the entry cannot go stale.
TORCH_REJECTS_NAN = {"binary_cross_entropy"}


def option_sets(name: str) -> list[dict[str, Any]]:
    return [{}, *OPTIONS.get(name, [])]


def default_reduction(entry: LossEntry) -> str:
    return inspect.signature(entry.fn).parameters["reduction"].default


def reductions(entry: LossEntry) -> tuple[str, ...]:
    """'mean', 'sum', 'none' and the loss's default ('batchmean' for kl_div)."""
    return tuple(dict.fromkeys((*REDUCTIONS, default_reduction(entry))))


def torch_reference(entry: LossEntry) -> Callable[..., torch.Tensor]:
    """``torch.nn.functional.<torch_function>``, or the loss's :data:`TORCH_FORMULA`."""
    if entry.torch_function is not None:
        return getattr(F, entry.torch_function)
    return TORCH_FORMULA[entry.name]  # a KeyError fails the test: no loss goes unchecked


def torch_value_and_grad(
    entry: LossEntry, first: np.ndarray, target: np.ndarray, reduction: str, **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The reference's value and, by autograd, the gradient of its sum (per sample for 'none')."""
    x = torch.tensor(first, requires_grad=True)
    with warnings.catch_warnings():  # F.kl_div warns that its 'mean' is not 'batchmean': known
        warnings.filterwarnings("ignore", message=".*divides the total loss by both", category=UserWarning)
        out = torch_reference(entry)(x, torch.from_numpy(np.array(target)), reduction=reduction, **options)
    out.sum().backward()
    assert x.grad is not None
    return out.detach().numpy(), x.grad.numpy()


def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    return torch.empty(0, dtype=dtype).numpy().dtype


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded by the loss's name, so each loss sees its own data, the same every run."""
    return np.random.default_rng(list(name.encode()))


# -- the registry has everything the checks need -------------------------------------------------


def test_every_kind_has_inputs() -> None:
    assert set(GENERATORS) == set(KINDS) - set(DEDICATED_TEST_FILES)
    assert set(EXTREME) == set(KINDS) - set(DEDICATED_TEST_FILES)


def test_every_loss_without_a_torch_function_has_a_torch_formula() -> None:
    assert set(TORCH_FORMULA) == {name for name, entry in LOSSES.items() if entry.torch_function is None}


def test_the_lists_of_special_cases_name_registered_losses() -> None:
    assert set(OPTIONS).issubset(LOSSES)
    assert TORCH_REJECTS_NAN.issubset(LOSSES)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_takes_the_arguments_of_its_loss(name: str) -> None:
    entry = LOSSES[name]
    params = inspect.signature(entry.fn).parameters
    assert inspect.signature(entry.grad).parameters == params
    first, second, *options = params.values()
    assert second.name == "target"
    assert first.kind is second.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert "reduction" in params
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in options)


# -- 1. value and gradient against torch ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reduction"), [(name, reduction) for name in NAMES for reduction in reductions(LOSSES[name])]
)
def test_value_and_gradient_match_torch(name: str, reduction: str) -> None:
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name))
    for options in option_sets(name):
        value = entry.fn(first, target, reduction=reduction, **options)
        grad = entry.grad(first, target, reduction=reduction, **options)
        ref_value, ref_grad = torch_value_and_grad(entry, first, target, reduction, **options)
        assert np.shape(value) == ref_value.shape, options
        np.testing.assert_allclose(value, ref_value, rtol=1e-10, atol=1e-12, err_msg=str(options))
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12, err_msg=str(options))


# -- 2. gradient against finite differences ------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_finite_differences(name: str) -> None:
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name))
    h = 1e-6  # far below the inputs' distance to a kink (KINK_GAP)
    for options in option_sets(name):
        numeric = np.empty_like(first)
        for i in np.ndindex(first.shape):
            up, down = first.copy(), first.copy()
            up[i] += h
            down[i] -= h
            diff = entry.fn(up, target, reduction="sum", **options) - entry.fn(down, target, reduction="sum", **options)
            numeric[i] = diff / (2 * h)
        grad = entry.grad(first, target, reduction="sum", **options)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=str(options))


# -- 3. dtypes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_float32_and_float64_are_kept(name: str, dtype: type) -> None:
    entry = LOSSES[name]
    first64, target64 = inputs(entry.kind, rng_for(name))
    first, target = inputs(entry.kind, rng_for(name), dtype)
    for reduction in reductions(entry):
        value = entry.fn(first, target, reduction=reduction)
        grad = entry.grad(first, target, reduction=reduction)
        assert value.dtype == dtype, reduction
        assert grad.dtype == dtype, reduction
        if dtype == np.float32:  # the same numbers as in float64, to float32's precision
            np.testing.assert_allclose(value, entry.fn(first64, target64, reduction=reduction), rtol=2e-5, atol=1e-6)
            np.testing.assert_allclose(grad, entry.grad(first64, target64, reduction=reduction), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_float16_in_float16_out(name: str) -> None:
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name), np.float16)
    first32, target32 = first.astype(np.float32), target.astype(np.float32) if target.dtype.kind == "f" else target
    for reduction in reductions(entry):
        value = entry.fn(first, target, reduction=reduction)
        grad = entry.grad(first, target, reduction=reduction)
        assert value.dtype == grad.dtype == np.float16, reduction
        # the float32 result of the same (float16) numbers, rounded to float16; loose, since a
        # loss computed in float16 itself is off by a few units in the last place
        expected = entry.fn(first32, target32, reduction=reduction).astype(np.float16)
        expected_grad = entry.grad(first32, target32, reduction=reduction).astype(np.float16)
        np.testing.assert_allclose(value.astype(np.float32), expected.astype(np.float32), rtol=1e-2, atol=1e-3)
        np.testing.assert_allclose(grad.astype(np.float32), expected_grad.astype(np.float32), rtol=1e-2, atol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_float16_is_computed_in_float32(name: str) -> None:
    entry = LOSSES[name]
    n = 70_000  # more samples than float16 counts: only a float32 accumulation gets the mean right
    first, target = inputs(entry.kind, rng_for(name), np.float16, n=n)
    first32, target32 = first.astype(np.float32), target.astype(np.float32) if target.dtype.kind == "f" else target
    default = default_reduction(entry)  # a mean: 'batchmean' for kl_div
    value, grad = entry.fn(first, target, reduction=default), entry.grad(first, target, reduction=default)
    assert value.dtype == grad.dtype == np.float16
    expected = entry.fn(first32, target32, reduction=default).astype(np.float16)
    expected_grad = entry.grad(first32, target32, reduction=default).astype(np.float16)
    assert np.isfinite(value)
    np.testing.assert_allclose(value.astype(np.float32), expected.astype(np.float32), rtol=1e-3)
    np.testing.assert_allclose(grad.astype(np.float32), expected_grad.astype(np.float32), rtol=1e-3, atol=1e-7)
    assert np.count_nonzero(grad) == np.count_nonzero(expected_grad)  # 1/N in float16 is subnormal, not 0


@pytest.mark.parametrize(
    ("first_dtype", "target_dtype"), [(np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32)]
)
@pytest.mark.parametrize("name", NAMES)
def test_mixed_dtypes_promote_as_in_torch(name: str, first_dtype: type, target_dtype: type) -> None:
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name))
    first = first.astype(first_dtype)
    if target.dtype.kind == "f":  # class indices stay integers: torch keeps the float dtype then
        target = target.astype(target_dtype)
    expected = numpy_dtype(torch.result_type(torch.from_numpy(first), torch.from_numpy(target)))
    for reduction in reductions(entry):
        assert entry.fn(first, target, reduction=reduction).dtype == expected, reduction
        assert entry.grad(first, target, reduction=reduction).dtype == expected, reduction


# -- 4. NaN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_nan_propagates_as_in_torch(name: str) -> None:
    """NaN in one element of the first argument makes its sample's loss NaN, and the reduced
    loss; the gradient is NaN at least where torch's is, and every other sample is untouched."""
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name))
    poisoned = np.zeros(first.shape, dtype=bool)  # the elements of the poisoned sample
    if entry.kind == "classes":
        first[0, target[0]] = np.nan  # the true class's score, which every loss over classes reads
        poisoned[0] = True
    else:
        first[0, 0] = np.nan
        poisoned[0, 0] = True
    in_sample = poisoned[:, 0] if entry.kind == "classes" else poisoned
    for reduction in reductions(entry):
        value = entry.fn(first, target, reduction=reduction)
        grad = entry.grad(first, target, reduction=reduction)
        if reduction == "none":
            np.testing.assert_array_equal(np.isnan(value), in_sample)
        else:
            assert np.isnan(value), reduction
        if name in TORCH_REJECTS_NAN:
            with pytest.raises(RuntimeError):
                torch_value_and_grad(entry, first, target, reduction)
            assert np.all(np.isnan(grad[poisoned])), reduction
            assert not np.any(np.isnan(grad[~poisoned])), reduction
            continue
        ref_value, ref_grad = torch_value_and_grad(entry, first, target, reduction)
        assert np.all(np.isnan(grad[np.isnan(ref_grad)])), reduction
        np.testing.assert_allclose(grad[~poisoned], ref_grad[~poisoned], rtol=1e-10, atol=1e-12, err_msg=reduction)
        if reduction == "none":
            np.testing.assert_allclose(value[~in_sample], ref_value[~in_sample], rtol=1e-10, atol=1e-12)


# -- 5. no mutation, no aliasing ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_mutated_and_results_do_not_alias_them(name: str) -> None:
    entry = LOSSES[name]
    for dtype in (np.float64, np.float32):
        first, target = inputs(entry.kind, rng_for(name), dtype)
        first_copy, target_copy = first.copy(), target.copy()
        first.flags.writeable = target.flags.writeable = False  # any write to them raises
        for reduction in reductions(entry):
            for fn in (entry.fn, entry.grad):
                out = fn(first, target, reduction=reduction)
                assert not np.shares_memory(out, first), (fn.__name__, reduction)
                assert not np.shares_memory(out, target), (fn.__name__, reduction)
        np.testing.assert_array_equal(first, first_copy)
        np.testing.assert_array_equal(target, target_copy)


# -- 6. result types and shapes -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_results_are_numpy_scalars_and_arrays_of_the_right_shape(name: str) -> None:
    entry = LOSSES[name]
    first, target = inputs(entry.kind, rng_for(name), n=5)
    for reduction in reductions(entry):
        value = entry.fn(first, target, reduction=reduction)
        grad = entry.grad(first, target, reduction=reduction)
        if reduction == "none":
            assert type(value) is np.ndarray
            assert value.shape == sample_shape(entry.kind, first.shape)
        else:
            assert isinstance(value, np.floating), (reduction, type(value))  # as np.mean returns
        assert value.dtype == np.float64
        assert type(grad) is np.ndarray, reduction
        assert grad.shape == first.shape, reduction
        assert grad.dtype == np.float64


# -- 7. bad input --------------------------------------------------------------------------------


def _first_name(entry: LossEntry) -> str:
    return next(iter(inspect.signature(entry.fn).parameters))


FUNCTIONS = pytest.mark.parametrize("gradient", [False, True], ids=["loss", "grad"])


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_mismatched_shapes_are_a_value_error_naming_the_target(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    first, target = inputs(entry.kind, rng_for(name))
    with pytest.raises(ValueError, match="target") as error:
        fn(first, target[:-1])  # one sample short
    assert "shape" in str(error.value)


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_reduction_is_a_value_error_naming_reduction(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    first, target = inputs(entry.kind, rng_for(name))
    allowed = reductions(entry)
    for bad in ("avg", "MEAN", None, *(["batchmean"] if "batchmean" not in allowed else [])):
        with pytest.raises(ValueError, match="reduction") as error:
            fn(first, target, reduction=bad)
        message = str(error.value)
        assert repr(bad) in message  # the value given ...
        assert all(repr(r) in message for r in allowed), message  # ... and the ones allowed


@FUNCTIONS
@pytest.mark.parametrize("name", NAMES)
def test_an_empty_input_is_a_value_error_naming_it(name: str, gradient: bool) -> None:
    entry = LOSSES[name]
    fn = entry.grad if gradient else entry.fn
    first, target = inputs(entry.kind, rng_for(name))
    for empty_first, empty_target in [(first[:0], target[:0]), ([], [])]:  # no samples: arrays, lists
        with pytest.raises(ValueError, match=f"{_first_name(entry)} is empty"):
            fn(empty_first, empty_target)


# -- 8. extreme inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_are_finite_and_match_torch(name: str) -> None:
    entry = LOSSES[name]
    first, target = EXTREME[entry.kind]
    first32, target32 = first.astype(np.float32), target.astype(np.float32) if target.dtype.kind == "f" else target
    for reduction in reductions(entry):
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            value = entry.fn(first, target, reduction=reduction)
            grad = entry.grad(first, target, reduction=reduction)
            value32 = entry.fn(first32, target32, reduction=reduction)
            grad32 = entry.grad(first32, target32, reduction=reduction)
        assert np.all(np.isfinite(value)), reduction
        assert np.all(np.isfinite(grad)), reduction
        ref_value, ref_grad = torch_value_and_grad(entry, first, target, reduction)
        np.testing.assert_allclose(value, ref_value, rtol=1e-10, atol=1e-12, err_msg=reduction)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12, err_msg=reduction)
        assert value32.dtype == grad32.dtype == np.float32
        assert np.all(np.isfinite(value32)), reduction
        assert np.all(np.isfinite(grad32)), reduction


# -- kinds tested in their own file ----------------------------------------------------------------

#: The checks of this file, which the test file of a dedicated kind maps to its own tests, loss by loss.
COMMON_CHECKS = (
    "arguments",  # the gradient takes the loss's arguments
    "torch",  # 1. value and gradient against torch, every reduction and option
    "finite_differences",  # 2.
    "dtypes",  # 3. float32, float64, float16 computed in float32
    "nan",  # 4.
    "no_mutation",  # 5.
    "shapes",  # 6. result types and shapes
    "bad_input",  # 7.
    "extreme",  # 8.
)


def test_every_loss_of_a_dedicated_kind_runs_the_common_checks_in_its_own_file() -> None:
    assert set(DEDICATED_TEST_FILES) <= set(KINDS)
    for name, entry in LOSSES.items():
        if entry.kind not in DEDICATED_TEST_FILES:
            continue
        module = importlib.import_module(DEDICATED_TEST_FILES[entry.kind])
        checks = module.COMMON_CHECKS.get(name)
        assert checks is not None, f"{name} (kind {entry.kind!r}) has no tests in {module.__name__}.py"
        assert set(checks) == set(COMMON_CHECKS), name
        for check, test in checks.items():
            assert callable(test), (name, check)
            assert test.__name__.startswith("test_"), (name, check)
            assert getattr(module, test.__name__) is test, (name, check)  # collected by pytest from that file
