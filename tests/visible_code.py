"""Run only the code a reader sees: the code cells the HTML book shows, in order, in a fresh kernel.

A cell tagged ``remove-cell`` (or ``remove-input``) is not on the page, so a reader who copies
the visible code into a fresh notebook never runs it. If a visible cell needs a name that only
such a cell defines, the page's code does not run on its own. Cells tagged
``raises-exception`` are allowed to raise, as in the book.

Usage: ``python tests/visible_code.py book/02_mse.ipynb ...`` (all notebooks by default).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = {"remove-cell", "remove-input"}
CELL_TIMEOUT = 120


def visible_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` with only the code cells the book shows (outputs cleared)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [
        cell for cell in nb.cells if cell.cell_type == "code" and not HIDDEN & set(cell.metadata.get("tags", []))
    ]
    for cell in nb.cells:
        cell.outputs = []
    return nb


def run_visible_code(path: Path) -> None:
    """Execute the visible code of the notebook at ``path``; raises on the first failing cell."""
    from nbclient import NotebookClient

    client = NotebookClient(
        visible_notebook(path),
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
    )
    client.execute()


def notebooks() -> list[Path]:
    return sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "book" / "appendix").glob("*.ipynb"))


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or notebooks()
    failed = 0
    for path in paths:
        try:
            run_visible_code(path)
            print(f"{path.relative_to(ROOT)}: the visible code runs on its own")
        except Exception as exc:  # report every notebook, then fail
            failed += 1
            print(f"{path.relative_to(ROOT)}: FAILS\n{exc}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
