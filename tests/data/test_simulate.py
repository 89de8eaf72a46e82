import hashlib

import numpy as np
import pytest

from xplab.data.simulate import simulate_button_test


def test_columns_types_and_reproducibility():
    a = simulate_button_test(2000, lift=0.1, seed=3)
    b = simulate_button_test(2000, lift=0.1, seed=3)
    assert a.equals(b)
    assert list(a.columns) == [
        "user_id",
        "variant",
        "segment",
        "sessions",
        "impressions",
        "clicks",
        "clicked",
        "is_bot",
    ]
    assert (a["clicks"] <= a["impressions"]).all() and (a["sessions"] >= 1).all()
    assert (a["clicked"] == (a["clicks"] > 0)).all()
    # step 1 of the documented model: the frozen version-1 hash, split at 0.5
    for user, variant in zip(a["user_id"][:50], a["variant"][:50], strict=True):
        digest = hashlib.sha256(f":button_color:{user}".encode()).digest()
        position = (int.from_bytes(digest[:8], "big") >> 11) / 2**53
        assert variant == ("control" if position < 0.5 else "treatment")


def test_true_lift_is_recovered_on_a_large_sample():
    df = simulate_button_test(400_000, ctr_control=0.05, lift=0.2, seed=1)
    ctr = df.groupby("variant")["clicks"].sum() / df.groupby("variant")["impressions"].sum()
    assert ctr["treatment"] / ctr["control"] - 1 == pytest.approx(0.2, abs=0.02)
    assert ctr["control"] == pytest.approx(0.05, rel=0.02)


def test_segment_specific_lift():
    df = simulate_button_test(400_000, lift=0.0, new_user_lift=0.3, seed=2)
    g = df.groupby(["segment", "variant"])[["clicks", "impressions"]].sum()
    ctr = g["clicks"] / g["impressions"]
    assert ctr["new", "treatment"] / ctr["new", "control"] - 1 == pytest.approx(0.3, abs=0.04)
    assert ctr["returning", "treatment"] / ctr["returning", "control"] - 1 == pytest.approx(
        0, abs=0.03
    )


def test_planted_problems():
    df = simulate_button_test(50_000, srm_drop=0.1, bot_share=0.02, seed=4)
    share_t = (df["variant"] == "treatment").mean()
    assert share_t == pytest.approx(0.45 / 0.95, abs=0.01)
    bots = df[df["is_bot"]]
    assert bots["clicks"].sum() == 0 and bots["impressions"].mean() > 5 * df["impressions"].mean()
    assert df["is_bot"].mean() == pytest.approx(0.02, abs=0.004)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_users": 1}, r"n_users must be >= 2"),
        ({"ctr_control": 0}, r"ctr_control must be in \(0, 1\)"),
        ({"lift": 30.0}, r"lift=30.0 moves ctr_control=0.05 to 1.55"),
        ({"srm_drop": 1.0}, r"srm_drop must be < 1"),
        ({"share_new_users": -0.1}, r"share_new_users must be in \[0, 1\]"),
        ({"mean_sessions": 0.5}, r"mean_sessions must be >= 1"),
        ({"impressions_per_session": 0}, r"impressions_per_session must be >= 1"),
        ({"concentration": 0}, r"concentration must be > 0"),
        ({"bot_share": 1.2}, r"bot_share must be in \[0, 1\]"),
        ({"seed": 1.5}, r"seed must be an int"),
    ],
)
def test_bad_input(kwargs, message):
    kwargs = {"n_users": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate_button_test(**kwargs)


def test_clicks_are_overdispersed_within_users():
    df = simulate_button_test(100_000, concentration=2.0, seed=5)
    rate = df["clicks"].sum() / df["impressions"].sum()
    # variance of clicks given impressions exceeds the binomial variance
    expected = (df["impressions"] * rate * (1 - rate)).mean()
    observed = ((df["clicks"] - df["impressions"] * rate) ** 2).mean()
    assert observed > 1.3 * expected
    assert np.isfinite(observed)


# Checksums of the CSV text of today's output, taken before the opt-in options
# (srm_mode, days, novelty) existed: defaults must keep reproducing it bit for
# bit, so the course's printed figures never move. Produced by
# hashlib.sha256(simulate_button_test(**kwargs).to_csv(index=False).encode()).
@pytest.mark.parametrize(
    ("kwargs", "checksum"),
    [
        (
            {"n_users": 5000, "seed": 11},
            "2d8656ceeab752f27442db295df97e2bf081e9fc6392b8b58aa1a7d815bf5f79",
        ),
        (
            {
                "n_users": 5000,
                "lift": 0.1,
                "new_user_lift": 0.2,
                "srm_drop": 0.1,
                "bot_share": 0.05,
                "seed": 12,
            },
            "7e83cd122e2f775c031649962f9e723fb2e72a1573fe49e0a807faa39c69b85b",
        ),
        # notebook 01's first pull (xplab.exercises.nb01.FIRST_PULL)
        (
            {
                "n_users": 60_000,
                "lift": 0.03,
                "new_user_lift": 0.08,
                "srm_drop": 0.05,
                "bot_share": 0.01,
                "seed": 2027,
            },
            "0d78558190973697112cc0bc7bd77202127c0d0ffe04e1850e0e41623c200b3a",
        ),
    ],
)
def test_default_output_is_pinned(kwargs, checksum):
    frame = simulate_button_test(**kwargs)
    assert hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest() == checksum


def test_explicit_defaults_of_the_opt_in_options_change_nothing():
    default = simulate_button_test(3000, srm_drop=0.1, bot_share=0.02, seed=5)
    explicit = simulate_button_test(
        3000,
        srm_drop=0.1,
        bot_share=0.02,
        seed=5,
        srm_mode="random",
        days=None,
        novelty=0.0,
        novelty_half_life=3.0,
        daily=False,
    )
    assert default.equals(explicit)


def _clicked_gap(df):
    rate = df.groupby("variant")["clicked"].mean()
    return rate["treatment"] - rate["control"]


def test_a_loss_on_click_biases_the_naive_lift_and_a_random_loss_does_not():
    kwargs = {"n_users": 40_000, "lift": 0.0, "seed": 6}
    full = simulate_button_test(**kwargs)
    treated = (full["variant"] == "treatment").sum()
    for mode in ("random", "on_click"):
        df = simulate_button_test(**kwargs, srm_drop=0.05, srm_mode=mode)
        lost = full[~full["user_id"].isin(df["user_id"])]
        assert (lost["variant"] == "treatment").all()
        assert len(lost) / treated == pytest.approx(0.05, abs=0.006)
        if mode == "random":
            # the survivors are a random sample: no bias beyond noise (SE ≈ 0.004)
            assert abs(_clicked_gap(df)) < 0.012
            assert lost["clicked"].mean() == pytest.approx(full["clicked"].mean(), abs=0.03)
        else:
            # only clickers are lost, the heavy ones most often
            assert lost["clicked"].all()
            assert lost["clicks"].mean() > 1.3 * full.loc[full["clicked"] == 1, "clicks"].mean()
            assert _clicked_gap(df) < -0.03


def test_on_click_loss_needs_enough_clickers():
    with pytest.raises(ValueError, match=r"needs more than that share of treatment users to cl"):
        simulate_button_test(2000, srm_drop=0.5, srm_mode="on_click", seed=1)


def test_exposure_days_and_the_daily_log_add_up():
    kwargs = {"n_users": 4000, "days": 7, "srm_drop": 0.05, "srm_mode": "on_click", "seed": 7}
    users = simulate_button_test(**kwargs, bot_share=0.02)
    log = simulate_button_test(**kwargs, bot_share=0.02, daily=True)
    assert list(users.columns)[-1] == "first_day"
    assert users["first_day"].between(1, 7).all()
    assert set(users["first_day"]) == set(range(1, 8))
    totals = log.groupby("user_id")[["impressions", "clicks"]].sum()
    per_user = users.set_index("user_id")[["impressions", "clicks"]]
    assert totals.sort_index().equals(per_user.sort_index())
    assert (log.groupby("user_id")["day"].min() == users.set_index("user_id")["first_day"]).all()
    assert (log["days_since_exposure"] == log["day"] - log["first_day"]).all()
    assert log["day"].between(1, 7).all() and (log["impressions"] >= 1).all()
    assert (log["clicks"] <= log["impressions"]).all()
    assert log.loc[log["is_bot"], "clicks"].sum() == 0


def _lift_by_age(log, ages):
    rows = log[log["days_since_exposure"].isin(ages)]
    sums = rows.groupby("variant")[["clicks", "impressions"]].sum()
    ctr = sums["clicks"] / sums["impressions"]
    return ctr["treatment"] / ctr["control"] - 1


def test_novelty_makes_early_exposure_effects_larger():
    kwargs = {"n_users": 30_000, "lift": 0.05, "days": 14, "daily": True, "seed": 8}
    flat = simulate_button_test(**kwargs)
    novel = simulate_button_test(**kwargs, novelty=0.6, novelty_half_life=1.0)
    primacy = simulate_button_test(**kwargs, novelty=-0.3, novelty_half_life=2.0)
    early, late = [0], range(7, 14)
    assert _lift_by_age(novel, early) > _lift_by_age(novel, late) + 0.3
    assert _lift_by_age(primacy, early) < _lift_by_age(primacy, late) - 0.15
    # With one seed the three runs share users, days and uniform draws and differ
    # only in the treatment's click thresholds, so their ratio isolates the novelty
    # factor (1 + L + ν·2^(−a/h)) / (1 + L): 1.65 / 1.05 on day 0, ~1 from day 7.
    ratio = (1 + _lift_by_age(novel, early)) / (1 + _lift_by_age(flat, early))
    assert ratio == pytest.approx(1.65 / 1.05, abs=0.05)
    ratio = (1 + _lift_by_age(novel, late)) / (1 + _lift_by_age(flat, late))
    assert ratio == pytest.approx(1.0, abs=0.02)
    ratio = (1 + _lift_by_age(primacy, early)) / (1 + _lift_by_age(flat, early))
    assert ratio == pytest.approx(0.75 / 1.05, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"srm_mode": "crash"}, ValueError, r"srm_mode must be one of \('random', 'on_click'\)"),
        ({"srm_mode": None}, ValueError, r"srm_mode must be one of"),
        ({"days": 0}, ValueError, r"days must be >= 1"),
        ({"days": 2.5}, ValueError, r"days must be a whole number"),
        ({"days": True}, ValueError, r"days must be a whole number"),
        ({"novelty": 0.2}, ValueError, r"novelty needs an exposure-day dimension: give days="),
        ({"daily": True}, ValueError, r"daily needs an exposure-day dimension"),
        ({"days": 7, "daily": 1}, TypeError, r"daily must be True or False"),
        ({"days": 7, "novelty": "big"}, ValueError, r"novelty must be a real number"),
        ({"days": 7, "novelty": float("nan")}, ValueError, r"novelty must be finite"),
        ({"days": 7, "novelty": 30.0}, ValueError, r"novelty=30.0 with lift=0.0 moves"),
        ({"days": 7, "novelty": -1.0}, ValueError, r"to 0 on the first day, outside \(0, 1\)"),
        ({"days": 7, "novelty_half_life": 0}, ValueError, r"novelty_half_life must be > 0"),
        ({"experiment": None}, TypeError, r"experiment must be a string"),
        ({"experiment": ""}, ValueError, r"experiment must be a non-empty string"),
    ],
)
def test_bad_opt_in_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        simulate_button_test(100, **kwargs)


def test_orders_revenue_and_page_load_are_opt_in_and_leave_the_rest_unchanged():
    kwargs = {"n_users": 20_000, "lift": 0.05, "srm_drop": 0.02, "bot_share": 0.01, "seed": 9}
    plain = simulate_button_test(**kwargs)
    shop = simulate_button_test(
        **kwargs,
        purchase_rate=0.3,
        order_value=40,
        order_value_lift=-0.1,
        page_load_ms=900,
        page_load_shift_ms=60,
    )
    assert shop[plain.columns].equals(plain)
    assert list(shop.columns[-3:]) == ["orders", "revenue", "page_load_ms"]
    assert (shop["orders"] <= shop["clicks"]).all()
    assert ((shop["revenue"] > 0) == (shop["orders"] > 0)).all()
    assert shop.loc[shop["is_bot"], "revenue"].sum() == 0
    # orders ~ Binomial(clicks, 0.3): the share of clicks that convert is near 0.3
    assert shop["orders"].sum() / shop["clicks"].sum() == pytest.approx(0.3, abs=0.01)
    arms = shop.groupby("variant")[["revenue", "orders"]].sum()
    aov = arms["revenue"] / arms["orders"]
    # Gamma order values with mean 40 (control) and 36 (treatment), CV 0.5:
    # SE of each AOV ≈ 0.5 · 40 / √(orders) ≈ 0.4 with ~2,500 orders per arm
    assert aov["control"] == pytest.approx(40, abs=1.6)
    assert aov["treatment"] == pytest.approx(36, abs=1.6)
    load = shop.groupby("variant")["page_load_ms"].mean()
    # per-user mean load time Gamma(4, mean/4): SD 450 ms, SE ≈ 4.5 ms per arm
    assert load["control"] == pytest.approx(900, abs=20)
    assert load["treatment"] == pytest.approx(960, abs=20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"purchase_rate": 0}, r"purchase_rate must be in \(0, 1\]"),
        ({"purchase_rate": 1.5}, r"purchase_rate"),
        ({"purchase_rate": 0.3, "order_value": 0}, r"order_value must be > 0"),
        ({"order_value_lift": -1.0}, r"order_value_lift must be > -1"),
        ({"page_load_ms": -5}, r"page_load_ms must be > 0"),
        ({"page_load_ms": 100, "page_load_shift_ms": -100}, r"page_load_ms \+ page_load_shift_ms"),
        ({"purchase_rate": 0.3, "days": 7, "daily": True}, r"cannot be combined with daily=True"),
        ({"page_load_ms": 900, "days": 7, "daily": True}, r"page_load_ms adds per-user columns"),
    ],
)
def test_bad_shop_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_button_test(100, **kwargs)
