# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make book   build the HTML book into _build/html (open _build/html/index.html), its PDF
#               and the zip of reader notebooks
#   make test   run every test: lint, types, unit and property tests, strict nbval of every
#               notebook under another numeric configuration, the build, the browser tests
# Both create the virtual environment .venv from requirements.txt when it is missing.
# While you work, `make check` runs the fast tier alone (lint, types, unit and property tests).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A local copy of MathJax 3 (npm, pinned by tests/browser/package-lock.json): the book serves it
# so its formulas render offline, and the browser tests use it.
MATHJAX := tests/browser/node_modules/.installed

# One thread for NumPy's BLAS, OpenMP and PyTorch in every command below and in the notebook
# kernels they start (lossutils.notebook.setup() pins the same in a notebook run by hand), so
# a 1-core laptop and a 16-core server compute the same floats.
export LOSSUTILS_THREADS    := 1
export OMP_NUM_THREADS      := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS      := 1

.PHONY: book pdf test check notebooks lint clean browser-deps

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The HTML book, then the whole-book PDF printed from it by Chromium (tests/make_pdf.py); the
# build itself writes the reader notebooks and their zip (book/_ext/reader_downloads.py).
# Both land in _build/html/_downloads/, where the landing page links them.
book: $(STAMP) browser-deps
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going
	$(BIN)/python tests/make_pdf.py
	@echo "The book is built: open _build/html/index.html in a browser."

# Only the PDF, from the HTML book already in _build/html.
pdf: $(STAMP) browser-deps
	$(BIN)/python tests/make_pdf.py

# The fast tier: lint, types, unit and property tests (no notebook, no build, no browser).
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -m "not notebooks and not book and not browser"

# Everything: the fast tier, the built book and the browser, and strict nbval of every
# notebook re-run under another numeric configuration than the one it was executed in
# (tests/portability.py), so that a number that would differ on a reader's CPU fails here.
test: check browser-deps
	LOSSUTILS_REQUIRE_BROWSER=1 $(BIN)/pytest -m "book or browser"
	$(BIN)/python tests/portability.py $(BIN)/pytest -m notebooks

# Re-execute every notebook in place, top to bottom, in a fresh kernel, and record its
# freshness fingerprint; regenerate the explore page's data from lossutils. Run after any
# change to a notebook or to lossutils/.
notebooks: $(STAMP)
	$(BIN)/python tests/notebook_tools.py
	$(BIN)/python tests/make_explorer_data.py

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf _build

# What the browser tests need besides Python packages: Debian's Chromium (never a browser
# download: no `playwright install`) and the local copy of MathJax 3 that the book serves.
# Quick when present.
browser-deps: $(MATHJAX)
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

$(MATHJAX): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@
