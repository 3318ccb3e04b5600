"""The notebooks as stored: run once top to bottom, fresh, clean, portable numbers, figures with alt text.

Strict nbval (``pytest --nbval``) re-executes every cell and compares text outputs; these
tests cover what nbval cannot see: a cell stored without output is never compared, PNG
figures are never compared, and a notebook run out of order can still match cell by cell.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import nbformat
import pytest
from notebook_tools import METADATA_KEY, ROOT, SETUP_TAG, _code_only, fingerprint, notebooks, setup_cell_source

from lossutils.notebook import DIGITS

NOTEBOOKS = notebooks()
IDS = [p.name for p in NOTEBOOKS]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def test_the_book_has_notebooks() -> None:
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_once_top_to_bottom(path: Path) -> None:
    code = [c for c in _read(path).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts}; run `make notebooks` (a fresh kernel, top to bottom)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_are_fresh(path: Path) -> None:
    nb = _read(path)
    stored = nb.metadata.get(METADATA_KEY, {}).get("fingerprint")
    assert stored == fingerprint(nb), (
        f"{path.name} was executed with other code (its cells or lossutils/ changed since): run `make notebooks`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_or_warnings_in_outputs(path: Path) -> None:
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code":
            continue
        expected_error = "raises-exception" in _tags(cell) or "NBVAL_RAISES_EXCEPTION" in cell.source
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                assert expected_error, f"{path.name}, cell {i}: unexpected {out.ename}: {out.evalue}"
            if out.output_type == "stream" and out.name == "stderr":
                assert "remove-stderr" in _tags(cell), f"{path.name}, cell {i} writes to stderr: {out.text[:200]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_setup_cell_is_first_and_current(path: Path) -> None:
    first = _read(path).cells[0]
    assert SETUP_TAG in _tags(first)
    assert "remove-cell" in _tags(first)
    assert first.source == setup_cell_source()
    assert not first.get("outputs"), "the set-up cell must print nothing where lossutils is installed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_alt_text(path: Path) -> None:
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code":
            continue
        has_image = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if has_image and "remove-output" not in _tags(cell):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.strip()) >= 20, f"{path.name}, cell {i}: a figure needs alt text (metadata mystnb.image.alt)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_small(path: Path) -> None:
    assert path.stat().st_size < 2_000_000, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"


def test_every_notebook_is_in_the_table_of_contents() -> None:
    toc = (ROOT / "_toc.yml").read_text()
    for path in NOTEBOOKS:
        assert path.relative_to(ROOT).with_suffix("").as_posix() in toc, f"{path.name} is not in _toc.yml"


GLUE_RECORD = "application/papermill.record/text/plain"


def significant_digits(text: str) -> int:
    """Significant digits of a float literal as Python prints it ('0.0960435' -> 6, '1200.0' -> 2)."""
    mantissa = text.lstrip("+-").lower().split("e")[0].replace(".", "")
    return len(mantissa.strip("0")) or 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glued_numbers_are_rounded(path: Path) -> None:
    """Every float glued into the text carries few enough digits to read the same on any CPU.

    glue stores a value's repr; a float64 repr has up to 17 significant digits, whose last ones
    differ between machines. lossutils.notebook.glue rounds to DIGITS (or fewer).
    """
    for i, cell in enumerate(_read(path).cells):
        for out in cell.get("outputs", []):
            record = out.get("data", {}).get(GLUE_RECORD)
            if record is None:
                continue
            try:
                value = ast.literal_eval(record)
            except (ValueError, SyntaxError):
                continue  # not a number or a string: e.g. a figure's repr
            if isinstance(value, float) and math.isfinite(value):
                assert significant_digits(record) <= DIGITS, (
                    f"{path.name}, cell {i}: glued {record} has more than {DIGITS} significant digits;"
                    " glue it with lossutils.notebook.glue"
                )


@pytest.mark.parametrize(
    ("text", "digits"), [("0.0960435", 6), ("0.09604347526573462", 16), ("1200.0", 2), ("4.3e-09", 2), ("-7.0", 1)]
)
def test_significant_digits(text: str, digits: int) -> None:
    assert significant_digits(text) == digits


def test_fingerprint_ignores_comments_docstrings_and_layout() -> None:
    plain = "def f(x):\n    return x + 1\n"
    annotated = 'def f(x):\n    """Add one."""\n    # the successor\n    return (x +\n            1)  # done\n'
    assert _code_only(plain) == _code_only(annotated)
    assert _code_only(plain) != _code_only(plain.replace("+ 1", "+ 2"))
