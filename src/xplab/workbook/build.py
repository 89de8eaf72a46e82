"""Generate the learner's workbook (``notebooks/``) from the solutions (``solutions/``).

The complete, executed notebook in ``solutions/`` is the single source. The
build reads each one and

1. **checks its exercises.** A notebook's exercises are the
   :class:`~xplab.workbook.Exercise` objects of the module it imports
   (``from xplab.exercises import nb01 as ex``). Each needs, in this order:
   a code cell tagged ``solution`` (the answer), a cell that calls
   ``ex.qN.check(answer)`` on a name the solution cell assigns (the check), and a cell tagged ``solution-only`` that
   calls ``ex.qN.assert_incorrect(...)`` (a wrong answer gets "not quite").
   The solution cells of an exercise are those since the previous such check
   cell; other calls of ``check`` (``ex.q1.check(None)`` as a demonstration)
   are free.
   Anything missing, or a check of an exercise the module does not define,
   stops the build with a message naming the notebook and the exercise;
2. **captures the solutions**: the code of each exercise's solution cell(s)
   goes to ``solutions.json`` beside the exercise modules, which
   ``Exercise.solution()`` shows (see :mod:`xplab.workbook.solutions`);
3. **hides the checker's own tests** in ``solutions/``: a ``solution-only``
   code cell that only calls ``assert_correct``/``assert_incorrect`` gets the
   metadata JupyterLab honours (``jupyter.source_hidden`` and
   ``jupyter.outputs_hidden``) and the ``remove-cell`` tag static-site
   builders honour. nbval still runs it;
4. **writes the workbook copy**, in which

   * a code cell tagged ``solution`` is replaced by its *starter*: the cell's
     leading comments and imports, then ``name = None  # YOUR CODE HERE`` for
     every name the cell assigns; a function (``def`` or ``async def``) keeps
     its decorators, signature and docstring and gets an empty body; a class
     keeps its header, docstring and method signatures. Cell metadata
     ``{"xplab": {"starter": "..."}}`` overrides the generated starter.
     Outputs are cleared;
   * a cell tagged ``solution-only`` is removed;
   * a later code cell that reads an answer (a name a solution cell assigns)
     must read it only as an argument of a ``.check(...)`` call, since in the
     workbook the answer is still ``None``; its outputs are cleared, because
     the learner should not see "correct" before answering;
   * every other cell, with its outputs, is kept as it is.

IPython syntax (``%timeit``, ``!ls``, ``%%time``) is translated to Python
before any cell is parsed.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbformat pulls in jsonschema (seconds): only the build needs it
    import nbformat

from .exercise import Exercise
from .solutions import dumps, read_solutions, solutions_path

SOLUTION = "solution"
SOLUTION_ONLY = "solution-only"
EXERCISE = "exercise"
HIDDEN_TAG = "remove-cell"
STUB = "None  # YOUR CODE HERE"
EXERCISES_PACKAGE = "xplab.exercises"
# cell magics whose body is ordinary Python that the build should read
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


class WorkbookError(ValueError):
    """A solution notebook the build cannot turn into a workbook."""


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def python_source(source: str) -> str:
    """``source`` with IPython syntax (magics, ``!shell``) translated to Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    first, _, body = source.lstrip().partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic in _PYTHON_CELL_MAGICS:
            return body
    return TransformerManager().transform_cell(source)


def parse(source: str) -> ast.Module:
    """Parse a cell's code, IPython syntax included."""
    return ast.parse(python_source(source))


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _names(elt)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def assigned_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, functions and classes)."""
    names: set[str] = set()
    for node in parse(source).body:
        if isinstance(node, _DEFS):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n for t in targets for n in _names(t))
    return names


def _function_stub(node: ast.FunctionDef | ast.AsyncFunctionDef, indent: str = "") -> str:
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    lines = [f"{indent}@{ast.unparse(d)}" for d in node.decorator_list]
    lines.append(f"{indent}{prefix} {node.name}({ast.unparse(node.args)}){returns}:")
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        lines.append(f'{indent}    """{doc}"""')
    lines += [f"{indent}    # YOUR CODE HERE", f"{indent}    return None"]
    return "\n".join(lines)


def _class_stub(node: ast.ClassDef) -> str:
    bases = [ast.unparse(b) for b in node.bases] + [ast.unparse(k) for k in node.keywords]
    lines = [f"@{ast.unparse(d)}" for d in node.decorator_list]
    lines.append(f"class {node.name}({', '.join(bases)}):" if bases else f"class {node.name}:")
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        lines.append(f'    """{doc}"""')
    methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for method in methods:
        lines += ["", _function_stub(method, indent="    ")]
    if not methods:
        lines.append("    # YOUR CODE HERE")
        if doc is None:
            lines.append("    pass")
    return "\n".join(lines)


def make_starter(source: str) -> str:
    """The starter code for a solution cell (see the module docstring)."""
    code = python_source(source)
    tree = ast.parse(code)
    out: list[str] = []
    for line in source.splitlines():  # leading comment block: the instructions
        if line.startswith("#") or not line.strip():
            out.append(line)
        else:
            break
    while out and not out[-1].strip():
        out.pop()
    body: list[str] = []
    seen: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            body.append(ast.get_source_segment(code, node) or ast.unparse(node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body.append(_function_stub(node))
            seen.add(node.name)
        elif isinstance(node, ast.ClassDef):
            body.append(_class_stub(node))
            seen.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for name in (n for t in targets for n in _names(t)):
                if name not in seen:
                    seen.add(name)
                    body.append(f"{name} = {STUB}")
    if not body:
        body.append("# YOUR CODE HERE")
    return "\n".join([*out, *body]) if out else "\n".join(body)


def _is_check_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "check"
    )


def answers_outside_checks(source: str, answers: set[str]) -> list[str]:
    """Answer names a cell reads other than as an argument of a ``.check(...)`` call."""
    tree = parse(source)
    inside: set[int] = set()
    for node in ast.walk(tree):
        if _is_check_call(node):
            for arg in [*node.args, *(k.value for k in node.keywords)]:  # type: ignore[attr-defined]
                inside.update(id(n) for n in ast.walk(arg))
    return sorted(
        {
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)
            and n.id in answers
            and id(n) not in inside
        }
    )


def _reads(source: str, names: set[str]) -> bool:
    return any(
        isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
        for n in ast.walk(parse(source))
    )


# -- exercises ------------------------------------------------------------------


def _exercise_calls(source: str, alias: str, method: str) -> dict[str, set[str]]:
    """For calls ``alias.q.method(...)`` in a cell: ``q`` → the names its arguments read."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == method
            and isinstance(node.func.value, ast.Attribute)
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.value.id == alias
        ):
            names = found.setdefault(node.func.value.attr, set())
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                names.update(n.id for n in ast.walk(arg) if isinstance(n, ast.Name))
    return found


def _exercise_import(nb: Any, package: str) -> tuple[str, str] | None:
    """(module, alias) of the notebook's ``from <package> import nbNN as ex``."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and node.module == package and node.level == 0:
                for a in node.names:
                    return f"{package}.{a.name}", a.asname or a.name
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith(package + ".") and a.asname:
                        return a.name, a.asname
    return None


def _exercises_of(module: ModuleType) -> dict[str, Exercise]:
    return {
        attr: value
        for attr, value in vars(module).items()
        if isinstance(value, Exercise) and value._module == module.__name__
    }


def _only_asserts(source: str) -> bool:
    """Whether a cell only calls ``assert_correct``/``assert_incorrect``."""
    body = parse(source).body
    return bool(body) and all(
        isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and isinstance(s.value.func, ast.Attribute)
        and s.value.func.attr in {"assert_correct", "assert_incorrect"}
        for s in body
    )


@dataclass
class _Exercises:
    module: str
    solutions: dict[str, str] = field(default_factory=dict)


def collect_solutions(nb: Any, name: str, package: str = EXERCISES_PACKAGE) -> _Exercises | None:
    """Check a solution notebook's exercises and return their solution code.

    Raises :class:`WorkbookError` naming the notebook and each exercise that
    lacks its solution cell, check cell or wrong-answer cell.
    """
    found = _exercise_import(nb, package)
    has_solutions = any(SOLUTION in _tags(c) for c in nb.cells if c.cell_type == "code")
    if found is None:
        if has_solutions:
            raise WorkbookError(
                f"{name}: has `solution` cells but does not import its exercises "
                f"(`from {package} import nbNN as ex`)"
            )
        return None
    module_name, alias = found
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise WorkbookError(f"{name}: cannot import its exercises {module_name}: {exc}") from exc
    exercises = _exercises_of(module)
    problems: list[str] = []
    solution_code: dict[str, str] = {}
    checked: set[str] = set()
    wrong: set[str] = set()
    pending: list[str] = []
    pending_names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = _tags(cell)
        cid = cell.get("id", "?")
        try:
            parse(cell.source)
        except SyntaxError as exc:
            raise WorkbookError(f"{name}: cell {cid} is not valid Python: {exc}") from exc
        if SOLUTION in tags:
            pending.append(cell.source.strip())
            pending_names |= assigned_names(cell.source)
            continue
        if SOLUTION_ONLY in tags:
            wrong.update(_exercise_calls(cell.source, alias, "assert_incorrect"))
            continue
        for q, reads in _exercise_calls(cell.source, alias, "check").items():
            if q not in exercises:
                problems.append(
                    f"cell {cid} checks {alias}.{q}, which {module_name} does not define"
                )
            elif pending and reads & pending_names:  # the check of the answer just written
                if q in solution_code:
                    problems.append(f"{module_name}.{q} has a second `solution` cell block")
                checked.add(q)
                solution_code[q] = "\n\n".join(pending)
                pending, pending_names = [], set()
            # any other check (e.g. `ex.q1.check(None)` to demonstrate feedback) is free
    if pending:
        problems.append(
            f"a `solution` cell is not followed by any `{alias}.qN.check(...)` cell: "
            f"{pending[-1].splitlines()[0][:60]!r}"
        )
    for q, exercise in exercises.items():
        what = f"{module_name}.{q} ({exercise.name!r})"
        if q not in checked:
            problems.append(
                f"{what} has no `solution` cell followed by a check cell "
                f"`{alias}.{q}.check(answer)` that reads the solution's answer"
            )
        if q not in wrong:
            problems.append(
                f"{what} has no `solution-only` cell calling `{alias}.{q}.assert_incorrect(...)`"
            )
    if problems:
        raise WorkbookError(f"{name}:\n  " + "\n  ".join(problems))
    return _Exercises(module_name, solution_code)


def solution_cells(nb: Any, package: str = EXERCISES_PACKAGE) -> dict[str, int]:
    """Where each exercise starts: its name (``"q3"``) → the index in ``nb.cells`` of
    its first ``solution`` cell (the cells before it are what the learner sees
    before answering). Exercises are found as the build finds them: a
    ``solution`` cell block followed by the ``ex.qN.check(...)`` cell that reads
    its answer. In a workbook notebook the ``exercise`` cells (the starters)
    take the solution cells' place.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("from xplab.exercises import nb00 as ex"),
    ...     nbformat.v4.new_code_cell("ctr = 0.25", metadata={"tags": ["solution"]}),
    ...     nbformat.v4.new_code_cell("ex.q1.check(ctr)"),
    ... ])
    >>> solution_cells(nb)
    {'q1': 1}
    """
    found = _exercise_import(nb, package)
    if found is None:
        return {}
    alias = found[1]
    positions: dict[str, int] = {}
    pending: list[int] = []
    pending_names: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = _tags(cell)
        if SOLUTION in tags or EXERCISE in tags:
            pending.append(index)
            pending_names |= assigned_names(cell.source)
            continue
        if SOLUTION_ONLY in tags:
            continue
        for q, reads in _exercise_calls(cell.source, alias, "check").items():
            if pending and reads & pending_names and q not in positions:
                positions[q] = pending[0]
                pending, pending_names = [], set()
    return positions


# -- the notebooks ----------------------------------------------------------------


def hide_checker_cells(nb: Any) -> bool:
    """Hide the ``solution-only`` cells that only assert; return whether anything changed."""
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code" or SOLUTION_ONLY not in _tags(cell):
            continue
        if not _only_asserts(cell.source):
            continue
        jupyter = cell.metadata.setdefault("jupyter", {})
        for key in ("source_hidden", "outputs_hidden"):
            if jupyter.get(key) is not True:
                jupyter[key] = True
                changed = True
        tags = cell.metadata.setdefault("tags", [])
        if HIDDEN_TAG not in tags:
            tags.append(HIDDEN_TAG)
            changed = True
    return changed


def workbook_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the learner's copy of one solution notebook."""
    import nbformat

    nb = nbformat.from_dict(solution)
    cells = []
    answers: set[str] = set()
    for cell in nb.cells:
        tags = _tags(cell)
        if SOLUTION_ONLY in tags:
            continue
        if cell.cell_type == "code" and SOLUTION in tags:
            answers |= assigned_names(cell.source)
            override = cell.metadata.get("xplab", {}).get("starter")
            cell.source = override if override is not None else make_starter(cell.source)
            cell.metadata["tags"] = [EXERCISE if t == SOLUTION else t for t in tags]
            cell.metadata.pop("xplab", None)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "code":
            own = assigned_names(cell.source)
            live = answers - own
            if _reads(cell.source, live):
                used = answers_outside_checks(cell.source, live)
                if used:
                    raise WorkbookError(
                        f"cell {cell.get('id', '?')} uses exercise answer(s) {used} outside a "
                        "`.check(...)` call; in the workbook they are None. Recompute the value "
                        "with the package (or use `ex.qN.expected`) instead."
                    )
                cell.outputs = []
                cell.execution_count = None
            answers -= own  # rebound: no longer the learner's answer
        cells.append(cell)
    nb.cells = cells
    return nb


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote (or, with ``check=True``, would write).

    ``stale`` lists every file that differs from what the build makes: workbook
    notebooks, solution notebooks whose checker cells are not hidden yet, and
    the captured solutions file. ``orphans`` lists workbook notebooks without
    a solution notebook.
    """

    written: list[Path]
    stale: list[Path]
    orphans: list[Path]


def build(
    solutions_dir: Path,
    notebooks_dir: Path,
    *,
    check: bool = False,
    package: str = EXERCISES_PACKAGE,
    solutions_file: Path | None = None,
) -> BuildReport:
    """Write (or with ``check=True`` only compare) the workbook and the captured solutions.

    ``package`` holds the exercise modules the notebooks import;
    ``solutions_file`` defaults to ``solutions.json`` in that package's folder.
    Raises :class:`WorkbookError` when a notebook's exercises are incomplete.
    """
    import nbformat

    sources = sorted(Path(solutions_dir).glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise ValueError(f"solutions_dir {solutions_dir} has no NN_name.ipynb notebooks")
    notebooks_dir = Path(notebooks_dir)
    solutions_file = solutions_file or solutions_path(package)
    written: list[Path] = []
    stale: list[Path] = []
    captured: dict[str, dict[str, str]] = {}

    def update(dest: Path, text: str) -> None:
        current = dest.read_text(encoding="utf-8") if dest.exists() else None
        if current != text:
            stale.append(dest)
            if not check:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
                written.append(dest)

    for src in sources:
        nb = nbformat.read(src, as_version=4)
        exercises = collect_solutions(nb, src.name, package)
        if exercises is not None and exercises.solutions:
            short = exercises.module.rpartition(".")[2]
            captured[short] = exercises.solutions
        if hide_checker_cells(nb):
            stale.append(src)
            if not check:
                nbformat.write(nb, src)
                written.append(src)
        try:
            text = nbformat.writes(workbook_notebook(nb)) + "\n"
        except WorkbookError as exc:
            raise WorkbookError(f"{src.name}: {exc}") from exc
        update(notebooks_dir / src.name, text)

    if captured or read_solutions(solutions_file):
        update(solutions_file, dumps(captured))
    wanted = {s.name for s in sources}
    orphans = [p for p in sorted(notebooks_dir.glob("*.ipynb")) if p.name not in wanted]
    return BuildReport(written=written, stale=stale, orphans=orphans)
