"""``python -m xplab.workbook build [--check]``: regenerate ``notebooks/`` from
``solutions/``; with ``--check``, exit 1 if ``notebooks/`` is out of date.

``python -m xplab.workbook execute solutions/NN_name.ipynb``: re-run a solution
notebook and store its outputs (then run ``build``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import EXERCISES_PACKAGE, WorkbookError, build


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
    args = parser.parse_args(argv)

    if args.command == "execute":
        return execute(args.paths, timeout=args.timeout)

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
