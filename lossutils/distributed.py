"""A real two-process data-parallel run: which loss reduction gives the single-process gradient.

Data-parallel training (PyTorch's ``DistributedDataParallel``, DDP) gives each process its own
shard of the batch; each process computes the loss of its shard and calls ``backward()``, and
DDP **averages** the gradients over the processes. That average equals the gradient of the
whole batch only if every process divides its summed loss by the same number. With padding
(``ignore_index``) the shards hold different numbers of counted tokens, and the average of the
per-process means is a different loss. The fix: each process divides its **sum** by the
**global** count of tokens, found with one ``all_reduce``, and multiplies by the number of
processes to undo DDP's averaging.

This module runs that experiment for real, on CPU: ``world_size`` processes (default 2) started
with :func:`torch.multiprocessing.spawn`, joined through the ``gloo`` backend on 127.0.0.1 at a
free port. Each trains the same tiny classifier for a few SGD steps in three ways:

* ``"even"``: shards with the same number of counted tokens, each process's loss its own mean;
* ``"uneven"``: padded shards (different counts), each process's loss its own mean;
* ``"global_count"``: the same padded shards, each process's loss its sum divided by the
  all-reduced global count, times ``world_size``.

The parent process computes the single-process reference for both data sets (the whole batch,
one ``F.cross_entropy`` with the default mean), and everything goes into one ``.npz`` file.
The run is bounded in time: past ``timeout`` seconds the children are killed and
:class:`TimeoutError` is raised. Every child is joined and every process group destroyed.

Run it from a shell (``python -m lossutils.distributed --out ddp.npz``) or call :func:`run`.
``import lossutils`` does not import this module (it needs torch).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn
from torch.multiprocessing.spawn import start_processes
from torch.nn.parallel import DistributedDataParallel

__all__ = ["MODES", "main", "reference", "run"]

#: The three ways a process reduces its loss (see the module docstring).
MODES = ("even", "uneven", "global_count")

IGNORE = -100
N_FEATURES, N_HIDDEN, N_CLASSES = 6, 8, 5
TOKENS_PER_RANK = 16
LEARNING_RATE = 0.5


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_model(seed: int) -> nn.Module:
    """The tiny classifier every process starts from: the same weights for the same seed."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(N_FEATURES, N_HIDDEN), nn.Tanh(), nn.Linear(N_HIDDEN, N_CLASSES)).double()


def make_shards(world_size: int, seed: int, *, padded: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (world_size, TOKENS_PER_RANK, N_FEATURES) and targets (world_size, TOKENS_PER_RANK).

    With ``padded=True`` shard r keeps its first ``TOKENS_PER_RANK // 2**r`` targets (at least 1)
    and the rest are padding (``ignore_index``): shard 0 counts all its tokens, shard 1 half.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(world_size, TOKENS_PER_RANK, N_FEATURES, generator=g, dtype=torch.float64)
    y = torch.randint(0, N_CLASSES, (world_size, TOKENS_PER_RANK), generator=g)
    if padded:
        for r in range(world_size):
            y[r, max(1, TOKENS_PER_RANK // 2**r) :] = IGNORE
    return x, y


def _flat_grad(model: nn.Module) -> np.ndarray:
    return np.concatenate([p.grad.detach().numpy().ravel() for p in model.parameters() if p.grad is not None])


def _flat_params(model: nn.Module) -> np.ndarray:
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def _train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, loss_of: _LossFn
) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` SGD steps; returns the gradient of the first step and the final parameters."""
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    first_grad = np.empty(0)
    for step in range(steps):
        optimizer.zero_grad()
        torch.autograd.backward(loss_of(model(x), y))
        if step == 0:
            first_grad = _flat_grad(model)
        optimizer.step()
    return first_grad, _flat_params(model)


class _LossFn:
    """The loss one process computes on its shard, for one mode (a class, so spawn can pickle it)."""

    def __init__(self, mode: str, world_size: int) -> None:
        self.mode, self.world_size = mode, world_size

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.mode in ("even", "uneven"):  # this process's own mean
            return F.cross_entropy(logits, target, ignore_index=IGNORE)
        count = (target != IGNORE).sum()
        dist.all_reduce(count)  # the number of counted tokens over all processes
        loss_sum = F.cross_entropy(logits, target, ignore_index=IGNORE, reduction="sum")
        return loss_sum / count * self.world_size  # DDP divides the gradients by world_size again


def reference(world_size: int = 2, steps: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """The single-process run on the whole batch, for the unpadded and the padded data."""
    out: dict[str, np.ndarray] = {}
    for name, padded in (("even", False), ("padded", True)):
        x, y = make_shards(world_size, seed + 1, padded=padded)
        model = make_model(seed)
        mean = _LossFn("even", 1)
        out[f"single_{name}_grad"], out[f"single_{name}_params"] = _train(
            model, x.reshape(-1, N_FEATURES), y.reshape(-1), steps, mean
        )
    return out


def _worker(rank: int, world_size: int, port: int, out_dir: str, steps: int, seed: int, timeout: float) -> None:
    """One process of the run: join the group, train in each mode, save this rank's results."""
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=timeout),
    )
    try:
        results: dict[str, Any] = {}  # Any: np.savez's keywords are typed as its options
        for mode in MODES:
            x, y = make_shards(world_size, seed + 1, padded=mode != "even")
            model = DistributedDataParallel(make_model(seed))
            grad, params = _train(model, x[rank], y[rank], steps, _LossFn(mode, world_size))
            results[f"{mode}_grad"], results[f"{mode}_params"] = grad, params
            results[f"{mode}_count"] = np.array((y[rank] != IGNORE).sum().item())
        np.savez(Path(out_dir) / f"rank{rank}.npz", pid=np.array(os.getpid()), **results)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run(
    out: str | os.PathLike[str], *, world_size: int = 2, steps: int = 10, seed: int = 0, timeout: float = 60.0
) -> Path:
    """Run the experiment with ``world_size`` processes and write every result to ``out`` (.npz).

    The file holds, for each mode ``m`` in :data:`MODES`, ``m_grad`` (the first step's gradient,
    all parameters flattened, as DDP leaves it on rank 0), ``m_params`` (the parameters after
    ``steps`` steps) and ``m_counts`` (counted tokens per rank); the single-process
    ``single_even_*`` and ``single_padded_*`` (see :func:`reference`); ``pids`` (the children's
    process ids), ``seconds`` (wall time of the parallel part) and ``world_size``.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # fork (Linux) copies this process, torch already imported: the children start in milliseconds;
    # spawn (macOS, Windows) starts fresh interpreters that import torch again, a few seconds each.
    start_method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    torch.set_num_threads(1)  # before forking: no thread pool is copied into the children
    with tempfile.TemporaryDirectory() as work:  # the ranks' files, deleted whatever happens
        start = time.perf_counter()
        # torch leaves start_processes unannotated
        context = start_processes(  # type: ignore[no-untyped-call]
            _worker,
            args=(world_size, free_port(), work, steps, seed, timeout),
            nprocs=world_size,
            join=False,
            start_method=start_method,
        )
        assert context is not None
        pids = list(context.pids())
        try:
            while not context.join(timeout=0.1):  # raises if a child failed
                if time.perf_counter() - start > timeout:
                    raise TimeoutError(f"the {world_size} processes did not finish within {timeout} s")
        finally:
            for process in context.processes:  # on success they have exited; otherwise end them
                if process.is_alive():
                    process.kill()
                process.join()
        seconds = time.perf_counter() - start
        ranks = [dict(np.load(Path(work) / f"rank{r}.npz")) for r in range(world_size)]
    results: dict[str, Any] = {}
    for mode in MODES:
        results[f"{mode}_grad"] = ranks[0][f"{mode}_grad"]
        results[f"{mode}_params"] = ranks[0][f"{mode}_params"]
        results[f"{mode}_counts"] = np.array([rk[f"{mode}_count"] for rk in ranks])
        results[f"{mode}_rank_spread"] = np.array(  # DDP keeps the replicas identical: 0
            max(np.max(np.abs(rk[f"{mode}_params"] - ranks[0][f"{mode}_params"])) for rk in ranks)
        )
    results.update(reference(world_size, steps, seed))
    np.savez(out, pids=np.array(pids), seconds=np.array(seconds), world_size=np.array(world_size), **results)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lossutils.distributed", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the .npz file to write")
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before the children are killed")
    args = parser.parse_args(argv)
    path = run(args.out, world_size=args.world_size, steps=args.steps, seed=args.seed, timeout=args.timeout)
    print(f"wrote {path}")


if __name__ == "__main__":
    from lossutils.distributed import main as _main  # so the workers pickle as lossutils.distributed._worker

    _main()
