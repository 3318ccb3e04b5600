"""Shared test set-up: make tests/ importable (notebook_tools) and use a headless backend."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the HTML book once per test session, from a clean state, warnings as errors.

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
    return BUILD / "html"


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for the session.

    Skips, saying why, where the browser or the local MathJax copy is missing: `make test`
    installs both (its `browser-deps` step), so under `make test` the browser tests always run.
    """
    from browser.site_checker import browser_deps_missing, chromium

    missing = browser_deps_missing()
    if missing:
        pytest.skip(f"BROWSER TESTS NOT RUN: {missing}")
    with chromium() as browser:
        yield browser
