"""How an answer is compared with an expected value, and what a near miss is told.

A number is right when it equals the expected value within the exercise's
tolerance, or when it *is* the expected value rounded, as a learner copies it
from a printout or from the prose:

* to any number of significant digits from :data:`MIN_DIGITS` (two) up —
  ``0.37`` for 0.36725, ``30.4e6`` for 30,378,875, ``-0.011`` for −0.010962;
* to one of the exercise's ``printed`` formats, the way the notebook prints
  the value (``".3f"`` accepts ``0.004`` for 0.00412, one significant digit);
* or within half a unit of its fourth significant digit (the package's
  reprs print four).

Such an answer is accepted with a note that shows the precise value. Whole
numbers (counts, sample sizes) must be met exactly.

A wrong number is told what it resembles, in this order: a sample size that
was not rounded up, 100 × the value (a percentage, or percentage points), the
value with its sign flipped, the value cut off instead of rounded, the value to
one significant digit, and a near miss (within 1 %), which names what usually
differs: the method (which mean, which variance, which denominator) or an
intermediate value rounded too early. An exercise can name its own known
mistakes and accepted alternatives (:class:`~xplab.workbook.Exercise`'s
``mistakes=`` and ``accept=``), which are checked before these generic
diagnoses.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import numpy as np
import pandas as pd

from .._results import fmt
from .._validate import a_type, check_bool, check_real, with_article

#: Digits the course prints numbers with (``xplab._results.fmt``).
PRINTED_DIGITS = 4
#: The fewest significant digits a rounded answer may keep and still be right.
MIN_DIGITS = 2
#: Relative distance under which a wrong number counts as a near miss.
NEAR_MISS = 0.01


@dataclass(frozen=True)
class Accepted:
    """A right answer; ``note`` says why when it is right only as rounded (Markdown)."""

    note: str = ""


EXACT = Accepted()


@dataclass(frozen=True)
class Tolerance:
    """How closely an answer must match (the options of :func:`compare`).

    ``printed`` holds format specs (``".3f"``) of the forms the notebook prints
    the value in; ``hints`` is False where a wrong value should only be told
    "too high/low" (one case of a function check, where a coincidence with
    100 × the value says nothing).
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    exact: bool = False
    round_up: bool = False
    unit: str = "unit"
    printed: tuple[str, ...] = ()
    hints: bool = True


def check_tolerance(
    rtol: Any, atol: Any, exact: Any, round_up: Any, unit: Any, printed: Any = ()
) -> Tolerance:
    """Validate the tolerance options: an author's typo here would silently accept
    wrong answers or reject right ones."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if check_real(value, name=name) < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    check_bool(exact, name="exact")
    check_bool(round_up, name="round_up")
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a non-empty string (e.g. 'user'), got {unit!r}")
    return Tolerance(
        float(rtol), float(atol), bool(exact), bool(round_up), unit, check_printed(printed)
    )


def check_printed(printed: Any) -> tuple[str, ...]:
    """``printed`` as a tuple of format specs that turn a number into a number."""
    specs = (printed,) if isinstance(printed, str) else printed
    if not isinstance(specs, Sequence):
        raise TypeError(
            f"printed must be a format spec such as '.3f' or a list of them, got {printed!r}"
        )
    for spec in specs:
        try:
            _parse(format(1234.5678, spec))
        except (TypeError, ValueError):
            raise ValueError(
                f"printed must hold format specs of numbers such as '.3f' or ',.0f' "
                f"(no '%'), got {spec!r}"
            ) from None
    return tuple(specs)


def _parse(text: str) -> float:
    return float(text.replace(",", "").replace("_", ""))


# -- numbers ----------------------------------------------------------------------


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _is_integral(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


def _same(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def round_sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant digits (half to even, as ``format`` does)."""
    return float(f"{x:.{digits - 1}e}")


def _truncate_sig(x: float, digits: int) -> float:
    if x == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(x))) - digits + 1
    quantum = Decimal(1).scaleb(exponent)
    return float(Decimal(repr(x)).quantize(quantum, rounding=ROUND_DOWN))


def significant_digits(x: float) -> int:
    """Significant digits of ``x`` as typed (``0.0370`` → 2, ``5000`` → 1)."""
    if x == 0 or not math.isfinite(x):
        return 1
    digits = Decimal(repr(float(x))).normalize().as_tuple().digits
    return max(len(digits), 1)


def rounded_digits(answer: float, expected: float, *, least: int = 1) -> int | None:
    """The fewest significant digits, ``least`` or more, to which ``expected`` rounds to
    ``answer``, if any (``5000`` is 5,004.1 rounded to one digit, and to two)."""
    if expected == 0 or not math.isfinite(expected):
        return None
    for digits in range(least, 16):
        if _same(answer, round_sig(expected, digits)):
            return digits
    return None


def _truncated_digits(answer: float, expected: float) -> int | None:
    if expected == 0:
        return None
    for digits in range(MIN_DIGITS, 8):
        if _same(answer, _truncate_sig(expected, digits)):
            return digits
    return None


def _within_printed(answer: float, expected: float, digits: int = PRINTED_DIGITS) -> bool:
    """Whether ``answer`` is within half a unit of ``expected``'s last printed digit."""
    if expected == 0:
        return answer == 0
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - (digits - 1))
    return abs(answer - expected) <= 0.5 * unit * (1 + 1e-9)


def resembles(answer: float, target: float) -> bool:
    """Whether ``answer`` is ``target``, or ``target`` rounded to two digits or more."""
    if not math.isfinite(target):
        return False
    if _same(answer, target) or math.isclose(answer, target, rel_tol=1e-9, abs_tol=0.0):
        return True
    digits = rounded_digits(answer, target, least=MIN_DIGITS)
    return digits is not None or _within_printed(answer, target)


def plain(x: float) -> str:
    """A learner's number as it was probably typed: ``0.37``, ``30,400,000``."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return repr(x)


def precise(value: Any) -> str:
    """The expected value with the digits a learner needs: ``0.367251``, ``30,378,875.30``."""
    if _is_integral(value):
        return f"{int(value):,}"
    if _is_real(value):
        v = float(value)
        if 1000 <= abs(v) < 1e15:
            return f"{v:,.2f}"
        return f"{v:.6g}"
    if isinstance(value, np.ndarray | list | tuple | pd.Series):
        items = list(np.asarray(value, dtype=object).ravel())
        shown = ", ".join(precise(v) for v in items[:6])
        return shown + (", …" if len(items) > 6 else "")
    return fmt(value)


def _show(value: float, other: float) -> str:
    """``value`` with enough digits to see how it differs from ``other``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1000 <= abs(value) < 1e15:  # a count or an amount: keep the cents
        return f"{value:,.2f}"
    digits = PRINTED_DIGITS
    while digits < 15 and f"{value:.{digits}g}" == f"{other:.{digits}g}":
        digits += 1
    return f"{value:#.{digits}g}".rstrip(".")


def _numeric_fields(obj: Any) -> dict[str, Any]:
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    elif isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a NamedTuple
        items = obj._asdict()  # type: ignore[attr-defined]
    else:
        items = {k: v for k, v in getattr(obj, "__dict__", {}).items()}
    return {k: v for k, v in items.items() if not k.startswith("_") and _is_real(v)}


def _not_a_number(answer: Any, expected: float) -> str:
    """Say what a non-number is and, if possible, what was probably meant."""
    kind = type(answer).__name__
    if isinstance(answer, bool | np.bool_):
        return f"expected a number, got {answer}"
    if isinstance(answer, str):
        return "expected a number, got text: remove the quotes"
    if callable(answer) and not isinstance(answer, np.ndarray | pd.Series):
        return (
            f"expected a number, got {with_article(kind)}: call it, or store the value it returns"
        )
    if isinstance(answer, np.ndarray | pd.Series | pd.DataFrame | list | tuple) and not hasattr(
        answer, "_fields"
    ):
        size = np.size(answer) if not isinstance(answer, list | tuple) else len(answer)
        if size == 1:
            return f"expected one number, got {with_article(kind)} holding one: take it out with `.item()`"
        return f"expected one number, got {with_article(kind)} of {size:,} values"
    fields = _numeric_fields(answer)
    for name, value in fields.items():
        if resembles(float(value), expected):
            return f"you passed the result object ({kind}): give its `.{name}`"
    if fields:
        shown = ", ".join(f"`.{k}`" for k in list(fields)[:6])
        return f"you passed {with_article(kind)} object: give the one number the question asks for (its fields include {shown})"
    return f"expected a number, got {with_article(kind)}"


def match_number(a: float, e: float, tol: Tolerance, *, integral: bool = False) -> Accepted | None:
    """:class:`Accepted` when the number ``a`` is right for ``e`` under ``tol``, else None."""
    if integral:
        return EXACT if a.is_integer() and int(a) == int(e) else None
    if math.isclose(a, e, rel_tol=tol.rtol, abs_tol=tol.atol):
        return EXACT
    if tol.exact:
        return None
    for spec in tol.printed:
        if _same(a, _parse(format(e, spec))):
            return Accepted(
                f"{plain(a)} is the answer as the notebook prints it; the precise value is "
                f"{precise(e)}."
            )
    digits = rounded_digits(a, e, least=MIN_DIGITS)
    if digits is not None:
        return Accepted(
            f"{plain(a)} is the answer rounded to {digits} significant digits; the precise "
            f"value is {precise(e)}."
        )
    if _within_printed(a, e):
        return Accepted(
            f"{plain(a)} agrees with the answer to {PRINTED_DIGITS} significant digits; the "
            f"precise value is {precise(e)}."
        )
    return None


def _diagnose_number(a: float, e: float, tol: Tolerance, *, integral: bool) -> str:
    """What a wrong number resembles (see the module docstring for the order)."""
    close = e != 0 and abs(a - e) <= NEAR_MISS * abs(e)
    if integral and tol.round_up and (math.ceil(a) == int(e) or close):
        if not a.is_integer():
            return f"round up to the next whole {tol.unit}: {_show(a, e)} is not a whole number"
        if a == e - 1:
            return f"round **up** to the next whole {tol.unit}, not to the nearest one"
    if integral and close and not a.is_integer():
        return f"the answer is a whole number; {_show(a, e)} is not"
    if tol.hints and e != 0:
        if not integral and resembles(a, 100 * e):
            fraction = f"{a / 100:.{significant_digits(a)}g}"
            return (
                f"{plain(a)} is 100 × the expected value: a percentage, or percentage points? "
                f"Give it as a plain fraction: {fraction}"
            )
        if resembles(a, -e):
            return "the sign is flipped: the course takes treatment − control"
    if not integral and not tol.exact and e != 0:
        digits = _truncated_digits(a, e)
        if digits is not None:
            return (
                f"{plain(a)} is the expected value cut off after {digits} significant digits: round "
                "the last digit instead (or give more digits)"
            )
    direction = "high" if a > e else "low"
    if close:
        if not integral and significant_digits(a) <= 3:
            return (
                f"close: {plain(a)} is a little too {direction}, and it is not the expected "
                "value rounded: check its last digit, or give more digits"
            )
        off = abs(a - e) / abs(e)
        return (
            f"close: your value {_show(a, e)} is a little too {direction} ({off:.2%} off). "
            "The method is nearly right: check which quantities the question uses (which "
            "rows, which mean, which variance or denominator), and round only the final result"
        )
    return f"your value {fmt(a)} is too {direction}"


def judge_number(answer: Any, expected: Any, tol: Tolerance) -> Accepted | str:
    """:class:`Accepted`, or what is wrong with the number ``answer``."""
    if not _is_real(answer):
        return _not_a_number(answer, float(expected))
    a, e = float(answer), float(expected)
    if not math.isfinite(a):
        return f"got {answer}; the answer is a finite number"
    integral = _is_integral(expected)
    found = match_number(a, e, tol, integral=integral)
    if found is not None:
        return found
    return _diagnose_number(a, e, tol, integral=integral)


# -- any value ----------------------------------------------------------------------


def judge(answer: Any, expected: Any, tol: Tolerance) -> Accepted | str:
    """:class:`Accepted` (with a note when right only as rounded), or what differs.

    Numbers: see the module docstring. Strings match ignoring case and
    surrounding spaces; sequences and arrays element by element; DataFrames
    and Series by values with ``pandas.testing`` (a boolean NumPy array or
    list of the same length is accepted for a boolean Series).
    """
    if isinstance(expected, bool | np.bool_):
        if not isinstance(answer, bool | np.bool_):
            return f"expected True or False, got {a_type(answer)}"
        return EXACT if bool(answer) == bool(expected) else f"{answer} is not right"
    if _is_real(expected):
        return judge_number(answer, expected, tol)
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return f"expected text, got {a_type(answer)}"
        if answer.strip().casefold() == expected.strip().casefold():
            return EXACT
        return f"{answer!r} is not the answer"
    if isinstance(expected, pd.Series) and expected.dtype == bool:
        return _judge_bool_series(answer, expected)
    if isinstance(expected, pd.DataFrame | pd.Series):
        return _judge_frame(answer, expected, tol)
    if isinstance(expected, set | frozenset):
        return _judge_set(answer, expected)
    if isinstance(expected, tuple | list | np.ndarray):
        return _judge_sequence(answer, expected, tol)
    return EXACT if answer == expected else "that is not the answer"


def _judge_frame(answer: Any, expected: pd.DataFrame | pd.Series, tol: Tolerance) -> Accepted | str:
    if isinstance(expected, pd.Series) and isinstance(answer, pd.DataFrame):
        return "expected a Series (one column), got a DataFrame"
    if not isinstance(answer, type(expected)):
        return f"expected {a_type(expected)}, got {a_type(answer)}"
    if answer.shape != expected.shape:
        return f"expected shape {expected.shape}, got {answer.shape}"
    try:
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(
                answer, expected, check_dtype=False, check_like=True, rtol=tol.rtol, atol=tol.atol
            )
        else:
            pd.testing.assert_series_equal(
                answer, expected, check_dtype=False, check_names=False, rtol=tol.rtol, atol=tol.atol
            )
    except AssertionError as exc:
        first = str(exc).strip().splitlines()[0]
        return f"the {type(expected).__name__} differs: {first}"
    return EXACT


def _judge_set(answer: Any, expected: set | frozenset) -> Accepted | str:
    try:
        got_set = set(answer)
    except TypeError:
        return f"expected a collection, got {a_type(answer)}"
    missing, extra = expected - got_set, got_set - expected
    if not missing and not extra:
        return EXACT
    parts = []
    if missing:
        parts.append(f"{len(missing)} expected item(s) missing")
    if extra:
        parts.append(f"{len(extra)} item(s) that should not be there: {sorted(extra, key=str)[:5]}")
    return "; ".join(parts)


def _numeric(values: Any) -> bool:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "iuf"


def _judge_sequence(answer: Any, expected: Any, tol: Tolerance) -> Accepted | str:
    if isinstance(answer, str) or not isinstance(
        answer, tuple | list | np.ndarray | pd.Series | pd.Index
    ):
        return f"expected {len(expected)} values, got {a_type(answer)}"
    numeric = _numeric(expected)
    try:
        got = np.asarray(answer, dtype=float if numeric else object)
    except (TypeError, ValueError):
        return f"expected {len(expected)} values, got {a_type(answer)}"
    want = np.asarray(expected, dtype=float if numeric else object)
    if got.shape != want.shape:
        return f"expected shape {want.shape}, got {got.shape}"
    rounded = False
    for i, (a, e) in enumerate(zip(got.ravel(), want.ravel(), strict=True)):
        a = a.item() if isinstance(a, np.generic) else a
        e = e.item() if isinstance(e, np.generic) else e
        verdict = judge(a, e, tol)
        if isinstance(verdict, str):
            return f"element {i}: {verdict}"
        rounded = rounded or bool(verdict.note)
    if rounded:
        return Accepted(
            f"your values are the answer rounded; the precise values are {precise(want)}."
        )
    return EXACT


def _judge_bool_series(answer: Any, expected: pd.Series) -> Accepted | str:
    if isinstance(answer, pd.DataFrame):
        return "expected a Series (one column), got a DataFrame"
    if isinstance(answer, pd.Series):
        if len(answer) != len(expected):
            return f"expected shape {expected.shape}, got {answer.shape}"
        if not answer.index.equals(expected.index):
            return "the Series has a different index from the data: build it from the same frame"
        values = answer.to_numpy()
    elif isinstance(answer, np.ndarray | list):
        values = np.asarray(answer)
        if values.shape != expected.shape:
            return f"expected {len(expected):,} values (one per row), got shape {values.shape}"
    else:
        return f"expected a boolean Series, got {a_type(answer)}"
    if values.dtype != bool:
        return f"expected True/False values, got values of type {values.dtype}"
    wrong = int((values != expected.to_numpy()).sum())
    if wrong:
        return f"{wrong:,} of {len(expected):,} entries are not right"
    return EXACT


# -- the public comparison ----------------------------------------------------------------


def compare(
    answer: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    exact: bool = False,
    round_up: bool = False,
    unit: str = "unit",
) -> str | None:
    """Return ``None`` when ``answer`` matches ``expected``, else what differs.

    Numbers: a value equal to ``expected`` rounded to two significant digits
    or more is accepted unless ``exact``; an integer ``expected`` must be met
    exactly, and with ``round_up`` it is a whole count rounded up (a sample
    size), whose unrounded or differently rounded values are told so (see the
    module docstring for what a wrong number is told). Strings match ignoring
    case and surrounding spaces; sequences and arrays element by element;
    DataFrames and Series by values with ``pandas.testing`` (a boolean NumPy
    array or list of the same length is accepted for a boolean Series).

    Examples
    --------
    >>> compare(37, 0.36725)
    '37 is 100 × the expected value: a percentage, or percentage points? Give it as a plain fraction: 0.37'
    >>> compare([0.528, 0.172], [0.528395, 0.171753]) is None
    True
    >>> compare(0.3689, 0.36725)
    'close: your value 0.3689 is a little too high (0.45% off). The method is nearly right: check which quantities the question uses (which rows, which mean, which variance or denominator), and round only the final result'
    """
    verdict = judge(answer, expected, check_tolerance(rtol, atol, exact, round_up, unit))
    return None if isinstance(verdict, Accepted) else verdict
