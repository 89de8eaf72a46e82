"""The recorded benchmark tables notebook 08 shows (latency varies run to run,
so the notebook shows one recorded run, with its date and machine load)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded"
#: The benchmarks that record here, and the command that writes each record.
COMMANDS = {
    "bench_serving_100000": "python benchmarks/bench_serving.py --items 100000 --record",
    "bench_serving_1000000": "python benchmarks/bench_serving.py --items 1000000 --record",
    "bench_spark_als": "python benchmarks/bench_spark_als.py --record",
}


def benchmark_record(name: str) -> dict[str, Any]:
    """The tables a benchmark recorded with ``--record`` (see :data:`COMMANDS`).

    Examples
    --------
    >>> sorted(benchmark_record("bench_spark_als"))[:3]
    ['customers', 'date', 'load']
    """
    if not isinstance(name, str) or name not in COMMANDS:
        raise ValueError(f"name must be one of {sorted(COMMANDS)}, got {name!r}")
    path = RECORDED / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `{COMMANDS[name]}` to record it")
    return json.loads(path.read_text())
