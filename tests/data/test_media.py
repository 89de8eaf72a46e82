import numpy as np
import pytest

from xplab.abtest import srm_test
from xplab.data import simulate_experiment_portfolio, simulate_media_experiment


def test_media_experiment_structure_and_truth():
    df = simulate_media_experiment(20_000, rho=0.5, engagement_effect=2.0, mau_effect=0.0, seed=4)
    assert df["arrival_time"].is_monotonic_increasing
    assert df["day"].between(0, 13).all() and df["user_id"].is_unique
    for _, arm in df.groupby("variant"):
        assert arm["pre_engagement"].corr(arm["engagement"]) == pytest.approx(0.5, abs=0.03)
    means = df.groupby("variant")["engagement"].mean()
    # the standard error of the difference is about 20 * sqrt(2 / 10_000) = 0.28
    assert means["treatment"] - means["control"] == pytest.approx(2.0, abs=1.0)
    assert df["active"].mean() == pytest.approx(0.8, abs=0.01)
    assert set(df["variant"]) == {"control", "treatment"}


def test_media_experiment_is_reproducible():
    a = simulate_media_experiment(500, seed=9)
    b = simulate_media_experiment(500, seed=np.random.default_rng(9))
    assert a.equals(b)


def test_mau_effect_moves_the_rate():
    df = simulate_media_experiment(200_000, mau_rate=0.8, mau_effect=0.05, seed=2)
    rates = df.groupby("variant")["active"].mean()
    assert rates["treatment"] - rates["control"] == pytest.approx(0.05, abs=0.008)


@pytest.mark.parametrize("bug", ["cache", "duplicate_logging"])
def test_planted_bugs_break_the_aa_split(bug):
    clean = simulate_media_experiment(40_000, seed=1)
    broken = simulate_media_experiment(40_000, bug=bug, bug_share=0.1, seed=1)

    def counts(d):
        sizes = d["variant"].value_counts()
        return [sizes["control"], sizes["treatment"]]

    assert srm_test(counts(clean), [0.5, 0.5]).p_value > 0.001
    assert srm_test(counts(broken), [0.5, 0.5]).p_value < 1e-6
    if bug == "duplicate_logging":
        assert broken["user_id"].duplicated().sum() > 1000
    else:
        pre = broken.groupby("variant")["pre_engagement"].mean()
        assert pre["treatment"] > pre["control"]


def test_portfolio_winners_curse():
    df = simulate_experiment_portfolio(5000, effect_sd=0.01, standard_error=0.01, seed=7)
    assert list(df.columns) == [
        "experiment",
        "true_effect",
        "estimate",
        "standard_error",
        "z",
        "p_value",
        "significant",
        "shipped",
    ]
    winners = df[df["shipped"]]
    assert (winners["estimate"] > 0).all() and (winners["p_value"] < 0.05).all()
    # selected winners overstate their true effects
    assert winners["estimate"].mean() > 1.3 * winners["true_effect"].mean()
    per_experiment = simulate_experiment_portfolio(3, standard_error=[0.01, 0.02, 0.03], seed=1)
    assert per_experiment["standard_error"].tolist() == [0.01, 0.02, 0.03]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_users": 2}, "n_users must be >= 4"),
        ({"n_users": 100, "rho": 1.0}, r"rho must be in \[0, 1\)"),
        ({"n_users": 100, "mau_rate": 0.99, "mau_effect": 0.02}, "mau_rate \\+ mau_effect"),
        ({"n_users": 100, "bug": "typo"}, "bug must be one of"),
        ({"n_users": 100, "bug_share": 1.5}, r"bug_share must be in \[0, 1\]"),
        ({"n_users": 100, "days": 0}, "days must be >= 1"),
    ],
)
def test_media_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_media_experiment(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_experiments": 2}, "n_experiments must be >= 3"),
        ({"effect_sd": -1}, "effect_sd must be >= 0"),
        ({"standard_error": 0}, "standard_error must be > 0"),
        ({"standard_error": [0.1, 0.2]}, "one per experiment"),
        ({"n_experiments": 3, "standard_error": [0.1, -0.2, 0.1]}, "finite and > 0"),
    ],
)
def test_portfolio_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_experiment_portfolio(**kwargs)
