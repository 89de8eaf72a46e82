"""Two more shapes of judgment question, built on :class:`xplab.workbook.Exercise`.

* :class:`MultiSelect` — several statements, any number of them true: the
  learner answers with the set of letters, and the feedback explains every
  option it names.
* :class:`Estimate` — "estimate the number": an order-of-magnitude answer
  counts when it is within a stated factor of the exact value, and the
  feedback shows the exact value and how it follows.

Both are exercises with a checker and kind "judgment"; the chapter modules
define them like any other exercise (``q5 = MultiSelect(...)``).
"""

from __future__ import annotations

import math
import re
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..workbook import Exercise, Note
from ..workbook.exercise import _is_real


def _caller_module() -> str:
    """The module whose code called the constructor (the chapter's exercise module)."""
    return str(sys._getframe(2).f_globals.get("__name__", "__main__"))


class MultiSelect(Exercise):
    """Statements of which any number are true; answer with the set of letters.

    Parameters
    ----------
    name : str
        Short label shown in feedback.
    question : str
        Markdown: the question as the learner reads it.
    options : mapping of str to (bool, str)
        Statement → (whether it is true, why), in display order, lettered A, B, …
    hints : sequence of str

    Examples
    --------
    >>> q = MultiSelect("Q · before launch", question="What do you fix before the data?",
    ...     options={"the primary metric": (True, "Yes: chosen later, it can be picked to fit."),
    ...              "the segment that wins": (False, "Unknowable before the data.")})
    >>> q.check({"A"}).correct, q.check("A, B").correct
    (True, False)
    """

    _retry = "Try again."

    def __init__(
        self,
        name: str,
        *,
        question: str,
        options: Mapping[str, tuple[bool, str]],
        hints: Sequence[str] = (),
    ) -> None:
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"{name}: question must be non-empty Markdown text")
        if not isinstance(options, Mapping) or not 2 <= len(options) <= 26:
            raise ValueError(f"{name}: options must map 2 to 26 statements to (true?, why)")
        for text, value in options.items():
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{name}: options must have non-empty text keys, got {text!r}")
            if (
                not isinstance(value, tuple)
                or len(value) != 2
                or not isinstance(value[0], bool)
                or not isinstance(value[1], str)
                or not value[1].strip()
            ):
                raise ValueError(f"{name}: options[{text!r}] must be (True or False, 'why')")
        self.question = question
        self._texts = tuple(options)
        self._truth = tuple(options[t][0] for t in self._texts)
        self._why = tuple(options[t][1] for t in self._texts)
        if not any(self._truth):
            raise ValueError(f"{name}: at least one option must be true")
        self.letters = tuple(string.ascii_uppercase[: len(self._texts)])
        super().__init__(name, checker=self._problem_with, hints=hints, kind="judgment")
        self._module = _caller_module()

    @property
    def answer(self) -> frozenset[str]:
        """The letters of the true statements."""
        return frozenset(L for L, true in zip(self.letters, self._truth, strict=True) if true)

    def _letters(self, answer: Any) -> frozenset[str] | str:
        if isinstance(answer, str):
            parts = [p for p in re.split(r"[\s,;/+&]+|\band\b", answer.strip()) if p]
            if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
                parts = list(parts[0])  # "AC"
        elif isinstance(answer, Sequence | set | frozenset):
            parts = list(answer)
        else:
            return (
                "answer with the letters of every statement that holds, e.g. {'A', 'C'}, "
                f"not a value of type {type(answer).__name__}"
            )
        picked = set()
        for p in parts:
            if not isinstance(p, str) or p.strip().strip("()").upper() not in self.letters:
                return f"{p!r} is not one of the letters {', '.join(self.letters)}"
            picked.add(p.strip().strip("()").upper())
        if not picked:
            return "you picked nothing: at least one statement holds"
        return frozenset(picked)

    def _problem_with(self, answer: Any) -> str | None:
        picked = self._letters(answer)
        if isinstance(picked, str):
            return picked
        if picked == self.answer:
            return None
        wrong = sorted(picked - self.answer)
        missing = len(self.answer - picked)
        parts = [f"{L} does not hold: {self._why[self.letters.index(L)]}" for L in wrong]
        if missing == 1:
            parts.append("One statement that holds is missing.")
        elif missing:
            parts.append(f"{missing} statements that hold are missing.")
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)

    def options(self) -> Note:
        """The question and its lettered statements, for display."""
        lines = [f"- **{L}** · {t}" for L, t in zip(self.letters, self._texts, strict=True)]
        how = "\n\n*Select every statement that holds: answer with a set of letters, e.g. `{'A', 'C'}`.*"
        return Note(self.name, f"{self.question}\n\n" + "\n".join(lines) + how)

    def __str__(self) -> str:
        return repr(self.options())

    def _repr_markdown_(self) -> str:
        return self.options()._repr_markdown_()

    def _praise(self, answer: Any) -> str:
        rows = [
            f"**{L}** {'holds' if true else 'does not hold'}: {why}"
            for L, true, why in zip(self.letters, self._truth, self._why, strict=True)
        ]
        return "every choice right.\n\n" + "\n\n".join(rows)

    def _solution_note(self) -> str:
        rows = [
            f"**{L}** {'holds' if true else 'does not hold'}: {why}"
            for L, true, why in zip(self.letters, self._truth, self._why, strict=True)
        ]
        return "\n\n" + "\n\n".join(rows)


class Estimate(Exercise):
    """Estimate a number to within a factor; the feedback gives the exact value.

    Parameters
    ----------
    name : str
    expected : callable
        Returns the exact value, computed by the package's tested code.
    within : float
        The answer counts when it lies between ``exact / within`` and
        ``exact × within`` (e.g. 1.5).
    how : str
        Markdown: how the exact value follows, shown once the estimate counts.
    unit : str
        What the number counts, for the feedback ("users per arm").
    reference : str
        How the feedback names the value judged against ("the exact", or "the
        simulated (200,000 runs)" when it comes from a simulation).
    hints : sequence of str

    Examples
    --------
    >>> q = Estimate("Q · users", expected=lambda: 14_751, within=1.5,
    ...              how="16 p(1 − p)/δ² ≈ 14,400.", unit="users per arm")
    >>> q.check(12_000).correct, q.check(5_000).correct
    (True, False)
    """

    def __init__(
        self,
        name: str,
        *,
        expected: Callable[[], Any],
        within: float,
        how: str,
        unit: str = "",
        reference: str = "the exact",
        hints: Sequence[str] = (),
    ) -> None:
        if not _is_real(within) or not within > 1:
            raise ValueError(f"{name}: within must be a factor above 1, got {within!r}")
        if not isinstance(how, str) or not how.strip():
            raise ValueError(f"{name}: how must explain the exact value (non-empty Markdown)")
        self.within = float(within)
        self.how = how
        self._value = expected
        super().__init__(name, checker=self._problem_with, hints=hints, kind="judgment")
        self._module = _caller_module()
        self.estimate_unit = unit
        self.reference = reference

    @property
    def value(self) -> float:
        """The exact value the estimate is judged against."""
        if "value" not in self._cache:
            self._cache["value"] = float(self._value())
        return self._cache["value"]

    def _show(self, x: float) -> str:
        text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
        return f"{text} {self.estimate_unit}".rstrip()

    def _problem_with(self, answer: Any) -> str | None:
        if not _is_real(answer) or isinstance(answer, bool):
            return f"answer with one number (your estimate), not a {type(answer).__name__}"
        a, e = float(answer), self.value
        if not math.isfinite(a):
            return f"got {answer}; an estimate is a finite number"
        if e != 0 and (a == 0 or (a > 0) != (e > 0)):
            return f"your estimate {self._show(a)} has the wrong sign or size entirely"
        ratio = a / e
        if 1 / self.within <= ratio <= self.within:
            return None
        if 0 < abs(e) <= 1 and 1 / self.within <= ratio / 100 <= self.within:
            return f"{a:g} looks like a percentage: give a fraction ({a / 100:g}, not {a:g})"
        factor = ratio if ratio > 1 else 1 / ratio
        direction = "high" if ratio > 1 else "low"
        times = f"{factor:.1f}" if factor < 10 else f"{factor:,.0f}"
        return (
            f"your estimate {self._show(a)} is about {times} times too {direction}; "
            f"within a factor of {self.within:g} counts"
        )

    def _praise(self, answer: Any) -> str:
        return (
            f"within a factor of {self.within:g} of {self.reference} {self._show(self.value)}. "
            f"{self.how}"
        )

    def _solution_note(self) -> str:
        return f"\n\nThe value is {self._show(self.value)}. {self.how}"
