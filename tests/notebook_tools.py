"""Re-execute the book's notebooks and prove their stored outputs are fresh.

The book renders the outputs stored in each notebook (``execute_notebooks: "off"``), so
those outputs must be what the current notebook AND the current ``lossutils`` produce.
This module is the one place that knows how:

* :func:`fingerprint` hashes a notebook's code cells together with the code of
  ``lossutils/`` (comments and docstrings left out: they cannot change an output).
  ``make notebooks`` stores it in the notebook's metadata after a clean run;
  ``tests/test_notebooks.py`` recomputes it, so a stale figure cannot land (nbval compares
  text outputs but not PNG images).
* :func:`execute` runs one notebook top to bottom in a fresh kernel (working directory
  ``book/``), writes the outputs, the fingerprint and the platform it ran on (CPU, BLAS
  kernel, library versions: what to compare when a re-run on another machine disagrees)
  back, and refreshes the set-up cell that installs ``lossutils`` on Colab from the
  repository URL in ``_config.yml``.
* :func:`refresh_setup_cells` rewrites only the set-up cells, without executing anything:
  the set-up cell is not part of the fingerprint, so a new repository URL needs no re-run.

Command line (``make notebooks`` runs it on every notebook)::

    python tests/notebook_tools.py [book/01_what_is_a_loss.ipynb ...]
    python tests/notebook_tools.py --setup-cells-only
"""

from __future__ import annotations

import ast
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
PACKAGE = ROOT / "lossutils"
METADATA_KEY = "lossutils_book"
SETUP_TAG = "colab-setup"
CELL_TIMEOUT = 60  # seconds; the same as execute.timeout in _config.yml


def notebooks() -> list[Path]:
    """Every chapter notebook of the book, in file-name order."""
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)


def repository_url() -> str:
    """The public repository URL configured in ``_config.yml`` (``repository.url``)."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return str(config["repository"]["url"]).rstrip("/")


def setup_cell_source() -> str:
    """The first cell of every notebook: installs lossutils and myst-nb where they are missing (Colab)."""
    return (
        "# Set-up for Colab and other fresh environments: install the book's companion package\n"
        "# from its repository, and myst-nb (whose `glue` puts computed numbers into the text),\n"
        "# when they are not importable. Prints nothing when they are.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("lossutils") is None or importlib.util.find_spec("myst_nb") is None:\n'
        f'    %pip install --quiet "lossutils @ git+{repository_url()}" myst-nb'
    )


def ensure_setup_cell(nb: nbformat.NotebookNode) -> None:
    """Make the notebook's first cell the current set-up cell (hidden in the book)."""
    source = setup_cell_source()
    first = nb.cells[0] if nb.cells else None
    if first is not None and SETUP_TAG in first.get("metadata", {}).get("tags", []):
        first.source = source
        return
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell", SETUP_TAG]})
    nb.cells.insert(0, cell)


def _code_only(source: str) -> str:
    """Python source with comments, docstrings and formatting removed (ast round trip)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def package_digest() -> str:
    """Hash of the code of every source file of lossutils (path and code, without comments
    and docstrings: editing those cannot change a notebook's output)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(b"\0")
        h.update(_code_only(path.read_text()).encode())
        h.update(b"\0")
    return h.hexdigest()


def fingerprint(nb: nbformat.NotebookNode) -> str:
    """Hash of the notebook's code cells (in order, the set-up cell excepted) and of the
    lossutils code."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code" and SETUP_TAG not in cell.get("metadata", {}).get("tags", []):
            h.update(cell.source.encode())
            h.update(b"\0")
    h.update(package_digest().encode())
    return h.hexdigest()


def platform_record() -> dict[str, object]:
    """Where a notebook was executed: what to compare when a re-run elsewhere disagrees.

    The CPU (model and the SIMD flags that change floating-point kernels), NumPy's BLAS
    library and kernel (threadpoolctl), the thread count the notebooks pin, and versions.
    """
    import numpy as np
    import threadpoolctl
    import torch
    from numpy._core._multiarray_umath import __cpu_baseline__ as baseline
    from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatch
    from numpy._core._multiarray_umath import __cpu_features__ as features

    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    simd = sorted(f for f in flags if f.startswith(("avx", "sse4", "fma", "amx")))
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "threading_layer")}
        for info in threadpoolctl.threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return {
        "cpu": model,
        "cpu_simd_flags": simd,
        "numpy_simd": {"baseline": list(baseline), "dispatched": [d for d in dispatch if features.get(d)]},
        "blas": blas,
        "threads": int(os.environ.get("LOSSUTILS_THREADS", "1")),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def execute(path: Path) -> float:
    """Run the notebook at ``path`` top to bottom in a fresh kernel; store outputs and
    fingerprint. Returns the wall time in seconds."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    ensure_setup_cell(nb)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(BOOK)}},
        allow_errors=False,
    )
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # execution timings would make every run a diff
        cell.metadata.pop("execution", None)
    nb.metadata[METADATA_KEY] = {"fingerprint": fingerprint(nb), "platform": platform_record()}
    nbformat.write(nb, path)
    return elapsed


def refresh_setup_cells() -> None:
    """Rewrite the set-up cell of every notebook (e.g. after a change of repository URL)."""
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        ensure_setup_cell(nb)
        nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    if argv == ["--setup-cells-only"]:
        refresh_setup_cells()
        return 0
    paths = [Path(a).resolve() for a in argv] or notebooks()
    for path in paths:
        seconds = execute(path)
        print(f"{path.relative_to(ROOT)}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
