"""The expected time of a notebook, from its words and its exercises.

One formula for every notebook, so the number published in the notebook's
header, in notebook 00's course map and in the README can be checked
(``tests/test_course_times.py``):

* reading: the words of the Markdown and of the code a learner reads (not the
  solution cells, which the exercise time covers, nor the hidden checker
  cells), at ``WORDS_PER_MINUTE``, dense prose;
* exercises: ``EXERCISE_MINUTES`` per exercise, by kind;
* only the core path: a section whose heading says *Optional* (up to the next
  heading of the same or a higher level), and a paragraph that starts with
  *(Optional)* or ends its bold lead-in with it (with the code cells up to
  the next Markdown cell), are left out.

``python tests/course_time.py`` prints the table.
"""

from __future__ import annotations

import importlib
import itertools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

WORDS_PER_MINUTE = 200
EXERCISE_MINUTES = {"compute": 3, "implement": 6, "judgment": 2, "design": 10}
ROUND_TO = 5  # minutes

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)
_OPTIONAL_PARAGRAPH = re.compile(r"^\s*(\*\(Optional\)\*|\*\*[^*\n]+\*\*\s*\*\(Optional\)\*)", re.M)
_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")
_CHECK = re.compile(r"\bex\.(q\d+)\.check\(")
_IMPORT = re.compile(r"from xplab\.exercises import (nb\d+) as ex")


@dataclass(frozen=True)
class NotebookTime:
    name: str
    words: int  # words read on the core path
    exercises: dict[str, int]  # exercises on the core path, by kind
    reading_minutes: float
    exercise_minutes: int
    optional_words: int

    @property
    def minutes(self) -> float:
        return self.reading_minutes + self.exercise_minutes

    @property
    def published(self) -> int:
        """The estimate rounded to ``ROUND_TO`` minutes: the number to publish."""
        return int(ROUND_TO * round(self.minutes / ROUND_TO))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def estimate(path: Path) -> NotebookTime:
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    module = None
    for cell in cells:
        match = _IMPORT.search(_source(cell))
        if match:
            module = importlib.import_module(f"xplab.exercises.{match.group(1)}")
            break
    words = optional_words = 0
    kinds = dict.fromkeys(EXERCISE_MINUTES, 0)
    seen: set[str] = set()
    optional_level = None  # heading level of the Optional section we are in
    optional_paragraph = False
    for cell in cells:
        src = _source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution-only" in tags:
            continue
        if cell["cell_type"] == "markdown":
            optional_paragraph = False
            # split at headings: each part belongs to the section its heading opens
            starts = [m.start() for m in _HEADING.finditer(src)]
            bounds = [0, *starts, len(src)]
            for lo, hi in itertools.pairwise(bounds):
                part = src[lo:hi]
                heading = _HEADING.match(part)
                if heading:
                    level = len(heading.group(1))
                    if optional_level is not None and level <= optional_level:
                        optional_level = None
                    if optional_level is None and "optional" in heading.group(2).lower():
                        optional_level = level
                if optional_level is None and _OPTIONAL_PARAGRAPH.search(part):
                    optional_paragraph = True
                n = len(_WORD.findall(part))
                if optional_level is not None or optional_paragraph:
                    optional_words += n
                else:
                    words += n
            continue
        optional = optional_level is not None or optional_paragraph
        check = _CHECK.search(src)
        if check and module is not None and not optional and check.group(1) not in seen:
            seen.add(check.group(1))
            kinds[getattr(module, check.group(1)).kind] += 1
        if "solution" in tags:
            continue
        n = len(src.split())
        if optional:
            optional_words += n
        else:
            words += n
    return NotebookTime(
        name=Path(path).stem,
        words=words,
        exercises=kinds,
        reading_minutes=words / WORDS_PER_MINUTE,
        exercise_minutes=sum(EXERCISE_MINUTES[k] * n for k, n in kinds.items()),
        optional_words=optional_words,
    )


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    print(
        f"{'notebook':45s} {'words':>6s} {'read':>5s} {'exercises':>22s} {'ex min':>6s} {'total':>6s} {'publish':>7s} {'optional words':>14s}"
    )
    for path in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb")):
        t = estimate(path)
        ex = "/".join(str(t.exercises[k]) for k in EXERCISE_MINUTES)
        print(
            f"{t.name:45s} {t.words:6d} {t.reading_minutes:5.1f} {ex:>22s} {t.exercise_minutes:6d} "
            f"{t.minutes:6.1f} {t.published:7d} {t.optional_words:14d}"
        )


if __name__ == "__main__":
    main()
