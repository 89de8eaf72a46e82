import json

import pytest

from xplab.workbook.__main__ import main
from xplab.workbook.learner import MANIFEST, copy_workbook, fresh_copy


@pytest.fixture
def course(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    for name in ("00_start.ipynb", "01_button.ipynb"):
        (src / name).write_text(f"course {name}")
    return src


def test_the_first_run_copies_everything_and_later_runs_only_new_notebooks(course, tmp_path):
    mine = tmp_path / "my-workbook"
    first = copy_workbook(course, mine)
    assert [p.name for p in first.copied] == ["00_start.ipynb", "01_button.ipynb"]
    (mine / "01_button.ipynb").write_text("my answers")
    (course / "02_new.ipynb").write_text("a new chapter")
    second = copy_workbook(course, mine)
    assert [p.name for p in second.copied] == ["02_new.ipynb"]
    assert (mine / "01_button.ipynb").read_text() == "my answers"  # never overwritten
    assert second.changed == []
    (course / "01_button.ipynb").write_text("course 01, updated")
    third = copy_workbook(course, mine)
    assert third.copied == [] and [p.name for p in third.changed] == ["01_button.ipynb"]
    assert (mine / "01_button.ipynb").read_text() == "my answers"
    assert set(json.loads((mine / MANIFEST).read_text())) == {
        "00_start.ipynb",
        "01_button.ipynb",
        "02_new.ipynb",
    }


def test_a_fresh_copy_keeps_the_learners_old_one(course, tmp_path):
    mine = tmp_path / "mine"
    copy_workbook(course, mine)
    (mine / "01_button.ipynb").write_text("my answers")
    new, kept = fresh_copy("01", course, mine, stamp="before")
    assert new.read_text() == "course 01_button.ipynb"
    assert kept.name == "01_button.before.ipynb" and kept.read_text() == "my answers"
    assert fresh_copy("00_start", course, mine, stamp="x")[1].name == "00_start.x.ipynb"
    with pytest.raises(ValueError, match="stamp 'before' is taken"):
        fresh_copy("01", course, mine, stamp="before")
    with pytest.raises(ValueError, match="name must pick one notebook"):
        fresh_copy("07", course, mine)
    with pytest.raises(ValueError, match="source must be a folder"):
        copy_workbook(tmp_path / "nowhere", mine)


def test_the_commands_make_lab_and_make_fresh_run(course, tmp_path, capsys):
    mine = tmp_path / "mine"
    assert main(["copy", "--source", str(course), "--to", str(mine)]) == 0
    assert "copied" in capsys.readouterr().out
    (course / "00_start.ipynb").write_text("updated")
    assert main(["copy", "--source", str(course), "--to", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "kept as they are" in out and "make fresh NB=00" in out
    assert main(["fresh", "00", "--source", str(course), "--to", str(mine)]) == 0
    assert "fresh copy" in capsys.readouterr().out
    assert (mine / "00_start.ipynb").read_text() == "updated"
    assert main(["fresh", "9", "--source", str(course), "--to", str(mine)]) == 2
