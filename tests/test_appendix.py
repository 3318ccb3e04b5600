"""The appendix stays whole: every glossary term is used, every term used is defined, and the
API reference documents every public name of lossutils, lists it in its index, and reads well
in the built book (type hints by name, each docstring's sections in order).

The glossary (book/appendix/glossary.md) is a Sphinx ``{glossary}``; the chapters link to it
with ``{term}`...```. Sphinx warns about a ``{term}`` with no definition (the build fails under
``-W``) but not about a defined term that nothing links to, so both directions are checked here
on the sources of every page listed in ``_toc.yml``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "appendix" / "glossary.md"
API = ROOT / "book" / "appendix" / "api.md"
#: The API reference: its first page (an index) and one page per group of modules, its sections in _toc.yml.
API_PAGES = [API, *sorted(API.parent.glob("api_*.md"))]

#: The modules whose public names (``__all__``) the API reference must document: every public one.
API_MODULES = sorted(p.stem for p in (ROOT / "lossutils").glob("*.py") if not p.stem.startswith("_"))

TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def _normalise(term: str) -> str:
    """Sphinx matches glossary terms case-insensitively, with whitespace collapsed."""
    return " ".join(term.split()).lower()


def glossary_entries(text: str) -> list[list[str]]:
    """The entries of the ``{glossary}`` block of ``text``: each a list of its terms (aliases)."""
    match = re.search(r"^```\{glossary\}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    assert match, "no ```{glossary} block found"
    entries: list[list[str]] = []
    previous_was_term = False
    for line in match.group(1).splitlines():
        is_term = bool(line.strip()) and not line[0].isspace() and not line.startswith(":")
        if is_term:
            if previous_was_term:
                entries[-1].append(line.strip())  # an alias: consecutive term lines share a definition
            else:
                entries.append([line.strip()])
        previous_was_term = is_term
    return entries


def term_uses(text: str) -> list[str]:
    """The glossary terms that ``{term}`...``` roles in ``text`` point to (explicit targets too)."""
    uses = []
    for content in TERM_ROLE.findall(text):
        target = re.search(r"<([^<>]+)>\s*$", content)
        uses.append(_normalise(target.group(1) if target else content))
    return uses


def toc_pages() -> list[Path]:
    """The source file of every page in ``_toc.yml`` (Markdown or notebook)."""
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            if "root" in node:
                files.append(str(node["root"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    pages = []
    for name in files:
        candidates = [ROOT / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
        pages += [path for path in candidates if path.exists()]
    return pages


def markdown_of(path: Path) -> str:
    """The Markdown a page shows: a .md file, or the markdown cells of a notebook."""
    if path.suffix == ".md":
        return path.read_text()
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def uses_outside_glossary() -> dict[str, list[str]]:
    """Each term used, with the pages that use it (the glossary's own cross-links excluded)."""
    uses: dict[str, list[str]] = {}
    for page in toc_pages():
        if page.resolve() == GLOSSARY.resolve():
            continue
        for term in term_uses(markdown_of(page)):
            uses.setdefault(term, []).append(page.relative_to(ROOT).as_posix())
    return uses


# -- the parsers, on small examples ------------------------------------------------------------


def test_glossary_parser_reads_terms_and_aliases() -> None:
    text = "# G\n\n```{glossary}\nLoss\n  A number.\n\nMSE\nMean squared error\n  Squares.\n```\n"
    assert glossary_entries(text) == [["Loss"], ["MSE", "Mean squared error"]]


def test_term_parser_reads_plain_and_explicit_targets() -> None:
    text = "A {term}`Loss`, the {term}`per-sample  losses <per-sample loss>` and {term}`ECE`."
    assert term_uses(text) == ["loss", "per-sample loss", "ece"]


# -- the book's glossary ------------------------------------------------------------------------


def test_glossary_is_in_the_table_of_contents() -> None:
    assert GLOSSARY in toc_pages()


def test_glossary_terms_are_unique() -> None:
    terms = [_normalise(t) for entry in glossary_entries(GLOSSARY.read_text()) for t in entry]
    duplicates = sorted({t for t in terms if terms.count(t) > 1})
    assert not duplicates, f"terms defined twice in the glossary: {duplicates}"


def test_every_term_used_is_defined() -> None:
    defined = {_normalise(t) for entry in glossary_entries(GLOSSARY.read_text()) for t in entry}
    uses = uses_outside_glossary()
    for term in term_uses(GLOSSARY.read_text()):  # the glossary's own cross-links must resolve too
        uses.setdefault(term, []).append(GLOSSARY.relative_to(ROOT).as_posix())
    undefined = {term: pages for term, pages in uses.items() if term not in defined}
    assert not undefined, f"{{term}} roles with no glossary entry (term: pages): {undefined}"


def test_every_glossary_term_is_used_in_the_book() -> None:
    used = set(uses_outside_glossary())
    unused = [entry for entry in glossary_entries(GLOSSARY.read_text()) if not used & {_normalise(t) for t in entry}]
    assert not unused, (
        "glossary entries that no page links to with {term}`...` (link one from the chapter that "
        f"introduces it, or drop it): {unused}"
    )


# -- the API reference --------------------------------------------------------------------------


def documented_names(text: str, module: str) -> tuple[bool, set[str]]:
    """What api.md documents of ``lossutils.<module>``: (all of ``__all__`` but the excluded
    members, through ``automodule`` with ``:members:``; the names it documents one by one or
    excludes, each with a ``-`` in front if excluded)."""
    options = re.search(rf"^\.\. automodule:: lossutils\.{module}\n((?:[ \t]+:.*\n)*)", text, flags=re.MULTILINE)
    all_members = bool(options and ":members:" in options.group(1))
    excluded = re.search(r":exclude-members:(.*)", options.group(1)) if options else None
    names = {f"-{n.strip()}" for n in excluded.group(1).split(",")} if excluded else set()
    pattern = rf"^\.\. auto(?:function|class|data):: lossutils\.{module}\.(\w+)"
    return all_members, names | set(re.findall(pattern, text, flags=re.MULTILINE))


def api_text() -> str:
    return "\n".join(page.read_text() for page in API_PAGES)


def test_api_pages_are_sections_of_the_api_page_in_the_toc() -> None:
    pages = toc_pages()
    assert len(API_PAGES) > 1
    assert all(page in pages for page in API_PAGES)
    start = pages.index(API)  # the index page first, then its sections, in any order
    assert sorted(pages.index(page) for page in API_PAGES) == list(range(start, start + len(API_PAGES)))


@pytest.mark.parametrize("module", API_MODULES)
def test_api_reference_documents_every_public_name(module: str) -> None:
    all_members, names = documented_names(api_text(), module)
    mod = importlib.import_module(f"lossutils.{module}")
    assert hasattr(mod, "__all__"), f"lossutils.{module} has no __all__, so its public names are not defined"
    public = set(mod.__all__)
    explicit = {n for n in names if not n.startswith("-")}
    documented = (public - {n[1:] for n in names if n.startswith("-")} if all_members else set()) | explicit
    assert documented, f"api.md documents nothing of lossutils.{module}"
    assert public <= documented, f"api.md misses lossutils.{module}: {sorted(public - documented)}"


def index_entries(text: str) -> dict[str, tuple[str, list[str]]]:
    """The index of api.md: for each module, the page it links to and the names it lists."""
    entries = {}
    for page, roles in re.findall(r"^- \{doc\}`(\w+)`[^:]*:(.*)$", text, flags=re.MULTILINE):
        found = re.findall(r"\{py:obj\}`~lossutils\.(\w+)\.(\w+)`", roles)
        assert len({module for module, _ in found}) == 1, f"one module per index line: {roles[:80]}"
        entries[found[0][0]] = (page, [name for _, name in found])
    return entries


@pytest.mark.parametrize("module", API_MODULES)
def test_api_index_lists_every_public_name_with_its_page(module: str) -> None:
    entries = index_entries(API.read_text())
    assert module in entries, f"the index of api.md has no line for lossutils.{module}"
    page, names = entries[module]
    assert names == list(importlib.import_module(f"lossutils.{module}").__all__)
    documented_on = [p.stem for p in API_PAGES if documented_names(p.read_text(), module) != (False, set())]
    assert documented_on == [page], f"lossutils.{module} is documented on {documented_on}, the index says {page}"


def test_api_reference_parser() -> None:
    text = (
        ".. automodule:: lossutils.plot\n   :members:\n\n.. autofunction:: lossutils.data.cat_dog\n\n"
        ".. automodule:: lossutils.cards\n   :members:\n   :exclude-members: CARDS, card\n\n"
        ".. autodata:: lossutils.cards.CARDS\n"
    )
    assert documented_names(text, "plot") == (True, set())
    assert documented_names(text, "data") == (False, {"cat_dog"})
    assert documented_names(text, "cards") == (True, {"-CARDS", "-card", "CARDS"})
    assert documented_names(text, "train") == (False, set())


# -- the API reference as the built book shows it ------------------------------------------------

_OBJECT = re.compile(r'<dl class="py (?:function|method|class|data|attribute|property)">')
_SECTION = re.compile(
    r'<dt class="field-\w+">(Parameters)|<p class="rubric">(Notes|Examples|References)|class="admonition (seealso)'
)


def section_order(html: str) -> list[list[str]]:
    """For each documented object of an API page (function, class, method, ...), the sections of its
    docstring in page order: the page cut at the start of each object."""
    bodies = _OBJECT.split(html)[1:]
    return [[next(g for g in m.groups() if g) for m in _SECTION.finditer(body)] for body in bodies]


def test_section_order_parser() -> None:
    html = (
        '<dl class="py function"><dt>f</dt><dd><dl class="field-list"><dt class="field-odd">Parameters</dt></dl>'
        '<p class="rubric">Notes</p><div class="admonition seealso"></div><p class="rubric">Examples</p></dd>\n</dl>'
        '<dl class="py function"><dt>f_grad</dt><dd><p class="rubric">Examples</p>'
        '<dl class="field-list"><dt class="field-odd">Parameters</dt></dl></dd></dl>'
    )
    assert section_order(html) == [["Parameters", "Notes", "seealso", "Examples"], ["Examples", "Parameters"]]


def test_api_pages_name_array_like_and_keep_each_docstring_in_order(built_book: Path) -> None:
    functions = 0
    for page in API_PAGES:
        html = (built_book / "book" / "appendix" / f"{page.stem}.html").read_text()
        assert "_SupportsArray" not in html, f"{page.stem}: numpy.typing.ArrayLike expanded into its union"
        for sections in section_order(html):
            functions += 1
            if "Parameters" in sections:  # napoleon keeps the docstring's order: Parameters before the rest
                assert sections.index("Parameters") == 0, f"{page.stem}: sections in the order {sections}"
    assert functions > 100
    assert "ArrayLike" in (built_book / "book" / "appendix" / "api_losses.html").read_text()
