"""event_study and placebo on organ donations (ANCHORS.md) and small panels."""

import matplotlib
import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from scipy import stats

from xplab.data import load_organ_donations
from xplab.quasi import event_study, placebo

matplotlib.use("Agg")

KW = dict(outcome="rate", unit="state", time="quarter_num", first_treated="first_treated")

# pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1 (its code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def organ():
    return load_organ_donations()


def test_event_study_published(organ):
    es = event_study(organ, **KW)
    # ANCHORS.md, 2011 Q2 as reference: −0.0029, +0.0063, ref, −0.0216, −0.0203, −0.0222
    assert es.table["rel_time"].tolist() == [-3, -2, -1, 0, 1, 2]
    assert es.table["estimate"].round(4).tolist() == [
        -0.0029,
        0.0063,
        0.0,
        -0.0216,
        -0.0203,
        -0.0222,
    ]
    assert (es.n_treated_units, es.n_never_treated_units) == (1, 26)


def test_event_study_matches_pyfixest_i_syntax(organ):
    es = event_study(organ, **KW)
    df = organ.assign(ca=(organ["state"] == "California").astype(int))
    ref = pf.feols(
        "rate ~ i(quarter_num, ca, ref=3) | state + quarter_num", data=df, vcov={"CRV1": "state"}
    )
    got = es.table.query("rel_time != -1")
    np.testing.assert_allclose(got["estimate"], ref.coef().to_numpy(), atol=1e-10)
    np.testing.assert_allclose(got["se"], ref.se().to_numpy(), atol=1e-10)
    # joint pre-trend test: F = b'V⁻¹b / 2 from pyfixest's two leads and their CR1 vcov
    b, v = ref.coef().to_numpy()[:2], np.asarray(ref._vcov)[:2, :2]
    assert es.pretrend_f == pytest.approx(b @ np.linalg.solve(v, b) / 2, rel=1e-8)
    assert es.pretrend_p_value == pytest.approx(stats.f.sf(es.pretrend_f, 2, 26), rel=1e-10)


def test_event_study_window_bins_and_plot(organ):
    es = event_study(organ, **KW, window=(-2, 1))
    assert es.table["rel_time"].tolist() == [-2, -1, 0, 1]
    ax = es.plot()
    assert ax.get_xlabel().startswith("periods relative")
    with pytest.raises(ValueError, match="ref=5"):
        event_study(organ, **KW, ref=5)
    with pytest.raises(ValueError, match="lo < 0 <= hi"):
        event_study(organ, **KW, window=(1, 2))


def test_event_study_bad_first_treated(organ):
    df = organ.copy()
    df.loc[0, "first_treated"] = 3.0  # Alaska: one period says treated, others NaN
    with pytest.raises(ValueError, match="constant within each unit"):
        event_study(df, **KW)
    with pytest.raises(ValueError, match="no treated unit"):
        event_study(organ.assign(first_treated=np.nan), **KW)
    with pytest.raises(ValueError, match="duplicated"):
        event_study(pd.concat([organ, organ.head(1)]), **KW)


def test_placebo_published(organ):
    pl = placebo(organ, **KW)
    # ANCHORS.md placebos on the pre-period: 0.0061 (SE 0.0051), −0.0017 (SE 0.0028)
    assert pl.in_time["estimate"].round(4).tolist() == [0.0061, -0.0017]
    assert pl.in_time["se"].round(4).tolist() == [0.0051, 0.0028]
    assert pl.exhaustive and pl.n_assignments == 27


def test_placebo_in_space_by_hand(organ):
    """Each state in turn as the treated one: the TWFE estimates by pyfixest."""
    pl = placebo(organ, **KW)
    post = (organ["quarter_num"] >= 4).astype(int)
    by_hand = []
    for state in sorted(organ["state"].unique()):
        d = (organ["state"] == state).astype(int) * post
        fit = pf.feols("rate ~ d | state + quarter_num", data=organ.assign(d=d), vcov="iid")
        by_hand.append(float(fit.coef()["d"]))
    np.testing.assert_allclose(np.sort(pl.estimates), np.sort(by_hand), atol=1e-12)
    assert pl.rank == int(np.sum(np.abs(by_hand) >= abs(pl.estimate) - 1e-12))
    assert pl.p_value == pytest.approx(pl.rank / 27)
    assert pl.plot().get_xlabel() == "TWFE estimate"


def test_placebo_random_assignments_are_seeded():
    rng = np.random.default_rng(0)
    n, t = 12, 6
    df = pd.DataFrame({"u": np.repeat(np.arange(n), t), "t": np.tile(np.arange(t), n)})
    df["g"] = np.repeat(np.where(np.arange(n) < 4, 3.0, np.nan), t)
    df["y"] = rng.normal(size=len(df))
    kw = dict(outcome="y", unit="u", time="t", first_treated="g", n_assignments=50)
    a, b = placebo(df, **kw, seed=1), placebo(df, **kw, seed=1)
    # n_assignments counts the real assignment: 49 reshuffles + the real one (was 51)
    assert not a.exhaustive and a.n_assignments == 50 and len(a.estimates) == 50
    assert a.p_value * 50 == a.rank  # the smallest attainable p-value is 1/50
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert 0 < a.p_value <= 1
    with pytest.raises(ValueError, match="balanced panel"):
        placebo(df.iloc[1:], **kw)
    with pytest.raises(ValueError, match="fake_times value 4"):
        placebo(df, **kw, fake_times=[4])
    one = placebo(df, **{**kw, "n_assignments": 1}, seed=1)
    assert one.n_assignments == 1 and one.p_value == 1.0


# --------------------------------------------------------------------------- never treated = 0


def test_zero_codes_never_treated_when_zero_is_not_a_period(organ):
    # R did / csdid / moderndid / pyfixest code never-treated units as 0; quarters run 1..6
    assert 0 not in set(organ["quarter_num"])
    zero = organ.assign(first_treated=organ["first_treated"].fillna(0))
    es_nan, es_zero = event_study(organ, **KW), event_study(zero, **KW)
    # before: window (-4, 2007)-like nonsense: 0 was read as adoption in period 0
    assert es_zero.window == es_nan.window == (-3, 2)
    assert es_zero.n_never_treated_units == 26
    pd.testing.assert_frame_equal(es_zero.table, es_nan.table)
    pl_nan, pl_zero = placebo(organ, **KW), placebo(zero, **KW)
    pd.testing.assert_frame_equal(pl_zero.in_time, pl_nan.in_time)
    np.testing.assert_array_equal(pl_zero.estimates, pl_nan.estimates)


def test_zero_as_a_period_means_adoption_and_the_messages_say_how_to_code_never_treated():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"u": np.repeat(np.arange(6), 4), "t": np.tile(np.arange(4), 6)})
    df["g"] = np.repeat([2.0, 2.0, 0.0, 0.0, 0.0, 0.0], 4)  # periods 0..3: 0 is a period
    df["y"] = rng.normal(size=len(df))
    kw = dict(outcome="y", unit="u", time="t", first_treated="g")
    with pytest.raises(ValueError, match="code never-treated units as NaN"):
        placebo(df, **kw)


@pytest.mark.parametrize("function", [event_study, placebo])
def test_dates_are_refused_with_the_conversion(organ, function):
    dates = pd.Timestamp("2010-01-01") + pd.to_timedelta(91 * (organ["quarter_num"] - 1), "D")
    df = organ.assign(quarter_num=dates)
    # before: "ref=-1 must lie inside the window (1041379199997993, ...)"
    with pytest.raises(ValueError, match=r"time column 'quarter_num' holds dates .*\.dt\.days"):
        function(df, **KW)
    start = organ.assign(first_treated=pd.Timestamp("2011-07-01"))
    with pytest.raises(ValueError, match="first_treated column 'first_treated' holds dates"):
        function(start, **KW)
