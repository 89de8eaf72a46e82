"""Build the course site: ``make site`` (or ``.venv/bin/python book/build_site.py``).

The site is a Jupyter Book 1 build of a staged copy of the repository, made
fresh each time in ``build/site-src/`` and rendered into ``build/site/``
(open ``build/site/index.html``; both folders are git-ignored). Staging

* turns ``README.md`` into the landing page, its links to the workbook
  (``notebooks/NN_*.ipynb``) pointing at the solution pages instead;
* copies every ``solutions/NN_*.ipynb`` with its stored outputs (nothing is
  executed) and, from the tags the workbook already uses, marks its cells:
  ``solution-only`` (the checker's own tests) → ``remove-cell``; ``solution``
  → ``hide-input`` ("Show the solution"); a cell calling ``.hint(`` or
  ``.solution(`` → ``hide-output`` ("Show the hint"). Widget views and widget
  state are dropped (with no kernel they would need a widget manager from a
  CDN; every calculator also stores a static figure);
* copies the facilitator's guide (``guide/*.md``) and ``data/README.md``;
* writes the package reference, one page per public module of ``xplab``
  (autodoc over each module's ``__all__``; numpydoc docstrings via
  ``sphinx.ext.napoleon``), so a new module appears without editing anything;
* writes ``_toc.yml`` from the file names (``NN_name`` orders the course) and
  copies MathJax 2.7 from ``jupyter-server-mathjax`` into ``_vendor/mathjax``,
  which the site serves as ``_static/mathjax`` and ``_config.yml``'s
  ``mathjax_path`` points at.

After the build, :mod:`check_site` scans the output: no external script,
style sheet or font, and every internal link resolves. The command exits 1
if either check fails.

Options: ``--out DIR`` (default ``build/site``), ``--chapters 00_start_here
...`` and ``--modules xplab.calculators ...`` to build a subset (the tests do:
the other chapters become one-line pages, so links to them still resolve),
``--no-check``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "build" / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NOT_DOCUMENTED = {"exercises"}  # the exercises give answers away; they are not API

SOLUTION_PROMPT = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}
HINT_PROMPT = {"code_prompt_show": "Show the hint", "code_prompt_hide": "Hide the hint"}
RENAMED = {Path("README.md"): Path("index.md")}  # repository file -> its page in the book
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")


# ----------------------------------------------------------------------------- the notebooks


def _add_tag(cell: dict, tag: str) -> None:
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if tag not in tags:
        tags.append(tag)


def site_notebook(nb: dict) -> dict:
    """A solution notebook as the site shows it (see the module docstring)."""
    nb = json.loads(json.dumps(nb))
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell.get("source", ""))
        if "solution-only" in tags:
            _add_tag(cell, "remove-cell")
        elif "solution" in tags:
            _add_tag(cell, "hide-input")
            cell["metadata"]["mystnb"] = dict(SOLUTION_PROMPT)
        elif ".hint(" in source or ".solution(" in source:
            _add_tag(cell, "hide-output")
            prompt = HINT_PROMPT if ".hint(" in source else SOLUTION_PROMPT
            cell["metadata"]["mystnb"] = dict(prompt)
        cell["outputs"] = [
            o for o in cell.get("outputs", []) if WIDGET_VIEW not in o.get("data", {})
        ]
    return nb


def stub_notebook(nb: dict) -> dict:
    """A stand-in page for a chapter left out of a partial build: its title only,
    so that links to it still resolve."""
    title = next(
        (
            line
            for cell in nb.get("cells", [])
            if cell.get("cell_type") == "markdown"
            for line in "".join(cell.get("source", "")).splitlines()
            if line.startswith("# ")
        ),
        "# A chapter",
    )
    text = f"{title}\n\nThis chapter is not part of this partial build of the site."
    return {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
        "metadata": {k: v for k, v in nb.get("metadata", {}).items() if k != "widgets"},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# ----------------------------------------------------------------------------- Markdown pages


def rewrite_links(text: str, source: Path, dest: Path, staged: set[Path], root: Path) -> str:
    """Point a page's relative links at the staged copies.

    ``source`` is the page's path in the repository and ``dest`` its path in
    the staged book (both relative to their roots). A link to a workbook
    notebook goes to the solution notebook, one to ``README.md`` to the landing
    page; a link to a staged file keeps its
    target (re-based when the page moved); a link to a repository file that is
    not on the site, or to a chapter notebook not in the repository yet (the
    facilitator's page of a chapter being written), keeps only its text.
    External links and anchors stay.
    """

    def fix(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = Path(*_normalise((source.parent / path).parts))
        if resolved.parts[:1] == ("notebooks",) and resolved.suffix == ".ipynb":
            resolved = Path("solutions", *resolved.parts[1:])
        resolved = RENAMED.get(resolved, resolved)
        if resolved in staged:
            rel = _relative(resolved, dest.parent)
            return f"[{label}]({rel}{'#' + anchor if anchor else ''})"
        if (root / resolved).exists() or _coming_chapter(resolved):
            return label
        return match.group(0)  # a broken link stays broken, and the link check says so

    return _LINK.sub(fix, text)


def _coming_chapter(path: Path) -> bool:
    """A chapter notebook not in this repository yet (``solutions/NN_name.ipynb``): the
    facilitator's page of a chapter being written links it before it lands."""
    return (
        path.parent == Path("solutions") and re.fullmatch(r"\d\d_\w+\.ipynb", path.name) is not None
    )


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part not in ("", "."):
            out.append(part)
    return out


def _relative(target: Path, start: Path) -> str:
    t, s = list(target.parts), list(start.parts)
    while t and s and t[0] == s[0]:
        t.pop(0)
        s.pop(0)
    return "/".join([".."] * len(s) + t)


# ----------------------------------------------------------------------------- the reference


def public_modules(only: list[str] | None = None) -> list[str]:
    """``xplab.<name>`` for every public module but the exercises (or ``only``)."""
    if only:
        return list(only)
    import xplab

    return [
        f"xplab.{m.name}"
        for m in pkgutil.iter_modules(xplab.__path__)
        if not m.name.startswith("_") and m.name not in NOT_DOCUMENTED
    ]


def _directive(module: object, name: str) -> str:
    obj = getattr(module, name)
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return f".. autoexception:: {name}\n"
    if inspect.isclass(obj):
        return f".. autoclass:: {name}\n   :members:\n"
    if callable(obj):
        return f".. autofunction:: {name}\n"
    comment = _comment_in_submodule(module, name) if _type_doc_only(obj) else None
    if comment:
        # a constant re-exported from a submodule: autodoc looks for its ``#:`` comment
        # only in the package's own source and would show its type's docstring instead
        # (dict's, whose ``**kwargs`` is broken markup)
        body = "\n".join(f"   {line}" if line else "" for line in comment)
        return f".. py:data:: {name}\n\n{body}\n"
    return f".. autodata:: {name}\n   :annotation:\n"


def _comment_in_submodule(module: object, name: str) -> list[str] | None:
    """The ``#:`` comment of ``name`` in the submodule of ``module`` that defines it."""
    from sphinx.pycode import ModuleAnalyzer

    obj = getattr(module, name)
    package = getattr(module, "__name__", "")
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        modname = f"{package}.{info.name}"
        try:
            sub = importlib.import_module(modname)
            if getattr(sub, name, None) is not obj:
                continue
            lines = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", name))
        except Exception:  # a submodule that cannot be analysed: keep autodoc's answer
            continue
        if lines:
            return [line.rstrip() for line in lines]
    return None


def _type_doc_only(obj: object) -> bool:
    """A value whose docstring is its type's (a dict, a tuple), not its own."""
    return not (inspect.isclass(obj) or callable(obj)) and obj.__doc__ == type(obj).__doc__


def _order(module: object, names: list[str]) -> list[str]:
    """Functions first, then classes (mostly results), then constants; each as ``__all__``."""

    def rank(name: str) -> int:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            return 1
        return 0 if callable(obj) else 2

    return sorted(names, key=rank)


def reference_page(name: str) -> str:
    module = importlib.import_module(name)
    names = _order(module, list(getattr(module, "__all__", [])))
    rst = [f".. automodule:: {name}\n   :no-members:\n", f".. currentmodule:: {name}\n"]
    if names:
        # constants without a docstring of their own would be summarised by their
        # type's ("Built-in immutable sequence."): they are listed below, not here
        summarised = [n for n in names if not _type_doc_only(getattr(module, n))]
        rst.append(
            ".. autosummary::\n   :nosignatures:\n\n" + "".join(f"   {n}\n" for n in summarised)
        )
        rst += [_directive(module, n) for n in names]
    body = "\n".join(rst)
    return f"# `{name}`\n\n```{{eval-rst}}\n{body}```\n"


def reference_index(names: list[str]) -> str:
    rows = []
    for name in names:
        doc = inspect.getdoc(importlib.import_module(name)) or ""
        first = " ".join(doc.split("\n\n")[0].split())
        first = re.sub(r"``([^`]+)``", r"`\1`", first).replace("|", "\\|")
        first = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", first)
        rows.append(f"| [`{name}`]({name}.md) | {first} |")
    return (
        "# Package reference\n\n"
        "Generated from the docstrings of the `xplab` package: every public function and "
        "result class of each module, with its formula, parameters, errors and a short "
        "example. Each module is one idea; the notebooks import these functions.\n\n"
        "| module | what it does |\n|---|---|\n" + "\n".join(rows) + "\n"
    )


# ----------------------------------------------------------------------------- staging


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def toc(chapters: list[str], guide: list[str], modules: list[str], data: bool) -> str:
    lines = [
        "# Generated by book/build_site.py from the file names.",
        "format: jb-book",
        "root: index",
        "parts:",
    ]
    lines += ["  - caption: The course", "    chapters:"]
    lines += [f"      - file: solutions/{c}" for c in chapters]
    if guide:
        lines += ["  - caption: Facilitator's guide", "    chapters:", "      - file: guide/index"]
        if len(guide) > 1:
            lines.append("        sections:")
            lines += [f"          - file: guide/{g}" for g in guide if g != "index"]
    lines += ["  - caption: Package reference", "    chapters:", "      - file: reference/index"]
    lines.append("        sections:")
    lines += [f"          - file: reference/{m}" for m in modules]
    if data:
        lines += ["  - caption: Data", "    chapters:", "      - file: data/README"]
    return "\n".join(lines) + "\n"


def _guide_order(names: list[str]) -> list[str]:
    """index, running-a-workshop, the chapter pages (NN_...), anything else, the template."""

    def key(n: str) -> tuple[int, str]:
        if n == "index":
            return (0, n)
        if n == "running-a-workshop":
            return (1, n)
        if re.match(r"\d\d_", n):
            return (2, n)
        if n == "chapter-template":
            return (4, n)
        return (3, n)

    return sorted(names, key=key)


def stage(
    dest: Path,
    *,
    root: Path = ROOT,
    chapters: list[str] | None = None,
    modules: list[str] | None = None,
) -> None:
    """Write the book's sources into ``dest`` (emptied first)."""
    import jupyter_server_mathjax

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    notebooks = sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if chapters:
        unknown = set(chapters) - {p.stem for p in notebooks}
        if unknown:
            raise SystemExit(f"no solution notebook for chapters {sorted(unknown)}")
    guide = _guide_order([p.stem for p in (root / "guide").glob("*.md")])
    modules = public_modules(modules)
    data = (root / "data" / "README.md").exists()

    staged = {Path("index.md"), *(Path("solutions") / p.name for p in notebooks)}
    staged |= {Path("guide") / f"{g}.md" for g in guide}
    if data:
        staged.add(Path("data/README.md"))

    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        page = site_notebook(nb) if not chapters or path.stem in chapters else stub_notebook(nb)
        _write(dest / "solutions" / path.name, json.dumps(page, indent=1) + "\n")
    pages = [(Path("README.md"), Path("index.md"))]
    pages += [(Path("guide") / f"{g}.md",) * 2 for g in guide]
    if data:
        pages.append((Path("data/README.md"),) * 2)
    for source, target in pages:
        text = (root / source).read_text(encoding="utf-8")
        _write(dest / target, rewrite_links(text, source, target, staged, root))
    for name in modules:
        _write(dest / "reference" / f"{name}.md", reference_page(name))
    _write(dest / "reference" / "index.md", reference_index(modules))
    _write(dest / "_toc.yml", toc([p.stem for p in notebooks], guide, modules, data))
    shutil.copy(HERE / "_config.yml", dest / "_config.yml")
    _write(dest / "_ext" / "xplab_site.py", (HERE / "xplab_site.py").read_text(encoding="utf-8"))
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    # not in _static/: Jupyter Book would load every .js file there on every page
    shutil.copytree(mathjax, dest / "_vendor" / "mathjax")


def build(src: Path, out: Path, *, quiet: bool = True) -> None:
    """Render the staged book ``src`` with ``jupyter-book build`` and move the HTML to ``out``."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(src)]
    if quiet:
        command.append("--quiet")
    result = subprocess.run(command, cwd=src, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the site build failed: {' '.join(command)} exited {result.returncode}")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src / "_build" / "html", out)


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="book/build_site.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the HTML goes")
    parser.add_argument("--src", type=Path, help="where the staged sources go (default: OUT-src)")
    parser.add_argument("--chapters", nargs="+", help="only these notebooks (e.g. 00_start_here)")
    parser.add_argument("--modules", nargs="+", help="only these modules in the reference")
    parser.add_argument("--no-check", action="store_true", help="skip the offline and link checks")
    parser.add_argument("--verbose", action="store_true", help="Sphinx's progress messages")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    src = (args.src or out.with_name(out.name + "-src")).resolve()

    start = time.perf_counter()
    stage(src, chapters=args.chapters, modules=args.modules)
    build(src, out, quiet=not args.verbose)
    took = time.perf_counter() - start
    pages = sum(1 for _ in out.rglob("*.html"))
    print(f"site: {out / 'index.html'} ({pages} pages, {size_mb(out):.1f} MB) in {took:.0f} s")
    if args.no_check:
        return 0
    sys.path.insert(0, str(HERE))
    from check_site import report

    return report(out)


if __name__ == "__main__":
    sys.exit(main())
