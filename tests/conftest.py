"""Shared test set-up: make tests/ importable (notebook_tools), use a headless backend, and
mark the slow layers so that `make check` can leave them out.

Markers (given here from what a test uses, so a new test cannot forget its marker):

* ``notebooks``: the cells of the book's notebooks, re-executed and compared by strict nbval;
* ``book``: tests that need the built HTML book (the ``built_book`` fixture builds it);
* ``browser``: tests that drive headless Chromium (the ``chromium_browser`` fixture).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Headless figures in this process only: the environment is not touched, so the notebook
# kernels that nbval starts keep their inline backend and their PNG outputs.
matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
        fixtures = getattr(item, "fixturenames", ())
        if "built_book" in fixtures:
            item.add_marker(pytest.mark.book)
        if "chromium_browser" in fixtures:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the HTML book and its PDF once per test session, from a clean state, warnings as errors.

    Returns the folder of the built site. The build log is attached to the failure.
    """
    for sub in ("html", ".doctrees", "jupyter_execute"):
        shutil.rmtree(BUILD / sub, ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", str(ROOT), "--all", "--warningiserror", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    (BUILD).mkdir(exist_ok=True)
    (BUILD / "build.log").write_text(log)
    if proc.returncode != 0:
        pytest.fail(f"the book build failed (exit {proc.returncode}); last lines:\n{log[-6000:]}", pytrace=False)
    # As `make book` does: the whole-book PDF that the landing page links (tests/make_pdf.py).
    proc = subprocess.run([sys.executable, "tests/make_pdf.py"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        log = proc.stdout + proc.stderr
        pytest.fail(f"the PDF of the book failed (exit {proc.returncode}); last lines:\n{log[-6000:]}", pytrace=False)
    return BUILD / "html"


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for the session.

    Skips, saying why, where the browser or the local MathJax copy is missing; `make test`
    installs both (its `browser-deps` step) and sets LOSSUTILS_REQUIRE_BROWSER=1, which turns
    that skip into a failure, so under `make test` the browser tests always run.
    """
    from browser.site_checker import browser_deps_missing, chromium

    missing = browser_deps_missing()
    if missing:
        if os.environ.get("LOSSUTILS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser tests cannot run: {missing}", pytrace=False)
        pytest.skip(f"BROWSER TESTS NOT RUN: {missing}")
    with chromium() as browser:
        yield browser
