"""Monte Carlo checks of xplab.privacy's Laplace releases against theory and OpenDP,
and the speed of the table checks.

For each ε: the noise of a released count and of a clipped sum is unbiased,
its variance is 2(Δ/ε)², ±1.96·sd intervals cover 93.75 % (Laplace noise is
not normal) while ``noise_interval(0.95)`` covers 95 %, and its distribution
matches OpenDP's sampler (two-sample Kolmogorov–Smirnov). Then the clipping
bias of a revenue sum equals what clipping removes; the coverage of a DP
mean's ``noise_interval`` (two Laplace errors) beside the normal
approximation; and the seconds k-anonymity takes on 10⁶ rows and erasure on a
400,000-row table (targets: under 3 s and under 1 s, on 2 shared cores).
Fixed seeds; about a minute.

    python benchmarks/bench_privacy.py
"""

from __future__ import annotations

import sys
import time

import numpy as np
import opendp.prelude as dp
import pandas as pd
from _table import Row, report
from scipy import stats

from xplab.privacy import DataInventory, dp_count, dp_mean, dp_sum, k_anonymity, laplace_mechanism

dp.enable_features("contrib")
REPS = 200_000


def main() -> bool:
    t0 = time.perf_counter()
    rng = np.random.default_rng(2026)
    rows: list[Row] = []
    for eps in (0.1, 1.0, 10.0):
        for what, delta in (("count", 1.0), ("sum clipped to [0, 500]", 500.0)):
            noise = laplace_mechanism(np.zeros(REPS), sensitivity=delta, epsilon=eps, seed=rng)
            b = delta / eps
            var_ratio = noise.var() / (2 * b**2)
            se_ratio = np.sqrt((24 * b**4 - 4 * b**4) / REPS) / (2 * b**2)
            bias_z = noise.mean() / np.sqrt(2 * b**2 / REPS)
            cover = np.mean(np.abs(noise) <= 1.96 * np.sqrt(2) * b)
            cover_exact = np.mean(np.abs(noise) <= b * np.log(20))
            od = dp.m.make_laplace(
                dp.vector_domain(dp.atom_domain(T=float, nan=False)),
                dp.l1_distance(T=float),
                scale=b,
            )
            ks = stats.ks_2samp(noise[:20_000], np.asarray(od([0.0] * 20_000))).pvalue
            label = f"ε = {eps:g}, {what}"
            rows.append(
                Row(
                    f"{label}: variance / 2(Δ/ε)²",
                    f"{var_ratio:.4f}",
                    "1 ± 4 s.e.",
                    abs(var_ratio - 1) < 4 * se_ratio,
                    None,
                )
            )
            rows.append(Row(f"{label}: bias in s.e.", f"{bias_z:+.2f}", "|z| < 4", abs(bias_z) < 4))
            rows.append(
                Row(
                    f"{label}: ±1.96 sd coverage",
                    float(cover),
                    "93.75 % = 1 − e^(−1.96·√2), not 95 %",
                    abs(cover - (1 - np.exp(-1.96 * np.sqrt(2)))) < 0.003,
                    float(np.sqrt(cover * (1 - cover) / REPS)),
                )
            )
            rows.append(
                Row(
                    f"{label}: noise_interval(0.95) coverage",
                    float(cover_exact),
                    "95 % (± b·ln 20 = ± 2.12 sd)",
                    abs(cover_exact - 0.95) < 0.003,
                    float(np.sqrt(cover_exact * (1 - cover_exact) / REPS)),
                )
            )
            rows.append(
                Row(f"{label}: KS p vs OpenDP's sampler", f"{ks:.3f}", "> 0.001", ks > 0.001)
            )
    revenue = np.random.default_rng(7).lognormal(4.0, 1.2, 5_000)
    for upper in (100.0, 500.0, 2_000.0):
        releases = np.array(
            [dp_sum(revenue, lower=0, upper=upper, epsilon=1.0, seed=s).value for s in range(2_000)]
        )
        bias = releases.mean() - revenue.sum()
        removed = -np.clip(revenue - upper, 0, None).sum()
        se = np.sqrt(2) * upper / np.sqrt(2_000)
        rows.append(
            Row(
                f"clipping at {upper:g}: bias of the sum (removed by clipping {removed:,.0f})",
                f"{bias:,.0f}",
                "= removed ± 4 s.e.",
                abs(bias - removed) < 4 * se,
            )
        )
    rows += mean_coverage() + speed()
    count = dp_count(1_000, epsilon=1.0, seed=0)
    rows.append(
        Row(
            "stated sd of a count at ε = 1",
            f"{count.sd:.4f}",
            "√2 = 1.4142",
            abs(count.sd - np.sqrt(2)) < 1e-12,
        )
    )
    ok = report(rows)
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return ok


def mean_coverage() -> list[Row]:
    """How often noise_interval(0.95) of dp_mean holds the true clipped mean, and how
    often the normal interval ± 1.96 sd would."""
    out = []
    reps = 20_000
    for n, eps in ((50, 1.0), (500, 0.1), (5_000, 1.0)):
        values = np.random.default_rng(n).lognormal(3.0, 1.0, n)
        truth = np.clip(values, 0, 100).mean()
        hits = normal = 0
        for s in range(reps):
            r = dp_mean(values, lower=0, upper=100, epsilon=eps, seed=s)
            lo, hi = r.noise_interval(0.95)
            hits += lo <= truth <= hi
            normal += abs(r.value - truth) <= 1.96 * r.sd
        cover, cover_normal = hits / reps, normal / reps
        label = f"dp_mean, {n:,} people, ε = {eps:g}"
        out.append(
            Row(
                f"{label}: noise_interval(0.95) coverage",
                float(cover),
                "95 % ± 4 s.e.",
                abs(cover - 0.95) < 4 * np.sqrt(0.95 * 0.05 / reps),
                float(np.sqrt(cover * (1 - cover) / reps)),
            )
        )
        out.append(
            Row(f"{label}: ± 1.96 sd coverage", float(cover_normal), "(the normal one)", None)
        )
    return out


def speed() -> list[Row]:
    rng = np.random.default_rng(5)
    n = 1_000_000
    frame = pd.DataFrame(
        {
            "country": rng.choice(np.array(["UK", "FR", "DE", "NL", None], dtype=object), n),
            "age": np.where(rng.random(n) < 0.01, np.nan, rng.integers(18, 90, n)),
            "signup": pd.Timestamp("2011-01-01")
            + pd.to_timedelta(rng.integers(0, 12, n) * 30, "D"),
            "segment": pd.Categorical(rng.choice(["loyal", "new", "lapsed"], n)),
        }
    )
    t0 = time.perf_counter()
    r = k_anonymity(frame, ["country", "age", "signup", "segment"], k=5)
    k_seconds = time.perf_counter() - t0
    ids = pd.array(rng.integers(12346, 18288, 400_000), dtype="Int64")
    ids[rng.random(400_000) < 0.25] = pd.NA
    orders = pd.DataFrame({"customer": ids, "quantity": rng.integers(1, 10, 400_000)})
    inventory = DataInventory()
    t0 = time.perf_counter()
    inventory.register("orders", orders, user="customer")
    register_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    receipt = inventory.erase(int(pd.Series(ids).dropna().iloc[0]))
    erase_seconds = time.perf_counter() - t0
    return [
        Row(
            f"k_anonymity, 10⁶ rows, 4 quasi-identifiers ({r.n_classes:,} classes): seconds",
            f"{k_seconds:.2f}",
            "< 3",
            k_seconds < 3,
        ),
        Row(
            "register a 400,000-row table (ids checked once): seconds",
            f"{register_seconds:.2f}",
            "",
            None,
        ),
        Row(
            f"erase one customer from a 400,000-row table ({receipt.total} rows): seconds",
            f"{erase_seconds:.2f}",
            "< 1",
            erase_seconds < 1,
        ),
    ]


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
