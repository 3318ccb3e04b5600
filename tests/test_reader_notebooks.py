"""The reader notebooks (tests/reader_notebooks.py): the book's notebooks with their MyST Markdown
turned into plain Markdown, for JupyterLab, Jupyter Notebook and Colab.

The first tests run on a small notebook and need no build; the last ones convert every notebook
of the built book and check that no MyST role or fence is left, that every glued number is in
the text, and that the code cells are the book's, unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from myst_nb.core.variables import format_plain_text
from reader_notebooks import (
    GLUE_MIME,
    ROLE,
    SOLUTION_TITLE,
    Book,
    Target,
    convert,
    format_glue,
    write_reader_notebooks,
)

# What a reader notebook must not contain: a role, a directive fence, a label line, an option line.
MYST_LEFT = re.compile(r"\{[a-z][a-z0-9:_-]*\}`|^ {0,3}(:{3,}|`{3,})\s*\{|^\([\w.:-]+\)=\s*$|^:[\w-]+:", re.M)


def _markdown(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _glue_cell(name: str, text: str) -> dict:
    output = {
        "output_type": "display_data",
        "data": {GLUE_MIME: text},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    }
    return {"cell_type": "code", "source": f"glue({name!r}, ...)", "metadata": {}, "outputs": [output]}


@pytest.mark.parametrize(
    ("text", "fmt"), [("0.123456", ".3f"), ("3e+18", ".1e"), ("12", "d"), ("0.25", ".0%"), ("'MSE'", "s"), ("7", "")]
)
def test_glue_format_is_myst_nbs(text: str, fmt: str) -> None:
    assert format_glue(text, fmt) == format_plain_text(text, fmt)


def _small_book() -> Book:
    book = Book(["book/intro", "book/04_robust_regression"])
    book.titles = {"book/intro": "Loss Functions", "book/04_robust_regression": "Robust losses"}
    book.labels = {
        "ch-robust-regression": Target("section", "book/04_robust_regression", "4", "Robust losses"),
        "ch4-ex-hand": Target("exercise", "book/04_robust_regression", "4.1", "By hand"),
        "eq-huber": Target("equation", "book/04_robust_regression", "4.1"),
    }
    book.bib = {"huber1964": ("Huber, 1964", "Peter J. Huber. Robust estimation. 1964.")}
    return book


SMALL_MARKDOWN = """(ch-robust-regression)=
# Robust losses

The mean is {glue:text}`mean_loss:.3f`, see {numref}`chapter %s <ch-robust-regression>` and
{ref}`ch4-ex-hand`, a {term}`loss <loss function>`, equation {eq}`eq-huber` {cite}`huber1964`.

$$
\\ell = r^2
$$ (eq-huber)

:::{exercise} By hand
:label: ch4-ex-hand
Compute {glue:text}`n_samples` losses.
:::

:::{solution} ch4-ex-hand
:class: dropdown
It is {glue:text}`mean_loss:.1f`.
:::

:::{admonition} Takeaway
:class: tip
Clip the residual.
:::
"""


def test_small_notebook_reads_as_the_book() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": SMALL_MARKDOWN},
            _glue_cell("mean_loss", "0.123456"),
            _glue_cell("n_samples", "12"),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    reader = convert(notebook, "book/04_robust_regression", _small_book(), {})
    text = _markdown(reader["cells"][0])
    assert not MYST_LEFT.search(text), text
    for shown in ("0.123", "chapter 4", "Exercise 4.1", "a loss,", "(4.1)", "[Huber, 1964]", "\\tag{4.1}"):
        assert shown in text, shown
    assert "#### Exercise 4.1 (By hand)" in text
    assert "Compute 12 losses." in text
    assert "<details>\n<summary>Solution to Exercise 4.1 (hidden; click to show)</summary>" in text
    assert "It is 0.1." in text
    assert "> **Takeaway**" in text
    assert reader["cells"][1:3] == notebook["cells"][1:3]
    assert "Peter J. Huber" in _markdown(reader["cells"][-1])


def test_a_solution_over_code_cells_is_hidden_and_a_figure_captioned() -> None:
    book = _small_book()
    book.labels["fig-robust-huber"] = Target("figure", "book/04_robust_regression", "4.3", "Huber")
    start = ":::{exercise} Fit\n:label: ch4-ex-hand\nFit it.\n:::\n\n:::{solution-start} ch4-ex-hand\n:::\nWe fit it:"
    figure = {"mystnb": {"figure": {"caption": "The fit, with $\\delta$ = 1.", "name": "fig-robust-huber"}}}
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": start},
        {"cell_type": "code", "metadata": dict(figure), "source": "fit()", "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": "It converges.\n\n:::{solution-end}\n:::\nAfter."},
        {"cell_type": "code", "metadata": {"tags": ["hide-input"]}, "source": "plot()", "outputs": []},
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    reader = convert(notebook, "book/04_robust_regression", book, {})["cells"]
    first, code, caption, rest, plot = reader
    heading = "#### Solution to Exercise 4.1 (hidden; click to show)"
    assert heading in first["source"]
    assert first["source"].index("Fit it.") < first["source"].index(heading)
    assert re.search(r"<details>\n<summary>[^<]*</summary>\s*We fit it:\s*</details>$", first["source"])
    assert code["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert code["metadata"]["cellView"] == "form"
    assert code["source"].startswith("#@title Solution to Exercise 4.1")
    assert caption["source"] == "**Figure 4.3.** The fit, with $\\delta$ = 1."
    assert re.search(r"<details>.*It converges\.\s*</details>.*End of the solution.*After\.$", rest["source"], re.S)
    assert plot["metadata"]["jupyter"] == {"source_hidden": True}
    assert plot["source"] == "plot()"


@pytest.fixture(scope="module")
def reader_notebooks(built_book: Path) -> dict[Path, Path]:
    """Source notebook -> its reader copy, written from the built book."""
    root = built_book.parents[1]
    written = write_reader_notebooks(built_book, root)
    downloads = built_book / "_downloads" / "notebooks"
    return {root / "book" / path.relative_to(downloads): path for path in written}


def test_no_myst_left_and_every_glued_number_shown(reader_notebooks: dict[Path, Path]) -> None:
    assert len(reader_notebooks) >= 13
    problems, glued = [], 0
    for source, copy in reader_notebooks.items():
        book_nb, reader_nb = json.loads(source.read_text()), json.loads(copy.read_text())
        values = {}
        for cell in book_nb["cells"]:
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                if name:
                    values[name] = output["data"][GLUE_MIME]
        cells = reader_nb["cells"]
        captions = [i + 1 for i, c in enumerate(cells) if c["metadata"].get("mystnb", {}).get("figure")]
        markdown_cells = [c for i, c in enumerate(cells) if c["cell_type"] == "markdown" and i not in captions]
        for cell in markdown_cells:
            left = MYST_LEFT.search(_markdown(cell))
            if left:
                context = _markdown(cell)[max(0, left.start() - 80) : left.end() + 40]
                problems.append(f"{copy.name}: MyST left: {context!r}")
        book_markdown = [c for c in book_nb["cells"] if c["cell_type"] == "markdown"]
        for book_cell, reader_cell in zip(book_markdown, markdown_cells, strict=False):
            for role in ROLE.finditer(_markdown(book_cell)):
                if role["name"] != "glue:text":
                    continue
                key, fmt = role["body"].rsplit(":", 1) if ":" in role["body"] else (role["body"], "s")
                shown = format_plain_text(values[key], fmt)
                glued += 1
                if shown not in _markdown(reader_cell):
                    problems.append(f"{copy.name}: {role[0]} = {shown!r} is not in the text")
    assert glued > 300
    assert not problems, "\n".join(problems[:40])


def _solution_code_cells(notebook: dict) -> list[bool]:
    """For each code cell of a book notebook: is it inside a solution (solution-start ... -end)?"""
    inside, flags = False, []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            flags.append(inside)
            continue
        fences = re.findall(r"^ {0,3}:{3,}\s*\{(solution-start|solution-end)\}", _markdown(cell), re.M)
        if fences:
            inside = fences[-1] == "solution-start"
    return flags


def test_code_cells_are_the_books(reader_notebooks: dict[Path, Path]) -> None:
    """The same code and outputs; a solution's cells gain only their #@title comment line."""
    for source, copy in reader_notebooks.items():
        book_nb = json.loads(source.read_text())
        book_code = [c for c in book_nb["cells"] if c["cell_type"] == "code"]
        reader_code = [c for c in json.loads(copy.read_text())["cells"] if c["cell_type"] == "code"]
        assert len(reader_code) == len(book_code), copy.name
        for book_cell, reader_cell, in_solution in zip(
            book_code, reader_code, _solution_code_cells(book_nb), strict=True
        ):
            code = _markdown(reader_cell)
            if in_solution:
                code = code.split("\n", 1)[1]
            assert code == _markdown(book_cell), f"{copy.name}: {code[:80]!r}"
            assert reader_cell["outputs"] == book_cell["outputs"], f"{copy.name}: {code[:80]!r}"
            added = {k: v for k, v in reader_cell["metadata"].items() if k not in ("jupyter", "cellView")}
            assert added == book_cell["metadata"], f"{copy.name}: {code[:80]!r}"


def test_solutions_and_hidden_code_stay_hidden(reader_notebooks: dict[Path, Path]) -> None:
    """No solution's code cell shows its code or outputs, no hide-input cell its code; each solution
    is announced by a heading or a closed <details> summary saying it is hidden."""
    problems, solution_cells, solutions = [], 0, 0
    for source, copy in reader_notebooks.items():
        book_nb, reader_nb = json.loads(source.read_text()), json.loads(copy.read_text())
        reader_code = [c for c in reader_nb["cells"] if c["cell_type"] == "code"]
        for cell, in_solution in zip(reader_code, _solution_code_cells(book_nb), strict=True):
            hidden = cell["metadata"].get("jupyter", {})
            where = f"{copy.name}: {_markdown(cell)[:70]!r}"
            if in_solution:
                solution_cells += 1
                title = SOLUTION_TITLE.split(":")[0].format(what="Solution to Exercise ")
                if not (hidden.get("source_hidden") and hidden.get("outputs_hidden")):
                    problems.append(f"{where}: a solution's code cell is not collapsed")
                if cell["metadata"].get("cellView") != "form" or not _markdown(cell).startswith(title):
                    problems.append(f"{where}: a solution's code cell is no Colab form with a title")
            elif {"hide-input", "remove-cell"} & set(cell["metadata"].get("tags", [])) and (
                not hidden.get("source_hidden") or hidden.get("outputs_hidden")
            ):
                problems.append(f"{where}: hidden code is shown (or its output hidden)")
        text = "\n".join(_markdown(c) for c in reader_nb["cells"] if c["cell_type"] == "markdown")
        book_text = "\n".join(_markdown(c) for c in book_nb["cells"] if c["cell_type"] == "markdown")
        count = len(re.findall(r"^ {0,3}:{3,}\s*\{solution(-start)?\}", book_text, re.M))
        shown = re.findall(r"^(?:#### |<summary>)Solution to Exercise [\d.]+ \(hidden; click to show\)", text, re.M)
        solutions += count
        if len(shown) != count:
            problems.append(f"{copy.name}: {count} solutions, {len(shown)} announced as hidden")
        if re.search(r"\*\*Solution to Exercise", text):
            problems.append(f"{copy.name}: a solution shown openly under a bold title")
    assert solutions > 60
    assert solution_cells > 50
    assert not problems, "\n".join(problems[:40])


def test_every_figure_has_its_numbered_caption(reader_notebooks: dict[Path, Path], built_book: Path) -> None:
    """After each captioned figure, "**Figure N.k.** caption", N.k as the built page numbers it."""
    from bs4 import BeautifulSoup

    problems, figures = [], 0
    for source, copy in reader_notebooks.items():
        book_nb, reader_nb = json.loads(source.read_text()), json.loads(copy.read_text())
        page = built_book / source.relative_to(built_book.parents[1]).with_suffix(".html")
        soup = BeautifulSoup(page.read_text(), "html.parser")
        captioned = [c for c in book_nb["cells"] if c["metadata"].get("mystnb", {}).get("figure", {}).get("name")]
        cells = reader_nb["cells"]
        for cell in captioned:
            name = cell["metadata"]["mystnb"]["figure"]["name"]
            figures += 1
            number = soup.select_one(f"figure#{name} .caption-number")
            expected = number.get_text().strip().rstrip(".").removeprefix("Fig. ").removeprefix("Figure ")
            index = next(
                i for i, c in enumerate(cells) if c["cell_type"] == "code" and _markdown(c).endswith(_markdown(cell))
            )
            after = cells[index + 1] if index + 1 < len(cells) else {"cell_type": "", "source": ""}
            if after["cell_type"] != "markdown" or not _markdown(after).startswith(f"**Figure {expected}.** "):
                problems.append(f"{copy.name}: {name} (Figure {expected}) is followed by {_markdown(after)[:60]!r}")
    assert figures > 60
    assert not problems, "\n".join(problems[:40])


def test_download_button_and_zip_give_the_reader_notebooks(built_book: Path, reader_notebooks: dict) -> None:
    import zipfile

    for source, copy in reader_notebooks.items():
        served = built_book / "_sources" / source.relative_to(built_book.parents[1])
        assert served.read_text() == copy.read_text(), served
    names = zipfile.ZipFile(built_book / "_downloads" / "loss-functions-notebooks.zip").namelist()
    assert "loss-functions-notebooks/README.md" in names
    assert sum(name.endswith(".ipynb") for name in names) == len(reader_notebooks)
