"""A small Sphinx extension for the course site (loaded through ``_config.yml``).

The package's docstrings are written to read well in ``help()`` and in
JupyterLab, where ``|δ|`` is an absolute value. reStructuredText reads
``|name|`` as a substitution reference and renders an error instead. Before
autodoc renders a docstring (after napoleon has turned its numpydoc sections
into reStructuredText), this escapes every ``|`` of running text; math
blocks, literal blocks, doctests, inline literals and roles are left alone.
"""

from __future__ import annotations

import re
from typing import Any

_INLINE = re.compile(r"(``.+?``|:[\w:+-]+:`[^`]*`|`[^`]*`_{0,2})")


def _escape(text: str) -> str:
    parts = _INLINE.split(text)
    return "".join(
        part if i % 2 else re.sub(r"(?<!\\)\|", r"\\|", part) for i, part in enumerate(parts)
    )


def escape_bars(lines: list[str]) -> None:
    """Escape ``|`` in running text of reStructuredText ``lines``, in place."""
    block_indent: int | None = None  # inside a literal or math block opened by "::"
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped:
            in_doctest = False
            continue
        if block_indent is not None:
            if indent > block_indent:
                continue
            block_indent = None
        if stripped.startswith(">>>") or in_doctest:
            in_doctest = True
            continue
        if stripped.startswith(".. math::"):
            block_indent = indent
            continue
        if stripped.endswith("::"):
            block_indent = indent
        lines[i] = _escape(line)


def _process(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    escape_bars(lines)


def setup(app: Any) -> dict[str, Any]:
    # after sphinx.ext.napoleon (priority 500) has written its reStructuredText
    app.connect("autodoc-process-docstring", _process, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
