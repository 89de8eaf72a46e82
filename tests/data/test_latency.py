"""The latency-rollout simulator: shape, reproducibility, the planted truth."""

import numpy as np
import pytest

from xplab.data import simulate_latency_rollout


def test_shape_and_reproducible():
    a = simulate_latency_rollout(
        n_regions=12, n_days=20, rollout_days=(8, 12), n_never_treated=4, seed=3
    )
    b = simulate_latency_rollout(
        n_regions=12, n_days=20, rollout_days=(8, 12), n_never_treated=4, seed=3
    )
    assert a.shape == (240, 11)
    assert a.equals(b)
    first = a.groupby("region")["first_treated"].first()
    assert first.isna().sum() == 4
    assert sorted(first.dropna().unique()) == [8.0, 12.0]
    assert (a["treated"] == (a["day"] >= a["first_treated"])).all()
    assert (a["orders"] <= a["sessions"]).all()
    assert np.allclose(a["conversion"], a["orders"] / a["sessions"])


def test_effect_and_growth_are_planted():
    df = simulate_latency_rollout(effect=0.002, effect_growth=0.001, seed=1)
    treated = df[df["treated"] == 1]
    since = treated["day"] - treated["first_treated"]
    assert np.allclose(treated["true_effect"], 0.002 + 0.001 * since / 7)
    assert (df.loc[df["treated"] == 0, "true_effect"] == 0).all()


def test_improving_region_has_a_trend():
    kw = dict(
        n_regions=10,
        n_days=30,
        rollout_days=(15,),
        n_never_treated=5,
        seed=7,
        day_sd=0.0,
        weekly_amplitude=0.0,
        noise_sd=0.0,
        effect=0.0,
    )
    flat = simulate_latency_rollout(**kw)
    tilted = simulate_latency_rollout(**kw, improving_region_trend=0.0001)
    gap = (tilted["p"] - flat["p"]).to_numpy().reshape(10, 30)
    moved = np.flatnonzero(np.abs(gap).sum(axis=1) > 0)
    assert len(moved) == 1
    assert np.allclose(gap[moved[0]], 0.0001 * (np.arange(30) - 15))
    assert flat.groupby("region")["first_treated"].first().iloc[moved[0]] == 15


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(rollout_days=(60,)), "rollout_days must be < n_days"),
        (dict(n_never_treated=40), "n_never_treated"),
        (dict(noise_autocorrelation=1.0), "noise_autocorrelation"),
        (dict(effect=0.99), "outside \\(0, 1\\)"),
        (dict(region_sd=-1.0), "region_sd must be >= 0"),
        (dict(seed="x"), "seed"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_latency_rollout(**kwargs)
