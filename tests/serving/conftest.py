"""Fixtures for the serving tests: a small synthetic catalogue, a ranker trained on it,
and a real Redis server (XPLAB_REDIS_URL when set, else one started here on a free
loopback port; the Redis tests skip, saying why, where neither is possible)."""

import ipaddress
import os
import socket
import uuid

import numpy as np
import pandas as pd
import pytest

from xplab import serving


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Loopback only: the Redis and HTTP tests talk to servers on this machine."""
    connect = socket.socket.connect
    create = socket.create_connection

    def loopback(address) -> bool:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return isinstance(address, str | bytes)  # a unix socket path

    def guarded_connect(self, address):
        if not loopback(address):
            raise OSError("tests never touch the network")
        return connect(self, address)

    def guarded_create(address, *args, **kwargs):
        if not loopback(address):
            raise OSError("tests never touch the network")
        return create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)


@pytest.fixture(scope="session")
def catalogue():
    """3,000 items, 400 users, 16 dimensions."""
    return serving.synthetic_catalogue(3_000, 400, dim=16, n_categories=6, seed=0)


@pytest.fixture(scope="session")
def generator(catalogue):
    return serving.make_generator(catalogue, n={"als": 60, "copurchase": 40, "popular": 20})


@pytest.fixture(scope="session")
def ranker(catalogue, generator):
    """A small LambdaRank ranker trained on the synthetic purchase model."""
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    frame, x = serving.candidate_table(catalogue, generator, store, np.arange(150))
    bought, _ = serving.synthetic_labels(x, serving.RANKER_FEATURES, seed=1)
    groups = frame.groupby("user", sort=False).size().to_numpy()
    return serving.Ranker(n_estimators=20, min_child_samples=5).fit(x, bought, groups)


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server's URL, or skip with the reason."""
    url = os.environ.get("XPLAB_REDIS_URL")
    if url:
        yield url
        return
    try:
        with serving.local_redis_server() as started:
            yield started
    except RuntimeError as exc:
        pytest.skip(f"no Redis server: {exc}")


@pytest.fixture
def redis_store(redis_url):
    """A RedisStore under a fresh key prefix, emptied afterwards."""
    store = serving.RedisStore(redis_url, prefix=f"xplab-test-{uuid.uuid4().hex[:8]}")
    try:
        store.ping()
    except Exception as exc:  # the server went away: say so rather than fail obscurely
        pytest.skip(f"Redis at {redis_url} does not answer: {exc}")
    yield store
    store.clear()


@pytest.fixture
def purchases():
    """Three customers' purchases over two months, with a cancelled line aside."""
    rows = [
        ("1", "A", "2011-01-03", 1, 2, 1.5),
        ("1", "B", "2011-01-03", 1, 1, 4.0),
        ("2", "A", "2011-01-20", 1, 4, 1.5),
        ("3", "A", "2011-01-10", 2, 1, 1.5),
        ("3", "C", "2011-01-10", 2, 6, 0.5),
        ("4", "B", "2011-01-25", 3, 2, 4.0),
        ("4", "C", "2011-01-25", 3, 1, 0.5),
        ("5", "A", "2011-02-10", 1, 3, 1.5),
        ("6", "D", "2011-02-12", 2, 1, 9.0),
        ("6", "B", "2011-02-12", 2, 1, 4.0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["invoice", "stock_code", "invoice_date", "customer_id", "quantity", "unit_price"],
    )
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["description"] = frame["stock_code"].map(
        {"A": "JUMBO BAG RED", "B": "HEART T-LIGHT HOLDER", "C": "PAPER NAPKINS", "D": "DOLL HOUSE"}
    )
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    return frame
