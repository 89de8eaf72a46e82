"""Checked exercises: ``check``, ``hint`` and ``solution``.

An :class:`Exercise` knows its expected answer through a function that calls
the same tested package code the course teaches — answers are never typed in
by hand. ``check`` never raises: whatever the learner passes, it answers with
one of three kinds of :class:`Feedback`:

* "not attempted yet" — the answer is still the ``None`` placeholder;
* "not quite" — with what differs and, where it can tell, why (a percentage
  instead of a fraction, a rounded intermediate value, the result object
  instead of its field, a sample size that was not rounded up);
* "correct".

``solution()`` shows the code of the notebook's ``solution`` cell for the
exercise, captured by the build (``python -m xplab.workbook build``) into
``solutions.json`` beside the exercise modules, so the answer is written once.

The solution notebooks call :meth:`Exercise.assert_correct` on the right
answer and :meth:`Exercise.assert_incorrect` on a deliberately wrong one, so
both branches run under the notebook tests.
"""

from __future__ import annotations

import dataclasses
import enum
import html
import math
import numbers
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._results import fmt
from .._validate import check_bool, check_real

#: Digits the course prints numbers with (``xplab._results.fmt``): a value
#: copied from a printout carries this many significant digits.
PRINTED_DIGITS = 4
#: Relative distance under which a wrong number counts as a near miss.
NEAR_MISS = 0.01


class Status(enum.StrEnum):
    UNATTEMPTED = "unattempted"
    INCORRECT = "incorrect"
    CORRECT = "correct"


_STYLE = {
    Status.UNATTEMPTED: ("✍️", "Not attempted yet", "#555"),
    Status.INCORRECT: ("🔁", "Not quite", "#b35900"),
    Status.CORRECT: ("✅", "Correct", "#1a7f37"),
}


@dataclass(frozen=True)
class Feedback:
    """What :meth:`Exercise.check` says: a status and a Markdown message."""

    exercise: str
    status: Status
    message: str

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT

    def __repr__(self) -> str:
        icon, label, _ = _STYLE[self.status]
        return f"{icon} {self.exercise} — {label}: {self.message}"

    def _repr_markdown_(self) -> str:
        icon, label, color = _STYLE[self.status]
        return f'{icon} <span style="color:{color}">**{label}**</span> ({self.exercise}): {self.message}'


@dataclass(frozen=True)
class Note:
    """A titled block of Markdown (hints, solutions, options)."""

    title: str
    body: str

    def __repr__(self) -> str:
        return f"{self.title}\n{self.body}"

    def _repr_markdown_(self) -> str:
        return f"**{self.title}**\n\n{self.body}"


class _Missing:
    def __repr__(self) -> str:
        return "<no answer>"


NOT_GIVEN: Any = _Missing()


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _is_integral(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


def _printed_match(answer: float, expected: float, digits: int = PRINTED_DIGITS) -> bool:
    """Whether ``answer`` is within half a unit of ``expected``'s last printed digit."""
    if expected == 0:
        return answer == 0
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - (digits - 1))
    return abs(answer - expected) <= 0.5 * unit * (1 + 1e-9)


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
        return f"expected a number, got a {kind}: call it, or store the value it returns"
    if isinstance(answer, np.ndarray | pd.Series | pd.DataFrame | list | tuple) and not hasattr(
        answer, "_fields"
    ):
        size = np.size(answer) if not isinstance(answer, list | tuple) else len(answer)
        if size == 1:
            return f"expected one number, got a {kind} holding one: take it out with `.item()`"
        return f"expected one number, got a {kind} of {size:,} values"
    fields = _numeric_fields(answer)
    for name, value in fields.items():
        if _printed_match(float(value), expected):
            return f"you passed the result object ({kind}): give its `.{name}`"
    if fields:
        shown = ", ".join(f"`.{k}`" for k in list(fields)[:6])
        return f"you passed a {kind} object: give the one number the question asks for (its fields include {shown})"
    return f"expected a number, got a {kind}"


def compare_number(
    answer: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    exact: bool = False,
    round_up: bool = False,
    unit: str = "unit",
) -> str | None:
    """Return ``None`` when the number ``answer`` matches ``expected``, else why not.

    A value equal to ``expected`` as the course prints it (4 significant
    digits) is accepted unless ``exact``. An integer ``expected`` must be met
    exactly; with ``round_up`` it is a whole count rounded up (a sample size),
    and unrounded or differently rounded values near it are told so.
    """
    if not _is_real(answer):
        return _not_a_number(answer, float(expected))
    a, e = float(answer), float(expected)
    if not math.isfinite(a):
        return f"got {answer}; the answer is a finite number"
    integral = _is_integral(expected)
    if integral:
        if a.is_integer() and int(a) == int(expected):
            return None
    elif math.isclose(a, e, rel_tol=rtol, abs_tol=atol) or (not exact and _printed_match(a, e)):
        return None
    close = e != 0 and abs(a - e) <= NEAR_MISS * abs(e)
    if integral and round_up and (math.ceil(a) == int(expected) or close):
        if not a.is_integer():
            return f"round up to the next whole {unit}: {_show(a, e)} is not a whole number"
        if a == e - 1:
            return f"round **up** to the next whole {unit}, not to the nearest one"
    if integral and close and not a.is_integer():
        return f"the answer is a whole number; {_show(a, e)} is not"
    if e != 0 and abs(e) <= 1 and _printed_match(a, 100 * e):
        return f"{fmt(a)} looks like a percentage: give a fraction (0.25, not 25)"
    if e != 0 and _printed_match(a, -e):
        return "the sign is flipped: the course takes treatment − control"
    if close:
        direction = "high" if a > e else "low"
        return (
            f"close: your value {_show(a, e)} is a little too {direction}. "
            "Did you round an intermediate value?"
        )
    direction = "too high" if a > e else "too low"
    return f"your value {fmt(answer)} is {direction}"


def _check_options(rtol: Any, atol: Any, exact: Any, round_up: Any, unit: Any) -> None:
    """The tolerance options of :func:`compare` and :class:`Exercise`: an author's
    typo here would silently accept wrong answers or reject right ones."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if check_real(value, name=name) < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    check_bool(exact, name="exact")
    check_bool(round_up, name="round_up")
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a non-empty string (e.g. 'user'), got {unit!r}")


def _check_text_list(value: Any, name: str) -> None:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of strings, not {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold only strings, found {item!r}")


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

    Numbers: see :func:`compare_number`. Strings match ignoring case and
    surrounding spaces; sequences and arrays element by element; DataFrames
    and Series by values with ``pandas.testing`` (a boolean NumPy array or
    list of the same length is accepted for a boolean Series).
    """
    _check_options(rtol, atol, exact, round_up, unit)
    if isinstance(expected, bool | np.bool_):
        if not isinstance(answer, bool | np.bool_):
            return f"expected True or False, got a {type(answer).__name__}"
        return None if bool(answer) == bool(expected) else f"{answer} is not right"
    if _is_real(expected):
        return compare_number(
            answer, expected, rtol=rtol, atol=atol, exact=exact, round_up=round_up, unit=unit
        )
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return f"expected text, got a {type(answer).__name__}"
        if answer.strip().casefold() == expected.strip().casefold():
            return None
        return f"{answer!r} is not the answer"
    if isinstance(expected, pd.Series) and expected.dtype == bool:
        return _compare_bool_series(answer, expected)
    if isinstance(expected, pd.DataFrame | pd.Series):
        if isinstance(expected, pd.Series) and isinstance(answer, pd.DataFrame):
            return "expected a Series (one column), got a DataFrame"
        if not isinstance(answer, type(expected)):
            return f"expected a {type(expected).__name__}, got a {type(answer).__name__}"
        if answer.shape != expected.shape:
            return f"expected shape {expected.shape}, got {answer.shape}"
        try:
            if isinstance(expected, pd.DataFrame):
                pd.testing.assert_frame_equal(
                    answer, expected, check_dtype=False, check_like=True, rtol=rtol, atol=atol
                )
            else:
                pd.testing.assert_series_equal(
                    answer, expected, check_dtype=False, check_names=False, rtol=rtol, atol=atol
                )
        except AssertionError as exc:
            first = str(exc).strip().splitlines()[0]
            return f"the {type(expected).__name__} differs: {first}"
        return None
    if isinstance(expected, set | frozenset):
        try:
            got_set = set(answer)
        except TypeError:
            return f"expected a collection, got a {type(answer).__name__}"
        missing, extra = expected - got_set, got_set - expected
        if not missing and not extra:
            return None
        parts = []
        if missing:
            parts.append(f"{len(missing)} expected item(s) missing")
        if extra:
            parts.append(
                f"{len(extra)} item(s) that should not be there: {sorted(extra, key=str)[:5]}"
            )
        return "; ".join(parts)
    if isinstance(expected, tuple | list | np.ndarray):
        if isinstance(answer, str) or not isinstance(
            answer, tuple | list | np.ndarray | pd.Series | pd.Index
        ):
            return f"expected {len(expected)} values, got a {type(answer).__name__}"
        try:
            got = np.asarray(answer, dtype=object if not _numeric(expected) else float)
        except (TypeError, ValueError):
            return f"expected {len(expected)} values, got a {type(answer).__name__}"
        want = np.asarray(expected, dtype=object if not _numeric(expected) else float)
        if got.shape != want.shape:
            return f"expected shape {want.shape}, got {got.shape}"
        for i, (a, e) in enumerate(zip(got.ravel(), want.ravel(), strict=True)):
            a = a.item() if isinstance(a, np.generic) else a
            diff = compare(a, e, rtol=rtol, atol=atol, exact=exact)
            if diff is not None:
                return f"element {i}: {diff}"
        return None
    return None if answer == expected else "that is not the answer"


def _compare_bool_series(answer: Any, expected: pd.Series) -> str | None:
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
        return f"expected a boolean Series, got a {type(answer).__name__}"
    if values.dtype != bool:
        return f"expected True/False values, got values of type {values.dtype}"
    wrong = int((values != expected.to_numpy()).sum())
    if wrong:
        return f"{wrong:,} of {len(expected):,} entries are not right"
    return None


def _numeric(values: Any) -> bool:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "iuf"


def _defining_module() -> str:
    """The module that constructs an exercise (the first frame outside this package)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__ or ""):
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_globals.get("__name__", "__main__") if frame is not None else "__main__"


#: What an exercise asks of the learner (:attr:`Exercise.kind`).
KINDS = ("compute", "implement", "judgment", "design")


class Exercise:
    """One checked question whose answer is a value or a function.

    Parameters
    ----------
    name : str
        Short label shown in feedback, e.g. ``"Q1 · sample size"``.
    expected : callable, optional
        Returns the right answer, using the package's tested code. Called once,
        on the first check.
    cases : sequence of tuples, optional
        For questions whose answer is a function: each tuple is one set of
        positional arguments; the learner's function must agree with
        ``expected`` (then itself a reference function) on every case.
    checker : callable, optional
        ``checker(answer) -> str | None`` for answers with more than one right
        form; returns what is wrong, or None. Used instead of ``expected``.
    rtol, atol : float
        Tolerances for numbers.
    exact : bool
        Reject a number that only matches as printed (4 significant digits).
    round_up : bool
        The answer is a whole count rounded up (e.g. a sample size); ``unit``
        names what is counted in the feedback ("round up to the next whole user").
    forbidden : callable, optional
        ``forbidden(answer) -> str | None``: a message for answers that must be
        refused even when their values match (e.g. the simulator's
        ground-truth column), checked first.
    kind : {"compute", "implement", "judgment", "design"}, optional
        What the exercise asks of the learner, so a chapter can count its
        exercises by kind: compute a value, implement a function, make a
        judgment call, or design something (a layer configuration, a ramp plan,
        a rule set) that ``checker`` validates with the package's own rules.
        Defaults to "implement" with ``cases``, else "compute".
    hints : sequence of str
        Markdown, revealed one at a time by :meth:`hint`.
    solution, choices
        Deprecated: the solution is the notebook's ``solution`` cell, and
        judgment questions are :class:`~xplab.workbook.MultipleChoice`.
    """

    _retry = "Try again, or ask for a hint."
    _default_kind = "compute"

    def __init__(
        self,
        name: str,
        *,
        expected: Callable[..., Any] | None = None,
        cases: Sequence[tuple[Any, ...]] | None = None,
        checker: Callable[[Any], str | None] | None = None,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        exact: bool = False,
        round_up: bool = False,
        unit: str = "unit",
        forbidden: Callable[[Any], str | None] | None = None,
        hints: Sequence[str] = (),
        solution: str = "",
        choices: Sequence[str] | None = None,
        kind: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if kind is None:
            kind = self._default_kind if cases is None else "implement"
        if kind not in KINDS:
            raise ValueError(f"{name}: kind must be one of {list(KINDS)}, got {kind!r}")
        if (expected is None) == (checker is None):
            raise ValueError(f"{name}: give exactly one of expected= or checker=")
        if cases is not None and expected is None:
            raise ValueError(f"{name}: cases= needs a reference function in expected=")
        for arg, fn in (("expected", expected), ("checker", checker), ("forbidden", forbidden)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name}: {arg} must be a function, got {type(fn).__name__}")
        if cases is not None and (
            isinstance(cases, str | bytes)
            or not isinstance(cases, Sequence)
            or not all(isinstance(c, tuple) for c in cases)
        ):
            raise TypeError(f"{name}: cases must be a list of argument tuples, got {cases!r:.60}")
        if isinstance(hints, str):
            raise TypeError(f"{name}: hints must be a list of strings, not one string")
        _check_text_list(hints, "hints")
        if not isinstance(solution, str):
            raise TypeError(f"{name}: solution must be a string, got {type(solution).__name__}")
        if choices is not None:
            _check_text_list(choices, "choices")
        _check_options(rtol, atol, exact, round_up, unit)
        self.name = name
        self.kind = kind
        self._expected = expected
        self._cases = list(cases) if cases is not None else None
        self._checker = checker
        self.rtol, self.atol, self.exact = rtol, atol, exact
        self.round_up, self.unit = round_up, unit
        self._forbidden = forbidden
        self._hints = list(hints)
        self._solution = solution
        self.choices = tuple(choices) if choices is not None else None
        self._cache: dict[str, Any] = {}
        self._module = _defining_module()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    @property
    def expected(self) -> Any:
        """The right answer (computed once by the package's tested code)."""
        if self._cases is not None:
            raise AttributeError(f"{self.name} expects a function; see .solution()")
        if self._checker is not None:
            raise AttributeError(f"{self.name} accepts several answers; see .solution()")
        if "expected" not in self._cache:
            self._cache["expected"] = self._expected()  # type: ignore[misc]
        return self._cache["expected"]

    # -- the learner's API -------------------------------------------------

    def check(self, answer: Any = NOT_GIVEN) -> Feedback:
        """Check ``answer``. Never raises."""
        if answer is None or answer is NOT_GIVEN or answer is Ellipsis:
            return self._feedback(
                Status.UNATTEMPTED,
                "replace the `None` placeholder with your answer, then run again.",
            )
        try:
            problem = self._forbidden(answer) if self._forbidden is not None else None
            if problem is None:
                problem = self._problem(answer)
        except Exception as exc:  # the learner's code may fail in any way
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            problem = f"checking your answer raised `{last}`"
        if problem is _UNATTEMPTED:
            return self._feedback(
                Status.UNATTEMPTED, "your function still returns `None`: fill in its body."
            )
        if problem is None:
            return self._feedback(Status.CORRECT, self._praise(answer))
        text = str(problem)
        return self._feedback(
            Status.INCORRECT, f"{text}{'' if text.endswith(('.', '?', '!')) else '.'} {self._retry}"
        )

    def hint(self, n: int = 1) -> Note:
        """Show hint number ``n`` (1 = the gentlest)."""
        if not self._hints:
            return Note(f"Hint · {self.name}", "No hint for this one: look at the solution.")
        n = min(max(int(n), 1), len(self._hints))
        more = f"\n\n*(hint {n} of {len(self._hints)})*" if len(self._hints) > 1 else ""
        return Note(f"Hint · {self.name}", self._hints[n - 1] + more)

    def solution(self) -> Note:
        """Show the model solution: the code of the notebook's solution cell."""
        from .solutions import solution_code

        code = solution_code(self)
        if code is not None:
            body = f"```python\n{code}\n```"
        else:
            body = self._solution or "See the solutions notebook."
        return Note(f"Solution · {self.name}", body + self._solution_note())

    # -- for the solution notebooks ---------------------------------------

    def assert_correct(self, answer: Any) -> Feedback:
        """Check ``answer`` and raise ``AssertionError`` unless it is correct."""
        fb = self.check(answer)
        if not fb.correct:
            raise AssertionError(repr(fb))
        return fb

    def assert_incorrect(self, answer: Any) -> Feedback:
        """Check that a wrong ``answer`` gets the friendly "not quite" feedback."""
        fb = self.check(answer)
        if fb.status is not Status.INCORRECT:
            raise AssertionError(f"expected 'not quite' feedback, got {fb!r}")
        return fb

    # -- internals and hooks for subclasses ------------------------------------

    def _feedback(self, status: Status, message: str) -> Feedback:
        return Feedback(self.name, status, message)

    def _praise(self, answer: Any) -> str:
        return "well done."

    def _solution_note(self) -> str:
        return ""

    def _compare(self, answer: Any, expected: Any) -> str | None:
        return compare(
            answer,
            expected,
            rtol=self.rtol,
            atol=self.atol,
            exact=self.exact,
            round_up=self.round_up,
            unit=self.unit,
        )

    def _problem(self, answer: Any) -> Any:
        if self._checker is not None:
            return self._checker(answer)
        if self._cases is not None:
            return self._check_function(answer)
        if self.choices is not None and isinstance(answer, str):
            options = [c.casefold() for c in self.choices]
            if answer.strip().casefold() not in options:
                return f"{answer!r} is not one of the options {list(self.choices)}"
        return self._compare(answer, self.expected)

    def _check_function(self, answer: Any) -> Any:
        if not callable(answer):
            return f"expected a function, got a {type(answer).__name__}"
        reference = self._expected
        for args in self._cases or []:
            try:
                got = answer(*args)
            except Exception as exc:
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                return f"your function raised `{last}` for arguments {_short(args)}"
            if got is None:
                return _UNATTEMPTED
            # a function's result is computed, not copied from a printout: no printed tolerance
            diff = compare(got, reference(*args), rtol=self.rtol, atol=self.atol, exact=True)  # type: ignore[misc]
            if diff is not None:
                return f"for arguments {_short(args)}: {diff}"
        return None


_UNATTEMPTED = object()


def exercise_counts(module: Any) -> dict[str, int]:
    """How many exercises of each kind a chapter's exercise module defines.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ns = SimpleNamespace(q1=Exercise("Q1", expected=lambda: 1),
    ...                      q2=Exercise("Q2", checker=lambda a: None, kind="design"))
    >>> exercise_counts(ns)
    {'compute': 1, 'implement': 0, 'judgment': 0, 'design': 1, 'total': 2}
    """
    if not hasattr(module, "__dict__"):
        raise TypeError(f"module must be a chapter's exercise module, got {module!r}")
    found = [v for v in vars(module).values() if isinstance(v, Exercise)]
    if not found:
        raise ValueError(f"module defines no exercises: {getattr(module, '__name__', module)!r}")
    counts = {k: sum(q.kind == k for q in found) for k in KINDS}
    counts["total"] = len(found)
    return counts


def _short(args: tuple[Any, ...]) -> str:
    text = ", ".join(fmt(a) if not isinstance(a, str) else repr(a) for a in args)
    return html.escape(text if len(text) <= 80 else text[:77] + "...")
