"""What is specific to the losses of predicted distributions (lossutils.distributions): the
variance shapes of gaussian_nll and the gradient's shape for each, torch's eps clamp, ``full``;
poisson_nll's Stirling term, its relation to scikit-learn's Poisson deviance, its domain; and
how plot and train handle both. Values, gradients, dtypes and errors common to every loss are
in tests/test_common.py."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance

import lossutils as lu
from lossutils import cards, plot, train

REDUCTIONS = ("mean", "sum", "none")
RNG = np.random.default_rng(20240515)
MEAN = RNG.normal(size=(4, 3))
TARGET = MEAN + RNG.normal(size=(4, 3))


def torch_gaussian(mean, target, var, **options):
    """F.gaussian_nll_loss's value and autograd gradients (mean, var) of its sum; a Python float var
    has no gradient in torch, so it is given as a 0-d tensor expanded to the mean's shape."""
    m = torch.tensor(mean, requires_grad=True)
    v = torch.tensor(var, requires_grad=True)
    out = F.gaussian_nll_loss(m, torch.tensor(target), v.expand(m.shape) if v.ndim == 0 else v, **options)
    out.sum().backward()
    return out.detach().numpy(), m.grad.numpy(), v.grad.numpy()


# -- gaussian_nll: the shapes of var ---------------------------------------------------------------

# every shape torch accepts for a mean of shape (4, 3), and what it means
VAR_SHAPES = {
    (4, 3): "one variance per element",
    (4,): "one per sample (torch adds the last axis)",
    (4, 1): "one per sample, shared along the last axis",
    (1, 3): "one per output, shared along the samples",
    (): "one for all (homoscedastic)",
}


@pytest.mark.parametrize("shape", list(VAR_SHAPES), ids=list(VAR_SHAPES.values()))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_var_shape_matches_torch_and_its_gradient_has_var_shape(shape, reduction):
    var = RNG.uniform(0.2, 3.0, size=shape)
    value = lu.gaussian_nll(MEAN, TARGET, var, reduction=reduction)
    d_mean, d_var = lu.gaussian_nll_grad(MEAN, TARGET, var, reduction=reduction)
    ref_value, ref_mean, ref_var = torch_gaussian(MEAN, TARGET, var, reduction=reduction)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    assert d_mean.shape == MEAN.shape
    assert d_var.shape == shape
    np.testing.assert_allclose(d_mean, ref_mean, rtol=1e-12)
    np.testing.assert_allclose(d_var, ref_var, rtol=1e-12)


def test_a_shared_variance_gets_the_sum_of_the_derivatives_of_the_losses_that_share_it():
    per_element = RNG.uniform(0.2, 3.0, size=(4, 1)) * np.ones((1, 3))
    _, d_elements = lu.gaussian_nll_grad(MEAN, TARGET, per_element, reduction="sum")
    _, d_shared = lu.gaussian_nll_grad(MEAN, TARGET, per_element[:, :1], reduction="sum")
    _, d_short = lu.gaussian_nll_grad(MEAN, TARGET, per_element[:, 0], reduction="sum")
    np.testing.assert_allclose(d_shared[:, 0], d_elements.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(d_short, d_elements.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        lu.gaussian_nll(MEAN, TARGET, per_element[:, 0]), lu.gaussian_nll(MEAN, TARGET, per_element)
    )


@pytest.mark.parametrize("var", [1.5, 2, np.float32(1.5), np.array(1.5)], ids=["float", "int", "float32", "0-d"])
def test_a_single_number_is_one_variance_for_every_element(var):
    # torch's Python float var (an int is a TypeError in torch; here it is read as a float)
    value = lu.gaussian_nll(MEAN, TARGET, var, reduction="none")
    np.testing.assert_allclose(
        value, F.gaussian_nll_loss(torch.tensor(MEAN), torch.tensor(TARGET), float(var), reduction="none")
    )
    d_mean, d_var = lu.gaussian_nll_grad(MEAN, TARGET, var)
    assert d_var.shape == ()
    assert d_var.dtype == np.float64
    _, ref_mean, ref_var = torch_gaussian(MEAN, TARGET, np.array(float(var)))
    np.testing.assert_allclose(d_mean, ref_mean, rtol=1e-12)
    np.testing.assert_allclose(d_var, ref_var, rtol=1e-12)


def test_one_dimensional_mean_with_a_variance_of_shape_1_or_0d_as_torch():
    mean, target = MEAN[:, 0], TARGET[:, 0]
    for var in (np.array([0.7]), np.array(0.7)):
        m, v = torch.tensor(mean, requires_grad=True), torch.tensor(var, requires_grad=True)
        out = F.gaussian_nll_loss(m, torch.tensor(target), v)  # torch accepts both for a 1-D mean
        out.backward()
        d_mean, d_var = lu.gaussian_nll_grad(mean, target, var)
        np.testing.assert_allclose(lu.gaussian_nll(mean, target, var), out.item(), rtol=1e-12)
        np.testing.assert_allclose(d_mean, m.grad.numpy(), rtol=1e-12)
        assert d_var.shape == var.shape
        np.testing.assert_allclose(d_var, v.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(3,), (1, 1), (2, 3), (4, 3, 1), (4, 2), (1,)])
def test_var_shapes_torch_rejects_are_a_value_error_listing_the_accepted_ones(shape):
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(torch.tensor(MEAN), torch.tensor(TARGET), torch.ones(shape, dtype=torch.float64))
    message = (
        "var must have the shape of mean (4, 3), that shape without its last axis (4,), that shape with one "
        f"axis of size 1, or be a single number; got var.shape={shape}"
    )
    for fn in (lu.gaussian_nll, lu.gaussian_nll_grad):
        with pytest.raises(ValueError, match=re.escape(message)):
            fn(MEAN, TARGET, np.ones(shape))


def test_a_negative_variance_is_a_value_error_as_in_torch():
    var = np.ones((4, 3))
    var[2, 1] = -0.5
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(torch.tensor(MEAN), torch.tensor(TARGET), torch.tensor(var))
    for fn in (lu.gaussian_nll, lu.gaussian_nll_grad):
        with pytest.raises(ValueError, match=re.escape("var must be >= 0 (a variance); found -0.5")):
            fn(MEAN, TARGET, var)
        with pytest.raises(ValueError, match=re.escape("var must be >= 0 (a variance); found -1")):
            fn(MEAN, TARGET, -1.0)


def test_target_must_have_the_mean_shape_where_torch_broadcasts():
    F.gaussian_nll_loss(torch.tensor(MEAN), torch.tensor(TARGET[:, :1]), torch.ones(4, 3))  # torch: no error
    with pytest.raises(ValueError, match=re.escape("mean and target must have the same shape; got mean.shape=(4, 3)")):
        lu.gaussian_nll(MEAN, TARGET[:, :1], np.ones((4, 3)))


def test_gaussian_options_are_checked():
    with pytest.raises(TypeError, match="full must be a bool"):
        lu.gaussian_nll(MEAN, TARGET, 1.0, full=1)
    for eps in (0.0, -1e-6, math.inf):
        with pytest.raises(ValueError, match="eps must be > 0 and finite"):
            lu.gaussian_nll_grad(MEAN, TARGET, 1.0, eps=eps)
    with pytest.raises(TypeError, match="var must hold real numbers"):
        lu.gaussian_nll(MEAN, TARGET, "1.0")


# -- gaussian_nll: the clamp at eps and full ------------------------------------------------------


def test_the_clamp_at_eps_is_torchs_and_its_gradient_passes_it():
    var = np.array([[0.0, 1e-9, 1e-6], [2e-6, 0.5, 3.0]])
    mean, target = MEAN[:2], TARGET[:2]
    for eps in (1e-6, 0.75):
        value = lu.gaussian_nll(mean, target, var, eps=eps, reduction="none")
        np.testing.assert_allclose(
            value, lu.gaussian_nll(mean, target, np.maximum(var, eps), eps=eps, reduction="none")
        )
        ref_value, ref_mean, ref_var = torch_gaussian(mean, target, var, eps=eps, reduction="none")
        d_mean, d_var = lu.gaussian_nll_grad(mean, target, var, eps=eps, reduction="none")
        np.testing.assert_allclose(value, ref_value, rtol=1e-12)
        np.testing.assert_allclose(d_mean, ref_mean, rtol=1e-12)
        np.testing.assert_allclose(d_var, ref_var, rtol=1e-12)
        # below eps the loss is flat in var, yet the gradient is the formula at eps, not 0
        clamped = var < eps
        v = np.maximum(var, eps)
        np.testing.assert_allclose(d_var[clamped], (0.5 * (1 / v - (mean - target) ** 2 / v**2))[clamped], rtol=1e-12)
        assert np.all(d_var[clamped] != 0)
        nudged = lu.gaussian_nll(mean, target, np.where(clamped, var * 0.5, var), eps=eps, reduction="none")
        np.testing.assert_array_equal(nudged, value)


def test_full_adds_half_log_two_pi_and_gives_the_exact_negative_log_density():
    var = RNG.uniform(0.2, 3.0, size=(4, 3))
    plain = lu.gaussian_nll(MEAN, TARGET, var, reduction="none")
    full = lu.gaussian_nll(MEAN, TARGET, var, reduction="none", full=True)
    np.testing.assert_allclose(full - plain, 0.5 * np.log(2 * np.pi), rtol=1e-12)
    np.testing.assert_allclose(full, -stats.norm.logpdf(TARGET, loc=MEAN, scale=np.sqrt(var)), rtol=1e-12)
    with_full, without = lu.gaussian_nll_grad(MEAN, TARGET, var, full=True), lu.gaussian_nll_grad(MEAN, TARGET, var)
    for a, b in zip(with_full, without, strict=True):
        np.testing.assert_array_equal(a, b)  # a constant changes no gradient


def test_with_unit_variance_it_is_half_the_squared_error():
    np.testing.assert_allclose(lu.gaussian_nll(MEAN, TARGET, 1.0), 0.5 * lu.mse(MEAN, TARGET), rtol=1e-12)
    np.testing.assert_allclose(lu.gaussian_nll_grad(MEAN, TARGET, 1.0)[0], 0.5 * lu.mse_grad(MEAN, TARGET), rtol=1e-12)


def test_gaussian_card_claims():
    c = cards.card("gaussian_nll")
    eps = c.options["eps"]
    # the output is at least 1/2 log eps, reached by a perfect prediction with variance <= eps
    assert float(lu.gaussian_nll([1.0], [1.0], [0.0])) == pytest.approx(0.5 * np.log(eps), rel=1e-12)
    losses = lu.gaussian_nll(MEAN, TARGET, RNG.uniform(0, 2, size=(4, 3)), reduction="none")
    assert np.all(losses >= 0.5 * np.log(eps))
    assert float(lu.gaussian_nll([1.0], [1.01], [0.01])) < 0  # confident and accurate: negative
    # the mean's pull is damped by the variance: (mu - y) / var
    assert lu.gaussian_nll_grad([3.0], [0.0], [10.0])[0][0] == pytest.approx(0.3)
    assert c.entry.kind == "mean_and_variance"
    assert c.family == "regression"


# -- poisson_nll ------------------------------------------------------------------------------------

COUNTS = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 1e4])


def test_the_stirling_term_applies_where_the_count_exceeds_1_as_in_torch():
    log_rate = np.log(COUNTS + 0.7)
    plain = lu.poisson_nll(log_rate, COUNTS, reduction="none")
    full = lu.poisson_nll(log_rate, COUNTS, reduction="none", full=True)
    y = COUNTS
    stirling = np.where(y > 1, y * np.log(np.maximum(y, 1)) - y + 0.5 * np.log(2 * np.pi * np.maximum(y, 1)), 0.0)
    np.testing.assert_allclose(full - plain, stirling, rtol=1e-12, atol=1e-12)
    assert np.all((full - plain)[y <= 1] == 0)
    assert np.all((full - plain)[y > 1] > 0)
    ref = F.poisson_nll_loss(torch.tensor(log_rate), torch.tensor(y), full=True, reduction="none")
    np.testing.assert_allclose(full, ref.numpy(), rtol=1e-12)


def test_full_is_the_negative_log_probability_up_to_stirlings_error():
    # log y! is exact for y = 0 and 1 (0); Stirling's error lies in (0, 1/(12 y)) above
    y = np.arange(0.0, 30.0)
    rate = 3.7
    full = lu.poisson_nll(np.full_like(y, np.log(rate)), y, reduction="none", full=True)
    exact = -stats.poisson.logpmf(y, rate)
    np.testing.assert_allclose(full[:2], exact[:2], rtol=1e-12)
    gap = exact[2:] - full[2:]
    assert np.all(gap > 0)
    assert np.all(gap < 1 / (12 * y[2:]))


@pytest.mark.parametrize("full", [False, True])
def test_sklearn_mean_poisson_deviance_is_twice_the_loss_minus_the_saturated_loss(full):
    # deviance_i = 2 (y log(y / mu) - y + mu) = 2 (l(mu) - l(y)): the loss at the predicted rate minus the
    # loss of the saturated model, which predicts every count exactly; the Stirling term cancels
    rng = np.random.default_rng(3)
    y = rng.poisson(2.5, size=200).astype(float)
    mu = rng.uniform(0.2, 6.0, size=200)
    deviance = mean_poisson_deviance(y, mu)
    tiny = {"log_input": False, "eps": 1e-300, "full": full}  # eps -> 0: mu + eps == mu exactly
    relation = 2 * (lu.poisson_nll(mu, y, **tiny) - lu.poisson_nll(y, y, **tiny))
    assert relation == pytest.approx(deviance, rel=1e-12)
    assert lu.poisson_nll(mu, y, **tiny) != pytest.approx(deviance / 2, rel=1e-3)  # the saturated term matters
    # with the default eps, up to eps / mu
    default = 2 * (lu.poisson_nll(mu, y, log_input=False, full=full) - lu.poisson_nll(y, y, log_input=False, full=full))
    assert default == pytest.approx(deviance, rel=1e-7)
    # with log-rates, for positive counts (the saturated log-rate of a count 0 is -inf)
    pos = y > 0
    logs = 2 * (lu.poisson_nll(np.log(mu[pos]), y[pos], full=full) - lu.poisson_nll(np.log(y[pos]), y[pos], full=full))
    assert logs == pytest.approx(mean_poisson_deviance(y[pos], mu[pos]), rel=1e-12)


def test_the_domain_is_checked_where_torch_computes_anyway():
    assert torch.isnan(F.poisson_nll_loss(torch.tensor([-0.5]), torch.tensor([1.0]), log_input=False))
    with pytest.raises(ValueError, match=re.escape("pred must be >= 0 (a rate, since log_input=False); found -0.5")):
        lu.poisson_nll([-0.5, 1.0], [1.0, 1.0], log_input=False)
    lu.poisson_nll([-0.5, 1.0], [1.0, 1.0])  # a negative log-rate is fine
    for fn in (lu.poisson_nll, lu.poisson_nll_grad):
        with pytest.raises(ValueError, match=re.escape("target must be >= 0 (a count); found -1")):
            fn([0.5, 0.5], [2.0, -1.0])
    with pytest.raises(TypeError, match="log_input must be a bool"):
        lu.poisson_nll([0.5], [1.0], log_input="no")
    with pytest.raises(TypeError, match="full must be a bool"):
        lu.poisson_nll_grad([0.5], [1.0], full=None)
    with pytest.raises(ValueError, match="eps must be > 0 and finite"):
        lu.poisson_nll([0.5], [1.0], log_input=False, eps=0.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_rates_at_the_edges_match_torch(reduction):
    # a rate of 0 with a positive count costs -y log eps; huge rates and counts, full included
    rate = np.array([0.0, 0.0, 1e-30, 1e30, 5.0, 1e4])
    counts = np.array([0.0, 5.0, 3.0, 1e30, 1e30, 2.0])
    for full in (False, True):
        x = torch.tensor(rate, requires_grad=True)
        ref = F.poisson_nll_loss(x, torch.tensor(counts), log_input=False, full=full, reduction=reduction)
        ref.sum().backward()
        with np.errstate(all="raise"):
            value = lu.poisson_nll(rate, counts, log_input=False, full=full, reduction=reduction)
            grad = lu.poisson_nll_grad(rate, counts, log_input=False, full=full, reduction=reduction)
        np.testing.assert_allclose(value, ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-12)
    assert float(lu.poisson_nll([0.0], [5.0], log_input=False)) == pytest.approx(-5 * np.log(1e-8))


def test_an_exp_that_overflows_is_inf_as_in_torch_with_numpys_warning():
    ref = F.poisson_nll_loss(torch.tensor([1000.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64))
    with pytest.warns(RuntimeWarning, match="overflow"):
        value = lu.poisson_nll([1000.0], [1.0])
    assert value == ref.item() == np.inf


@pytest.mark.parametrize(("pred", "target"), [(0.5, 3.0), (np.float64(0.5), np.array(3.0)), (torch.tensor(0.5), 3)])
def test_scalars_and_0d_inputs(pred, target):
    value = lu.poisson_nll(pred, target, reduction="none")
    assert isinstance(value, np.ndarray)
    assert value.shape == ()
    assert float(value) == pytest.approx(np.exp(0.5) - 1.5)
    assert lu.gaussian_nll(pred, target, 2.0).shape == ()
    d_mean, d_var = lu.gaussian_nll_grad(pred, target, 2.0, reduction="none")
    assert d_mean.shape == d_var.shape == ()
    assert float(d_mean) == pytest.approx(-1.25)


def test_poisson_card_claims():
    # the minimum over the rate, y - y log y at rate y, is negative for y > e; with full, >= 0 for integer counts
    y = np.arange(0.0, 40.0)
    at_best = lu.poisson_nll(np.log(np.maximum(y, 1e-300)), y, reduction="none")
    np.testing.assert_allclose(at_best, y - y * np.log(np.maximum(y, 1e-300)), atol=1e-12)
    assert np.all((at_best < 0) == (y > np.e))
    grid = np.linspace(-8.0, 5.0, 2601)
    full = lu.poisson_nll(grid[:, None] + 0 * y, np.tile(y, (grid.size, 1)), reduction="none", full=True)
    assert full.min() >= 0
    rates = np.linspace(0.0, 40.0, 4001)
    full_rates = lu.poisson_nll(
        rates[:, None] + 0 * y, np.tile(y, (rates.size, 1)), log_input=False, full=True, reduction="none"
    )
    assert full_rates.min() >= 0
    assert cards.card("poisson_nll").entry.kind == "rate"


# -- plot and train --------------------------------------------------------------------------------


def test_loss_curves_of_the_new_kinds():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(plot.loss_curve("gaussian_nll", x), 0.5 * x**2)  # variance 1: log 1 = 0
    np.testing.assert_allclose(plot.loss_curve("gaussian_nll", x, var=4.0), 0.5 * (np.log(4.0) + x**2 / 4.0))
    np.testing.assert_allclose(plot.loss_curve("gaussian_nll", x, grad=True, var=4.0), x / 4.0)
    np.testing.assert_allclose(plot.loss_curve("poisson_nll", x), np.exp(x) - x)  # count 1
    np.testing.assert_allclose(plot.loss_curve("poisson_nll", x, target=3.0, grad=True), np.exp(x) - 3.0)
    rates = np.linspace(0.5, 5, 10)
    np.testing.assert_allclose(
        plot.loss_curve("poisson_nll", rates, target=2.0, log_input=False), rates - 2.0 * np.log(rates + 1e-8)
    )
    assert plot.plot_losses({"Poisson": "poisson_nll"}, x).get_xlabel().startswith("prediction: log-rate")
    assert plot.plot_losses({"Gaussian": ("gaussian_nll", {"var": 2.0})}, x).get_xlabel().startswith("residual")


def test_fit_trains_poisson_regression_like_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = rng.poisson(np.exp(0.3 + X @ np.array([0.5, -0.25]))).astype(float)
    model, history = train.fit(X, y, loss="poisson_nll", lr=0.1, epochs=3000)
    reference = PoissonRegressor(alpha=0.0, tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(model.weight, reference.coef_, atol=1e-4)
    assert model.bias == pytest.approx(reference.intercept_, abs=1e-4)
    assert history.loss[-1] < history.initial_loss


def test_fit_rejects_gaussian_nll_with_a_message_that_says_why():
    message = "loss 'gaussian_nll' needs a predicted variance besides the predictions and targets"
    X, y = np.ones((3, 1)), np.zeros(3)
    with pytest.raises(ValueError, match=re.escape(message)):
        train.fit(X, y, loss="gaussian_nll")
    with pytest.raises(ValueError, match=re.escape(message)):
        train.loss_and_grad(train.LinearModel(weight=np.zeros(1), bias=0.0), X, y, "gaussian_nll")
    # the way out it names: a (loss_fn, grad_fn) pair that fixes the variance
    model, _ = train.fit(
        X * np.arange(3.0)[:, None],
        np.arange(3.0),
        loss=(lambda p, t: lu.gaussian_nll(p, t, 2.0), lambda p, t: lu.gaussian_nll_grad(p, t, 2.0)[0]),
        lr=0.5,
        epochs=2000,
    )
    assert float(model.weight[0]) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", ["gaussian_nll", "poisson_nll"])
def test_the_cards_say_when_to_use_them(name):
    c = cards.card(name)
    assert ("when to use", c.use_when) in c.rows()
    for function in re.findall(r"`(\w+)`", c.use_when):  # the lossutils functions it names exist
        assert callable(getattr(lu, function)), function


def test_with_one_fixed_variance_the_gaussian_nll_is_mse_over_two_sigma_squared_plus_a_constant():
    # the card's "when to use": mse divided by 2 sigma^2, plus a constant (1/2 log sigma^2)
    var = 2.5
    np.testing.assert_allclose(
        lu.gaussian_nll(MEAN, TARGET, var), lu.mse(MEAN, TARGET) / (2 * var) + 0.5 * np.log(var), rtol=1e-12
    )
