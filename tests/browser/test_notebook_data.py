"""The browser tests' per-notebook data still fits the notebooks (no browser needed).

Run with the rest of the suite, so a renumbered exercise or a reworded printout
shows up here, by name, rather than as a browser failure.
"""

from __future__ import annotations

import importlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from xplab.data import DatasetUnavailableError
from xplab.workbook import Exercise, MultipleChoice

from .labpage import REPO
from .notebook_data import (
    CHECKS,
    JUDGMENT,
    KNOWN_DEFECTS,
    NUMERIC,
    first_judgment,
    judgment_row_needed,
    numeric_row_needed,
)
from .pagecheck import exercise_cells


def _notebook(folder: str, number: str) -> Path:
    found = sorted((REPO / folder).glob(f"{number}_*.ipynb"))
    assert found, f"no {folder}/{number}_*.ipynb"
    return found[0]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _shown_text(path: Path) -> str:
    """Everything a reader of the notebook sees as text: Markdown and stored outputs."""
    parts = []
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            parts.append(_source(cell))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append("".join(data))
    return "\n".join(parts)


WORKBOOK_NUMBERS = sorted(p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _workbook_cells(number: str) -> list[tuple[str, str]]:
    return [(c["cell_type"], _source(c)) for c in _cells(_notebook("notebooks", number))]


@pytest.mark.parametrize("number", sorted(NUMERIC))
def test_numeric_row(number):
    exercise, value, shown = NUMERIC[number]
    question = getattr(importlib.import_module(f"xplab.exercises.nb{number}"), exercise)
    assert isinstance(question, Exercise) and not isinstance(question, MultipleChoice)
    assert question.kind == "compute", f"nb{number}.{exercise} is a {question.kind} exercise"
    try:
        Decimal(value)
    except InvalidOperation:
        pytest.fail(f"{value!r} is not a number as a learner would type it")
    exercise_cells(_workbook_cells(number), exercise)
    if shown is not None:
        text = _shown_text(_notebook("solutions", number))
        assert shown in text, f"solutions/{number}: nothing shows {shown!r} any more"
        percent = format((Decimal(value) * 100).normalize(), "f")
        assert value in shown or re.search(rf"{re.escape(percent)} ?%", shown), (
            f"{shown!r} does not show {value}"
        )


@pytest.mark.parametrize("number", sorted(NUMERIC))
def test_numeric_row_is_that_exercises_value(number):
    """The value belongs to the exercise the row names (within 5 %: a renumbering shows)."""
    exercise, value, _ = NUMERIC[number]
    question = getattr(importlib.import_module(f"xplab.exercises.nb{number}"), exercise)
    try:
        expected = float(question.expected)
    except DatasetUnavailableError as exc:
        pytest.skip(f"the answer needs a dataset: {str(exc).splitlines()[0]}")
    assert abs(float(value) - expected) <= 0.05 * abs(expected), (
        f"nb{number}.{exercise}'s answer is {expected:.6g}, not about {value}: "
        "update NUMERIC in tests/browser/notebook_data.py"
    )


@pytest.mark.parametrize("number", sorted(JUDGMENT))
def test_judgment_row(number):
    name = JUDGMENT[number]
    question = getattr(importlib.import_module(f"xplab.exercises.nb{number}"), name)
    assert isinstance(question, MultipleChoice), f"nb{number}.{name} is not a judgment question"
    exercise_cells(_workbook_cells(number), name)


def test_known_defects_name_checks_and_notebooks():
    numbers = {p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for check, number in KNOWN_DEFECTS:
        assert check in CHECKS, f"KNOWN_DEFECTS names an unknown check {check!r}"
        assert number in numbers, f"KNOWN_DEFECTS names notebook {number}, which does not exist"


@pytest.mark.parametrize("number", WORKBOOK_NUMBERS)
def test_every_notebook_has_its_rows(number, pending):
    """A notebook without a row (a new chapter) is pending, named in its own section at the end."""
    missing = []
    if number not in NUMERIC:
        missing.append(pending(f"{number} NUMERIC", numeric_row_needed(number)))
    if number not in JUDGMENT:
        missing.append(
            pending(f"{number} JUDGMENT", judgment_row_needed(number, first_judgment(number)))
        )
    if missing:
        pytest.skip("PENDING: " + " | ".join(missing))
