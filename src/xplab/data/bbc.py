"""BBC News (Greene & Cunningham, ICML 2006): 2,225 articles in five topics.

The articles are BBC copyright, so they are downloaded at run time and never
committed. See ``data/README.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._fetch import DatasetSpec, locate

CATEGORIES = ("business", "entertainment", "politics", "sport", "tech")

BBC_NEWS = DatasetSpec(
    name="BBC News",
    folder="bbc",
    url="http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip",
    homepage="http://mlg.ucd.ie/datasets/bbc.html",
    # tree_digest over bbc/*/*.txt of the official bbc-fulltext.zip contents.
    checksums={"*": "53ee0f4ad6474a297f496c096e8d01f59b382436f2410b3160d15ab3a1553795"},
)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # one article (sport/199.txt) is latin-1
        return raw.decode("latin-1")


def read_bbc_news(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse an unzipped ``bbc`` folder (no checksum verification)."""
    folder = Path(folder)
    rows = []
    for category in CATEGORIES:
        for path in sorted((folder / category).glob("*.txt")):
            title, _, body = _read_text(path).partition("\n")
            rows.append((f"{category}/{path.stem}", category, title.strip(), body.strip()))
    frame = pd.DataFrame(rows, columns=["article_id", "category", "title", "body"])
    frame["category"] = pd.Categorical(frame["category"], categories=CATEGORIES)
    return frame


def load_bbc_news(
    *, data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> pd.DataFrame:
    """Load the BBC News articles, downloading and verifying them on first use.

    Parameters
    ----------
    data_dir : path, optional
        A folder containing ``bbc/``. Defaults to ``$XPLAB_DATA_DIR``, then the
        cache (the repository's ``data/`` folder).
    download : bool
        Download from the UCD dataset page into the cache when no copy is found.

    Returns
    -------
    DataFrame
        2,225 rows: ``article_id`` (e.g. ``"tech/001"``), ``category``, ``title``
        (the first line) and ``body`` (the rest). Note that only 2,092 bodies
        are distinct: the source has duplicate stories.

    Raises
    ------
    DatasetUnavailableError
        No copy was found and none could be downloaded; the message says what to do.
    ChecksumError
        A copy was found but its files differ from the official release.

    Examples
    --------
    >>> news = load_bbc_news()  # doctest: +SKIP
    >>> news["category"].value_counts()["sport"]  # doctest: +SKIP
    511
    """
    return read_bbc_news(locate(BBC_NEWS, data_dir=data_dir, download=download))
