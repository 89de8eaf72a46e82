"""The vectorised TWFE core used by the benchmarks, against pyfixest."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from xplab.quasi._fast import twfe_balanced

# pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1 (its code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


@pytest.mark.parametrize(("n_units", "n_periods", "seed"), [(5, 3, 0), (12, 9, 1), (40, 20, 2)])
def test_matches_pyfixest(n_units, n_periods, seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(n_units, n_periods)).cumsum(axis=1)
    d = np.zeros((n_units, n_periods))
    for i in range(n_units // 2):
        d[i, rng.integers(1, n_periods) :] = 1
    df = pd.DataFrame(
        {
            "y": y.ravel(),
            "d": d.ravel(),
            "u": np.repeat(np.arange(n_units), n_periods),
            "t": np.tile(np.arange(n_periods), n_units),
        }
    )
    ref = pf.feols("y ~ d | u + t", data=df, vcov={"CRV1": "u"})
    fast = twfe_balanced(y, d)
    assert fast.estimate == pytest.approx(ref.coef()["d"], abs=1e-10)
    assert fast.se == pytest.approx(ref.se()["d"], abs=1e-10)
    ref.vcov("iid")
    assert fast.se_iid == pytest.approx(ref.se()["d"], abs=1e-10)


def test_vectorised_over_panels():
    rng = np.random.default_rng(4)
    y = rng.normal(size=(3, 8, 5))
    d = (rng.random((3, 8, 5)) < 0.5).astype(float)
    stacked = twfe_balanced(y, d)
    for k in range(3):
        one = twfe_balanced(y[k], d[k])
        assert stacked.estimate[k] == pytest.approx(one.estimate)
        assert stacked.se[k] == pytest.approx(one.se)
