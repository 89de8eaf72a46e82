"""One argument vocabulary across xplab.abtest: the same options, checked the same way."""

import numpy as np
import pytest

from xplab import abtest

X = np.array([1.0, 2.0, 4.0, 3.0])
CALLS = {
    "proportion_test": lambda **kw: abtest.proportion_test(10, 100, 15, 100, **kw),
    "mean_test": lambda **kw: abtest.mean_test(X, X + 1, **kw),
    "ratio_test": lambda **kw: abtest.ratio_test(X, X + 2, X + 1, X + 2, **kw),
    "sample_size_proportions": lambda **kw: abtest.sample_size_proportions(0.1, 0.02, **kw),
    "power_proportions": lambda **kw: abtest.power_proportions(0.1, 0.02, 1000, **kw),
    "mde_proportions": lambda **kw: abtest.mde_proportions(0.1, 1000, **kw),
}


@pytest.mark.parametrize("name", CALLS)
def test_alternative_and_alpha_are_checked_alike(name):
    call = CALLS[name]
    with pytest.raises(ValueError, match=r"alternative must be one of \('two-sided', 'larger'"):
        call(alternative="greater")
    with pytest.raises(ValueError, match=r"alpha must be strictly between 0 and 1, got 1.5"):
        call(alpha=1.5)
    for alternative in ("two-sided", "larger", "smaller"):
        call(alternative=alternative, alpha=0.1)


@pytest.mark.parametrize("name", ["proportion_test", "mean_test", "ratio_test"])
def test_one_sided_interval_matches_the_test(name):
    # 'larger' rejects exactly when the lower bound of its (1 − α) interval is above 0
    call = CALLS[name]
    larger, smaller = call(alternative="larger", alpha=0.1), call(alternative="smaller", alpha=0.1)
    assert larger.ci[1] == np.inf and smaller.ci[0] == -np.inf
    assert (larger.ci[0] > 0) == (larger.p_value < 0.1)
    assert larger.p_value + smaller.p_value == pytest.approx(1)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        abtest.proportion_test(10, 100, 15, 100, 0.05)  # type: ignore[misc]
    with pytest.raises(TypeError):
        abtest.mean_test(X, X, 0.05)  # type: ignore[misc]
