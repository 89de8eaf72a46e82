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
