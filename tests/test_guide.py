"""The facilitator's guide (``guide/``) says what the notebooks say.

A chapter page ``guide/NN_name.md`` is checked against ``solutions/NN_name.ipynb``:
its core-path time is the notebook's header, its session plans list the
notebook's sections in order with the minutes of ``course_time.py`` and add up
to no more than the session, every exercise it names exists, it has a rubric for
every interview-drill question and an exit ticket of three questions. The site
build (``tests/site``) checks that its links resolve.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from course_time import estimate, plan_minutes, sections

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "guide"
NOTEBOOKS = {p.stem: p for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))}
PAGES = sorted(GUIDE.glob("[0-9][0-9]_*.md"))
WRITTEN = [f"{n:02d}" for n in range(8)]  # chapters whose page must exist
SESSIONS = (60, 90, 120)
CHOICES = {"live", "assigned", "cut"}


def _page(page: Path) -> tuple[Path, str]:
    """A chapter page's notebook and text (skipped until the notebook is on the branch)."""
    notebook = NOTEBOOKS.get(page.stem)
    if notebook is None:
        pytest.skip(f"{page.name}: its notebook is not on this branch yet")
    return notebook, page.read_text(encoding="utf-8")


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def _section(text: str, heading: str) -> str:
    """The body of the ``### heading`` section of a page (up to the next ### or ## heading)."""
    match = re.search(rf"^###\s+{re.escape(heading)}\s*$(.*?)(?=^#{{2,3}}\s|\Z)", text, re.M | re.S)
    assert match, f"no '### {heading}' section"
    return match.group(1)


def _rows(table: str) -> list[list[str]]:
    rows = []
    for line in table.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _minutes(cell: str) -> int:
    return sum(int(n) for n in re.findall(r"\d+", cell))


def test_every_written_chapter_has_a_page_linked_from_the_index_and_the_readme():
    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    for number in WRITTEN:
        pages = [p for p in PAGES if p.name[:2] == number]
        assert pages, f"guide/: no page for chapter {number}"
        assert f"]({pages[0].name})" in index, f"guide/index.md does not link {pages[0].name}"
        assert pages[0].stem in NOTEBOOKS, f"{pages[0].name} is not named after its notebook"
    assert "](guide/index.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_the_session_plans_use_the_notebooks_times(page):
    notebook, text = _page(page)
    assert f"](../solutions/{notebook.name})" in text, "the page must link its notebook"
    core = re.search(r"Core path: about (\d+) minutes", " ".join(text.split()))
    assert core and int(core.group(1)) == estimate(notebook).published, (
        f"the core path of {notebook.name} is {estimate(notebook).published} minutes"
    )
    rows = _rows(_section(text, "Session plans"))
    assert rows[0] == ["section", "minutes", *(f"{m} min" for m in SESSIONS)]
    expected = sections(notebook)
    body = rows[1 : 1 + len(expected)]
    assert [r[0] for r in body] == [s.title for s in expected], "the notebook's sections, in order"
    for row, s in zip(body, expected, strict=True):
        assert row[1] == plan_minutes(s), f"{s.title}: {plan_minutes(s)} minutes, not {row[1]}"
        assert set(row[2:]) <= CHOICES, f"{s.title}: each session says live, assigned or cut"
    discussion, total = rows[1 + len(expected) :]
    assert discussion[0] == "discussion and exit ticket" and total[0] == "**live in total**"
    for i, session in enumerate(SESSIONS, start=2):
        live = sum(_minutes(r[1]) for r in body if r[i] == "live") + int(discussion[i])
        assert int(total[i]) == live, f"{session}-minute plan: live sections add up to {live}"
        assert live <= session, f"the {session}-minute plan runs {live} minutes live"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_exercises_drill_and_exit_ticket_match_the_notebook(page):
    notebook, text = _page(page)
    nb = _markdown(notebook)
    exercises = set(re.findall(r"^### Exercise (\d+)", nb, re.M))
    named = set(re.findall(r"\bExercises? (\d+)", text))
    named |= {n for a, b in re.findall(r"\bExercises (\d+)[–-](\d+)", text) for n in (a, b)}
    assert named <= exercises, f"exercises {sorted(named - exercises)} are not in the notebook"
    drill = nb[nb.index("## Interview drill") :]
    questions = re.findall(r"^\*\*Q(\d*)\.", drill, re.M)
    assert questions, "the notebook's drill questions read **Q1. …**"
    rubric = _section(text, "Interview drill: rubrics and probes")
    rubrics = re.findall(r"^#### Q(\d*)\b", rubric, re.M)
    assert rubrics == questions, "one rubric per drill question, in order"
    for part in re.split(r"^#### Q.*$", rubric, flags=re.M)[1:]:
        for label in ("**strong**", "**average**", "**poor**", "**probes**"):
            assert label in part, f"a drill rubric lacks {label}"
    ticket = _section(text, "Exit ticket")
    assert re.findall(r"^(\d)\. ", ticket, re.M) == ["1", "2", "3"], "three questions"
    assert ticket.count("*Answer:*") == 3, "each question with its answer"
    prompts = re.findall(r"^(\d)\. ", _section(text, "Discussion prompts"), re.M)
    assert 2 <= len(prompts) <= 3, "two or three discussion prompts"
    for heading in ("Objectives and prerequisites", "Misconceptions", "The figure for the slide"):
        _section(text, heading)
