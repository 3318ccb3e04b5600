"""Bibliography entries labelled as the text cites them.

The chapters cite author–year ("Grave et al., 2017", ``bibtex_reference_style: author_year``),
but pybtex's ``plain`` style labels the bibliography's entries [1], [2], …, so a reader who
follows a citation lands on a number that the text never showed. This registers a pybtex style,
``authoryear``: the ``plain`` formatting and sorting, with each entry labelled like its
citations ("Grave et al., 2017"; "a", "b" after the year when two labels would be equal).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person: Any) -> str:
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry: Any) -> str:
    """'A, 2019', 'A and B, 2019' or 'A et al., 2019', as sphinxcontrib-bibtex cites it."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(p) for p in persons if _last_name(p) != "others"]
    etal = len(persons) > 2 or any(_last_name(p) == "others" for p in persons)
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title", "Anonymous")
    elif etal and len(names) != 2:
        who = f"{names[0]} et al."
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}" + (" et al." if etal else "")
    else:
        who = names[0] + (" and others" if etal else "")
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries: Any) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        seen: Counter[str] = Counter()
        total = Counter(labels)
        for label in labels:
            if total[label] > 1:
                suffix = "abcdefghijklmnopqrstuvwxyz"[seen[label]]
                seen[label] += 1
                yield label + suffix
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels


def setup(app: Any) -> dict[str, Any]:
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
