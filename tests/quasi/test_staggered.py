"""callaway_santanna: a hand computation on a tiny panel and the saturated
(Sun & Abraham) regression fitted by pyfixest."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from xplab.quasi import callaway_santanna

# pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1 (its code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def staggered():
    rng = np.random.default_rng(1)
    n, t = 9, 6
    g = np.array([2, 2, 2, 4, 4, np.nan, np.nan, np.nan, np.nan])
    df = pd.DataFrame({"u": np.repeat(np.arange(n), t), "t": np.tile(np.arange(t), n)})
    df["g"] = np.repeat(g, t)
    effect = np.where(df["t"] >= df["g"], df["t"] - df["g"] + 1.0, 0.0)
    df["y"] = rng.normal(size=len(df)) + effect
    return df


KW = dict(outcome="y", unit="u", time="t", first_treated="g")


def test_tiny_panel_by_hand():
    # units 1 (adopts at t=1) and 2, 3 (never): ATT(1, 1) = (3 − 1) − mean(0.5, 1.5) = 1
    df = pd.DataFrame(
        {
            "u": [1, 1, 2, 2, 3, 3],
            "t": [0, 1] * 3,
            "y": [1.0, 3.0, 1.0, 1.5, 2.0, 3.5],
            "g": [1, 1, None, None, None, None],
        }
    )
    res = callaway_santanna(df, **KW)
    assert res.estimate == pytest.approx(1.0)
    assert res.att_gt["estimate"].tolist() == pytest.approx([1.0])
    # one treated unit: its ψ is 0; the controls' ψ are ∓0.5 / 2, so SE = √0.125
    assert res.se == pytest.approx(np.sqrt(0.125))
    with pytest.raises(ValueError, match="standard error of the overall ATT is 0"):
        callaway_santanna(df.assign(y=[1.0, 3.0, 1.0, 1.5, 2.0, 2.5]), **KW)


def test_att_gt_equals_saturated_regression(staggered):
    res = callaway_santanna(staggered, **KW)
    df = staggered.copy()
    names, keys = [], []
    for cohort in (2, 4):
        for e in range(-cohort, 6 - cohort):
            if e == -1:
                continue
            name = f"c{cohort}_e{e + 10}"
            df[name] = ((df["g"] == cohort) & (df["t"] - df["g"] == e)).astype(float)
            names.append(name)
            keys.append((cohort, e))
    fit = pf.feols("y ~ " + " + ".join(names) + " | u + t", data=df, vcov={"CRV1": "u"})
    ref = dict(zip(keys, fit.coef().to_numpy(), strict=True))
    got = {
        (int(c), int(e)): v for c, e, v in res.att_gt[["cohort", "rel_time", "estimate"]].to_numpy()
    }
    assert got.keys() == ref.keys()
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, abs=1e-10)


def test_aggregations_use_cohort_sizes(staggered):
    res = callaway_santanna(staggered, **KW)
    att = res.att_gt
    post = att[att["rel_time"] >= 0]
    expected = np.average(post["estimate"], weights=post["n_treated"])
    assert res.estimate == pytest.approx(expected)
    e1 = att[att["rel_time"] == 1]
    assert res.event.set_index("rel_time").loc[1, "estimate"] == pytest.approx(
        np.average(e1["estimate"], weights=e1["n_treated"])
    )
    # a single 2×2 cell's SE is the two-sample SE with 1/n (not 1/(n − 1)) variances
    cell = att.iloc[1]
    d = staggered.pivot(index="u", columns="t", values="y")
    delta = d[int(cell["time"])] - d[1]
    g = staggered.groupby("u")["g"].first()
    se = np.sqrt(delta[g == 2].var(ddof=0) / 3 + delta[g.isna()].var(ddof=0) / 4)
    assert cell["se"] == pytest.approx(se)


def test_not_yet_treated_controls(staggered):
    res = callaway_santanna(staggered, **KW, control_group="not-yet-treated")
    cell = res.att_gt.query("cohort == 2 and time == 2").iloc[0]
    assert cell["n_control"] == 6  # 4 never treated + 2 adopting at t = 4
    assert res.att_gt.query("cohort == 4")["n_control"].eq(4).all()


def test_bad_input(staggered):
    with pytest.raises(ValueError, match="control_group"):
        callaway_santanna(staggered, **KW, control_group="later")
    with pytest.raises(ValueError, match="balanced panel"):
        callaway_santanna(staggered.iloc[1:], **KW)
    with pytest.raises(ValueError, match="treated from the first period"):
        callaway_santanna(staggered.assign(g=staggered["g"].fillna(0)), **KW)
    with pytest.raises(ValueError, match="no unit treated"):
        callaway_santanna(staggered.assign(g=np.nan), **KW)
