import json
from pathlib import Path

import nbformat
import pytest

from xplab.workbook.__main__ import main
from xplab.workbook.build import (
    WorkbookError,
    answers_outside_checks,
    assigned_names,
    build,
    make_starter,
    workbook_notebook,
)

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


def test_starter_for_async_def_and_decorators():
    src = "@cache\nasync def fetch(url: str) -> bytes:\n    return b''\n"
    assert make_starter(src) == (
        "@cache\nasync def fetch(url: str) -> bytes:\n    # YOUR CODE HERE\n    return None"
    )


def test_starter_for_a_class_keeps_header_docstring_and_method_signatures():
    src = (
        "class Greedy(Policy):\n"
        '    """Always the best arm so far."""\n'
        "    def __init__(self, n_arms):\n"
        "        self.n = n_arms\n"
        "    def select(self):\n"
        '        """Pick an arm."""\n'
        "        return 0\n"
    )
    assert make_starter(src) == (
        "class Greedy(Policy):\n"
        '    """Always the best arm so far."""\n\n'
        "    def __init__(self, n_arms):\n        # YOUR CODE HERE\n        return None\n\n"
        '    def select(self):\n        """Pick an arm."""\n        # YOUR CODE HERE\n'
        "        return None"
    )
    assert assigned_names(src) == {"Greedy"}


def test_magics_do_not_crash_the_build():
    src = "# Time it.\n%timeit x = 1\n!ls\ny = 2\n"
    assert assigned_names(src) == {"y"}
    assert make_starter(src) == "# Time it.\ny = None  # YOUR CODE HERE"
    assert assigned_names("%%time\nz = sum(range(9))\n") == {"z"}


def test_assigned_names():
    assert assigned_names("a = 1\nb, c = 2, 3\ndef f():\n    d = 4\nprint(a)") == {
        "a",
        "b",
        "c",
        "f",
    }


def test_starter_with_nothing_to_assign():
    assert make_starter("print(1)") == "# YOUR CODE HERE"


def test_answer_guard_reads_the_code_not_a_substring():
    assert answers_outside_checks("ex.q1.check(x)", {"x"}) == []
    assert answers_outside_checks("ex.q1.check(answer=x)", {"x"}) == []
    # ".check(" appears, but x is also printed outside the call
    assert answers_outside_checks("ex.q1.check(x)\nprint(x)", {"x"}) == ["x"]
    assert answers_outside_checks("s = '.check('\ny = x + 1", {"x"}) == ["x"]


def _nb(package="wbdemo"):
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output("execute_result", {"text/plain": "42"}, execution_count=1)
    setup = nbformat.v4.new_code_cell(f"from {package} import nb00 as ex")
    sol = nbformat.v4.new_code_cell("# The answer.\nx = 41 + 1", metadata={"tags": ["solution"]})
    sol.outputs = [out]
    sol.execution_count = 1
    chk = nbformat.v4.new_code_cell("ex.q1.check(x)")
    chk.outputs = [out]
    only = nbformat.v4.new_code_cell(
        "ex.q1.assert_correct(x)\nex.q1.assert_incorrect(0)", metadata={"tags": ["solution-only"]}
    )
    keep = nbformat.v4.new_code_cell("ex.q1.check(None)")
    keep.outputs = [out]
    custom = nbformat.v4.new_code_cell(
        "y = 2", metadata={"tags": ["solution"], "xplab": {"starter": "y = ...  # fill in"}}
    )
    chk2 = nbformat.v4.new_code_cell("ex.q2.check(y)")
    only2 = nbformat.v4.new_code_cell(
        "ex.q2.assert_incorrect(3)", metadata={"tags": ["solution-only"]}
    )
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), setup, sol, chk, only, keep, custom]
    nb.cells += [chk2, only2]
    return nb


def test_workbook_notebook_transforms_cells():
    wb = workbook_notebook(_nb())
    sources = [c.source for c in wb.cells]
    assert sources == [
        "# Title",
        "from wbdemo import nb00 as ex",
        "# The answer.\nx = None  # YOUR CODE HERE",
        "ex.q1.check(x)",
        "ex.q1.check(None)",
        "y = ...  # fill in",
        "ex.q2.check(y)",
    ]
    assert wb.cells[2].outputs == [] and wb.cells[2].metadata["tags"] == ["exercise"]
    assert wb.cells[3].outputs == []  # no "correct" before the learner answers
    assert wb.cells[4].outputs[0]["data"]["text/plain"] == "42"  # independent of answers: kept
    assert "xplab" not in wb.cells[5].metadata


def _write(tmp_path, nb):
    sol, nbs = tmp_path / "solutions", tmp_path / "notebooks"
    sol.mkdir(exist_ok=True)
    nbformat.write(nb, sol / "00_demo.ipynb")
    return sol, nbs, tmp_path / "solutions.json"


def test_build_and_check_round_trip_with_captured_solutions(tmp_path, demo_package):
    sol, nbs, js = _write(tmp_path, _nb(demo_package))
    stale = build(sol, nbs, check=True, package=demo_package, solutions_file=js).stale
    assert set(stale) == {nbs / "00_demo.ipynb", sol / "00_demo.ipynb", js}
    assert not js.exists()  # --check writes nothing
    build(sol, nbs, package=demo_package, solutions_file=js)
    assert build(sol, nbs, check=True, package=demo_package, solutions_file=js).stale == []
    assert json.loads(js.read_text()) == {
        "nb00": {"q1": "# The answer.\nx = 41 + 1", "q2": "y = 2"}
    }
    (nbs / "99_orphan.ipynb").write_text("{}")
    report = build(sol, nbs, check=True, package=demo_package, solutions_file=js)
    assert report.orphans == [nbs / "99_orphan.ipynb"]


def test_solution_shows_the_captured_cell(tmp_path, demo_package):
    import importlib

    sol, nbs, _ = _write(tmp_path, _nb(demo_package))
    build(sol, nbs, package=demo_package)  # default: solutions.json beside the modules
    ex = importlib.import_module(f"{demo_package}.nb00")
    assert "x = 41 + 1" in ex.q1.solution()._repr_markdown_()
    assert "```python\ny = 2\n```" in repr(ex.q2.solution())


def test_checker_cells_are_hidden_in_the_solutions(tmp_path, demo_package):
    sol, nbs, js = _write(tmp_path, _nb(demo_package))
    build(sol, nbs, package=demo_package, solutions_file=js)
    cells = nbformat.read(sol / "00_demo.ipynb", as_version=4).cells
    hidden = [c for c in cells if "remove-cell" in c.metadata.get("tags", [])]
    assert [c.source for c in hidden] == [
        "ex.q1.assert_correct(x)\nex.q1.assert_incorrect(0)",
        "ex.q2.assert_incorrect(3)",
    ]
    assert all(
        c.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True} for c in hidden
    )


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("ex.q1.check(x)", r"nb00\.q1 \('Q1 · answer'\) has no `solution` cell followed by"),
        ("ex.q2.assert_incorrect(3)", r"nb00\.q2 .* has no `solution-only` cell calling"),
        ("y = 2", r"nb00\.q2 .* has no `solution` cell followed by a check cell"),
    ],
)
def test_build_names_the_notebook_and_exercise_that_is_incomplete(
    tmp_path, demo_package, drop, message
):
    nb = _nb(demo_package)
    nb.cells = [c for c in nb.cells if c.source != drop]
    sol, nbs, js = _write(tmp_path, nb)
    with pytest.raises(WorkbookError, match=r"00_demo\.ipynb:\n(.|\n)*" + message):
        build(sol, nbs, package=demo_package, solutions_file=js)


def test_build_rejects_checks_of_unknown_exercises_and_orphan_solutions(tmp_path, demo_package):
    nb = _nb(demo_package)
    nb.cells.append(nbformat.v4.new_code_cell("ex.q7.check(1)"))
    nb.cells.append(nbformat.v4.new_code_cell("z = 1", metadata={"tags": ["solution"]}))
    sol, nbs, js = _write(tmp_path, nb)
    with pytest.raises(WorkbookError) as err:
        build(sol, nbs, package=demo_package, solutions_file=js)
    assert "checks ex.q7, which" in str(err.value)
    assert "is not followed by any `ex.qN.check(...)` cell: 'z = 1'" in str(err.value)


def test_solution_cells_without_an_exercise_import_are_rejected(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})]
    sol, nbs, js = _write(tmp_path, nb)
    with pytest.raises(WorkbookError, match="does not import its exercises"):
        build(sol, nbs, solutions_file=js)


def test_build_rejects_empty_solutions_dir(tmp_path):
    with pytest.raises(ValueError, match=r"has no NN_name\.ipynb notebooks"):
        build(tmp_path, tmp_path / "out")


def test_cli_in_process(tmp_path, demo_package, capsys):
    sol, nbs, _ = _write(tmp_path, _nb(demo_package))
    args = ["build", "--solutions", str(sol), "--notebooks", str(nbs), "--package", demo_package]
    assert main([*args, "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(args) == 0
    assert "wrote" in capsys.readouterr().out
    assert main([*args, "--check"]) == 0
    broken = _nb(demo_package)
    broken.cells = [c for c in broken.cells if c.source != "ex.q2.check(y)"]
    nbformat.write(broken, sol / "00_demo.ipynb")
    assert main([*args, "--check"]) == 2
    assert "has no `solution` cell followed by" in capsys.readouterr().err


def test_repository_workbook_is_up_to_date():
    """notebooks/ and the captured solutions are exactly what the build makes."""
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
