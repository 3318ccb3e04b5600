"""The notebooks as stored: run once top to bottom, fresh, clean, portable numbers, figures with alt text.

Strict nbval (``pytest --nbval``) re-executes every cell and compares text outputs; these
tests cover what nbval cannot see: a cell stored without output is never compared, PNG
figures are never compared, and a notebook run out of order can still match cell by cell.
"""

from __future__ import annotations

import ast
import base64
import math
import re
import struct
from pathlib import Path

import nbformat
import pytest
from notebook_tools import METADATA_KEY, ROOT, SETUP_TAG, _code_only, fingerprint, notebooks, setup_cell_source

from lossutils.notebook import DIGITS
from lossutils.plot import STYLE

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


# -- figures: readable at the size the book shows them, numbered, captioned -------------------


def _is_font_key(key: str) -> bool:
    """Whether an rcParams key is a font size."""
    return key == "font.size" or key.endswith(("labelsize", "titlesize", "fontsize"))


#: The book's text column at a 1280 px window, in CSS px: Chromium's width of the built page's
#: ``article.bd-article`` minus its padding. A wider image is scaled down to this width.
COLUMN_PX = 688
#: The smallest text a reader should have to read, in px as the page shows it (issue 18).
MIN_TEXT_PX = 9
#: The house's smallest font, in points: the smallest text size of lossutils.plot.STYLE (tick
#: labels and legends). No figure passes a smaller one.
MIN_FONT_PT = min(value for key, value in STYLE.items() if _is_font_key(key))
#: The widest PNG whose house text still shows at MIN_TEXT_PX: at STYLE's dpi, MIN_FONT_PT is
#: MIN_FONT_PT * dpi / 72 px, scaled by COLUMN_PX / width in the column.
MAX_PNG_PX = math.floor(COLUMN_PX * MIN_FONT_PT * STYLE["figure.dpi"] / 72 / MIN_TEXT_PX)


#: Matplotlib's named font sizes that are smaller than the default (``font.size``).
SMALL_NAMED_SIZES = {"xx-small", "x-small", "small", "smaller"}
#: Calls whose ``size=`` is a font size (elsewhere, e.g. ``rng.normal(size=...)``, it is not).
TEXT_CALLS = {"text", "annotate", "figtext", "suptitle", "supxlabel", "supylabel", "set_title", "set_xlabel"}
TEXT_CALLS |= {"set_ylabel", "title", "xlabel", "ylabel", "legend", "set_label_text", "setp"}


def _png_outputs(cell: nbformat.NotebookNode) -> list[bytes]:
    outputs = cell.get("outputs", [])
    return [base64.b64decode(o["data"]["image/png"]) for o in outputs if "image/png" in o.get("data", {})]


def _png_width(png: bytes) -> int:
    """The width of a PNG from its header (IHDR: bytes 16-19, big-endian)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int(struct.unpack(">I", png[16:20])[0])


def _parsed(source: str) -> ast.Module | None:
    """A cell's code as a syntax tree, IPython magics and shell lines blanked; None if not Python."""
    lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _constants(trees: list[ast.Module]) -> dict[str, ast.expr]:
    """Names assigned a value anywhere in the notebook (``FONT = 9`` and ``A, FONT = 1, 9``)."""
    known: dict[str, ast.expr] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        known[target.id] = node.value
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for name, value in zip(target.elts, node.value.elts, strict=False):
                            if isinstance(name, ast.Name):
                                known[name.id] = value
    return known


def _font_sizes(tree: ast.Module) -> list[tuple[int, ast.expr]]:
    """(line, value) of every font size the code passes: ``fontsize=``, ``labelsize=``,
    ``title_fontsize=``, ``size=`` of a text call, ``set_fontsize(...)``, ``{"size": ...}`` of a
    ``prop``/``fontdict``, and rcParams keys that are font sizes."""
    found: list[tuple[int, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for kw in node.keywords:
                if kw.arg in {"fontsize", "labelsize", "titlesize", "title_fontsize"} or (
                    kw.arg == "size" and func in TEXT_CALLS
                ):
                    found.append((node.lineno, kw.value))
                elif kw.arg in {"prop", "fontdict", "title_fontproperties"} and isinstance(kw.value, ast.Dict):
                    found += [
                        (node.lineno, v)
                        for k, v in zip(kw.value.keys, kw.value.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value in {"size", "fontsize"}
                    ]
            if func in {"set_fontsize", "set_size"} and node.args:
                found.append((node.lineno, node.args[0]))
        if isinstance(node, ast.Dict):  # rcParams.update({...}) and the like
            found += [
                (node.lineno, v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and _is_font_key(k.value)
            ]
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):  # rcParams["..."] = 9
            key = node.targets[0].slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_font_key(key.value):
                found.append((node.lineno, node.value))
    return found


def _too_small(value: ast.expr, known: dict[str, ast.expr], depth: int = 0) -> str | None:
    """Why a font size is below the house minimum, or None (also when it cannot be resolved)."""
    if isinstance(value, ast.Name) and value.id in known and depth < 5:
        return _too_small(known[value.id], known, depth + 1)
    if isinstance(value, ast.Constant):
        if isinstance(value.value, int | float) and not isinstance(value.value, bool) and value.value < MIN_FONT_PT:
            return f"{value.value} pt"
        if isinstance(value.value, str) and value.value in SMALL_NAMED_SIZES:
            return repr(value.value)
    return None


def test_the_figure_limits_follow_from_the_house_style() -> None:
    assert MIN_FONT_PT == 10  # tick labels and legends (lossutils.plot.STYLE)
    assert MAX_PNG_PX == 1061  # 10 pt at 100 dpi is 13.9 px; 9 px of it is shown up to 1061 px wide


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_are_shown_large_enough_to_read(path: Path) -> None:
    """A PNG wider than MAX_PNG_PX is shrunk into the column until its house text is below 9 px."""
    for i, cell in enumerate(_read(path).cells):
        for png in _png_outputs(cell) if cell.cell_type == "code" else []:
            width = _png_width(png)
            shown = MIN_FONT_PT * STYLE["figure.dpi"] / 72 * min(1.0, COLUMN_PX / width)
            assert width <= MAX_PNG_PX, (
                f"{path.name}, cell {i}: a figure {width} px wide is shown at {COLUMN_PX} px, its {MIN_FONT_PT} pt "
                f"text at {shown:.1f} px (< {MIN_TEXT_PX}); draw it at most {MAX_PNG_PX / STYLE['figure.dpi']:.1f} "
                "inches wide, at most two panels side by side"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_font_below_the_house_minimum(path: Path) -> None:
    cells = [(i, c) for i, c in enumerate(_read(path).cells) if c.cell_type == "code"]
    trees = {i: _parsed(c.source) for i, c in cells}
    known = _constants([t for t in trees.values() if t is not None])
    small = [
        f"cell {i}, line {line}: {why}"
        for i, tree in trees.items()
        if tree is not None
        for line, value in _font_sizes(tree)
        if (why := _too_small(value, known))
    ]
    assert not small, (
        f"{path.name}: font sizes below the house minimum of {MIN_FONT_PT} pt (lossutils.plot.STYLE), which "
        f"shrink below {MIN_TEXT_PX} px in the book's column: {small}; make room instead (fewer panels, "
        "a taller figure, shorter labels)"
    )


def _chapter_slug(nb: nbformat.NotebookNode, path: Path) -> str:
    """The slug of the chapter's label ``(ch-<slug>)=``, or of the file name for a page without one."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (match := re.search(r"^\(ch-([a-z0-9-]+)\)=", cell.source, re.M)):
            return match.group(1)
    return re.sub(r"^\d+_", "", path.stem).replace("_", "-")


def _figures(path: Path) -> list[tuple[int, nbformat.NotebookNode]]:
    return [
        (i, c)
        for i, c in enumerate(_read(path).cells)
        if c.cell_type == "code" and _png_outputs(c) and "remove-output" not in _tags(c)
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_is_captioned_and_named(path: Path) -> None:
    """Every figure is numbered ("Figure 4.2"), captioned and can be referred to by its name."""
    slug = _chapter_slug(_read(path), path)
    for i, cell in _figures(path):
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        assert len(_png_outputs(cell)) == 1, f"{path.name}, cell {i}: one figure per cell, so each gets its caption"
        assert len(str(figure.get("caption", "")).strip()) >= 20, (
            f"{path.name}, cell {i}: a figure needs a caption (metadata mystnb.figure.caption: what it shows)"
        )
        assert re.fullmatch(rf"fig-{slug}-[a-z0-9]+(-[a-z0-9]+)*", str(figure.get("name", ""))), (
            f"{path.name}, cell {i}: a figure needs a name fig-{slug}-<short> (metadata mystnb.figure.name); "
            f"got {figure.get('name')!r}"
        )


def test_figure_names_are_unique() -> None:
    names = [
        str(cell.metadata.get("mystnb", {}).get("figure", {}).get("name"))
        for path in NOTEBOOKS
        for _, cell in _figures(path)
    ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize(
    ("code", "small"),
    [
        ("ax.legend(fontsize=9)", True),
        ("ax.legend(fontsize=10)", False),
        ("ax.text(0, 0, 's', size='x-small')", True),
        ("rng.normal(size=3)", False),
        ("FONT = 9.5\nax.text(0, 0, 's', fontsize=FONT)", True),
        ("A, FONT = 1, 8\nax.set_title('t', fontsize=FONT)", True),
        ("ax.tick_params(labelsize=7)", True),
        ("ax.title.set_fontsize(8)", True),
        ("plt.rcParams.update({'legend.fontsize': 8, 'figure.figsize': (3, 2)})", True),
        ("plt.rcParams['xtick.labelsize'] = 'small'", True),
        ("ax.legend(prop={'size': 9})", True),
        ("%matplotlib inline\nax.legend(title_fontsize=12)", False),
    ],
)
def test_the_font_check_finds_small_fonts(code: str, small: bool) -> None:
    tree = _parsed(code)
    assert tree is not None
    known = _constants([tree])
    assert any(_too_small(value, known) for _, value in _font_sizes(tree)) == small
