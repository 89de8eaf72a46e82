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

:func:`sections` splits the same count by section (a level-1 or level-2
heading opens one), core and optional parts apart: the facilitator's guide
plans its sessions with these numbers, and they add up to :func:`estimate`.

``python tests/course_time.py`` prints the table; ``python tests/course_time.py
--sections [NN ...]`` prints each notebook's sections, and ``--plan NN`` a
session-plan table for the guide, with the minutes filled in
(``tests/test_guide.py`` checks the guide's tables against them).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import math
import re
import sys
from collections.abc import Iterator
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
SECTION_LEVEL = 2  # a heading of this level or higher opens a section


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


@dataclass(frozen=True)
class SectionTime:
    """One section's share of the estimate: its core path (``words``,
    ``exercises``) and, apart, its optional parts (``optional_words``,
    ``optional_exercises``)."""

    title: str  # the heading that opens the section, without its #s
    words: int
    exercises: dict[str, int]
    optional_words: int
    optional_exercises: dict[str, int]

    @property
    def minutes(self) -> float:
        """Core-path minutes: reading plus exercises."""
        return self.words / WORDS_PER_MINUTE + _exercise_minutes(self.exercises)

    @property
    def optional_minutes(self) -> float:
        return self.optional_words / WORDS_PER_MINUTE + _exercise_minutes(self.optional_exercises)

    @property
    def published(self) -> int:
        """Core-path minutes to the nearest whole minute: the number a session plan shows."""
        return whole_minutes(self.minutes)

    @property
    def published_optional(self) -> int:
        """Optional minutes to the nearest whole minute (at least 1 when there are any)."""
        if not self.optional_words and not any(self.optional_exercises.values()):
            return 0
        return max(1, whole_minutes(self.optional_minutes))


def whole_minutes(minutes: float) -> int:
    """``minutes`` rounded half up to a whole minute."""
    return math.floor(minutes + 0.5)


@dataclass(frozen=True)
class _Part:
    section: str
    words: int = 0
    optional: bool = False
    exercise: str | None = None  # an exercise's name (q7), at one of its check cells
    kind: str | None = None


def _exercise_minutes(kinds: dict[str, int]) -> int:
    return sum(EXERCISE_MINUTES[k] * n for k, n in kinds.items())


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _parts(cells: list[dict]) -> Iterator[_Part]:
    """Every counted piece of a notebook, in order, with its section and whether
    it is optional: the words of a Markdown part or a code cell, and each check
    cell of an exercise."""
    module = None
    for cell in cells:
        match = _IMPORT.search(_source(cell))
        if match:
            module = importlib.import_module(f"xplab.exercises.{match.group(1)}")
            break
    section = ""
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
                    if level <= SECTION_LEVEL:
                        section = heading.group(2).strip()
                    if optional_level is not None and level <= optional_level:
                        optional_level = None
                    if optional_level is None and "optional" in heading.group(2).lower():
                        optional_level = level
                if optional_level is None and _OPTIONAL_PARAGRAPH.search(part):
                    optional_paragraph = True
                optional = optional_level is not None or optional_paragraph
                yield _Part(section, len(_WORD.findall(part)), optional)
            continue
        optional = optional_level is not None or optional_paragraph
        check = _CHECK.search(src)
        if check and module is not None:
            name = check.group(1)
            yield _Part(section, 0, optional, name, getattr(module, name).kind)
        if "solution" not in tags:
            yield _Part(section, len(src.split()), optional)


def _cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _counted(parts: Iterator[_Part]) -> Iterator[_Part]:
    """Each exercise once, at its first check cell (a core one before an
    optional one: an exercise checked on the core path counts there)."""
    seen: set[tuple[str, bool]] = set()
    for part in parts:
        if part.exercise is None:
            yield part
        elif (part.exercise, False) not in seen and (part.exercise, part.optional) not in seen:
            seen.add((part.exercise, part.optional))
            yield part


def estimate(path: Path) -> NotebookTime:
    words = optional_words = 0
    kinds = dict.fromkeys(EXERCISE_MINUTES, 0)
    for part in _counted(_parts(_cells(path))):
        if part.optional:
            optional_words += part.words
            continue
        words += part.words
        if part.kind is not None:
            kinds[part.kind] += 1
    return NotebookTime(
        name=Path(path).stem,
        words=words,
        exercises=kinds,
        reading_minutes=words / WORDS_PER_MINUTE,
        exercise_minutes=_exercise_minutes(kinds),
        optional_words=optional_words,
    )


def sections(path: Path) -> list[SectionTime]:
    """The notebook's sections in order, each with its core and optional words
    and exercises; the core parts add up to :func:`estimate`."""
    order: dict[str, dict] = {}
    for part in _counted(_parts(_cells(path))):
        s = order.setdefault(
            part.section,
            {
                "words": 0,
                "optional_words": 0,
                "exercises": dict.fromkeys(EXERCISE_MINUTES, 0),
                "optional_exercises": dict.fromkeys(EXERCISE_MINUTES, 0),
            },
        )
        prefix = "optional_" if part.optional else ""
        s[prefix + "words"] += part.words
        if part.kind is not None:
            s[prefix + "exercises"][part.kind] += 1
    found = [SectionTime(title=title, **counts) for title, counts in order.items()]
    # the empty part before a notebook's first heading is not a section
    return [s for s in found if s.title or s.words or s.optional_words]


def plan_minutes(s: SectionTime) -> str:
    """A section's minutes as a session plan writes them: ``12``, ``12 + 2 optional``,
    ``2 optional``."""
    parts = []
    if s.published or not s.published_optional:
        parts.append(str(s.published))
    if s.published_optional:
        parts.append(f"{s.published_optional} optional")
    return " + ".join(parts)


def _kinds(kinds: dict[str, int]) -> str:
    return "/".join(str(kinds[k]) for k in EXERCISE_MINUTES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="*", metavar="NN", help="each notebook's sections")
    parser.add_argument(
        "--plan", metavar="NN", help="a session-plan table for the facilitator's guide, to fill in"
    )
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    paths = sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if args.plan is not None:
        (path,) = [p for p in paths if p.name[:2] == args.plan]
        print(f"Core path: about {estimate(path).published} minutes.\n")
        print("| section | minutes | 60 min | 90 min | 120 min |\n|---|---|---|---|---|")
        for s in sections(path):
            print(f"| {s.title} | {plan_minutes(s)} | live | live | live |")
        print("| discussion and exit ticket | | 0 | 0 | 0 |\n| **live in total** | | 0 | 0 | 0 |")
        return
    if args.sections is not None:
        for path in paths:
            if args.sections and path.name[:2] not in args.sections:
                continue
            t = estimate(path)
            print(f"{t.name}: {t.minutes:.1f} min, published {t.published}")
            print(f"  {'section':62s} {'words':>6s} {'exercises':>9s} {'min':>5s}  optional")
            for s in sections(path):
                extra = (
                    f"{s.optional_minutes:5.1f} ({s.optional_words} words, "
                    f"{_kinds(s.optional_exercises)})"
                    if s.optional_words or any(s.optional_exercises.values())
                    else ""
                )
                print(
                    f"  {s.title[:62]:62s} {s.words:6d} {_kinds(s.exercises):>9s} "
                    f"{s.minutes:5.1f}  {extra}"
                )
        return
    print(
        f"{'notebook':45s} {'words':>6s} {'read':>5s} {'exercises':>22s} {'ex min':>6s} {'total':>6s} {'publish':>7s} {'optional words':>14s}"
    )
    for path in paths:
        t = estimate(path)
        print(
            f"{t.name:45s} {t.words:6d} {t.reading_minutes:5.1f} {_kinds(t.exercises):>22s} "
            f"{t.exercise_minutes:6d} {t.minutes:6.1f} {t.published:7d} {t.optional_words:14d}"
        )


if __name__ == "__main__":
    main()
