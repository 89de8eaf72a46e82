"""arm_stats in pandas and DuckDB equals GroupStats.from_arrays and feeds every test."""

import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest

from xplab import abtest
from xplab.abtest import GroupStats
from xplab.warehouse import ArmStats, arm_stats, relative_difference

TOL = 1e-9


def _users(n=3_000, seed=5):
    rng = np.random.default_rng(seed)
    pre = rng.gamma(2.0, 10.0, n)
    return pd.DataFrame(
        {
            "user_id": np.arange(n),
            "arm": np.where(rng.random(n) < 0.5, "control", "treatment"),
            "platform": rng.choice(["web", "ios", "android"], n),
            "day": rng.integers(0, 7, n),
            "revenue": np.round(0.5 * pre + rng.gamma(1.0, 5.0, n), 2),
            "pre_revenue": pre,
            "clicks": rng.poisson(2.0, n),
            "impressions": rng.poisson(20.0, n) + 1,
            "converted": (rng.random(n) < 0.1).astype(int),
            "flag": rng.random(n) < 0.3,
            "one": 1.0,
        }
    )


USERS = _users()


def _source(engine):
    return USERS if engine == "pandas" else duckdb.sql("SELECT * FROM USERS")


def _reference(frame, outcome, covariate=None, denominator=None):
    return GroupStats.from_arrays(
        frame[outcome].to_numpy(),
        covariate=None if covariate is None else frame[covariate].to_numpy(),
        denominator=None if denominator is None else frame[denominator].to_numpy(),
    )


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize(
    ("outcome", "covariate", "denominator"),
    [
        ("revenue", None, None),
        ("revenue", "pre_revenue", None),
        ("clicks", None, "impressions"),
        ("clicks", "pre_revenue", "impressions"),
        ("converted", None, None),
        ("flag", "pre_revenue", None),
    ],
)
def test_equals_from_arrays_on_every_field(engine, outcome, covariate, denominator):
    stats = arm_stats(
        _source(engine), arm="arm", outcome=outcome, covariate=covariate, denominator=denominator
    )
    assert isinstance(stats, ArmStats) and stats.engine == engine
    assert list(stats) == ["control", "treatment"]
    for arm in stats:
        ref = _reference(USERS[USERS["arm"] == arm], outcome, covariate, denominator)
        assert relative_difference(stats[arm], ref) <= TOL
        assert stats[arm].binary == ref.binary


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_segments_and_constant_columns(engine):
    stats = arm_stats(_source(engine), arm="arm", outcome="one", covariate="revenue", by="platform")
    assert len(stats) == 6
    assert next(iter(stats)) == ("android", "control")
    for (platform, arm), s in stats.items():
        part = USERS[(USERS["platform"] == platform) & (USERS["arm"] == arm)]
        ref = _reference(part, "one", "revenue")
        # a constant outcome: its exact value and exactly zero spread, as from_arrays gives
        assert (s.mean, s.m2, s.comoment) == (1.0, 0.0, 0.0)
        assert relative_difference(s, ref) <= TOL
    frame = stats.to_frame()
    assert frame.index.names == ["platform", "arm"]
    assert frame["n"].sum() == len(USERS)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_the_tests_give_the_same_answer_as_from_raw_arrays(engine):
    src = _source(engine)
    c, t = (USERS[USERS["arm"] == a] for a in ("control", "treatment"))
    means = arm_stats(src, arm="arm", outcome="revenue", covariate="pre_revenue")
    got = abtest.mean_test(means["control"], means["treatment"])
    want = abtest.mean_test(c["revenue"], t["revenue"])
    assert got.p_value == pytest.approx(want.p_value, rel=1e-9)
    assert got.ci == pytest.approx(want.ci, rel=1e-9)
    cuped = abtest.cuped_test(means["control"], means["treatment"])
    cuped_ref = abtest.cuped_test(
        GroupStats.from_arrays(c["revenue"], covariate=c["pre_revenue"]),
        GroupStats.from_arrays(t["revenue"], covariate=t["pre_revenue"]),
    )
    assert cuped.estimate == pytest.approx(cuped_ref.estimate, rel=1e-9)
    assert cuped.se == pytest.approx(cuped_ref.se, rel=1e-9)
    conv = arm_stats(src, arm="arm", outcome="converted")
    assert abtest.proportion_test(conv["control"], conv["treatment"]) == abtest.proportion_test(
        *abtest.arm_counts(USERS, "converted", variant="arm")
    )
    ratio = arm_stats(src, arm="arm", outcome="clicks", denominator="impressions")
    got = abtest.ratio_test(ratio["control"], ratio["treatment"])
    want = abtest.ratio_test(c["clicks"], c["impressions"], t["clicks"], t["impressions"])
    assert got.estimate == pytest.approx(want.estimate, rel=1e-9)
    assert got.se == pytest.approx(want.se, rel=1e-9)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_daily_cohorts_add_up_to_the_whole(engine):
    src = _source(engine)
    whole = arm_stats(src, arm="arm", outcome="revenue", covariate="pre_revenue")
    daily = arm_stats(src, arm="arm", outcome="revenue", covariate="pre_revenue", by="day")
    for arm in ("control", "treatment"):
        parts = [s for (day, a), s in daily.items() if a == arm]
        assert len(parts) == 7
        assert relative_difference(sum(parts), whole[arm]) <= TOL
    # cumulative looks for a sequential test
    looks = {
        arm: list(itertools.accumulate(s for (_, a), s in daily.items() if a == arm))
        for arm in ("control", "treatment")
    }
    seq = abtest.msprt_test(looks["control"], looks["treatment"], tau=1.0)
    assert seq.n_c[-1] == whole["control"].n and len(seq.n_c) == 7


def test_missing_values_and_bad_columns_are_refused():
    holes = USERS.assign(revenue=USERS["revenue"].where(USERS.index % 100 != 0))
    with pytest.raises(ValueError, match=r"outcome column 'revenue' has 1\d missing"):
        arm_stats(holes, arm="arm", outcome="revenue")
    rel = duckdb.sql("SELECT * FROM holes")
    with pytest.raises(ValueError, match="missing value"):
        arm_stats(rel, arm="arm", outcome="revenue")
    no_arm = USERS.assign(arm=USERS["arm"].where(USERS.index > 0))
    with pytest.raises(ValueError, match="arm column 'arm' has missing values"):
        arm_stats(no_arm, arm="arm", outcome="revenue")
    with pytest.raises(TypeError, match="outcome column 'platform' must be numeric"):
        arm_stats(USERS, arm="arm", outcome="platform")
    with pytest.raises(TypeError, match="denominator column 'flag' must be numeric,"):
        arm_stats(USERS, arm="arm", outcome="clicks", denominator="flag")
    with pytest.raises(ValueError, match="covariate='pre' is not a column"):
        arm_stats(USERS, arm="arm", outcome="revenue", covariate="pre")
    with pytest.raises(ValueError, match="by must not repeat"):
        arm_stats(USERS, arm="arm", outcome="revenue", by=["arm"])
    with pytest.raises(TypeError, match="source must be"):
        arm_stats(USERS.to_numpy(), arm="arm", outcome="revenue")
    with pytest.raises(ValueError, match="no rows"):
        arm_stats(USERS.iloc[:0], arm="arm", outcome="revenue")


def test_relative_difference_scales_and_mismatches():
    a = GroupStats.from_arrays([1.0, 2.0, 4.0], covariate=[0.0, 1.0, 0.0])
    assert relative_difference(a, a) == 0.0
    b = GroupStats.from_arrays([1.0, 2.0, 4.0])
    assert relative_difference(a, b) == float("inf")  # one has a covariate
    assert relative_difference(b, GroupStats.from_arrays([1.0, 2.0])) == float("inf")
    shifted = GroupStats.from_arrays([1.0, 2.0, 4.0 + 1e-12])
    assert 0 < relative_difference(b, shifted) < 1e-11
    with pytest.raises(TypeError, match="b must be a GroupStats"):
        relative_difference(a, 3.0)
