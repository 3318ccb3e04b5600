"""Tests of lossutils.nn: the torch modules against PyTorch's built-ins, the NumPy functions,
and torch.autograd.gradcheck, in float64."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import hinge_loss

import lossutils as lu
from lossutils.nn import CrossEntropyLoss, FocalLoss, LogCoshLoss, MeanBiasError, MulticlassHingeLoss, QuantileLoss

REDUCTIONS = ("mean", "sum", "none")


def value_and_grad(module, x: np.ndarray, target, *, weight_out: np.ndarray | None = None):
    """Module value and d(sum(value * weight_out))/d(input), as numpy."""
    inp = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = module(inp, target)
    seed = torch.ones_like(out) if weight_out is None else torch.tensor(weight_out)
    (out * seed).sum().backward()
    return out.detach().numpy(), inp.grad.numpy()


def logits_and_targets(shape=(6, 4), seed=0, ignore=None):
    rng = np.random.default_rng(seed)
    logits = 2.0 * rng.normal(size=shape)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    target = rng.integers(0, n_classes, size=target_shape)
    if ignore is not None and target.ndim:
        target.flat[::3] = ignore
    return logits, torch.tensor(target)


# -- CrossEntropyLoss against torch.nn.CrossEntropyLoss ----------------------------------------

CE_OPTIONS = list(
    itertools.product(
        [None, [0.5, 2.0, 1.0, 3.0]],  # weight
        [-100, 2],  # ignore_index (2 is a real class: its samples are dropped)
        REDUCTIONS,
        [0.0, 0.25],  # label_smoothing
    )
)


@pytest.mark.parametrize(("weight", "ignore_index", "reduction", "label_smoothing"), CE_OPTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (4,), (3, 4, 2, 2)])
def test_cross_entropy_matches_torch_for_every_option(shape, weight, ignore_index, reduction, label_smoothing):
    logits, target = logits_and_targets(shape, ignore=ignore_index)
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    ours = CrossEntropyLoss(weight=w, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    theirs = torch.nn.CrossEntropyLoss(
        weight=w, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    upstream = np.random.default_rng(1).uniform(0.5, 1.5, size=shape[:1] + shape[2:] if len(shape) > 1 else ())
    upstream = None if reduction != "none" else upstream
    v1, g1 = value_and_grad(ours, logits, target, weight_out=upstream)
    v2, g2 = value_and_grad(theirs, logits, target, weight_out=upstream)
    assert v1.shape == v2.shape
    np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    ("weight", "reduction", "label_smoothing"),
    list(itertools.product([None, [0.5, 2.0, 1.0]], REDUCTIONS, [0.0, 0.3])),
)
def test_cross_entropy_probability_targets_match_torch(weight, reduction, label_smoothing):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(5, 3))
    probs = torch.softmax(torch.tensor(rng.normal(size=(5, 3))), dim=1)
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    kwargs = {"weight": w, "reduction": reduction, "label_smoothing": label_smoothing}
    v1, g1 = value_and_grad(CrossEntropyLoss(**kwargs), logits, probs)
    v2, g2 = value_and_grad(torch.nn.CrossEntropyLoss(**kwargs), logits, probs)
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-15)


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    logits = torch.randn(3, 4, dtype=torch.float64)
    target = torch.full((3,), -100)
    ours = CrossEntropyLoss()(logits, target)
    theirs = F.cross_entropy(logits, target)
    assert torch.isnan(ours)
    assert torch.isnan(theirs)
    assert CrossEntropyLoss(reduction="sum")(logits, target).item() == 0.0


def test_cross_entropy_is_stable_for_huge_logits():
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1, 1])
    loss = CrossEntropyLoss(label_smoothing=0.1)(logits, target)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(logits.grad).all()
    ref = F.cross_entropy(logits.detach(), target, label_smoothing=0.1)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)


@pytest.mark.parametrize(
    ("weight", "reduction", "label_smoothing"),
    list(itertools.product([None, [1.0, 2.0, 3.0, 0.5]], REDUCTIONS, [0.0, 0.1])),
)
def test_cross_entropy_with_logits_masked_by_minus_inf_matches_torch(weight, reduction, label_smoothing):
    # padding / attention masks: a whole row but one class, and a class the target does not take
    inf = float("inf")
    logits = torch.tensor([[0.0, -inf, 1.0, 0.5], [2.0, -inf, -inf, -inf], [1.0, 2.0, -inf, 0.0]], dtype=torch.float64)
    target = torch.tensor([0, 0, 1])
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    ours_in, theirs_in = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    options = {"weight": w, "reduction": reduction, "label_smoothing": label_smoothing}
    ours = CrossEntropyLoss(**options)(ours_in, target)
    theirs = F.cross_entropy(theirs_in, target, **options)
    ours.sum().backward()
    theirs.sum().backward()
    if label_smoothing == 0:  # torch's loss is finite; with smoothing it is inf (-log p of a masked class)
        assert torch.isfinite(theirs).all()
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours_in.grad, theirs_in.grad, rtol=1e-12, atol=1e-12)


def test_cross_entropy_reads_its_attributes_at_forward_time():
    logits, target = logits_and_targets((6, 4), ignore=1)
    module = CrossEntropyLoss()
    module.weight = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    module.ignore_index = 1
    module.reduction = "sum"
    module.label_smoothing = 0.1
    ref = F.cross_entropy(
        torch.tensor(logits), target, weight=module.weight, ignore_index=1, reduction="sum", label_smoothing=0.1
    )
    assert module(torch.tensor(logits), target).item() == pytest.approx(ref.item(), rel=1e-12)


@pytest.mark.parametrize(("reduction", "label_smoothing"), list(itertools.product(REDUCTIONS, [0.0, 0.2])))
def test_cross_entropy_matches_numpy_lossutils(reduction, label_smoothing):
    logits, target = logits_and_targets((7, 3), ignore=-100)
    weight = np.array([1.0, 0.5, 2.0])
    module = CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=label_smoothing)
    value, grad = value_and_grad(module, logits, target)
    kwargs = {"weight": weight, "reduction": reduction, "label_smoothing": label_smoothing}
    np.testing.assert_allclose(value, lu.cross_entropy(logits, target.numpy(), **kwargs), rtol=1e-12)
    if reduction != "none":
        np.testing.assert_allclose(grad, lu.cross_entropy_grad(logits, target.numpy(), **kwargs), rtol=1e-10)


# -- the modules PyTorch lacks, against lossutils' NumPy functions -----------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_log_cosh_matches_numpy_and_is_stable(reduction):
    rng = np.random.default_rng(3)
    pred = np.r_[rng.normal(size=8) * 3, 1e4, -1e4, 800.0]
    target = np.r_[rng.normal(size=8), 0.0, 0.0, -1.0]
    value, grad = value_and_grad(LogCoshLoss(reduction=reduction), pred, torch.tensor(target))
    np.testing.assert_allclose(value, lu.log_cosh(pred, target, reduction=reduction), rtol=1e-12)
    np.testing.assert_allclose(grad, lu.log_cosh_grad(pred, target, reduction=reduction), rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(value))
    # far from 0: log cosh r = |r| - log 2
    big, _ = value_and_grad(LogCoshLoss(reduction="none"), np.array([1e4, -1e4]), torch.zeros(2, dtype=torch.float64))
    np.testing.assert_allclose(big, 1e4 - np.log(2.0), rtol=1e-15)


def _log_cosh_float64(r: np.ndarray) -> np.ndarray:
    """log cosh r in float64 from three formulas none of which lossutils uses: the Taylor series
    near 0, log(cosh r) where cosh r - 1 keeps its digits, the linear tail with its correction."""
    a = np.abs(r)
    series = a**2 / 2 - a**4 / 12 + a**6 / 45
    direct = np.log(np.cosh(np.minimum(a, 20.0)))
    tail = a - np.log(2.0) + np.log1p(np.exp(-2 * a))
    return np.where(a < 1e-2, series, np.where(a <= 20, direct, tail))


@pytest.mark.parametrize(("dtype", "rtol"), [(torch.float32, 1e-6), (torch.float64, 1e-11)])
def test_log_cosh_relative_error_against_float64_from_1e_minus_6_to_1e3(dtype, rtol):
    # |r| + softplus(-2|r|) - log 2 cancels near 0: float32 gave exactly 0 below 1e-4, negative near 1e-3
    r = torch.tensor(np.geomspace(1e-6, 1e3, 1001), dtype=dtype)
    r = torch.cat([r, -r])
    exact = _log_cosh_float64(r.double().numpy())  # at the residuals as rounded to dtype
    ours = LogCoshLoss(reduction="none")(r, torch.zeros_like(r))
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours.double().numpy(), exact, rtol=rtol, atol=0)
    twin = lu.log_cosh(r.numpy(), np.zeros(r.shape, dtype=r.numpy().dtype), reduction="none")
    np.testing.assert_allclose(twin.astype(np.float64), exact, rtol=rtol, atol=0)


@pytest.mark.parametrize(("q", "reduction"), list(itertools.product([0.1, 0.5, 0.9], REDUCTIONS)))
def test_quantile_matches_numpy_including_zero_residual(q, reduction):
    rng = np.random.default_rng(4)
    target = rng.normal(size=9)
    pred = target + rng.normal(size=9)
    pred[:3] = target[:3]  # residual exactly 0: the subgradient 0, as lossutils.quantile_grad
    value, grad = value_and_grad(QuantileLoss(q=q, reduction=reduction), pred, torch.tensor(target))
    np.testing.assert_allclose(value, lu.quantile(pred, target, q=q, reduction=reduction), rtol=1e-12)
    np.testing.assert_allclose(grad, lu.quantile_grad(pred, target, q=q, reduction=reduction), rtol=1e-12)
    assert np.all(grad[:3] == 0)


def test_quantile_best_constant_is_the_quantile():
    y = torch.tensor(lu.data.skewed_sample(n=501, seed=0))
    grid = torch.linspace(0.1, 6.0, 2000, dtype=torch.float64)
    losses = torch.stack([QuantileLoss(q=0.8)(torch.full_like(y, c), y) for c in grid])
    best = grid[losses.argmin()].item()
    assert best == pytest.approx(np.quantile(y.numpy(), 0.8, method="inverted_cdf"), abs=6.0 / 2000)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mean_bias_error_matches_numpy(reduction):
    pred, target = np.array([1.0, -2.0, 3.5]), np.array([0.5, 0.0, 4.0])
    value, grad = value_and_grad(MeanBiasError(reduction=reduction), pred, torch.tensor(target))
    np.testing.assert_allclose(value, lu.mbe(pred, target, reduction=reduction), rtol=1e-15)
    np.testing.assert_allclose(grad, lu.mbe_grad(pred, target, reduction=reduction), rtol=1e-15)


@pytest.mark.parametrize(
    ("gamma", "weight", "reduction"), list(itertools.product([0.0, 0.5, 2.0], [None, [0.25, 1.0, 2.0]], REDUCTIONS))
)
def test_focal_matches_numpy(gamma, weight, reduction):
    logits, target = logits_and_targets((8, 3), seed=5)
    module = FocalLoss(gamma=gamma, weight=weight, reduction=reduction).double()  # float64, like the logits
    value, grad = value_and_grad(module, logits, target)
    kwargs = {"gamma": gamma, "weight": weight, "reduction": reduction}
    np.testing.assert_allclose(value, lu.focal_loss(logits, target.numpy(), **kwargs), rtol=1e-12)
    if reduction != "none":
        np.testing.assert_allclose(grad, lu.focal_loss_grad(logits, target.numpy(), **kwargs), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(("weight", "reduction"), list(itertools.product([None, [0.25, 1.0, 2.0]], REDUCTIONS)))
def test_focal_with_gamma_zero_is_torch_cross_entropy(weight, reduction):
    logits, target = logits_and_targets((8, 3), seed=6)
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    v1, g1 = value_and_grad(FocalLoss(gamma=0.0, weight=w, reduction=reduction), logits, target)
    v2, g2 = value_and_grad(torch.nn.CrossEntropyLoss(weight=w, reduction=reduction), logits, target)
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-15)


def test_focal_gradients_stay_finite_when_confident():
    logits = torch.tensor([[60.0, -60.0], [0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    for gamma in (0.5, 1.0, 2.0):
        logits.grad = None
        FocalLoss(gamma=gamma)(logits, torch.tensor([0, 1])).backward()
        assert torch.isfinite(logits.grad).all()
        assert logits.grad[0].abs().max() < 1e-20  # an easy sample contributes (almost) nothing


def test_focal_down_weights_easy_samples():
    logits = torch.tensor([[3.0, 0.0], [0.2, 0.0]], dtype=torch.float64)
    target = torch.tensor([0, 0])
    ce = F.cross_entropy(logits, target, reduction="none")
    focal = FocalLoss(gamma=2.0, reduction="none")(logits, target)
    ratio = focal / ce
    assert ratio[0] < ratio[1] < 1


@pytest.mark.parametrize(
    ("variant", "margin", "reduction"),
    list(itertools.product(["weston_watkins", "crammer_singer"], [1.0, 0.5], REDUCTIONS)),
)
def test_multiclass_hinge_matches_numpy(variant, margin, reduction):
    scores, target = logits_and_targets((10, 4), seed=7)
    scores = np.round(scores, 1)  # ties and exact kinks occur
    module = MulticlassHingeLoss(margin=margin, variant=variant, reduction=reduction)
    value, grad = value_and_grad(module, scores, target)
    kwargs = {"margin": margin, "variant": variant, "reduction": reduction}
    np.testing.assert_allclose(value, lu.multiclass_hinge(scores, target.numpy(), **kwargs), rtol=1e-12)
    if reduction != "none":
        np.testing.assert_allclose(grad, lu.multiclass_hinge_grad(scores, target.numpy(), **kwargs), rtol=1e-12)


@pytest.mark.parametrize(("margin", "reduction"), list(itertools.product([1.0, 2.0], REDUCTIONS)))
def test_weston_watkins_over_c_is_torch_multi_margin(margin, reduction):
    scores, target = logits_and_targets((9, 5), seed=8)
    n_classes = 5
    v1, g1 = value_and_grad(MulticlassHingeLoss(margin=margin, reduction=reduction), scores, target)
    v2, g2 = value_and_grad(lambda x, t: F.multi_margin_loss(x, t, margin=margin, reduction=reduction), scores, target)
    np.testing.assert_allclose(v1 / n_classes, v2, rtol=1e-12)
    np.testing.assert_allclose(g1 / n_classes, g2, rtol=1e-12)


def test_crammer_singer_matches_sklearn_hinge_loss():
    scores, target = logits_and_targets((12, 4), seed=9)
    ours = MulticlassHingeLoss(variant="crammer_singer")(torch.tensor(scores), target).item()
    theirs = hinge_loss(target.numpy(), scores, labels=np.arange(4))
    assert ours == pytest.approx(theirs, rel=1e-12)


# -- gradcheck, buffers, dtypes ----------------------------------------------------------------

GRADCHECK_CASES = [
    (LogCoshLoss(), (5,), "regression"),
    (QuantileLoss(q=0.3, reduction="sum"), (5,), "regression"),
    (MeanBiasError(), (5,), "regression"),
    (FocalLoss(gamma=2.0, weight=[1.0, 2.0, 0.5]), (4, 3), "classes"),
    (FocalLoss(gamma=0.7, reduction="none"), (4, 3), "classes"),
    (MulticlassHingeLoss(), (4, 3), "classes"),
    (MulticlassHingeLoss(variant="crammer_singer", reduction="sum"), (4, 3), "classes"),
    (CrossEntropyLoss(weight=[1.0, 2.0, 0.5], ignore_index=1, label_smoothing=0.2), (6, 3), "classes"),
    (CrossEntropyLoss(reduction="none", label_smoothing=0.1), (2, 3, 2), "classes"),
]


@pytest.mark.parametrize(("module", "shape", "kind"), GRADCHECK_CASES, ids=lambda v: type(v).__name__)
def test_gradcheck_float64(module, shape, kind):
    rng = np.random.default_rng(10)
    x = torch.tensor(rng.normal(size=shape), requires_grad=True)
    if kind == "regression":
        # keep residuals away from the kink of the quantile loss, where the derivative jumps
        target = x.detach() + torch.tensor(rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape))
    else:
        target = torch.tensor(rng.integers(0, shape[1], size=(shape[0], *shape[2:])))
        if isinstance(module, MulticlassHingeLoss):
            x = torch.tensor(np.arange(np.prod(shape)).reshape(shape) * 0.37 % 2.0 - 1.0, requires_grad=True)
    module = module.double()
    assert torch.autograd.gradcheck(lambda inp: module(inp, target), (x,), eps=1e-6, atol=1e-8)


def test_weight_is_a_buffer_that_follows_dtype_and_state_dict():
    module = CrossEntropyLoss(weight=[1.0, 2.0, 3.0])
    assert "weight" in dict(module.named_buffers())
    assert "weight" in module.state_dict()
    assert module.weight.dtype == torch.get_default_dtype()
    assert module.double().weight.dtype == torch.float64
    no_weight = FocalLoss()
    assert no_weight.weight is None
    assert "weight" not in no_weight.state_dict()
    assert "label_smoothing=0.0" in repr(module)


def test_float32_input_keeps_float32():
    logits = torch.randn(4, 3)
    target = torch.tensor([0, 1, 2, 0])
    weight = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32)
    for module in (CrossEntropyLoss(weight=weight), FocalLoss(weight=weight), MulticlassHingeLoss()):
        assert module(logits, target).dtype == torch.float32
    assert LogCoshLoss()(torch.randn(3), torch.randn(3)).dtype == torch.float32


@pytest.mark.parametrize("module_class", [CrossEntropyLoss, FocalLoss])
def test_a_weight_of_another_dtype_is_an_error_as_in_torch(module_class) -> None:
    logits = torch.randn(4, 3, dtype=torch.float64)
    target = torch.tensor([0, 1, 2, 0])
    weight = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        torch.nn.CrossEntropyLoss(weight=weight)(logits, target)
    with pytest.raises(TypeError, match=r"weight has dtype torch\.float32 but input has dtype torch\.float64"):
        module_class(weight=weight)(logits, target)
    assert module_class(weight=weight).double()(logits, target).dtype == torch.float64


def test_nan_propagates():
    x = torch.tensor([[np.nan, 0.0], [1.0, 0.0]], dtype=torch.float64)
    assert torch.isnan(CrossEntropyLoss()(x, torch.tensor([0, 1])))
    assert torch.isnan(LogCoshLoss()(torch.tensor([np.nan, 1.0]), torch.zeros(2)))


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: LogCoshLoss(reduction="avg"), ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
        (lambda: QuantileLoss(q=1.2), ValueError, "q must lie in (0, 1), got 1.2"),
        (lambda: FocalLoss(gamma=-1.0), ValueError, "gamma must be >= 0 and finite, got -1.0"),
        (
            lambda: MulticlassHingeLoss(variant="ovr"),
            ValueError,
            "variant must be 'weston_watkins' or 'crammer_singer', got 'ovr'",
        ),
        (lambda: CrossEntropyLoss(label_smoothing=1.5), ValueError, "label_smoothing must lie in [0, 1], got 1.5"),
        (lambda: CrossEntropyLoss(ignore_index=1.0), TypeError, "ignore_index must be an int, got float"),
        (
            lambda: CrossEntropyLoss(weight=[[1.0, 2.0]]),
            ValueError,
            "weight must be a 1-D tensor with one weight per class; got shape (1, 2)",
        ),
    ],
)
def test_constructor_validation(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


@pytest.mark.parametrize(
    ("module", "inp", "target", "error", "message"),
    [
        (
            LogCoshLoss(),
            torch.zeros(3),
            torch.zeros(4),
            ValueError,
            "input and target must have the same shape; got input.shape=(3,), target.shape=(4,)",
        ),
        (
            MeanBiasError(),
            torch.zeros(3, dtype=torch.long),
            torch.zeros(3),
            TypeError,
            "input must be a floating-point",
        ),
        (QuantileLoss(), torch.zeros(0), torch.zeros(0), ValueError, "input is empty"),
        (
            CrossEntropyLoss(),
            torch.zeros(2, 5),
            torch.tensor([0, 7]),
            ValueError,
            "target holds class 7 but input has 5 classes",
        ),
        (
            CrossEntropyLoss(weight=[1.0, 2.0]),
            torch.zeros(2, 3),
            torch.tensor([0, 1]),
            ValueError,
            "weight must have shape (C,) = (3,); got shape (2,)",
        ),
        (
            CrossEntropyLoss(),
            torch.zeros(2, 3),
            torch.tensor([0, 1, 2]),
            ValueError,
            "target must have shape (2,) for input of shape (2, 3); got (3,)",
        ),
        (
            CrossEntropyLoss(),
            torch.zeros(2, 3),
            torch.zeros(2, 4),
            ValueError,
            "class-probability target must have the shape of input",
        ),
        (FocalLoss(), torch.zeros(2, 3), torch.tensor([True, False]), TypeError, "target must hold integer class"),
        (
            MulticlassHingeLoss(),
            torch.zeros(2, 3, 1),
            torch.zeros(2, 1, dtype=torch.long),
            ValueError,
            "input must have shape (N, C); got input.shape=(2, 3, 1)",
        ),
        (FocalLoss(), torch.zeros(2, 3), [0, 1], TypeError, "target must be a torch.Tensor, got list"),
    ],
)
def test_forward_validation(module, inp, target, error, message):
    with pytest.raises(error, match=re.escape(message)):
        module(inp, target)


def test_options_changed_after_construction_are_checked():
    module = CrossEntropyLoss()
    module.reduction = "avg"
    with pytest.raises(ValueError, match=re.escape("reduction must be 'mean', 'sum' or 'none', got 'avg'")):
        module(torch.zeros(2, 3), torch.tensor([0, 1]))
    hinge = MulticlassHingeLoss()
    hinge.variant = "nope"
    with pytest.raises(ValueError, match="variant must be"):
        hinge(torch.zeros(2, 3), torch.tensor([0, 1]))


def test_importing_lossutils_does_not_import_torch():
    code = "import sys, lossutils; print('torch' in sys.modules, 'lossutils.nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
