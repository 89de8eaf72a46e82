"""Checked exercises: ``check``, ``hint`` and ``solution``.

An :class:`Exercise` knows its expected answer through a function that calls
the same tested package code the course teaches — answers are never typed in
by hand. ``check`` never raises: whatever the learner passes, it answers with
one of three kinds of :class:`Feedback`:

* "not attempted yet" — the answer is still the ``None`` placeholder;
* "not quite" — with what differs and, where it can tell, why: one of the
  exercise's known ``mistakes`` (named by what differs: which mean, which
  variance), a percentage instead of a fraction, a value cut off instead of
  rounded, the result object instead of its field, a sample size that was
  not rounded up (see :mod:`xplab.workbook.values`);
* "correct" — also for the value as printed (the expected value rounded to
  two significant digits or more, or as the notebook formats it) and for a
  library's equivalent the exercise lists in ``accept``, each with a note
  that shows the precise value or names the convention.

``solution()`` shows the code of the notebook's ``solution`` cell for the
exercise, captured by the build (``python -m xplab.workbook build``) into
``solutions.json`` beside the exercise modules, so the answer is written once.

The solution notebooks call :meth:`Exercise.assert_correct` on the right
answer and :meth:`Exercise.assert_incorrect` on a deliberately wrong one, so
both branches run under the notebook tests. Both return a :class:`Verified`
feedback, which displays nothing: a facilitator who runs the solutions sees
only the check cells' feedback.
"""

from __future__ import annotations

import copy
import enum
import html
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._results import fmt
from .._validate import a_type
from .values import (
    EXACT,
    Accepted,
    Tolerance,
    _is_real,
    check_tolerance,
    judge,
    plain,
    precise,
    resembles,
)


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


@dataclass(frozen=True, repr=False)
class Verified(Feedback):
    """The feedback of :meth:`Exercise.assert_correct` / ``assert_incorrect``.

    The same fields as :class:`Feedback`, but a notebook displays nothing
    for it: the solution notebooks' hidden test cells stay empty when they are
    run again (live in JupyterLab, or by ``nbconvert``), so readers see only
    the feedback of the check cells. ``repr`` still shows the message.
    """

    def _ipython_display_(self) -> None:
        return None


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


def _check_text_list(value: Any, name: str) -> None:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of strings, not {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold only strings, found {item!r}")


def _check_named_functions(value: Any, name: str, exercise: str) -> dict[str, Callable[..., Any]]:
    """``accept=`` / ``mistakes=``: a mapping of a non-empty message to a function."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{exercise}: {name} must map a message to a function, got {type(value).__name__}"
        )
    for message, fn in value.items():
        if not isinstance(message, str) or not message.strip():
            raise ValueError(f"{exercise}: {name} needs a non-empty message for each function")
        if not callable(fn):
            raise TypeError(
                f"{exercise}: {name}[{message[:40]!r}] must be a function, got {type(fn).__name__}"
            )
    return dict(value)


def _defining_module() -> str:
    """The module that constructs an exercise (the first frame outside this package)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__ or ""):
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_globals.get("__name__", "__main__") if frame is not None else "__main__"


#: What an exercise asks of the learner (:attr:`Exercise.kind`).
KINDS = ("compute", "implement", "judgment", "design")


@dataclass(frozen=True)
class _Outcome:
    """What a function returned (or raised) for one case of a function check."""

    value: Any = None
    error: str | None = None  # the exception's last line
    error_type: type | None = None


def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> _Outcome:
    try:
        return _Outcome(fn(*copy.deepcopy(args)))
    except Exception as exc:  # the learner's code may fail in any way
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return _Outcome(error=last, error_type=type(exc))


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
        ``expected`` (then itself a reference function) on every case. Include
        the edge cases that tell the right function from the ``mistakes``.
    checker : callable, optional
        ``checker(answer) -> str | None`` for answers with more than one right
        form; returns what is wrong, or None. Used instead of ``expected``.
        A checker returns :data:`UNATTEMPTED` when the answer is still the
        workbook's placeholder (a function that returns ``None``, an empty
        template), so the learner reads "not attempted yet", not a rule it
        breaks.
    rtol, atol : float
        Tolerances for numbers.
    exact : bool
        Refuse a number that is right only as rounded (by default the expected
        value rounded to two significant digits or more is accepted, with a
        note that shows the precise value).
    round_up : bool
        The answer is a whole count rounded up (e.g. a sample size); ``unit``
        names what is counted in the feedback ("round up to the next whole user").
    printed : str or sequence of str, optional
        Format specs of the forms in which the notebook prints the value (e.g.
        ``".3f"``), accepted as they are even with fewer than two significant
        digits (``0.004`` for 0.00412).
    accept : mapping of str to callable, optional
        Other right answers, each with the note the learner sees when theirs
        matches it: a library's equivalent that differs by its own convention,
        e.g. ``{"statsmodels' NormalIndPower uses Cohen's h ...": fn}``. For a
        value, ``fn()`` returns the alternative value (compared like
        ``expected``); for a function, ``fn`` is an alternative reference.
    mistakes : mapping of str to callable, optional
        Known wrong answers, each with the message that says what differs
        (which mean, which denominator, which variance). For a value, ``fn()``
        returns the wrong value; for a function, ``fn`` is the wrong function
        (called on ``cases``, which must tell it apart: the workbook's tests
        check that they do).
    estimate : float, optional
        An "estimate the number" question: any number within this relative
        distance of the expected value is right (0.25: within ±25 %), and the
        feedback shows the precise value. The kind defaults to "judgment".
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

    Examples
    --------
    >>> q = Exercise(
    ...     "Q · power",
    ...     expected=lambda: 0.367251,
    ...     accept={"statsmodels' NormalIndPower (Cohen's h) gives this.": lambda: 0.3698},
    ...     mistakes={"that is the power for a relative lift of 0.005.": lambda: 0.0462},
    ... )
    >>> q.check(0.37).message
    '0.37 is the answer rounded to 2 significant digits; the precise value is 0.367251.'
    >>> q.check(0.0462).message
    'that is the power for a relative lift of 0.005. Try again, or ask for a hint.'
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
        printed: str | Sequence[str] = (),
        accept: Mapping[str, Callable[..., Any]] | None = None,
        mistakes: Mapping[str, Callable[..., Any]] | None = None,
        estimate: float | None = None,
        forbidden: Callable[[Any], str | None] | None = None,
        hints: Sequence[str] = (),
        solution: str = "",
        choices: Sequence[str] | None = None,
        kind: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if estimate is not None:
            if isinstance(estimate, bool) or not _is_real(estimate) or not 0 < estimate <= 1:
                raise ValueError(
                    f"{name}: estimate must be a relative band in (0, 1] (0.25 = ±25 %), "
                    f"got {estimate!r}"
                )
            if cases is not None or checker is not None:
                raise ValueError(f"{name}: estimate= is for a number given by expected=")
        if kind is None:
            if estimate is not None:
                kind = "judgment"
            else:
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
        self._tol = check_tolerance(rtol, atol, exact, round_up, unit, printed)
        self._accept = _check_named_functions(accept, "accept", name)
        self._mistakes = _check_named_functions(mistakes, "mistakes", name)
        if checker is not None and (self._accept or self._mistakes):
            raise ValueError(
                f"{name}: accept= and mistakes= need expected=; a checker decides by itself"
            )
        self.name = name
        self.kind = kind
        self._expected = expected
        self._cases = list(cases) if cases is not None else None
        self._checker = checker
        self.rtol, self.atol, self.exact = rtol, atol, exact
        self.round_up, self.unit = round_up, unit
        self._forbidden = forbidden
        self._estimate = None if estimate is None else float(estimate)
        self._hints = list(hints)
        self._solution = solution
        self.choices = tuple(choices) if choices is not None else None
        self._cache: dict[Any, Any] = {}
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

    @property
    def mistakes(self) -> Mapping[str, Callable[..., Any]]:
        """The known wrong answers: message → function (read-only)."""
        return MappingProxyType(self._mistakes)

    @property
    def accepted(self) -> Mapping[str, Callable[..., Any]]:
        """The accepted alternatives: note → function (read-only)."""
        return MappingProxyType(self._accept)

    @property
    def is_function(self) -> bool:
        """Whether the answer is a function, checked on ``cases``."""
        return self._cases is not None

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
                Status.UNATTEMPTED,
                "your function still returns `None`: fill in its body."
                if callable(answer)
                else "this is still the empty template: fill it in, then run again.",
            )
        if problem is None or isinstance(problem, Accepted):
            note = problem.note if isinstance(problem, Accepted) else ""
            return self._feedback(Status.CORRECT, note or self._praise(answer))
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

    def assert_correct(self, answer: Any) -> Verified:
        """Check ``answer`` and raise ``AssertionError`` unless it is correct.

        Returns the feedback as a :class:`Verified`, which a notebook does not
        display.
        """
        fb = self.check(answer)
        if not fb.correct:
            raise AssertionError(repr(fb))
        return Verified(fb.exercise, fb.status, fb.message)

    def assert_incorrect(self, answer: Any) -> Verified:
        """Check that a wrong ``answer`` gets the friendly "not quite" feedback.

        Returns the feedback as a :class:`Verified`, which a notebook does not
        display.
        """
        fb = self.check(answer)
        if fb.status is not Status.INCORRECT:
            raise AssertionError(f"expected 'not quite' feedback, got {fb!r}")
        return Verified(fb.exercise, fb.status, fb.message)

    # -- internals and hooks for subclasses ------------------------------------

    def _feedback(self, status: Status, message: str) -> Feedback:
        return Feedback(self.name, status, message)

    def _praise(self, answer: Any) -> str:
        return "well done."

    def _solution_note(self) -> str:
        return ""

    def _compare(self, answer: Any, expected: Any) -> Accepted | str:
        return judge(answer, expected, self._tol)

    def _problem(self, answer: Any) -> Any:
        if self._checker is not None:
            return self._checker(answer)
        if self._cases is not None:
            return self._check_function(answer)
        if self.choices is not None and isinstance(answer, str):
            options = [c.casefold() for c in self.choices]
            if answer.strip().casefold() not in options:
                return f"{answer!r} is not one of the options {list(self.choices)}"
        expected = self.expected
        if self._estimate is not None:
            return self._check_estimate(answer, expected)
        verdict = self._compare(answer, expected)
        if isinstance(verdict, Accepted):
            return verdict
        for note, fn in self._accept.items():
            if isinstance(self._compare(answer, self._value("accept", note, fn)), Accepted):
                return Accepted(f"{note} (The course's own computation gives {precise(expected)}.)")
        for message, fn in self._mistakes.items():
            if isinstance(self._compare(answer, self._value("mistake", message, fn)), Accepted):
                return message
        return verdict

    def _check_estimate(self, answer: Any, expected: Any) -> Accepted | str:
        band = self._estimate or 0.0
        verdict = self._compare(answer, expected)
        if not _is_real(answer) or not _is_real(expected) or float(expected) == 0:
            return verdict
        a, e = float(answer), float(expected)
        off = (a - e) / abs(e)
        if abs(off) <= band:
            side = "above" if off > 0 else "below"
            where = "exactly it" if off == 0 else f"{abs(off):.0%} {side} it"
            return Accepted(
                f"a good estimate (within ±{band:.0%}): the precise value is "
                f"{precise(expected)}, and yours is {where}."
            )
        if isinstance(verdict, str) and "100 ×" in verdict:
            return verdict
        return f"{plain(a)} is more than {band:.0%} too {'high' if off > 0 else 'low'}"

    def _value(self, kind: str, key: str, fn: Callable[[], Any]) -> Any:
        """An alternative or wrong value, computed once."""
        if (kind, key) not in self._cache:
            self._cache[kind, key] = fn()
        return self._cache[kind, key]

    def _outcomes(self, kind: str, key: str, fn: Callable[..., Any]) -> list[_Outcome]:
        """A reference, alternative or wrong function's outcome on every case, computed once."""
        if (kind, key) not in self._cache:
            self._cache[kind, key] = [_run(fn, args) for args in self._cases or []]
        return self._cache[kind, key]

    def _agrees(self, got: _Outcome, want: _Outcome, tol: Tolerance) -> bool:
        if got.error_type is not None or want.error_type is not None:
            return got.error_type is want.error_type
        if got.value is None:
            return want.value is None
        return isinstance(judge(got.value, want.value, tol), Accepted)

    def _check_function(self, answer: Any) -> Any:
        if not callable(answer):
            return f"expected a function, got {a_type(answer)}"
        cases = self._cases or []
        got = [_run(answer, args) for args in cases]
        if got and all(g.error is None and g.value is None for g in got):
            return _UNATTEMPTED
        # a function's result is computed, not copied from a printout: no printed tolerance
        tol = Tolerance(self._tol.rtol, self._tol.atol, exact=True, hints=False)
        want = self._outcomes("reference", "", self._expected)  # type: ignore[arg-type]
        if all(self._agrees(g, w, tol) for g, w in zip(got, want, strict=True)):
            return EXACT
        for note, fn in self._accept.items():
            other = self._outcomes("accept", note, fn)
            if all(self._agrees(g, w, tol) for g, w in zip(got, other, strict=True)):
                return Accepted(note)
        for message, fn in self._mistakes.items():
            # a case on which the mistake itself raises (a division by an empty list's
            # length) does not count: a learner may have guarded it
            pairs = [
                (g, w) for g, w in zip(got, self._outcomes("mistake", message, fn), strict=True)
            ]
            pairs = [(g, w) for g, w in pairs if w.error_type is None]
            if pairs and all(self._agrees(g, w, tol) for g, w in pairs):
                return message
        scaled = self._scaled(got, want)
        if scaled is not None:
            return scaled
        for args, g, w in zip(cases, got, want, strict=True):
            if w.error is not None:  # the reference refuses this case: any error will do
                if g.error is None:
                    return f"for arguments {_short(args)} your function should raise an error"
                continue
            if g.error is not None:
                return f"your function raised `{g.error}` for arguments {_short(args)}"
            if g.value is None:
                return (
                    f"your function returns `None` for arguments {_short(args)}: every path "
                    "through it must return the value"
                )
            diff = judge(g.value, w.value, tol)
            if isinstance(diff, str):
                return f"for arguments {_short(args)}: {diff}"
        return EXACT

    def _scaled(self, got: list[_Outcome], want: list[_Outcome]) -> str | None:
        """A function that returns 100 × the value, or the value with its sign
        flipped, on *every* case (one case alone proves nothing)."""
        pairs = [(g.value, w.value) for g, w in zip(got, want, strict=True)]
        if not pairs or not all(_is_real(g) and _is_real(w) for g, w in pairs):
            return None
        pairs = [(float(g), float(w)) for g, w in pairs]
        nonzero = [(g, w) for g, w in pairs if w != 0]
        if not nonzero or any(g != 0 for g, w in pairs if w == 0):
            return None
        args = _short(self._cases[pairs.index(nonzero[0])])  # type: ignore[index]
        g0 = nonzero[0][0]
        if all(resembles(g, 100 * w) for g, w in nonzero):
            return (
                f"your function returns 100 × the expected value, a percentage ({fmt(g0)} for "
                f"arguments {args}): return the plain fraction"
            )
        if all(resembles(g, -w) for g, w in nonzero):
            return (
                f"your function returns the expected value with its sign flipped ({fmt(g0)} for "
                f"arguments {args}): the course takes treatment − control"
            )
        return None


_UNATTEMPTED = object()
#: What a ``checker`` returns for an answer that is still the workbook's placeholder.
UNATTEMPTED = _UNATTEMPTED


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
