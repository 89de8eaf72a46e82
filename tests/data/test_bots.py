import pandas as pd
import pytest

from xplab.data import simulate_button_test, suspected_bots


def test_rule_is_impressions_per_session_at_or_above_threshold():
    df = pd.DataFrame(
        {"impressions": [6, 45, 20, 19], "sessions": [3, 1, 1, 1]}, index=[5, 6, 7, 8]
    )
    flags = suspected_bots(df)
    assert flags.tolist() == [False, True, True, False]
    assert flags.name == "suspected_bot" and list(flags.index) == [5, 6, 7, 8]
    assert suspected_bots(df, threshold=2).tolist() == [True, True, True, True]


def test_finds_the_simulated_bots():
    df = simulate_button_test(n_users=5_000, bot_share=0.02, seed=1)
    assert (suspected_bots(df) == df["is_bot"]).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"threshold": 0}, ValueError, "threshold must be a finite number > 0"),
        ({"threshold": True}, TypeError, "threshold must be a number"),
        ({"sessions": "visits"}, ValueError, "sessions='visits' is not a column"),
    ],
)
def test_bad_input(kwargs, error, message):
    df = pd.DataFrame({"impressions": [1], "sessions": [1]})
    with pytest.raises(error, match=message):
        suspected_bots(df, **kwargs)
    with pytest.raises(ValueError, match="must be > 0 for every user"):
        suspected_bots(pd.DataFrame({"impressions": [1], "sessions": [0]}))
