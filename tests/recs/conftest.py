import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def ratings():
    """A small random rating table: 60 users, 40 items, about 30 % dense."""
    rng = np.random.default_rng(0)
    mask = rng.random((60, 40)) < 0.3
    users, items = np.nonzero(mask)
    taste = rng.normal(size=(60, 3)) @ rng.normal(size=(3, 40))
    rating = np.clip(np.round(3 + taste[users, items] + rng.normal(0, 0.5, users.size)), 1, 5)
    return pd.DataFrame(
        {
            "user_id": users + 100,
            "item_id": items + 1000,
            "rating": rating.astype(int),
            "timestamp": rng.integers(0, 10_000, users.size),
        }
    )


@pytest.fixture
def articles():
    """Nine short news articles in three topics; s1 and s2 are one story twice."""
    rows = [
        ("s1", "sport", "Cup final", "a late goal wins the cup final for the home side"),
        ("s2", "sport", "Cup final", "a late goal wins the cup final for the home side"),  # dup
        ("s3", "sport", "Replay set", "the cup replay follows a draw and a missed penalty"),
        ("s4", "sport", "Coach quits", "the coach quits after the league defeat and a goal"),
        ("b1", "business", "Rates rise", "the bank raises interest rates as inflation grows"),
        ("b2", "business", "Shares fall", "shares fall as the bank warns on inflation and rates"),
        ("b3", "business", "Profits up", "company profits rise on strong sales and exports"),
        ("t1", "tech", "New phone", "the phone maker shows a new screen and faster chip"),
        ("t2", "tech", "Chip deal", "a chip maker signs a deal for phone screen parts"),
    ]
    return pd.DataFrame(rows, columns=["article_id", "category", "title", "body"])
