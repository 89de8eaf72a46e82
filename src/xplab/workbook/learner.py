"""The learner's own copy of the workbook, which course updates never overwrite.

``make lab`` runs :func:`copy_workbook` before it opens JupyterLab: every
notebook of ``notebooks/`` that the learner's folder (``my-workbook/``,
git-ignored) does not have yet is copied there, and nothing the learner
already has is touched. So JupyterLab's autosave writes answers into the
learner's copy, and ``git pull`` updates ``notebooks/`` without conflicts.

When a course notebook has changed since it was copied, :func:`copy_workbook`
says so; :func:`fresh_copy` (``make fresh NB=03``) then copies the new version
and keeps the learner's old copy beside it under a dated name. A small
manifest in the learner's folder (``.xplab-copies.json``) remembers which
version of each notebook was copied.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".xplab-copies.json"
PATTERN = "[0-9][0-9]_*.ipynb"


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_workbook` did: notebooks copied, kept, and updated in the course."""

    copied: list[Path]
    kept: list[Path]
    changed: list[Path]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(dest: Path) -> dict[str, str]:
    path = dest / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_manifest(dest: Path, manifest: dict[str, str]) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (dest / MANIFEST).write_text(text, encoding="utf-8")


def _source_dir(source: Path | str) -> Path:
    source = Path(source)
    if not source.is_dir() or not any(source.glob(PATTERN)):
        raise ValueError(f"source must be a folder of NN_name.ipynb notebooks, got {source}")
    return source


def copy_workbook(source: Path | str, dest: Path | str) -> CopyReport:
    """Copy the notebooks of ``source`` that ``dest`` does not have yet.

    A notebook already in ``dest`` is never overwritten, whatever its state.
    ``changed`` lists those whose course version in ``source`` differs from
    the version they were copied from (see :func:`fresh_copy`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "notebooks").mkdir()
    >>> _ = (root / "notebooks" / "00_start.ipynb").write_text("{}")
    >>> [p.name for p in copy_workbook(root / "notebooks", root / "mine").copied]
    ['00_start.ipynb']
    >>> _ = (root / "mine" / "00_start.ipynb").write_text("my answers")
    >>> copy_workbook(root / "notebooks", root / "mine").copied
    []
    >>> (root / "mine" / "00_start.ipynb").read_text()
    'my answers'
    """
    source = _source_dir(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(dest)
    copied: list[Path] = []
    kept: list[Path] = []
    changed: list[Path] = []
    for src in sorted(source.glob(PATTERN)):
        target = dest / src.name
        if target.exists():
            kept.append(target)
            recorded = manifest.get(src.name)
            if recorded is not None and recorded != _digest(src):
                changed.append(target)
            continue
        shutil.copy2(src, target)
        manifest[src.name] = _digest(src)
        copied.append(target)
    _write_manifest(dest, manifest)
    return CopyReport(copied=copied, kept=kept, changed=changed)


def _find(source: Path, name: str) -> Path:
    stem = name.removesuffix(".ipynb")
    matches = [p for p in sorted(source.glob(PATTERN)) if p.stem == stem or p.name[:2] == stem]
    matches = matches or [p for p in sorted(source.glob(PATTERN)) if p.stem.startswith(stem)]
    if len(matches) != 1:
        names = ", ".join(p.stem for p in sorted(source.glob(PATTERN)))
        raise ValueError(
            f"name must pick one notebook by its number or name (one of: {names}), got {name!r}"
        )
    return matches[0]


def fresh_copy(
    name: str, source: Path | str, dest: Path | str, *, stamp: str | None = None
) -> tuple[Path, Path | None]:
    """Copy notebook ``name`` (``"03"`` or its file name) afresh from ``source``.

    The learner's current copy, if any, is kept beside the new one as
    ``NN_name.<stamp>.ipynb`` (``stamp`` defaults to the date and time), so no
    answer is lost. Returns the new copy and the kept one (or None).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "notebooks").mkdir()
    >>> _ = (root / "notebooks" / "03_retention.ipynb").write_text("course")
    >>> (root / "mine").mkdir()
    >>> _ = (root / "mine" / "03_retention.ipynb").write_text("my answers")
    >>> new, old = fresh_copy("03", root / "notebooks", root / "mine", stamp="before")
    >>> new.read_text(), old.name, old.read_text()
    ('course', '03_retention.before.ipynb', 'my answers')
    """
    source = _source_dir(source)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a notebook's number or name such as '03', got {name!r}")
    src = _find(source, name.strip())
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / src.name
    kept = None
    if target.exists():
        stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.stem}.{stamp}.ipynb")
        if kept.exists():
            raise ValueError(f"stamp {stamp!r} is taken: {kept} already exists")
        target.rename(kept)
    shutil.copy2(src, target)
    manifest = _manifest(dest)
    manifest[src.name] = _digest(src)
    _write_manifest(dest, manifest)
    return target, kept
