"""What the book's notebooks share besides the losses: the same stored numbers on every machine.

Every notebook of the book is executed once and committed with its outputs; the tests re-run
it on the reader's machine and compare every text output, digit for digit (strict nbval).
Floating-point results differ in their last digits between CPUs (SIMD width, BLAS kernel) and
between thread counts, so a stored number must carry only the digits that mean something:

* :func:`setup` pins the thread counts of NumPy's BLAS, of OpenMP and of PyTorch (to 1, or to
  the ``LOSSUTILS_THREADS`` environment variable) and sets the figure style, so that a 1-core
  laptop and a 16-core server run the same arithmetic;
* :func:`glue` stores a number for the text rounded to a few significant digits (6 unless the
  value is ill-conditioned and needs fewer), never the 17 digits of a float64;
* :func:`bound` writes the agreement of two implementations as a bound ("< 1e-12"), not as an
  epsilon-sized difference that changes from machine to machine.

Nothing here is needed to use the losses; :mod:`myst_nb`, ``threadpoolctl`` and ``torch`` are
imported only when a function needs them.
"""

from __future__ import annotations

import os
import sys
from numbers import Integral, Real

import numpy as np

__all__ = ["DIGITS", "THREADS_VARIABLE", "bound", "glue", "rounded", "setup"]

#: Significant digits kept by :func:`glue`: more than any sentence of the book shows, far fewer
#: than the 15-17 where CPUs disagree.
DIGITS = 6

#: The environment variable that overrides the pinned thread count (the tests set it to run the
#: notebooks under another numeric configuration).
THREADS_VARIABLE = "LOSSUTILS_THREADS"

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def setup(*, threads: int | None = None, style: bool = True) -> int:
    """Pin the thread counts (and set the book's figure style); returns the thread count.

    ``threads`` defaults to the ``LOSSUTILS_THREADS`` environment variable, else 1. Libraries
    already loaded are limited at once (``threadpoolctl``, ``torch.set_num_threads``); the
    environment variables are set too, for libraries loaded later in the same kernel.
    """
    if threads is None:
        threads = int(os.environ.get(THREADS_VARIABLE, "1"))
    if threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads}")
    for variable in _THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    if style:
        from . import plot

        plot.use_style()
    return threads


def rounded(value: object, digits: int = DIGITS) -> object:
    """``value`` with a float rounded to ``digits`` significant digits; ints, bools and strings unchanged.

    >>> rounded(56.392904235868535)
    56.3929
    >>> rounded(4.2942988848470285e-09, digits=2)
    4.3e-09
    >>> rounded(17), rounded("17 %")
    (17, '17 %')
    """
    if isinstance(value, str | bool | np.bool_ | Integral):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, Real):
        return float(f"{float(value):.{digits}g}")
    raise TypeError(f"value must be a number or a string, got {type(value).__name__}")


def glue(name: str, value: object, *, digits: int = DIGITS) -> None:
    """Store ``value`` under ``name`` for the page's text (myst-nb's glue), rounded by :func:`rounded`.

    In the Markdown of the same notebook, ``{glue:text}`name:.2f``` shows it formatted. The
    value is not displayed in the cell's output.
    """
    from myst_nb import glue as myst_glue

    myst_glue(name, rounded(value, digits), display=False)


def bound(difference: float, limit: float = 1e-12) -> str:
    """``"< limit"`` when ``difference`` is below ``limit``, else the difference itself.

    For printing how closely two implementations agree: a pass reads the same on every
    machine, while a real disagreement shows its size (and fails the stored-output check).

    >>> bound(8.7e-18)
    '< 1e-12'
    >>> bound(0.03)
    '3.0e-02'
    """
    difference = float(difference)
    return f"< {limit:.0e}" if difference < limit else f"{difference:.1e}"
