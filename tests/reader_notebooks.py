"""Write the book's notebooks as plain Jupyter notebooks that read well outside the book.

    .venv/bin/python tests/reader_notebooks.py    # after the HTML build; `make book` runs it

The chapters are written in MyST Markdown, which only the book's build understands: opened in
JupyterLab or Colab, a chapter shows ``{glue:text}`huber_mean:.3f``` where the book shows a
number, ``{term}`logit``` and ``:::{solution}`` fences. This script writes a copy of each
notebook of _toc.yml in which the Markdown says what the built book says:

- ``{glue:text}`name:fmt``` becomes the glued value, formatted by myst-nb's own formatter, from
  the output the notebook stores (the same value the page shows);
- ``{numref}``, ``{ref}``, ``{eq}`` and ``{doc}`` become the text the book shows ("chapter 4",
  "Exercise 4.2", "(4.1)", a page title), read from the built HTML; ``{term}`` its text;
  ``{cite}`` / ``{cite:t}`` an author-year citation, with a "References" cell at the end;
- an exercise becomes a heading "Exercise 4.2 (title)"; a solution stays hidden until the reader
  asks: a Markdown-only solution is a closed ``<details>`` block ("Solution to Exercise 4.2
  (hidden; click to show)"); a solution that spans code cells gets that heading, its text in a
  closed ``<details>`` block, and its code cells collapsed, code and outputs (cell metadata
  ``jupyter.source_hidden`` / ``outputs_hidden``, which JupyterLab and Jupyter Notebook 7
  honour, and ``cellView: form`` with a ``#@title`` comment line, which Colab shows instead of
  the code); the cells whose code the book hides (``hide-input``, ``remove-cell``) are
  collapsed the same way, their outputs shown;
- after each figure the book captions (cell metadata ``mystnb.figure``), a Markdown cell
  "**Figure 4.2.** caption", numbered as the built book numbers it, so "Figure 4.2" in the
  text finds its figure;
- admonitions become block quotes; ``(label)=`` lines and ``%`` comments go; an equation's label
  becomes its number (``\\tag{4.1}``); links to other chapters point to their notebook.

Code cells and their outputs are the book's, so every cell runs as in the book (the first,
Colab set-up cell installs ``lossutils`` where it is missing); only the ``#@title`` comment line
of a solution's cells is added.

The copies go to ``_build/html/_downloads/notebooks/``, zipped with a README into
``_build/html/_downloads/loss-functions-notebooks.zip``, and replace the book's own sources in
``_build/html/_sources/``, which is what each page's download button (.ipynb) serves.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import zipfile
from ast import literal_eval
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ZIP_NAME = "loss-functions-notebooks.zip"
GLUE_MIME = "application/papermill.record/text/plain"

# A role: {name}`content`; a directive fence: ::: or ``` (3 or more) then {name} and arguments.
ROLE = re.compile(r"\{(?P<name>[a-z][a-z0-9:_-]*)\}`(?P<body>[^`]*)`")
FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>:{3,}|`{3,})\s*\{(?P<name>[^}]+)\}\s*(?P<arg>.*)$")
TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)

# Solutions are closed until the reader asks: their text in <details>, their code cells collapsed.
HIDDEN = "(hidden; click to show)"
CODE_HIDDEN = (
    '*Its code cells below are collapsed, up to "End of the solution": click the ⋯ bar of a cell '
    '(JupyterLab, Jupyter Notebook 7) or "Show code" (Colab) to show one. They run as they are.*'
)
SOLUTION_TITLE = "#@title {what}: its code (hidden; click to show)"
TEXT_OPEN = ["<details>", "<summary>Its text (click to show)</summary>", ""]
HIDDEN_INPUT = {"hide-input", "remove-cell", "remove-input"}  # the book shows no code for these cells


def format_glue(text: str, fmt_spec: str) -> str:
    """myst-nb's formatting of ``{glue:text}`name:fmt``` (myst_nb.core.variables.format_plain_text)."""
    try:
        value: Any = literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


def glued_values(notebook: dict) -> dict[str, str]:
    """name -> the text/plain that ``glue`` stored in the notebook's outputs."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in output.get("data", {}):
                text = output["data"][GLUE_MIME]
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


@dataclass
class Target:
    """What the built book shows for a label: its kind, number and title, and its page."""

    kind: str  # "section", "exercise", "figure", "table", "equation"
    doc: str
    number: str = ""
    title: str = ""


@dataclass
class Book:
    """What the references of the Markdown resolve to, read from _toc.yml and the built HTML."""

    docs: list[str]  # e.g. "book/04_robust_regression", in reading order
    titles: dict[str, str] = field(default_factory=dict)  # doc -> page title, no number
    numbers: dict[str, str] = field(default_factory=dict)  # doc -> chapter number ("4")
    labels: dict[str, Target] = field(default_factory=dict)
    bib: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (author-year label, full entry)

    def doc_of(self, source_doc: str, target: str) -> str:
        """The doc a {doc} role or a Markdown link of ``source_doc`` names (relative, no suffix)."""
        target = re.sub(r"\.(md|ipynb)$", "", target)
        if target.startswith("/"):
            return target.lstrip("/")
        base = source_doc.rsplit("/", 1)[0]
        parts: list[str] = []
        for piece in f"{base}/{target}".split("/"):
            if piece == "..":
                parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        return "/".join(parts)


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.get_text()).strip()


def read_book(html_dir: Path, root: Path = ROOT) -> Book:
    """Collect from the built HTML every label's number and title, and every page's title."""
    from bs4 import BeautifulSoup

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    docs = [toc["root"]] + [c["file"] for p in toc.get("parts", []) for c in p.get("chapters", [])]
    book = Book(docs)
    for doc in docs:
        soup = BeautifulSoup((html_dir / f"{doc}.html").read_text(), "html.parser")
        article = soup.select_one("article.bd-article") or soup
        h1 = article.find("h1")
        number = h1.select_one("span.section-number") if h1 else None
        book.numbers[doc] = number.get_text().strip().rstrip(".") if number else ""
        if number:
            number.extract()
        book.titles[doc] = _text(h1).rstrip("#").strip() if h1 else doc
        section = h1.find_parent("section") if h1 else None
        if section is not None:
            for ident in [section.get("id", "")] + [s.get("id") for s in section.find_all("span", recursive=False)]:
                if ident:
                    book.labels.setdefault(ident, Target("section", doc, book.numbers[doc], book.titles[doc]))
        for sec in article.find_all("section"):
            heading = sec.find(re.compile("^h[1-6]$"))
            if heading is None:
                continue
            num = heading.select_one("span.section-number")
            title = _text(heading).rstrip("#").strip()
            num_text = num.get_text().strip().rstrip(".") if num else ""
            if num_text and title.startswith(num.get_text().strip()):
                title = title[len(num.get_text().strip()) :].strip()
            ids = [sec.get("id")] + [s.get("id") for s in sec.find_all("span", recursive=False) if s.get("id")]
            for ident in ids:
                if ident:
                    book.labels.setdefault(ident, Target("section", doc, num_text, title))
        for box in article.select("div.exercise"):
            caption = box.select_one(".admonition-title")
            num = caption.select_one("span.caption-number") if caption else None
            number_text = num.get_text().strip().removeprefix("Exercise").strip() if num else ""
            if num:
                num.extract()
            title = _text(caption).strip("() ") if caption else ""
            book.labels[box["id"]] = Target("exercise", doc, number_text, title)
        for kind, selector in (("figure", "figure"), ("table", "table")):
            for element in article.select(selector):
                ident = element.get("id")
                caption = element.select_one("figcaption, caption")
                num = caption.select_one("span.caption-number") if caption else None
                if not ident or num is None:
                    continue
                number_text = num.get_text().strip().split(" ", 1)[-1]
                num.extract()
                book.labels[ident] = Target(kind, doc, number_text, _text(caption).rstrip("#").strip())
        for eq in article.select("div.math[id]"):
            eqno = eq.select_one("span.eqno")
            if eqno:
                headerlink = eqno.select_one("a")
                if headerlink:
                    headerlink.extract()
                number_text = eqno.get_text().strip().strip("()")
                book.labels[eq["id"].removeprefix("equation-")] = Target("equation", doc, number_text)
    book.bib = read_bibliography(root)
    return book


def read_bibliography(root: Path) -> dict[str, tuple[str, str]]:
    """key -> (the author-year label the book shows, the full entry in Markdown)."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    config = yaml.safe_load((root / "_config.yml").read_text())
    data = parse_file(str(root / config["bibtex_bibfiles"][0]))
    style = find_plugin("pybtex.style.formatting", "plain")()
    backend = find_plugin("pybtex.backends", "markdown")()
    full = {entry.key: entry.text.render(backend) for entry in style.format_entries(data.entries.values())}
    out = {}
    for key, entry in data.entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) or " ".join(p.first_names) for p in people]
        if not names:
            who = entry.fields.get("organization", entry.fields.get("title", key))
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        who = who.replace("{", "").replace("}", "")
        out[key] = (f"{who}, {entry.fields.get('year', 'n.d.')}", full[key].replace("\\", ""))
    return out


class Converter:
    """Turns the MyST Markdown of one notebook into plain Markdown (see the module docstring)."""

    def __init__(self, book: Book, doc: str, glue: dict[str, str], notebooks: dict[str, dict]) -> None:
        self.book, self.doc, self.glue, self.notebooks = book, doc, glue, notebooks
        self.cited: list[str] = []
        self.solution: str | None = None  # "Solution to Exercise 4.2" while its code cells follow
        self.text_open = False  # a <details> block holds the solution's text so far

    # -- roles ------------------------------------------------------------------------------
    def glue_text(self, body: str) -> str:
        key, fmt = body.rsplit(":", 1) if ":" in body else (body, "s")  # as myst-nb splits it
        values = self.glue
        if "::" in key:
            path, key = key.split("::", 1)
            values = glued_values(self.notebooks[self.book.doc_of(self.doc, path)])
        return format_glue(values[key], fmt)

    def target(self, label: str) -> Target:
        ident = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        for name in (label, ident, f"equation-{label}"):
            if name in self.book.labels:
                return self.book.labels[name]
        raise KeyError(f"{self.doc}: no label {label!r} in the built book")

    def role(self, match: re.Match[str]) -> str:
        name, body = match["name"], match["body"]
        titled = TITLED.match(body)
        title, target = (titled["title"], titled["target"]) if titled else (None, body)
        if name in ("glue:text", "glue"):
            return self.glue_text(body)
        if name == "term":
            return title if title is not None else target
        if name in ("ref", "numref"):
            found = self.target(target)
            if title is not None:
                shown = title.replace("%s", found.number).replace("{number}", found.number)
                return shown.replace("{name}", found.title)
            if name == "numref" or found.kind == "exercise":
                prefix = {"section": "Section", "exercise": "Exercise", "figure": "Figure", "table": "Table"}
                return f"{prefix.get(found.kind, '')} {found.number}".strip()
            return found.title
        if name == "eq":
            return f"({self.target(target).number})"
        if name == "doc":
            doc = self.book.doc_of(self.doc, target)
            return title if title is not None else self.book.titles.get(doc, target)
        if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            keys = [k.strip() for k in body.split(",")]
            self.cited += [k for k in keys if k not in self.cited]
            labels = [self.book.bib[k][0] for k in keys]
            if name.startswith("cite:t"):
                return "; ".join(f"{who} [{year}]" for who, year in (lab.rsplit(", ", 1) for lab in labels))
            return "[" + "; ".join(labels) + "]"
        if name in ("math",):
            return f"${body}$"
        if name in ("sub", "sup", "abbr", "kbd"):
            return title if title is not None else body
        return match[0]

    def link(self, match: re.Match[str]) -> str:
        text, url = match[1], match[2]
        if re.match(r"^[a-z]+:", url) or url.startswith("#"):
            return match[0]
        path, _, anchor = url.partition("#")
        doc = self.book.doc_of(self.doc, path)
        if doc in self.notebooks:
            relative = os.path.relpath(doc + ".ipynb", Path(self.doc).parent.as_posix())
            return f"[{text}]({relative}{'#' + anchor if anchor else ''})"
        return text  # a page that is no notebook (glossary, API): its text only

    def inline(self, text: str) -> str:
        text = ROLE.sub(self.role, text)
        return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", self.link, text)

    # -- blocks -------------------------------------------------------------------------------
    def markdown(self, source: str) -> str:
        lines = source.split("\n")
        opened = bool(self.solution)  # a solution's text continues in this cell: closed too
        self.text_open = opened
        out = [*TEXT_OPEN, *self.block(lines)] if opened else self.block(lines)
        if self.text_open:
            out += ["", "</details>"]
            self.text_open = False
        text = "\n".join(out)
        text = re.sub(r"<details>\n<summary>[^<]*</summary>\s*</details>", "", text)  # no text: no block
        return text.strip("\n")

    def block(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        text: list[str] = []  # plain Markdown lines, converted together (a role may span lines)

        def flush() -> None:
            if text:
                out.extend(self.inline("\n".join(text)).split("\n"))
                text.clear()

        i = 0
        while i < len(lines):
            line = lines[i]
            code = re.match(r"^ {0,3}(`{3,}|~{3,})(?!\s*\{)", line)
            fence = FENCE_OPEN.match(line)
            if code:  # a plain code block: copied as it is
                flush()
                end = i + 1
                while end < len(lines) and not lines[end].strip().startswith(code[1]):
                    end += 1
                out += lines[i : end + 1]
                i = end + 1
            elif fence:
                flush()
                end, depth = i + 1, fence["fence"]
                while end < len(lines) and lines[end].strip() != depth:
                    end += 1
                body = lines[i + 1 : end]
                options = {}
                while body and re.match(r"^:[\w-]+:", body[0]):
                    key, _, value = body.pop(0)[1:].partition(":")
                    options[key] = value.strip()
                out += self.directive(fence["name"].strip(), fence["arg"].strip(), options, body)
                i = end + 1
            else:
                if not (re.match(r"^\([\w.:-]+\)=\s*$", line) or line.startswith("%")):
                    text.append(line)
                i += 1
        flush()
        return self.equation_labels(out)

    def equation_labels(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)

        def tag(match: re.Match[str]) -> str:
            number = self.target(match[2]).number
            return f"$${match[1].rstrip()}\n\\tag{{{number}}}\n$$"

        return re.sub(r"\$\$(.*?)\$\$\s*\(([\w.:-]+)\)", tag, text, flags=re.S).split("\n")

    def directive(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        inner = self.block(body)
        if name == "exercise":
            found = self.book.labels.get(options.get("label", ""))
            number = f"Exercise {found.number}" if found else "Exercise"
            heading = f"#### {number}" + (f" ({self.inline(arg)})" if arg else "")
            return ["", heading, "", *inner, ""]
        if name in ("solution", "solution-start"):
            found = self.book.labels.get(arg)
            what = f"Solution to Exercise {found.number}" if found else "Solution"
            if name == "solution":
                return ["", "<details>", f"<summary>{what} {HIDDEN}</summary>", "", *inner, "", "</details>", ""]
            # A solution that spans cells: a heading, its text closed (up to solution-end or the end of
            # the cell, see markdown()), its code cells collapsed (convert()).
            self.solution, self.text_open = what, True
            return ["", f"#### {what} {HIDDEN}", "", CODE_HIDDEN, "", *TEXT_OPEN, *inner]
        if name == "solution-end":
            closing = ["", "</details>"] if self.text_open else []
            self.solution, self.text_open = None, False
            return [*closing, "", "*End of the solution.*", ""]
        if name in ("math",):
            return ["$$", *body, "$$"]
        if name in ("figure", "image"):
            return [f"![{options.get('alt', '')}]({arg})", *inner]
        if name in ("code-block", "code", "sourcecode"):
            return [f"```{arg}", *body, "```"]
        title = self.inline(arg) if name == "admonition" else name.capitalize()
        quoted = [f"> **{title}**" if title else ">", ">"] + [f"> {line}".rstrip() for line in inner]
        return ["", *quoted, ""]

    def references(self) -> str:
        lines = ["## References", ""]
        lines += [f"- {self.book.bib[key][1]}" for key in sorted(self.cited, key=lambda k: self.book.bib[k][0])]
        return "\n".join(lines)


def hide_solution_cell(cell: dict, what: str) -> None:
    """Collapse a code cell of a solution: code and outputs in JupyterLab, the code in Colab (a form).

    Colab shows a form cell's ``#@title`` line in place of the code; the line is a comment (but a
    cell magic, ``%%``, must stay the first line: such a cell gets no title).
    """
    cell["metadata"].setdefault("jupyter", {}).update(source_hidden=True, outputs_hidden=True)
    cell["metadata"]["cellView"] = "form"
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if not source.startswith("%%"):
        cell["source"] = f"{SOLUTION_TITLE.format(what=what)}\n{source}"


def figure_caption(converter: Converter, figure: dict) -> str:
    """The caption the book prints under a figure, with the number the built book gives it."""
    found = converter.book.labels.get(figure["name"])
    if found is None or found.kind != "figure":
        raise KeyError(f"{converter.doc}: figure {figure['name']!r} is not numbered in the built book")
    return f"**Figure {found.number}.** {converter.inline(figure.get('caption', '')).strip()}"


def convert(notebook: dict, doc: str, book: Book, notebooks: dict[str, dict]) -> dict:
    """A reader copy of ``notebook``: Markdown converted, everything else unchanged."""
    reader = copy.deepcopy(notebook)
    converter = Converter(book, doc, glued_values(notebook), notebooks)
    cells = []
    for cell in reader["cells"]:
        cells.append(cell)
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = converter.markdown(source)
            continue
        if converter.solution:
            hide_solution_cell(cell, converter.solution)
        elif HIDDEN_INPUT & set(cell["metadata"].get("tags", [])):
            cell["metadata"].setdefault("jupyter", {})["source_hidden"] = True
            cell["metadata"]["cellView"] = "form"
        figure = cell["metadata"].get("mystnb", {}).get("figure")
        if figure and figure.get("name"):
            cells.append({"cell_type": "markdown", "metadata": {}, "source": figure_caption(converter, figure)})
    reader["cells"] = cells
    if converter.cited:
        reader["cells"].append({"cell_type": "markdown", "metadata": {}, "source": converter.references()})
    reader["metadata"].pop("jupytext", None)
    return reader


def _readme(config: dict, book: Book) -> str:
    url = config["repository"]["url"]
    return f"""# {config["title"]}: the notebooks

Each chapter of the book as a Jupyter notebook that reads well in JupyterLab, Jupyter Notebook,
VS Code or Colab: the numbers computed by the code are in the text, each figure is followed by
its numbered caption ("Figure 4.2. ..."), and exercises are headings. The code cells are the
book's.

What is hidden, and how to show it:

- **Solutions.** Each is headed "Solution to Exercise N.k (hidden; click to show)". Its text is
  a closed block: click the heading's triangle to open it. Its code cells, up to "End of the
  solution", are collapsed, code and outputs: in JupyterLab and Jupyter Notebook 7 click the
  cell's ⋯ bar (or View → Expand All Code); in Colab click "Show code". An editor that ignores
  this setting shows the code, under the heading. Collapsed cells run as usual.
- **Code the book hides** (plotting code, the cells that put numbers into the text, the Colab
  set-up cell) is collapsed the same way; its outputs, the figures, are shown.

To run them you need Python 3.11, git (pip fetches `lossutils` with it) and the book's
companion package `lossutils`:

```bash
python -m venv .venv
.venv/bin/pip install "lossutils @ git+{url}" matplotlib scikit-learn scipy torch myst-nb jupyterlab
.venv/bin/jupyter lab
```

(On Linux, install PyTorch's CPU-only build first to avoid several GB of CUDA libraries: see
the README of {url}.) Or clone {url} and follow its README, which pins every version the book
was computed with. On Colab, upload a notebook: its first cell installs `lossutils`.
The appendix notebook "{book.titles.get("book/appendix/speed", "speed")}" reads benchmark results that
only a clone of the repository has.

The book's pages give the same notebooks with their figures' captions, cross-reference links,
the glossary and the bibliography.
"""


def write_reader_notebooks(html_dir: Path = HTML, root: Path = ROOT) -> list[Path]:
    config = yaml.safe_load((root / "_config.yml").read_text())
    book = read_book(html_dir, root)
    notebooks = {
        doc: json.loads((root / f"{doc}.ipynb").read_text()) for doc in book.docs if (root / f"{doc}.ipynb").exists()
    }
    downloads = html_dir / "_downloads"
    target = downloads / "notebooks"
    written = []
    for doc, notebook in notebooks.items():
        reader = convert(notebook, doc, book, notebooks)
        text = json.dumps(reader, indent=1, ensure_ascii=False) + "\n"
        relative = Path(doc).relative_to("book") if doc.startswith("book/") else Path(doc)
        for path in (target / relative.with_suffix(".ipynb"), html_dir / "_sources" / f"{doc}.ipynb"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        written.append(target / relative.with_suffix(".ipynb"))
    (target / "README.md").write_text(_readme(config, book))
    with zipfile.ZipFile(downloads / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                archive.write(path, Path("loss-functions-notebooks") / path.relative_to(target))
    size = (downloads / ZIP_NAME).stat().st_size / 1e6
    print(f"{len(written)} reader notebooks in {target.relative_to(root)}, zipped: {ZIP_NAME} ({size:.1f} MB)")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=HTML, help="the built site (default _build/html)")
    args = parser.parse_args(argv)
    write_reader_notebooks(args.html.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
