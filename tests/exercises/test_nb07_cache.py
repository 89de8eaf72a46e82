"""Notebook 07's event logs are simulated once into the cache folder, even when several
kernels and test runs ask for them at the same moment (as `make test` does on a fresh clone)."""

import threading
import time

from xplab.data import simulate_event_log
from xplab.exercises import nb07

SMALL = {"n_users": 2_000, "days": 3, "seed": 5}


def _fresh(monkeypatch, tmp_path):
    calls = []

    def slow_simulation(path, **kwargs):  # the real simulation, slowed to widen the window
        calls.append(path)
        time.sleep(0.5)
        return simulate_event_log(path, **kwargs)

    monkeypatch.setattr(nb07, "default_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(nb07, "_LOGS", {"test": SMALL, "sample": {**SMALL, "n_users": 500}})
    monkeypatch.setattr(nb07, "simulate_event_log", slow_simulation)
    return nb07.event_log.__wrapped__, calls  # without the per-process memo


def test_concurrent_first_calls_simulate_once_and_agree(monkeypatch, tmp_path):
    event_log, calls = _fresh(monkeypatch, tmp_path)
    results, errors = [], []

    def ask():
        try:
            results.append(event_log("test"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(calls) == 1
    assert len({r.path for r in results}) == 1 and len(results) == 3
    assert results[0].path == str(tmp_path / "nb07" / "test")
    assert (tmp_path / "nb07" / "test" / "log.json").is_file()
    assert not list((tmp_path / "nb07").glob(".test-*"))  # no scratch folder left behind


def test_a_saved_log_is_reused_and_a_changed_one_rebuilt(monkeypatch, tmp_path):
    event_log, calls = _fresh(monkeypatch, tmp_path)
    first = event_log("sample")
    again = event_log("sample")
    assert len(calls) == 1 and again == first
    monkeypatch.setattr(nb07, "_LOGS", {"test": SMALL, "sample": {**SMALL, "n_users": 600}})
    rebuilt = event_log("sample")
    assert len(calls) == 2 and rebuilt.n_users == 600
