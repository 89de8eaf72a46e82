"""The check table that the Monte Carlo benchmarks print (shared by bench_cuped and
bench_sequential): one row per check, its measured value and Monte Carlo standard
error, the target, and pass / MISS / reported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Row:
    check: str
    value: float | str
    target: str
    ok: bool | None
    mc_se: float | None = None


def chunks(total: int, size: int) -> Iterator[int]:
    """Split ``total`` replicates into batches of at most ``size``."""
    while total > 0:
        yield min(size, total)
        total -= size


def report(rows: list[Row]) -> bool:
    """Print the table; True when no row with a target missed it."""
    width = max(len(r.check) for r in rows)
    target_width = max(16, *(len(r.target) for r in rows))
    print(
        f"{'check':<{width}}  {'measured':>10}  {'MC s.e.':>8}  {'target':<{target_width}}  result"
    )
    print("-" * (width + target_width + 34))
    ok = True
    for r in rows:
        value = f"{r.value:.2%}" if isinstance(r.value, float) else str(r.value)
        se = "" if r.mc_se is None else f"{r.mc_se:.2%}"
        verdict = "reported" if r.ok is None else ("pass" if r.ok else "MISS")
        ok = ok and (r.ok is not False)
        print(f"{r.check:<{width}}  {value:>10}  {se:>8}  {r.target:<{target_width}}  {verdict}")
    return ok
