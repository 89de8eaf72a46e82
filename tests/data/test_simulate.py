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
