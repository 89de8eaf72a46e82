"""Monte Carlo validation of ``xplab.quasi`` on the latency-rollout simulator.

Run:  .venv/bin/python benchmarks/bench_quasi.py

What it checks (the script exits 1 if a target is missed):

* coverage of the 95 % CI of the TWFE DiD with CR1 standard errors clustered by
  region, over 2,000 simulated panels of 40 regions × 28 days with a staggered
  rollout and a constant effect: within 95 % ± 1.5 pp; the naive iid SE's
  coverage is printed beside it (no target: it is the cautionary number);
* bias under staggered adoption with effects that grow with time since
  adoption, 400 panels: the Callaway & Sant'Anna overall ATT within 5 % of the
  true average effect on the treated, TWFE off by more than 10 % (the bias the
  course demonstrates), with and without never-treated regions;
* speed: the vectorised TWFE core against ``pyfixest.feols`` per panel.

The coverage simulation runs through ``xplab.quasi._fast.twfe_balanced``, the
one-step within transformation + CR1 that ``tests/quasi/test_fast.py`` checks
against pyfixest to 1e-10 on several panels; a sample of panels here also goes
through :func:`xplab.quasi.twfe` to show they agree.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import stats
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.data import simulate_latency_rollout
from xplab.quasi import callaway_santanna, twfe
from xplab.quasi._fast import twfe_balanced

SEED = 20_261_104
N_COVERAGE = 2_000
N_BIAS = 400
COVERAGE_DESIGN = dict(
    n_regions=40, n_days=28, rollout_days=(10, 14, 18), n_never_treated=10, effect=0.002
)
GROWTH_DESIGNS = {
    "10 never-treated": dict(
        n_regions=40,
        n_days=42,
        rollout_days=(7, 21, 35),
        n_never_treated=10,
        effect=0.0,
        effect_growth=0.001,
    ),
    "all adopt (not-yet-treated controls)": dict(
        n_regions=40,
        n_days=42,
        rollout_days=(7, 21, 35),
        n_never_treated=0,
        effect=0.0,
        effect_growth=0.001,
    ),
}


def grid(df, column: str) -> np.ndarray:
    """regions × days array of a column (the simulator emits rows region-major)."""
    n_regions = df["region"].nunique()
    return df[column].to_numpy(dtype=float).reshape(n_regions, -1)


def coverage(rng: np.random.Generator) -> tuple[list[tuple[str, float, str, bool]], float]:
    ys, ds = [], []
    checked = 0
    max_gap = 0.0
    for i in tqdm(range(N_COVERAGE), desc="coverage panels"):
        df = simulate_latency_rollout(**COVERAGE_DESIGN, seed=rng)
        ys.append(grid(df, "conversion"))
        ds.append(grid(df, "treated"))
        if i < 5:  # the public function agrees with the fast core
            res = twfe(df, outcome="conversion", unit="region", time="day", treatment="treated")
            fast = twfe_balanced(ys[-1], ds[-1])
            max_gap = max(max_gap, abs(res.estimate - fast.estimate), abs(res.se - fast.se))
            checked += 1
    y, d = np.stack(ys), np.stack(ds)
    fit = twfe_balanced(y, d)
    g, t = y.shape[1:]
    truth = COVERAGE_DESIGN["effect"]
    q_cl = stats.t.ppf(0.975, g - 1)
    q_iid = stats.t.ppf(0.975, g * t - g - t)
    cov_cl = np.mean(np.abs(fit.estimate - truth) <= q_cl * fit.se)
    cov_iid = np.mean(np.abs(fit.estimate - truth) <= q_iid * fit.se_iid)
    mc = np.sqrt(0.95 * 0.05 / N_COVERAGE)
    rows = [
        (
            "clustered (CR1) 95% CI coverage",
            100 * cov_cl,
            "95 ± 1.5 pp",
            abs(cov_cl - 0.95) <= 0.015,
        ),
        ("naive iid 95% CI coverage", 100 * cov_iid, "(none: the warning)", True),
        ("mean TWFE estimate − truth (×1e4)", 1e4 * (fit.estimate.mean() - truth), "(info)", True),
        ("Monte Carlo s.e. of a coverage (pp)", 100 * mc, "(info)", True),
        (
            "ratio mean iid SE / mean CR1 SE",
            float(fit.se_iid.mean() / fit.se.mean()),
            "(info)",
            True,
        ),
    ]
    return rows, max_gap


def bias(rng: np.random.Generator) -> list[tuple[str, float, str, bool]]:
    rows = []
    for label, design in GROWTH_DESIGNS.items():
        control = "never-treated" if design["n_never_treated"] else "not-yet-treated"
        twfe_err, cs_err, truths, cs_cover = [], [], [], []
        for _ in tqdm(range(N_BIAS), desc=f"bias: {label}"):
            df = simulate_latency_rollout(**design, seed=rng)
            post = df["treated"] == 1
            if control == "not-yet-treated":
                # the last cohort has no not-yet-treated comparison after it adopts,
                # so no estimator identifies its cells; the target excludes them
                post &= df["day"] < max(design["rollout_days"])
            truth = float(df.loc[post, "true_effect"].mean())
            fast = twfe_balanced(grid(df, "conversion"), grid(df, "treated"))
            cs = callaway_santanna(
                df,
                outcome="conversion",
                unit="region",
                time="day",
                first_treated="first_treated",
                control_group=control,
            )
            truths.append(truth)
            twfe_err.append(float(fast.estimate) - truth)
            cs_err.append(cs.estimate - truth)
            cs_cover.append(cs.ci[0] <= truth <= cs.ci[1])
        truth = float(np.mean(truths))
        rel_twfe = float(np.mean(twfe_err)) / truth
        rel_cs = float(np.mean(cs_err)) / truth
        rows += [
            (f"[{label}] true ATT (conversion points ×100)", 100 * truth, "(info)", True),
            (
                f"[{label}] TWFE relative bias (%)",
                100 * rel_twfe,
                "|bias| > 10 %",
                abs(rel_twfe) > 0.10,
            ),
            (f"[{label}] C&S relative bias (%)", 100 * rel_cs, "|bias| < 5 %", abs(rel_cs) < 0.05),
            (f"[{label}] C&S 95% CI coverage (%)", 100 * float(np.mean(cs_cover)), "(info)", True),
        ]
    return rows


def speed(rng: np.random.Generator) -> list[tuple[str, float, str, bool]]:
    panels = [simulate_latency_rollout(**COVERAGE_DESIGN, seed=rng) for _ in range(20)]
    twfe(panels[0], outcome="conversion", unit="region", time="day", treatment="treated")  # warm-up
    start = time.perf_counter()
    for df in panels:
        twfe(df, outcome="conversion", unit="region", time="day", treatment="treated")
    per_pyfixest = (time.perf_counter() - start) / len(panels)
    y = np.stack([grid(df, "conversion") for df in panels] * 50)
    d = np.stack([grid(df, "treated") for df in panels] * 50)
    start = time.perf_counter()
    twfe_balanced(y, d)
    per_fast = (time.perf_counter() - start) / len(y)
    return [
        ("twfe() via pyfixest, ms per panel", 1e3 * per_pyfixest, "(info)", True),
        ("vectorised core, ms per panel", 1e3 * per_fast, "(info)", True),
    ]


def main() -> int:
    rng = as_generator(SEED)
    start = time.perf_counter()
    cov_rows, gap = coverage(rng)
    rows = cov_rows
    rows.append(("max |twfe() − fast core| on 5 panels", gap, "< 1e-10", gap < 1e-10))
    rows += bias(rng)
    rows += speed(rng)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'value':>10}  target")
    ok = True
    for name, value, target, passed in rows:
        mark = "" if passed else "   <-- MISSED"
        print(f"{name:<{width}}  {value:>10.4g}  {target}{mark}")
        ok &= passed
    print(f"\n{time.perf_counter() - start:.0f} s; {'all targets met' if ok else 'TARGET MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
