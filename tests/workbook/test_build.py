import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from xplab.workbook.build import build, make_starter, workbook_notebook

REPO = Path(__file__).resolve().parents[2]


def test_starter_keeps_instructions_imports_and_names():
    src = (
        "# Compute the rate.\n"
        "# Store it in `rate`.\n"
        "import numpy as np\n"
        "clicks = np.array([1, 2])\n"
        "rate = clicks.mean()\n"
        "a, (b, c) = 1, (2, 3)\n"
        "rate += 0\n"
        "print(rate)\n"
    )
    assert make_starter(src) == (
        "# Compute the rate.\n# Store it in `rate`.\nimport numpy as np\n"
        "clicks = None  # YOUR CODE HERE\nrate = None  # YOUR CODE HERE\n"
        "a = None  # YOUR CODE HERE\nb = None  # YOUR CODE HERE\nc = None  # YOUR CODE HERE"
    )


def test_starter_for_a_function_keeps_signature_and_docstring():
    src = 'def precision(recs, relevant, k=10):\n    """Share of hits."""\n    return 1\n'
    assert make_starter(src) == (
        "def precision(recs, relevant, k=10):\n"
        '    """Share of hits."""\n    # YOUR CODE HERE\n    return None'
    )


def test_assigned_names():
    from xplab.workbook.build import assigned_names

    assert assigned_names("a = 1\nb, c = 2, 3\ndef f():\n    d = 4\nprint(a)") == {
        "a",
        "b",
        "c",
        "f",
    }


def test_starter_with_nothing_to_assign():
    assert make_starter("print(1)") == "# YOUR CODE HERE"


def _nb():
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output("execute_result", {"text/plain": "42"}, execution_count=1)
    sol = nbformat.v4.new_code_cell("x = 41 + 1", metadata={"tags": ["solution"]})
    sol.outputs = [out]
    sol.execution_count = 1
    chk = nbformat.v4.new_code_cell("ex.q1.check(x)")
    chk.outputs = [out]
    only = nbformat.v4.new_code_cell(
        "ex.q1.assert_incorrect(0)", metadata={"tags": ["solution-only"]}
    )
    keep = nbformat.v4.new_code_cell("ex.q1.check(None)")
    keep.outputs = [out]
    custom = nbformat.v4.new_code_cell(
        "y = 2", metadata={"tags": ["solution"], "xplab": {"starter": "y = ...  # fill in"}}
    )
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), sol, chk, only, keep, custom]
    return nb


def test_workbook_notebook_transforms_cells():
    wb = workbook_notebook(_nb())
    sources = [c.source for c in wb.cells]
    assert sources == [
        "# Title",
        "x = None  # YOUR CODE HERE",
        "ex.q1.check(x)",
        "ex.q1.check(None)",
        "y = ...  # fill in",
    ]
    assert wb.cells[1].outputs == [] and wb.cells[1].metadata["tags"] == ["exercise"]
    assert wb.cells[2].outputs == []  # no "correct" before the learner answers
    assert wb.cells[3].outputs[0]["data"]["text/plain"] == "42"  # independent of answers: kept
    assert "xplab" not in wb.cells[4].metadata


def test_build_and_check_round_trip(tmp_path):
    sol, nbs = tmp_path / "solutions", tmp_path / "notebooks"
    sol.mkdir()
    nbformat.write(_nb(), sol / "00_demo.ipynb")
    assert build(sol, nbs, check=True).stale == [nbs / "00_demo.ipynb"]
    assert build(sol, nbs).written == [nbs / "00_demo.ipynb"]
    assert build(sol, nbs, check=True).stale == []
    (nbs / "99_orphan.ipynb").write_text("{}")
    assert build(sol, nbs, check=True).orphans == [nbs / "99_orphan.ipynb"]


def test_build_rejects_empty_solutions_dir(tmp_path):
    with pytest.raises(ValueError, match=r"has no NN_name\.ipynb notebooks"):
        build(tmp_path, tmp_path / "out")


def test_cli_check_fails_when_stale(tmp_path):
    sol = tmp_path / "solutions"
    sol.mkdir()
    nbformat.write(_nb(), sol / "00_demo.ipynb")
    args = [
        sys.executable,
        "-m",
        "xplab.workbook",
        "build",
        "--solutions",
        str(sol),
        "--notebooks",
        str(tmp_path / "nb"),
    ]
    stale = subprocess.run([*args, "--check"], capture_output=True, text=True)
    assert stale.returncode == 1 and "out of date" in stale.stderr
    assert subprocess.run(args, capture_output=True).returncode == 0
    assert subprocess.run([*args, "--check"], capture_output=True).returncode == 0


def test_repository_workbook_is_up_to_date():
    """notebooks/ is exactly what the build makes from solutions/."""
    report = build(REPO / "solutions", REPO / "notebooks", check=True)
    assert report.stale == [], f"run `python -m xplab.workbook build`: {report.stale}"
    assert report.orphans == []


def test_answers_used_outside_a_check_are_rejected():
    nb = _nb()
    nb.cells.append(nbformat.v4.new_code_cell("print(x * 2)"))
    with pytest.raises(ValueError, match=r"uses exercise answer\(s\) \['x'\] outside"):
        workbook_notebook(nb)


def test_a_cell_that_rebinds_an_answer_name_is_independent():
    nb = _nb()
    rebind = nbformat.v4.new_code_cell("x = 5\nprint(x)")
    rebind.outputs = [nbformat.v4.new_output("stream", text="5\n")]
    nb.cells += [rebind, nbformat.v4.new_code_cell("print(x + 1)")]
    wb = workbook_notebook(nb)
    assert wb.cells[-2].outputs[0]["text"] == "5\n"  # kept: it does not use the answer
