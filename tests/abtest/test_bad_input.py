"""Bad input across the public API: every argument of every public callable,
replaced by each bad value of its kind, gives a ValueError or TypeError whose
message names the argument.

Table-driven so it extends to other modules: add a row to ``SPECS`` (a valid
call and the kind of each argument); a public callable without a row fails
``test_every_public_callable_has_a_row``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from xplab import abtest
from xplab.abtest import GroupStats

COUNT, REAL, ARRAY, FLAG, CHOICE, PAIR = "count", "real", "array", "flag", "choice", "pair"

# what each kind of argument must refuse; the valid value is substituted by these
BAD: dict[str, dict[str, Any]] = {
    COUNT: {
        "numeric string": "10",
        "boolean": True,
        "NaN": float("nan"),
        "inf": float("inf"),
        "None": None,
        "fraction": 2.5,
        "negative": -3,
    },
    REAL: {
        "numeric string": "0.1",
        "boolean": True,
        "NaN": float("nan"),
        "inf": float("inf"),
        "None": None,
    },
    ARRAY: {
        "numeric strings": ["1", "2", "3", "4"],
        "NaN": [1.0, float("nan"), 2.0, 3.0],
        "inf": [1.0, float("inf"), 2.0, 3.0],
        "None": None,
        "None inside": [1.0, None, 2.0, 3.0],
        "string": "1234",
        "2-D": [[1.0, 2.0], [3.0, 4.0]],
    },
    FLAG: {"int 1": 1, "string": "False", "None": None, "float": 1.0},
    CHOICE: {"unknown": "greater", "None": None, "int": 1, "list": ["two-sided"]},
    PAIR: {
        "None": None,
        "scalar": 1.0,
        "triple": (1, 1, 1),
        "strings": ("1", "1"),
        "booleans": (True, True),
    },
}


@dataclass
class Spec:
    call: Callable[..., Any]
    valid: dict[str, Any]
    kinds: dict[str, str]
    # arrays that must match in length: (first, second)
    paired: list[tuple[str, str]] = field(default_factory=list)
    # extra bad values of some arguments (e.g. a probability above 1)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    # arguments for which None is valid (it means "not given")
    optional: tuple[str, ...] = ()


X = [1.0, 2.0, 4.0, 3.0]
SPECS: dict[str, Spec] = {
    "proportion_test": Spec(
        abtest.proportion_test,
        {
            "successes_c": 10,
            "n_c": 100,
            "successes_t": 15,
            "n_t": 100,
            "alpha": 0.05,
            "alternative": "two-sided",
        },
        {
            "successes_c": COUNT,
            "n_c": COUNT,
            "successes_t": COUNT,
            "n_t": COUNT,
            "alpha": REAL,
            "alternative": CHOICE,
        },
    ),
    "mean_test": Spec(
        abtest.mean_test,
        {"x_c": X, "x_t": [2.0, 3.0, 5.0, 4.0], "alpha": 0.05, "alternative": "two-sided"},
        {"x_c": ARRAY, "x_t": ARRAY, "alpha": REAL, "alternative": CHOICE},
    ),
    "ratio_test": Spec(
        abtest.ratio_test,
        {
            "num_c": X,
            "den_c": [3.0, 4.0, 6.0, 5.0],
            "num_t": [2.0, 2.0, 5.0, 3.0],
            "den_t": [3.0, 4.0, 7.0, 5.0],
        },
        {
            "num_c": ARRAY,
            "den_c": ARRAY,
            "num_t": ARRAY,
            "den_t": ARRAY,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        paired=[("num_c", "den_c"), ("num_t", "den_t")],
    ),
    "sample_size_proportions": Spec(
        abtest.sample_size_proportions,
        {
            "baseline_rate": 0.1,
            "mde": 0.02,
            "alpha": 0.05,
            "power": 0.8,
            "relative": False,
            "ratio": 1.0,
        },
        {
            "baseline_rate": REAL,
            "mde": REAL,
            "alpha": REAL,
            "power": REAL,
            "relative": FLAG,
            "ratio": REAL,
            "alternative": CHOICE,
        },
        extra={"baseline_rate": {"above 1": 1.5}, "power": {"at alpha": 0.05}},
    ),
    "power_proportions": Spec(
        abtest.power_proportions,
        {"baseline_rate": 0.1, "mde": 0.02, "n_per_group": 1000, "relative": False},
        {
            "baseline_rate": REAL,
            "mde": REAL,
            "n_per_group": REAL,
            "alpha": REAL,
            "relative": FLAG,
            "ratio": REAL,
            "alternative": CHOICE,
        },
        extra={"n_per_group": {"array of strings": ["100", "200"], "booleans": [True, True]}},
    ),
    "mde_proportions": Spec(
        abtest.mde_proportions,
        {"baseline_rate": 0.1, "n_per_group": 1000, "power": 0.8, "relative": True},
        {
            "baseline_rate": REAL,
            "n_per_group": REAL,
            "alpha": REAL,
            "power": REAL,
            "relative": FLAG,
            "ratio": REAL,
            "alternative": CHOICE,
        },
    ),
    "srm_test": Spec(
        abtest.srm_test,
        {"observed_counts": [500, 520], "expected_ratios": [0.5, 0.5], "threshold": 0.001},
        {"observed_counts": ARRAY, "expected_ratios": ARRAY, "threshold": REAL},
        paired=[("observed_counts", "expected_ratios")],
    ),
    "bayes_proportions": Spec(
        abtest.bayes_proportions,
        {
            "successes_c": 10,
            "n_c": 100,
            "successes_t": 12,
            "n_t": 100,
            "prior": (1, 1),
            "credible_level": 0.95,
            "draws": 1000,
            "seed": 1,
        },
        {
            "successes_c": COUNT,
            "n_c": COUNT,
            "successes_t": COUNT,
            "n_t": COUNT,
            "prior": PAIR,
            "credible_level": REAL,
            "draws": COUNT,
            "seed": COUNT,
        },
        optional=("seed",),  # None: fresh entropy
    ),
    "adjust_pvalues": Spec(
        abtest.adjust_pvalues,
        {"p_values": [0.01, 0.04, 0.03], "alpha": 0.05, "method": "holm"},
        {"p_values": ARRAY, "alpha": REAL, "method": CHOICE},
        extra={"p_values": {"above 1": [0.1, 1.5]}},
    ),
    "heterogeneity_test": Spec(
        abtest.heterogeneity_test,
        {"estimates": [0.01, 0.02, 0.015], "standard_errors": [0.005, 0.004, 0.006], "alpha": 0.05},
        {"estimates": ARRAY, "standard_errors": ARRAY, "alpha": REAL},
        paired=[("estimates", "standard_errors")],
    ),
    "GroupStats.from_arrays": Spec(
        GroupStats.from_arrays,
        {"y": X, "covariate": [0.5, 1.0, 1.5, 2.0], "denominator": [3.0, 4.0, 6.0, 5.0]},
        {"y": ARRAY, "covariate": ARRAY, "denominator": ARRAY},
        paired=[("y", "covariate"), ("y", "denominator")],
        optional=("covariate", "denominator"),
    ),
    "GroupStats.from_counts": Spec(
        GroupStats.from_counts, {"successes": 10, "n": 100}, {"successes": COUNT, "n": COUNT}
    ),
    "GroupStats.from_sums": Spec(
        GroupStats.from_sums,
        {"n": 10, "sum": 20.0, "sum_squares": 50.0},
        {"n": COUNT, "sum": REAL, "sum_squares": REAL},
    ),
    "GroupStats": Spec(
        GroupStats,
        {"n": 10, "mean": 2.0, "m2": 5.0, "binary": False},
        {"n": COUNT, "mean": REAL, "m2": REAL, "binary": FLAG},
    ),
}
# public names that are not called with user data, and why
NOT_CALLED = {
    "AdjustedPValues": "result class, built by adjust_pvalues",
    "BayesResult": "result class",
    "HeterogeneityResult": "result class",
    "MeanTestResult": "result class",
    "ProportionTestResult": "result class",
    "RatioTestResult": "result class",
    "SRMResult": "result class",
    "SmallSampleWarning": "warning class",
}
# valid values where a spec leaves an option at its default
DEFAULTS = {
    "alpha": 0.05,
    "alternative": "two-sided",
    "method": "holm",
    "relative": False,
    "ratio": 1.0,
}


def cases() -> list[tuple[str, str, str, Any]]:
    out = []
    for fname, spec in SPECS.items():
        for arg, kind in spec.kinds.items():
            bad = {**BAD[kind], **spec.extra.get(arg, {})}
            if arg in spec.optional:
                bad = {k: v for k, v in bad.items() if k != "None"}
            for label, value in bad.items():
                out.append((fname, arg, label, value))
        for _, second in spec.paired:
            out.append((fname, second, "wrong length", "drop one"))
    return out


CASES = cases()


def test_every_public_callable_has_a_row():
    public = set(abtest.__all__)
    covered = {name.split(".")[0] for name in SPECS} | set(NOT_CALLED)
    assert public <= covered, f"add a row for {sorted(public - covered)}"
    assert set(NOT_CALLED) <= public


@pytest.mark.parametrize("fname", list(SPECS))
def test_the_valid_call_works(fname):
    spec = SPECS[fname]
    spec.call(**spec.valid)


@pytest.mark.parametrize(
    ("fname", "arg", "label", "value"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_bad_input_is_rejected_naming_the_argument(fname, arg, label, value):
    spec = SPECS[fname]
    kwargs = dict(spec.valid)
    if arg not in kwargs:
        kwargs[arg] = DEFAULTS[arg]
    kwargs[arg] = kwargs[arg][:-1] if label == "wrong length" else value
    with pytest.raises((ValueError, TypeError)) as info:
        spec.call(**kwargs)
    assert re.search(rf"(?<![\w])({re.escape(arg)})(?![\w])", str(info.value)), (
        f"{fname}({arg}={value!r}) raised {info.type.__name__}: {info.value}"
    )


def test_tally():
    # the count the closing note reports: every case above is a clear rejection
    assert len(CASES) > 150
