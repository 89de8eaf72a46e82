"""Checked exercises for the notebooks: ``check``, ``hint`` and ``solution``.

An :class:`Exercise` knows its expected answer through a function that calls
the same tested package code the course teaches — answers are never typed in
by hand. ``check`` never raises: whatever the learner passes, it answers with
one of three kinds of :class:`Feedback`:

* "not attempted yet" — the answer is still the ``None`` placeholder;
* "not quite" — with what differs;
* "correct".

The solution notebooks call :meth:`Exercise.assert_correct` on the right
answer and :meth:`Exercise.assert_incorrect` on a deliberately wrong one, so
both branches run under the notebook tests.
"""

from __future__ import annotations

import enum
import html
import math
import numbers
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._results import fmt


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
    """A titled block of Markdown (hints, solutions, model answers)."""

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


def compare(answer: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Return ``None`` when ``answer`` matches ``expected``, else what differs.

    Numbers match within ``rtol``/``atol``; strings ignoring case and
    surrounding spaces; sequences and arrays element by element; DataFrames
    and Series by values with ``pandas.testing``.
    """
    if isinstance(expected, bool | np.bool_):
        if not isinstance(answer, bool | np.bool_):
            return f"expected True or False, got {fmt(answer)}"
        return None if bool(answer) == bool(expected) else f"{answer} is not right"
    if _is_real(expected):
        if not _is_real(answer):
            return f"expected a number, got {type(answer).__name__} {fmt(answer)}"
        if not math.isfinite(float(answer)):
            return f"got {answer}; the answer is a finite number"
        if math.isclose(float(answer), float(expected), rel_tol=rtol, abs_tol=atol):
            return None
        direction = "too high" if answer > expected else "too low"
        return f"your value {fmt(answer)} is {direction}"
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return f"expected text, got {type(answer).__name__}"
        if answer.strip().casefold() == expected.strip().casefold():
            return None
        return f"{answer!r} is not the answer"
    if isinstance(expected, pd.DataFrame | pd.Series):
        if not isinstance(answer, type(expected)):
            return f"expected a {type(expected).__name__}, got {type(answer).__name__}"
        if answer.shape != expected.shape:
            return f"expected shape {expected.shape}, got {answer.shape}"
        if isinstance(expected, pd.Series) and expected.dtype == bool and answer.dtype == bool:
            wrong = int((answer.to_numpy() != expected.to_numpy()).sum())
            if wrong:
                return f"{wrong:,} of {len(expected):,} entries are not right"
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
            return f"expected a collection, got {type(answer).__name__}"
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
        try:
            got = np.asarray(answer, dtype=object if not _numeric(expected) else float)
        except (TypeError, ValueError):
            return f"expected {len(expected)} values, got {type(answer).__name__}"
        want = np.asarray(expected, dtype=object if not _numeric(expected) else float)
        if got.shape != want.shape:
            return f"expected shape {want.shape}, got {got.shape}"
        for i, (a, e) in enumerate(zip(got.ravel(), want.ravel(), strict=True)):
            diff = compare(a.item() if isinstance(a, np.generic) else a, e, rtol=rtol, atol=atol)
            if diff is not None:
                return f"element {i}: {diff}"
        return None
    return None if answer == expected else f"{fmt(answer)} is not the answer"


def _numeric(values: Any) -> bool:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "iuf"


class Exercise:
    """One checked question.

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
    hints : sequence of str
        Markdown, revealed one at a time by :meth:`hint`.
    solution : str
        Markdown (usually a code block) shown by :meth:`solution`.
    choices : sequence of str, optional
        For multiple-choice answers: the allowed options.
    """

    def __init__(
        self,
        name: str,
        *,
        expected: Callable[..., Any] | None = None,
        cases: Sequence[tuple[Any, ...]] | None = None,
        checker: Callable[[Any], str | None] | None = None,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        hints: Sequence[str] = (),
        solution: str = "",
        choices: Sequence[str] | None = None,
    ) -> None:
        if (expected is None) == (checker is None):
            raise ValueError(f"{name}: give exactly one of expected= or checker=")
        if cases is not None and expected is None:
            raise ValueError(f"{name}: cases= needs a reference function in expected=")
        self.name = name
        self._expected = expected
        self._cases = list(cases) if cases is not None else None
        self._checker = checker
        self.rtol, self.atol = rtol, atol
        self._hints = list(hints)
        self._solution = solution
        self.choices = tuple(choices) if choices is not None else None
        self._cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Exercise({self.name!r})"

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
            problem = self._problem(answer)
        except Exception as exc:  # the learner's code may fail in any way
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            problem = f"checking your answer raised `{last}`"
        if problem is _UNATTEMPTED:
            return self._feedback(
                Status.UNATTEMPTED, "your function still returns `None`: fill in its body."
            )
        if problem is None:
            return self._feedback(Status.CORRECT, "well done.")
        return self._feedback(Status.INCORRECT, f"{problem}. Try again, or ask for a hint.")

    def hint(self, n: int = 1) -> Note:
        """Show hint number ``n`` (1 = the gentlest)."""
        if not self._hints:
            return Note(f"Hint · {self.name}", "No hint for this one: look at the solution.")
        n = min(max(int(n), 1), len(self._hints))
        more = f"\n\n*(hint {n} of {len(self._hints)})*" if len(self._hints) > 1 else ""
        return Note(f"Hint · {self.name}", self._hints[n - 1] + more)

    def solution(self) -> Note:
        """Show the model solution."""
        return Note(f"Solution · {self.name}", self._solution or "See the solutions notebook.")

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

    # -- internals ---------------------------------------------------------

    def _feedback(self, status: Status, message: str) -> Feedback:
        return Feedback(self.name, status, message)

    def _problem(self, answer: Any) -> Any:
        if self._checker is not None:
            return self._checker(answer)
        if self._cases is not None:
            return self._check_function(answer)
        if self.choices is not None and isinstance(answer, str):
            options = [c.casefold() for c in self.choices]
            if answer.strip().casefold() not in options:
                return f"{answer!r} is not one of the options {list(self.choices)}"
        return compare(answer, self.expected, rtol=self.rtol, atol=self.atol)

    def _check_function(self, answer: Any) -> Any:
        if not callable(answer):
            return f"expected a function, got {type(answer).__name__}"
        reference = self._expected
        for args in self._cases or []:
            try:
                got = answer(*args)
            except Exception as exc:
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                return f"your function raised `{last}` for arguments {_short(args)}"
            if got is None:
                return _UNATTEMPTED
            diff = compare(got, reference(*args), rtol=self.rtol, atol=self.atol)  # type: ignore[misc]
            if diff is not None:
                return f"for arguments {_short(args)}: {diff}"
        return None


_UNATTEMPTED = object()


def _short(args: tuple[Any, ...]) -> str:
    text = ", ".join(fmt(a) if not isinstance(a, str) else repr(a) for a in args)
    return html.escape(text if len(text) <= 80 else text[:77] + "...")
