"""The model solutions, captured from the solution notebooks by the build.

``python -m xplab.workbook build`` reads every ``solution`` cell of
``solutions/NN_*.ipynb`` and writes, beside the exercise modules of the
notebook (``xplab/exercises/solutions.json``),
``{"nb01": {"q1": "<code of the solution cell>", ...}, ...}``: the exercise
module's last name, then the exercise's attribute name. ``build --check``
fails when the file is out of date, so ``Exercise.solution()`` always shows
the code the solution notebook runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exercise import Exercise

FILENAME = "solutions.json"


def solutions_path(package: str) -> Path:
    """Where the solutions of the exercise modules in ``package`` are kept."""
    import importlib

    module = importlib.import_module(package)
    if module.__file__ is None:
        raise ValueError(f"package {package!r} has no folder to keep {FILENAME} in")
    return Path(module.__file__).parent / FILENAME


def read_solutions(path: Path) -> dict[str, dict[str, str]]:
    """The captured solutions in ``path`` (empty when the file does not exist)."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(solutions: dict[str, dict[str, str]]) -> str:
    """The file's text: sorted, one indented key a line, so diffs stay readable."""
    return json.dumps(solutions, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def attribute_name(exercise: Exercise) -> tuple[str, str] | None:
    """(module, attribute) under which ``exercise`` is defined, if it is found."""
    module = sys.modules.get(exercise._module)
    if module is None:
        return None
    for attr, value in vars(module).items():
        if value is exercise:
            return exercise._module, attr
    return None


def solution_code(exercise: Exercise) -> str | None:
    """The captured code of ``exercise``'s solution cell, or None."""
    where = attribute_name(exercise)
    if where is None:
        return None
    module, attr = where
    package, _, short = module.rpartition(".")
    if not package:
        return None
    try:
        path = solutions_path(package)
    except (ImportError, ValueError):
        return None
    return read_solutions(path).get(short, {}).get(attr)
