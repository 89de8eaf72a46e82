"""Monte Carlo checks of xplab.privacy's Laplace releases against theory and OpenDP.

For each ε: the noise of a released count and of a clipped sum is unbiased,
its variance is 2(Δ/ε)², ±1.96·sd intervals cover 95 %, and its distribution
matches OpenDP's sampler (two-sample Kolmogorov–Smirnov). Then the clipping
bias of a revenue sum equals what clipping removes. Fixed seeds; about a minute.

    python benchmarks/bench_privacy.py
"""

from __future__ import annotations

import sys
import time

import numpy as np
import opendp.prelude as dp
from _table import Row, report
from scipy import stats

from xplab.privacy import dp_count, dp_sum, laplace_mechanism

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


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
