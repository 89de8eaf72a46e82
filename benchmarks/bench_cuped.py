"""Monte Carlo validation of ``xplab.abtest.cuped`` and ``xplab.abtest.shrink``.

Run:  .venv/bin/python benchmarks/bench_cuped.py

What it checks, each against a stated bound (the script exits 1 if any is missed):

* CUPED type-I error in A/A simulations, two-sided at α = 0.05: 5 % ± 0.5 pp,
  for the normal engagement model of ``simulate_media_experiment`` and for a
  skewed (log-normal) metric and covariate;
* variance reduction: 1 − Var(CUPED estimates)/Var(unadjusted estimates) across
  replicates, within 2 pp of ρ² at ρ = 0.3, 0.5, 0.7, 0.9 (and the mean of the
  in-sample ``variance_reduction`` that ``cuped_test`` reports beside it), with
  the users CUPED saves for the same power (a share ρ² of them);
* the winner's curse: portfolios of 200 experiments with small true effects;
  among the shipped winners (significant and positive), the exaggeration ratio
  (mean estimate / mean true effect) and the mean squared error of the raw and
  of the shrunk estimates (``shrink``, marginal ML): shrinkage must lower it;
* coverage of ``shrink``'s 95 % posterior intervals (shrunk ± 1.96 posterior
  sd, which ignore the uncertainty in the estimated prior) for portfolios of
  10, 20, 50 and 200 experiments of the same design, for both estimators of
  the prior (reported: the numbers the ``shrink`` docstring quotes).

The CUPED simulations draw every user of every replicate as arrays and run
them through ``cuped_from_moments``, the core of ``cuped_test``; the first
replicates also go through ``cuped_test`` itself to show that they agree.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from _table import Row, chunks, report
from tqdm import tqdm

from xplab._rng import as_generator
from xplab.abtest import GroupStats, cuped_test, shrink
from xplab.abtest.cuped import cuped_from_moments
from xplab.data.media import engagement_from_latent, simulate_experiment_portfolio

SEED = 20_261_125
ALPHA = 0.05
REPS = 20_000
CHUNK = 500
N_ARM = 1_000
CHECK_PUBLIC = 50
RHOS = (0.3, 0.5, 0.7, 0.9)
PORTFOLIOS = 2_000
PORTFOLIO_SIZE = 200
COVERAGE_SIZES = (10, 20, 50, 200)
COVERAGE_PORTFOLIOS = 2_000


ROWS: list[Row] = []


def _moments(y: np.ndarray, x: np.ndarray):
    my, mx = y.mean(1), x.mean(1)
    dy, dx = y - my[:, None], x - mx[:, None]
    return my, mx, (dy * dy).sum(1), (dx * dx).sum(1), (dy * dx).sum(1)


def draw(rng: np.random.Generator, size: int, rho: float, kind: str):
    """(y, x) of each arm for ``size`` replicates × N_ARM users, no effect."""
    arms = []
    for _ in range(2):
        z = rng.standard_normal((size, N_ARM))
        eps = rng.standard_normal((size, N_ARM))
        x, y = engagement_from_latent(z, eps, rho)
        if kind == "skewed":  # log-normal engagement: heavy right tail
            x, y = np.exp((x - 100) / 40), np.exp((y - 100) / 40)
        arms.append((y, x))
    return arms


def cuped_sim(rng: np.random.Generator, rho: float, kind: str, bar: tqdm) -> dict[str, float]:
    est, raw, achieved = [], [], []
    rejected = 0
    agree = True
    for size in chunks(REPS, CHUNK):
        (y_c, x_c), (y_t, x_t) = draw(rng, size, rho, kind)
        myc, mxc, syc, sxc, sxyc = _moments(y_c, x_c)
        myt, mxt, syt, sxt, sxyt = _moments(y_t, x_t)
        e, se, _, se_raw, _, res = cuped_from_moments(
            N_ARM,
            N_ARM,
            myt - myc,
            mxt - mxc,
            syc + syt,
            sxc + sxt,
            sxyc + sxyt,
            ALPHA,
            "two-sided",
        )
        est.append(e)
        raw.append(myt - myc)
        achieved.append(1 - (se / se_raw) ** 2)
        rejected += int(np.sum(res.p_value < ALPHA))
        if agree:
            for i in range(CHECK_PUBLIC):
                # A/A replicates include chance covariate imbalance by design: the
                # balance check is not what this compares, so it is off here
                r = cuped_test(
                    GroupStats.from_arrays(y_c[i], covariate=x_c[i]),
                    GroupStats.from_arrays(y_t[i], covariate=x_t[i]),
                    balance_alpha=None,
                )
                agree = agree and math.isclose(
                    r.p_value, res.p_value[i], rel_tol=1e-8, abs_tol=1e-12
                )
        bar.update(1)
    e_all, raw_all = np.concatenate(est), np.concatenate(raw)
    ratio = np.var(e_all) / np.var(raw_all)
    # Monte Carlo s.e. of the variance ratio by the delta method (influence function)
    de, du = (e_all - e_all.mean()) ** 2, (raw_all - raw_all.mean()) ** 2
    psi = (de - de.mean()) / du.mean() - ratio * (du - du.mean()) / du.mean()
    return {
        "type1": rejected / REPS,
        "reduction": 1 - ratio,
        "reduction_se": float(psi.std() / math.sqrt(psi.size)),
        "achieved": float(np.mean(np.concatenate(achieved))),
        "agree": agree,
    }


def portfolio(rng: np.random.Generator, bar: tqdm) -> None:
    raw_err, shrunk_err = [], []
    raw_est, shrunk_est, truth = [], [], []
    prior_sds = []
    for _ in range(PORTFOLIOS):
        se = rng.uniform(0.005, 0.02, PORTFOLIO_SIZE)
        df = simulate_experiment_portfolio(
            PORTFOLIO_SIZE, effect_mean=0.0, effect_sd=0.01, standard_error=se, seed=rng
        )
        r = shrink(df["estimate"].to_numpy(), se)
        prior_sds.append(r.prior_sd)
        won = df["shipped"].to_numpy()
        theta = df["true_effect"].to_numpy()[won]
        raw_err.append((df["estimate"].to_numpy()[won] - theta) ** 2)
        shrunk_err.append((r.shrunk[won] - theta) ** 2)
        raw_est.append(df["estimate"].to_numpy()[won])
        shrunk_est.append(r.shrunk[won])
        truth.append(theta)
        bar.update(1)
    mse_raw = float(np.mean(np.concatenate(raw_err)))
    mse_shrunk = float(np.mean(np.concatenate(shrunk_err)))
    t = np.concatenate(truth)
    ROWS.append(Row("winners per portfolio of 200 (mean)", f"{t.size / PORTFOLIOS:.1f}", "", None))
    ROWS.append(
        Row("estimated prior sd τ̂ (truth 0.0100), mean", f"{np.mean(prior_sds):.4f}", "", None)
    )
    ROWS.append(
        Row(
            "exaggeration ratio of winners, raw",
            f"{np.mean(np.concatenate(raw_est)) / np.mean(t):.2f}×",
            "(the curse)",
            None,
        )
    )
    ROWS.append(
        Row(
            "exaggeration ratio of winners, shrunk",
            f"{np.mean(np.concatenate(shrunk_est)) / np.mean(t):.2f}×",
            "close to 1",
            None,
        )
    )
    ROWS.append(Row("MSE of winners' estimates, raw (×10⁴)", f"{mse_raw * 1e4:.3f}", "", None))
    ROWS.append(
        Row(
            "MSE of winners' estimates, shrunk (×10⁴)",
            f"{mse_shrunk * 1e4:.3f}",
            "< raw",
            mse_shrunk < mse_raw,
        )
    )


def posterior_coverage(bar: tqdm) -> None:
    """Share of true effects inside shrunk ± z·posterior_sd, per portfolio size."""
    z = 1.959963984540054
    for size in COVERAGE_SIZES:
        rng = np.random.default_rng([SEED, size])  # its own stream per size
        covered: dict[str, list[float]] = {"mle": [], "moments": []}
        for _ in range(COVERAGE_PORTFOLIOS):
            se = rng.uniform(0.005, 0.02, size)
            df = simulate_experiment_portfolio(
                size, effect_mean=0.0, effect_sd=0.01, standard_error=se, seed=rng
            )
            theta = df["true_effect"].to_numpy()
            for method in covered:
                r = shrink(df["estimate"].to_numpy(), se, method=method)
                covered[method].append(
                    float(np.mean(np.abs(r.shrunk - theta) <= z * r.posterior_sd))
                )
            bar.update(1)
        for method, rates in covered.items():
            # experiments of one portfolio share τ̂: the s.e. comes from per-portfolio rates
            ROWS.append(
                Row(
                    f"shrink 95% posterior interval coverage, {size} experiments, {method}",
                    float(np.mean(rates)),
                    "reported (nominal 95%)",
                    None,
                    float(np.std(rates, ddof=1) / math.sqrt(len(rates))),
                )
            )


def main() -> int:
    rng = as_generator(SEED)
    start = time.perf_counter()
    chunks = math.ceil(REPS / CHUNK)
    designs = [(rho, "normal") for rho in RHOS] + [(0.7, "skewed")]
    total = chunks * len(designs) + PORTFOLIOS + COVERAGE_PORTFOLIOS * len(COVERAGE_SIZES)
    with tqdm(total=total, desc="bench_cuped") as bar:
        for rho, kind in designs:
            out = cuped_sim(rng, rho, kind, bar)
            where = f"{kind} engagement, ρ = {rho}" if kind == "normal" else "log-normal metric"
            se = math.sqrt(ALPHA * (1 - ALPHA) / REPS)
            ok = abs(out["type1"] - ALPHA) <= 0.005
            ROWS.append(Row(f"CUPED type-I, A/A ({where})", out["type1"], "5.0% ± 0.5 pp", ok, se))
            if kind == "normal":
                target = rho**2
                ROWS.append(
                    Row(
                        f"variance reduction across replicates, ρ = {rho}",
                        out["reduction"],
                        f"ρ² = {target:.0%} ± 2 pp",
                        abs(out["reduction"] - target) <= 0.02,
                        out["reduction_se"],
                    )
                )
                ROWS.append(
                    Row(
                        f"  in-sample variance_reduction (mean), ρ = {rho}",
                        out["achieved"],
                        f"ρ² = {target:.0%}",
                        None,
                    )
                )
                saved = round(N_ARM * target)
                ROWS.append(
                    Row(
                        f"  users per arm for the same power, n·(1 − ρ²), ρ = {rho}",
                        f"{N_ARM - saved:,} of {N_ARM:,}",
                        "",
                        None,
                    )
                )
            ROWS.append(
                Row(
                    f"cuped_test = vectorised core ({where})",
                    "same" if out["agree"] else "differ",
                    "same",
                    bool(out["agree"]),
                )
            )
        portfolio(rng, bar)
        posterior_coverage(bar)
    print(
        f"\nxplab CUPED and shrinkage benchmark (seed {SEED}; {REPS:,} replicates of "
        f"{N_ARM:,} users per arm; {PORTFOLIOS:,} portfolios of {PORTFOLIO_SIZE} experiments with "
        "true effects N(0, 0.01²) and standard errors U(0.005, 0.02))\n"
    )
    ok = report(ROWS)
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
