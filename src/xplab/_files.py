"""Files that appear whole or not at all: the one way xplab writes a cache file."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A scratch path next to ``path``, unique to this call: write the file there
    inside the ``with`` block; when the block ends it replaces ``path`` in one step.

    Readers see the old file or the new one, never a half-written one, and two
    writers at once (two notebooks building the same cache on a fresh clone)
    never share a scratch file: the last to finish wins, whole. If the block
    raises, ``path`` is left as it was and the scratch file is removed.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "table.txt"
    >>> with replacing(target) as scratch:
    ...     _ = scratch.write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['table.txt'])
    """
    path = Path(path)
    # a name no other writer draws; the caller creates the file, so it gets the
    # permissions a plain open() gives (not mkstemp's owner-only ones)
    scratch = path.with_name(f".{path.name}-{uuid.uuid4().hex[:16]}.partial")
    try:
        yield scratch
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
