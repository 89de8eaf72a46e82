"""Argument checks shared across xplab: clear ``ValueError`` messages that name the
argument and say what was expected. Nothing in xplab returns a silent NaN."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, Literal, cast

import numpy as np

ALTERNATIVES = ("two-sided", "larger", "smaller")
#: The ``alternative`` of every test: H1 is treatment − control ≠ 0, > 0 or < 0.
Alternative = Literal["two-sided", "larger", "smaller"]


def a_type(value: Any) -> str:
    """The type of ``value`` with its article, for messages: "an int", "a str", "an ndarray"."""
    return with_article(type(value).__name__)


def with_article(word: str) -> str:
    """``word`` after "a" or "an" as it is read.

    >>> [with_article(w) for w in ("int", "ndarray", "str", "object", "DataFrame")]
    ['an int', 'an ndarray', 'a str', 'an object', 'a DataFrame']
    """
    vowel = word[:1].lower() in ("a", "e", "i", "o") or word.startswith("nd")
    return f"{'an' if vowel else 'a'} {word}"


def check_alpha(alpha: Any, *, name: str = "alpha") -> float:
    """``alpha`` must be a real number strictly between 0 and 1."""
    value = check_real(alpha, name=name)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {alpha}")
    return value


def check_alternative(alternative: Any) -> Alternative:
    """``alternative`` must be one of 'two-sided', 'larger', 'smaller'.

    'larger' means H1: treatment − control > 0; 'smaller' means < 0.
    """
    if not isinstance(alternative, str) or alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    return cast(Alternative, alternative)


def check_real(value: Any, *, name: str) -> float:
    """A finite real number (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_probability(value: Any, *, name: str, closed: bool = False) -> float:
    """A number in (0, 1), or [0, 1] when ``closed``."""
    value = check_real(value, name=name)
    ok = 0.0 <= value <= 1.0 if closed else 0.0 < value < 1.0
    if not ok:
        interval = "[0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def check_positive(value: Any, *, name: str) -> float:
    """A finite number > 0."""
    value = check_real(value, name=name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_count(value: Any, *, name: str, minimum: int = 0) -> int:
    """A whole number >= ``minimum`` (numpy integers and integral floats accepted)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        out = int(float(value))
    else:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    return out


def check_successes(successes: Any, n: Any, *, arm: str) -> tuple[int, int]:
    """Validate a (successes, trials) pair of one arm, e.g. ``arm='c'``."""
    s = check_count(successes, name=f"successes_{arm}")
    total = check_count(n, name=f"n_{arm}", minimum=1)
    if s > total:
        raise ValueError(f"successes_{arm} ({s}) exceeds n_{arm} ({total})")
    return s, total


def as_real_array(x: Any, *, name: str, allow_bool: bool = False) -> np.ndarray:
    """A float array (any shape) of finite real numbers.

    Strings (even numeric ones such as ``"3"``), ``None`` and other non-numbers
    are rejected rather than converted, so a column read as text never turns
    silently into numbers. Booleans are rejected too, unless ``allow_bool``:
    for per-unit outcome data a boolean array (a 0/1 outcome such as
    "converted") is data and becomes 0.0/1.0, but booleans are never counts,
    sizes, p-values or standard errors.
    """
    if x is None:
        raise ValueError(f"{name} must be numbers, got None")
    if isinstance(x, str | bytes):
        raise ValueError(f"{name} must be numbers, got the string {x!r:.40}")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:  # e.g. ragged nested lists
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    kind = raw.dtype.kind
    if kind == "b" and not allow_bool:
        raise ValueError(f"{name} must be numbers, got booleans")
    if kind == "O":
        for value in raw.ravel():
            if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name} must hold only real numbers, found {value!r:.40}")
    elif kind not in "biuf":
        raise ValueError(f"{name} must be an array of numbers, got dtype {raw.dtype}")
    try:
        arr = raw.astype(float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def as_1d_array(x: Any, *, name: str, min_size: int = 1, allow_bool: bool = False) -> np.ndarray:
    """A 1-D float array of finite values with at least ``min_size`` entries
    (see :func:`as_real_array` for what is rejected)."""
    arr = as_real_array(x, name=name, allow_bool=allow_bool)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} values, got {arr.size}")
    return arr


def check_bool(value: Any, *, name: str) -> bool:
    """``True`` or ``False`` (NumPy booleans too); truthy stand-ins such as 1 or
    ``"no"`` are rejected, since ``"no"`` is truthy."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_columns(frame: Any, required: Iterable[str], *, name: str) -> None:
    """A DataFrame that has every column in ``required``."""
    columns = getattr(frame, "columns", None)
    if columns is None:
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}; it has {list(columns)}")


def check_choice(value: Any, choices: Iterable[Any], *, name: str) -> Any:
    """One of a fixed set of options."""
    choices = tuple(choices)
    try:
        known = any(isinstance(value, type(c)) and bool(value == c) for c in choices)
    except (TypeError, ValueError):  # e.g. an array, whose == is elementwise
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_date(value: Any, *, name: str) -> Any:
    """A moment in time: a date string (``"2011-09-01"``), a ``datetime`` or a
    pandas ``Timestamp``, returned as a ``Timestamp``. Numbers are refused (an
    integer would silently be read as nanoseconds since 1970)."""
    import pandas as pd

    if value is None or isinstance(value, bool | numbers.Number):
        raise ValueError(f"{name} must be a date (e.g. '2011-09-01'), got {value!r}")
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date (e.g. '2011-09-01'), got {value!r}") from None
    if moment is pd.NaT:
        raise ValueError(f"{name} must be a date, got {value!r}")
    return moment
