"""MovieLens 100K (GroupLens): 100,000 ratings by 943 users of 1,682 movies.

The licence forbids redistribution, so the data are downloaded at run time and
never committed. See ``data/README.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from ._fetch import DatasetSpec, locate

MOVIELENS_100K = DatasetSpec(
    name="MovieLens 100K",
    folder="ml-100k",
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    homepage="https://grouplens.org/datasets/movielens/100k/",
    checksums={
        # Published in the course anchors; the other files were hashed from the
        # official ml-100k.zip contents (sha256sum u.item u.user u.genre).
        "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
    },
)


@dataclass(frozen=True, repr=False)
class MovieLens100K:
    """The three tables of MovieLens 100K.

    Attributes
    ----------
    ratings : DataFrame
        ``user_id, item_id, rating, timestamp`` (timestamp in Unix seconds).
    items : DataFrame
        Indexed by ``item_id``: ``title, release_date, imdb_url, genres`` (a
        list of genre names) and one boolean column per genre.
    users : DataFrame
        Indexed by ``user_id``: ``age, gender, occupation, zip_code``.
    genres : tuple of str
        The 19 genre names, in the file's order.
    """

    ratings: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    genres: tuple[str, ...]

    def __repr__(self) -> str:
        r = self.ratings
        return (
            f"MovieLens100K(ratings={len(r):,} rows, users={r['user_id'].nunique():,}, "
            f"items={r['item_id'].nunique():,}, mean rating={r['rating'].mean():.3f})"
        )


def read_movielens_100k(folder: str | os.PathLike[str]) -> MovieLens100K:
    """Parse an unzipped ``ml-100k`` folder (no checksum verification)."""
    folder = os.fspath(folder)
    ratings = pd.read_csv(
        os.path.join(folder, "u.data"),
        sep="\t",
        names=["user_id", "item_id", "rating", "timestamp"],
        dtype="int64",
    )
    genre_table = pd.read_csv(
        os.path.join(folder, "u.genre"), sep="|", names=["genre", "code"], encoding="latin-1"
    ).dropna()
    genres = tuple(genre_table.sort_values("code")["genre"])
    items = pd.read_csv(
        os.path.join(folder, "u.item"),
        sep="|",
        encoding="latin-1",
        names=["item_id", "title", "release_date", "video_release_date", "imdb_url", *genres],
        index_col="item_id",
    )
    items = items.drop(columns="video_release_date")
    items["release_date"] = pd.to_datetime(items["release_date"], format="%d-%b-%Y")
    flags = items[list(genres)].astype(bool)
    items[list(genres)] = flags
    items.insert(
        3, "genres", [[g for g, on in zip(genres, row, strict=True) if on] for row in flags.values]
    )
    users = pd.read_csv(
        os.path.join(folder, "u.user"),
        sep="|",
        names=["user_id", "age", "gender", "occupation", "zip_code"],
        index_col="user_id",
        dtype={"zip_code": str},
    )
    return MovieLens100K(ratings=ratings, items=items, users=users, genres=genres)


def load_movielens_100k(
    *, data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> MovieLens100K:
    """Load MovieLens 100K, downloading and verifying it on first use.

    Parameters
    ----------
    data_dir : path, optional
        A folder containing ``ml-100k/``. Defaults to ``$XPLAB_DATA_DIR``, then
        the cache (the repository's ``data/`` folder).
    download : bool
        Download from GroupLens into the cache when no copy is found.

    Returns
    -------
    MovieLens100K
        ``.ratings`` (100,000 rows), ``.items`` (1,682), ``.users`` (943).

    Raises
    ------
    DatasetUnavailableError
        No copy was found and none could be downloaded; the message says what to do.
    ChecksumError
        A copy was found but its files differ from the official release.

    Examples
    --------
    >>> ml = load_movielens_100k()  # doctest: +SKIP
    >>> ml.ratings.shape  # doctest: +SKIP
    (100000, 4)
    """
    return read_movielens_100k(locate(MOVIELENS_100K, data_dir=data_dir, download=download))
