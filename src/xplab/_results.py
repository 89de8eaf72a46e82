"""A base for result objects: frozen dataclasses with a readable, rounded repr and
an HTML table for notebooks.

Rounding the repr to four significant digits keeps stored notebook outputs
identical across machines, where the last bits of a float may differ.
"""

from __future__ import annotations

import dataclasses
import html
import numbers
from typing import Any, ClassVar

import numpy as np

SIGNIFICANT = 4


def fmt(value: Any, digits: int = SIGNIFICANT, *, nested: bool = False) -> str:
    """Format numbers (and tuples/dicts of them) for display.

    A whole number on its own gets thousands separators (``29,635``); inside a
    tuple or dict it does not, so ``(821588, 815482)`` cannot be read as four
    numbers.
    """
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value)) if nested else f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if v == 0:
            return "0"
        return f"{v:.{digits}g}"
    if isinstance(value, tuple):
        items = [fmt(v, digits, nested=True) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict):
        inner = (f"{k!r}: {fmt(v, digits, nested=True)}" for k, v in value.items())
        return "{" + ", ".join(inner) + "}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=digits, separator=", ", threshold=10)
    return repr(value)


class ResultMixin:
    """Mix into a ``@dataclass(frozen=True)`` to get ``__repr__``, ``summary()``
    and ``_repr_html_``. Fields whose name starts with ``_`` or that are marked
    ``field(repr=False)`` are hidden."""

    _title: ClassVar[str] = ""

    def _display_fields(self) -> list[tuple[str, Any]]:
        return [
            (f.name, getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.repr and not f.name.startswith("_")
        ]

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={fmt(v)}" for k, v in self._display_fields())
        return f"{type(self).__name__}({body})"

    def summary(self) -> str:
        """A multi-line plain-text summary."""
        rows = self._display_fields()
        width = max((len(k) for k, _ in rows), default=0)
        title = self._title or type(self).__name__
        lines = [title, "-" * len(title)]
        lines += [f"{k:<{width}}  {fmt(v)}" for k, v in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title = html.escape(self._title or type(self).__name__)
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(fmt(v))}</td></tr>"
            for k, v in self._display_fields()
        )
        return f"<table><caption style='text-align:left'><b>{title}</b></caption>{rows}</table>"
