"""One progress display for the whole course: a line of text that looks the same
live in JupyterLab, in a notebook's stored outputs, in static HTML and in a
terminal.

In a notebook the bar is one plain-text output that is updated in place (an
IPython display id): JupyterLab redraws it live, and a saved notebook keeps
only its final state, for example::

    cold-start tiers: 100%|██████████| 4/4 [10.3 s]

No widget (whose state a saved notebook loses, leaving a bar frozen at 0 %),
no stderr stream (which notebook viewers paint pink, one frame per refresh).
In a terminal the bar rewrites one line of stderr; anywhere else (a log file,
a test run) it stays silent.

The package's long loops (``recs.validation_scores(..., progress=True)``)
and the notebooks both use :func:`progress`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sized
from typing import Any, TypeVar

from ._validate import check_bool, check_count

__all__ = ["progress"]

T = TypeVar("T")

_BLOCKS = " ▏▎▍▌▋▊▉█"
_WIDTH = 10
#: Seconds between two redraws (the last state is always drawn).
_INTERVAL = 0.25


def _bar(fraction: float) -> str:
    eighths = round(max(0.0, min(1.0, fraction)) * _WIDTH * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_BLOCKS[part] if part else "")
    return text.ljust(_WIDTH)


def _elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d} min"


def line(done: int, total: int | None, desc: str, seconds: float) -> str:
    """The bar as text: ``desc: 40%|████      | 2/5 [3.1 s]``.

    Examples
    --------
    >>> line(2, 5, "fits", 3.14)
    'fits: 40%|████      | 2/5 [3.1 s]'
    >>> line(3, None, "", 75)
    '?%|          | 3/? [1:15 min]'
    """
    prefix = f"{desc}: " if desc else ""
    if total:
        share = done / total
        return f"{prefix}{share:.0%}|{_bar(share)}| {done}/{total} [{_elapsed(seconds)}]"
    if total == 0:
        return f"{prefix}100%|{_bar(1.0)}| 0/0 [{_elapsed(seconds)}]"
    return f"{prefix}?%|{_bar(0.0)}| {done}/? [{_elapsed(seconds)}]"


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _Display:
    """Where the bar is drawn: a notebook output, a terminal line, or nowhere."""

    def __init__(self, enabled: bool) -> None:
        self.mode = "off"
        if enabled and _in_notebook():
            self.mode = "notebook"
        elif enabled and getattr(sys.stderr, "isatty", lambda: False)():
            self.mode = "terminal"
        self._handle: Any = None

    def draw(self, text: str, *, last: bool = False) -> None:
        if self.mode == "notebook":
            from IPython.display import display

            data = {"text/plain": text}
            if self._handle is None:
                self._handle = display(data, raw=True, display_id=True)
            else:
                self._handle.update(data, raw=True)
        elif self.mode == "terminal":
            sys.stderr.write("\r" + text + ("\n" if last else ""))
            sys.stderr.flush()


def _iterate(items: Iterable[T], total: int | None, desc: str, enabled: bool) -> Iterator[T]:
    display = _Display(enabled)
    start = last_draw = time.perf_counter()
    done = 0
    display.draw(line(done, total, desc, 0.0))
    try:
        for item in items:
            yield item
            done += 1
            now = time.perf_counter()
            if now - last_draw >= _INTERVAL:
                display.draw(line(done, total, desc, now - start))
                last_draw = now
    finally:
        display.draw(line(done, total, desc, time.perf_counter() - start), last=True)


def progress(
    iterable: Iterable[T], *, desc: str = "", total: int | None = None, enabled: bool = True
) -> Iterator[T]:
    """Iterate over ``iterable`` and show how far the loop has come.

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    desc : str
        A short label shown before the bar.
    total : int, optional
        The number of items, when ``len(iterable)`` does not give it.
    enabled : bool
        False turns the display off (the loop runs the same).

    Returns
    -------
    iterator
        The items of ``iterable``, one by one.

    Examples
    --------
    >>> [x * x for x in progress(range(3), desc="squares")]
    [0, 1, 4]
    """
    if isinstance(iterable, str | bytes) or not isinstance(iterable, Iterable):
        raise TypeError(f"iterable must be something to loop over, got {type(iterable).__name__}")
    if not isinstance(desc, str):
        raise TypeError(f"desc must be a string, got {type(desc).__name__}")
    if total is not None:
        total = check_count(total, name="total")
    elif isinstance(iterable, Sized):
        total = len(iterable)
    enabled = check_bool(enabled, name="enabled")
    return _iterate(iterable, total, desc, enabled)
