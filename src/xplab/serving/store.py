"""Stage 2's storage — a feature store with one interface and two backends.

A feature store serves precomputed rows by key at request time: the user's
vector, features and recent purchases, and the features of a few hundred
candidate items. Two backends give the same answers:

* :class:`InProcessStore` — NumPy arrays in the service's own memory (the
  embedded default): a read is an array index, well under a microsecond per
  row; the catalogue must fit in the memory of every serving process;
* :class:`RedisStore` — a real Redis server through redis-py: one key per
  row, float32 bytes as the value. A read costs a network round trip (about
  0.1 ms on loopback, more across machines) plus the server's work, so reads
  are batched: one ``MGET`` per table, all tables of a request in one
  pipeline. ``batching="none"`` (one ``GET`` and one round trip per key)
  shows what batching saves.

Tables hold float32 rows of a fixed width, keyed by dense numbers 0..n-1
(``write``), or variable-length lists of such rows (``write_lists``), e.g. a
user's history. Item numbers stored as float32 are exact below 2²⁴
(16,777,216).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal

import numpy as np

from .._validate import check_choice, check_count, check_positive

Batching = Literal["mget", "pipeline", "none"]


def _check_table(table: Any) -> str:
    if not isinstance(table, str) or not table or ":" in table:
        raise ValueError(f"table must be a non-empty name without ':', got {table!r}")
    return table


def _check_rows(values: Any, *, name: str = "values") -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _check_keys(keys: Any, *, name: str = "keys") -> np.ndarray:
    arr = np.atleast_1d(np.asarray(keys))
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise ValueError(
            f"{name} must be whole numbers (a 1-D array of row numbers), got {keys!r:.60}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be >= 0, got {int(arr.min())}")
    return arr.astype(np.int64)


def _check_indptr(indptr: Any, n_rows: int) -> np.ndarray:
    ptr = np.asarray(indptr)
    if ptr.dtype.kind not in "iu" or ptr.ndim != 1 or ptr.size < 2:
        raise ValueError("indptr must be a 1-D array of whole numbers with at least two entries")
    if ptr[0] != 0 or ptr[-1] != n_rows or np.any(np.diff(ptr) < 0):
        raise ValueError(f"indptr must rise from 0 to len(values) ({n_rows})")
    return ptr.astype(np.int64)


def _check_reads(rows: Any, lists: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(rows, Mapping):
        raise ValueError(f"rows must be a dict of table -> keys, got {type(rows).__name__}")
    if lists is not None and not isinstance(lists, Mapping):
        raise ValueError(f"lists must be a dict of list table -> key, got {type(lists).__name__}")
    return dict(rows), dict(lists or {})


class FeatureStore:
    """The interface: ``write``/``write_lists`` offline, ``read``/``read_list``/
    ``read_many`` at request time. Every read returns float32 arrays."""

    def write(self, table: str, values: Any) -> None:
        """Store row ``i`` of ``values`` under key ``i`` of ``table``."""
        raise NotImplementedError

    def write_lists(self, table: str, indptr: Any, values: Any) -> None:
        """Store ``values[indptr[i]:indptr[i + 1]]`` as the list of key ``i``."""
        raise NotImplementedError

    def read_many(
        self, rows: Mapping[str, Any], lists: Mapping[str, int] | None = None
    ) -> dict[str, np.ndarray]:
        """Several reads at once (one round trip for a remote store).

        ``rows`` maps a table to the keys to read (an array of shape
        (len(keys), width) comes back); ``lists`` maps a list table to one key
        (its rows come back).
        """
        raise NotImplementedError

    def read(self, table: str, keys: Any) -> np.ndarray:
        """Rows ``keys`` of ``table``, shape (len(keys), width)."""
        return self.read_many({table: keys})[table]

    def read_list(self, table: str, key: int) -> np.ndarray:
        """The list stored under ``key`` of ``table``, shape (length, width)."""
        return self.read_many({}, {table: key})[table]

    def width(self, table: str) -> int:
        """Columns of a table."""
        raise NotImplementedError


class InProcessStore(FeatureStore):
    """Feature tables as NumPy arrays in this process (the default backend).

    Examples
    --------
    >>> store = InProcessStore()
    >>> store.write("item", np.arange(6.0).reshape(3, 2))
    >>> store.read("item", [2, 0]).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    >>> store.write_lists("history", [0, 2, 3], [[7, 1], [8, 2], [9, 3]])
    >>> store.read_list("history", 0).tolist()
    [[7.0, 1.0], [8.0, 2.0]]
    """

    def __init__(self) -> None:
        self._tables: dict[str, np.ndarray] = {}
        self._lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def write(self, table: str, values: Any) -> None:
        self._tables[_check_table(table)] = _check_rows(values)

    def write_lists(self, table: str, indptr: Any, values: Any) -> None:
        rows = _check_rows(values)
        self._lists[_check_table(table)] = (_check_indptr(indptr, len(rows)), rows)

    def width(self, table: str) -> int:
        if table in self._tables:
            return int(self._tables[table].shape[1])
        if table in self._lists:
            return int(self._lists[table][1].shape[1])
        raise ValueError(f"table {table!r} was never written")

    def read_many(
        self, rows: Mapping[str, Any], lists: Mapping[str, int] | None = None
    ) -> dict[str, np.ndarray]:
        rows, lists = _check_reads(rows, lists)
        out = {}
        for table, keys in rows.items():
            if table not in self._tables:
                raise ValueError(f"rows: table {table!r} was never written")
            k = _check_keys(keys)
            values = self._tables[table]
            if k.size and k.max() >= len(values):
                raise ValueError(f"keys: table {table!r} has no key {int(k.max())}")
            out[table] = values[k]
        for table, key in lists.items():
            if table not in self._lists:
                raise ValueError(f"lists: list table {table!r} was never written")
            indptr, values = self._lists[table]
            i = int(_check_keys(key, name="key")[0])
            if i >= len(indptr) - 1:
                raise ValueError(f"key: list table {table!r} has no key {i}")
            out[table] = values[indptr[i] : indptr[i + 1]]
        return out

    def __repr__(self) -> str:
        tables = ", ".join(f"{t} {v.shape[0]:,}×{v.shape[1]}" for t, v in self._tables.items())
        lists = ", ".join(f"{t} lists {len(p) - 1:,}" for t, (p, _) in self._lists.items())
        return f"InProcessStore({', '.join(x for x in (tables, lists) if x)})"


class RedisStore(FeatureStore):
    """Feature tables in a Redis server: one key per row, float32 bytes as value.

    Keys are ``{prefix}:{table}:{key}``; table widths are kept in the hash
    ``{prefix}:meta`` so another process can read what this one wrote.
    Writes go in pipelines of ``chunk`` keys (``MSET``).

    Parameters
    ----------
    url : str
        A redis URL, e.g. ``redis://127.0.0.1:6379/0``.
    prefix : str
        Namespace of every key this store writes; :meth:`clear` deletes them.
    batching : {"mget", "pipeline", "none"}
        How a request's reads travel: one ``MGET`` per table, all tables in
        one pipeline (one round trip; the default); one ``GET`` per key in a
        pipeline (one round trip, more commands); or one ``GET`` per key,
        each its own round trip (no batching, for comparison).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "xplab",
        batching: Batching = "mget",
        chunk: int = 10_000,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("redis://", "unix://", "rediss://")):
            raise ValueError(
                f"url must be a redis URL such as redis://127.0.0.1:6379/0, got {url!r}"
            )
        if not isinstance(prefix, str) or not prefix or ":" in prefix:
            raise ValueError(f"prefix must be a non-empty name without ':', got {prefix!r}")
        self.batching = check_choice(batching, ("mget", "pipeline", "none"), name="batching")
        self.chunk = check_count(chunk, name="chunk", minimum=1)
        import redis  # imported on use

        self.url, self.prefix = url, prefix
        self._redis = redis.Redis.from_url(url)
        self._widths: dict[str, int] = {}

    def _key(self, table: str, key: int) -> bytes:
        return f"{self.prefix}:{table}:{key}".encode()

    def _set_width(self, table: str, width: int) -> None:
        self._widths[table] = width
        self._redis.hset(f"{self.prefix}:meta", table, width)

    def width(self, table: str) -> int:
        if table not in self._widths:
            stored = self._redis.hget(f"{self.prefix}:meta", table)
            if stored is None:
                raise ValueError(f"table {table!r} was never written under prefix {self.prefix!r}")
            self._widths[table] = int(stored)
        return self._widths[table]

    def write(self, table: str, values: Any) -> None:
        table = _check_table(table)
        rows = _check_rows(values)
        self._set_width(table, rows.shape[1])
        for start in range(0, len(rows), self.chunk):
            block = rows[start : start + self.chunk]
            self._redis.mset(
                {self._key(table, start + i): block[i].tobytes() for i in range(len(block))}
            )

    def write_lists(self, table: str, indptr: Any, values: Any) -> None:
        table = _check_table(table)
        rows = _check_rows(values)
        ptr = _check_indptr(indptr, len(rows))
        self._set_width(table, rows.shape[1])
        n = len(ptr) - 1
        for start in range(0, n, self.chunk):
            stop = min(n, start + self.chunk)
            self._redis.mset(
                {
                    self._key(table, i): rows[ptr[i] : ptr[i + 1]].tobytes()
                    for i in range(start, stop)
                }
            )

    def _decode(self, table: str, raw: list[Any], keys: np.ndarray) -> np.ndarray:
        if any(r is None for r in raw):
            missing = keys[[r is None for r in raw]]
            raise ValueError(f"keys: table {table!r} has no key {int(missing[0])} in Redis")
        width = self.width(table)
        return np.frombuffer(b"".join(raw), dtype=np.float32).reshape(len(raw), width)

    def read_many(
        self, rows: Mapping[str, Any], lists: Mapping[str, int] | None = None
    ) -> dict[str, np.ndarray]:
        rows, lists = _check_reads(rows, lists)
        keys = {table: _check_keys(k) for table, k in rows.items()}
        list_keys = {table: int(_check_keys(k, name="key")[0]) for table, k in lists.items()}
        for table in [*keys, *list_keys]:
            self.width(table)  # a clear error for an unknown table, before any read
        names = {t: [self._key(t, int(k)) for k in ks] for t, ks in keys.items()}
        out: dict[str, np.ndarray] = {}
        if self.batching == "none":
            for table, ks in names.items():
                raw = [self._redis.get(k) for k in ks]
                out[table] = self._decode(table, raw, keys[table])
            for table, key in list_keys.items():
                out[table] = self._list(table, key, self._redis.get(self._key(table, key)))
            return out
        pipe = self._redis.pipeline(transaction=False)
        for ks in names.values():
            if self.batching == "mget":
                if ks:
                    pipe.mget(ks)
            else:
                for k in ks:
                    pipe.get(k)
        for table, key in list_keys.items():
            pipe.get(self._key(table, key))
        replies = iter(pipe.execute())
        for table, ks in names.items():
            if self.batching == "mget":
                raw = next(replies) if ks else []
            else:
                raw = [next(replies) for _ in ks]
            out[table] = self._decode(table, raw, keys[table])
        for table, key in list_keys.items():
            out[table] = self._list(table, key, next(replies))
        return out

    def _list(self, table: str, key: int, raw: Any) -> np.ndarray:
        if raw is None:
            raise ValueError(f"key: list table {table!r} has no key {key} in Redis")
        return np.frombuffer(raw, dtype=np.float32).reshape(-1, self.width(table))

    def clear(self) -> int:
        """Delete every key under this store's prefix; returns how many."""
        deleted = 0
        batch = []
        for key in self._redis.scan_iter(match=f"{self.prefix}:*", count=10_000):
            batch.append(key)
            if len(batch) >= self.chunk:
                deleted += self._redis.delete(*batch)
                batch = []
        if batch:
            deleted += self._redis.delete(*batch)
        self._widths.clear()
        return deleted

    def ping(self) -> bool:
        """True when the server answers."""
        return bool(self._redis.ping())

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, prefix={self.prefix!r}, batching={self.batching!r})"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_redis_server(*, timeout: float = 10.0) -> AbstractContextManager[str]:
    """Start a throw-away ``redis-server`` on a free loopback port; yield its URL.

    Use as ``with local_redis_server() as url: ...``. No persistence
    (``--save ""``, no AOF), bound to 127.0.0.1 only, its files in a
    temporary folder. The server (this process's child) is stopped on exit.
    Raises ``RuntimeError`` when ``redis-server`` is not installed or does
    not answer within ``timeout`` seconds.
    """
    return _local_redis_server(check_positive(timeout, name="timeout"))


@contextmanager
def _local_redis_server(timeout: float) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    import redis

    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [
                exe,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", folder,
                "--logfile", os.path.join(folder, "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        try:
            client = redis.Redis.from_url(url)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    client.ping()
                    break
                except redis.exceptions.ConnectionError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not start on port {port}") from None
                    time.sleep(0.05)
            client.close()
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
