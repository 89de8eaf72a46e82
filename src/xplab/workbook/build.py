"""Generate the learner's workbook (``notebooks/``) from the solutions (``solutions/``).

The complete, executed notebook in ``solutions/`` is the single source. In the
copy written to ``notebooks/``:

* a code cell tagged ``solution`` is replaced by its *starter*: the cell's
  leading comments and imports, then ``name = None  # YOUR CODE HERE`` for
  every name the cell assigns (a function keeps its signature and docstring
  and gets an empty body). Cell metadata ``{"xplab": {"starter": "..."}}``
  overrides the generated starter. Outputs are cleared;
* a cell tagged ``solution-only`` (e.g. the checks that a wrong answer gets
  "not quite" feedback) is removed;
* a later code cell that reads a name a solution cell assigns (the
  ``ex.q1.check(answer)`` cell) has its outputs cleared: they depend on the
  answer, and the learner should not see "correct" before answering. Any
  other use of an answer outside a ``.check(`` call is an error, because in
  the workbook the answer is still ``None``;
* every other cell, with its outputs, is kept as it is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

SOLUTION = "solution"
SOLUTION_ONLY = "solution-only"
EXERCISE = "exercise"
STUB = "None  # YOUR CODE HERE"


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _names(elt)]
    return []


def assigned_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments and function definitions)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n for t in targets for n in _names(t))
    return names


def _loaded_names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def _reads(source: str, names: set[str]) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. IPython magics: keep the outputs
        return False
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def make_starter(source: str) -> str:
    """The starter code for a solution cell (see the module docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: list[str] = []
    for line in lines:  # leading comment block: the instructions
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
            body.append(ast.get_source_segment(source, node) or ast.unparse(node))
        elif isinstance(node, ast.FunctionDef):
            doc = ast.get_docstring(node)
            header = f"def {node.name}({ast.unparse(node.args)}):"
            stub = [header]
            if doc is not None:
                stub.append(f'    """{doc}"""')
            stub += ["    # YOUR CODE HERE", "    return None"]
            body.append("\n".join(stub))
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


def workbook_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the learner's copy of one solution notebook."""
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
        elif cell.cell_type == "code" and _reads(
            cell.source, answers - assigned_names(cell.source)
        ):
            if ".check(" not in cell.source:
                used = sorted(answers & _loaded_names(cell.source))
                raise ValueError(
                    f"cell {cell.get('id', '?')} uses exercise answer(s) {used} outside a "
                    "`.check(...)` call; in the workbook they are None. Recompute the value "
                    "with the package (or use `ex.qN.expected`) instead."
                )
            cell.outputs = []
            cell.execution_count = None
        if cell.cell_type == "code" and SOLUTION not in tags:
            answers -= assigned_names(cell.source)  # rebound: no longer the learner's answer
        cells.append(cell)
    nb.cells = cells
    return nb


@dataclass(frozen=True)
class BuildReport:
    written: list[Path]
    stale: list[Path]
    orphans: list[Path]


def build(solutions_dir: Path, notebooks_dir: Path, *, check: bool = False) -> BuildReport:
    """Write (or with ``check=True`` only compare) every workbook notebook.

    ``stale`` lists workbook files that differ from what would be generated;
    ``orphans`` lists workbook notebooks that have no solution.
    """
    sources = sorted(solutions_dir.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise ValueError(f"solutions_dir {solutions_dir} has no NN_name.ipynb notebooks")
    written, stale = [], []
    for src in sources:
        nb = nbformat.read(src, as_version=4)
        text = nbformat.writes(workbook_notebook(nb)) + "\n"
        dest = notebooks_dir / src.name
        current = dest.read_text(encoding="utf-8") if dest.exists() else None
        if current != text:
            stale.append(dest)
            if not check:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
                written.append(dest)
    wanted = {s.name for s in sources}
    orphans = [p for p in sorted(notebooks_dir.glob("*.ipynb")) if p.name not in wanted]
    return BuildReport(written=written, stale=stale, orphans=orphans)
