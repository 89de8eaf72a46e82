"""Monte Carlo validation of ``xplab.abtest.sequential``.

Run:  .venv/bin/python benchmarks/bench_sequential.py

What it checks, each against a stated bound (the script exits 1 if any is missed):

* naive peeking: a two-sided z-test at 1.96 checked at K equally spaced looks,
  stopping at the first p < 0.05, for K = 1, 2, 3, 5, 10, 20, 50, 100, against
  the published rates (Armitage, McPherson & Rowe 1969; ANCHORS.md) ± 0.5 pp;
* type-I error under continuous monitoring (200 looks, 50 users per arm per
  look, up to 10,000 per arm), in A/A simulations of a conversion metric
  (p = 0.10) and of a normal metric: mSPRT and the asymptotic confidence
  sequence ≤ 5 %; group-sequential designs (5 planned looks, O'Brien–Fleming
  and Pocock spending) 5 % ± 0.5 pp;
* type-I error when looking after *every* observation from the first allowed
  look (``min_n`` = 30 per arm, the default) up to 1,000 per arm: normal data
  with τ = 0.1σ, σ, 3σ and 0/1 data at p = 0.1 and 0.5 with the same τ/σ, for
  the mSPRT and for the confidence sequence (tuned at the N* whose mixing sd
  equals τ, and at the default N* = 5,000): each ≤ 5 %; and, for contrast,
  the same runs looking from n = 2 per arm (the former default);
* power of each against the fixed-horizon z-test (one analysis at 10,000 per
  arm) at two effect sizes (reported, no bound), with the average sample size
  at stopping and the width of each interval at the last look relative to
  the fixed-horizon interval.

The simulations are vectorised: each look's cumulative sufficient statistics
are drawn for all replicates at once (for 0/1 data the per-look sums are
Binomial; for normal data the batch means are normal and the within-batch sums
of squares σ²·χ²), and go through ``always_valid``, the core that
``msprt_test`` and ``confidence_sequence`` call; the first replicates also go
through the public functions (from cumulative ``GroupStats``) to show that
they agree.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np
from _table import Row, chunks, report
from scipy import stats
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.abtest import GroupStats, confidence_sequence, group_sequential_bounds, msprt_test
from xplab.abtest.sequential import MIN_N, always_valid, sequential_rho

SEED = 20_261_124
ALPHA = 0.05
REPS_PEEK = 200_000
REPS = 20_000
CHUNK = 2_000
LOOKS = 200
BATCH = 50  # users per arm between looks
N_MAX = LOOKS * BATCH
P_BASE = 0.10
TAU_BINARY = 0.01  # about the fixed-horizon MDE at 10,000 per arm (0.012)
TAU_NORMAL = 0.04  # the same in sd units of the normal metric
TUNING = 5_000  # GrowthBook's default
GS_LOOKS = 5
CHECK_PUBLIC = 20
REPS_EVERY = 20_000  # A/A runs per design when looking after every observation
N_EVERY = 1_000  # per arm
CHUNK_EVERY = 1_000
TAU_MULTS = (0.1, 1.0, 3.0)  # τ in units of the per-unit sd σ

PUBLISHED_PEEK = {
    1: 0.050,
    2: 0.083,
    3: 0.107,
    5: 0.142,
    10: 0.193,
    20: 0.248,
    50: 0.320,
    100: 0.374,
}
BOUND = 0.005


ROWS: list[Row] = []


def rate_row(check: str, value: float, target: float, reps: int, *, at_most: bool = False) -> None:
    se = math.sqrt(max(value * (1 - value), 1e-12) / reps)
    if at_most:
        ROWS.append(Row(check, value, f"≤ {target:.1%}", value <= target, se))
    else:
        ok = abs(value - target) <= BOUND
        ROWS.append(Row(check, value, f"{target:.1%} ± 0.5 pp", ok, se))


# --------------------------------------------------------------------------- naive peeking


def peeking(rng: np.random.Generator, bar: tqdm) -> None:
    z_crit = stats.norm.isf(ALPHA / 2)
    for k, target in PUBLISHED_PEEK.items():
        rejected = 0
        for size in chunks(REPS_PEEK, 20_000):
            s = np.cumsum(rng.standard_normal((size, k)), axis=1)
            z = s / np.sqrt(np.arange(1, k + 1))
            rejected += int(np.sum(np.any(np.abs(z) >= z_crit, axis=1)))
        rate_row(f"naive peeking, K = {k} looks", rejected / REPS_PEEK, target, REPS_PEEK)
        bar.update(1)


# --------------------------------------------------------------------------- sufficient statistics


def draw_looks(rng: np.random.Generator, size: int, metric: str, effect: float):
    """Per replicate and look (size × LOOKS): each arm's cumulative n, mean and
    sample variance, drawn exactly from per-batch sufficient statistics."""
    n = BATCH * np.arange(1, LOOKS + 1)
    arms = []
    for shift in (0.0, effect):
        if metric == "binary":
            sums = np.cumsum(rng.binomial(BATCH, P_BASE + shift, (size, LOOKS)), axis=1)
            mean = sums / n
            var = (sums - n * mean**2) / (n - 1)
        else:
            batch_mean = shift + rng.standard_normal((size, LOOKS)) / math.sqrt(BATCH)
            batch_m2 = rng.chisquare(BATCH - 1, (size, LOOKS))
            # Chan's update for equal batch sizes, accumulated over looks
            mean = np.cumsum(batch_mean, axis=1) / np.arange(1, LOOKS + 1)
            m2 = np.cumsum(batch_m2, axis=1)
            between = np.cumsum(batch_mean**2, axis=1) * BATCH - n * mean**2
            var = (m2 + between) / (n - 1)
        arms.append((mean, var))
    (m_c, v_c), (m_t, v_t) = arms
    return n, m_c, v_c, m_t, v_t


@dataclass
class Outcome:
    rejected: dict[str, int]
    stop_n: dict[str, float]
    width: dict[str, float]
    agree: bool


METHODS = (
    "fixed horizon",
    "naive (every look)",
    "mSPRT",
    "confidence sequence",
    "GS O'Brien-Fleming",
    "GS Pocock",
)


def run(rng: np.random.Generator, metric: str, effect: float, bar: tqdm) -> Outcome:
    tau = TAU_BINARY if metric == "binary" else TAU_NORMAL
    rho = sequential_rho(ALPHA, TUNING)
    z_crit = stats.norm.isf(ALPHA / 2)
    gs_idx = np.arange(1, GS_LOOKS + 1) * (LOOKS // GS_LOOKS) - 1
    gs = {
        "GS O'Brien-Fleming": group_sequential_bounds(np.arange(1, GS_LOOKS + 1) / GS_LOOKS).bounds,
        "GS Pocock": group_sequential_bounds(
            np.arange(1, GS_LOOKS + 1) / GS_LOOKS, spending="pocock"
        ).bounds,
    }
    rejected = dict.fromkeys(METHODS, 0)
    stop_total = dict.fromkeys(METHODS, 0.0)
    width = dict.fromkeys(METHODS, 0.0)
    agree = True
    for size in chunks(REPS, CHUNK):
        n, m_c, v_c, m_t, v_t = draw_looks(rng, size, metric, effect)
        est = m_t - m_c
        var = (v_c + v_t) / n
        z = est / np.sqrt(var)
        hit = {
            "fixed horizon": np.abs(z[:, -1:]) >= z_crit,
            "naive (every look)": np.abs(z) >= z_crit,
            "GS O'Brien-Fleming": np.abs(z[:, gs_idx]) >= gs["GS O'Brien-Fleming"],
            "GS Pocock": np.abs(z[:, gs_idx]) >= gs["GS Pocock"],
        }
        p_m, lo_m, up_m = always_valid(est, var, tau**2, ALPHA)
        p_cs, lo_cs, up_cs = always_valid(est, var, rho**2 * 2 * n * var, ALPHA)
        hit["mSPRT"] = p_m < ALPHA
        hit["confidence sequence"] = p_cs < ALPHA
        look_n = {
            "fixed horizon": np.array([N_MAX]),
            "GS O'Brien-Fleming": n[gs_idx],
            "GS Pocock": n[gs_idx],
        }
        for name in METHODS:
            h = hit[name]
            any_hit = h.any(axis=1)
            rejected[name] += int(any_hit.sum())
            ns = look_n.get(name, n)
            first = np.where(any_hit, np.argmax(h, axis=1), h.shape[1] - 1)
            stop_total[name] += float(ns[first].sum())
        fixed_width = 2 * z_crit * np.sqrt(var[:, -1])
        width["fixed horizon"] += float(np.sum(fixed_width / fixed_width))
        width["mSPRT"] += float(np.sum((up_m[:, -1] - lo_m[:, -1]) / fixed_width))
        width["confidence sequence"] += float(np.sum((up_cs[:, -1] - lo_cs[:, -1]) / fixed_width))
        if agree:  # the first replicates of the first chunk through the public functions
            agree = _public_agrees(n, m_c, v_c, m_t, v_t, p_m, lo_m, p_cs, tau)
        bar.update(1)
    return Outcome(
        rejected,
        {k: v / REPS for k, v in stop_total.items()},
        {k: v / REPS for k, v in width.items()},
        agree,
    )


def _public_agrees(n, m_c, v_c, m_t, v_t, p_m, lo_m, p_cs, tau) -> bool:
    for i in range(CHECK_PUBLIC):
        arms = []
        for m, v in ((m_c, v_c), (m_t, v_t)):
            arms.append(
                [
                    GroupStats(n=int(k), mean=float(a), m2=float(b * (k - 1)))
                    for k, a, b in zip(n, m[i], v[i], strict=True)
                ]
            )
        r = msprt_test(*arms, tau=tau, alpha=ALPHA)
        cs = confidence_sequence(*arms, alpha=ALPHA, tuning_parameter=TUNING)
        same = (
            np.allclose(r.p_values, p_m[i], rtol=1e-9, atol=1e-300)
            and np.allclose(r.lower, lo_m[i], rtol=1e-9)
            and np.allclose(cs.p_values, p_cs[i], rtol=1e-9, atol=1e-300)
        )
        if not same:
            return False
    return True


# --------------------------------------------------------------------------- every observation


def cs_tuning_for(tau_mult: float) -> float:
    """N* at which the confidence sequence's mixing sd ρ·s equals τ = tau_mult·σ
    (two equal arms: s² = N·V = 4σ², so τ = 2ρσ and ρ² = c/N*)."""
    a = -2 * math.log(ALPHA)
    return 4 * (a + math.log(a + 1)) / tau_mult**2


def cumulative_arm(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running mean and sample variance of each row after every observation."""
    n = np.arange(1, x.shape[1] + 1)
    shifted = x - x[:, :1]
    mean = np.cumsum(shifted, axis=1) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.maximum(np.cumsum(shifted**2, axis=1) - n * mean**2, 0.0) / (n - 1)
    return mean + x[:, :1], var


def every_observation(rng: np.random.Generator, bar: tqdm) -> list[tuple[str, str, float]]:
    """Type-I error looking after every observation: (design, method, rate) per row,
    for looks from MIN_N per arm (checked) and from n = 2 (reported)."""
    designs = [("normal", None)] + [("binary", p) for p in (0.1, 0.5)]
    rows: list[tuple[str, str, float]] = []
    for kind, p in designs:
        sigma = 1.0 if kind == "normal" else math.sqrt(p * (1 - p))
        label = "normal" if kind == "normal" else f"0/1, p = {p}"
        methods: dict[tuple[str, int], float] = {}
        for tm in TAU_MULTS:
            methods[(f"mSPRT τ = {tm:g}σ", 2)] = (tm * sigma) ** 2
            methods[(f"CS, N* = {cs_tuning_for(tm):,.1f} (ρs = {tm:g}σ)", 3)] = cs_tuning_for(tm)
        methods[("CS, N* = 5,000 (default)", 3)] = float(TUNING)
        hits = {(name, first): 0 for (name, _) in methods for first in (MIN_N, 2)}
        agree = True
        for size in chunks(REPS_EVERY, CHUNK_EVERY):
            if kind == "normal":
                xc, xt = rng.standard_normal((2, size, N_EVERY))
            else:
                xc, xt = (rng.random((2, size, N_EVERY)) < p).astype(float)
            (m_c, v_c), (m_t, v_t) = cumulative_arm(xc), cumulative_arm(xt)
            for first in (MIN_N, 2):
                sl = slice(first - 1, None)
                n = np.arange(first, N_EVERY + 1)
                est = (m_t - m_c)[:, sl]
                var = (v_c[:, sl] + v_t[:, sl]) / n
                for (name, code), value in methods.items():
                    if code == 2:
                        pv = always_valid(est, var, value, ALPHA)[0]
                    else:
                        rho2 = sequential_rho(ALPHA, value) ** 2
                        pv = always_valid(est, var, rho2 * 2 * n * var, ALPHA)[0]
                    hits[(name, first)] += int(np.sum(pv[:, -1] < ALPHA))
                    if agree and first == MIN_N:  # one run through the public functions
                        if code == 2:
                            r = msprt_test(xc[0], xt[0], tau=math.sqrt(value))
                        else:
                            r = confidence_sequence(xc[0], xt[0], tuning_parameter=value)
                        agree = np.allclose(r.p_values, pv[0], rtol=1e-9, atol=1e-300)
            bar.update(1)
        for (name, first), count in hits.items():
            rows.append((f"{label}, {name}, looks from n = {first}", first, count / REPS_EVERY))
        ROWS.append(
            Row(
                f"public functions = vectorised core (every observation, {label})",
                "same" if agree else "differ",
                "same",
                agree,
            )
        )
    return rows


# --------------------------------------------------------------------------- report


def main() -> int:
    rng = as_generator(SEED)
    start = time.perf_counter()
    chunks = math.ceil(REPS / CHUNK)
    designs = [
        ("binary", 0.0, "A/A"),
        ("normal", 0.0, "A/A"),
        ("binary", 0.0085, "A/B +0.85 pp"),
        ("binary", 0.0120, "A/B +1.20 pp"),
    ]
    power_tables = []
    every_chunks = 3 * math.ceil(REPS_EVERY / CHUNK_EVERY)
    total = len(PUBLISHED_PEEK) + chunks * len(designs) + every_chunks
    with tqdm(total=total, desc="bench_sequential") as bar:
        peeking(rng, bar)
        for metric, effect, label in designs:
            out = run(rng, metric, effect, bar)
            where = "conversion p = 0.10" if metric == "binary" else "normal metric"
            if effect == 0:
                for name in METHODS:
                    rate = out.rejected[name] / REPS
                    k = {"fixed horizon": 1}.get(name, GS_LOOKS if name.startswith("GS") else LOOKS)
                    check = f"type-I {name}, {k} look{'s' if k > 1 else ''}, {where}"
                    if name in ("mSPRT", "confidence sequence"):
                        rate_row(check, rate, ALPHA, REPS, at_most=True)
                    elif name == "naive (every look)":
                        ROWS.append(Row(check, rate, "(the problem)", None, None))
                    else:
                        rate_row(check, rate, ALPHA, REPS)
            else:
                power_tables.append((label, out))
            ROWS.append(
                Row(
                    f"public functions = vectorised core ({label}, {where})",
                    "same" if out.agree else "differ",
                    "same",
                    out.agree,
                )
            )
        every = every_observation(rng, bar)
    print(
        f"\nxplab sequential testing benchmark (seed {SEED}; {REPS_PEEK:,} replicates for the "
        f"peeking table, {REPS:,} per design otherwise; α = {ALPHA}; looks every {BATCH} users "
        f"per arm up to {N_MAX:,}; mSPRT τ = {TAU_BINARY} (conversion) / {TAU_NORMAL} (normal, sd 1); "
        f"confidence sequence tuned at N = {TUNING:,}; group sequential: {GS_LOOKS} equal looks)\n"
    )
    ok = report(ROWS)
    print(
        f"\nType-I error looking after every observation up to {N_EVERY:,} per arm "
        f"({REPS_EVERY:,} A/A runs per design; α = {ALPHA}; first look at min_n = {MIN_N} per "
        "arm, the default, or at n = 2 for contrast)\n"
    )
    every_rows = []
    for check, first, rate in every:
        se = math.sqrt(max(rate * (1 - rate), 1e-12) / REPS_EVERY)
        if first == MIN_N:
            every_rows.append(Row(check, rate, f"≤ {ALPHA:.1%}", rate <= ALPHA, se))
        else:
            every_rows.append(Row(check, rate, "(before min_n)", None, se))
    ok = report(every_rows) and ok
    print("\nPower against the fixed horizon (conversion p = 0.10, at most 10,000 per arm)\n")
    header = f"{'method':<22}" + "".join(
        f"  {'power ' + lab:>20}  {'n/arm at stop':>14}" for lab, _ in power_tables
    )
    print(header)
    print("-" * len(header))
    for name in METHODS:
        if name == "naive (every look)":
            continue
        line = f"{name:<22}"
        for _, out in power_tables:
            line += f"  {out.rejected[name] / REPS:>20.1%}  {out.stop_n[name]:>14,.0f}"
        print(line)
    last = power_tables[-1][1]
    print(
        "\nWidth of the interval at the last look (n = 10,000 per arm) relative to the "
        f"fixed-horizon 95% CI: mSPRT {last.width['mSPRT']:.2f}×, confidence sequence "
        f"{last.width['confidence sequence']:.2f}×"
    )
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
