"""Monte Carlo validation of ``xplab.abtest`` and ``xplab.assign``.

Run:  .venv/bin/python benchmarks/bench_abtest.py

What it checks, each against a stated bound (the script exits 1 if any is missed):

* type-I error of ``proportion_test``, ``mean_test`` and ``ratio_test`` in A/A
  simulations: within 5 % ± 0.5 pp;
* coverage of their 95 % confidence intervals when there is a true effect:
  within 95 % ± 0.5 pp;
* ``power_proportions`` against the power that ``proportion_test`` reaches in
  simulation, at three effect sizes (and one unequal, one-sided design): within
  1.5 pp;
* hash assignment: the split matches the weights (chi-square p > 0.001, shares
  within 0.2 pp), experiments in different layers are independent (chi-square
  test of independence, p > 0.001), and experiments in one layer never share a
  unit;
* speed: 10⁶ assignments and a 200,000-user simulated test.

The simulations are vectorized: every replicate is drawn at once as arrays,
and the tests run through the same internal cores (``z_test_counts``,
``welch_from_moments``, ``delta_from_moments``, ``infer``) that the public
functions call; the first replicates also go through the public functions to
show that they agree. The per-user data of the ratio metric come from the generative
model of :func:`xplab.data.simulate.simulate_button_test`.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.abtest import (
    mean_test,
    power_proportions,
    proportion_test,
    ratio_test,
    srm_test,
)
from xplab.abtest._common import infer
from xplab.abtest.means import welch_from_moments
from xplab.abtest.proportions import z_test_counts
from xplab.abtest.ratio import delta_from_moments
from xplab.assign import Layer, assign
from xplab.data.simulate import draw_activity, simulate_button_test

SEED = 20_261_123
ALPHA = 0.05
REPS_COUNTS = 200_000  # proportion tests: binomial draws are cheap
REPS_UNITS = 40_000  # mean and ratio tests: every replicate draws every user
CHUNK = 1_000  # replicates drawn at a time for the per-user simulations
N_IDS = 1_000_000  # ids for the assignment checks
CHECK_PUBLIC = 100  # replicates also run through the public functions

TYPE_I_BOUND = 0.005
COVERAGE_BOUND = 0.005
POWER_BOUND = 0.015
SHARE_BOUND = 0.002
P_FLOOR = 0.001


@dataclass
class Row:
    check: str
    value: float | str
    target: str
    ok: bool | None  # None: reported, no bound
    mc_se: float | None = None
    kind: str = "%"  # how to show the value: '%', 'pp', 'p', 's', 'n' or 'text'


ROWS: list[Row] = []


def within(check: str, value: float, target: float, bound: float, n_reps: int) -> None:
    """A simulated rate that should be ``target`` ± ``bound``."""
    se = math.sqrt(target * (1 - target) / n_reps)
    ROWS.append(
        Row(check, value, f"{target:.2%} ± {bound * 100:.1f} pp", abs(value - target) <= bound, se)
    )


def chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


def same(public: float, core: float) -> bool:
    return math.isclose(public, core, rel_tol=1e-9, abs_tol=1e-12)


def record(
    test: str, label: str, where: str, rejected: float, covered: float, reps: int, agree: bool
) -> None:
    """The rows of one simulated design: type-I error (A/A only), CI coverage,
    and whether the public function agreed with the vectorized core."""
    if label == "A/A":
        within(f"{test} type-I, two-sided ({where})", rejected, ALPHA, TYPE_I_BOUND, reps)
    within(f"{test} 95% CI coverage, {label}", covered, 0.95, COVERAGE_BOUND, reps)
    ROWS.append(Row(f"{test} = vectorized core ({label})", "same", "same", agree, kind="text"))


# --------------------------------------------------------------------------- proportions


def proportions(rng: np.random.Generator, bar: tqdm) -> None:
    n_c, n_t = 2_000, 2_500
    for p_c, p_t, label in ((0.10, 0.10, "A/A"), (0.10, 0.12, "A/B")):
        x_c = rng.binomial(n_c, p_c, REPS_COUNTS)
        x_t = rng.binomial(n_t, p_t, REPS_COUNTS)
        _, _, _, _, two = z_test_counts(x_c, n_c, x_t, n_t, ALPHA, "two-sided")
        _, _, _, _, larger = z_test_counts(x_c, n_c, x_t, n_t, ALPHA, "larger")
        agree = all(
            same(proportion_test(x_c[i], n_c, x_t[i], n_t).p_value, two.p_value[i])
            for i in range(CHECK_PUBLIC)
        )
        where = f"p={p_c:.2f}/{p_t:.2f}, n={n_c:,}/{n_t:,}"
        cover = np.mean((two.ci_low <= p_t - p_c) & (p_t - p_c <= two.ci_high))
        rejected = np.mean(two.p_value < ALPHA)
        if label == "A/A":
            within(
                f"proportion_test type-I, 'larger' ({where})",
                np.mean(larger.p_value < ALPHA),
                ALPHA,
                TYPE_I_BOUND,
                REPS_COUNTS,
            )
        record("proportion_test", label, where, rejected, cover, REPS_COUNTS, agree)
        bar.update(1)


# --------------------------------------------------------------------------- means


def means(rng: np.random.Generator, bar: tqdm) -> None:
    # revenue-like, skewed data with unequal spreads and sizes: Welch's case
    n_c, n_t = 400, 600
    for shift, label in ((0.0, "A/A"), (1.0, "A/B")):
        rejected = covered = 0
        agree = True
        for size in chunks(REPS_UNITS, CHUNK):
            c = rng.exponential(10.0, (size, n_c))  # mean 10, sd 10
            t = rng.gamma(4.0, 2.5, (size, n_t)) + shift  # mean 10 + shift, sd 5
            _, _, _, res = welch_from_moments(
                c.mean(1),
                c.var(1, ddof=1),
                n_c,
                t.mean(1),
                t.var(1, ddof=1),
                n_t,
                ALPHA,
                "two-sided",
            )
            rejected += int(np.sum(res.p_value < ALPHA))
            covered += int(np.sum((res.ci_low <= shift) & (shift <= res.ci_high)))
            if agree:  # first chunk only
                agree = all(
                    same(mean_test(c[i], t[i]).p_value, res.p_value[i]) for i in range(CHECK_PUBLIC)
                )
            bar.update(1)
        where = f"exponential vs gamma, n={n_c}/{n_t}"
        rates = rejected / REPS_UNITS, covered / REPS_UNITS
        record("mean_test", label, where, *rates, REPS_UNITS, agree)


# --------------------------------------------------------------------------- ratio metric


def ratio(rng: np.random.Generator, bar: tqdm) -> None:
    # users as in simulate_button_test: a personal CTR ~ Beta with mean mu and
    # concentration 2 (users differ a lot), about 3 sessions and 6 impressions each
    users, kappa, ctr = 1_000, 2.0, 0.05
    for lift, label in ((0.0, "A/A"), (0.1, "A/B")):
        true_diff = ctr * lift
        rejected = naive_rejected = covered = 0
        agree = True
        for size in chunks(REPS_UNITS, CHUNK):
            arms = []
            for mu in (ctr, ctr * (1 + lift)):
                _, imp, clk = draw_activity(rng, np.full((size, users), mu), 3.0, 2.0, kappa)
                arms.append((clk.astype(float), imp.astype(float)))
            moments = []
            for clk, imp in arms:
                mu_n, mu_d = clk.mean(1), imp.mean(1)
                cov = ((clk - mu_n[:, None]) * (imp - mu_d[:, None])).sum(1) / (users - 1)
                moments.append(
                    delta_from_moments(
                        mu_n, mu_d, clk.var(1, ddof=1), imp.var(1, ddof=1), cov, users
                    )
                )
            (r_c, v_c), (r_t, v_t) = moments
            res = infer(r_t - r_c, np.sqrt(v_c + v_t), ALPHA, "two-sided")
            rejected += int(np.sum(res.p_value < ALPHA))
            covered += int(np.sum((res.ci_low <= true_diff) & (true_diff <= res.ci_high)))
            # the naive analysis: every impression an independent trial
            (clk_c, imp_c), (clk_t, imp_t) = arms
            _, _, _, _, naive = z_test_counts(
                clk_c.sum(1), imp_c.sum(1), clk_t.sum(1), imp_t.sum(1), ALPHA, "two-sided"
            )
            naive_rejected += int(np.sum(naive.p_value < ALPHA))
            if agree:
                agree = all(
                    same(ratio_test(clk_c[i], imp_c[i], clk_t[i], imp_t[i]).p_value, res.p_value[i])
                    for i in range(CHECK_PUBLIC)
                )
            bar.update(1)
        where = f"delta method, {users:,} users/arm"
        rates = rejected / REPS_UNITS, covered / REPS_UNITS
        record("ratio_test", label, where, *rates, REPS_UNITS, agree)
        if label == "A/A":
            ROWS.append(
                Row(
                    "  naive per-impression z-test on the same A/A data: type-I",
                    naive_rejected / REPS_UNITS,
                    "(too high: why the delta method)",
                    None,
                    math.sqrt(ALPHA * (1 - ALPHA) / REPS_UNITS),
                )
            )


# --------------------------------------------------------------------------- power


def power(rng: np.random.Generator, bar: tqdm) -> None:
    baseline, n_c = 0.10, 5_000
    designs = [
        (0.008, 1.0, "two-sided"),
        (0.012, 1.0, "two-sided"),
        (0.016, 1.0, "two-sided"),
        (0.010, 2.0, "larger"),
    ]
    for mde, ratio_, alternative in designs:
        n_t = round(ratio_ * n_c)
        analytic = power_proportions(baseline, mde, n_c, ratio=ratio_, alternative=alternative)
        x_c = rng.binomial(n_c, baseline, REPS_COUNTS)
        x_t = rng.binomial(n_t, baseline + mde, REPS_COUNTS)
        _, _, _, _, res = z_test_counts(x_c, n_c, x_t, n_t, ALPHA, alternative)
        simulated = float(np.mean(res.p_value < ALPHA))
        se = math.sqrt(simulated * (1 - simulated) / REPS_COUNTS)
        ROWS.append(
            Row(
                f"power, +{mde * 100:.1f} pp, n={n_c:,}/{n_t:,}, {alternative}: simulated",
                simulated,
                f"analytic {analytic:.2%} ± {POWER_BOUND * 100:.1f} pp",
                abs(simulated - analytic) <= POWER_BOUND,
                se,
            )
        )
        bar.update(1)


# --------------------------------------------------------------------------- assignment


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def assignment(bar: tqdm) -> None:
    ids = [f"u{i:07d}" for i in range(1, N_IDS + 1)]

    split, seconds = timed(lambda: assign(ids, "button_color"))
    ROWS.append(Row(f"assign {N_IDS:,} ids: seconds", seconds, "< 5", seconds < 5, kind="s"))
    counts = pd.Series(split).value_counts()[["control", "treatment"]].to_numpy()
    p = srm_test(counts, [0.5, 0.5]).p_value
    share = counts[1] / counts.sum()
    ROWS.append(Row("50/50 split: chi-square p-value", p, f"> {P_FLOOR}", p > P_FLOOR, kind="p"))
    ROWS.append(
        Row(
            "50/50 split: treatment share",
            share,
            f"50.00% ± {SHARE_BOUND * 100:.1f} pp",
            abs(share - 0.5) <= SHARE_BOUND,
        )
    )
    again = assign(ids[:100_000], "button_color")
    ROWS.append(
        Row(
            "same ids, same variants on a second call",
            "same",
            "same",
            bool(np.all(again == split[:100_000])),
        )
    )
    bar.update(1)

    weights = [0.5, 0.3, 0.2]
    three = pd.Series(assign(ids, "checkout_copy", ("a", "b", "c"), weights))
    counts = three.value_counts()[["a", "b", "c"]].to_numpy()
    p = srm_test(counts, weights).p_value
    worst = float(np.max(np.abs(counts / counts.sum() - weights)))
    ROWS.append(Row("50/30/20 split: chi-square p-value", p, f"> {P_FLOOR}", p > P_FLOOR, kind="p"))
    ROWS.append(
        Row(
            "50/30/20 split: largest share error",
            worst,
            f"< {SHARE_BOUND * 100:.1f} pp",
            worst <= SHARE_BOUND,
            kind="pp",
        )
    )
    bar.update(1)

    ui, pricing = Layer("checkout_ui"), Layer("pricing")
    ui.add("button_color", share=0.5)
    ui.add("button_text", share=0.3)
    pricing.add("free_shipping", share=0.6)
    color = pd.Series(assign(ids, "button_color", layer=ui)).fillna("not in")
    text = pd.Series(assign(ids, "button_text", layer=ui)).fillna("not in")
    shipping = pd.Series(assign(ids, "free_shipping", layer=pricing)).fillna("not in")
    p = stats.chi2_contingency(pd.crosstab(color, shipping)).pvalue
    ROWS.append(
        Row(
            "layers independent: button_color × free_shipping, p",
            p,
            f"> {P_FLOOR}",
            p > P_FLOOR,
            kind="p",
        )
    )
    p = stats.chi2_contingency(pd.crosstab(split, assign(ids, "free_shipping"))).pvalue
    ROWS.append(
        Row("experiments independent (no layers), p", p, f"> {P_FLOOR}", p > P_FLOOR, kind="p")
    )
    both = int(np.sum((color != "not in") & (text != "not in")))
    ROWS.append(
        Row("one layer: units in both button_color and button_text", both, "0", both == 0, kind="n")
    )
    shares = [np.mean(color != "not in"), np.mean(text != "not in"), np.mean(shipping != "not in")]
    worst = float(np.max(np.abs(np.array(shares) - [0.5, 0.3, 0.6])))
    ROWS.append(
        Row(
            "layer traffic shares 50/30 % and 60 %: largest error",
            worst,
            f"< {SHARE_BOUND * 100:.1f} pp",
            worst <= SHARE_BOUND,
            kind="pp",
        )
    )
    bar.update(1)

    _, seconds = timed(lambda: simulate_button_test(200_000, lift=0.05, bot_share=0.01, seed=1))
    ROWS.append(
        Row("simulate_button_test, 200,000 users: seconds", seconds, "< 1", seconds < 1, kind="s")
    )
    bar.update(1)


# --------------------------------------------------------------------------- report


def show(value: float | str, kind: str) -> str:
    if kind == "text" or isinstance(value, str):
        return str(value)
    return {
        "%": f"{value:.2%}",
        "pp": f"{value * 100:.3f} pp",
        "p": f"{value:.4f}",
        "s": f"{value:.2f} s",
        "n": f"{value:,}",
    }[kind]


def report() -> bool:
    width = max(len(r.check) for r in ROWS)
    head = f"{'check':<{width}}  {'value':>10}  {'MC s.e.':>8}  {'target':<34}  result"
    lines = [head, "-" * len(head)]
    for r in ROWS:
        se = f"{r.mc_se * 100:.2f} pp" if r.mc_se is not None else ""
        result = "info" if r.ok is None else ("ok" if r.ok else "MISSED")
        lines.append(
            f"{r.check:<{width}}  {show(r.value, r.kind):>10}  {se:>8}  {r.target:<34}  {result}"
        )
    print("\n".join(lines))
    missed = [r.check for r in ROWS if r.ok is False]
    print(f"\n{len(ROWS)} rows, {len(missed)} bound(s) missed" + (f": {missed}" if missed else ""))
    return not missed


def main() -> int:
    rng = as_generator(SEED)
    start = time.perf_counter()
    unit_chunks = math.ceil(REPS_UNITS / CHUNK)
    total = 2 + 2 * unit_chunks + 2 * unit_chunks + 4 + 4
    with tqdm(total=total, desc="bench_abtest", unit="step") as bar:
        proportions(rng, bar)
        means(rng, bar)
        ratio(rng, bar)
        power(rng, bar)
        assignment(bar)
    print(
        f"\nxplab A/B testing benchmark (seed {SEED}; {REPS_COUNTS:,} replicates for counts, "
        f"{REPS_UNITS:,} for per-user data; α = {ALPHA})\n"
    )
    ok = report()
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
