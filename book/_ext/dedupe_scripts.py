"""Drop duplicate <script> entries from each page.

Sphinx 7 can register the same inline script twice (for example the Thebe/launch-button
configuration), which makes the browser report ``Identifier ... has already been declared``.
This keeps the first copy of every script and removes the repeats.
"""

from __future__ import annotations

from typing import Any


def _dedupe(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for script in scripts:
        # The same inline script may be registered twice, once with filename None and once
        # with "": compare what the browser sees (file name and attributes, inline body
        # included), not how it was registered.
        attributes = getattr(script, "attributes", {})
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
