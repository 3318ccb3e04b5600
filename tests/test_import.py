"""``import lossutils`` stays light: matplotlib and torch load only with the submodules that need them."""

from __future__ import annotations

import subprocess
import sys

import lossutils as lu


def _fresh_python(code: str) -> list[str]:
    """Run ``code`` in a new interpreter (nothing imported yet) and return its printed words."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def test_import_lossutils_loads_neither_matplotlib_nor_torch() -> None:
    code = (
        "import sys, lossutils\n"
        "print(lossutils.__file__)\n"
        "print(*(name in sys.modules for name in ('matplotlib', 'torch', 'lossutils.plot', 'lossutils.nn')))"
    )
    file, *loaded = _fresh_python(code)
    assert file == lu.__file__  # the package under test, not another installed copy
    assert loaded == ["False", "False", "False", "False"]


def test_lazy_submodules_work_without_an_explicit_import() -> None:
    code = (
        "import sys, lossutils as lu\n"
        "lu.plot.use_style()\n"
        "print(len(lu.cards.CARDS) > 0, callable(lu.train.fit), callable(lu.data.cat_dog))\n"
        "print('matplotlib' in sys.modules, 'torch' in sys.modules)\n"
        "print(lu.nn.CrossEntropyLoss.__name__, 'torch' in sys.modules)\n"
        "print('plot' in dir(lu), hasattr(lu, 'no_such_thing'))"
    )
    assert _fresh_python(code) == [
        *("True", "True", "True"),  # cards, train and data, each loaded on first use
        *("True", "False"),  # plot brought matplotlib, but not torch ...
        *("CrossEntropyLoss", "True"),  # ... which comes with nn
        *("True", "False"),  # dir() lists the lazy submodules; other names are still missing
    ]
