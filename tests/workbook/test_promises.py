"""The workbook keeps its promises, checked on every chapter (issue 17, "done when").

1. **Judgment questions cannot be answered by position.** Over each chapter's
   single-answer multiple-choice and decision questions (and over the whole
   course), no option position holds more than 40 % of the right answers
   (with fewer than five questions: no position more than once), and the right
   option is the longest in at most half of them.
2. **Every function check tells apart the known wrong variants it lists.**
   Every function exercise lists its known mistakes (``mistakes=``); each
   listed wrong function gets "not quite" with its own message, so the cases
   contain the edge cases that separate it from the reference. Listed wrong
   values are refused by name, and listed alternatives are accepted.
3. **No cell before an exercise prints its expected value.** In the stored
   outputs of ``solutions/`` and ``notebooks/``, no output of a cell before an
   exercise's solution cell contains the expected value as a notebook would
   print it. To avoid false positives on common numbers, only forms with at
   least three significant digits count (``0.367``, ``0.3673``, ``36.7`` as a
   percentage, ``31,262``); a match must stand alone (no digit or decimal
   point before it, no digit after it); whole numbers below 100 and
   non-numeric answers are not searched. Two-digit forms such as ``0.37``
   occur everywhere by chance and are left out. An exercise whose answer is
   chosen from printed candidates (an l2 from the validation table) is
   exempt by name, with its reason.

Also: the values of issue 17 §1.1, copied from the notebooks' own output,
are accepted with the precise value shown; and the hidden test cells of
``solutions/`` display nothing, also in static HTML.

Chapters whose content is still being revised (on the ``content`` branch)
are marked ``xfail(strict=True)`` below, named with the reason: when a
revision lands and its chapter passes, the strict mark fails and must be
removed.
"""

from __future__ import annotations

import importlib
import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from xplab.workbook import Exercise, MultipleChoice, Status
from xplab.workbook.build import SOLUTION_ONLY, solution_cells

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem[2:] for p in (ROOT / "src/xplab/exercises").glob("nb[0-9][0-9].py"))
NEEDS_DATA = {"05", "06", "08", "09"}  # MovieLens 100K, BBC News and Online Retail
HAS_DATA = bool(os.environ.get("XPLAB_DATA_DIR"))

#: Chapters whose judgment questions the content revision has not reached yet.
POSITIONS_PENDING: dict[str, str] = {}
#: Chapters that print an expected value before its exercise (content revision pending).
GIVEN_AWAY_PENDING: dict[str, str] = {}
#: Exercises whose answer is one of the printed inputs it is chosen from, by design.
CHOSEN_FROM_PRINTED = {
    ("05", "q7"): "the l2 chosen on validation is one of the labels of the validation table",
}


def module(chapter: str) -> Any:
    return importlib.import_module(f"xplab.exercises.nb{chapter}")


def exercises(chapter: str) -> dict[str, Exercise]:
    mod = module(chapter)
    return {
        k: v for k, v in vars(mod).items() if isinstance(v, Exercise) and v._module == mod.__name__
    }


def notebook(folder: str, chapter: str) -> Any:
    (path,) = (ROOT / folder).glob(f"{chapter}_*.ipynb")
    return nbformat.read(path, as_version=4)


def pending(reasons: dict[str, str], chapter: str) -> list[Any]:
    if chapter not in reasons:
        return []
    return [pytest.mark.xfail(strict=True, reason=f"content revision pending: {reasons[chapter]}")]


def needs_data(chapter: str) -> list[Any]:
    if chapter not in NEEDS_DATA:
        return []
    return [
        pytest.mark.data,
        pytest.mark.skipif(not HAS_DATA, reason="XPLAB_DATA_DIR is not set"),
    ]


# -- 1. option positions -------------------------------------------------------------


def single_answer_questions(chapters: list[str]) -> list[MultipleChoice]:
    return [
        q
        for c in chapters
        for q in exercises(c).values()
        if isinstance(q, MultipleChoice) and not q.multiple
    ]


def position_problems(questions: list[MultipleChoice]) -> list[str]:
    """What breaks the rule in a set of questions (empty when it holds)."""
    n = len(questions)
    if n == 0:
        return []
    problems = []
    limit = max(1, math.floor(0.4 * n))
    counts = Counter(q.answer_letters[0] for q in questions)
    for letter, count in sorted(counts.items()):
        if count > limit:
            problems.append(f"{letter} is right in {count} of {n} questions (at most {limit})")
    longest = [
        q.name
        for q in questions
        if len(q._texts[q._answer]) == max(len(t) for t in q._texts)  # ties count as longest
    ]
    if len(longest) > n / 2:
        problems.append(
            f"the right option is the longest in {len(longest)} of {n}: {', '.join(longest)}"
        )
    return problems


def test_the_position_rule_itself():
    def q(answer: str, texts: list[str]) -> MultipleChoice:
        return MultipleChoice("q", question="?", options={t: "why" for t in texts}, answer=answer)

    balanced = [q(a, ["aa", "bbbb", "c"]) for a in "ABC"]
    assert position_problems(balanced) == []
    all_b = [q("B", ["aa", "b", "cc"]) for _ in range(5)]
    assert position_problems(all_b) == ["B is right in 5 of 5 questions (at most 2)"]
    longest = [q(a, ["aaaa", "bbbb", "cccc"]) for a in "ABC"]
    assert "longest in 3 of 3" in position_problems(longest)[0]


@pytest.mark.parametrize(
    "chapter", [pytest.param(c, marks=pending(POSITIONS_PENDING, c)) for c in CHAPTERS]
)
def test_answers_are_not_given_by_their_position(chapter):
    problems = position_problems(single_answer_questions([chapter]))
    assert not problems, f"chapter {chapter}: " + "; ".join(problems)


def test_answers_are_not_given_by_their_position_course_wide():
    problems = position_problems(single_answer_questions(CHAPTERS))
    assert not problems, "; ".join(problems)


# -- 2. known mistakes and alternatives ----------------------------------------------------


FUNCTIONS = [(c, name) for c in CHAPTERS for name, q in exercises(c).items() if q.is_function]
FUNCTION_MISTAKES = [
    (c, name, message) for c, name in FUNCTIONS for message in exercises(c)[name].mistakes
]
VALUES_WITH_NAMES = [
    pytest.param(c, name, marks=needs_data(c), id=f"{c}-{name}")
    for c in CHAPTERS
    for name, q in exercises(c).items()
    if not q.is_function and (q.mistakes or q.accepted)
]


@pytest.mark.parametrize(("chapter", "name"), FUNCTIONS, ids=[f"{c}-{n}" for c, n in FUNCTIONS])
def test_every_function_exercise_lists_its_known_mistakes(chapter, name):
    assert exercises(chapter)[name].mistakes, "list the wrong variants strong candidates write"


@pytest.mark.parametrize(
    ("chapter", "name", "message"),
    FUNCTION_MISTAKES,
    ids=[f"{c}-{n}-{i}" for i, (c, n, _) in enumerate(FUNCTION_MISTAKES)],
)
def test_function_checks_tell_each_listed_mistake_apart(chapter, name, message):
    q = exercises(chapter)[name]
    fb = q.check(q.mistakes[message])
    assert fb.status is Status.INCORRECT, f"{q.name}: the cases do not catch {message!r}"
    assert message in fb.message, f"{q.name}: {message!r} got another message: {fb.message}"


@pytest.mark.parametrize(("chapter", "name"), VALUES_WITH_NAMES)
def test_listed_wrong_values_are_refused_by_name_and_alternatives_accepted(chapter, name):
    q = exercises(chapter)[name]
    for message, wrong in q.mistakes.items():
        fb = q.check(wrong())
        assert fb.status is Status.INCORRECT and message in fb.message, fb
    for note, other in q.accepted.items():
        fb = q.check(other())
        assert fb.correct and note in fb.message, fb


# -- 3. nothing printed before its exercise ----------------------------------------------


def _forms_of_number(x: float, printed: tuple[str, ...] = ()) -> set[str]:
    """How a notebook might print ``x`` with three significant digits or more."""
    if isinstance(x, bool | np.bool_) or not isinstance(x, int | float | np.number):
        return set()
    if isinstance(x, int | np.integer):
        n = abs(int(x))
        return {str(n), f"{n:,}"} if n >= 100 else set()
    x = abs(float(x))
    if x == 0 or not math.isfinite(x):
        return set()
    forms = set()
    for value in (x, 100 * x):  # as a fraction and as a percentage
        for digits in range(3, 7):
            padded = f"{value:#.{digits}g}"
            forms.add(padded.rstrip(".") if "e" not in padded else f"{value:.{digits}g}")
            stripped = f"{value:.{digits}g}"
            if len(re.sub(r"\D|^0+|e.*", "", stripped).lstrip("0")) >= 3:
                forms.add(stripped)
        if value >= 1000:
            forms |= {f"{value:,.0f}", f"{value:.0f}", f"{value:,.1f}", f"{value:,.2f}"}
    for spec in printed:
        text = format(x, spec)
        if len(re.sub(r"\D", "", text).lstrip("0")) >= 3:
            forms.add(text)
    return forms


def printed_forms(q: Exercise) -> set[str]:
    """The forms of ``q``'s expected value to search for (none for non-numbers)."""
    if q.is_function or q._checker is not None or isinstance(q, MultipleChoice):
        return set()
    if q._estimate is not None:
        return set()
    value = q.expected
    if isinstance(value, list | tuple | np.ndarray):
        items = np.asarray(value, dtype=object).ravel()
        return set().union(*(_forms_of_number(v, q._tol.printed) for v in items))
    return _forms_of_number(value, q._tol.printed)


def output_texts(cell: Any) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"])
        data = out.get("data", {})
        for mime in ("text/plain", "text/markdown"):
            if mime in data:
                texts.append(data[mime])
        if "text/html" in data and "text/plain" not in data:
            texts.append(data["text/html"])
    return ["".join(t) if isinstance(t, list) else t for t in texts]


def given_away(nb: Any, chapter: str) -> list[str]:
    found = []
    qs = exercises(chapter)
    for name, start in solution_cells(nb).items():
        if (chapter, name) in CHOSEN_FROM_PRINTED:
            continue
        forms = printed_forms(qs[name])
        if not forms:
            continue
        pattern = re.compile(
            r"(?<![\d.])("
            + "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
            + r")(?!\d)"
        )
        for index, cell in enumerate(nb.cells[:start]):
            for text in output_texts(cell):
                match = pattern.search(text)
                if match:
                    found.append(
                        f"{name}: cell {index} ({cell.get('id', '?')}) prints {match.group(1)!r} "
                        f"before the exercise (solution cell {start})"
                    )
    return found


def test_the_search_for_printed_values():
    assert {"0.367", "0.3673", "0.36725", "36.7", "36.73"} <= _forms_of_number(0.36725)
    assert "0.37" not in _forms_of_number(0.36725)  # two digits: too common to search
    assert {"31262", "31,262"} == _forms_of_number(31_262)
    assert _forms_of_number(42) == set()
    assert "0.250" in _forms_of_number(0.250161) and "0.25" not in _forms_of_number(0.250161)
    assert "8.191e-05" in _forms_of_number(8.19123e-05)


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize(
    "chapter",
    [pytest.param(c, marks=[*needs_data(c), *pending(GIVEN_AWAY_PENDING, c)]) for c in CHAPTERS],
)
def test_no_cell_before_an_exercise_prints_its_expected_value(chapter, folder):
    found = given_away(notebook(folder, chapter), chapter)
    assert not found, "\n".join(found)


# -- values as printed (issue 17 §1.1) ---------------------------------------------------

#: (chapter, exercise, the value as the notebook or its prose shows it)
AS_PRINTED = [
    ("01", "q4", 0.37),
    ("01", "q14", 5000),  # "about USD 5,000"
    ("01", "q15", [0.528, 0.172, 0.528, 0.250, 0.528]),  # Holm, 3 decimals
    ("01", "q19", 0.44),
    ("02", "q9", 0.072),
    ("02", "q12", 2.39),
    ("03", "q9", 0.00235),  # the crashy build's stage-1 bound, as decide() prints it
    ("03", "q11", -0.011),
    ("04", "q1", -0.0225),
    ("04", "q5", 30.4e6),
    ("05", "q1", 0.94),
    ("05", "q12", 0.94),
    ("06", "q8", 0.0606),
]


@pytest.mark.parametrize(
    ("chapter", "name", "value"),
    [pytest.param(c, n, v, marks=needs_data(c), id=f"{c}-{n}") for c, n, v in AS_PRINTED],
)
def test_values_copied_from_the_notebooks_are_accepted(chapter, name, value):
    fb = exercises(chapter)[name].check(value)
    assert fb.correct, fb
    assert "precise value" in fb.message, fb


# -- the hidden test cells display nothing ------------------------------------------------


def test_the_hidden_test_cells_of_the_solutions_have_no_output():
    shown = []
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if SOLUTION_ONLY in cell.metadata.get("tags", []) and cell.get("outputs"):
                shown.append(f"{path.name} cell {cell.get('id')}")
    assert not shown, "re-execute these notebooks: " + ", ".join(shown)


def test_no_not_quite_in_the_solutions_html():
    from nbconvert import HTMLExporter

    # 02 has a visible wrong-answer cell (it defines the wrong function it tests)
    (path,) = (ROOT / "solutions").glob("02_*.ipynb")
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(path, as_version=4))
    assert "Not quite" not in body
    assert body.count("Correct</strong>") + body.count("**Correct**") >= 1


# Design exercises whose answer is a function, checked by a checker (not by cases):
# the workbook's placeholder (a function returning None) must read "not attempted".
FUNCTION_DESIGNS = [("06", "q11")]
# Design exercises whose workbook cell is a template to fill in.
TEMPLATE_DESIGNS = [("09", "q18")]


@pytest.mark.parametrize(
    ("chapter", "name"),
    [pytest.param(c, n, marks=needs_data(c)) for c, n in FUNCTION_DESIGNS],
)
def test_an_unanswered_function_design_reads_not_attempted(chapter, name):
    from xplab.workbook import Status

    question = getattr(module(chapter), name)
    assert question.check(lambda *args: None).status is Status.UNATTEMPTED
    assert question.check(lambda *args: []).status is Status.INCORRECT


@pytest.mark.parametrize(
    ("chapter", "name"),
    [pytest.param(c, n, marks=needs_data(c)) for c, n in TEMPLATE_DESIGNS],
)
def test_an_untouched_template_reads_not_attempted(chapter, name):
    from xplab import framework
    from xplab.workbook import Status

    ex = module(chapter)
    blank = framework.PersonalizationPlan(**ex.BLANK_PLAN)
    feedback = getattr(ex, name).check(blank)
    assert feedback.status is Status.UNATTEMPTED
    assert "template" in str(feedback)
    started = framework.PersonalizationPlan(**{**ex.BLANK_PLAN, "latency_ms": 50})
    assert getattr(ex, name).check(started).status is Status.INCORRECT


def test_the_workbook_template_of_09_q18_is_the_blank_plan():
    # the blank plan the checker recognises is the one the workbook's cell builds
    from xplab import framework

    (path,) = (ROOT / "notebooks").glob("09_*.ipynb")
    cells = nbformat.read(path, as_version=4).cells
    (src,) = [
        c.source
        for c in cells
        if "plan = framework.PersonalizationPlan(\n    signals=[]," in c.source
    ]
    ns: dict[str, Any] = {"framework": framework}
    exec(src, ns)
    assert ns["plan"] == framework.PersonalizationPlan(**module("09").BLANK_PLAN)
