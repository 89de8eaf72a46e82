import pandas as pd
import pytest

from xplab import abtest


def _frame():
    return pd.DataFrame(
        {
            "variant": ["control", "treatment"] * 5,
            "segment": ["new"] * 4 + ["returning"] * 6,
            "clicked": [1, 1, 0, 1, 0, 0, 1, 1, 0, 1],
        }
    )


def test_arm_counts_in_proportion_test_order():
    counts = abtest.arm_counts(_frame(), "clicked")
    assert tuple(counts) == (2, 5, 4, 5)
    assert abtest.proportion_test(*counts) == abtest.proportion_test(2, 5, 4, 5)
    assert "n_c=5" in repr(counts)
    flags = _frame().assign(clicked=_frame()["clicked"].astype(bool))
    assert tuple(abtest.arm_counts(flags, "clicked")) == (2, 5, 4, 5)


def test_segment_tests_match_one_test_per_segment():
    df = _frame()
    table = abtest.segment_proportion_tests(df, "clicked", "segment")
    assert list(table.index) == ["new", "returning"]
    for seg in ("new", "returning"):
        one = abtest.proportion_test(*abtest.arm_counts(df[df["segment"] == seg], "clicked"))
        assert table.loc[seg, "p_value"] == one.p_value
        assert table.loc[seg, "estimate"] == one.estimate


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"outcome": "nope"}, ValueError, "outcome='nope' is not a column"),
        ({"outcome": "segment"}, ValueError, "must hold only 0/1"),
        ({"outcome": "clicked", "treatment": "B"}, ValueError, "treatment='B' does not occur"),
        ({"outcome": 3}, TypeError, "outcome must be a column name"),
    ],
)
def test_arm_counts_rejects_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        abtest.arm_counts(_frame(), **kwargs)
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        abtest.arm_counts([1, 2], "clicked")  # type: ignore[arg-type]
