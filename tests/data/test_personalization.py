"""The capstone's simulators: module shares by hand, the homepage bandit environment,
and the global-holdout simulator's known effects."""

import numpy as np
import pandas as pd
import pytest

from xplab.abtest import GroupStats, cuped_test
from xplab.data import MODULES, RetailHomepage, module_shares, simulate_retail_holdout

D = pd.to_datetime


def tiny_purchases() -> pd.DataFrame:
    rows = [
        # customer, invoice, date, code, description, revenue
        (1, "a", "2011-06-01", "MUG", "RED MUG", 10.0),
        (1, "b", "2011-09-05", "MUG", "RED MUG", 10.0),  # buy again (bought before)
        (1, "b", "2011-09-05", "STAR", "CHRISTMAS STAR", 5.0),  # seasonal, new in
        (1, "c", "2011-09-20", "STAR", "CHRISTMAS STAR", 5.0),  # buy again within the period
        (2, "d", "2011-06-20", "BAG", "JUTE BAG", 8.0),
        (2, "e", "2011-09-02", "BAG", "JUTE BAG", 8.0),  # buy again, best seller
        (3, "f", "2011-09-03", "BAG", "JUTE BAG", 8.0),  # a new customer: best seller
    ]
    frame = pd.DataFrame(
        rows,
        columns=["customer_id", "invoice", "invoice_date", "stock_code", "description", "revenue"],
    )
    frame["invoice_date"] = D(frame["invoice_date"])
    return frame


def test_module_shares_by_hand():
    s = module_shares(tiny_purchases(), as_of="2011-09-01", best_sellers=1, new_days=30)
    assert list(s.columns) == [*MODULES, "visits", "new"]
    assert s.loc[1, list(MODULES)].tolist() == [2 / 3, 0.0, 2 / 3, 2 / 3]
    assert s.loc[1, "visits"] == 2
    assert s.loc[2, list(MODULES)].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert s.loc[3, list(MODULES)].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert s["new"].tolist() == [False, False, True]


def test_a_purchase_the_same_day_is_not_buying_again():
    p = tiny_purchases()
    p.loc[len(p)] = [4, "g", D("2011-09-10 09:00"), "MUG", "RED MUG", 10.0]
    p.loc[len(p)] = [4, "h", D("2011-09-10 17:00"), "MUG", "RED MUG", 10.0]
    s = module_shares(p, as_of="2011-09-01")
    assert s.loc[4, "buy again"] == 0.0


def homepage(seed=0, n=400):
    rng = np.random.default_rng(seed)
    shares = pd.DataFrame(rng.uniform(0, 1, (n, 4)), columns=list(MODULES))
    shares["visits"] = rng.integers(1, 10, n)
    segments = pd.Series(rng.choice(["a", "b", "c"], n), index=shares.index)
    return shares, segments


def test_homepage_truth_orders_the_policies():
    env = RetailHomepage(*homepage())
    single, segment, user = (env.policy_ctr(p) for p in ("single", "segment", "user"))
    assert single <= segment <= user
    assert env.ctr.min() >= 0.02 and env.ctr.max() <= 0.12
    assert env.segment_ctr.shape == (3, 4)


def test_homepage_draws_visits_in_proportion_and_one_hot_contexts():
    shares, segments = homepage(1, n=5)
    env = RetailHomepage(shares, segments)
    contexts, probs = env.draw(50_000, np.random.default_rng(0))
    assert contexts.sum(axis=1).tolist() == [1.0] * 50_000
    rows = {tuple(r): i for i, r in enumerate(env.ctr)}
    counts = np.bincount([rows[tuple(p)] for p in probs], minlength=5) / 50_000
    assert counts == pytest.approx(env.weights, abs=0.01)


def test_a_customer_without_a_segment_is_refused():
    shares, segments = homepage()
    with pytest.raises(ValueError, match="segments"):
        RetailHomepage(shares, segments.iloc[1:])


def purchases_and_returns(seed=0, n=3_000):
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, 300, n)
    p = pd.DataFrame(
        {
            "customer_id": customers,
            "invoice_date": D("2011-01-01") + pd.to_timedelta(rng.uniform(0, 300, n), unit="D"),
            "stock_code": rng.integers(0, 50, n).astype(str),
            "revenue": rng.gamma(1.0, 30.0, n) * (1 + customers % 7),
        }
    )
    r = p.sample(200, random_state=seed)[["customer_id", "invoice_date"]]
    return p, r


def test_without_effects_the_arms_differ_only_by_chance():
    p, r = purchases_and_returns()
    sim = simulate_retail_holdout(
        p,
        r,
        as_of="2011-07-01",
        n_users=20_000,
        lift=0.0,
        return_effect=0.0,
        products_effect=0.0,
        seed=1,
    )
    assert sim.true_lift == 0.0
    u = sim.users
    assert (u["arm"] == "holdout").mean() == pytest.approx(0.1, abs=0.01)
    h, t = (u[u["arm"] == a] for a in ("holdout", "personalised"))
    test = cuped_test(
        GroupStats.from_arrays(h["revenue"], covariate=h["pre_revenue"]),
        GroupStats.from_arrays(t["revenue"], covariate=t["pre_revenue"]),
    )
    assert test.ci[0] < 0 < test.ci[1]


def test_the_effects_are_what_was_asked():
    p, r = purchases_and_returns(2)
    base = simulate_retail_holdout(
        p,
        r,
        as_of="2011-07-01",
        n_users=50_000,
        lift=0.0,
        return_effect=0.0,
        products_effect=0.0,
        seed=3,
    ).users
    sim = simulate_retail_holdout(
        p,
        r,
        as_of="2011-07-01",
        n_users=50_000,
        lift=0.05,
        return_effect=0.02,
        products_effect=-0.1,
        seed=3,
    )
    u = sim.users
    treated = (u["arm"] == "personalised").to_numpy()
    assert u["revenue"].to_numpy()[treated] == pytest.approx(
        1.05 * base["revenue"].to_numpy()[treated]
    )
    assert u["revenue"].to_numpy()[~treated] == pytest.approx(base["revenue"].to_numpy()[~treated])
    assert sim.true_lift == pytest.approx(0.05 * base["revenue"][treated].mean())
    assert sim.true_effect() == pytest.approx(sim.true_lift)
    cap = float(base["revenue"].quantile(0.9))
    capped = np.minimum(1.05 * base["revenue"][treated], cap) - np.minimum(
        base["revenue"][treated], cap
    )
    assert sim.true_effect(cap=cap) == pytest.approx(capped.mean())
    assert 0 < sim.true_effect(cap=cap) < sim.true_lift
    extra = u["returned"][treated].mean() - base["returned"][treated].mean()
    assert extra == pytest.approx(0.02, abs=0.005)
    ratio = u["products"][treated].sum() / base["products"][treated].sum()
    assert ratio == pytest.approx(0.9, abs=0.01)


def test_opt_outs_dilute_the_lift():
    p, r = purchases_and_returns(4)
    full = simulate_retail_holdout(p, r, as_of="2011-07-01", n_users=40_000, lift=0.1, seed=5)
    some = simulate_retail_holdout(
        p, r, as_of="2011-07-01", n_users=40_000, lift=0.1, opt_out_share=0.3, seed=5
    )
    assert some.users["opted_out"].mean() == pytest.approx(0.3, abs=0.01)
    assert some.true_lift / full.true_lift == pytest.approx(0.7, abs=0.03)
    out = some.users[some.users["opted_out"] & (some.users["arm"] == "personalised")]
    assert len(out) > 0
