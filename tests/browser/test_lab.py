"""The learner's path through every notebook, in JupyterLab in a real browser.

For each workbook notebook (``notebooks/NN_*.ipynb``, whatever is there):
Run All finishes; no error output but the expected "not attempted" feedback;
Markdown math rendered by MathJax and no TeX left raw; no frozen progress
bar; a numeric exercise accepts its value exactly as the notebook prints it
and answers the value x100 with a percentage hint; a judgment question
answered with a wrong letter explains that option. For each solutions
notebook: Run All shows no "Not quite". What each notebook is asked, and the
checks known to fail today, are in ``notebook_data.py``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .labpage import KEEP_SCREENSHOTS, NOTEBOOK_TIMEOUT, REPO, Cell, NotebookPage
from .notebook_data import (
    CHECKS,
    JUDGMENT,
    KNOWN_DEFECTS,
    NUMERIC,
    first_judgment,
    judgment_row_needed,
    numeric_row_needed,
)
from .pagecheck import (
    CHECK_CELL,
    DEMONSTRATION,
    contains_words,
    exercise_cells,
    math_segments,
    progress_problems,
    raw_math,
    reads_as_prose,
)

pytestmark = pytest.mark.browser

WORKBOOK = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(p.name for p in (REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))


def per_notebook(check: str, names: list[str]) -> Any:
    """Parametrize a test over notebooks, one Lab tab per notebook for all of its tests."""
    assert check in CHECKS, f"{check} is not in notebook_data.CHECKS"
    params = []
    for name in names:
        reason = KNOWN_DEFECTS.get((check, name[:2]))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, id=name[:2], marks=marks))
    fixture = "solutions" if check.startswith("solutions") else "workbook"
    return pytest.mark.parametrize(fixture, params, indirect=True, scope="module")


@dataclass
class Ran:
    """A notebook opened in Lab and run with Run All."""

    page: NotebookPage
    folder: str
    name: str
    run: dict[str, Any]
    cells: list[Cell]
    screenshot: Path
    captured: bool = False
    answered: tuple[int, int, str] | None = None  # the last answered exercise's cells, its label

    @property
    def number(self) -> str:
        return self.name[:2]

    def where(self) -> str:
        return f"{self.folder}/{self.name} (screenshot: {self.screenshot})"

    def capture(self) -> None:
        """Keep a screenshot of the whole notebook (once: at its first failure), and one of
        the exercise a failing test answered."""
        if self.answered is not None:
            self.capture_answer()
        if not self.captured:
            self.captured = True
            self.page.screenshot(self.screenshot)

    def capture_answer(self) -> None:
        """A screenshot of the exercise just answered: its cell through its check's output."""
        first, check, label = self.answered or (0, 0, "")
        self.answered = None
        if label:
            shot = self.screenshot.with_name(f"{self.screenshot.stem}-{label}.png")
            self.page.cells_screenshot(first, check, shot)

    def require_finished(self) -> None:
        if not self.run.get("ok"):
            pytest.fail(f"Run All did not finish in {self.where()}: {self.run}")

    def cell(self, index: int) -> Cell:
        return self.page.cells()[index]


def _open_and_run(request, tabs, artifacts, run_times, folder: str) -> Iterator[Ran]:
    path = f"{folder}/{request.param}"
    page = tabs.take(path)
    try:
        try:
            run = page.finish(timeout=NOTEBOOK_TIMEOUT)
            run_times[path] = run["seconds"]
        except Exception as exc:  # a hung notebook: report it in test_run_all, not as an error
            run = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        shot = artifacts / f"{folder}-{request.param.removesuffix('.ipynb')}.png"
        ran = Ran(page, folder, request.param, run, page.cells(), shot)
        if KEEP_SCREENSHOTS:
            ran.capture()
        yield ran
    finally:
        tabs.release(path)


@pytest.fixture(scope="module")
def workbook(request, notebook_tabs, artifacts, run_times) -> Iterator[Ran]:
    yield from _open_and_run(request, notebook_tabs, artifacts, run_times, "notebooks")


@pytest.fixture(scope="module")
def solutions(request, notebook_tabs, artifacts, run_times) -> Iterator[Ran]:
    yield from _open_and_run(request, notebook_tabs, artifacts, run_times, "solutions")


def _show(cell: Cell, text: str, width: int = 160) -> str:
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
    text = " ".join(text.split())
    return f"cell {cell.index} ({first!r}): {text[:width]}"


# ---------------------------------------------------------------------------- 1. Run All


def _run_problems(ran: Ran) -> list[str]:
    """Why Run All did not get through: the run's state, cells left unrun, tracebacks."""
    found = [] if ran.run.get("ok") else [f"Run All did not finish: {ran.run}"]
    for cell in ran.cells:
        if cell.type == "code" and cell.source.strip() and cell.execution_count is None:
            found.append(_show(cell, "did not run"))
        found += [_show(cell, o.text) for o in cell.outputs if o.output_type == "error"]
    return found


@per_notebook("run_all", WORKBOOK)
def test_run_all(workbook):
    """Run All finishes, every code cell ran, and the kernel is idle, within the time limit."""
    problems = _run_problems(workbook)
    assert not problems, "\n".join([workbook.where(), *problems])


# ---------------------------------------------------------------------------- 2. errors


def _errors(ran: Ran) -> list[str]:
    found = []
    for cell in ran.cells:
        for out in cell.outputs:
            if out.output_type == "error":
                found.append(_show(cell, f"error output: {out.text}"))
            elif out.name == "stderr":  # a pink box, a progress bar there too (also check 3)
                found.append(_show(cell, f"stderr (a pink box): {out.text}"))
            elif "Error displaying widget" in out.text:
                found.append(_show(cell, out.text))
        check = CHECK_CELL.match(cell.source)
        if check and "Not attempted" not in cell.output_text:
            found.append(
                _show(cell, f"the check of the unanswered {check[1]} says: {cell.output_text}")
            )
    return found


@per_notebook("no_errors", WORKBOOK)
def test_no_errors(workbook):
    """No traceback, warning or widget error; each exercise's check says "not attempted"."""
    workbook.require_finished()
    errors = _errors(workbook)
    assert not errors, "\n".join([workbook.where(), *errors])


# ---------------------------------------------------------------------------- 3. math, bars


def _math_problems(cells: list[Cell]) -> list[str]:
    found = []
    for cell in cells:
        if cell.type == "markdown":
            if cell.markdown_text is None:
                found.append(_show(cell, "the Markdown cell is not rendered"))
                continue
            segments = math_segments(cell.source)
            if cell.markdown_math != len(segments):
                found.append(
                    _show(
                        cell,
                        f"{len(segments)} math segment(s) in the source, "
                        f"{cell.markdown_math} rendered by MathJax",
                    )
                )
            for raw in raw_math(cell.markdown_text):
                found.append(_show(cell, f"raw TeX on the page: {raw}"))
            for seg in segments:
                if reads_as_prose(seg):
                    found.append(_show(cell, f"dollar amounts typeset as math: ${seg.tex}$"))
        for text in cell.output_markdown:
            for raw in raw_math(text):
                found.append(_show(cell, f"raw TeX in an output: {raw}"))
    return found


@per_notebook("math", WORKBOOK)
def test_math(workbook):
    """MathJax typesets every formula of the Markdown, and no TeX or dollar amount is left raw."""
    workbook.page.settle()
    problems = _math_problems(workbook.page.cells())
    assert not problems, "\n".join([workbook.where(), *problems])


@per_notebook("progress_bars", WORKBOOK)
def test_progress_bars(workbook):
    """No progress bar frozen short of 100 % or on stderr: as stored, and after Run All."""
    workbook.require_finished()
    problems = [
        _show(cell, f"{when}: {problem}")
        for when, cells in (("as opened", workbook.page.opened), ("after Run All", workbook.cells))
        for cell in cells
        for problem in progress_problems(list(cell.outputs))
    ]
    assert not problems, "\n".join([workbook.where(), *problems])


# ---------------------------------------------------------------------------- 4, 5. answers


def _exercise_cells(ran: Ran, exercise: str) -> tuple[int, int, str]:
    """(answer cell, check cell, answer name) of ``exercise`` in the workbook."""
    try:
        return exercise_cells([(c.type, c.source) for c in ran.cells], exercise)
    except LookupError as exc:
        pytest.fail(f"{exc} in {ran.where()}")


def _answer(ran: Ran, exercise: str, value: str, label: str) -> str:
    """Type ``answer = value`` into the exercise's cell, run it and its check; the check's text."""
    ran.require_finished()
    ran.answered = None
    first, check, name = _exercise_cells(ran, exercise)
    ran.page.type_into(first, f"{name} = {value}")
    ran.page.run_cells(first, check - first + 1)
    cell = ran.cell(check)
    # its screenshot (seconds on a long page) is taken when the test fails (or kept on request)
    ran.answered = (first, check, label)
    if KEEP_SCREENSHOTS:
        ran.capture_answer()
    return cell.output_text


def _numeric(ran: Ran, pending) -> tuple[str, str]:
    row = NUMERIC.get(ran.number)
    if row is None:  # a new chapter: pending until its row is written, and said so at the end
        pytest.skip("PENDING: " + pending(f"{ran.number} NUMERIC", numeric_row_needed(ran.number)))
    return row[0], row[1]


def times_100(value: str) -> str:
    """``value`` x100, written as a learner would type it ("0.072" -> "7.2")."""
    return format((Decimal(value) * 100).normalize(), "f")


@per_notebook("as_printed", WORKBOOK)
def test_as_printed(workbook, pending):
    """The value exactly as the notebook prints it is accepted: the page shows ✅."""
    exercise, value = _numeric(workbook, pending)
    text = _answer(workbook, exercise, value, "as-printed")
    assert "✅" in text, f"{exercise} = {value} in {workbook.where()}: the check says {text!r}"


@per_notebook("percentage_hint", WORKBOOK)
def test_percentage_hint(workbook, pending):
    """The same value x100 gets the hint that it looks like a percentage."""
    exercise, value = _numeric(workbook, pending)
    typed = times_100(value)
    text = _answer(workbook, exercise, typed, "percentage")
    assert "Not quite" in text and re.search("per ?cent", text, re.I), (
        f"{exercise} = {typed} in {workbook.where()}: the check says {text!r}"
    )


def _judgment(number: str, pending) -> Any:
    module = importlib.import_module(f"xplab.exercises.nb{number}")
    name = JUDGMENT.get(number)
    if name is None:  # a new chapter: its first judgment question, and a pending row
        name = first_judgment(number)
        note = pending(f"{number} JUDGMENT", judgment_row_needed(number, name))
        if name is None:
            pytest.skip("PENDING: " + note)
    return name, getattr(module, name)


@per_notebook("judgment_feedback", WORKBOOK)
def test_judgment_feedback(workbook, pending):
    """A wrong letter gets "Not quite" with the explanation written for that option."""
    name, question = _judgment(workbook.number, pending)
    letter = next(x for x in question.letters if not question.check(x).correct)
    expected = question.check(letter).message
    text = _answer(workbook, name, repr(letter), "judgment")
    assert "Not quite" in text and "✅" not in text, (
        f"{name} = {letter!r} in {workbook.where()}: the check says {text!r}"
    )
    assert contains_words(text, expected), (
        f"{name} = {letter!r} in {workbook.where()}: the page shows {text!r}, "
        f"not option {letter}'s explanation {expected!r}"
    )


# ---------------------------------------------------------------------------- solutions


@per_notebook("solutions_run_all", SOLUTIONS)
def test_solutions_run_all(solutions):
    """Each solutions notebook runs to the end in Lab, without an error output."""
    problems = _run_problems(solutions)
    assert not problems, "\n".join([solutions.where(), *problems])


@per_notebook("solutions_not_quite", SOLUTIONS)
def test_solutions_not_quite(solutions):
    """After Run All a facilitator sees only the correct feedback: no "Not quite" anywhere
    (but in a cell that checks a wrong value on purpose to demonstrate the feedback)."""
    solutions.require_finished()
    shown = [
        _show(cell, cell.visible_output_text)
        for cell in solutions.cells
        if "Not quite" in cell.visible_output_text and not DEMONSTRATION.match(cell.source)
    ]
    assert not shown, "\n".join(
        [f'{len(shown)} cell(s) show "Not quite" in {solutions.where()}', *shown]
    )
