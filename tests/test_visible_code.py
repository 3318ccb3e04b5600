"""Every page's visible code runs on its own, top to bottom, in a fresh kernel (see visible_code.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from visible_code import notebooks, run_visible_code, visible_notebook

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_the_visible_code_runs_on_its_own(path: Path) -> None:
    run_visible_code(path)


def test_hidden_cells_are_left_out(tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("print(x)"),  # fails when the hidden cell is left out, as a reader would
        nbformat.v4.new_markdown_cell("text"),
    ]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    assert [c.source for c in visible_notebook(path).cells] == ["print(x)"]
    with pytest.raises(Exception, match="NameError"):
        run_visible_code(path)
