"""Monte Carlo validation of the onboarding tools (notebook 03).

Run:  .venv/bin/python benchmarks/bench_onboarding.py

What it checks (the script exits 1 if a bound is missed):

* ``noninferiority_test``: type-I error at the margin (the true difference
  exactly at the boundary of H0) within 5 % ± 0.5 pp, one-sided α = 0.05, for
  proportions (both directions of ``higher_is_better``), means (Welch) and a
  ratio metric (delta method); and a power table, simulated against the
  normal-theory power Φ((Δ + m)/SE − z₁₋α) (within 1.5 pp);
* variance of the effect estimate under plain (hashed) assignment,
  stratified assignment (permuted blocks of 2 within power users / others)
  and post-stratification of plain assignment, as a ratio to plain, against
  the theory 1 − η² (η² the share of the outcome's variance between strata),
  within 6 % of it; and the coverage of ``poststratified_test``'s 95 % CI
  (within 95 % ± 1 pp);
* the surrogate index: bias when surrogacy holds (|bias| below a fifth of the
  true 6-month effect, CI coverage ≥ 90 %) and when it is violated by novelty
  or by a late effect (the bias is reported; the failure must be visible:
  |bias| > 3 mean SEs); and the limit of its *linear* model: a 0/1 outcome
  whose P(Y = 1 | S) is logistic in the surrogate, surrogacy holding, with
  the treatment shifting S by half an sd (bias and coverage reported);
* ``simulate_onboarding`` takes < 1 s for 20,000 users.

Plain hashing puts each user in treatment independently with probability ½
(positions are uniform and independent across experiment names), so it is
simulated here with Bernoulli(½) draws; ``assign.stratified`` (a separate
module) is replaced by inline permuted blocks.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, special, stats
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.abtest import GroupStats, noninferiority_test, poststratified_test
from xplab.abtest._common import p_value
from xplab.abtest.means import welch_from_moments
from xplab.abtest.ratio import delta_from_moments
from xplab.data import simulate_onboarding
from xplab.longterm import surrogate_index

SEED = 20_261_130
ALPHA = 0.05
REPS_COUNTS = 200_000
REPS_UNITS = 40_000
CHUNK = 1_000
REPS_STRATA = 20_000
REPS_SURROGATE = 60
REPS_NONLINEAR = 400
NS = (5_000, 20_000, 50_000)  # users per arm in the power table


@dataclass
class Row:
    section: str
    check: str
    value: str
    target: str
    ok: bool | None


ROWS: list[Row] = []


def add(section: str, check: str, value: str, target: str, ok: bool | None) -> None:
    ROWS.append(Row(section, check, value, target, ok))


def type_i(section: str, check: str, rate: float, reps: int) -> None:
    se = math.sqrt(ALPHA * (1 - ALPHA) / reps)
    add(
        section, check, f"{rate:.2%} (MC se {se:.2%})", "5.00% ± 0.5 pp", abs(rate - ALPHA) <= 0.005
    )


# ----------------------------------------------------------------- non-inferiority


def wald_p(x_c, n_c, x_t, n_t, margin, higher):
    p_c, p_t = x_c / n_c, x_t / n_t
    se = np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    bound = -margin if higher else margin
    return p_value((p_t - p_c - bound) / se, "larger" if higher else "smaller"), se


def ni_proportions(rng: np.random.Generator) -> None:
    n = 20_000
    cases = [
        ("7-day retention, higher is better", 0.40, 0.01, True),
        ("share of users with a crash, lower is better", 0.03, 0.005, False),
    ]
    for label, p_c, m, higher in cases:
        p_t = p_c - m if higher else p_c + m  # exactly on the H0 boundary
        x_c = rng.binomial(n, p_c, REPS_COUNTS)
        x_t = rng.binomial(n, p_t, REPS_COUNTS)
        p, _ = wald_p(x_c, n, x_t, n, m, higher)
        agree = all(
            math.isclose(
                noninferiority_test(
                    GroupStats.from_counts(x_c[i], n),
                    GroupStats.from_counts(x_t[i], n),
                    margin=m,
                    higher_is_better=higher,
                ).p_value,
                p[i],
                rel_tol=1e-9,
            )
            for i in range(100)
        )
        type_i(
            "non-inferiority",
            f"proportions, {label} (p_c={p_c}, m={m}, n={n:,}/arm)",
            float(np.mean(p < ALPHA)),
            REPS_COUNTS,
        )
        add("non-inferiority", f"  public function = vectorized ({label})", "same", "same", agree)


def ni_means(rng: np.random.Generator, bar: tqdm) -> None:
    # support tickets per user: overdispersed counts (negative binomial), unequal sizes
    n_c, n_t, m = 800, 1_200, 0.05
    mu_c = 0.30
    rejected = 0
    agree = True
    for start in range(0, REPS_UNITS, CHUNK):
        size = min(CHUNK, REPS_UNITS - start)
        # NB with mean mu, dispersion k=0.5: p = k/(k+mu)
        c = rng.negative_binomial(0.5, 0.5 / (0.5 + mu_c), (size, n_c)).astype(float)
        t = rng.negative_binomial(0.5, 0.5 / (0.5 + mu_c + m), (size, n_t)).astype(float)
        diff, se, df, _ = welch_from_moments(
            c.mean(1), c.var(1, ddof=1), n_c, t.mean(1), t.var(1, ddof=1), n_t, ALPHA, "smaller"
        )
        p = stats.t.cdf((diff - m) / se, df)
        rejected += int(np.sum(p < ALPHA))
        if start == 0:
            agree = all(
                math.isclose(
                    noninferiority_test(c[i], t[i], margin=m, higher_is_better=False).p_value,
                    p[i],
                    rel_tol=1e-9,
                )
                for i in range(100)
            )
        bar.update(1)
    type_i(
        "non-inferiority",
        f"means (Welch), tickets/user NB(mean .30, k=.5), m={m}, n={n_c}/{n_t}",
        rejected / REPS_UNITS,
        REPS_UNITS,
    )
    add("non-inferiority", "  public function = vectorized (means)", "same", "same", agree)


def ni_ratio(rng: np.random.Generator, bar: tqdm) -> None:
    # crashes per session: sessions 1 + Poisson(4), crash prob per session 0.02·Gamma(2, .5)
    users, rate, m = 2_000, 0.02, 0.004
    rejected = 0
    for start in range(0, REPS_UNITS // 2, CHUNK):
        size = min(CHUNK, REPS_UNITS // 2 - start)
        moments = []
        for r in (rate, rate + m):
            sess = 1 + rng.poisson(4.0, (size, users))
            crash = rng.binomial(sess, np.minimum(r * rng.gamma(2.0, 0.5, (size, users)), 1))
            num, den = crash.astype(float), sess.astype(float)
            mu_n, mu_d = num.mean(1), den.mean(1)
            cov = ((num - mu_n[:, None]) * (den - mu_d[:, None])).sum(1) / (users - 1)
            moments.append(
                delta_from_moments(mu_n, mu_d, num.var(1, ddof=1), den.var(1, ddof=1), cov, users)
            )
        (r_c, v_c), (r_t, v_t) = moments
        p = stats.norm.cdf((r_t - r_c - m) / np.sqrt(v_c + v_t))
        rejected += int(np.sum(p < ALPHA))
        bar.update(1)
    # the min(·, 1) clip moves the true rate by < 1e-6: the boundary is exact to that
    type_i(
        "non-inferiority",
        f"ratio (delta method), crashes/session .02 vs .024, m={m}, {users:,} users/arm",
        rejected / (REPS_UNITS // 2),
        REPS_UNITS // 2,
    )


def ni_power(rng: np.random.Generator) -> list[str]:
    p_c, m, reps = 0.40, 0.01, 50_000
    z = stats.norm.ppf(1 - ALPHA)
    lines = [
        "power of noninferiority_test, 7-day retention p_c = 0.40, margin m = 1 pp, α = 0.05 "
        "(simulated / theory)",
        f"{'true Δ (pp)':>12} | " + " | ".join(f"{'n = ' + format(n, ','):>17}" for n in NS),
    ]
    for delta in (-0.01, -0.005, 0.0, 0.005):
        cells = []
        for n in NS:
            x_c = rng.binomial(n, p_c, reps)
            x_t = rng.binomial(n, p_c + delta, reps)
            p, _ = wald_p(x_c, n, x_t, n, m, True)
            sim = float(np.mean(p < ALPHA))
            se_true = math.sqrt(p_c * (1 - p_c) / n + (p_c + delta) * (1 - p_c - delta) / n)
            theory = float(stats.norm.cdf((delta + m) / se_true - z))
            ok = abs(sim - theory) <= 0.015
            add(
                "non-inferiority",
                f"power, Δ = {delta * 100:+.1f} pp, n = {n:,}/arm",
                f"{sim:.1%}",
                f"theory {theory:.1%} ± 1.5 pp",
                ok,
            )
            cells.append(f"{sim:>7.1%} / {theory:>6.1%}")
        lines.append(f"{delta * 100:>+12.1f} | " + " | ".join(f"{c:>17}" for c in cells))
    return lines


# ----------------------------------------------------------------- stratification


def permuted_blocks(rng: np.random.Generator, strata: np.ndarray, reps: int) -> np.ndarray:
    """Treatment indicators (reps × n): within each stratum, a random order, then
    alternate treatment/control in blocks of 2 (an odd last unit is a coin flip)."""
    out = np.zeros((reps, strata.size), dtype=bool)
    for level in np.unique(strata):
        idx = np.flatnonzero(strata == level)
        order = np.argsort(rng.random((reps, idx.size)), axis=1)
        first = rng.random((reps, 1)) < 0.5  # which member of each pair is treated
        pos = np.arange(idx.size)
        treat = (pos % 2 == 0) ^ first
        if idx.size % 2:  # the unpaired last unit
            treat[:, -1] = rng.random(reps) < 0.5
        rows = np.repeat(np.arange(reps)[:, None], idx.size, axis=1)
        out[rows, idx[order]] = treat
    return out


def stratification(rng: np.random.Generator, bar: tqdm) -> None:
    sim = simulate_onboarding(2_000, early_effect=0.0, seed=rng)
    y = sim.users["active_days_14"].to_numpy(float)
    strata = sim.users["power_user"].to_numpy()
    n = y.size
    w = np.array([np.mean(strata == s) for s in (False, True)])
    within = sum(wk * y[strata == s].var() for wk, s in zip(w, (False, True), strict=True))
    eta2 = 1 - within / y.var()
    est = {"plain": [], "stratified": [], "post-stratified": []}
    covered = 0
    checked = 0
    for start in range(0, REPS_STRATA, CHUNK):
        size = min(CHUNK, REPS_STRATA - start)
        plain = rng.random((size, n)) < 0.5
        blocked = permuted_blocks(rng, strata, size)
        for name, t in (("plain", plain), ("stratified", blocked)):
            nt = t.sum(1)
            est[name].append((t @ y) / nt - ((~t) @ y) / (n - nt))
        # post-stratification of the plain assignment, vectorized over replicates
        tau = np.zeros(size)
        var = np.zeros(size)
        for wk, s in zip(w, (False, True), strict=True):
            in_s = strata == s
            ys, ts = y[in_s], plain[:, in_s]
            n1, n0 = ts.sum(1), (~ts).sum(1)
            m1, m0 = (ts @ ys) / n1, ((~ts) @ ys) / n0
            v1 = (ts @ ys**2 - n1 * m1**2) / (n1 - 1)
            v0 = ((~ts) @ ys**2 - n0 * m0**2) / (n0 - 1)
            tau += wk * (m1 - m0)
            var += wk**2 * (v1 / n1 + v0 / n0)
        est["post-stratified"].append(tau)
        covered += int(np.sum(np.abs(tau) <= 1.959964 * np.sqrt(var)))
        if checked < 20:  # the public function on the first replicates
            for i in range(20):
                t = plain[i]
                r = poststratified_test(y[~t], y[t], strata[~t], strata[t])
                assert math.isclose(r.estimate, tau[i], rel_tol=1e-9, abs_tol=1e-12)
                assert math.isclose(r.se**2, var[i], rel_tol=1e-7)
            checked = 20
        bar.update(1)
    v = {k: float(np.var(np.concatenate(vals))) for k, vals in est.items()}
    theory = 1 - eta2
    sec = "stratification"
    add(
        sec,
        f"population: {n:,} users, {w[1]:.1%} power users; active days in 2 weeks, η² = {eta2:.3f}",
        f"Var(plain) = {v['plain']:.5f}",
        "reported",
        None,
    )
    for name in ("stratified", "post-stratified"):
        ratio = v[name] / v["plain"]
        add(
            sec,
            f"variance ratio {name} / plain ({REPS_STRATA:,} re-randomizations)",
            f"{ratio:.3f}",
            f"1 − η² = {theory:.3f} ± 6 %",
            abs(ratio / theory - 1) <= 0.06,
        )
        add(
            sec,
            f"  users needed for the same precision with {name}",
            f"{ratio:.0%} of plain",
            "reported",
            None,
        )
    coverage = covered / REPS_STRATA
    add(
        sec,
        "poststratified_test 95% CI coverage (plain assignment)",
        f"{coverage:.2%}",
        "95.00% ± 1 pp",
        abs(coverage - 0.95) <= 0.01,
    )
    add(sec, "  poststratified_test = vectorized core (20 replicates)", "same", "same", True)


# ----------------------------------------------------------------- surrogate index

SURROGATES = ["active_days_14", "sessions_14", "retained_7d", "power_user", "power_propensity"]
SCENARIOS = {
    "surrogacy holds (early effect only)": {"early_effect": 0.1},
    "violated: novelty (+0.8 logit, half-life 3 d)": {"early_effect": 0.1, "novelty": 0.8},
    "violated: late effect (−30 % after day 14)": {"early_effect": 0.1, "late_effect": -0.3},
}


def surrogate(rng: np.random.Generator, bar: tqdm) -> None:
    n = 10_000
    out: dict[str, dict[str, list[float]]] = {
        k: {"err": [], "se": [], "truth": [], "cover": []} for k in SCENARIOS
    }
    for rep in range(REPS_SURROGATE):
        # history: two past onboarding tests with different early effects, observed 180 days
        past = [
            simulate_onboarding(n, early_effect=e, experiment=f"past_{rep}_{e}", seed=rng).users
            for e in (0.0, 0.15)
        ]
        hist = np.concatenate([p[[*SURROGATES, "retained_180d"]].to_numpy(float) for p in past])
        historical = pd.DataFrame(hist, columns=[*SURROGATES, "retained_180d"])
        for name, kwargs in SCENARIOS.items():
            new = simulate_onboarding(n, experiment=f"new_{rep}", seed=rng, **kwargs)
            r = surrogate_index(
                historical, new.users, surrogates=SURROGATES, outcome="retained_180d"
            )
            truth = new.truth["retained_180d"]
            o = out[name]
            o["err"].append(r.estimate - truth)
            o["se"].append(r.se)
            o["truth"].append(truth)
            o["cover"].append(float(r.ci[0] <= truth <= r.ci[1]))
        bar.update(1)
    sec = "surrogate index"
    for name, o in out.items():
        err, se, truth = np.array(o["err"]), np.mean(o["se"]), float(np.mean(o["truth"]))
        bias, mc = float(err.mean()), float(err.std(ddof=1) / math.sqrt(err.size))
        cover = float(np.mean(o["cover"]))
        value = (
            f"bias {bias * 100:+.2f} pp (MC se {mc * 100:.2f}); true effect "
            f"{truth * 100:+.2f} pp; mean SE {se * 100:.2f} pp; coverage {cover:.0%}"
        )
        if name.startswith("surrogacy holds"):
            ok = abs(bias) <= 0.2 * abs(truth) and cover >= 0.90
            target = "|bias| ≤ 20 % of effect, coverage ≥ 90 %"
        else:
            ok = abs(bias) > 3 * se
            target = "failure visible: |bias| > 3 SE"
        add(sec, f"6-month retention, {name}", value, target, ok)


def surrogate_nonlinear(bar: tqdm) -> None:
    """Surrogacy holds (Y depends on T only through S) but E[Y | S] is not linear:
    S ~ N(0, 1) in history and control, N(0.5, 1) under treatment; Y ~ Bernoulli(
    expit(−1 + 2S)). The linear index extrapolates the historical fit."""
    rng = np.random.default_rng([SEED, 3])  # its own stream: reproducible on its own
    a, b, shift, n_hist, n_arm = -1.0, 2.0, 0.5, 20_000, 10_000

    def mean_p(mu: float) -> float:
        f = lambda s: special.expit(a + b * s) * stats.norm.pdf(s, mu)  # noqa: E731
        return float(integrate.quad(f, mu - 12, mu + 12)[0])

    truth = mean_p(shift) - mean_p(0.0)
    est, se, cover = [], [], []
    for _ in range(REPS_NONLINEAR):
        s_h = rng.normal(size=n_hist)
        hist = pd.DataFrame({"s": s_h, "y": rng.binomial(1, special.expit(a + b * s_h))})
        s_e = np.r_[rng.normal(size=n_arm), rng.normal(shift, 1.0, n_arm)]
        exp = pd.DataFrame({"s": s_e, "variant": ["control"] * n_arm + ["treatment"] * n_arm})
        r = surrogate_index(hist, exp, surrogates=["s"], outcome="y")
        est.append(r.estimate)
        se.append(r.se)
        cover.append(r.ci[0] <= truth <= r.ci[1])
        bar.update(1)
    value = (
        f"mean estimate {np.mean(est):.4f} vs truth {truth:.4f} (bias "
        f"{(np.mean(est) - truth) * 100:+.2f} pp, MC se "
        f"{np.std(est, ddof=1) / math.sqrt(len(est)) * 100:.2f}); mean SE "
        f"{np.mean(se) * 100:.2f} pp; coverage {np.mean(cover):.1%}"
    )
    add(
        "surrogate index",
        "0/1 outcome, P(Y=1|S) logistic, surrogacy holds, linear index",
        value,
        "reported (the linear model's limit)",
        None,
    )


# ----------------------------------------------------------------- speed


def speed() -> None:
    times = []
    for i in range(3):
        t0 = time.perf_counter()
        simulate_onboarding(20_000, novelty=0.5, seed=i)
        times.append(time.perf_counter() - t0)
    best = min(times)
    add(
        "speed",
        "simulate_onboarding(20,000 users, novelty), best of 3",
        f"{best:.2f} s",
        "< 1 s",
        best < 1,
    )


def main() -> int:
    rng = as_generator(SEED)
    t0 = time.perf_counter()
    steps = (
        REPS_UNITS // CHUNK
        + REPS_UNITS // 2 // CHUNK
        + REPS_STRATA // CHUNK
        + REPS_SURROGATE
        + REPS_NONLINEAR
    )
    with tqdm(total=steps, desc="bench_onboarding", file=sys.stderr) as bar:
        ni_proportions(rng)
        ni_means(rng, bar)
        ni_ratio(rng, bar)
        power_lines = ni_power(rng)
        stratification(rng, bar)
        surrogate(rng, bar)
        surrogate_nonlinear(bar)
    speed()
    print(f"\nbench_onboarding (seed {SEED}), {time.perf_counter() - t0:.0f} s\n")
    print("| section | check | measured | target | ok |")
    print("|---|---|---|---|---|")
    for r in ROWS:
        mark = "—" if r.ok is None else ("yes" if r.ok else "**NO**")
        print(f"| {r.section} | {r.check} | {r.value} | {r.target} | {mark} |")
    print()
    print("\n".join(power_lines))
    failed = [r for r in ROWS if r.ok is False]
    print(f"\n{len(failed)} check(s) missed their target" if failed else "\nall targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
