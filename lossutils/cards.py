r"""Loss cards: one source for the summary of every loss in the book.

Each loss has a :class:`LossCard`: its per-sample formula, gradient and second derivative
in LaTeX, the constant prediction it favours, the likelihood it corresponds to, how it
treats outliers, its ranges, its PyTorch twin and its chapter. The same cards feed the box
at the top of each loss's section (:func:`card`), the book's summary table
(:func:`summary_table`) and the gradient cheat sheet (:func:`gradient_cheatsheet`), so the
three can never disagree.

Beside each LaTeX formula sits a small NumPy ``reference`` (and ``reference_grad``,
``reference_second``) written from that formula, independently of :mod:`lossutils`; the tests
check them against ``lossutils.<key>`` and ``lossutils.<key>_grad``, and check every stated
minimiser by sweeping constant predictions. A formula on a card is therefore a tested formula.

In a notebook, a card or table displays itself as Markdown (a two-column table with
``$...$`` math, which MyST-NB and Jupyter render); ``print`` shows the same Markdown source.

Examples
--------
>>> from lossutils import cards
>>> c = cards.card("mae")
>>> c.minimiser
'the median of the targets'
>>> print(cards.summary_table(["mse", "mae"]).splitlines()[0])
| loss | per-sample loss | best constant | noise model | robust to outliers | PyTorch | chapter |
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

__all__ = ["CARDS", "LossCard", "Markdown", "card", "gradient_cheatsheet", "summary_table"]

Reference = Callable[..., np.ndarray]


class Markdown(str):
    """A string of Markdown that notebooks display rendered and ``print`` shows as source."""

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True, eq=False)
class LossCard:
    r"""Everything the book states about one loss, and NumPy references that test it.

    Attributes
    ----------
    key : str
        The lossutils function name, e.g. ``"mse"``.
    title : str
        Display name.
    family : {'regression', 'classification'}
    argument : str
        LaTeX symbol of the first argument, the one gradients are taken with respect to.
    variables : str
        What the symbols mean (Markdown with ``$...$``).
    formula, gradient, second_derivative : str
        LaTeX of the per-sample loss, of its derivative with respect to ``argument`` and of the
        second derivative. No ``|`` characters (they would split Markdown table cells): absolute
        values are written ``\lvert r \rvert``.
    minimiser : str
        What the best constant prediction estimates (e.g. "the median of the targets").
    noise_model : str
        The likelihood whose negative log the loss is, or why there is none.
    robust_to_outliers : str
    input_range, output_range : str
        Markdown (may contain ``$...$``).
    torch_name : str
        The PyTorch twin (functional / module) or ``"—"``.
    lossutils_name : str
        Qualified name of the NumPy function, e.g. ``"lossutils.mse"``.
    nn_module : str
        The :mod:`lossutils.nn` module, or ``"—"``.
    chapter : str
        The notebook of the book that teaches it, e.g. ``"02_mse.ipynb"``.
    options : mapping
        The hyper-parameters the formula uses, with their defaults (e.g. ``{"delta": 1.0}``).
    extra_options : str
        Further keyword options of the function that the per-sample formula leaves out
        (class weights, ``ignore_index``, ...), as Markdown.
    reference, reference_grad, reference_second : callable
        ``f(first_arg, target, **options)`` per sample, in NumPy, written from the LaTeX.
        ``reference_second`` is None where the card gives no closed form.
    best_constant : callable or None
        ``f(targets, **options)`` (for losses over C classes ``f(targets, n_classes)``): the
        constant first argument that minimises the mean loss, as the ``minimiser`` text
        states; None where none exists or it has no closed form.
    """

    key: str
    title: str
    family: Literal["regression", "classification"]
    argument: str
    variables: str
    formula: str
    gradient: str
    second_derivative: str
    minimiser: str
    noise_model: str
    robust_to_outliers: str
    input_range: str
    output_range: str
    torch_name: str
    lossutils_name: str
    nn_module: str
    chapter: str
    options: Mapping[str, float] = field(default_factory=dict)
    extra_options: str = ""
    reference: Reference | None = field(default=None, repr=False, compare=False)
    reference_grad: Reference | None = field(default=None, repr=False, compare=False)
    reference_second: Reference | None = field(default=None, repr=False, compare=False)
    best_constant: Callable[..., Any] | None = field(default=None, repr=False, compare=False)

    @property
    def grad_name(self) -> str:
        """Qualified name of the gradient function, e.g. ``"lossutils.mse_grad"``."""
        return f"{self.lossutils_name}_grad"

    def rows(self) -> list[tuple[str, str]]:
        """The card as (label, Markdown) rows."""
        d = rf"\dfrac{{\partial \ell}}{{\partial {self.argument}}}"
        d2 = rf"\dfrac{{\partial^2 \ell}}{{\partial {self.argument}^2}}"
        options = ", ".join(
            [f"`{k}={v}`" for k, v in self.options.items()] + [self.extra_options] * bool(self.extra_options)
        )
        return [
            ("family", self.family),
            ("symbols", self.variables),
            ("loss per sample", f"$\\ell = {self.formula}$"),
            ("gradient", f"${d} = {self.gradient}$"),
            ("second derivative", f"${d2} = {self.second_derivative}$"),
            ("best constant prediction", self.minimiser),
            ("noise model", self.noise_model),
            ("robust to outliers", self.robust_to_outliers),
            ("inputs", self.input_range),
            ("output", self.output_range),
            ("options", options or "—"),
            ("PyTorch", _code_or_dash(self.torch_name)),
            ("lossutils", f"`{self.lossutils_name}`, `{self.grad_name}`" + _nn_suffix(self.nn_module)),
            ("chapter", f"`{self.chapter}`"),
        ]

    def to_markdown(self) -> Markdown:
        """The card as a compact two-column Markdown table."""
        lines = [f"| **{self.title}** | `{self.lossutils_name}` |", "|:--|:--|"]
        lines += [f"| {label} | {value} |" for label, value in self.rows()]
        return Markdown("\n".join(lines))

    def to_text(self) -> str:
        """The card as plain text (LaTeX left as source)."""
        width = max(len(label) for label, _ in self.rows())
        body = [f"{label:<{width}}  {value}" for label, value in self.rows()]
        return "\n".join([f"{self.title} ({self.lossutils_name})", *body])

    def _repr_markdown_(self) -> str:
        return str(self.to_markdown())

    def __repr__(self) -> str:
        return self.to_text()


def _code_or_dash(name: str) -> str:
    """Markdown for a framework name: each ``/``-separated name as code, ``—`` (none) as is, and
    in a trailing remark in parentheses only the dotted names as code."""
    main, _, remark = name.partition(" (")
    main = main.strip()
    text = main if main == "—" else " / ".join(f"`{part.strip()}`" for part in main.split("/"))
    if remark:
        text += " (" + re.sub(r"\b[A-Za-z_]\w*(?:\.\w+)+\b", lambda m: f"`{m.group(0)}`", remark)
    return text


def _nn_suffix(nn_module: str) -> str:
    return "" if nn_module == "—" else f", `{nn_module}`"


# -- NumPy references, written from the formulas on the cards ---------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return np.asarray(e / e.sum(axis=-1, keepdims=True))


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.asarray(np.eye(n_classes)[np.asarray(y, dtype=int)])


def _pick(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(np.take_along_axis(a, np.asarray(y, dtype=int)[:, None], axis=1)[:, 0])


def _focal_grad(z: np.ndarray, y: np.ndarray, gamma: float = 2.0) -> np.ndarray:
    p = _softmax(z)
    p_y = _pick(p, y)
    u = 1.0 - p_y
    factor = u**gamma * (1.0 - gamma * p_y * np.log(p_y) / u)
    return np.asarray(factor[:, None] * (p - _one_hot(y, z.shape[1])))


def _ww_grad(s: np.ndarray, y: np.ndarray, margin: float = 1.0) -> np.ndarray:
    violated = (margin - _pick(s, y)[:, None] + s > 0) & (_one_hot(y, s.shape[1]) == 0)
    g = violated.astype(float)
    return np.asarray(g - _one_hot(y, s.shape[1]) * g.sum(axis=1, keepdims=True))


def _squared_hinge_best(t: np.ndarray, margin: float = 1.0) -> float:
    return float(margin * (2 * np.mean(t == 1) - 1))


def _huber_location(y: np.ndarray, delta: float = 1.0, scale: float = 1.0) -> float:
    """The constant c solving sum(psi((c - y) / scale)) = 0 for Huber's psi, by bisection."""
    lo, hi = float(np.min(y)), float(np.max(y))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(np.clip((mid - y) / scale, -delta, delta)) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def _log_cosh_location(y: np.ndarray) -> float:
    """The constant c solving sum(tanh(c - y)) = 0, by bisection."""
    lo, hi = float(np.min(y)), float(np.max(y))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(np.tanh(mid - y)) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


# -- the cards ---------------------------------------------------------------------------------

_RESIDUAL = r"$\hat y$ prediction, $y$ target, $r = \hat y - y$ (positive: predicted too high)"
_REG_IN = r"$\hat y, y \in \mathbb{R}$, same shape"
_BIN_LOGIT = r"$z$ logit (score), $y \in \{0, 1\}$ label, $\sigma$ the sigmoid"
_MARGIN = r"$s$ score, $t \in \{-1, +1\}$ label, $m$ margin; $t s$ is the (functional) margin"
_CLASSES = (
    r"$z \in \mathbb{R}^C$ logits, $y$ true class, $p = \operatorname{softmax}(z)$, $[k = y]$ is 1 at the true class"
)

_CARD_LIST = [
    LossCard(
        key="mse",
        title="Mean squared error (L2)",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"(\hat y - y)^2",
        gradient=r"2(\hat y - y)",
        second_derivative=r"2",
        minimiser="the mean of the targets",
        noise_model="Gaussian (constant variance)",
        robust_to_outliers="no: an error 10× larger costs 100× more, and its gradient grows with it",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.mse_loss / torch.nn.MSELoss",
        lossutils_name="lossutils.mse",
        nn_module="—",
        chapter="02_mse.ipynb",
        reference=lambda p, y: (p - y) ** 2,
        reference_grad=lambda p, y: 2 * (p - y),
        reference_second=lambda p, y: np.full_like(p, 2.0),
        best_constant=lambda y: float(np.mean(y)),
    ),
    LossCard(
        key="mae",
        title="Mean absolute error (L1)",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"\lvert \hat y - y \rvert",
        gradient=r"\operatorname{sign}(\hat y - y) \quad (0 \text{ at } \hat y = y)",
        second_derivative=r"0 \quad (\text{undefined at } \hat y = y)",
        minimiser="the median of the targets",
        noise_model="Laplace (double exponential)",
        robust_to_outliers="yes: every error pulls with the same force, however large",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.l1_loss / torch.nn.L1Loss",
        lossutils_name="lossutils.mae",
        nn_module="—",
        chapter="03_mae_mbe.ipynb",
        reference=lambda p, y: np.abs(p - y),
        reference_grad=lambda p, y: np.sign(p - y),
        reference_second=lambda p, y: np.zeros_like(p),
        best_constant=lambda y: float(np.median(y)),
    ),
    LossCard(
        key="mbe",
        title="Mean bias error",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"\hat y - y",
        gradient=r"1",
        second_derivative=r"0",
        minimiser="none: unbounded below (predict −∞); a diagnostic of systematic bias, not a training loss",
        noise_model="none (errors of opposite sign cancel)",
        robust_to_outliers="no: one large error shifts the average bias",
        input_range=_REG_IN,
        output_range=r"$(-\infty, \infty)$; 0 means no bias on average",
        torch_name="—",
        lossutils_name="lossutils.mbe",
        nn_module="lossutils.nn.MeanBiasError",
        chapter="03_mae_mbe.ipynb",
        reference=lambda p, y: p - y,
        reference_grad=lambda p, y: np.ones_like(p),
        reference_second=lambda p, y: np.zeros_like(p),
        best_constant=None,
    ),
    LossCard(
        key="huber",
        title="Huber loss",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL + r", $\delta > 0$ threshold",
        formula=(
            r"\begin{cases} \tfrac12 r^2 & \lvert r \rvert \le \delta \\ "
            r"\delta\,(\lvert r \rvert - \tfrac12 \delta) & \text{otherwise} \end{cases}"
        ),
        gradient=(
            r"\begin{cases} r & \lvert r \rvert \le \delta \\ "
            r"\delta \operatorname{sign}(r) & \text{otherwise} \end{cases}"
        ),
        second_derivative=r"\begin{cases} 1 & \lvert r \rvert < \delta \\ 0 & \lvert r \rvert > \delta \end{cases}",
        minimiser=(
            r"a robust centre between median and mean: the $c$ with "
            r"$\sum_i \operatorname{clip}(c - y_i, -\delta, \delta) = 0$ "
            r"(the mean if every $\lvert r \rvert \le \delta$)"
        ),
        noise_model="Gaussian in the centre with Laplace tails (Huber's least favourable distribution)",
        robust_to_outliers=r"yes: an outlier's pull is capped at $\delta$",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.huber_loss / torch.nn.HuberLoss",
        lossutils_name="lossutils.huber",
        nn_module="—",
        chapter="04_robust_regression.ipynb",
        options={"delta": 1.0},
        reference=lambda p, y, delta=1.0: np.where(
            np.abs(p - y) <= delta, 0.5 * (p - y) ** 2, delta * (np.abs(p - y) - 0.5 * delta)
        ),
        reference_grad=lambda p, y, delta=1.0: np.where(np.abs(p - y) <= delta, p - y, delta * np.sign(p - y)),
        reference_second=lambda p, y, delta=1.0: np.where(np.abs(p - y) < delta, 1.0, 0.0),
        best_constant=lambda y, delta=1.0: _huber_location(y, delta),
    ),
    LossCard(
        key="smooth_l1",
        title="Smooth L1 loss",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL + r", $\beta \ge 0$ threshold ($\beta = 0$ gives the L1 loss, as in PyTorch)",
        formula=(
            r"\begin{cases} \tfrac12 r^2 / \beta & \lvert r \rvert < \beta \\ "
            r"\lvert r \rvert - \tfrac12 \beta & \text{otherwise} \end{cases}"
        ),
        gradient=(
            r"\begin{cases} r / \beta & \lvert r \rvert < \beta \\ "
            r"\operatorname{sign}(r) & \text{otherwise} \end{cases}"
        ),
        second_derivative=(
            r"\begin{cases} 1 / \beta & \lvert r \rvert < \beta \\ 0 & \lvert r \rvert > \beta \end{cases}"
        ),
        minimiser=r"the same robust centre as Huber with $\delta = \beta$ (Smooth L1 is Huber divided by $\beta$)",
        noise_model="as Huber: Gaussian centre, Laplace tails",
        robust_to_outliers="yes: gradients are capped at ±1",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.smooth_l1_loss / torch.nn.SmoothL1Loss",
        lossutils_name="lossutils.smooth_l1",
        nn_module="—",
        chapter="04_robust_regression.ipynb",
        options={"beta": 1.0},
        reference=lambda p, y, beta=1.0: np.where(
            np.abs(p - y) < beta, 0.5 * (p - y) ** 2 / beta, np.abs(p - y) - 0.5 * beta
        ),
        reference_grad=lambda p, y, beta=1.0: np.where(np.abs(p - y) < beta, (p - y) / beta, np.sign(p - y)),
        reference_second=lambda p, y, beta=1.0: np.where(np.abs(p - y) < beta, 1.0 / beta, 0.0),
        best_constant=lambda y, beta=1.0: _huber_location(y, beta),
    ),
    LossCard(
        key="log_cosh",
        title="Log-cosh loss",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"\log\cosh(\hat y - y)",
        gradient=r"\tanh(\hat y - y)",
        second_derivative=r"1 - \tanh^2(\hat y - y) = \operatorname{sech}^2(\hat y - y)",
        minimiser=r"a robust centre between median and mean: the $c$ with $\sum_i \tanh(c - y_i) = 0$",
        noise_model=r"hyperbolic secant: density $\propto 1/\cosh(r)$",
        robust_to_outliers="mostly: quadratic near 0, linear far away; gradients bounded by 1",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="—",
        lossutils_name="lossutils.log_cosh",
        nn_module="lossutils.nn.LogCoshLoss",
        chapter="04_robust_regression.ipynb",
        reference=lambda p, y: np.log(np.cosh(p - y)),
        reference_grad=lambda p, y: np.tanh(p - y),
        reference_second=lambda p, y: 1.0 - np.tanh(p - y) ** 2,
        best_constant=lambda y: _log_cosh_location(y),
    ),
    LossCard(
        key="quantile",
        title="Quantile (pinball) loss",
        family="regression",
        argument=r"\hat y",
        variables=_RESIDUAL + r", $q \in (0, 1)$ the quantile",
        formula=r"\max\bigl(q\,(y - \hat y),\ (q - 1)(y - \hat y)\bigr)",
        gradient=r"\begin{cases} 1 - q & \hat y > y \\ -q & \hat y < y \\ 0 & \hat y = y \end{cases}",
        second_derivative=r"0 \quad (\text{undefined at } \hat y = y)",
        minimiser=r"the $q$-quantile of the targets",
        noise_model="asymmetric Laplace",
        robust_to_outliers="yes: like MAE, which it is (halved) at q = 0.5",
        input_range=_REG_IN,
        output_range=r"$[0, \infty)$",
        torch_name="— (scikit-learn: sklearn.metrics.mean_pinball_loss)",
        lossutils_name="lossutils.quantile",
        nn_module="lossutils.nn.QuantileLoss",
        chapter="04_robust_regression.ipynb",
        options={"q": 0.5},
        reference=lambda p, y, q=0.5: np.maximum(q * (y - p), (q - 1) * (y - p)),
        reference_grad=lambda p, y, q=0.5: np.where(p > y, 1 - q, np.where(p < y, -q, 0.0)),
        reference_second=lambda p, y, q=0.5: np.zeros_like(p),
        best_constant=lambda y, q=0.5: float(np.quantile(y, q, method="inverted_cdf")),
    ),
    LossCard(
        key="binary_cross_entropy",
        title="Binary cross-entropy (on probabilities)",
        family="classification",
        argument="p",
        variables=r"$p$ predicted probability of class 1, $y \in \{0, 1\}$ label (or a soft label in $[0, 1]$)",
        formula=r"-\bigl[y \log p + (1 - y) \log(1 - p)\bigr]",
        gradient=r"\dfrac{p - y}{p\,(1 - p)}",
        second_derivative=r"\dfrac{y}{p^2} + \dfrac{1 - y}{(1 - p)^2}",
        minimiser=r"the share of positive labels, $\bar y$",
        noise_model="Bernoulli",
        robust_to_outliers="no: a confidently wrong prediction costs up to 100 (the log is clamped at −100)",
        input_range=r"$p \in [0, 1]$, $y \in [0, 1]$",
        output_range=r"$[0, 100]$",
        torch_name="torch.nn.functional.binary_cross_entropy / torch.nn.BCELoss",
        lossutils_name="lossutils.binary_cross_entropy",
        nn_module="—",
        chapter="05_binary_cross_entropy.ipynb",
        extra_options="`weight` (rescales each element)",
        reference=lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        reference_grad=lambda p, y: (p - y) / (p * (1 - p)),
        reference_second=lambda p, y: y / p**2 + (1 - y) / (1 - p) ** 2,
        best_constant=lambda y: float(np.mean(y)),
    ),
    LossCard(
        key="binary_cross_entropy_with_logits",
        title="Binary cross-entropy with logits (logistic loss)",
        family="classification",
        argument="z",
        variables=_BIN_LOGIT,
        formula=r"\log(1 + e^{z}) - y z = -\bigl[y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\bigr]",
        gradient=r"\sigma(z) - y",
        second_derivative=r"\sigma(z)\,(1 - \sigma(z))",
        minimiser=r"the log-odds of the share of positive labels, $\log \frac{\bar y}{1 - \bar y}$",
        noise_model="Bernoulli with a logit link (logistic regression)",
        robust_to_outliers="partly: grows linearly for badly wrong scores; the gradient is bounded by 1",
        input_range=r"$z \in \mathbb{R}$, $y \in [0, 1]$",
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.binary_cross_entropy_with_logits / torch.nn.BCEWithLogitsLoss",
        lossutils_name="lossutils.binary_cross_entropy_with_logits",
        nn_module="—",
        chapter="05_binary_cross_entropy.ipynb",
        extra_options="`weight`, `pos_weight` (scales the positive term)",
        reference=lambda z, y: np.log1p(np.exp(z)) - y * z,
        reference_grad=lambda z, y: _sigmoid(z) - y,
        reference_second=lambda z, y: _sigmoid(z) * (1 - _sigmoid(z)),
        best_constant=lambda y: float(np.log(np.mean(y) / (1 - np.mean(y)))),
    ),
    LossCard(
        key="cross_entropy",
        title="Cross-entropy (softmax)",
        family="classification",
        argument="z_k",
        variables=_CLASSES,
        formula=r"-\log p_y = \operatorname{logsumexp}(z) - z_y",
        gradient=r"p_k - [k = y]",
        second_derivative=r"p_k (1 - p_k) \quad \bigl(\text{Hessian } \operatorname{diag}(p) - p p^\top\bigr)",
        minimiser="the class frequencies (softmax of the best constant logits)",
        noise_model="categorical (multinoulli)",
        robust_to_outliers="no: a mislabelled sample keeps pulling until its wrong class wins",
        input_range=r"$z \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$ or a probability vector",
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.cross_entropy / torch.nn.CrossEntropyLoss",
        lossutils_name="lossutils.cross_entropy",
        nn_module="lossutils.nn.CrossEntropyLoss",
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class), `ignore_index=-100`, `label_smoothing=0.0`",
        reference=lambda z, y: np.log(np.sum(np.exp(z), axis=1)) - _pick(z, y),
        reference_grad=lambda z, y: _softmax(z) - _one_hot(y, z.shape[1]),
        reference_second=None,
        best_constant=lambda y, n_classes: np.log(np.bincount(y, minlength=n_classes) / len(y)),
    ),
    LossCard(
        key="nll_loss",
        title="Negative log-likelihood",
        family="classification",
        argument=r"a_k",
        variables=r"$a \in \mathbb{R}^C$ log-probabilities (e.g. from log-softmax), $y$ true class",
        formula=r"-a_y",
        gradient=r"-[k = y]",
        second_derivative=r"0",
        minimiser=(
            r"the log class frequencies when $a$ is a log-softmax output; on its own it is unbounded below "
            r"(raise $a_y$ forever)"
        ),
        noise_model="categorical, once the inputs are normalised log-probabilities",
        robust_to_outliers="no (as cross-entropy)",
        input_range=r"$a \in (-\infty, 0]^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=r"$[0, \infty)$ for log-probabilities",
        torch_name="torch.nn.functional.nll_loss / torch.nn.NLLLoss",
        lossutils_name="lossutils.nll_loss",
        nn_module="—",
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class), `ignore_index=-100`",
        reference=lambda lp, y: -_pick(lp, y),
        reference_grad=lambda lp, y: -_one_hot(y, lp.shape[1]),
        reference_second=lambda lp, y: np.zeros_like(lp),
        best_constant=lambda y, n_classes: np.log(np.bincount(y, minlength=n_classes) / len(y)),
    ),
    LossCard(
        key="focal_loss",
        title="Focal loss (softmax)",
        family="classification",
        argument="z_k",
        variables=_CLASSES + r", $\gamma \ge 0$ focusing parameter",
        formula=r"-(1 - p_y)^{\gamma} \log p_y",
        gradient=(
            r"(1 - p_y)^{\gamma} \Bigl(1 - \dfrac{\gamma\, p_y \log p_y}{1 - p_y}\Bigr) \bigl(p_k - [k = y]\bigr)"
        ),
        second_derivative=(
            r"\text{no compact form; for } \gamma > 0 \text{ it turns negative for badly misclassified samples "
            r"(two classes, } \gamma = 2\text{: } p_y \lesssim 0.06\text{): not convex}"
        ),
        minimiser=(
            r"not the class frequencies: the best constant probabilities are pulled toward uniform "
            r"(less confident), more so for larger $\gamma$; $\gamma = 0$ is cross-entropy"
        ),
        noise_model="none exactly: a re-weighted categorical likelihood (not a proper scoring rule)",
        robust_to_outliers="no: hard samples, mislabelled ones included, keep their full weight while easy ones fade",
        input_range=r"$z \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=r"$[0, \infty)$",
        torch_name="— (torchvision.ops.sigmoid_focal_loss is the binary, sigmoid form)",
        lossutils_name="lossutils.focal_loss",
        nn_module="lossutils.nn.FocalLoss",
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class)",
        options={"gamma": 2.0},
        reference=lambda z, y, gamma=2.0: -((1 - _pick(_softmax(z), y)) ** gamma) * np.log(_pick(_softmax(z), y)),
        reference_grad=_focal_grad,
        reference_second=None,
        best_constant=None,
    ),
    LossCard(
        key="kl_div",
        title="Kullback–Leibler divergence",
        family="classification",
        argument=r"\log q_k",
        variables=r"$\log q$ predicted log-probabilities, $p$ target distribution (PyTorch's argument order)",
        formula=r"\sum_k p_k (\log p_k - \log q_k)",
        gradient=r"-p_k",
        second_derivative=r"0",
        minimiser=r"$q = p$, the target distribution (for normalised $q$; its value there is 0)",
        noise_model="categorical: cross-entropy minus the entropy of the target (same gradient in the logits)",
        robust_to_outliers=r"no: $q_k \to 0$ where $p_k > 0$ costs without bound",
        input_range=r"$\log q \in (-\infty, 0]^{C}$, $p \in [0, 1]^{C}$ (rows summing to 1)",
        output_range=r"$[0, \infty)$ per sample when both are distributions",
        torch_name="torch.nn.functional.kl_div / torch.nn.KLDivLoss",
        lossutils_name="lossutils.kl_div",
        nn_module="—",
        chapter="06_cross_entropy.ipynb",
        extra_options="`log_target=False`; reduction `'batchmean'` by default",
        reference=lambda lq, p: p * (np.log(p) - lq),
        reference_grad=lambda lq, p: -p,
        reference_second=lambda lq, p: np.zeros_like(lq),
        best_constant=None,
    ),
    LossCard(
        key="hinge",
        title="Hinge loss",
        family="classification",
        argument="s",
        variables=_MARGIN,
        formula=r"\max(0,\ m - t s)",
        gradient=r"\begin{cases} -t & t s < m \\ 0 & t s \ge m \end{cases}",
        second_derivative=r"0 \quad (\text{undefined at } t s = m)",
        minimiser=r"the majority label times the margin, $\pm m$: a decision, not a probability",
        noise_model="none (no likelihood: scores are not calibrated probabilities)",
        robust_to_outliers="partly: grows linearly, gradient bounded; correct samples beyond the margin cost nothing",
        input_range=r"$s \in \mathbb{R}$, $t \in \{-1, +1\}$",
        output_range=r"$[0, \infty)$",
        torch_name="— (scikit-learn: sklearn.metrics.hinge_loss)",
        lossutils_name="lossutils.hinge",
        nn_module="—",
        chapter="07_hinge.ipynb",
        options={"margin": 1.0},
        reference=lambda s, t, margin=1.0: np.maximum(0.0, margin - t * s),
        reference_grad=lambda s, t, margin=1.0: np.where(t * s < margin, -t, 0.0),
        reference_second=lambda s, t, margin=1.0: np.zeros_like(s),
        best_constant=lambda t, margin=1.0: float(margin * np.sign(np.mean(t))),
    ),
    LossCard(
        key="squared_hinge",
        title="Squared hinge loss",
        family="classification",
        argument="s",
        variables=_MARGIN,
        formula=r"\max(0,\ m - t s)^2",
        gradient=r"-2 t \max(0,\ m - t s)",
        second_derivative=r"\begin{cases} 2 & t s < m \\ 0 & t s > m \end{cases}",
        minimiser=r"$m(2\pi - 1)$ with $\pi$ the share of $+1$ labels (so $\pi = (1 + s/m)/2$)",
        noise_model="none",
        robust_to_outliers="no: quadratic growth for badly wrong scores",
        input_range=r"$s \in \mathbb{R}$, $t \in \{-1, +1\}$",
        output_range=r"$[0, \infty)$",
        torch_name="—",
        lossutils_name="lossutils.squared_hinge",
        nn_module="—",
        chapter="07_hinge.ipynb",
        options={"margin": 1.0},
        reference=lambda s, t, margin=1.0: np.maximum(0.0, margin - t * s) ** 2,
        reference_grad=lambda s, t, margin=1.0: -2 * t * np.maximum(0.0, margin - t * s),
        reference_second=lambda s, t, margin=1.0: np.where(t * s < margin, 2.0, 0.0),
        best_constant=_squared_hinge_best,
    ),
    LossCard(
        key="multiclass_hinge",
        title="Multi-class hinge (SVM) loss",
        family="classification",
        argument="s_k",
        variables=r"$s \in \mathbb{R}^C$ scores, $y$ true class, $m$ margin, $[\cdot]$ is 1 if true",
        formula=(
            r"\sum_{j \ne y} \max(0,\ m - s_y + s_j) \ \text{(Weston–Watkins)};\quad "
            r"\max\bigl(0,\ m - s_y + \max_{j \ne y} s_j\bigr) \ \text{(Crammer–Singer)}"
        ),
        gradient=(
            r"[k \ne y]\,[m - s_y + s_k > 0] - [k = y] \sum_{j \ne y} [m - s_y + s_j > 0] \ \text{(Weston–Watkins)}"
        ),
        second_derivative=r"0 \quad (\text{undefined at the kinks})",
        minimiser=(
            "scores that rank the frequent classes first by the margin: a decision, not probabilities "
            "(Weston–Watkins is not Fisher-consistent)"
        ),
        noise_model="none",
        robust_to_outliers="partly: linear growth, bounded gradient",
        input_range=r"$s \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=r"$[0, \infty)$",
        torch_name="torch.nn.functional.multi_margin_loss / torch.nn.MultiMarginLoss (Weston–Watkins ÷ C)",
        lossutils_name="lossutils.multiclass_hinge",
        nn_module="lossutils.nn.MulticlassHingeLoss",
        chapter="07_hinge.ipynb",
        extra_options="`variant='weston_watkins'` or `'crammer_singer'`",
        options={"margin": 1.0},
        reference=lambda s, y, margin=1.0: np.sum(
            np.maximum(0.0, margin - _pick(s, y)[:, None] + s) * (1 - _one_hot(y, s.shape[1])), axis=1
        ),
        reference_grad=_ww_grad,
        reference_second=lambda s, y, margin=1.0: np.zeros_like(s),
        best_constant=None,
    ),
]

#: Every card, by lossutils name, in the order of the book.
CARDS: Mapping[str, LossCard] = MappingProxyType({c.key: c for c in _CARD_LIST})


def card(name: str) -> LossCard:
    """The card of the loss ``name`` (a lossutils name such as ``"huber"``).

    In a notebook the card displays as a two-column table; ``print(card(name))`` shows it
    as plain text, and ``card(name).to_markdown()`` gives the Markdown source.

    Examples
    --------
    >>> card("quantile").noise_model
    'asymmetric Laplace'
    """
    try:
        return CARDS[name]
    except KeyError:
        raise ValueError(f"no loss card for {name!r}; cards exist for {', '.join(CARDS)}") from None


def _names(names: Iterable[str] | None) -> list[str]:
    chosen = list(CARDS) if names is None else list(names)
    for name in chosen:
        card(name)
    return chosen


def _chapter(c: LossCard, links: bool) -> str:
    stem = c.chapter.removesuffix(".ipynb")
    return f"[{stem}]({c.chapter})" if links else f"`{stem}`"


def summary_table(names: Iterable[str] | None = None, *, links: bool = False) -> Markdown:
    """A Markdown table summarising many losses (all of them by default), one row each.

    Parameters
    ----------
    names : iterable of str, optional
        Which losses, in which order (default: every card, in the book's order).
    links : bool, default False
        Link each chapter's notebook (``[02_mse](02_mse.ipynb)``); use it on pages that sit
        beside the chapters, once they all exist.
    """
    lines = [
        "| loss | per-sample loss | best constant | noise model | robust to outliers | PyTorch | chapter |",
        "|:--|:--|:--|:--|:--|:--|:--|",
    ]
    for name in _names(names):
        c = CARDS[name]
        lines.append(
            f"| {c.title} (`{c.key}`) | ${c.formula}$ | {c.minimiser} | {c.noise_model} | {c.robust_to_outliers} "
            f"| {_code_or_dash(c.torch_name)} | {_chapter(c, links)} |"
        )
    return Markdown("\n".join(lines))


def gradient_cheatsheet(names: Iterable[str] | None = None) -> Markdown:
    """A Markdown table of every loss with its gradient and second derivative."""
    lines = [
        "| loss | symbols | loss per sample | derivative | second derivative |",
        "|:--|:--|:--|:--|:--|",
    ]
    for name in _names(names):
        c = CARDS[name]
        lines.append(
            f"| {c.title} (`{c.key}`) | {c.variables} | ${c.formula}$ "
            f"| $\\partial \\ell / \\partial {c.argument} = {c.gradient}$ "
            f"| ${c.second_derivative}$ |"
        )
    return Markdown("\n".join(lines))
