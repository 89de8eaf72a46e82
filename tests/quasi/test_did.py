"""did_2x2 and twfe: against pyfixest called directly and the published
organ-donation figures (ANCHORS.md; The Effect, ch. 18)."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from xplab.data import load_organ_donations
from xplab.quasi import did_2x2, twfe

# pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1 (its code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def organ():
    return load_organ_donations()


def test_organ_loader_is_tidy(organ):
    assert list(organ.columns) == [
        "state",
        "quarter",
        "quarter_num",
        "rate",
        "treated",
        "first_treated",
    ]
    assert organ.shape == (162, 6)
    assert organ["state"].nunique() == 27
    treated = organ.loc[organ["treated"] == 1]
    assert set(treated["state"]) == {"California"}
    assert set(treated["quarter"]) == {"Q32011", "Q42011", "Q12012"}
    assert organ.loc[organ["state"] == "California", "first_treated"].eq(4).all()
    assert organ.loc[organ["state"] != "California", "first_treated"].isna().all()


def test_twfe_matches_pyfixest_directly(organ):
    res = twfe(organ, outcome="rate", unit="state", time="quarter", treatment="treated")
    raw = organ.rename(columns={"rate": "Rate", "treated": "Treated", "state": "State"})
    # the ANCHORS.md call: feols("Rate ~ Treated | State + Quarter", vcov={"CRV1": "State"})
    ref = pf.feols("Rate ~ Treated | State + quarter", data=raw, vcov={"CRV1": "State"})
    tidy = ref.tidy().loc["Treated"]
    assert res.estimate == pytest.approx(tidy["Estimate"], abs=1e-6)
    assert res.se == pytest.approx(tidy["Std. Error"], abs=1e-6)
    assert res.p_value == pytest.approx(tidy["Pr(>|t|)"], abs=1e-6)
    assert res.ci == pytest.approx((tidy["2.5%"], tidy["97.5%"]), abs=1e-6)
    ref.vcov("iid")
    assert res.se_iid == pytest.approx(ref.se()["Treated"], abs=1e-6)
    assert (res.n_clusters, res.n_obs) == (27, 162)


def test_twfe_published_figures(organ):
    res = twfe(organ, outcome="rate", unit="state", time="quarter_num", treatment="treated")
    # ANCHORS.md: −0.02246 (SE 0.00613), clustered by state
    assert round(res.estimate, 5) == -0.02246
    assert round(res.se, 5) == 0.00613
    assert res.se_iid > 3 * res.se  # here the naive SE is larger, not smaller


def test_did_2x2_equals_twfe_on_organ_donations(organ):
    df = organ.assign(
        ca=(organ["state"] == "California").astype(int),
        post=(organ["quarter_num"] >= 4).astype(int),
    )
    d = did_2x2(df, outcome="rate", treated="ca", post="post")
    res = twfe(df, outcome="rate", unit="state", time="quarter_num", treatment="treated")
    assert d.estimate == pytest.approx(res.estimate, abs=1e-12)
    assert d.table.loc["treated − control", "post − pre"] == pytest.approx(d.estimate)


def test_did_2x2_equals_twfe_on_two_period_panel():
    rng = np.random.default_rng(3)
    n = 30
    df = pd.DataFrame({"unit": np.repeat(np.arange(n), 2), "period": np.tile([0, 1], n)})
    df["group"] = (df["unit"] < 12).astype(int)
    df["y"] = rng.normal(size=2 * n) + 0.7 * df["group"] * df["period"]
    df["d"] = df["group"] * df["period"]
    d = did_2x2(df, outcome="y", treated="group", post="period")
    res = twfe(df, outcome="y", unit="unit", time="period", treatment="d")
    assert d.estimate == pytest.approx(res.estimate, abs=1e-10)
    means = df.groupby(["group", "period"])["y"].mean()
    assert d.treated_post == pytest.approx(means[(1, 1)])
    assert d.control_pre == pytest.approx(means[(0, 0)])


def test_twfe_weights_and_cluster_match_pyfixest():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"u": np.repeat(np.arange(20), 5), "t": np.tile(np.arange(5), 20)})
    df["region"] = df["u"] // 4
    df["w"] = rng.uniform(1, 3, len(df))
    df["d"] = ((df["u"] % 2 == 0) & (df["t"] >= 3)).astype(int)
    df["y"] = rng.normal(size=len(df)) + 0.5 * df["d"]
    res = twfe(df, outcome="y", unit="u", time="t", treatment="d", cluster="region", weights="w")
    # pyfixest demeans iteratively (tolerance 1e-8), so two fits agree to ~1e-9, not to the last bit
    ref = pf.feols("y ~ d | u + t", data=df, vcov={"CRV1": "region"}, weights="w")
    assert res.estimate == pytest.approx(ref.coef()["d"], rel=1e-7)
    assert res.se == pytest.approx(ref.se()["d"], rel=1e-7)
    assert res.n_clusters == 5


def test_twfe_one_sided(organ):
    kw = dict(outcome="rate", unit="state", time="quarter_num", treatment="treated")
    two = twfe(organ, **kw)
    smaller = twfe(organ, **kw, alternative="smaller")
    assert smaller.p_value == pytest.approx(two.p_value / 2)
    assert smaller.ci[0] == -np.inf


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(outcome="nope"), "outcome='nope' is not a column"),
        (dict(cluster="nope"), "cluster='nope'"),
        (dict(alpha=1.5), "alpha"),
        (dict(alternative="bigger"), "alternative"),
        (dict(treatment="zero"), "treatment column does not vary"),
        (dict(outcome="text"), "outcome column 'text' must be numeric"),
        # never varies within a unit (California marked in every quarter): before, pyfixest's
        # "All variables are collinear ... please reach out to the package authors"
        (dict(treatment="california"), r"constant within every unit .* \(treated × post\)"),
        (dict(treatment="post"), "the same for every unit in each period"),
        (dict(treatment="additive"), "a sum of a unit part and a period part"),
    ],
)
def test_twfe_bad_input(organ, kwargs, match):
    df = organ.assign(
        zero=0,
        text="a",
        california=(organ["state"] == "California").astype(int),
        post=(organ["quarter_num"] >= 4).astype(int),
        additive=(organ["state"] == "California").astype(int) + organ["quarter_num"],
    )
    base = dict(outcome="rate", unit="state", time="quarter_num", treatment="treated")
    with pytest.raises(ValueError, match=match):
        twfe(df, **{**base, **kwargs})


def test_twfe_missing_outcome_and_keyword_only(organ):
    df = organ.copy()
    df.loc[0, "rate"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        twfe(df, outcome="rate", unit="state", time="quarter_num", treatment="treated")
    with pytest.raises(TypeError):
        twfe(organ, "rate", "state", "quarter_num", "treated")  # type: ignore[misc]


def test_did_2x2_bad_input():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "g": [0, 1, 1], "p": [0, 0, 1]})
    with pytest.raises(ValueError, match="control group has no post"):
        did_2x2(df, outcome="y", treated="g", post="p")
    with pytest.raises(ValueError, match="only 0/1"):
        did_2x2(df.assign(g=[0, 2, 1]), outcome="y", treated="g", post="p")
    with pytest.raises(ValueError, match="DataFrame"):
        did_2x2([1, 2], outcome="y", treated="g", post="p")
