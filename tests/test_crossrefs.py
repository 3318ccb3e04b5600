"""The book refers to its chapters, sections, exercises, figures and equations by label, never by typed number.

Sphinx numbers chapters, sections, figures, equations and exercises itself, so a typed
"chapter 4" or "Exercise 40" goes stale the day a chapter moves (the chapters were renumbered
once already). These checks read the sources, not the built book, so they run in the fast tier:

* no prose in a page's markdown (a notebook's markdown cells, a ``.md`` page; the bibliography
  excepted) types the number of a chapter, section, exercise, figure, table or equation, in
  plain text or as the text of a link (``{doc}`chapter 4 <...>```, ``[chapter 1](...)``);
  code spans, code blocks and formulas are not prose;
* every numbered chapter starts with its label, ``(ch-<slug>)=`` on the line before its
  ``# Title``, the slug being the file name without its number (``04_robust_regression`` ->
  ``ch-robust-regression``);
* every label that a ``{ref}``, ``{numref}`` or ``{eq}`` role names exists in the book's sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from notebook_tools import BOOK, ROOT

NOT_PROSE = {BOOK / "bibliography.md"}
# A typed number after a word that names something Sphinx numbers: "chapter 4", "Chapters 2
# and 3", "Exercise 40", "Figure 3", "fig. 2", "section 4.2", "Table 1", "equation (3)".
TYPED = re.compile(
    r"\b(?:chapters?|sections?|exercises?|figures?|figs?\.|tables?|equations?|eqs?\.)[\s~]*\(?\d",
    re.IGNORECASE,
)
# A link whose whole text is a number: {doc}`5 <05_binary_cross_entropy>`, [5](05_....ipynb).
BARE_NUMBER_LINK = re.compile(r"\{(?:doc|ref)\}`\s*\d+\s*<|\[\s*\d+\s*\]\(")
ROLE = re.compile(r"\{(?P<role>[a-z:]+)\}`(?P<body>[^`]*)`")
CODE_SPAN = re.compile(r"(?<!\})(`+)(?!\{).*?(?<!`)\1(?!`)", re.DOTALL)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\begin\{(?P<env>[a-z*]+)\}.*?\\end\{(?P=env)\}", re.DOTALL)
FENCE = re.compile(r"^(?P<fence>```+|~~~+)(?P<info>[^\n]*)\n.*?^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
REF_ROLE = re.compile(r"\{(?P<role>ref|numref|eq)\}`(?P<body>[^`]*)`")
LABEL_LINE = re.compile(r"^[ \t]*\((?P<label>[^()\s]+)\)=[ \t]*$", re.MULTILINE)
OPTION_LABEL = re.compile(r"^[ \t]*:(?:label|name):[ \t]*(?P<label>\S+)[ \t]*$", re.MULTILINE)
EQUATION_LABEL = re.compile(r"\$\$[ \t]*\((?P<label>[^()\s]+)\)[ \t]*$", re.MULTILINE)
# Labels Sphinx defines itself.
BUILT_IN_LABELS = {"genindex", "modindex", "py-modindex", "search"}


@dataclass(frozen=True)
class Markdown:
    """One block of a page's markdown: a notebook's markdown cell or a whole ``.md`` page."""

    page: Path
    where: str  # "cell 12" or "" for a .md page
    text: str

    def __str__(self) -> str:
        name = self.page.relative_to(ROOT).as_posix()
        return f"{name} {self.where}".strip()


def _pages() -> list[Path]:
    pages = [p for p in BOOK.rglob("*") if p.suffix in (".ipynb", ".md")]
    return sorted(
        p for p in pages if p not in NOT_PROSE and ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
    )


def _markdown(page: Path) -> list[Markdown]:
    if page.suffix == ".md":
        return [Markdown(page, "", page.read_text(encoding="utf-8"))]
    nb = nbformat.read(page, as_version=4)
    return [Markdown(page, f"cell {i}", c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]


def _prose(text: str) -> str:
    """The text a reader reads as prose: code blocks, code spans and formulas blanked out.

    A directive fence (```{glossary}) holds prose and is kept; a role keeps its text (the text
    of a link is read), but not the label or file it points to.
    """

    def fence(m: re.Match[str]) -> str:
        if not m["info"].strip().startswith("{"):
            return "\n"
        body = m.group(0).split("\n")[1:-1]  # the directive's content, without its fences
        return "\n".join(line for line in body if not line.lstrip().startswith(":"))

    text = FENCE.sub(fence, text)
    text = MATH.sub(" ", text)

    def role(m: re.Match[str]) -> str:
        return " " if m["role"].startswith(("glue", "cite")) else re.sub(r"<[^>]*>$", "", m["body"])

    text = ROLE.sub(role, text)
    text = CODE_SPAN.sub(" ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _typed_numbers(block: Markdown) -> list[str]:
    """Each place in ``block`` that types a number instead of naming a label, with its context."""
    found = []
    raw_links = [m.group(0) for m in BARE_NUMBER_LINK.finditer(block.text)]
    found += [f"{block}: a link whose text is a typed number: {link!r}" for link in raw_links]
    prose = _prose(block.text)
    for m in TYPED.finditer(prose):
        context = " ".join(prose[max(0, m.start() - 40) : m.end() + 30].split())
        found.append(f"{block}: {m.group(0)!r} in ...{context}...")
    return found


def _labels() -> set[str]:
    labels = set(BUILT_IN_LABELS)
    for page in _pages():
        texts = [b.text for b in _markdown(page)]
        if page.suffix == ".ipynb":
            nb = nbformat.read(page, as_version=4)
            for cell in nb.cells:
                figure = cell.metadata.get("mystnb", {}).get("figure", {})
                if figure.get("name"):
                    labels.add(figure["name"])
                if cell.cell_type == "code":
                    texts.append(cell.source)  # glue:figure names, `#| label:` options
        for text in texts:
            for pattern in (LABEL_LINE, OPTION_LABEL, EQUATION_LABEL):
                labels.update(m["label"] for m in pattern.finditer(text))
    return labels


def _chapters() -> list[Path]:
    """The numbered chapters, in _toc.yml's order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] if part.get("numbered") for ch in part["chapters"]]
    return [p for p in (ROOT / f"{f}.ipynb" for f in files) if p.exists()] + [
        p for p in (ROOT / f"{f}.md" for f in files) if p.exists()
    ]


def chapter_label(page: Path) -> str:
    """``book/04_robust_regression.ipynb`` -> ``ch-robust-regression``."""
    return "ch-" + page.stem.split("_", 1)[1].replace("_", "-")


PAGES = _pages()


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(BOOK).as_posix() for p in PAGES])
def test_no_typed_cross_reference_numbers(page: Path) -> None:
    found = [problem for block in _markdown(page) for problem in _typed_numbers(block)]
    assert not found, "typed numbers where a {numref}/{ref} label belongs:\n" + "\n".join(found)


def test_the_checker_finds_typed_numbers() -> None:
    """The patterns catch what they must and leave code, formulas and labels alone."""
    bad = [
        "as chapter 4 shows",
        "Chapters 2 and 3",
        "see {doc}`chapter 4 <04_robust_regression>`",
        "Exercise 40 asks",
        "in Figure 3",
        "[chapter 1](01_what_is_a_loss.ipynb#anchor)",
        "Chapters {doc}`5 <05_binary_cross_entropy>` and",
        "{ref}`chapter 5 <ch5-pos-weight>`",
        "```{glossary}\nTerm\n  As in the data of chapters 4 and 10.\n```",
    ]
    good = [
        "{numref}`chapter %s <ch-mse>`",
        "{ref}`ch2-ex-decomp`",
        "`chapter 4` in code",
        "```python\n# chapter 4\n```",
        "```{glossary}\nTerm\n  Defined in {numref}`chapter %s <ch-mse>`.\n```",
        "$\\text{figure 2}$",
        "{cite}`prince2023understanding`, ch. 5",
        "the next chapter",
    ]
    for text in bad:
        assert _typed_numbers(Markdown(BOOK / "x.md", "", text)), text
    for text in good:
        assert not _typed_numbers(Markdown(BOOK / "x.md", "", text)), text


@pytest.mark.parametrize("page", _chapters(), ids=lambda p: p.stem)
def test_chapter_starts_with_its_label(page: Path) -> None:
    label = chapter_label(page)
    text = "\n".join(b.text for b in _markdown(page))
    title = re.search(r"^# ", text, re.MULTILINE)
    assert title, f"{page.name} has no '# Title'"
    before = text[: title.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
    assert before == f"({label})=", f"{page.name}: the line before its '# Title' must be ({label})=, not {before!r}"


def _unknown_labels(block: Markdown, labels: set[str]) -> list[str]:
    missing = []
    for m in REF_ROLE.finditer(block.text):
        target = re.search(r"<([^<>]+)>\s*$", m["body"])
        label = (target[1] if target else m["body"]).strip()
        if label not in labels:
            missing.append(f"{block}: {{{m['role']}}}`{m['body']}` names no label")
    return missing


def test_the_label_check_finds_unknown_labels() -> None:
    block = Markdown(BOOK / "x.md", "", "{numref}`chapter %s <ch-mse>`, {ref}`ch2-ex-decomp`, {numref}`ch-nope`")
    assert _unknown_labels(block, {"ch-mse", "ch2-ex-decomp"}) == [f"{block}: {{numref}}`ch-nope` names no label"]


def test_every_referenced_label_exists() -> None:
    labels = _labels()
    missing = [problem for page in PAGES for block in _markdown(page) for problem in _unknown_labels(block, labels)]
    assert not missing, "\n".join(missing)
