import numpy as np
import pytest

from xplab.assign import assign
from xplab.data import OnboardingData, simulate_onboarding

COLUMNS = [
    "user_id",
    "variant",
    "power_user",
    "power_propensity",
    "active_days_14",
    "sessions_14",
    "crashes_14",
    "tickets_14",
    "revenue_14",
    "retained_7d",
    "active_days_180",
    "revenue_180",
    "retained_180d",
]


@pytest.fixture(scope="module")
def sim():
    return simulate_onboarding(3_000, seed=11)


def test_shape_columns_and_reproducibility(sim):
    assert isinstance(sim, OnboardingData)
    assert list(sim.users.columns) == COLUMNS
    assert sim.activity.shape == (3_000, 180) and sim.activity.dtype == bool
    again = simulate_onboarding(3_000, seed=11)
    assert again.users.equals(sim.users)
    assert np.array_equal(again.activity, sim.activity)
    assert again.truth == sim.truth
    ids = sim.users["user_id"].tolist()
    assert (sim.users["variant"].to_numpy() == assign(ids, "onboarding_v2")).all()
    assert "OnboardingData(users=3,000" in repr(sim)


def test_user_columns_agree_with_the_activity(sim):
    u, a = sim.users, sim.activity
    assert a[:, 0].all()  # the signup day
    assert (u["active_days_14"] == a[:, :14].sum(axis=1)).all()
    assert (u["active_days_180"] == a.sum(axis=1)).all()
    assert (u["retained_7d"] == a[:, 7:14].any(axis=1)).all()
    assert (u["retained_180d"] == a[:, 150:180].any(axis=1)).all()
    assert (u["sessions_14"] >= u["active_days_14"]).all()
    assert (u["revenue_180"] >= u["revenue_14"]).all()
    assert u["power_propensity"].between(0, 1).all()


def test_retention_curve_decays_fastest_early():
    a = simulate_onboarding(5_000, seed=2).activity
    rate = a.mean(axis=0)
    # most churn happens in the first days (h0 decays with a 5-day scale), then slowly
    assert rate[1] > rate[14] > rate[60] > rate[179] > 0.05
    assert rate[1] - rate[14] > rate[60] - rate[74]


def test_no_effect_means_identical_potential_outcomes():
    s = simulate_onboarding(2_000, early_effect=0.0, seed=4)
    assert all(v == 0.0 for v in s.truth.values())
    assert np.all(s.daily_effect == 0.0)


def test_long_term_effect_can_reverse():
    s = simulate_onboarding(5_000, early_effect=0.1, late_effect=-0.3, seed=5)
    assert s.truth["retained_7d"] > 0 > s.truth["retained_180d"]


def test_novelty_fades_and_leaves_survival_alone():
    base = simulate_onboarding(5_000, seed=6)
    nov = simulate_onboarding(5_000, novelty=1.0, seed=6)
    assert nov.truth["retained_180d"] == base.truth["retained_180d"]
    assert nov.truth["active_days_14"] > base.truth["active_days_14"]
    extra = nov.daily_effect - base.daily_effect
    assert extra[1] > 0.1 and abs(extra[60]) < 1e-12


def test_observed_effects_match_the_truth_on_a_large_sample():
    s = simulate_onboarding(20_000, early_effect=0.1, crash_effect=0.5, seed=7)
    g = s.users.groupby("variant")
    diff = g["retained_7d"].mean()
    # the observed difference estimates the sample effect: within 4 standard errors (.028)
    assert diff["treatment"] - diff["control"] == pytest.approx(s.truth["retained_7d"], abs=0.028)
    assert s.users["power_user"].mean() == pytest.approx(0.2, abs=0.01)
    ratio = g["crashes_14"].sum() / g["sessions_14"].sum()
    assert ratio["treatment"] / ratio["control"] == pytest.approx(1.5, abs=0.2)


def test_long_frames(sim):
    long = sim.active_days_long()
    assert len(long) == sim.activity.sum()
    assert list(long.columns) == ["user_id", "variant", "day"]
    daily = sim.daily_active()
    assert len(daily) == 2 * 180
    first = daily[daily["day"] == 0]
    assert (first["rate"] == 1.0).all() and first["n"].sum() == 3_000


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_users": 1}, "n_users must be >= 2"),
        ({"power_share": 0.0}, "power_share"),
        ({"early_effect": 1.0}, "early_effect must be < 1"),
        ({"late_effect": 2.0}, "late_effect must be < 1"),
        ({"early_days": 180}, "early_days must be below 180"),
        ({"novelty_halflife": 0}, "novelty_halflife must be > 0"),
        ({"crash_effect": -1.0}, "crash_effect must be > -1"),
        ({"ticket_effect": float("inf")}, "ticket_effect must be finite"),
        ({"experiment": 3}, "experiment must be a string"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"n_users": 100} | kwargs
    with pytest.raises(ValueError, match=match):
        simulate_onboarding(**args)
