"""The two-process DDP run of lossutils.distributed: the gradients it reports, and that it leaves no process behind.

The run is started once (a few seconds) and its results shared by the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from lossutils import distributed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still exists and is not a zombie (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists():
            return False
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _children() -> set[int]:
    """The process ids of this process's living descendants."""
    try:
        import psutil
    except ImportError:
        me, found = str(os.getpid()), set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                found.add(int(stat.parent.name))
        return found
    return {p.pid for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    before = _children()
    path = distributed.run(tmp_path_factory.mktemp("ddp") / "ddp.npz", timeout=120)
    results = dict(np.load(path))
    results["children_before"] = np.array(sorted(before))
    results["children_after"] = np.array(sorted(_children()))
    return results


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)))


def test_per_process_means_are_right_when_the_counts_are_equal(run: dict[str, np.ndarray]) -> None:
    assert run["even_counts"].tolist() == [16, 16]
    assert _diff(run["even_grad"], run["single_even_grad"]) < 1e-12
    assert _diff(run["even_params"], run["single_even_params"]) < 1e-12


def test_per_process_means_are_wrong_when_the_counts_differ(run: dict[str, np.ndarray]) -> None:
    assert run["uneven_counts"].tolist() == [16, 8]
    assert _diff(run["uneven_grad"], run["single_padded_grad"]) > 1e-3
    assert _diff(run["uneven_params"], run["single_padded_params"]) > 1e-3


def test_the_all_reduced_global_count_restores_the_single_process_gradient(run: dict[str, np.ndarray]) -> None:
    assert run["global_count_counts"].tolist() == [16, 8]
    assert _diff(run["global_count_grad"], run["single_padded_grad"]) < 1e-12
    assert _diff(run["global_count_params"], run["single_padded_params"]) < 1e-12


def test_the_replicas_stay_identical(run: dict[str, np.ndarray]) -> None:
    for mode in distributed.MODES:
        assert run[f"{mode}_rank_spread"] == 0.0


def test_the_single_process_reference_is_the_plain_mean_over_the_whole_batch() -> None:
    """An independent check of reference(): the gradient of F.cross_entropy on all tokens at once."""
    import torch
    import torch.nn.functional as F

    x, y = distributed.make_shards(2, 1, padded=True)
    model = distributed.make_model(0)
    F.cross_entropy(model(x.reshape(-1, x.shape[-1])), y.reshape(-1)).backward()
    grad = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
    assert torch.isfinite(torch.from_numpy(grad)).all()
    assert _diff(distributed.reference()["single_padded_grad"], grad) < 1e-15


def test_no_process_is_left_behind(run: dict[str, np.ndarray]) -> None:
    assert len(run["pids"]) == 2
    assert not any(_alive(int(pid)) for pid in run["pids"])
    assert set(run["children_after"].tolist()) <= set(run["children_before"].tolist())


def test_the_timeout_ends_every_child(tmp_path: Path) -> None:
    before = _children()
    with pytest.raises(TimeoutError, match=r"did not finish within 0\.01 s"):
        distributed.run(tmp_path / "never.npz", timeout=0.01)
    assert _children() <= before
    assert not (tmp_path / "never.npz").exists()


def test_the_command_line_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "cli.npz"
    env = {**os.environ, "PYTHONPATH": str(Path(distributed.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "lossutils.distributed", "--out", str(out), "--steps", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}"
    assert _diff(np.load(out)["global_count_grad"], np.load(out)["single_padded_grad"]) < 1e-12


def test_import_lossutils_does_not_import_the_module() -> None:
    code = "import sys, lossutils; print('lossutils.distributed' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
