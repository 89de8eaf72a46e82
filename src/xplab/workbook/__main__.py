"""``python -m xplab.workbook build [--check]``: regenerate ``notebooks/`` from
``solutions/``; with ``--check``, exit 1 if ``notebooks/`` is out of date.

``python -m xplab.workbook execute solutions/NN_name.ipynb``: re-run a solution
notebook and store its outputs (then run ``build``).

``python -m xplab.workbook copy [--to my-workbook]``: copy the notebooks the
learner's folder does not have yet (``make lab`` does this first); ``python -m
xplab.workbook fresh 03 [--to my-workbook]``: a fresh copy of one notebook,
the old one kept beside it (``make fresh NB=03``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import EXERCISES_PACKAGE, WorkbookError, build
from .learner import copy_workbook, fresh_copy

LEARNER_DIR = Path("my-workbook")


def execute(paths: list[Path], *, timeout: int) -> int:
    """Execute notebooks top to bottom in their own folder and save their outputs."""
    import time

    import nbformat
    from nbclient import NotebookClient

    for path in paths:
        start = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        nbformat.write(nb, path)
        print(f"executed {path} in {time.perf_counter() - start:.1f} s")
    return 0


def copy(source: Path, dest: Path) -> int:
    """Copy the new notebooks into the learner's folder and say what happened."""
    try:
        report = copy_workbook(source, dest)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in report.copied:
        print(f"copied {path}")
    if report.kept:
        print(f"your {len(report.kept)} notebook(s) in {dest}/ are kept as they are")
    for path in report.changed:
        number = path.name[:2]
        print(
            f"note: the course has updated {path.name} since you copied it; "
            f"`make fresh NB={number}` gets the new version (yours is kept beside it)"
        )
    return 0


def fresh(name: str, source: Path, dest: Path) -> int:
    """Copy one notebook afresh, keeping the learner's copy under a dated name."""
    try:
        new, kept = fresh_copy(name, source, dest)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if kept is not None:
        print(f"your copy is now {kept}")
    print(f"fresh copy: {new}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xplab.workbook")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write notebooks/ from solutions/")
    b.add_argument("--check", action="store_true", help="only report; exit 1 if out of date")
    b.add_argument("--solutions", type=Path, default=Path("solutions"))
    b.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    b.add_argument(
        "--package", default=EXERCISES_PACKAGE, help="the package holding the exercise modules"
    )
    e = sub.add_parser("execute", help="run solution notebooks in place, storing outputs")
    e.add_argument("paths", type=Path, nargs="+")
    e.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    c = sub.add_parser("copy", help="copy the notebooks your folder does not have yet")
    c.add_argument("--source", type=Path, default=Path("notebooks"))
    c.add_argument("--to", type=Path, default=LEARNER_DIR, dest="dest")
    f = sub.add_parser("fresh", help="a fresh copy of one notebook; yours is kept beside it")
    f.add_argument("name", help="the notebook's number (03) or name")
    f.add_argument("--source", type=Path, default=Path("notebooks"))
    f.add_argument("--to", type=Path, default=LEARNER_DIR, dest="dest")
    args = parser.parse_args(argv)

    if args.command == "execute":
        return execute(args.paths, timeout=args.timeout)
    if args.command == "copy":
        return copy(args.source, args.dest)
    if args.command == "fresh":
        return fresh(args.name, args.source, args.dest)

    try:
        report = build(args.solutions, args.notebooks, check=args.check, package=args.package)
    except WorkbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        problems = [f"out of date: {p}" for p in report.stale]
        problems += [f"no solution for: {p}" for p in report.orphans]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print(
                "Run `python -m xplab.workbook build` and commit what it writes.", file=sys.stderr
            )
            return 1
        print(f"{args.notebooks}/ and the captured solutions are up to date with {args.solutions}/")
        return 0
    for path in report.written:
        print(f"wrote {path}")
    for path in report.orphans:
        print(f"warning: {path} has no solution notebook", file=sys.stderr)
    if not report.written:
        print(f"{args.notebooks}/ was already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
