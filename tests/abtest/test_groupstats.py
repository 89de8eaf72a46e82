import numpy as np
import pytest

from xplab.abtest import GroupStats


def rel_close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b))


def test_partitions_add_up_to_the_whole_at_large_mean():
    # 10⁷ values with mean 10⁶: raw sums of squares would lose ~12 digits here
    y = 1e6 + np.random.default_rng(11).standard_normal(10_000_000)
    whole = GroupStats.from_arrays(y)
    combined = sum(GroupStats.from_arrays(p) for p in np.array_split(y, 10))
    assert combined.n == whole.n
    assert rel_close(combined.mean, whole.mean) and rel_close(combined.m2, whole.m2)


def test_partitions_with_covariate_and_denominator():
    rng = np.random.default_rng(12)
    y = 1e6 + rng.standard_normal(100_000)
    x, d = 0.5 * y + rng.standard_normal(y.size), rng.poisson(3, y.size) + 1.0
    whole = GroupStats.from_arrays(y, covariate=x, denominator=d)
    parts = [
        GroupStats.from_arrays(p, covariate=q, denominator=r)
        for p, q, r in zip(*(np.array_split(v, 7) for v in (y, x, d)), strict=True)
    ]
    combined = GroupStats.combine(parts)
    assert combined == sum(parts) and combined.n == whole.n
    for name in ("mean", "m2", "covariate_mean", "covariate_m2", "denominator_mean"):
        assert rel_close(getattr(combined, name), getattr(whole, name)), name
    # a cross product near 0 is compared on the scale of its two spreads (a correlation)
    spreads = {"": whole.m2, "covariate": whole.covariate_m2, "denominator": whole.denominator_m2}
    for name, a, b in (
        ("comoment", "", "covariate"),
        ("denominator_comoment", "", "denominator"),
        ("covariate_denominator_comoment", "covariate", "denominator"),
    ):
        scale = np.sqrt(spreads[a] * spreads[b])
        assert abs(getattr(combined, name) - getattr(whole, name)) <= 1e-12 * scale, name


def test_from_sums_equals_from_arrays():
    rng = np.random.default_rng(5)
    y, x, d = rng.normal(3, 1, 500), rng.normal(1, 2, 500), rng.poisson(4, 500) + 1.0
    a = GroupStats.from_arrays(y, covariate=x, denominator=d)
    b = GroupStats.from_sums(
        500,
        y.sum(),
        (y * y).sum(),
        covariate_sum=x.sum(),
        covariate_sum_squares=(x * x).sum(),
        sum_products=(y * x).sum(),
        denominator_sum=d.sum(),
        denominator_sum_squares=(d * d).sum(),
        denominator_sum_products=(y * d).sum(),
        covariate_denominator_sum_products=(x * d).sum(),
    )
    for f in (
        "mean",
        "m2",
        "covariate_mean",
        "covariate_m2",
        "comoment",
        "denominator_mean",
        "denominator_m2",
        "denominator_comoment",
        "covariate_denominator_comoment",
    ):
        assert getattr(b, f) == pytest.approx(getattr(a, f), rel=1e-10), f


def test_constant_values_have_exactly_zero_spread():
    # np.mean([0.1] * 3) is 0.10000000000000002; the summary must not invent variance
    g = GroupStats.from_arrays([0.1, 0.1, 0.1])
    assert g.mean == 0.1 and g.m2 == 0.0


def test_huge_values_raise_a_clear_error_instead_of_inf():
    assert GroupStats.from_arrays([1e308, 1e308]).mean == 1e308
    with pytest.raises(ValueError, match=r"y: the sum of squared deviations overflows"):
        GroupStats.from_arrays([1e308, -1e308])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: GroupStats.from_arrays([1.0, 2.0], covariate=[1.0]), r"covariate must have one"),
        (lambda: GroupStats.from_arrays([True, None]), r"y must hold only real numbers"),
        (lambda: GroupStats.from_arrays(["1", "2"]), r"y must be an array of numbers"),
        (lambda: GroupStats.from_counts(11, 10), r"successes \(11\) exceeds n \(10\)"),
        (lambda: GroupStats.from_sums(10, 5.0, 3.0, covariate_sum=1.0), r"a covariate needs"),
        (lambda: GroupStats(n=3, mean=1.0, m2=-1.0), r"m2 must be >= 0"),
        (lambda: GroupStats(n=3, mean=1.0, m2=1.0, binary=1), r"binary must be True or False"),
        (lambda: GroupStats.combine([]), r"parts must be a non-empty iterable"),
        (
            lambda: (
                GroupStats.from_arrays([1.0, 2.0]) + GroupStats.from_arrays([1.0], covariate=[2.0])
            ),
            r"cannot add GroupStats with and without a covariate",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_boolean_outcomes_are_zero_one_data():
    # a boolean column ("converted") is the natural form of a 0/1 metric
    flags = GroupStats.from_arrays(np.array([True, False, True, True]))
    assert flags == GroupStats.from_arrays([1.0, 0.0, 1.0, 1.0])
    assert flags.binary
