"""Run a command under another numeric configuration than the one the notebooks were executed in.

The notebooks are executed by ``make notebooks`` with one thread and every SIMD kernel the
CPU offers; a reader's machine may have another CPU and another core count, and its floats
then differ in their last digits. Strict nbval re-runs every cell and compares the text
outputs, so it passes on such a machine only if every stored number is rounded to the digits
that matter. This script re-creates part of that difference on the same machine:

* ``LOSSUTILS_THREADS=2`` (and the BLAS/OpenMP variables): two threads instead of one, which
  changes OpenBLAS matrix products bitwise;
* ``ATEN_CPU_CAPABILITY=default``: PyTorch's portable kernels instead of AVX2/AVX-512 ones;
* ``NPY_DISABLE_CPU_FEATURES``: NumPy's baseline loops instead of every SIMD target it would
  dispatch to on this CPU.

The BLAS kernel itself (the largest source of differences between CPUs) cannot be switched
safely here, so passing under this configuration is necessary, not sufficient; rounding is
the cure (see README, "Running the notebooks").

Usage (``make test`` runs the notebooks' strict nbval this way)::

    python tests/portability.py pytest -m notebooks
"""

from __future__ import annotations

import os
import subprocess
import sys

THREADS = "2"


def numpy_dispatch_targets() -> list[str]:
    """The SIMD targets NumPy dispatches to on this CPU (beyond its compiled-in baseline)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def portable_environment() -> dict[str, str]:
    """The variables that make the other numeric configuration."""
    env = {
        "LOSSUTILS_THREADS": THREADS,
        "OMP_NUM_THREADS": THREADS,
        "OPENBLAS_NUM_THREADS": THREADS,
        "MKL_NUM_THREADS": THREADS,
        "ATEN_CPU_CAPABILITY": "default",
    }
    targets = numpy_dispatch_targets()
    if targets:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(targets)
    return env


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    env = portable_environment()
    print("portability configuration: " + " ".join(f"{k}={v!r}" for k, v in env.items()), flush=True)
    return subprocess.call(argv, env={**os.environ, **env})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
