"""callaway_santanna: a hand computation on a tiny panel, the saturated
(Sun & Abraham) regression fitted by pyfixest, and moderndid (the Python port
of R ``did``) on a synthetic staggered panel made by the project's simulator."""

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
    res = callaway_santanna(staggered, **KW, base_period="universal")
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
    assert res.att_gt.query("cohort == 4 and time >= 2")["n_control"].eq(4).all()
    # the varying base compares t = 1 with t = 0, when cohort 2 is not yet treated either
    assert res.att_gt.query("cohort == 4 and time == 1")["n_control"].item() == 7


def test_bad_input(staggered):
    with pytest.raises(ValueError, match="control_group"):
        callaway_santanna(staggered, **KW, control_group="later")
    with pytest.raises(ValueError, match="balanced panel"):
        callaway_santanna(staggered.iloc[1:], **KW)
    with pytest.raises(ValueError, match=r"treated from the first period.*as NaN"):
        callaway_santanna(staggered.assign(g=staggered["g"].fillna(0)), **KW)
    with pytest.raises(ValueError, match="base_period"):
        callaway_santanna(staggered, **KW, base_period="first")
    with pytest.raises(ValueError, match=r"first_treated values must be periods.*as NaN"):
        callaway_santanna(staggered.assign(g=staggered["g"] + 0.5), **KW)
    with pytest.raises(ValueError, match="no unit treated"):
        callaway_santanna(staggered.assign(g=np.nan), **KW)


def test_varying_base_period_compares_consecutive_periods(staggered):
    res = callaway_santanna(staggered, **KW)  # base_period="varying", R's default
    assert res.base_period == "varying"
    d = staggered.pivot(index="u", columns="t", values="y")
    g = staggered.groupby("u")["g"].first()
    for _, cell in res.att_gt.iterrows():
        c, t = int(cell["cohort"]), int(cell["time"])
        b = c - 1 if t >= c else t - 1  # post: the period before adoption; pre: the one before t
        assert cell["base_time"] == b
        change = d[t] - d[b]
        assert cell["estimate"] == pytest.approx(change[g == c].mean() - change[g.isna()].mean())
    universal = callaway_santanna(staggered, **KW, base_period="universal")
    post = res.att_gt.query("rel_time >= 0").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        post, universal.att_gt.query("rel_time >= 0").reset_index(drop=True)
    )
    assert universal.estimate == res.estimate and universal.se == res.se
    assert -1 in res.event["rel_time"].tolist() and -1 not in universal.event["rel_time"].tolist()


# --------------------------------------------------------------------------- R did / moderndid

# The reference panel: 30 regions × 10 days from the project's simulator, periods
# renumbered 1..10 so that never-treated regions can be coded 0 as R did requires.
PANEL_ARGS = dict(
    n_regions=30,
    n_days=10,
    rollout_days=(3, 5, 8),
    n_never_treated=8,
    effect_growth=0.002,
    seed=16,
)

# moderndid 0.2.0 (pip install moderndid, in a scratch venv outside the project):
#   df = simulate_latency_rollout(**PANEL_ARGS)  (xplab, written to CSV with
#        period = day + 1, g = first_treated + 1 with never-treated as 0, rid = region number)
#   r = moderndid.did.att_gt(df, yname="conversion", tname="period", idname="rid", gname="g",
#                            control_group=..., base_period=..., boot=False)
#   a = moderndid.did.aggte(r, type=..., boot=False); (a.overall_att, a.overall_se)
# The same commands on R's mpdta give the overall ATT -0.039951, SE 0.012034 (never-treated),
# which callaway_santanna reproduces to 1e-6 (0.011747 before the weights' influence term).
MODERNDID_OVERALL = {
    ("never-treated", "varying"): {
        "simple": (0.00246826, 0.00058484),
        "group": (0.00259945, 0.00055078),
        "calendar": (0.00218459, 0.00058782),
        "dynamic": (0.00255205, 0.00067822),
    },
    ("not-yet-treated", "varying"): {
        "simple": (0.00269093, 0.00050886),
        "group": (0.00275226, 0.00053697),
        "calendar": (0.00246781, 0.00046826),
        "dynamic": (0.00276454, 0.00060404),
    },
}
#   aggte(r, type="dynamic", boot=False): (a.event_times, a.att_by_event, a.se_by_event)
MODERNDID_DYNAMIC = {
    ("never-treated", "varying"): (
        range(-7, 7),
        [-0.00123008, 0.00097454, -0.00118523, -0.00080989, 0.0004603, -0.00101486,
         -0.00021323, 0.00219297, 0.00190968, 0.0035396, 0.00173996, 0.00312261,
         0.00233808, 0.00302144],
        [0.00069041, 0.00103923, 0.00111797, 0.00058066, 0.00074925, 0.00052629,
         0.00049193, 0.00066017, 0.00054242, 0.00080112, 0.00093498, 0.00072648,
         0.00135145, 0.00128674],
    ),
    ("not-yet-treated", "universal"): (
        [*range(-8, -1), *range(7)],  # moderndid also lists e = -1 with estimate 0, SE NaN
        [0.00293371, 0.00170363, 0.00267816, 0.0012838, 0.00076093, 0.00081776,
         0.00028769, 0.00217983, 0.00207554, 0.00391162, 0.00203607, 0.00378918,
         0.00233808, 0.00302144],
        [0.00136506, 0.00120193, 0.00172813, 0.00078839, 0.0007001, 0.00056759,
         0.00042629, 0.00059004, 0.00049144, 0.00073942, 0.000806, 0.00066405,
         0.00135145, 0.00128674],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def reference_panel():
    from xplab.data import simulate_latency_rollout

    df = simulate_latency_rollout(**PANEL_ARGS)
    return df.assign(period=df["day"] + 1, g=(df["first_treated"] + 1).fillna(0))


REF_KW = dict(outcome="conversion", unit="region", time="period", first_treated="g")


@pytest.mark.parametrize("config", list(MODERNDID_OVERALL))
def test_overall_aggregations_match_moderndid(reference_panel, config):
    control_group, base_period = config
    res = callaway_santanna(
        reference_panel, **REF_KW, control_group=control_group, base_period=base_period
    )
    got = res.overall.set_index("type")
    for kind, (estimate, se) in MODERNDID_OVERALL[config].items():
        assert got.loc[kind, "estimate"] == pytest.approx(estimate, abs=1e-8)
        assert got.loc[kind, "se"] == pytest.approx(se, abs=1e-8)
    assert (res.estimate, res.se) == pytest.approx(MODERNDID_OVERALL[config]["simple"], abs=1e-8)
    # the weights' own influence term is what the SE used to leave out
    post = res.att_gt["rel_time"] >= 0
    n_g = res.att_gt.loc[post, "n_treated"].to_numpy(dtype=float)
    fixed_weights_se_bound = np.sqrt(
        np.sum((n_g / n_g.sum()) ** 2 * res.att_gt.loc[post, "se"] ** 2)
    )
    assert fixed_weights_se_bound > 0 and res.se != pytest.approx(fixed_weights_se_bound)


@pytest.mark.parametrize("config", list(MODERNDID_DYNAMIC))
def test_event_time_aggregation_matches_moderndid(reference_panel, config):
    control_group, base_period = config
    res = callaway_santanna(
        reference_panel, **REF_KW, control_group=control_group, base_period=base_period
    )
    e, estimate, se = MODERNDID_DYNAMIC[config]
    assert res.event["rel_time"].tolist() == list(e)
    np.testing.assert_allclose(res.event["estimate"], estimate, atol=1e-8)
    np.testing.assert_allclose(res.event["se"], se, atol=1e-8)


def test_group_and_calendar_tables(reference_panel):
    res = callaway_santanna(reference_panel, **REF_KW)
    att = res.att_gt.query("rel_time >= 0")
    assert res.group["cohort"].tolist() == [4.0, 6.0, 9.0]
    for _, row in res.group.iterrows():
        assert row["estimate"] == pytest.approx(
            att.query("cohort == @row.cohort")["estimate"].mean()
        )
    assert res.calendar["time"].tolist() == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    at7 = att.query("time == 7")
    assert res.calendar.set_index("time").loc[7.0, "estimate"] == pytest.approx(
        np.average(at7["estimate"], weights=at7["n_treated"])
    )
    over = res.overall.set_index("type")["estimate"]
    assert over["calendar"] == pytest.approx(res.calendar["estimate"].mean())
    assert over["dynamic"] == pytest.approx(res.event.query("rel_time >= 0")["estimate"].mean())
    assert {"group", "calendar", "overall"} <= set(vars(res))


def test_zero_codes_never_treated_like_nan(reference_panel):
    # periods run 1..10, so first_treated = 0 means never treated (R did's convention)
    zero = callaway_santanna(reference_panel, **REF_KW)
    nan = callaway_santanna(
        reference_panel.assign(g=reference_panel["g"].replace(0, np.nan)), **REF_KW
    )
    assert zero.n_never_treated == nan.n_never_treated == 8
    pd.testing.assert_frame_equal(zero.att_gt, nan.att_gt)


def test_dates_are_refused(reference_panel):
    df = reference_panel.assign(
        period=pd.Timestamp("2026-01-01") + pd.to_timedelta(reference_panel["period"], "D")
    )
    with pytest.raises(ValueError, match="time column 'period' holds dates"):
        callaway_santanna(df, **REF_KW)
