"""lossutils.notebook: rounded glue, agreement as a bound, pinned thread counts."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from lossutils.notebook import DIGITS, bound, rounded


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (56.392904235868535, 56.3929),
        (np.float64(0.09604347526573462), 0.0960435),
        (np.float32(0.1), 0.1),
        (np.array(2.0 / 3.0), 0.666667),
        (4.2942988848470285e-09, 4.29430e-09),
        (-1234567.89, -1234570.0),
    ],
)
def test_rounded_keeps_digits_significant_digits(value: object, expected: float) -> None:
    out = rounded(value)
    assert type(out) is float
    assert out == expected


def test_rounded_takes_fewer_digits_for_ill_conditioned_values() -> None:
    assert rounded(4.2942988848470285e-09, digits=2) == 4.3e-09


@pytest.mark.parametrize("value", [17, np.int64(17), True, "0.95 %", "none"])
def test_rounded_leaves_ints_bools_and_strings_alone(value: object) -> None:
    assert rounded(value) is value


def test_rounded_keeps_nan_and_inf() -> None:
    assert np.isnan(rounded(float("nan")))
    assert rounded(-np.inf) == -np.inf


def test_rounded_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="must be a number or a string, got list"):
        rounded([1.0, 2.0])


def test_rounded_changes_only_digits_beyond_the_kept_ones() -> None:
    rng = np.random.default_rng(0)
    for x in rng.lognormal(0, 5, size=200):
        assert abs(rounded(x) - x) <= 0.5 * 10 ** (np.floor(np.log10(x)) - DIGITS + 1) * (1 + 1e-12)


@pytest.mark.parametrize(
    ("difference", "limit", "expected"),
    [(8.7e-18, 1e-12, "< 1e-12"), (0.0, 1e-12, "< 1e-12"), (3e-11, 1e-12, "3.0e-11"), (2e-10, 1e-9, "< 1e-09")],
)
def test_bound(difference: float, limit: float, expected: str) -> None:
    assert bound(difference, limit) == expected


def test_bound_shows_nan_as_a_failure() -> None:
    assert bound(float("nan")) == "nan"


def _threads_after_setup(env: dict[str, str]) -> str:
    code = (
        "import torch, threadpoolctl\n"
        "import lossutils.notebook as nb\n"
        "n = nb.setup(style=False)\n"
        "blas = [i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']\n"
        "print(n, torch.get_num_threads(), blas)\n"
    )
    full = {k: v for k, v in os.environ.items() if not k.endswith("_THREADS")} | env
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True).stdout


def test_setup_pins_blas_and_torch_to_one_thread_by_default() -> None:
    assert _threads_after_setup({}).split() == ["1", "1", "[1]"]


def test_setup_reads_the_thread_count_from_the_environment() -> None:
    assert _threads_after_setup({"LOSSUTILS_THREADS": "2"}).split() == ["2", "2", "[2]"]


def test_setup_rejects_a_count_below_one() -> None:
    from lossutils.notebook import setup

    with pytest.raises(ValueError, match="threads must be a positive integer, got 0"):
        setup(threads=0, style=False)
