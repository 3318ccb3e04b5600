"""The HTML post-processing of book/_ext/reader_html.py, on small fragments (no build needed)."""

from __future__ import annotations

import sys

from notebook_tools import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))

from reader_html import break_inline_code, keep_values_whole


def test_a_value_and_its_spread_stay_on_one_line_in_a_table_cell() -> None:
    body = '<td class="text-right"><p>0.684 ± 0.056</p></td><td>a ±  <b>b</b></td>'
    nbsp = "\u00a0"
    assert keep_values_whole(body) == (
        f'<td class="text-right"><p>0.684{nbsp}±{nbsp}0.056</p></td><td>a{nbsp}±{nbsp}<b>b</b></td>'
    )


def test_outside_a_table_cell_the_text_is_left_alone() -> None:
    assert keep_values_whole("<p>1 ± 2</p><th>mean ± sd</th>") == "<p>1 ± 2</p><th>mean ± sd</th>"


def test_inline_code_breaks_between_the_parts_of_a_name_only() -> None:
    body = '<code class="docutils literal notranslate"><span class="pre">binary_cross_entropy</span></code>'
    out = break_inline_code(body)
    assert "binary_<wbr>cross_<wbr>entropy" in out
    assert break_inline_code('<code class="docutils literal">__init__ 0.5</code>') == (
        '<code class="docutils literal">__init__ 0.5</code>'
    )
