"""What a reader takes away from the book besides its pages.

- ``{{ repository_url }}`` in a page's source becomes the repository URL of _config.yml
  (``repository.url``), in code blocks too, so the landing page's ``git clone`` line is never a
  second copy of the URL to keep in step.
- When the HTML build succeeds, tests/reader_notebooks.py writes the reader notebooks (MyST
  roles and fences turned into plain Markdown, glued numbers in the text) and their zip into
  ``_downloads/``, and puts them in ``_sources/``, where each page's download button (.ipynb)
  takes its file. The whole-book PDF needs a browser and is made by tests/make_pdf.py
  (``make book`` runs it after the build).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "{{ repository_url }}"


def _substitute(app: Any, docname: str, source: list[str]) -> None:
    if TOKEN in source[0]:
        url = app.config.html_theme_options.get("repository_url", "")
        source[0] = source[0].replace(TOKEN, url)


def _reader_notebooks(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from reader_notebooks import write_reader_notebooks

    write_reader_notebooks(Path(app.outdir), ROOT)


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _substitute)
    app.connect("build-finished", _reader_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
