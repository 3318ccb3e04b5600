"""Time every loss of lossutils, and its gradient, against its tuned variant, PyTorch and scikit-learn.

Command (from the repository root; a full run takes a few minutes on two cores)::

    .venv/bin/python benchmarks/run.py            # full run: writes benchmarks/results/
    .venv/bin/python benchmarks/run.py --quick    # smoke run: two sizes, a fraction of a minute

What is measured, for each loss and each input size (all on the CPU, same inputs, same dtype):

* ``lossutils``: the loss ``fn(x, target)`` and, separately, its gradient ``fn_grad(x, target)``,
  as the package writes them: readable, each body its formula in plain NumPy;
* ``tuned``: where the first edition used speed tricks (in-place buffers, fused passes, ufunc
  choices), its variant of the same loss and gradient, kept in ``benchmarks/tuned.py``;
* ``torch``: the ``torch.nn.functional`` twin (or, where PyTorch has none, the differentiable
  expression of :mod:`lossutils.nn`), forward only, and forward + ``backward()`` through
  autograd, the peer of our ``fn`` + ``fn_grad`` pair; once with PyTorch's default number of
  threads and once with one thread, the number NumPy's ufuncs use;
* ``sklearn``: the scikit-learn metric where it has one (forward only: it has no gradient);
* ``floor``: one memory pass over the inputs, ``np.add.reduce`` of prediction and target. No
  loss can read its inputs faster than this.

Each time is the median of repeated runs after a warm-up, timeit style: a run loops the call
until it lasts at least ``MIN_RUN`` seconds (so that timer resolution does not matter), and the
number of runs is capped so that the largest inputs do not take minutes. The implementations of
one (loss, size) are timed in interleaved rounds, so that a slow moment of the machine hits all
of them alike and the ratios (lossutils / peer) compare times measured side by side. Before any
timing, :func:`tuned.check` compares every tuned variant with its lossutils twin, and each block
checks that all implementations compute the same loss on its inputs.

Outputs, in ``benchmarks/results/`` (see ``benchmarks/README.md`` for the columns):
``timings.csv`` (every median), ``ratios.csv`` (lossutils / each peer), ``memory.csv`` (peak
memory of each lossutils and tuned call, via tracemalloc), ``environment.json`` (versions, CPU,
threads, BLAS), and the figures of ``report.py``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import tuned  # benchmarks/tuned.py, beside this script (its folder is on sys.path when run as a script)
from sklearn import metrics as skm

import lossutils as lu
import lossutils.nn as lnn

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

MIN_RUN = 2e-3  # seconds: one timed run loops the call at least this long
BUDGET = 0.12  # seconds per implementation and (loss, size): caps the number of runs ...
MIN_REPEATS, MAX_REPEATS = 3, 24  # ... between these bounds, taken in
ROUNDS = 3  # rounds in which the implementations take turns
ATTEMPTS, MAX_OTHERS = 4, 0.15  # re-time a block while other processes use the CPU ...
RETRY_SECONDS = [300.0]  # ... but spend at most this long in total on it (a list: updated in place)
QUIET_WINDOW, QUIET_POLL = 0.25, 2.0  # before each try, sample the machine for this long, every so often ...
WAIT_BUDGET = 1200.0  # ... until it is quiet, waiting at most this long in the whole run
WAIT_SECONDS = [WAIT_BUDGET]  # what is left of that budget (a list: updated in place)

SIZES = [10**3, 10**4, 10**5, 10**6]  # elements in the prediction (and the target size, below)
CLASSES = [10, 1000]  # C of the (N, C) losses: N = elements / C
# The sizes the targets are set at (see README): regression and binary losses at N = 1e6
# elements, (N, C) losses at 1e5 x 10 and 1e4 x 1000 (1e7 elements: the one size above SIZES).
TARGET_SIZES = {None: 10**6, 10: 10**6, 1000: 10**7}


# --------------------------------------------------------------------------------------------
# The cases: a lossutils function, its inputs and its peers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One loss of lossutils and the functions it is compared with.

    ``make(rng, n, c, dtype)`` returns the NumPy inputs ``(x, target)``; ``torch_fn(x, t)``
    computes the same loss on tensors that share their memory; ``sklearn_fn(x, t)`` (if any)
    receives the NumPy inputs, possibly transformed once by ``sklearn_inputs`` outside the
    timing (scikit-learn's ``log_loss`` wants probabilities, not logits).
    """

    name: str
    make: Callable[[np.random.Generator, int, int, Any], tuple[np.ndarray, np.ndarray]]
    torch_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    torch_label: str
    classes: bool = False  # (N, C) input: timed for every C in CLASSES
    sklearn_fn: Callable[[np.ndarray, np.ndarray], float] | None = None
    sklearn_label: str = ""
    sklearn_inputs: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None
    options: dict[str, Any] = field(default_factory=dict)


def _pair(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


def _prob_and_label(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.001, 0.999, n).astype(dtype), rng.integers(0, 2, n).astype(dtype)


def _logit_and_label(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return (3 * rng.standard_normal(n)).astype(dtype), rng.integers(0, 2, n).astype(dtype)


def _score_and_sign(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(n).astype(dtype), rng.choice([-1.0, 1.0], n).astype(dtype)


def _logits_and_class(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n, c)).astype(dtype), rng.integers(0, c, n)


def _log_probs_and_class(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    logits, y = _logits_and_class(rng, n, c, dtype)
    return lu.log_softmax(logits), y


def _log_probs_and_probs(rng: np.random.Generator, n: int, c: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    logits, _ = _logits_and_class(rng, n, c, dtype)
    other, _ = _logits_and_class(rng, n, c, dtype)
    return lu.log_softmax(logits), lu.softmax(other)


def _softmax_inputs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return lu.softmax(x), y  # log_loss takes probabilities: the softmax is done for it, untimed


def _exp_inputs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.exp(x), y


def _log_loss_classes(p: np.ndarray, y: np.ndarray) -> float:
    return float(skm.log_loss(y, p, labels=np.arange(p.shape[1])))


def _hinge_classes(s: np.ndarray, y: np.ndarray) -> float:
    return float(skm.hinge_loss(y, s, labels=np.arange(s.shape[1])))


Q = 0.9  # quantile of the pinball loss
_quantile_torch = lnn.QuantileLoss(q=Q)
_log_cosh_torch = lnn.LogCoshLoss()
_mbe_torch = lnn.MeanBiasError()
_focal_torch = lnn.FocalLoss(gamma=2.0)
_cs_torch = lnn.MulticlassHingeLoss(variant="crammer_singer")

CASES = [
    Case("mse", _pair, F.mse_loss, "F.mse_loss", sklearn_fn=lambda x, t: skm.mean_squared_error(t, x),
         sklearn_label="mean_squared_error"),
    Case("mae", _pair, F.l1_loss, "F.l1_loss", sklearn_fn=lambda x, t: skm.mean_absolute_error(t, x),
         sklearn_label="mean_absolute_error"),
    Case("mbe", _pair, _mbe_torch, "lossutils.nn.MeanBiasError"),
    Case("huber", _pair, F.huber_loss, "F.huber_loss"),
    Case("smooth_l1", _pair, F.smooth_l1_loss, "F.smooth_l1_loss"),
    Case("log_cosh", _pair, _log_cosh_torch, "lossutils.nn.LogCoshLoss"),
    Case("quantile", _pair, _quantile_torch, "lossutils.nn.QuantileLoss",
         sklearn_fn=lambda x, t: skm.mean_pinball_loss(t, x, alpha=Q), sklearn_label="mean_pinball_loss",
         options={"q": Q}),
    Case("binary_cross_entropy", _prob_and_label, F.binary_cross_entropy, "F.binary_cross_entropy",
         sklearn_fn=lambda p, t: skm.log_loss(t, p), sklearn_label="log_loss"),
    Case("binary_cross_entropy_with_logits", _logit_and_label, F.binary_cross_entropy_with_logits,
         "F.binary_cross_entropy_with_logits"),
    Case("hinge", _score_and_sign, lambda s, t: torch.relu(1 - t * s).mean(), "relu(1 - t*s).mean()",
         sklearn_fn=lambda s, t: skm.hinge_loss(t, s), sklearn_label="hinge_loss"),
    Case("squared_hinge", _score_and_sign, lambda s, t: torch.relu(1 - t * s).square().mean(),
         "relu(1 - t*s).square().mean()"),
    Case("cross_entropy", _logits_and_class, F.cross_entropy, "F.cross_entropy", classes=True,
         sklearn_fn=_log_loss_classes, sklearn_label="log_loss (on softmax probabilities)",
         sklearn_inputs=_softmax_inputs),
    Case("nll_loss", _log_probs_and_class, F.nll_loss, "F.nll_loss", classes=True,
         sklearn_fn=_log_loss_classes, sklearn_label="log_loss (on exp(log_probs))", sklearn_inputs=_exp_inputs),
    Case("focal_loss", _logits_and_class, _focal_torch, "lossutils.nn.FocalLoss", classes=True),
    Case("multiclass_hinge", _logits_and_class, F.multi_margin_loss, "F.multi_margin_loss (= WW / C)",
         classes=True),
    Case("multiclass_hinge_cs", _logits_and_class, _cs_torch, "lossutils.nn.MulticlassHingeLoss(CS)",
         classes=True, sklearn_fn=_hinge_classes, sklearn_label="hinge_loss (multi-class)",
         options={"variant": "crammer_singer"}),
    Case("kl_div", _log_probs_and_probs, lambda x, t: F.kl_div(x, t, reduction="batchmean"), "F.kl_div",
         classes=True),
]  # fmt: skip


def _lossutils_functions(case: Case) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    name = "multiclass_hinge" if case.name == "multiclass_hinge_cs" else case.name
    return getattr(lu, name), getattr(lu, name + "_grad")


def _tuned_functions(case: Case) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]] | None:
    """The first edition's tuned loss and gradient (benchmarks/tuned.py), where it has them."""
    return tuned.functions(case.name) if case.name in tuned.LOSSES else None


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Timed:
    """A function to time, and the number of torch threads it runs with (None: not torch)."""

    fn: Callable[[], object]
    threads: int | None = None
    runs: list[float] = field(default_factory=list)
    loops: int = 1


def _set_threads(n: int | None) -> None:
    if n is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def _one_run(t: Timed) -> float:
    start = time.perf_counter()
    for _ in range(t.loops):
        t.fn()
    return (time.perf_counter() - start) / t.loops


def time_block(fns: dict[str, Timed], budget: float, default_threads: int) -> dict[str, Timed]:
    """Time every function of ``fns``; fills ``runs`` (seconds per call, one entry per run).

    The functions take turns in ``ROUNDS`` rounds, so that a slow moment of the machine hits
    all of them alike. Within its turn a function first makes one untimed call, then its timed
    runs back to back: that call wakes PyTorch's thread pool, which on this kind of machine can
    take milliseconds after the pool has gone to sleep, as it does while NumPy works (see
    README); in a training loop the pool stays awake from one call to the next.
    """
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        per_call = {}
        for name, t in fns.items():  # warm-up, and a first estimate of the time per call
            _set_threads(t.threads)
            start = time.perf_counter()
            t.fn()
            first = time.perf_counter() - start
            per_call[name] = max(first if first > 0.01 else min(_one_run(t) for _ in range(3)), 1e-7)
            t.loops = max(1, math.ceil(MIN_RUN / per_call[name]))
        # as many runs as the budget allows the slowest function, within [MIN_REPEATS, MAX_REPEATS]
        repeats = min(math.floor(budget / (t.loops * per_call[n])) for n, t in fns.items())
        per_round = math.ceil(min(max(repeats, MIN_REPEATS), MAX_REPEATS) / ROUNDS)
        for _ in range(ROUNDS):
            for t in fns.values():
                _set_threads(t.threads)
                t.fn()
                t.runs.extend(_one_run(t) for _ in range(per_round))
    finally:
        _set_threads(default_threads)
        if gc_was_enabled:
            gc.enable()
    return fns


def _cpu_seconds() -> tuple[float, float]:
    """(CPU seconds used by every process of the machine, by this process), so far.

    From /proc/stat and os.times(); on a system without /proc/stat the first is reported as the
    second, and no disturbance is ever detected.
    """
    tick = os.sysconf("SC_CLK_TCK")
    own = sum(os.times()[:2])  # user + system time of every thread of this process
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return own, own
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields) - idle) / tick, own


def _others_share(window: float) -> float:
    """CPU-seconds per second that other processes use during the next ``window`` seconds (we sleep)."""
    busy, own = _cpu_seconds()
    time.sleep(window)
    busy2, own2 = _cpu_seconds()
    return max(0.0, (busy2 - busy) - (own2 - own)) / window


def wait_for_quiet() -> float:
    """Sleep until other processes use at most ``MAX_OTHERS`` CPU-seconds per second (sampled
    over ``QUIET_WINDOW``), or until the run's waiting budget ``WAIT_SECONDS`` is spent.

    On a shared machine other work comes in bursts; timing a block in a quiet moment is better
    than timing it during a burst and again after it. Returns the seconds waited.
    """
    start = time.perf_counter()
    while WAIT_SECONDS[0] - (time.perf_counter() - start) > 0 and _others_share(QUIET_WINDOW) > MAX_OTHERS:
        time.sleep(QUIET_POLL)
    waited = time.perf_counter() - start
    WAIT_SECONDS[0] -= waited
    return waited


def time_block_undisturbed(
    fns: dict[str, Timed], budget: float, default_threads: int
) -> tuple[dict[str, Timed], float]:
    """:func:`time_block`, repeated (up to ``ATTEMPTS`` times) while other processes used the CPU.

    Other programs running at the same time steal PyTorch's second thread first, and make its
    ratios look better than they are. Before each try we wait for a quiet moment
    (:func:`wait_for_quiet`); after it we compare the CPU time of the whole machine with our own:
    if others used more than ``MAX_OTHERS`` CPU-seconds per second, the block is timed again.
    Returns the timings and the others' share of the last try.
    """
    for attempt in range(ATTEMPTS):
        for t in fns.values():
            t.runs.clear()
        wait_for_quiet()
        wall, (busy, own) = time.perf_counter(), _cpu_seconds()
        time_block(fns, budget, default_threads)
        wall, (busy2, own2) = time.perf_counter() - wall, _cpu_seconds()
        others = max(0.0, (busy2 - busy) - (own2 - own)) / wall
        if others <= MAX_OTHERS or attempt == ATTEMPTS - 1 or RETRY_SECONDS[0] <= 0:
            break
        print(f"    other processes used {others:.2f} CPU per second: timing again", flush=True)
        RETRY_SECONDS[0] -= wall
    return fns, others


def _torch_pair(x: np.ndarray, target: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tensors sharing the NumPy inputs' memory, and a copy of ``x`` that requires a gradient."""
    tx, tt = torch.from_numpy(x), torch.from_numpy(target)
    return tx, tt, tx.detach().clone().requires_grad_(True)


def time_case(
    case: Case, x: np.ndarray, target: np.ndarray, budget: float, default_threads: int
) -> tuple[dict[str, Timed], float]:
    loss, grad = _lossutils_functions(case)
    opts = case.options
    tx, tt, tx_grad = _torch_pair(x, target)

    def forward_backward() -> None:
        tx_grad.grad = None  # a fresh gradient each call, as an optimiser's zero_grad(set_to_none=True)
        case.torch_fn(tx_grad, tt).backward()

    def forward() -> None:
        with torch.no_grad():
            case.torch_fn(tx, tt)

    fns = {
        "lossutils loss": Timed(lambda: loss(x, target, **opts)),
        "lossutils grad": Timed(lambda: grad(x, target, **opts)),
        "torch forward": Timed(forward, default_threads),
        "torch forward+backward": Timed(forward_backward, default_threads),
        "torch 1 thread forward": Timed(forward, 1),
        "torch 1 thread forward+backward": Timed(forward_backward, 1),
        "floor": Timed(lambda: (np.add.reduce(x, axis=None), np.add.reduce(target, axis=None))),
    }
    pair = _tuned_functions(case)
    if pair is not None:
        tuned_loss, tuned_grad = pair
        fns["tuned loss"] = Timed(lambda: tuned_loss(x, target, **opts))
        fns["tuned grad"] = Timed(lambda: tuned_grad(x, target, **opts))
    if case.sklearn_fn is not None:
        sk_x, sk_t = case.sklearn_inputs(x, target) if case.sklearn_inputs else (x, target)
        sk_fn = case.sklearn_fn
        fns["sklearn"] = Timed(lambda: sk_fn(sk_x, sk_t))
    return time_block_undisturbed(fns, budget, default_threads)


def check_same_result(case: Case, x: np.ndarray, target: np.ndarray) -> None:
    """The peers must compute the same number (up to float32 rounding) before we time them; the
    tuned variant the same loss and gradient as lossutils, within :data:`tuned.TOLERANCE`."""
    loss, grad = _lossutils_functions(case)
    ours = float(loss(x, target, **case.options))
    pair = _tuned_functions(case)
    if pair is not None:
        for mine, theirs in zip(pair, (loss, grad), strict=True):
            if not tuned.agrees(mine(x, target, **case.options), theirs(x, target, **case.options)):
                raise AssertionError(
                    f"{case.name}: tuned.{mine.__name__} differs from lossutils on {x.shape} {x.dtype}"
                )
    tx, tt, _ = _torch_pair(x, target)
    theirs = float(case.torch_fn(tx, tt))
    if case.name == "multiclass_hinge":
        theirs *= x.shape[1]  # F.multi_margin_loss divides the Weston-Watkins sum by C
    rtol = 1e-3 if x.dtype == np.float32 else 1e-9
    if not math.isclose(ours, theirs, rel_tol=rtol, abs_tol=rtol):
        raise AssertionError(f"{case.name}: lossutils gives {ours}, {case.torch_label} gives {theirs}")
    if case.sklearn_fn is not None:
        sk_x, sk_t = case.sklearn_inputs(x, target) if case.sklearn_inputs else (x, target)
        sk = float(case.sklearn_fn(sk_x, sk_t))
        # log_loss clips probabilities at the dtype's eps: a rare sample below it changes the mean a little
        if not math.isclose(ours, sk, rel_tol=1e-2, abs_tol=1e-3):
            raise AssertionError(f"{case.name}: lossutils gives {ours}, sklearn {case.sklearn_label} gives {sk}")


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while ``fn`` runs (NumPy reports its buffers to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------------------------
# Anatomy: what single NumPy (and PyTorch) operations cost, in units of one read pass
# --------------------------------------------------------------------------------------------


def anatomy(budget: float, default_threads: int) -> list[dict[str, Any]]:
    """Time the building blocks the losses are made of, on 1e6 float32 elements (and a few on
    (1e5, 10) and 1e7), so that the appendix can say where the time of a loss goes."""
    rng = np.random.default_rng(1)
    n = 10**6
    r = rng.standard_normal(n).astype(np.float32)
    other = rng.standard_normal(n).astype(np.float32)
    out = np.empty_like(r)
    signs = np.sign(r)
    positive = r > 0  # a random mask: half True, in no order
    x10 = rng.standard_normal((n // 10, 10)).astype(np.float32)
    big_a, big_b = (rng.standard_normal(10 * n).astype(np.float32) for _ in range(2))
    big_out = np.empty_like(big_a)
    tr, tother = torch.from_numpy(r), torch.from_numpy(other)

    def column_max() -> np.ndarray:
        m = x10[:, 0].copy()
        for j in range(1, x10.shape[1]):
            np.maximum(m, x10[:, j], out=m)
        return m

    def softplus_spelled_out() -> np.ndarray:
        t = np.abs(r)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        t += np.clip(r, 0, np.inf)
        return t

    # (group, operation, shape, function, torch threads or None)
    ops: list[tuple[str, str, str, Callable[[], object], int | None]] = [
        ("pass", "np.add.reduce(a): one read pass", "1e6", lambda: np.add.reduce(r), None),
        ("pass", "a - b into a new array", "1e6", lambda: r - other, None),
        ("pass", "np.subtract(a, b, out=c): into an existing array", "1e6", lambda: np.subtract(r, other, out=out),
         None),
        ("pass", "np.abs(a)", "1e6", lambda: np.abs(r), None),
        ("pass", "np.clip(a, -1, 1)", "1e6", lambda: np.clip(r, -1.0, 1.0), None),
        ("pass", "np.maximum(a, b): two arrays", "1e6", lambda: np.maximum(r, other), None),
        ("select", "np.minimum(a, 1.0): an array and a scalar", "1e6", lambda: np.minimum(r, 1.0), None),
        ("select", "np.where(mask, a, b), mask of random signs", "1e6", lambda: np.where(positive, r, other), None),
        ("select", "np.sign(a) into a new array", "1e6", lambda: np.sign(r), None),
        ("select", "np.sign(a, out=a): in place", "1e6", lambda: np.sign(signs, out=signs), None),
        ("transcendental", "np.exp(a)", "1e6", lambda: np.exp(r, out=out), None),
        ("transcendental", "np.log1p(a)", "1e6", lambda: np.log1p(np.abs(r, out=out), out=out), None),
        ("transcendental", "np.tanh(a)", "1e6", lambda: np.tanh(r, out=out), None),
        ("transcendental", "np.sinh(a)", "1e6", lambda: np.sinh(r, out=out), None),
        ("transcendental", "np.logaddexp(0, a): softplus", "1e6", lambda: np.logaddexp(np.float32(0), r), None),
        ("transcendental", "max(a, 0) + log1p(exp(-|a|)): softplus spelled out", "1e6", softplus_spelled_out, None),
        ("classes", "np.max(x, axis=1)", "1e5 x 10", lambda: np.max(x10, axis=1), None),
        ("classes", "np.maximum over the 10 columns", "1e5 x 10", column_max, None),
        ("classes", "np.sum(x, axis=1)", "1e5 x 10", lambda: np.sum(x10, axis=1), None),
        ("memory", "a - b into a new array (40 MB: fresh pages)", "1e7", lambda: big_a - big_b, None),
        ("memory", "np.subtract(a, b, out=c): into an existing array", "1e7",
         lambda: np.subtract(big_a, big_b, out=big_out), None),
        ("memory", "np.add.reduce(a): one read pass", "1e7", lambda: np.add.reduce(big_a), None),
        ("torch", "torch: a - b, 1 thread", "1e6", lambda: tr - tother, 1),
        ("torch", "torch: a - b, default threads", "1e6", lambda: tr - tother, default_threads),
        ("torch", "torch: a.sum(), 1 thread", "1e6", lambda: tr.sum(), 1),
        ("torch", "torch: a.exp(), 1 thread", "1e6", lambda: tr.exp(), 1),
        ("torch", "torch: F.mse_loss(a, b), 1 thread", "1e6", lambda: F.mse_loss(tr, tother), 1),
    ]  # fmt: skip
    fns = {f"{op} [{shape}]": Timed(fn, threads) for _, op, shape, fn, threads in ops}
    timed, others = time_block_undisturbed(fns, budget, default_threads)
    median = {(op, shape): statistics.median(timed[f"{op} [{shape}]"].runs) for _, op, shape, _, _ in ops}
    # the unit: one read pass over as many elements (1e5 x 10 has as many as 1e6)
    one_pass = {shape: t for (op, shape), t in median.items() if op.startswith("np.add.reduce")}
    one_pass["1e5 x 10"] = one_pass["1e6"]
    rows = []
    for group, op, shape, _, threads in ops:
        med = median[op, shape]
        rows.append({"group": group, "operation": op, "shape": shape, "dtype": "float32",
                     "threads": threads or 1, "median_s": med, "read_passes": med / one_pass[shape],
                     "others_cpu": others})  # fmt: skip
    return rows


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def environment(default_threads: int) -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "sklearn": __import__("sklearn").__version__,
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_default_threads": default_threads,
        "torch_interop_threads": torch.get_num_interop_threads(),
        "numpy_ufuncs": "single-threaded",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")},
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "noise_guard": {
            "max_others_cpu": MAX_OTHERS,
            "attempts": ATTEMPTS,
            "retry_seconds": RETRY_SECONDS[0],
            "wait_seconds": WAIT_BUDGET,
        },
        "tuned_tolerance": {dtype.name: tol for dtype, tol in tuned.TOLERANCE.items()},
    }
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features

        info["numpy_simd"] = [k for k in ("AVX2", "AVX512F", "AVX512_SKX") if features.get(k)]
    except ImportError:  # pragma: no cover - private numpy module
        pass
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads", "architecture")}
            for p in threadpool_info()
        ]
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        info["threadpools"] = "threadpoolctl not installed"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def shapes(case: Case, sizes: list[int], targets: bool = True) -> list[tuple[int, int | None]]:
    """(N, C) pairs of a case: C is None for element-wise losses. With ``targets``, the target
    size of each C is added where ``sizes`` lacks it (1e4 x 1000 = 1e7 elements)."""
    if not case.classes:
        return [(n, None) for n in sorted(set(sizes) | ({TARGET_SIZES[None]} if targets else set()))]
    out = []
    for c in CLASSES:
        all_sizes = sorted(set(sizes) | ({TARGET_SIZES[c]} if targets else set()))
        out += [(n // c, c) for n in all_sizes if n >= c]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes 1e3 and 1e5, float32, short budget")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder (default: benchmarks/results)")
    parser.add_argument("--only", nargs="*", default=None, help="time only these cases (e.g. mse cross_entropy)")
    parser.add_argument("--no-figure", action="store_true", help="skip the figures")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that tuned variants, lossutils, torch and sklearn agree; time nothing",
    )
    parser.add_argument("--anatomy-only", action="store_true", help="time only the single operations (anatomy.csv)")
    args = parser.parse_args(argv)

    sizes = [10**3, 10**5] if args.quick else SIZES
    budget = BUDGET / 4 if args.quick else BUDGET
    cases = [c for c in CASES if args.only is None or c.name in args.only]
    default_threads = torch.get_num_threads()
    start_env = environment(default_threads)  # before the run: the load average tells if the machine was quiet
    if start_env["load_average_at_start"][0] > 0.5:
        print(f"warning: load average {start_env['load_average_at_start']}: other work may disturb the timings")
    failures = tuned.check(lu)  # apples to apples: every tuned variant computes what lossutils does
    if failures:
        print("the tuned variants differ from lossutils:\n  " + "\n  ".join(failures))
        return 1
    if args.check:
        check_rng = np.random.default_rng(0)
        for case in cases:
            for c in CLASSES if case.classes else [None]:
                for dtype in (np.float32, np.float64):
                    check_same_result(case, *case.make(check_rng, 10**4 // (c or 1), c or 1, dtype))
        print(f"{len(tuned.LOSSES)} tuned variants agree with lossutils; {len(cases)} cases agree with their peers")
        return 0
    rng = np.random.default_rng(0)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # first, while the machine is as it was found: the single operations
    write_csv(args.out / "anatomy.csv", anatomy(budget, default_threads))
    if args.anatomy_only:
        print(f"done in {time.perf_counter() - started:.1f} s; {args.out / 'anatomy.csv'} written")
        return 0

    plan: list[tuple[Case, int, int | None, Any]] = []
    for case in cases:
        for n, c in shapes(case, sizes, targets=not args.quick):
            plan.append((case, n, c, np.float32))
        if not args.quick:  # float64 at the target sizes only
            for c in CLASSES if case.classes else [None]:
                plan.append((case, TARGET_SIZES[c] // (c or 1), c, np.float64))

    timing_rows: list[dict[str, Any]] = []
    memory_rows: list[dict[str, Any]] = []
    for i, (case, n, c, dtype) in enumerate(plan, 1):
        x, target = case.make(rng, n, c or 1, dtype)
        check_same_result(case, x, target)
        timed, others = time_case(case, x, target, budget, default_threads)
        key = {
            "loss": case.name,
            "dtype": np.dtype(dtype).name,
            "n": n,
            "classes": c or "",
            "elements": x.size,
            "torch_peer": case.torch_label,
            "sklearn_peer": case.sklearn_label,
        }
        for impl, t in timed.items():
            q1, med, q3 = np.percentile(t.runs, [25, 50, 75])
            timing_rows.append(
                {**key, "implementation": impl, "threads": t.threads or 1, "median_s": med, "q1_s": q1, "q3_s": q3,
                 "runs": len(t.runs), "loops": t.loops, "others_cpu": others}
            )  # fmt: skip
        ours = timed["lossutils loss"].runs
        tuned_ms = f"{statistics.median(timed['tuned loss'].runs) * 1e3:9.3f} ms" if "tuned loss" in timed else " " * 12
        print(
            f"[{i:3d}/{len(plan)}] {case.name:34s} {key['dtype']:7s} {x.shape!s:14s}"
            f" lossutils {statistics.median(ours) * 1e3:9.3f} ms  tuned {tuned_ms}"
            f"  torch {statistics.median(timed['torch forward'].runs) * 1e3:9.3f} ms  others {others:.2f}",
            flush=True,
        )
        if x.size == TARGET_SIZES[c]:
            implementations = [("lossutils", _lossutils_functions(case))]
            if _tuned_functions(case) is not None:
                implementations.append(("tuned", _tuned_functions(case)))
            for impl, (loss, grad) in implementations:
                for op, fn in (("loss", loss), ("grad", grad)):
                    peak = peak_memory(lambda fn=fn, x=x, t=target, opts=case.options: fn(x, t, **opts))
                    memory_rows.append({**key, "implementation": impl, "op": op, "input_bytes": x.nbytes,
                                        "peak_bytes": peak, "peak_over_input": peak / x.nbytes})  # fmt: skip
        del x, target, timed

    write_csv(args.out / "timings.csv", timing_rows)
    write_csv(args.out / "ratios.csv", ratios(timing_rows))
    write_csv(args.out / "memory.csv", memory_rows)
    env = start_env
    env["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    env["quick"] = args.quick
    env["seconds"] = round(time.perf_counter() - started, 1)
    env["seconds_waiting_for_quiet"] = round(WAIT_BUDGET - WAIT_SECONDS[0], 1)  # included in "seconds"
    (args.out / "environment.json").write_text(json.dumps(env, indent=2) + "\n")
    if not args.no_figure:
        import report  # benchmarks/report.py, beside this file

        report.draw_all(args.out)
    print(f"done in {env['seconds']} s; results in {args.out}")
    return 0


def ratios(timing_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (loss, op, dtype, shape): lossutils' time and each peer's, and their ratios.

    op ``loss``: lossutils' loss against the tuned loss, the forward pass of torch and scikit-learn;
    op ``grad``: lossutils' gradient alone against the tuned gradient and torch's forward + backward;
    op ``loss+grad``: lossutils' loss + gradient (sum of the two medians) against the tuned pair
    (likewise) and torch's forward + backward.

    Every ratio is lossutils' time divided by the peer's: above 1, lossutils is slower.
    """
    groups: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
    for row in timing_rows:
        key = (row["loss"], row["dtype"], row["n"], row["classes"])
        groups.setdefault(key, {})[row["implementation"]] = row
    out = []
    for by_impl in groups.values():
        first = next(iter(by_impl.values()))
        keys = ("loss", "dtype", "n", "classes", "elements", "torch_peer", "sklearn_peer", "others_cpu")
        base = {k: first[k] for k in keys}
        t = {impl: row["median_s"] for impl, row in by_impl.items()}
        floor = t["floor"]
        has_tuned = "tuned loss" in t
        ops = {
            "loss": (t["lossutils loss"], t.get("tuned loss"), t["torch forward"], t["torch 1 thread forward"],
                     t.get("sklearn")),
            "grad": (t["lossutils grad"], t.get("tuned grad"), t["torch forward+backward"],
                     t["torch 1 thread forward+backward"], None),
            "loss+grad": (t["lossutils loss"] + t["lossutils grad"],
                          t["tuned loss"] + t["tuned grad"] if has_tuned else None,
                          t["torch forward+backward"], t["torch 1 thread forward+backward"], None),
        }  # fmt: skip
        for op, (ours, tuned_t, torch_t, torch1_t, sk_t) in ops.items():
            out.append(
                {**base, "op": op, "lossutils_s": ours, "tuned_s": "" if tuned_t is None else tuned_t,
                 "torch_s": torch_t, "torch_1thread_s": torch1_t,
                 "sklearn_s": "" if sk_t is None else sk_t, "floor_s": floor,
                 "ratio_tuned": "" if tuned_t is None else ours / tuned_t,
                 "ratio_torch": ours / torch_t, "ratio_torch_1thread": ours / torch1_t,
                 "ratio_sklearn": "" if sk_t is None else ours / sk_t, "ratio_floor": ours / floor}
            )  # fmt: skip
    return out


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in row.items()})


if __name__ == "__main__":
    sys.exit(main())
