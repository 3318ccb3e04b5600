r"""Loss cards: one source for the summary of every loss in the book.

Each loss has a :class:`LossCard` holding what the book states about it: its per-sample
formula, gradient and second derivative in LaTeX, the constant prediction it favours, the
likelihood it corresponds to, how it treats outliers, its ranges, its options and its chapter.
What the card does not restate it reads from :mod:`lossutils.registry`: the kind of the first
argument (from which the card's family, regression or classification, follows), the PyTorch
twin and the :mod:`lossutils.nn` module.
The same cards feed the box at the top of each loss's section (:func:`card`), the book's
summary tables (:func:`summary_table`) and the gradient cheat sheet (:func:`gradient_cheatsheet`),
so the three can never disagree.

The tests hold a naive NumPy reference of every loss (``tests/references.py``), written from
the LaTeX on its card independently of :mod:`lossutils`; they check it against
``lossutils.<name>`` and ``lossutils.<name>_grad``, and check every stated minimiser by
sweeping constant predictions. A formula on a card is therefore a tested formula.

In a notebook, a card or table displays itself as Markdown (a two-column table with
``$...$`` math, which MyST-NB and Jupyter render); ``print`` shows the same Markdown source.

Examples
--------
>>> from lossutils import cards
>>> c = cards.card("mae")
>>> c.minimiser
'the median of the targets'
>>> c.family, c.lossutils_name
('regression', 'lossutils.mae')
>>> print(cards.summary_table(["mse", "mae"]).splitlines()[0])
| loss (chapter) | best constant | noise model | robust to outliers |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from . import registry

__all__ = ["CARDS", "LossCard", "Markdown", "card", "gradient_cheatsheet", "summary_table"]


class Markdown(str):
    """A string of Markdown that notebooks display rendered and ``print`` shows as source."""

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True, eq=False)
class LossCard:
    r"""What the book states about one loss.

    Attributes
    ----------
    key : str
        The lossutils name of the loss, e.g. ``"mse"`` (its key in :data:`CARDS` and in
        :data:`lossutils.registry.LOSSES`).
    title : str
        Display name.
    argument : str
        LaTeX symbol of the first argument, the one gradients are taken with respect to.
    variables : str
        What the symbols mean (Markdown with ``$...$``).
    formula, gradient, second_derivative : str
        LaTeX of the per-sample loss, of its derivative with respect to ``argument`` and of the
        second derivative. No ``|`` characters (they would split Markdown table cells): absolute
        values are written ``\lvert r \rvert``. Each is short enough for a table cell: alternatives
        (variants, options, cases) go on lines of their own (``cases``, ``aligned``), and a remark
        that needs a sentence goes to ``note``.
    minimiser : str
        What the best constant prediction estimates (e.g. "the median of the targets").
    noise_model : str
        The likelihood whose negative log the loss is, or why there is none.
    robust_to_outliers : str
        How far one badly wrong sample can move the fit, and why.
    input_range, output_range : str
        Markdown (may contain ``$...$``).
    chapter : str
        The notebook of the book that teaches it, e.g. ``"02_mse.ipynb"``.
    options : mapping
        The hyper-parameters the formula uses, with their defaults (e.g. ``{"delta": 1.0}``).
    extra_options : str
        Further keyword options of the function that the per-sample formula leaves out
        (class weights, ``ignore_index``, ...), as Markdown.
    torch_note : str
        A remark for the PyTorch row, as Markdown: a near twin that is not the same loss, or
        where else the loss lives (e.g. ``"scikit-learn: `sklearn.metrics.hinge_loss`"``).
    use_when : str
        When to choose the loss, as Markdown; empty where the card leaves that to its chapter
        (the row is then not shown).
    note : str
        A remark on the formulas that needs a sentence, as Markdown (shown below them); empty for
        most cards (the row is then not shown).
    """

    key: str
    title: str
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
    chapter: str
    options: Mapping[str, float] = field(default_factory=dict)
    extra_options: str = ""
    torch_note: str = ""
    use_when: str = ""
    note: str = ""

    @property
    def entry(self) -> registry.LossEntry:
        """The loss's entry in :data:`lossutils.registry.LOSSES`."""
        return registry.LOSSES[self.key]

    @property
    def family(self) -> Literal["regression", "classification", "comparison"]:
        """``"regression"`` for a loss of a real or count target (registry kinds ``"residual"``,
        ``"mean_and_variance"``, ``"rate"``), ``"comparison"`` for a loss that compares items
        instead of labelling them (kinds ``"ranking"``, ``"pair"``, ``"triplet"``,
        ``"embeddings"``), else ``"classification"``."""
        if self.entry.kind in _REGRESSION_KINDS:
            return "regression"
        return "comparison" if self.entry.kind in _COMPARISON_KINDS else "classification"

    @property
    def lossutils_name(self) -> str:
        """Qualified name of the NumPy function, e.g. ``"lossutils.mse"``."""
        return f"lossutils.{self.key}"

    @property
    def grad_name(self) -> str:
        """Qualified name of the gradient function, e.g. ``"lossutils.mse_grad"``."""
        return f"{self.lossutils_name}_grad"

    @property
    def nn_module(self) -> str:
        """Qualified name of the :mod:`lossutils.nn` module, e.g. ``"lossutils.nn.LogCoshLoss"``, or ``"—"``."""
        name = self.entry.nn_module
        return "—" if name is None else f"lossutils.nn.{name}"

    def rows(self) -> list[tuple[str, str]]:
        """The card as (label, Markdown) rows."""
        d = rf"\dfrac{{\partial \ell}}{{\partial {self.argument}}}"
        d2 = rf"\dfrac{{\partial^2 \ell}}{{\partial {self.argument}^2}}"
        options = [f"`{k}={v}`" for k, v in self.options.items()] + ([self.extra_options] if self.extra_options else [])
        lossutils = [self.lossutils_name, self.grad_name] + ([self.nn_module] if self.entry.nn_module else [])
        return [
            ("family", self.family),
            ("symbols", self.variables),
            ("loss per sample", f"$\\ell = {self.formula}$"),
            ("gradient", f"${d} = {self.gradient}$"),
            ("second derivative", f"${d2} = {self.second_derivative}$"),
            *([("note", self.note)] if self.note else []),
            ("best constant prediction", self.minimiser),
            ("noise model", self.noise_model),
            ("robust to outliers", self.robust_to_outliers),
            *([("when to use", self.use_when)] if self.use_when else []),
            ("inputs", self.input_range),
            ("output", self.output_range),
            ("options", ", ".join(options) or "—"),
            ("PyTorch", _pytorch(self)),
            ("lossutils", ", ".join(f"`{name}`" for name in lossutils)),
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


def _pytorch(c: LossCard) -> str:
    """The PyTorch cell: the registry's twin (functional / module) as code, or ``—``, then the card's note."""
    e = c.entry
    twin = (
        "—" if e.torch_function is None else f"`torch.nn.functional.{e.torch_function}` / `torch.nn.{e.torch_module}`"
    )
    return f"{twin} ({c.torch_note})" if c.torch_note else twin


# -- the cards ---------------------------------------------------------------------------------

_REGRESSION_KINDS = ("residual", "mean_and_variance", "rate")
_COMPARISON_KINDS = ("ranking", "pair", "triplet", "embeddings")

_RESIDUAL = r"$\hat y$ prediction, $y$ target, $r = \hat y - y$ (positive: predicted too high)"
_REG_IN = r"$\hat y, y \in \mathbb{R}$, same shape"
_NONNEG = r"$[0, \infty)$"
_BIN_LOGIT = r"$z$ logit (score), $y \in \{0, 1\}$ label, $\sigma$ the sigmoid"
_MARGIN = r"$s$ score, $t \in \{-1, +1\}$ label, $\Delta$ target margin; $t s$ is the sample's (functional) margin"
_MANY_LABELS = "09_multilabel.ipynb"  # the chapter of the multi-label and binary margin losses
_COMPARING = "10_comparing.ipynb"  # the chapter of the ranking, metric-learning and contrastive losses
_CLASSES = (
    r"$z \in \mathbb{R}^C$ logits, $y$ true class, $p = \operatorname{softmax}(z)$, $[k = y]$ is 1 at the true class"
)

_CARD_LIST = [
    LossCard(
        key="mse",
        title="Mean squared error (L2)",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"(\hat y - y)^2",
        gradient=r"2(\hat y - y)",
        second_derivative=r"2",
        minimiser="the mean of the targets",
        noise_model="Gaussian (constant variance)",
        robust_to_outliers="no: an error 10× larger costs 100× more, and its gradient grows with it",
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="02_mse.ipynb",
    ),
    LossCard(
        key="mae",
        title="Mean absolute error (L1)",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"\lvert \hat y - y \rvert",
        gradient=r"\operatorname{sign}(\hat y - y) \quad (0 \text{ at } \hat y = y)",
        second_derivative=r"0 \quad (\text{undefined at } \hat y = y)",
        minimiser="the median of the targets",
        noise_model="Laplace (double exponential)",
        robust_to_outliers=(
            "in the target, yes: every error pulls with the same force, however large; "
            "an outlier in the inputs (a high-leverage point) can still tilt a fitted line"
        ),
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="03_mae_mbe.ipynb",
    ),
    LossCard(
        key="mbe",
        title="Mean bias error",
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
        chapter="03_mae_mbe.ipynb",
    ),
    LossCard(
        key="huber",
        title="Huber loss",
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
        robust_to_outliers=r"in the target, yes: an outlier's pull is capped at $\delta$",
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="04_robust_regression.ipynb",
        options={"delta": 1.0},
    ),
    LossCard(
        key="smooth_l1",
        title="Smooth L1 loss",
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
        robust_to_outliers="in the target, yes: gradients are capped at ±1",
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="04_robust_regression.ipynb",
        options={"beta": 1.0},
    ),
    LossCard(
        key="log_cosh",
        title="Log-cosh loss",
        argument=r"\hat y",
        variables=_RESIDUAL,
        formula=r"\log\cosh(\hat y - y)",
        gradient=r"\tanh(\hat y - y)",
        second_derivative=r"1 - \tanh^2(\hat y - y) = \operatorname{sech}^2(\hat y - y)",
        minimiser=r"a robust centre between median and mean: the $c$ with $\sum_i \tanh(c - y_i) = 0$",
        noise_model=r"hyperbolic secant: density $\propto 1/\cosh(r)$",
        robust_to_outliers="mostly: quadratic near 0, linear far away; the gradient per prediction is bounded by 1",
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="04_robust_regression.ipynb",
    ),
    LossCard(
        key="quantile",
        title="Quantile (pinball) loss",
        argument=r"\hat y",
        variables=_RESIDUAL + r", $q \in (0, 1)$ the quantile",
        formula=r"\max\bigl(q\,(y - \hat y),\ (q - 1)(y - \hat y)\bigr)",
        gradient=r"\begin{cases} 1 - q & \hat y > y \\ -q & \hat y < y \\ 0 & \hat y = y \end{cases}",
        second_derivative=r"0 \quad (\text{undefined at } \hat y = y)",
        minimiser=r"the $q$-quantile of the targets",
        noise_model="asymmetric Laplace",
        robust_to_outliers="yes: like MAE, which it is (halved) at q = 0.5",
        input_range=_REG_IN,
        output_range=_NONNEG,
        chapter="04_robust_regression.ipynb",
        options={"q": 0.5},
        torch_note="scikit-learn: `sklearn.metrics.mean_pinball_loss`",
    ),
    LossCard(
        key="binary_cross_entropy",
        title="Binary cross-entropy (on probabilities)",
        argument="p",
        variables=r"$p$ predicted probability of class 1, $y \in \{0, 1\}$ label (or a soft label in $[0, 1]$)",
        formula=r"-\bigl[y \log p + (1 - y) \log(1 - p)\bigr]",
        gradient=r"\dfrac{p - y}{p\,(1 - p)}",
        second_derivative=r"\dfrac{y}{p^2} + \dfrac{1 - y}{(1 - p)^2}",
        minimiser=r"the share of positive labels, $\bar y$",
        noise_model="Bernoulli",
        robust_to_outliers="no: −log p is unbounded as p → 0 (implementations clamp it: PyTorch at 100)",
        input_range=r"$p \in [0, 1]$, $y \in [0, 1]$",
        output_range=r"$[0, \infty)$; at most 100 with PyTorch's clamp of the log at −100",
        chapter="05_binary_cross_entropy.ipynb",
        extra_options="`weight` (rescales each element)",
    ),
    LossCard(
        key="binary_cross_entropy_with_logits",
        title="Binary cross-entropy with logits (logistic loss)",
        argument="z",
        variables=_BIN_LOGIT,
        formula=(
            r"\begin{aligned}[t] &\log(1 + e^{z}) - y z \\ "
            r"&= -\bigl[y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\bigr] \end{aligned}"
        ),
        gradient=r"\sigma(z) - y",
        second_derivative=r"\sigma(z)\,(1 - \sigma(z))",
        minimiser=r"the log-odds of the share of positive labels, $\log \frac{\bar y}{1 - \bar y}$",
        noise_model="Bernoulli with a logit link (logistic regression)",
        robust_to_outliers=(
            "partly: the loss grows linearly for badly wrong logits and the gradient per logit is bounded "
            "by 1, but a mislabelled sample keeps pulling until it is fit"
        ),
        input_range=r"$z \in \mathbb{R}$, $y \in [0, 1]$",
        output_range=_NONNEG,
        chapter="05_binary_cross_entropy.ipynb",
        extra_options="`weight`, `pos_weight` (scales the positive term)",
    ),
    LossCard(
        key="cross_entropy",
        title="Cross-entropy (softmax)",
        argument="z_k",
        variables=_CLASSES,
        formula=r"-\log p_y = \operatorname{logsumexp}(z) - z_y",
        gradient=r"p_k - [k = y]",
        second_derivative=r"p_k (1 - p_k) \quad \bigl(\text{Hessian } \operatorname{diag}(p) - p p^\top\bigr)",
        minimiser="the class frequencies (softmax of the best constant logits)",
        noise_model="categorical (multinoulli)",
        robust_to_outliers=(
            "partly, as binary cross-entropy on logits (which it is for two classes): linear growth, "
            "the gradient per logit is bounded by 1, but a mislabelled sample keeps pulling until its "
            "wrong class wins"
        ),
        input_range=r"$z \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$ or a probability vector",
        output_range=_NONNEG,
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class), `ignore_index=-100`, `label_smoothing=0.0`",
    ),
    LossCard(
        key="nll_loss",
        title="Negative log-likelihood",
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
        robust_to_outliers="partly (as cross-entropy)",
        input_range=r"$a \in (-\infty, 0]^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=r"$[0, \infty)$ for log-probabilities",
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class), `ignore_index=-100`",
    ),
    LossCard(
        key="focal_loss",
        title="Focal loss (softmax)",
        argument="z_k",
        variables=_CLASSES + r", $\gamma \ge 0$ focusing parameter",
        formula=r"-(1 - p_y)^{\gamma} \log p_y",
        gradient=(
            r"(1 - p_y)^{\gamma} \Bigl(1 - \dfrac{\gamma\, p_y \log p_y}{1 - p_y}\Bigr) \bigl(p_k - [k = y]\bigr)"
        ),
        second_derivative=r"\text{no compact form; can be } < 0",
        note=(
            r"The second derivative turns negative for badly misclassified samples, so for $\gamma > 0$ the "
            r"loss is not convex: with two classes and $\gamma = 2$, once $p_y \lesssim 0.06$."
        ),
        minimiser=(
            r"not the class frequencies: the best constant probabilities are pulled toward uniform "
            r"(less confident), more so for larger $\gamma$; $\gamma = 0$ is cross-entropy"
        ),
        noise_model="none exactly: a re-weighted categorical likelihood (not a proper scoring rule)",
        robust_to_outliers=(
            "no: hard samples, mislabelled ones included, get more than cross-entropy's gradient "
            r"(up to about 1.2 times at $\gamma = 2$) while easy ones fade"
        ),
        input_range=r"$z \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=_NONNEG,
        chapter="06_cross_entropy.ipynb",
        extra_options="`weight` (per class)",
        options={"gamma": 2.0},
        torch_note="`torchvision.ops.sigmoid_focal_loss` is the binary, sigmoid form",
    ),
    LossCard(
        key="kl_div",
        title="Kullback–Leibler divergence",
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
        chapter="06_cross_entropy.ipynb",
        extra_options="`log_target=False`; reduction `'batchmean'` by default",
    ),
    LossCard(
        key="hinge",
        title="Hinge loss",
        argument="s",
        variables=_MARGIN,
        formula=r"\max(0,\ \Delta - t s)",
        gradient=r"\begin{cases} -t & t s < \Delta \\ 0 & t s \ge \Delta \end{cases}",
        second_derivative=r"0 \quad (\text{undefined at } t s = \Delta)",
        minimiser=r"the majority label times the margin, $\pm \Delta$: a decision, not a probability",
        noise_model="none (no likelihood: scores are not calibrated probabilities)",
        robust_to_outliers="partly: grows linearly, gradient bounded; correct samples beyond the margin cost nothing",
        input_range=r"$s \in \mathbb{R}$, $t \in \{-1, +1\}$",
        output_range=_NONNEG,
        chapter="07_hinge.ipynb",
        options={"margin": 1.0},
        torch_note=(
            "`torch.nn.functional.margin_ranking_loss` with a second score of 0 computes it; "
            "scikit-learn: `sklearn.metrics.hinge_loss`"
        ),
    ),
    LossCard(
        key="squared_hinge",
        title="Squared hinge loss",
        argument="s",
        variables=_MARGIN,
        formula=r"\max(0,\ \Delta - t s)^2",
        gradient=r"-2 t \max(0,\ \Delta - t s)",
        second_derivative=r"\begin{cases} 2 & t s < \Delta \\ 0 & t s > \Delta \end{cases}",
        minimiser=r"$\Delta(2\pi - 1)$ with $\pi$ the share of $+1$ labels: a rescaled estimate of $\pi$",
        noise_model="none",
        robust_to_outliers="no: quadratic growth for badly wrong scores",
        input_range=r"$s \in \mathbb{R}$, $t \in \{-1, +1\}$",
        output_range=_NONNEG,
        chapter="07_hinge.ipynb",
        options={"margin": 1.0},
    ),
    LossCard(
        key="multiclass_hinge",
        title="Multi-class hinge (SVM) loss",
        argument="s_k",
        variables=(
            r"$s \in \mathbb{R}^C$ scores, $y$ true class, $\Delta$ margin, $[\cdot]$ is 1 if true, "
            r"$h_j = \max(0,\ \Delta - s_y + s_j)$, $h'_j = [h_j > 0]$, $j^* = \arg\max_{j \ne y} s_j$; "
            r"WW: Weston–Watkins, CS: Crammer–Singer"
        ),
        formula=r"\begin{cases} \sum_{j \ne y} h_j & \text{WW} \\ h_{j^*} & \text{CS} \end{cases}",
        gradient=(
            r"\begin{cases} [k \ne y]\, h'_k - [k = y] \sum_{j \ne y} h'_j & \text{WW} \\ "
            r"\bigl([k = j^*] - [k = y]\bigr)\, h'_{j^*} & \text{CS} \end{cases}"
        ),
        second_derivative=r"0 \quad (\text{undefined at the kinks})",
        minimiser=(
            "no reliable ranking: for C > 2 with no dominant class the best scores can tie the most "
            "probable class with others (neither variant is classification-calibrated); a decision, "
            "not probabilities"
        ),
        noise_model="none",
        robust_to_outliers="partly: linear growth, bounded gradient",
        input_range=r"$s \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=_NONNEG,
        chapter="07_hinge.ipynb",
        extra_options="`variant='weston_watkins'` or `'crammer_singer'`",
        options={"margin": 1.0},
        torch_note="Weston–Watkins ÷ C is `torch.nn.functional.multi_margin_loss` / `torch.nn.MultiMarginLoss`",
    ),
    LossCard(
        key="multi_margin",
        title="Multi-margin loss (PyTorch's multi-class hinge)",
        argument="s_k",
        variables=(
            r"$s \in \mathbb{R}^C$ scores, $y$ true class, $h_j = \max(0,\ \Delta - s_y + s_j)$, "
            r"$h'_j = [h_j > 0]$ ($p = 1$) or $2 h_j$ ($p = 2$), $w_y$ the weight of class $y$"
        ),
        formula=r"\dfrac{w_y}{C} \sum_{j \ne y} h_j^{\,p}",
        gradient=r"\dfrac{w_y}{C} \bigl([k \ne y]\, h'_k - [k = y] \textstyle\sum_{j \ne y} h'_j\bigr)",
        second_derivative=r"0\ (p = 1);\quad \tfrac{2 w_y}{C}\, [h_k > 0]\ (p = 2,\ k \ne y)",
        minimiser=(
            "no closed form; with p = 1 it is the Weston–Watkins loss divided by C, with the same best scores: "
            "a decision, not probabilities"
        ),
        noise_model="none",
        robust_to_outliers="partly with p = 1 (linear growth, bounded gradient); not with p = 2 (quadratic growth)",
        input_range=r"$s \in \mathbb{R}^{C}$; $y \in \{0, \dots, C - 1\}$",
        output_range=_NONNEG,
        chapter="07_hinge.ipynb",
        options={"p": 1, "margin": 1.0},
        extra_options="`weight` (per class: a sample is weighted by its true class's); `'mean'` divides by N",
        torch_note="C × the loss is the Weston–Watkins `lossutils.multiclass_hinge` for p = 1 without weights",
    ),
    # -- predicted distributions
    LossCard(
        key="gaussian_nll",
        title="Gaussian negative log-likelihood",
        argument=r"\mu",
        variables=(
            r"$\mu$ predicted mean, $\sigma^2 \ge 0$ predicted variance (`var`), $y$ target, "
            r"$\tilde\sigma^2 = \max(\sigma^2, \epsilon)$"
        ),
        formula=(
            r"\tfrac12 \Bigl(\log \tilde\sigma^2 + \dfrac{(\mu - y)^2}{\tilde\sigma^2}\Bigr)"
            r"\ \bigl[+ \tfrac12 \log 2\pi \text{ if full}\bigr]"
        ),
        gradient=(
            r"\dfrac{\mu - y}{\tilde\sigma^2};\quad "
            r"\dfrac{\partial \ell}{\partial \sigma^2} = \dfrac{\tilde\sigma^2 - (\mu - y)^2}{2 \tilde\sigma^4}"
        ),
        second_derivative=(
            r"\dfrac{1}{\tilde\sigma^2};\quad \dfrac{\partial^2 \ell}{\partial (\sigma^2)^2} = "
            r"\dfrac{2 (\mu - y)^2 - \sigma^2}{2 \sigma^6} \ (\sigma^2 > \epsilon)"
        ),
        minimiser=(
            r"with one constant variance: the mean of the targets $\bar y$, and as variance their "
            r"$\frac1N \sum_i (y_i - \bar y)^2$ (at least $\epsilon$); with given variances per sample, "
            r"the mean of the targets weighted by $1/\tilde\sigma_i^2$"
        ),
        noise_model="Gaussian with a predicted variance (heteroscedastic)",
        robust_to_outliers=(
            r"no: quadratic in the error like MSE; a large predicted variance damps a sample's pull "
            r"$(\mu - y)/\tilde\sigma^2$, so a model may call hard samples noisy instead of fitting them"
        ),
        input_range=r"$\mu, y \in \mathbb{R}$, same shape; $\sigma^2 \ge 0$: that shape, one per sample, or one number",
        output_range=(
            r"$[\tfrac12 \log \epsilon, \infty)$ (plus $\tfrac12 \log 2\pi$ with `full`): "
            r"negative for a confident, accurate prediction"
        ),
        chapter="08_distributions.ipynb",
        options={"full": False, "eps": 1e-6},
        use_when=(
            r"regression that also says how sure it is: the noise varies with the input, and the model "
            r"predicts a variance per sample; with one fixed variance $\sigma^2$ it is `mse` divided by "
            r"$2\sigma^2$, plus a constant"
        ),
    ),
    LossCard(
        key="poisson_nll",
        title="Poisson negative log-likelihood",
        argument="x",
        variables=(
            r"$x$ predicted log-rate $\log \lambda$, or rate $\lambda$ with `log_input=False`; $y \ge 0$ count; "
            r"$\epsilon$ small; $S(y) = y \log y - y + \tfrac12 \log(2\pi y)$ (Stirling's term) for $y > 1$, "
            r"else 0"
        ),
        formula=(
            r"\begin{cases} e^{x} - y x & \text{log-rate } x \\ x - y \log(x + \epsilon) & \text{rate } x \end{cases}"
            r"\ \bigl[+ S(y) \text{ if full}\bigr]"
        ),
        gradient=(
            r"\begin{cases} e^{x} - y & \text{log-rate } x \\ 1 - \dfrac{y}{x + \epsilon} & \text{rate } x \end{cases}"
        ),
        second_derivative=(
            r"\begin{cases} e^{x} & \text{log-rate } x \\ \dfrac{y}{(x + \epsilon)^2} & \text{rate } x \end{cases}"
        ),
        minimiser=r"the mean count $\bar y$: $\log \bar y$ as a log-rate, $\bar y - \epsilon$ as a rate",
        noise_model="Poisson (counts whose variance equals their mean)",
        robust_to_outliers=r"no: the gradient in the log-rate, $\lambda - y$, grows without bound with a large count",
        input_range=r"$x \in \mathbb{R}$ (log-rate) or $x \ge 0$ (rate); $y \ge 0$, same shape",
        output_range=(
            r"$\mathbb{R}$: its minimum over the rate, about $y - y \log y$ at $\lambda = y$, is negative for "
            r"$y > e$; with `full`, $\ge 0$ for integer counts"
        ),
        chapter="08_distributions.ipynb",
        options={"log_input": True, "full": False, "eps": 1e-8},
        torch_note=(
            "scikit-learn: `sklearn.metrics.mean_poisson_deviance` = 2 × (the mean loss − the mean loss at "
            "rates λ = y), with `log_input=False`"
        ),
        use_when=(
            "counts (events per interval, visits, defects) whose variance is about their mean: Poisson "
            "regression, the model predicting the log-rate; counts more spread out than that (over-dispersed) "
            "call for a negative binomial"
        ),
    ),
    # -- many labels, and the binary margin family --
    LossCard(
        key="multilabel_soft_margin",
        title="Multi-label soft margin loss",
        argument="z_k",
        variables=(
            r"$z \in \mathbb{R}^C$ logits, one per label; $y \in \{0, 1\}^C$ the sample's labels "
            r"(1: the label applies); $\sigma$ the sigmoid"
        ),
        formula=r"\frac{1}{C} \sum_{k=1}^{C} \bigl[\log(1 + e^{z_k}) - y_k z_k\bigr]",
        gradient=r"\frac{1}{C} \bigl(\sigma(z_k) - y_k\bigr)",
        second_derivative=r"\frac{1}{C}\, \sigma(z_k)\,(1 - \sigma(z_k)) \quad (\text{the Hessian is diagonal})",
        minimiser=r"per label, the log-odds of its frequency, $\log \frac{\bar y_k}{1 - \bar y_k}$",
        noise_model="independent Bernoulli labels with logit links (one logistic regression per label)",
        robust_to_outliers=(
            "partly, as binary cross-entropy on logits, which it averages: linear growth, the gradient "
            "per logit is bounded by 1/C, but a mislabelled entry keeps pulling until it is fit"
        ),
        input_range=r"$z \in \mathbb{R}^{C}$, $y \in \{0, 1\}^{C}$ (soft labels in $[0, 1]$ allowed)",
        output_range=_NONNEG,
        chapter=_MANY_LABELS,
        extra_options="`weight` (per label)",
        torch_note="the mean over the labels of `torch.nn.functional.binary_cross_entropy_with_logits`",
        use_when=(
            r"many labels per sample, each wanted as a probability $\sigma(z_k)$ to threshold label by label; "
            "the same number as `binary_cross_entropy_with_logits` on the (N, C) matrix with its mean"
        ),
    ),
    LossCard(
        key="multilabel_margin",
        title="Multi-label margin loss",
        argument="s_k",
        variables=(
            r"$s \in \mathbb{R}^C$ scores, $Y$ the sample's set of labels, $\bar Y$ the other classes; "
            r"$[\cdot]$ is 1 if true, so $v_{ji} = [1 - s_j + s_i > 0]$ marks a pair within the margin"
        ),
        formula=r"\frac{1}{C} \sum_{j \in Y} \sum_{i \in \bar Y} \max(0,\ 1 - s_j + s_i)",
        gradient=r"\frac{1}{C} \Bigl([k \in \bar Y] \sum_{j \in Y} v_{jk} - [k \in Y] \sum_{i \in \bar Y} v_{ki}\Bigr)",
        second_derivative=r"0 \quad (\text{undefined at the kinks})",
        minimiser=(
            "no closed form, and no threshold: adding a constant to all of a sample's scores changes "
            "nothing, so the loss ranks the labels and does not say where they end"
        ),
        noise_model="none (a ranking loss: scores are not probabilities)",
        robust_to_outliers=(
            "partly: linear growth, bounded gradient; a sample whose labels all outscore the other "
            "classes by 1 costs nothing"
        ),
        input_range=(
            r"$s \in \mathbb{R}^{C}$; $Y \subseteq \{0, \dots, C - 1\}$ "
            r"(PyTorch: class indices padded with $-1$)"
        ),
        output_range=_NONNEG,
        chapter=_MANY_LABELS,
        extra_options="`target_format='padded'` (PyTorch's), `'lists'` or `'multi_hot'`",
        use_when=(
            "many labels per sample where only their order counts (ranking, top-k); "
            "where the labels end needs a threshold chosen separately"
        ),
    ),
    LossCard(
        key="soft_margin",
        title="Soft margin loss",
        argument="s",
        variables=r"$s$ score, $t \in \{-1, +1\}$ label; $t s$ is the sample's margin, $\sigma$ the sigmoid",
        formula=r"\log(1 + e^{-t s})",
        gradient=r"-t\, \sigma(-t s)",
        second_derivative=r"\sigma(t s)\,(1 - \sigma(t s))",
        minimiser=r"the log-odds of the share $\pi$ of $+1$ labels, $\log \frac{\pi}{1 - \pi}$",
        noise_model="Bernoulli with a logit link (logistic regression), the labels written ±1",
        robust_to_outliers=(
            "partly, as binary cross-entropy on logits (which it is): linear growth, the gradient is "
            "bounded by 1, but a mislabelled sample keeps pulling until it is fit"
        ),
        input_range=r"$s \in \mathbb{R}$, $t \in \{-1, +1\}$",
        output_range=_NONNEG,
        chapter=_MANY_LABELS,
        torch_note="`torch.nn.functional.binary_cross_entropy_with_logits` on the labels (t + 1) / 2",
        use_when=(
            "binary classification with labels written ±1 (as for the hinge) and a probability "
            r"$\sigma(s)$ wanted; a smooth hinge that never stops pulling"
        ),
    ),
    LossCard(
        key="hinge_embedding",
        title="Hinge embedding loss",
        argument="d",
        variables=(
            r"$d$ distance between the two items of a pair, $t = +1$ similar pair, $t = -1$ dissimilar, "
            r"$\Delta$ margin"
        ),
        formula=r"\begin{cases} d & t = +1 \\ \max(0,\ \Delta - d) & t = -1 \end{cases}",
        gradient=r"\begin{cases} 1 & t = +1 \\ -1 & t = -1,\ d < \Delta \\ 0 & t = -1,\ d > \Delta \end{cases}",
        second_derivative=r"0 \quad (\text{undefined at } d = \Delta)",
        minimiser=(
            r"for distances $d \ge 0$, a majority vote: 0 if most pairs are similar, $\Delta$ if most "
            r"are dissimilar"
        ),
        noise_model="none (a margin rule for distances, not a likelihood)",
        robust_to_outliers=(
            "partly: linear in the distance, gradient bounded by 1; a similar pair far apart keeps "
            "pulling, a dissimilar pair beyond the margin costs nothing"
        ),
        input_range=r"$d \ge 0$ (not checked, as in PyTorch), $t \in \{-1, +1\}$",
        output_range=_NONNEG,
        chapter=_MANY_LABELS,
        options={"margin": 1.0},
        use_when=(
            "learning distances from pairs labelled similar or dissimilar (metric learning), fed a distance "
            "between two embeddings, e.g. their L1 or L2 distance"
        ),
    ),
    # -- comparing instead of labelling --
    LossCard(
        key="margin_ranking",
        title="Margin ranking loss",
        argument="x_1",
        variables=(
            r"$x_1, x_2$ scores of the two items of a pair, $t = +1$ if item 1 should rank higher, "
            r"$-1$ if item 2; $\Delta$ margin"
        ),
        formula=r"\max\bigl(0,\ -t (x_1 - x_2) + \Delta\bigr)",
        gradient=(
            r"\begin{cases} -t & t (x_1 - x_2) < \Delta \\ 0 & t (x_1 - x_2) > \Delta \end{cases};"
            r"\quad \dfrac{\partial \ell}{\partial x_2} = -\dfrac{\partial \ell}{\partial x_1}"
        ),
        second_derivative=r"0 \quad (\text{undefined at } t (x_1 - x_2) = \Delta)",
        minimiser=(
            r"only the difference $x_1 - x_2$ counts; as one constant difference, $\Delta$ times the sign of "
            r"the majority's preference; with $\Delta = 0$, a tie ($x_1 = x_2$) costs nothing for every pair"
        ),
        noise_model="none (a margin rule for score differences, not a likelihood)",
        robust_to_outliers=(
            "partly: linear growth, gradient bounded by 1; a wrongly labelled preference keeps pulling"
        ),
        input_range=r"$x_1, x_2 \in \mathbb{R}$, same shape; $t \in \{-1, +1\}$",
        output_range=_NONNEG,
        chapter=_COMPARING,
        options={"margin": 0.0},
        use_when=(
            r"pairwise preferences (learning to rank: which of two items is more relevant); the same number "
            r"as `hinge` of the difference $x_1 - x_2$; a margin $\Delta > 0$ keeps a tie from being free"
        ),
    ),
    LossCard(
        key="cosine_embedding",
        title="Cosine embedding loss",
        argument="x_1",
        variables=(
            r"$x_1, x_2$ embeddings of a pair, $t = +1$ similar, $-1$ dissimilar, $\Delta$ margin, $c$ their cosine, "
            r"$\hat x = x / \lVert x \rVert$, "
            r"$g = \partial c / \partial x_1 = (\hat x_2 - c\,\hat x_1) / \lVert x_1 \rVert$"
        ),
        formula=r"\begin{cases} 1 - c & t = +1 \\ \max(0,\ c - \Delta) & t = -1 \end{cases}",
        gradient=r"\begin{cases} -g & t = +1 \\ g & t = -1,\ c > \Delta \\ 0 & t = -1,\ c < \Delta \end{cases}",
        second_derivative=r"\text{a } D \times D \text{ matrix per pair (not written out)}",
        minimiser=(
            r"does not apply: the prediction is a pair of vectors; the loss is 0 once similar pairs point "
            r"the same way and dissimilar pairs have a cosine of at most $\Delta$"
        ),
        noise_model="none (a margin rule for angles, not a likelihood)",
        robust_to_outliers=(
            r"partly: one pair costs at most 2, and only the angle counts; the gradient, of length at most "
            r"$1 / \lVert x_1 \rVert$, grows for short embeddings"
        ),
        input_range=r"$x_1, x_2 \in \mathbb{R}^{D}$, one pair per row; $t \in \{-1, +1\}$",
        output_range=r"$[0, 2]$",
        chapter=_COMPARING,
        options={"margin": 0.0},
        torch_note=r"its cosine adds $10^{-12}$ to each squared norm",
        use_when=(
            "learning embeddings compared by their angle (text or image retrieval by cosine similarity), "
            "from pairs labelled similar or dissimilar"
        ),
    ),
    LossCard(
        key="contrastive",
        title="Contrastive loss (Hadsell et al.)",
        argument="x_1",
        variables=(
            r"$x_1, x_2$ embeddings of a pair, $d = \lVert x_1 - x_2 \rVert_2$, $u = (x_1 - x_2) / d$ (0 at $d = 0$), "
            r"$t = +1$ similar, $-1$ dissimilar, $\Delta$ margin"
        ),
        formula=(r"\begin{cases} \tfrac12 d^2 & t = +1 \\ \tfrac12 \max(0,\ \Delta - d)^2 & t = -1 \end{cases}"),
        gradient=(r"\begin{cases} x_1 - x_2 & t = +1 \\ -\max(0,\ \Delta - d)\, u & t = -1 \end{cases}"),
        second_derivative=(
            r"\begin{cases} I & t = +1 \\ u u^{\top} - \tfrac{\Delta - d}{d} (I - u u^{\top}) & t = -1,\ d < \Delta "
            r"\\ 0 & t = -1,\ d > \Delta \end{cases}"
        ),
        minimiser=(
            r"does not apply: the prediction is a pair of vectors; the loss is 0 once similar pairs coincide "
            r"and dissimilar pairs are at least $\Delta$ apart; without the dissimilar term, one point for "
            r"every input would be best"
        ),
        noise_model=(
            r"none (an energy-based margin rule); the similar pairs' $\tfrac12 d^2$ alone is a Gaussian's "
            r"negative log-likelihood of $x_1 - x_2$"
        ),
        robust_to_outliers=(
            r"no for similar pairs: quadratic in $d$, so a similar pair far apart pulls hard; a dissimilar pair "
            r"pushes with a force of at most $\Delta$"
        ),
        input_range=(
            r"$x_1, x_2 \in \mathbb{R}^{D}$, one pair per row; $t \in \{-1, +1\}$ "
            r"(Hadsell et al. write $Y = (1 - t)/2$: 0 similar, 1 dissimilar)"
        ),
        output_range=_NONNEG,
        chapter=_COMPARING,
        options={"margin": 1.0},
        use_when=(
            "metric learning from pairs labelled similar or dissimilar (Siamese networks); a smooth, squared "
            "`hinge_embedding` of the Euclidean distance"
        ),
    ),
    LossCard(
        key="triplet_margin",
        title="Triplet margin loss",
        argument="a",
        variables=(
            r"$a$ anchor, $x_+$ positive (alike), $x_-$ negative, $d(x, y) = \lVert x - y + \epsilon \rVert_p$, "
            r"$u_\pm = \partial d(a, x_\pm) / \partial a$, for $p = 2$: $u_\pm = (a - x_\pm) / d(a, x_\pm)$; "
            r"$\Delta$ margin"
        ),
        formula=r"\max\bigl(0,\ d(a, x_+) - d(a, x_-) + \Delta\bigr)",
        gradient=r"[\ell > 0]\,(u_+ - u_-)",
        second_derivative=(
            r"[\ell > 0] \Bigl(\dfrac{I - u_+ u_+^{\top}}{d(a, x_+)} - \dfrac{I - u_- u_-^{\top}}{d(a, x_-)}\Bigr) "
            r"\ (p = 2,\ \epsilon = 0)"
        ),
        minimiser=(
            r"does not apply: the prediction is three vectors; the loss is 0 once each negative is $\Delta$ "
            r"farther from its anchor than the positive; if every embedding is one point, each triplet costs "
            r"$\Delta$: the margin is what makes that collapse a bad answer"
        ),
        noise_model="none (a margin rule for distances, not a likelihood)",
        robust_to_outliers=(
            "partly: linear in the distances, gradient of length at most 2 for p = 2; a mislabelled triplet "
            "keeps pulling"
        ),
        input_range=r"$a, x_+, x_- \in \mathbb{R}^{D}$, one triplet per row",
        output_range=_NONNEG,
        chapter=_COMPARING,
        options={"margin": 1.0, "p": 2, "eps": 1e-6, "swap": False},
        use_when=(
            "metric learning when examples come in classes (faces, products): an anchor, one of its class, one "
            r"of another; `swap=True` also measures the negative from the positive"
        ),
    ),
    LossCard(
        key="triplet_margin_with_distance",
        title="Triplet margin loss with a distance function",
        argument="a",
        variables=(
            r"$a$ anchor, $x_+$ positive, $x_-$ negative; $d$ the `distance_function` (default: "
            r"$\lVert x - y + 10^{-6} \rVert_2$; e.g. the cosine distance $1 - \cos$); $\Delta$ margin"
        ),
        formula=r"\max\bigl(0,\ d(a, x_+) - d(a, x_-) + \Delta\bigr)",
        gradient=(
            r"[\ell > 0]\,\Bigl(\dfrac{\partial d(a, x_+)}{\partial a} - \dfrac{\partial d(a, x_-)}{\partial a}\Bigr)"
        ),
        second_derivative=(
            r"[\ell > 0]\,\Bigl(\dfrac{\partial^2 d(a, x_+)}{\partial a^2} "
            r"- \dfrac{\partial^2 d(a, x_-)}{\partial a^2}\Bigr)"
        ),
        minimiser=(
            r"does not apply (three vectors); 0 once each negative is $\Delta$ farther from its anchor than "
            r"the positive, in the chosen distance"
        ),
        noise_model="none (a margin rule for distances, not a likelihood)",
        robust_to_outliers=(
            "partly, as the distance allows: the cosine distance is bounded by 2, the L2 distance is not"
        ),
        input_range=r"$a, x_+, x_- \in \mathbb{R}^{D}$, one triplet per row",
        output_range=_NONNEG,
        chapter=_COMPARING,
        options={"margin": 1.0, "swap": False},
        extra_options=(
            "`distance_function`: None (L2), `'euclidean'`, `'cosine'`, a `lossutils.Distance` (a function "
            "with its gradient) or a callable (the loss only)"
        ),
        use_when="the triplet loss in the distance the embeddings will be compared by, e.g. the cosine",
    ),
    LossCard(
        key="info_nce",
        title="InfoNCE (NT-Xent) loss",
        argument="q_i",
        variables=(
            r"$q_i, k_j$ query and key embeddings, $k_i$ the positive of $q_i$, $s_{ij} = \hat q_i \cdot \hat k_j$ "
            r"(unit vectors), $\tau$ temperature, $p_{ij} = \operatorname{softmax}_j(s_{ij} / \tau)$"
        ),
        formula=r"-\log p_{ii} = \operatorname{logsumexp}_j (s_{ij} / \tau) - s_{ii} / \tau",
        gradient=(r"\dfrac{I - \hat q_i \hat q_i^{\top}}{\tau \lVert q_i \rVert} \sum_j (p_{ij} - [j = i])\, \hat k_j"),
        second_derivative=r"\text{a } D \times D \text{ matrix per query (not written out)}",
        minimiser=(
            r"does not apply (a batch of vectors); at least $\log\bigl(1 + (N - 1) e^{-2/\tau}\bigr)$, "
            r"since cosines lie in $[-1, 1]$; $\log N$ for a collapse, every similarity equal"
        ),
        noise_model=r"categorical over the $N$ keys of the batch: which one belongs to this query",
        robust_to_outliers=(
            "partly, as cross-entropy (which it is); a key of the same class as the query among the "
            "negatives (a false negative) is pushed away all the same"
        ),
        input_range=r"$q, k \in \mathbb{R}^{N \times D}$, row $i$ of the keys the positive of query $i$",
        output_range=r"$[0, \infty)$",
        chapter=_COMPARING,
        options={"temperature": 0.1, "symmetric": False},
        torch_note=(
            "`torch.nn.functional.cross_entropy` of the cosine similarities divided by the temperature, "
            "with targets `arange(N)`"
        ),
        use_when=(
            "contrastive (self-supervised) learning with the positives in the batch, SimCLR's two views of "
            "an image; `symmetric=True` is CLIP's loss for matched pairs (image, caption)"
        ),
    ),
    # -- sequences without alignment --
    LossCard(
        key="ctc",
        title="Connectionist temporal classification (CTC)",
        argument="a_t(k)",
        variables=(
            r"$a_t(k)$ log-probability of symbol $k$ (or the blank) at frame $t$, $l$ the labels, "
            r"$\mathcal{B}$ merges repeats and drops blanks, $\gamma_t(k)$ the posterior that frame $t$ emits $k$"
        ),
        formula=r"-\log \sum_{\pi:\ \mathcal{B}(\pi) = l}\ \prod_{t} e^{a_t(\pi_t)}",
        gradient=r"-\gamma_t(k)",
        second_derivative=r"-\gamma_t(k)\,\bigl(1 - \gamma_t(k)\bigr) \le 0",
        minimiser=(
            "does not apply: the prediction is a sequence of T distributions, not one value to hold constant; "
            "for free (unnormalised) log-probabilities the loss is unbounded below"
        ),
        noise_model=(
            "categorical over label sequences: the frames are independent given the input, and every "
            "alignment that collapses to the labels counts"
        ),
        robust_to_outliers=(
            "partly, as cross-entropy: through a log-softmax the gradient per logit is bounded by 1, but a "
            "mislabelled sequence keeps pulling; a target no alignment fits costs inf (`zero_infinity=True`: 0)"
        ),
        input_range=(
            r"$a \in \mathbb{R}^{T \times C}$ per sample (normalised log-probabilities in practice); "
            r"labels in $\{0, \dots, C - 1\}$ without the blank"
        ),
        output_range=r"$[0, \infty]$ for normalised log-probabilities",
        chapter="11_ctc.ipynb",
        extra_options=(
            "`blank=0`, `zero_infinity=False`, `input_lengths` and `target_lengths` per sample; "
            "`'mean'` divides each loss by its target length, then by N"
        ),
        torch_note="its autograd adds $e^{a_t(k)}$ to the gradient of `log_probs`: the same gradient for the logits",
    ),
    # -- a huge vocabulary: the output layer inside the loss --
    LossCard(
        key="linear_cross_entropy",
        title="Linear cross-entropy (output layer and softmax in one)",
        argument="h",
        variables=(
            r"$h \in \mathbb{R}^d$ features, $W \in \mathbb{R}^{V \times d}$ and $b$ the output layer, "
            r"$p = \operatorname{softmax}(W h + b)$, $e_y$ one-hot"
        ),
        formula=r"\operatorname{logsumexp}(W h + b) - (W_y \cdot h + b_y)",
        gradient=r"W^\top (p - e_y)",
        second_derivative=r"W^\top \bigl(\operatorname{diag}(p) - p p^\top\bigr) W",
        minimiser="as cross-entropy, for the logits $W h + b$",
        noise_model="categorical, as cross-entropy",
        robust_to_outliers="partly, as cross-entropy",
        input_range=r"$h \in \mathbb{R}^{d}$, $W \in \mathbb{R}^{V \times d}$; $y \in \{0, \dots, V - 1\}$",
        output_range=_NONNEG,
        chapter="13_scale.ipynb",
        extra_options="`linear_bias`, `weight`, `ignore_index=-100`, `label_smoothing=0.0`, `chunk_size=1024`",
        torch_note="its `options` chunk the tokens, lossutils the vocabulary",
        use_when="a vocabulary too large for the N × V logits in memory",
    ),
    LossCard(
        key="adaptive_log_softmax",
        title="Adaptive softmax (Grave et al., 2017)",
        argument="h",
        variables=(
            r"$h$ features, $q = \operatorname{softmax}(H h + b)$ the head, $A_k = O_k P_k$ the tail of $y$'s "
            r"cluster $k$, $r = \operatorname{softmax}(A_k h)$, $j$ = $y$ or $c_0 + k$, "
            r"$S(p) = \operatorname{diag}(p) - p p^\top$"
        ),
        formula=r"\begin{cases} -\log q_y & y < c_0 \\ -\log q_{c_0 + k} - \log r_{y - c_k} & y \ge c_0 \end{cases}",
        gradient=r"H^\top (q - e_j) + [y \ge c_0]\, A_k^\top (r - e_{y - c_k})",
        second_derivative=r"H^\top S(q) H + [y \ge c_0]\, A_k^\top S(r) A_k",
        minimiser="the class frequencies, where the head and tails can reach them",
        noise_model="categorical, factored into head and cluster",
        robust_to_outliers="partly, as cross-entropy",
        input_range=r"$h \in \mathbb{R}^{d}$; $y \in \{0, \dots, V - 1\}$, frequent classes first",
        output_range=_NONNEG,
        chapter="13_scale.ipynb",
        extra_options=r"`cutoffs` $c_0 < c_1 < \dots$, `head_bias`; `adaptive_log_prob` gives every $\log p$",
        torch_note=r"`torch.nn.AdaptiveLogSoftmaxWithLoss`, a module: its `output` is $-\ell$",
        use_when="a Zipfian vocabulary: rare classes cost a small tail",
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
    return CARDS[registry.get(name).name]  # every loss in the registry has a card (tested)


def _cards(names: Iterable[str] | None) -> list[LossCard]:
    return list(CARDS.values()) if names is None else [card(name) for name in names]


def _chapter(c: LossCard, links: bool) -> str:
    """The chapter as its notebook's name, or as a link whose text is its number (the file's)."""
    stem = c.chapter.removesuffix(".ipynb")
    return f"[{int(stem.split('_')[0])}]({c.chapter})" if links else f"`{stem}`"


def summary_table(names: Iterable[str] | None = None, *, links: bool = False) -> Markdown:
    """Two Markdown tables summarising many losses (all of them by default), one row per loss in each.

    The first compares what the losses estimate: the best constant prediction, the noise model and
    how each treats outliers, each loss named with the chapter that teaches it; the second gives
    its lossutils name, per-sample formula and PyTorch twin. Two narrow tables instead of one wide
    one, so that both fit a book's column (a formula is as wide as it is: it does not wrap).

    Parameters
    ----------
    names : iterable of str, optional
        Which losses, in which order (default: every card, in the book's order).
    links : bool, default False
        Link each chapter's notebook, by its number (``[2](02_mse.ipynb)``); use it on pages
        that sit beside the chapters, once they all exist.
    """
    chosen = _cards(names)
    compare = _table(
        ["loss (chapter)", "best constant", "noise model", "robust to outliers"],
        [[f"{c.title} ({_chapter(c, links)})", c.minimiser, c.noise_model, c.robust_to_outliers] for c in chosen],
    )
    formulas = _table(
        ["loss", "per-sample loss", "PyTorch"],
        [[f"{c.title} (`{c.key}`)", f"${c.formula}$", _pytorch(c)] for c in chosen],
    )
    return Markdown(f"{compare}\n\n{formulas}")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + ":--|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


#: The heading of each family in the gradient cheat sheet, in its order.
_FAMILIES = {
    "regression": "Regression: a real number or a count",
    "classification": "Classification: classes, labels, margins, sequences",
    "comparison": "Comparing: pairs, triplets, queries and keys",
}


def _derivatives(c: LossCard) -> str:
    """The card's loss, gradient and second derivative as one display formula, a line each."""
    d = rf"\dfrac{{\partial \ell}}{{\partial {c.argument}}}"
    d2 = rf"\dfrac{{\partial^2 \ell}}{{\partial {c.argument}^2}}"
    lines = [rf"\ell &= {c.formula}", rf"{d} &= {c.gradient}", rf"{d2} &= {c.second_derivative}"]
    return "$$\n\\begin{aligned}\n" + " \\\\[4pt]\n".join(lines) + "\n\\end{aligned}\n$$"


def gradient_cheatsheet(names: Iterable[str] | None = None) -> Markdown:
    """Every loss (or those in ``names``) with its derivative and second derivative, family by family.

    Each loss is a short entry, not a table row: its name and symbols in a line of text, then
    its per-sample loss, its derivative with respect to the first argument and its second
    derivative, one under the other with their ``=`` signs aligned (and the card's note, if it
    has one). A formula never wraps, so three of them side by side would not fit a book's
    column, let alone a phone.
    """
    chosen = _cards(names)
    parts = []
    for family, heading in _FAMILIES.items():
        members = [c for c in chosen if c.family == family]
        if not members:
            continue
        parts.append(f"**{heading}**")
        for c in members:
            parts.append(f"*{c.title}* (`{c.key}`): {c.variables}.")
            parts.append(_derivatives(c))
            if c.note:
                parts.append(f"Note: {c.note}")
    return Markdown("\n\n".join(parts))
