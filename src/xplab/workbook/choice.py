"""Judgment questions: multiple choice and decisions, with feedback per option.

The learner answers with the option's letter (``"B"``) or its text; the
feedback for a wrong option explains why it is wrong, and the feedback for
the right one explains why it is right. Displaying the exercise (``ex.q9``
as the last line of a cell) or calling ``ex.q9.options()`` shows the
question and its lettered options.

A question with several right options (``answer=["A", "C"]``) is a
*select-all-that-apply* question: the learner answers with every letter
(``"AC"``, ``"A, C"`` or ``["A", "C"]``), and a wrong selection is told why
each wrongly chosen option is wrong and how many right ones are missing.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from .exercise import Exercise, Note


def _normalise(text: str) -> str:
    text = text.casefold().replace("’", "'")
    text = re.sub(r"\bdo not\b", "dont", text)
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


class MultipleChoice(Exercise):
    """A question with lettered options and an explanation for each.

    Parameters
    ----------
    name : str
        Short label shown in feedback.
    question : str
        Markdown: the question as the learner reads it.
    options : mapping of str to str
        Option text → why it is right or wrong (Markdown), in display order;
        the options are lettered A, B, C, … in that order.
    answer : str or sequence of str
        The right option: its text or its letter. A list of them makes a
        select-all-that-apply question.
    hints : sequence of str
        Markdown, revealed one at a time by :meth:`hint`.

    Examples
    --------
    >>> q = MultipleChoice(
    ...     "Q · p-values",
    ...     question="p = 0.03. What is 0.03?",
    ...     options={
    ...         "P(H0 is true)": "No: a p-value assumes H0; it is not its probability.",
    ...         "P(data this extreme | H0)": "Yes: the definition.",
    ...     },
    ...     answer="B",
    ... )
    >>> q.check("a").message
    'A is not it: No: a p-value assumes H0; it is not its probability. Try again.'
    >>> q.check("P(data this extreme | H0)").correct
    True
    >>> several = MultipleChoice(
    ...     "Q · SRM causes",
    ...     question="Which of these can cause a sample ratio mismatch?",
    ...     options={
    ...         "a redirect that drops some treatment users": "Yes: users lost in one arm.",
    ...         "a bot filter applied after assignment": "Yes, if bots react to the change.",
    ...         "a small true effect": "No: effects change outcomes, not counts.",
    ...     },
    ...     answer=["A", "B"],
    ... )
    >>> several.check("A, B").correct, several.check(["a"]).message
    (True, '1 right option is missing. Try again.')
    """

    _retry = "Try again."
    _default_kind = "judgment"

    def __init__(
        self,
        name: str,
        *,
        question: str,
        options: Mapping[str, str],
        answer: str | Sequence[str],
        hints: Sequence[str] = (),
        kind: str = "judgment",
    ) -> None:
        if not isinstance(kind, str):
            raise TypeError(f"{name}: kind must be a string such as 'judgment', got {kind!r}")
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"{name}: question must be non-empty Markdown text")
        if not isinstance(options, Mapping) or len(options) < 2:
            raise ValueError(f"{name}: options must map at least two option texts to feedback")
        if len(options) > 26:
            raise ValueError(f"{name}: options must be at most 26 (lettered A–Z)")
        texts = list(options)
        for text, why in options.items():
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{name}: options must have non-empty text keys, got {text!r}")
            if not isinstance(why, str) or not why.strip():
                raise ValueError(
                    f"{name}: options[{text!r}] needs feedback explaining why (non-empty text)"
                )
        if len({_normalise(t) for t in texts}) != len(texts):
            raise ValueError(f"{name}: two options read the same: {texts}")
        self.question = question
        self.letters = tuple(string.ascii_uppercase[: len(texts)])
        self._options = dict(options)
        self._texts = tuple(texts)
        self.multiple = not isinstance(answer, str)
        wanted = [answer] if isinstance(answer, str) else answer
        if isinstance(wanted, Mapping) or not isinstance(wanted, Sequence | set | frozenset):
            raise ValueError(
                f"{name}: answer must be an option's letter or text, or a list of them"
            )
        indices = [self._index(a) for a in wanted]
        bad = [a for a, i in zip(wanted, indices, strict=True) if i is None]
        if bad or not indices:
            raise ValueError(
                f"{name}: answer {answer!r} is neither an option's letter "
                f"{list(self.letters)} nor its text"
            )
        self._answers = tuple(sorted({i for i in indices if i is not None}))
        if self.multiple and len(self._answers) == len(texts):
            raise ValueError(f"{name}: answer selects every option; at least one must be wrong")
        self._answer = self._answers[0]
        super().__init__(name, expected=self._right_texts, hints=hints, kind=kind)

    def _right_texts(self) -> Any:
        if self.multiple:
            return tuple(self._texts[i] for i in self._answers)
        return self._texts[self._answer]

    @property
    def answer_letters(self) -> tuple[str, ...]:
        """The letters of the right option(s), in display order."""
        return tuple(self.letters[i] for i in self._answers)

    def _index(self, answer: Any) -> int | None:
        if not isinstance(answer, str):
            return None
        key = answer.strip().strip("()").strip(".)").strip()
        if len(key) == 1 and key.upper() in self.letters:
            return self.letters.index(key.upper())
        wanted = _normalise(answer)
        for i, text in enumerate(self._texts):
            if _normalise(text) == wanted:
                return i
        return None

    def _selection(self, answer: Any) -> set[int] | str:
        """The options a select-all answer chooses, or why it cannot be read."""
        if isinstance(answer, str):
            single = self._index(answer)
            if single is not None:
                return {single}
            letters = re.sub(r"[\s,;/&+]|\band\b", "", answer.strip(), flags=re.IGNORECASE)
            if letters and all(c.upper() in self.letters for c in letters):
                return {self.letters.index(c.upper()) for c in letters}
            return (
                f"{answer.strip()[:60]!r} is not a selection of options: answer with letters "
                f"(e.g. 'AC') or a list of letters or option texts"
            )
        if isinstance(answer, Sequence | set | frozenset):
            chosen = set()
            for item in answer:
                i = self._index(item)
                if i is None:
                    return f"{item!r} is not one of the options ({', '.join(self.letters)})"
                chosen.add(i)
            return chosen
        return (
            "answer with letters (e.g. 'AC') or a list of letters or option texts, "
            f"not a value of type {type(answer).__name__}"
        )

    def _label(self, i: int) -> str:
        return f"{self.letters[i]}"

    def options(self) -> Note:
        """The question and its lettered options, for display."""
        lines = [f"- **{self.letters[i]}** · {t}" for i, t in enumerate(self._texts)]
        return Note(f"{self.name}", f"{self.question}\n\n" + "\n".join(lines) + self._how())

    def _how(self) -> str:
        if self.multiple:
            return (
                "\n\n*Select every option that applies: answer with their letters "
                "(e.g. `'AC'` or `['A', 'C']`).*"
            )
        return "\n\n*Answer with a letter (e.g. `'A'`) or the option's text.*"

    def __str__(self) -> str:
        return repr(self.options())

    def _repr_markdown_(self) -> str:
        return self.options()._repr_markdown_()

    def _problem(self, answer: Any) -> Any:
        if self.multiple:
            return self._multiple_problem(answer)
        if not isinstance(answer, str):
            return (
                f"answer with a letter ({', '.join(self.letters)}) or the option's text, "
                f"not a value of type {type(answer).__name__}"
            )
        i = self._index(answer)
        if i is None:
            return (
                f"{answer.strip()[:60]!r} is not one of the options: answer with a letter "
                f"({', '.join(self.letters)}) or an option's text"
            )
        if i == self._answer:
            return None
        return f"{self._label(i)} is not it: {self._options[self._texts[i]]}"

    def _multiple_problem(self, answer: Any) -> Any:
        chosen = self._selection(answer)
        if isinstance(chosen, str):
            return chosen
        right = set(self._answers)
        wrong = sorted(chosen - right)
        missing = len(right - chosen)
        parts = [f"{self._label(i)} does not apply: {self._options[self._texts[i]]}" for i in wrong]
        if missing:
            s = "s are" if missing > 1 else " is"
            parts.append(f"{missing} right option{s} missing")
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts) or None

    def _title(self, i: int) -> str:
        return f"{self.letters[i]} · {self._texts[i]}"

    def _praise(self, answer: Any) -> str:
        return " ".join(
            f"**{self._title(i)}** — {self._options[self._texts[i]]}" for i in self._answers
        )

    def _solution_note(self) -> str:
        return "\n\n" + self._praise(None)


class Decision(MultipleChoice):
    """A decision to take from the evidence, e.g. ship / don't ship / run longer.

    The same as :class:`MultipleChoice` (answer with the option's text or its
    letter), shown as a decision; ``options`` maps each decision to the
    reasoning that supports or rules it out.

    Examples
    --------
    >>> q = Decision(
    ...     "Q · launch",
    ...     question="The CI is +0.2 to +1.4 pp; break-even is +0.5 pp.",
    ...     options={
    ...         "ship": "Yes: the estimate clears break-even and harm is unlikely.",
    ...         "don't ship": "No: the effect is positive with 95 % confidence.",
    ...         "run longer": "Possible, but the expected value already favours shipping.",
    ...     },
    ...     answer="ship",
    ... )
    >>> q.check("do not ship").correct, q.check("Ship").correct
    (False, True)
    """

    def _label(self, i: int) -> str:
        return f"“{self._texts[i]}”"

    def _title(self, i: int) -> str:
        return self._texts[i]

    def _how(self) -> str:
        if self.multiple:
            return super()._how()
        return f"\n\n*Answer with the decision's text (e.g. `{self._texts[0]!r}`) or its letter.*"
