"""Find, download, verify and safely extract the course datasets.

Where a dataset comes from, in this order:

1. ``data_dir`` passed to the loader, or else ``$XPLAB_DATA_DIR``;
2. the cache: the repository's ``data/`` folder when xplab runs from a source
   checkout, otherwise ``~/.cache/xplab``;
3. a download from the official source into the cache (only when
   ``download=True``), verified by SHA-256 before it is used.

Nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .._validate import check_bool

ENV_VAR = "XPLAB_DATA_DIR"
DOWNLOAD_TIMEOUT_S = 60


class DatasetUnavailableError(RuntimeError):
    """No verified copy of a dataset was found and none could be downloaded."""


class ChecksumError(RuntimeError):
    """A dataset's files do not match their published SHA-256."""


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset lives and how to recognise a good copy of it.

    ``folder`` is the directory the official archive unzips to; ``checksums``
    maps a path relative to that folder to its SHA-256, or the special key
    ``"*"`` to a digest over the whole folder (see :func:`tree_digest`).
    """

    name: str
    folder: str
    url: str
    homepage: str
    checksums: Mapping[str, str]
    tree_glob: str = "*/*.txt"


def default_cache_dir() -> Path:
    """The repository's ``data/`` folder in a source checkout, else ``~/.cache/xplab``."""
    repo = Path(__file__).resolve().parents[3]
    if (repo / "pyproject.toml").is_file() and (repo / "src" / "xplab").is_dir():
        return repo / "data"
    return Path.home() / ".cache" / "xplab"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(folder: Path, pattern: str) -> str:
    """SHA-256 over every file matching ``pattern`` below ``folder``: each file's
    relative POSIX path, a NUL, its bytes' SHA-256 and a newline, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob(pattern)):
        rel = path.relative_to(folder).as_posix()
        digest.update(f"{rel}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def verify(spec: DatasetSpec, folder: Path) -> None:
    """Raise :class:`ChecksumError` unless ``folder`` holds the expected content."""
    for rel, expected in spec.checksums.items():
        if rel == "*":
            actual = tree_digest(folder, spec.tree_glob)
            what = f"the files {spec.tree_glob} in {folder}"
        else:
            path = folder / rel
            if not path.is_file():
                raise ChecksumError(f"{spec.name}: {path} is missing")
            actual = sha256_file(path)
            what = str(path)
        if actual != expected:
            raise ChecksumError(
                f"{spec.name}: {what} has SHA-256 {actual}, expected {expected}. "
                "The copy is damaged or not the official release: delete it and load again."
            )


def safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip into ``target``, refusing any member that would land outside it
    (absolute paths, ``..``) and any symbolic link."""
    target = target.resolve()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            dest = (target / name).resolve()
            if name.is_absolute() or not dest.is_relative_to(target):
                raise ValueError(
                    f"refusing to extract {info.filename!r}: it points outside {target}"
                )
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ValueError(f"refusing to extract {info.filename!r}: it is a symbolic link")
        zf.extractall(target)


def _urlretrieve(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as resp, open(dest, "wb") as fh:
        shutil.copyfileobj(resp, fh)


# Tests replace this to check the download path without touching the network.
fetch_url: Callable[[str, Path], None] = _urlretrieve


def candidate_dirs(data_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Folders searched for an existing copy, in order."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir).expanduser())
    elif os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]).expanduser())
    dirs.append(default_cache_dir())
    return dirs


def locate(
    spec: DatasetSpec,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Path:
    """Return the verified folder of ``spec``, downloading it into the cache if needed."""
    if data_dir is not None and not isinstance(data_dir, str | os.PathLike):
        raise TypeError(f"data_dir must be a path (str or pathlib.Path) or None, got {data_dir!r}")
    # a truthy stand-in such as "False" must not start a download
    download = check_bool(download, name="download")
    searched = candidate_dirs(data_dir)
    for base in searched:
        folder = base / spec.folder
        if folder.is_dir():
            verify(spec, folder)
            return folder

    cache = default_cache_dir()
    where = "\n".join(f"  - {base / spec.folder}" for base in searched)
    advice = (
        f"To fix this, either\n"
        f"  * connect to the internet and call the loader again (it downloads {spec.url}), or\n"
        f"  * download that file yourself (see {spec.homepage}) and unzip it into {cache}, or\n"
        f"  * set {ENV_VAR} to a folder that contains {spec.folder}/."
    )
    if not download:
        raise DatasetUnavailableError(
            f"{spec.name} was not found. Looked in:\n{where}\n"
            f"and download=False was given.\n{advice}"
        )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        archive = Path(tmp) / "download.zip"
        try:
            fetch_url(spec.url, archive)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DatasetUnavailableError(
                f"{spec.name} was not found and could not be downloaded ({exc}). "
                f"Looked in:\n{where}\n{advice}"
            ) from exc
        staging = Path(tmp) / "extracted"
        try:
            safe_extract(archive, staging)
        except zipfile.BadZipFile as exc:
            raise DatasetUnavailableError(
                f"{spec.name}: the download from {spec.url} is not a valid zip ({exc}).\n{advice}"
            ) from exc
        extracted = staging / spec.folder
        if not extracted.is_dir():
            raise DatasetUnavailableError(
                f"{spec.name}: the archive from {spec.url} has no {spec.folder}/ folder.\n{advice}"
            )
        verify(spec, extracted)
        final = cache / spec.folder
        extracted.replace(final)
    return final
