"""Bad input across the whole public API.

Every public callable of every module has a row in its module's table (a valid
call and the kind of each argument); each bad value of each kind must give a
``ValueError`` or ``TypeError`` whose message names the argument. A public name
without a row fails the guard test of its module.

``python tests/test_bad_input.py`` prints the tally (tried / rejected clearly).
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

sys.path.insert(0, str(Path(__file__).parent))  # the shared helper, also when run as a script

import duckdb
from bad_input import (
    ARRAY,
    CHOICE,
    COLUMN,
    COUNT,
    FLAG,
    FRAME,
    NAMES,
    OTHER,
    PAIR,
    REAL,
    SEED,
    TEXT,
    Case,
    Spec,
    cases,
    outcome,
    stale,
    uncovered,
)

import xplab.assign
import xplab.framework
import xplab.longterm
import xplab.progress
import xplab.rollout
from xplab import (
    abtest,
    bandits,
    calculators,
    data,
    privacy,
    quasi,
    recs,
    segments,
    serving,
    warehouse,
    workbook,
)
from xplab.abtest import GroupStats
from xplab.assign import Layer
from xplab.rollout import RampPlan, RampStep, TrafficPlan
from xplab.warehouse import Agg, Metric, MetricCatalog

# ============================================================================= xplab.abtest

X = [1.0, 2.0, 4.0, 3.0]
# expected cell counts >= 5 in each segment, so no small-sample warning
ARMS = pd.DataFrame(
    {
        "variant": ["control", "treatment"] * 60,
        "segment": ["new"] * 60 + ["returning"] * 60,
        "clicked": [0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1] * 10,
    }
)
_C = [0.2, -0.5, 1.1, 0.4, -0.3, 0.9, 0.0, 0.6, -1.2, 0.3]
_T = [0.5, 0.1, 1.4, 0.2, 0.8, -0.1, 1.0, 0.7, 0.4, 1.3]
_CUPED_C = GroupStats.from_arrays([2.0, 3.5, 1.0, 4.0, 2.5], covariate=[1.0, 3.0, 0.5, 3.5, 2.0])
_CUPED_T = GroupStats.from_arrays([3.0, 4.0, 2.5, 5.5, 3.0], covariate=[1.5, 3.0, 1.0, 4.0, 2.0])
_CUPED_X = np.random.default_rng(7).normal(10.0, 2.0, (2, 200))
_CUPED_Y = _CUPED_X + np.random.default_rng(8).normal(0.0, 1.0, (2, 200))
_CUPED_BIG = [
    GroupStats.from_arrays(y, covariate=x) for y, x in zip(_CUPED_Y, _CUPED_X, strict=True)
]
_NI_C = GroupStats.from_counts(495, 500)
_NI_T = GroupStats.from_counts(494, 500)
_PRIMARY = abtest.proportion_test(400, 1000, 440, 1000)
_GUARD = abtest.noninferiority_test(_NI_C, _NI_T, margin=0.02, higher_is_better=True)
_PLAN = {
    "hypothesis": "Personalised headlines raise reading time",
    "primary_metric": "engagement per user",
    "baseline": 100.0,
    "mde": 1.0,
    "sample_size_per_arm": 6280,
    "daily_traffic": 1000,
    "duration_days": 14,
    "stopping_rule": "fixed horizon",
    "decision_rule": "ship if significant",
    "guardrails": ("MAU",),
    "metric_type": "mean",
    "standard_deviation": 20.0,
    "alpha": 0.05,
    "power": 0.8,
    "alternative": "two-sided",
}
NOT_A_STATS = {"None": None, "array": [1.0, 2.0, 3.0], "number": 3.0, "string": "stats"}

ABTEST: dict[str, Spec] = {
    "proportion_test": Spec(
        abtest.proportion_test,
        {"successes_c": 10, "n_c": 100, "successes_t": 15, "n_t": 100, "alpha": 0.05},
        {
            "successes_c": COUNT,
            "n_c": COUNT,
            "successes_t": COUNT,
            "n_t": COUNT,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        extra={"successes_t": {"above n_t": 101}, "alpha": {"above 1": 1.5}},
    ),
    "mean_test": Spec(
        abtest.mean_test,
        {"x_c": X, "x_t": [2.0, 3.0, 5.0, 4.0], "alpha": 0.05},
        {"x_c": ARRAY, "x_t": ARRAY, "alpha": REAL, "alternative": CHOICE},
        extra={"x_c": {"one value": [1.0]}},
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
        {"baseline_rate": 0.1, "mde": 0.02, "power": 0.8, "relative": False, "ratio": 1.0},
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
    "power_means": Spec(
        abtest.power_means,
        {"mde": 0.1, "standard_deviation": 1.0, "n_per_group": 1570},
        {
            "mde": REAL,
            "standard_deviation": REAL,
            "n_per_group": REAL,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        extra={"standard_deviation": {"zero": 0.0}, "n_per_group": {"zero": 0}},
    ),
    "sample_size_means": Spec(
        abtest.sample_size_means,
        {"mde": 0.1, "standard_deviation": 1.0},
        {
            "mde": REAL,
            "standard_deviation": REAL,
            "alpha": REAL,
            "power": REAL,
            "alternative": CHOICE,
        },
        extra={"mde": {"zero": 0.0}, "power": {"at alpha": 0.05}},
    ),
    "srm_test": Spec(
        abtest.srm_test,
        {"observed_counts": [500, 520], "expected_ratios": [0.5, 0.5], "threshold": 0.001},
        {"observed_counts": ARRAY, "expected_ratios": ARRAY, "threshold": REAL},
        paired=[("observed_counts", "expected_ratios")],
        extra={"observed_counts": {"fractions": [500.5, 520.0]}},
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
            "seed": SEED,
        },
    ),
    "adjust_pvalues": Spec(
        abtest.adjust_pvalues,
        {"p_values": [0.01, 0.04, 0.03], "alpha": 0.05, "method": "holm"},
        {"p_values": ARRAY, "alpha": REAL, "method": CHOICE},
        extra={"p_values": {"above 1": [0.1, 1.5]}},
    ),
    "heterogeneity_test": Spec(
        abtest.heterogeneity_test,
        {"estimates": [0.01, 0.02, 0.015], "standard_errors": [0.005, 0.004, 0.006]},
        {"estimates": ARRAY, "standard_errors": ARRAY, "alpha": REAL},
        paired=[("estimates", "standard_errors")],
        extra={"standard_errors": {"zero": [0.005, 0.0, 0.006]}},
    ),
    "shrink": Spec(
        abtest.shrink,
        {"estimates": [0.04, -0.01, 0.0, 0.02], "standard_errors": [0.01, 0.01, 0.02, 0.01]},
        {"estimates": ARRAY, "standard_errors": ARRAY, "method": CHOICE, "prior_mean": REAL},
        paired=[("estimates", "standard_errors")],
        optional=("prior_mean",),
        extra={"standard_errors": {"negative": [0.01, -0.01, 0.02, 0.01]}},
    ),
    "arm_counts": Spec(
        abtest.arm_counts,
        {"df": ARMS, "outcome": "clicked"},
        {"df": FRAME, "outcome": COLUMN, "variant": COLUMN, "control": TEXT, "treatment": TEXT},
        extra={
            "outcome": {"not 0/1": "segment"},
            "control": {"absent": "holdout"},
            "treatment": {"same as control": "control"},
        },
    ),
    "segment_proportion_tests": Spec(
        abtest.segment_proportion_tests,
        {"df": ARMS, "outcome": "clicked", "segment": "segment"},
        {
            "df": FRAME,
            "outcome": COLUMN,
            "segment": COLUMN,
            "variant": COLUMN,
            "control": TEXT,
            "treatment": TEXT,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        extra={"control": {"absent": "holdout"}},
    ),
    "confidence_sequence": Spec(
        abtest.confidence_sequence,
        {"control": _C, "treatment": _T, "looks": [5, 10], "min_n": 5},
        {
            "control": ARRAY,
            "treatment": ARRAY,
            "looks": ARRAY,
            "alpha": REAL,
            "tuning_parameter": REAL,
            "min_n": COUNT,
        },
        optional=("looks",),
        extra={
            "looks": {
                "beyond the data": [5, 20],
                "decreasing": [10, 5],
                "fractions": [2.5, 10],
                "before min_n": [3, 10],
            },
            "tuning_parameter": {"zero": 0.0},
            "min_n": {"one": 1, "above the looks": 6},
        },
    ),
    "msprt_test": Spec(
        abtest.msprt_test,
        {"control": _C, "treatment": _T, "tau": 0.2, "looks": [5, 10], "min_n": 5},
        {
            "control": ARRAY,
            "treatment": ARRAY,
            "tau": REAL,
            "looks": ARRAY,
            "alpha": REAL,
            "min_n": COUNT,
        },
        optional=("looks",),
        extra={
            "tau": {"zero": 0.0, "negative": -0.1},
            "looks": {"beyond the data": [5, 20], "before min_n": [3, 10]},
            "min_n": {"one": 1, "above the looks": 6},
        },
    ),
    # two constant arms that differ: zero variance, a clear error (not "no evidence")
    "msprt_test [constant treatment]": Spec(
        abtest.msprt_test,
        {"control": _C, "treatment": [1.0] * 10, "tau": 0.2, "min_n": 5},
        {"control": OTHER},
        extra={"control": {"constant, differs from treatment": [0.0] * 10}},
    ),
    "confidence_sequence [constant treatment]": Spec(
        abtest.confidence_sequence,
        {"control": _C, "treatment": [1.0] * 10, "min_n": 5},
        {"control": OTHER},
        extra={"control": {"constant, differs from treatment": [0.0] * 10}},
    ),
    "group_sequential_bounds": Spec(
        abtest.group_sequential_bounds,
        {"information_fractions": [0.25, 0.5, 1.0]},
        {"information_fractions": ARRAY, "alpha": REAL, "spending": CHOICE},
        extra={
            "information_fractions": {
                "above 1": [0.5, 1.5],
                "decreasing": [0.5, 0.25, 1.0],
                "zero": [0.0, 1.0],
            }
        },
    ),
    "cuped_test": Spec(
        abtest.cuped_test,
        {"control": _CUPED_C, "treatment": _CUPED_T, "balance_alpha": 0.001},
        {
            "control": OTHER,
            "treatment": OTHER,
            "alpha": REAL,
            "alternative": CHOICE,
            "balance_alpha": REAL,
        },
        optional=("balance_alpha",),
        extra={
            "control": {**NOT_A_STATS, "no covariate": GroupStats.from_arrays(X)},
            "treatment": {**NOT_A_STATS, "no covariate": GroupStats.from_arrays(X)},
            "balance_alpha": {"zero": 0.0, "one": 1.0},
        },
    ),
    # a covariate recorded differently in one arm gives a confident wrong estimate
    "cuped_test [covariate]": Spec(
        abtest.cuped_test,
        {"control": _CUPED_BIG[0], "treatment": _CUPED_BIG[1]},
        {"control": OTHER},
        extra={
            "control": {
                "covariate filled with 0": GroupStats.from_arrays(
                    _CUPED_Y[0], covariate=np.zeros(200)
                ),
                "covariate ×100": GroupStats.from_arrays(_CUPED_Y[0], covariate=100 * _CUPED_X[0]),
            }
        },
    ),
    "noninferiority_test": Spec(
        abtest.noninferiority_test,
        {"control": _NI_C, "treatment": _NI_T, "margin": 0.02},
        {
            "control": OTHER,
            "treatment": OTHER,
            "margin": REAL,
            "higher_is_better": FLAG,
            "alpha": REAL,
        },
        extra={
            # raw arrays are valid arms (they become GroupStats)
            "control": {k: v for k, v in NOT_A_STATS.items() if k != "array"},
            "treatment": {k: v for k, v in NOT_A_STATS.items() if k != "array"},
            "margin": {"zero": 0.0, "negative": -0.01, "5 on a rate": 5.0, "1 on a rate": 1.0},
        },
    ),
    "poststratified_test": Spec(
        abtest.poststratified_test,
        {
            "y_c": [1.0, 2.0, 1.5, 10.0, 12.0],
            "y_t": [2.0, 2.5, 11.0, 13.0, 12.5, 3.0],
            "strata_c": ["a", "a", "a", "b", "b"],
            "strata_t": ["a", "a", "b", "b", "b", "a"],
        },
        {
            "y_c": ARRAY,
            "y_t": ARRAY,
            "strata_c": OTHER,
            "strata_t": OTHER,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        paired=[("y_c", "strata_c"), ("y_t", "strata_t")],
        extra={
            "strata_c": {
                "None": None,
                "string": "aaabb",
                "None inside": ["a", None, "a", "b", "b"],
            },
            "strata_t": {"None": None, "unseen stratum": ["a", "a", "b", "b", "c", "a"]},
        },
    ),
    "decide": Spec(
        abtest.decide,
        {"primary": _PRIMARY, "guardrails": {"crash-free": _GUARD}, "primary_name": "retention"},
        {"primary": OTHER, "guardrails": OTHER, "primary_name": TEXT, "higher_is_better": FLAG},
        extra={
            "primary": {
                "None": None,
                "a number": 0.03,
                "a dict": {"p_value": 0.03},
                "a non-inferiority result": _GUARD,
            },
            "guardrails": {
                "a list": [_GUARD],
                "not a noninferiority result": {"crash-free": _PRIMARY},
                "non-string name": {1: _GUARD},
            },
        },
    ),
    "ExperimentPlan": Spec(
        abtest.ExperimentPlan,
        _PLAN,
        {
            "hypothesis": TEXT,
            "primary_metric": TEXT,
            "baseline": REAL,
            "mde": REAL,
            "sample_size_per_arm": COUNT,
            "daily_traffic": COUNT,
            "duration_days": COUNT,
            "stopping_rule": TEXT,
            "decision_rule": TEXT,
            "guardrails": OTHER,
            "metric_type": CHOICE,
            "standard_deviation": REAL,
            "alpha": REAL,
            "power": REAL,
            "alternative": CHOICE,
        },
        extra={
            "guardrails": {"bare string": "MAU", "None": None, "int inside": ("MAU", 1)},
            "mde": {"zero": 0.0},
            "sample_size_per_arm": {"zero": 0},
            "standard_deviation": {"zero": 0.0},
            "power": {"at alpha": 0.05, "below alpha": 0.03, "one": 1.0},
        },
    ),
    "GroupStats.from_arrays": Spec(
        GroupStats.from_arrays,
        {"y": X, "covariate": [0.5, 1.0, 1.5, 2.0], "denominator": [3.0, 4.0, 6.0, 5.0]},
        {"y": ARRAY, "covariate": ARRAY, "denominator": ARRAY},
        paired=[("y", "covariate"), ("y", "denominator")],
        optional=("covariate", "denominator"),
        extra={"denominator": {"negative": [3.0, -4.0, 6.0, 5.0]}},
    ),
    "GroupStats.from_counts": Spec(
        GroupStats.from_counts, {"successes": 10, "n": 100}, {"successes": COUNT, "n": COUNT}
    ),
    "GroupStats.from_sums": Spec(
        GroupStats.from_sums,
        {"n": 10, "sum": 20.0, "sum_squares": 50.0},
        {"n": COUNT, "sum": REAL, "sum_squares": REAL},
        extra={"sum_squares": {"below sum²/n": 10.0}},
    ),
    "GroupStats": Spec(
        GroupStats,
        {"n": 10, "mean": 2.0, "m2": 5.0, "binary": False},
        {"n": COUNT, "mean": REAL, "m2": REAL, "binary": FLAG},
        extra={"m2": {"negative": -1.0}},
    ),
}
ABTEST_NOT_CALLED = {
    **{
        name: "result class: built by the tests, not called with raw input"
        for name in (
            "AdjustedPValues",
            "ArmCounts",
            "BayesResult",
            "CupedTestResult",
            "GroupSequentialBounds",
            "HeterogeneityResult",
            "LaunchDecision",
            "MeanTestResult",
            "NoninferiorityResult",
            "PoststratifiedResult",
            "ProportionTestResult",
            "RatioTestResult",
            "SRMResult",
            "SequentialResult",
            "ShrinkageResult",
        )
    },
    "SmallSampleWarning": "warning class",
}

# ============================================================================= xplab.assign


def _layer(name: str = "ui", **kwargs: Any) -> Layer:
    layer = Layer(name, **kwargs)
    layer.add("a", share=0.5)
    return layer


def _assign_in_layer(unit_id: Any, experiment: str, **kwargs: Any) -> Any:
    return xplab.assign.assign(unit_id, experiment, layer=_layer(), **kwargs)


def _layer_add(experiment: str, **kwargs: Any) -> None:
    _layer().add(experiment, **kwargs)


def _layer_assign(unit_id: Any) -> Any:
    return _layer().assign(unit_id)


UNIT_IDS = {
    "None": None,
    "NaN": float("nan"),
    "empty string": "",
    "set": {"a", "b"},
    "dict": {"a": 1},
    "boolean": True,
    "bytes": b"user",
    "fraction": 1.5,
    "lone surrogate": "user\ud800",
    "None inside": ["a", None],
    "boolean inside": ["a", np.True_],
    "2-D": np.zeros((2, 2)),
}
VARIANTS = {
    "None": None,
    "numbers": (1, 2),
    "number": 2,
    "bare string": "ab",
    "empty": (),
    "empty name": ("a", ""),
    "repeated": ("a", "a"),
    "set": {"a", "b"},
    "booleans": (True, False),
}
WEIGHTS = {
    "sum above 1": [0.6, 0.6],
    "negative": [1.5, -0.5],
    "wrong count": [1.0],
    "booleans": [True, False],
    "numeric strings": ["0.5", "0.5"],
    "scalar": 0.5,
    "NaN": [float("nan"), 1.0],
}
NAME_OK = {"empty": "the empty salt is the default"}

ASSIGN: dict[str, Spec] = {
    "assign": Spec(
        xplab.assign.assign,
        {"unit_id": ["u1", "u2"], "experiment": "e", "weights": [0.5, 0.5]},
        {
            "unit_id": OTHER,
            "experiment": TEXT,
            "variants": OTHER,
            "weights": OTHER,
            "salt": TEXT,
            "layer": OTHER,
            "coverage": REAL,
        },
        extra={
            "unit_id": UNIT_IDS,
            "experiment": {"lone surrogate": "e\ud800"},
            "variants": VARIANTS,
            "weights": WEIGHTS,
            "layer": {"a layer name": "ui", "a dict": {"name": "ui"}},
            "coverage": {"above 1": 1.5, "negative": -0.1},
        },
        optional=("layer",),
        valid_here={"salt": NAME_OK},
    ),
    "assign [layer]": Spec(
        _assign_in_layer,
        {"unit_id": "u1", "experiment": "a"},
        {"experiment": TEXT, "variants": OTHER, "weights": OTHER, "salt": OTHER},
        extra={
            "experiment": {"not in the layer": "c"},
            "variants": {"other than added": ("x", "y", "z")},
            "weights": {"other than added": [0.9, 0.1]},
            "salt": {"given twice": "s"},
        },
    ),
    "hash_position": Spec(
        xplab.assign.hash_position,
        {"unit_id": ["u1", "u2"], "experiment": "e"},
        {"unit_id": OTHER, "experiment": TEXT, "salt": TEXT},
        extra={"unit_id": UNIT_IDS},
        valid_here={"salt": NAME_OK},
    ),
    "stratified": Spec(
        xplab.assign.stratified,
        {"units": ["a", "b", "c"], "strata": ["x", "x", "y"], "experiment": "e"},
        {
            "units": OTHER,
            "strata": OTHER,
            "experiment": TEXT,
            "variants": OTHER,
            "weights": OTHER,
            "salt": TEXT,
        },
        paired=[("units", "strata")],
        extra={
            "units": {
                "None": None,
                "bare string": "u1",
                "repeated": ["u1", "u1", "u2"],
                "same id twice": [7, "7", "8"],
                "None inside": ["a", None, "c"],
                "boolean inside": [True, "b", "c"],
            },
            "strata": {
                "None": None,
                "bare string": "xyz",
                "set": {"x", "y", "z"},
                "None inside": ["x", None, "y"],
                "NaN inside": ["x", float("nan"), "y"],
                "empty string inside": ["x", "", "y"],
                "fraction inside": ["x", 1.5, "y"],
            },
            "variants": VARIANTS,
            "weights": {**WEIGHTS, "not small ratios": [0.123, 0.877]},
        },
        valid_here={"salt": NAME_OK},
    ),
    "Layer": Spec(
        Layer,
        {"name": "ui"},
        {"name": TEXT, "n_buckets": COUNT, "salt": TEXT, "within": OTHER},
        extra={
            "n_buckets": {"zero": 0},
            "within": {
                "a layer alone": _layer("top"),
                "a slice not in the layer": (_layer("top"), "b"),
                "a name first": ("a", _layer("top")),
                "a triple": (_layer("top"), "a", "b"),
            },
        },
        valid_here={"salt": NAME_OK},
    ),
    "Layer.add": Spec(
        _layer_add,
        {"experiment": "b", "share": 0.25},
        {"experiment": TEXT, "share": REAL, "variants": OTHER, "weights": OTHER},
        extra={
            "experiment": {"already in the layer": "a"},
            "share": {"negative": -0.1, "above 1": 1.5, "beyond free traffic": 0.6, "tiny": 1e-4},
            "variants": VARIANTS,
            "weights": WEIGHTS,
        },
    ),
    "Layer.assign": Spec(
        _layer_assign, {"unit_id": ["u1"]}, {"unit_id": OTHER}, extra={"unit_id": UNIT_IDS}
    ),
    "check_layers": Spec(
        xplab.assign.check_layers,
        {
            "layers": [_layer()],
            "users": 1_000,
            "needs": {"a": 100},
            "apart": [("a", "a")],
            "alone": ["a"],
        },
        {"layers": OTHER, "users": COUNT, "needs": OTHER, "apart": OTHER, "alone": OTHER},
        extra={
            "layers": {"None": None, "a layer alone": _layer(), "empty": [], "a name": ["ui"]},
            "users": {"zero": 0},
            "needs": {
                "None": None,
                "empty": {},
                "a list": ["a"],
                "fraction": {"a": 10.5},
                "negative": {"a": -1},
                "empty name": {"": 10},
            },
            "apart": {
                "None": None,
                "bare string": "ab",
                "a triple": [("a", "a", "a")],
                "unknown test": [("a", "zz")],
            },
            "alone": {"None": None, "bare string": "a", "unknown test": ["zz"]},
        },
    ),
    "check_ramp": Spec(
        xplab.assign.check_ramp,
        {
            "steps": [(0.05, 4), (1.0, 14)],
            "daily_units": 5_000,
            "test_days": 14,
            "max_first": 0.05,
            "detect_loss": 0.25,
            "treatment_share": 0.5,
            "srm_threshold": 0.001,
            "power": 0.8,
            "max_ramp_days": 7,
        },
        {
            "steps": OTHER,
            "daily_units": COUNT,
            "test_days": COUNT,
            "max_first": REAL,
            "detect_loss": REAL,
            "treatment_share": REAL,
            "srm_threshold": REAL,
            "power": REAL,
            "max_ramp_days": COUNT,
        },
        extra={
            "steps": {
                "None": None,
                "empty": [],
                "bare pairs": [0.05, 1.0],
                "a triple": [(0.05, 1, 2)],
                "coverage above 1": [(1.5, 2)],
                "fractional days": [(0.05, 1.5), (1.0, 14)],
                "text coverage": [("5%", 2)],
            },
            "daily_units": {"zero": 0},
            "test_days": {"zero": 0},
            "max_first": {"above 1": 1.5},
            "detect_loss": {"zero": 0.0, "one": 1.0},
            "treatment_share": {"zero": 0.0},
            "srm_threshold": {"zero": 0.0},
            "power": {"one": 1.0},
        },
        optional=("max_ramp_days",),
    ),
}
ASSIGN_NOT_CALLED: dict[str, str] = {}

# ============================================================================= xplab.quasi


def _panel() -> pd.DataFrame:
    # 8 units × 5 periods; units 0-2 adopt at t=2, unit 3 at t=3, the rest never
    rng = np.random.default_rng(1)
    n, t = 8, 5
    df = pd.DataFrame({"u": np.repeat(np.arange(n), t), "t": np.tile(np.arange(t), n)})
    df["g"] = np.repeat([2, 2, 2, 3, np.nan, np.nan, np.nan, np.nan], t)
    df["d"] = (df["t"] >= df["g"]).astype(int)
    df["post"] = (df["t"] >= 2).astype(int)
    df["treated"] = df["g"].notna().astype(int)
    df["w"] = 1.0 + df["u"] % 3
    df["y"] = rng.normal(size=len(df)) + df["d"]
    df["label"] = "x"
    df["date"] = pd.Timestamp("2026-01-05") + pd.to_timedelta(7 * df["t"], "D")
    df["g_date"] = pd.Timestamp("2026-01-19") + pd.to_timedelta(0 * df["t"], "D")
    return df


PANEL = _panel()
# dates would be read as nanosecond counts: refused with the conversion to period numbers
DATES = {"time": {"dates": "date"}, "first_treated": {"dates": "g_date"}}
PANEL_KINDS = {"df": FRAME, "outcome": COLUMN, "unit": COLUMN, "time": COLUMN}
PANEL_KW = {"df": PANEL, "outcome": "y", "unit": "u", "time": "t"}
TEXT_COLUMN = {"text column": "label"}

QUASI: dict[str, Spec] = {
    "did_2x2": Spec(
        quasi.did_2x2,
        {"df": PANEL, "outcome": "y", "treated": "treated", "post": "post"},
        {"df": FRAME, "outcome": COLUMN, "treated": COLUMN, "post": COLUMN},
        extra={"outcome": TEXT_COLUMN, "treated": {"not 0/1": "y"}, "post": {"not 0/1": "t"}},
    ),
    "twfe": Spec(
        quasi.twfe,
        {**PANEL_KW, "treatment": "d", "cluster": "u", "weights": "w"},
        {
            **PANEL_KINDS,
            "treatment": COLUMN,
            "cluster": COLUMN,
            "weights": COLUMN,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        optional=("cluster", "weights"),
        extra={
            "outcome": TEXT_COLUMN,
            "weights": {"negative": "y"},
            "treatment": {"constant within units": "treated", "same for all units": "post"},
        },
    ),
    "event_study": Spec(
        quasi.event_study,
        {**PANEL_KW, "first_treated": "g", "ref": -1, "window": (-2, 1)},
        {
            **PANEL_KINDS,
            "first_treated": COLUMN,
            "ref": OTHER,
            "window": OTHER,
            "cluster": COLUMN,
            "alpha": REAL,
        },
        optional=("cluster",),
        extra={
            **DATES,
            "outcome": TEXT_COLUMN,
            "ref": {"None": None, "string": "-1", "fraction": -1.5, "outside the window": -5},
            "window": {
                "scalar": 2,
                "reversed": (1, -2),
                "strings": ("-2", "1"),
                "triple": (1, 2, 3),
            },
        },
    ),
    "placebo": Spec(
        quasi.placebo,
        {**PANEL_KW, "first_treated": "g", "n_assignments": 20, "seed": 0},
        {
            **PANEL_KINDS,
            "first_treated": COLUMN,
            "fake_times": OTHER,
            "n_assignments": COUNT,
            "cluster": COLUMN,
            "alpha": REAL,
            "seed": SEED,
        },
        optional=("cluster",),
        extra={
            **DATES,
            "outcome": TEXT_COLUMN,
            "fake_times": {"bare int": 1, "strings": ["1"], "outside the panel": [9]},
            "n_assignments": {"zero": 0},
        },
    ),
    "callaway_santanna": Spec(
        quasi.callaway_santanna,
        {**PANEL_KW, "first_treated": "g"},
        {
            **PANEL_KINDS,
            "first_treated": COLUMN,
            "control_group": CHOICE,
            "base_period": CHOICE,
            "alpha": REAL,
            "alternative": CHOICE,
        },
        extra={**DATES, "outcome": TEXT_COLUMN},
    ),
}
QUASI_NOT_CALLED = {
    name: "result class"
    for name in (
        "CallawaySantAnnaResult",
        "DiD2x2Result",
        "EventStudyResult",
        "PlaceboResult",
        "TWFEResult",
    )
}

# ============================================================================= xplab.bandits

CATALOG = pd.DataFrame(
    {"article_id": ["a", "b", "c", "d"], "category": ["sport", "tech", "sport", "tech"]}
)
READERS = data.NewsReaders(CATALOG, n_users=5, seed=0)
ARM = {
    "None": None,
    "fraction": 0.5,
    "boolean": True,
    "string": "0",
    "out of range": 2,
    "negative": -1,
}
REWARD = {"None": None, "string": "1", "boolean": True, "NaN": float("nan")}
CONTEXT_2 = np.ones(2)


def _update(policy: Any) -> Any:
    def update(arm: Any, reward: Any) -> None:
        policy.update(arm, reward)

    return update


def _linucb_select(context: Any) -> int:
    return bandits.LinUCB(2, 2, seed=0).select(context)


def _linucb_update(arm: Any, reward: Any, context: Any) -> None:
    bandits.LinUCB(2, 2, seed=0).update(arm, reward, context)


CONTEXTS = {
    "None": None,
    "wrong size": np.ones(3),
    "strings": ["1", "1"],
    "NaN": [1.0, float("nan")],
}
N_ARMS = {"n_arms": COUNT, "seed": SEED}
N_ARMS_EXTRA = {"n_arms": {"zero": 0}}


class _BadArm:
    """A policy whose select returns a topic name instead of an arm index."""

    n_arms = 2

    def select(self, context: Any = None) -> Any:
        return "business"

    def update(self, arm: Any, reward: Any, context: Any = None) -> None:
        pass


_UNIFORM_LOG = np.random.default_rng(5).integers(2, size=2000)
_LOG_REWARDS = np.random.default_rng(6).random(2000).round()
_SKEWED_LOG = (np.random.default_rng(7).random(2000) < 0.2).astype(int)  # arm 0 four times in five

BANDITS: dict[str, Spec] = {
    "Policy": Spec(bandits.Policy, {"n_arms": 2}, N_ARMS, extra=N_ARMS_EXTRA),
    "Policy.update": Spec(
        lambda arm, reward: bandits.Policy(2).update(arm, reward),
        {"arm": 0, "reward": 1.0},
        {"arm": OTHER, "reward": OTHER},
        extra={"arm": ARM, "reward": REWARD},
    ),
    "RandomPolicy": Spec(bandits.RandomPolicy, {"n_arms": 2}, N_ARMS, extra=N_ARMS_EXTRA),
    "EpsilonGreedy": Spec(
        bandits.EpsilonGreedy,
        {"n_arms": 2, "epsilon": 0.1},
        {**N_ARMS, "epsilon": REAL},
        extra={**N_ARMS_EXTRA, "epsilon": {"above 1": 1.5, "negative": -0.1}},
    ),
    "EpsilonGreedy.update": Spec(
        lambda arm, reward: bandits.EpsilonGreedy(2).update(arm, reward),
        {"arm": 0, "reward": 1.0},
        {"arm": OTHER, "reward": OTHER},
        extra={"arm": ARM, "reward": REWARD},
    ),
    "UCB1": Spec(
        bandits.UCB1,
        {"n_arms": 2, "c": 1.0},
        {**N_ARMS, "c": REAL},
        extra={**N_ARMS_EXTRA, "c": {"negative": -1.0}},
    ),
    "ThompsonSampling": Spec(
        bandits.ThompsonSampling,
        {"n_arms": 2, "prior": (1.0, 1.0)},
        {**N_ARMS, "prior": PAIR},
        extra={**N_ARMS_EXTRA, "prior": {"zero": (0.0, 1.0)}},
    ),
    "ThompsonSampling.update": Spec(
        lambda arm, reward: bandits.ThompsonSampling(2).update(arm, reward),
        {"arm": 0, "reward": 1.0},
        {"arm": OTHER, "reward": OTHER},
        extra={"arm": ARM, "reward": {**REWARD, "above 1": 2.0}},
    ),
    "LinUCB": Spec(
        bandits.LinUCB,
        {"n_arms": 2, "n_features": 2, "alpha": 1.0},
        {**N_ARMS, "n_features": COUNT, "alpha": REAL},
        extra={**N_ARMS_EXTRA, "n_features": {"zero": 0}, "alpha": {"negative": -1.0}},
    ),
    "LinUCB.select": Spec(
        _linucb_select, {"context": CONTEXT_2}, {"context": OTHER}, extra={"context": CONTEXTS}
    ),
    "LinUCB.update": Spec(
        _linucb_update,
        {"arm": 0, "reward": 1.0, "context": CONTEXT_2},
        {"arm": OTHER, "reward": OTHER, "context": OTHER},
        extra={"arm": ARM, "reward": REWARD, "context": CONTEXTS},
    ),
    "BernoulliBandit": Spec(
        bandits.BernoulliBandit,
        {"means": [0.1, 0.2, 0.3, 0.4]},
        {"means": ARRAY},
        extra={"means": {"above 1": [0.5, 1.5]}},
    ),
    "NewsTopicBandit": Spec(
        bandits.NewsTopicBandit,
        {"readers": READERS},
        {"readers": OTHER},
        extra={"readers": {"None": None, "a catalog": CATALOG}},
    ),
    "simulate": Spec(
        bandits.simulate,
        {
            "policy": bandits.EpsilonGreedy(2, seed=0),
            "env": bandits.BernoulliBandit([0.1, 0.2]),
            "n_rounds": 20,
            "seed": 0,
        },
        {"policy": OTHER, "env": OTHER, "n_rounds": COUNT, "seed": SEED},
        extra={
            "policy": {"None": None, "a class": bandits.EpsilonGreedy, "a string": "ucb"},
            "env": {
                "None": None,
                "means": [0.1, 0.2],
                "arms differ": bandits.BernoulliBandit([0.1, 0.2, 0.3]),
            },
            "n_rounds": {"zero": 0},
        },
    ),
    "replay_evaluate": Spec(
        bandits.replay_evaluate,
        {
            "policy": bandits.EpsilonGreedy(2, seed=0),
            "arms": [0, 1, 1, 0, 1, 0, 0, 1],
            "rewards": [0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
        },
        {
            "policy": OTHER,
            "arms": OTHER,
            "rewards": ARRAY,
            "contexts": OTHER,
            "propensities": ARRAY,
            "estimator": CHOICE,
            "allow_nonuniform": FLAG,
            "alpha": REAL,
        },
        paired=[("arms", "rewards")],
        optional=("contexts", "propensities", "estimator"),
        extra={
            "policy": {"None": None, "a string": "ucb", "select returns a string": _BadArm()},
            "propensities": {
                "zero": [0.5, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                "above 1": [0.5, 1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                "two values": [0.5, 0.5],
            },
            "arms": {
                "None": None,
                "fractions": [0, 0.5, 1, 0, 1, 0, 0, 1],
                "out of range": [0, 2, 1, 0, 1, 0, 0, 1],
                "strings": ["0", "1", "1", "0", "1", "0", "0", "1"],
                "booleans": [False, True, True, False, True, False, False, True],
            },
            "contexts": {"wrong rows": np.ones((3, 2)), "strings": [["a"]] * 8},
        },
    ),
    # a log whose logger favoured arm 0: replay would be biased, so it is refused
    "replay_evaluate [log]": Spec(
        bandits.replay_evaluate,
        {"policy": bandits.EpsilonGreedy(2, seed=0), "arms": _UNIFORM_LOG, "rewards": _LOG_REWARDS},
        {"arms": OTHER},
        extra={"arms": {"non-uniform": _SKEWED_LOG}},
    ),
}
BANDITS_NOT_CALLED = {
    "Environment": "a Protocol: the shape environments follow, never instantiated",
    "PolicyProtocol": "a Protocol: the shape policies follow, never instantiated",
    "ReplayResult": "result class",
    "SimulationResult": "result class",
}

# ============================================================================= xplab.longterm


def _longterm_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    hist = pd.DataFrame({"s1": rng.normal(size=30), "s2": rng.binomial(1, 0.4, 30)})
    hist["y"] = 0.5 * hist["s1"] + hist["s2"] + rng.normal(size=30)
    hist["label"] = "x"
    hist["constant"] = 1.0
    exp = pd.DataFrame(
        {
            "s1": rng.normal(size=20),
            "s2": rng.binomial(1, 0.4, 20),
            "variant": ["control", "treatment"] * 10,
            "label": "x",
        }
    )
    return hist, exp


HIST, EXP = _longterm_frames()
LONGTERM: dict[str, Spec] = {
    "surrogate_index": Spec(
        xplab.longterm.surrogate_index,
        {"historical": HIST, "experiment": EXP, "surrogates": ["s1", "s2"], "outcome": "y"},
        {
            "historical": FRAME,
            "experiment": FRAME,
            "surrogates": NAMES,
            "outcome": COLUMN,
            "variant": COLUMN,
            "alpha": REAL,
        },
        extra={
            "surrogates": {
                "repeated": ["s1", "s1"],
                "the outcome": ["s1", "y"],
                "a text column": ["s1", "label"],
            },
            "outcome": {"text column": "label", "constant": "constant"},
        },
    ),
    "holdout_plan": Spec(
        xplab.longterm.holdout_plan,
        {"mde": 0.01, "daily_users": 1000, "baseline_rate": 0.3},
        {
            "mde": REAL,
            "daily_users": REAL,
            "baseline_rate": REAL,
            "sd": REAL,
            "holdout_share": REAL,
            "horizon_days": COUNT,
            "alpha": REAL,
            "power": REAL,
            "alternative": CHOICE,
        },
        optional=("baseline_rate", "sd"),
        extra={
            "baseline_rate": {"above 1": 1.5},
            "holdout_share": {"zero": 0.0, "one": 1.0},
            "mde": {"zero": 0.0},
            "daily_users": {"zero": 0},
            "power": {"at alpha": 0.05, "below alpha": 0.03},
        },
    ),
    # a mean metric: the power check must hold on this path too
    "holdout_plan [sd]": Spec(
        xplab.longterm.holdout_plan,
        {"mde": 0.5, "daily_users": 1000, "sd": 4.0},
        {"sd": REAL, "alpha": REAL, "power": REAL},
        extra={"sd": {"zero": 0.0}, "power": {"at alpha": 0.05, "below alpha": 0.03}},
    ),
}
LONGTERM_NOT_CALLED = {"HoldoutPlan": "result class", "SurrogateIndexResult": "result class"}

# ============================================================================= xplab.data


def _loader_kinds() -> dict[str, str]:
    return {"data_dir": OTHER, "download": FLAG}


NO_COPY = str(Path(__file__).parent / "no-such-folder")
EVENT_LOG_DIR = tempfile.mkdtemp(prefix="xplab-bad-input-")
atexit.register(shutil.rmtree, EVENT_LOG_DIR, ignore_errors=True)
RAMP_FOR_DATA = RampPlan(
    "x", [RampStep(0.1, guardrails=("e",)), RampStep(1.0, days=7, guardrails=("e",))]
)
DATA_DIR = {"int": 1, "list": ["/tmp"], "bytes path inside list": [b"/tmp"]}
RETAIL_LINES = pd.DataFrame(
    {
        "invoice": ["1", "C2"],
        "stock_code": ["A", "A"],
        "description": ["a", "a"],
        "quantity": [2, -2],
        "invoice_date": pd.to_datetime(["2011-01-01", "2011-01-02"]),
        "unit_price": [1.5, 1.5],
        "customer_id": pd.array([7, 7], dtype="Int64"),
        "country": ["UK", "UK"],
    }
)
BOTS = pd.DataFrame({"impressions": [10, 50, 3], "sessions": [2, 1, 1], "label": ["x"] * 3})

DATA: dict[str, Spec] = {
    # the valid call finds no copy in an empty folder and may not download (no network)
    "load_movielens_100k": Spec(
        data.load_movielens_100k,
        {"data_dir": NO_COPY, "download": False},
        _loader_kinds(),
        extra={"data_dir": DATA_DIR},
    ),
    "load_bbc_news": Spec(
        data.load_bbc_news,
        {"data_dir": NO_COPY, "download": False},
        _loader_kinds(),
        extra={"data_dir": DATA_DIR},
    ),
    "load_online_retail": Spec(
        data.load_online_retail,
        {"data_dir": NO_COPY, "download": False},
        _loader_kinds(),
        extra={"data_dir": DATA_DIR},
    ),
    "clean_online_retail": Spec(
        data.clean_online_retail,
        {"lines": RETAIL_LINES},
        {"lines": FRAME},
        extra={"lines": {"released column names": RETAIL_LINES.rename(columns=str.upper)}},
    ),
    "categorise_products": Spec(
        data.categorise_products,
        {"lines": RETAIL_LINES},
        {"lines": FRAME},
        extra={
            "lines": {
                "no description": RETAIL_LINES.drop(columns="description"),
                "empty": RETAIL_LINES.iloc[:0],
            }
        },
    ),
    "load_organ_donations": Spec(data.load_organ_donations, {}, {}),
    "simulate_button_test": Spec(
        data.simulate_button_test,
        {"n_users": 50, "seed": 0, "days": 3},
        {
            "n_users": COUNT,
            "ctr_control": REAL,
            "lift": REAL,
            "new_user_lift": REAL,
            "mean_sessions": REAL,
            "impressions_per_session": REAL,
            "concentration": REAL,
            "share_new_users": REAL,
            "srm_drop": REAL,
            "bot_share": REAL,
            "experiment": TEXT,
            "seed": SEED,
            "srm_mode": CHOICE,
            "days": COUNT,
            "novelty": REAL,
            "novelty_half_life": REAL,
            "daily": FLAG,
        },
        optional=("new_user_lift", "days"),
        extra={
            "n_users": {"zero": 0},
            "ctr_control": {"above 1": 1.5, "zero": 0.0},
            "share_new_users": {"above 1": 1.5},
            "srm_drop": {"above 1": 1.5},
            "bot_share": {"negative": -0.1},
            "days": {"zero": 0},
            "mean_sessions": {"zero": 0.0},
        },
    ),
    "simulate_experiment_portfolio": Spec(
        data.simulate_experiment_portfolio,
        {"n_experiments": 10, "seed": 0},
        {
            "n_experiments": COUNT,
            "effect_mean": REAL,
            "effect_sd": REAL,
            "standard_error": OTHER,
            "alpha": REAL,
            "seed": SEED,
        },
        extra={
            "n_experiments": {"zero": 0},
            "effect_sd": {"negative": -0.01},
            "standard_error": {
                "None": None,
                "string": "0.01",
                "boolean": True,
                "zero": 0.0,
                "wrong count": [0.01, 0.02],
                "NaN": float("nan"),
            },
        },
    ),
    "simulate_latency_rollout": Spec(
        data.simulate_latency_rollout,
        {"n_regions": 6, "n_days": 10, "rollout_days": (3, 5), "n_never_treated": 2, "seed": 0},
        {
            "n_regions": COUNT,
            "n_days": COUNT,
            "rollout_days": OTHER,
            "n_never_treated": COUNT,
            "baseline_conversion": REAL,
            "effect": REAL,
            "effect_growth": REAL,
            "region_sd": REAL,
            "day_sd": REAL,
            "weekly_amplitude": REAL,
            "noise_sd": REAL,
            "noise_autocorrelation": REAL,
            "improving_region_trend": REAL,
            "sessions_per_day": REAL,
            "order_value": REAL,
            "seed": SEED,
        },
        extra={
            "n_regions": {"zero": 0},
            "n_never_treated": {"more than the regions": 7},
            "rollout_days": {
                "None": None,
                "bare int": 3,
                "strings": ("3", "5"),
                "after the end": (3, 12),
                "fractions": (3.5, 5),
            },
            "baseline_conversion": {"above 1": 1.5},
            "noise_autocorrelation": {"one": 1.0},
            "region_sd": {"negative": -0.1},
            "sessions_per_day": {"zero": 0.0},
        },
    ),
    "simulate_media_experiment": Spec(
        data.simulate_media_experiment,
        {"n_users": 50, "days": 3, "seed": 0},
        {
            "n_users": COUNT,
            "days": COUNT,
            "rho": REAL,
            "engagement_effect": REAL,
            "mau_rate": REAL,
            "mau_effect": REAL,
            "share_returning": REAL,
            "bug": CHOICE,
            "bug_share": REAL,
            "seed": SEED,
        },
        extra={
            "n_users": {"zero": 0},
            "days": {"zero": 0},
            "rho": {"above 1": 1.5},
            "mau_rate": {"above 1": 1.5},
            "share_returning": {"negative": -0.1},
            "bug_share": {"above 1": 1.5},
        },
    ),
    "simulate_onboarding": Spec(
        data.simulate_onboarding,
        {"n_users": 50, "seed": 0},
        {
            "n_users": COUNT,
            "power_share": REAL,
            "early_effect": REAL,
            "late_effect": REAL,
            "early_days": COUNT,
            "novelty": REAL,
            "novelty_halflife": REAL,
            "crash_effect": REAL,
            "ticket_effect": REAL,
            "experiment": TEXT,
            "seed": SEED,
        },
        extra={
            "n_users": {"zero": 0},
            "power_share": {"above 1": 1.5},
            "early_days": {"zero": 0},
            "novelty_halflife": {"zero": 0.0},
        },
    ),
    # a tiny log (10 users) in a scratch folder; bad values are refused before anything is written
    "simulate_event_log": Spec(
        data.simulate_event_log,
        {
            "path": EVENT_LOG_DIR,
            "n_users": 10,
            "seed": 0,
            "overwrite": True,
        },
        {
            "path": OTHER,
            "n_users": COUNT,
            "days": COUNT,
            "treatment_share": REAL,
            "impressions_per_user": REAL,
            "ctr": REAL,
            "orders_per_click": REAL,
            "aov": REAL,
            "ctr_effect": REAL,
            "conversion_effect": REAL,
            "aov_effect": REAL,
            "start": OTHER,
            "seed": SEED,
            "overwrite": FLAG,
        },
        extra={
            "path": {"None": None, "int": 3, "bytes": b"/tmp/x", "quote inside": "/tmp/it's"},
            "n_users": {"zero": 0},
            "days": {"zero": 0},
            "treatment_share": {"zero": 0.0, "one": 1.0},
            "impressions_per_user": {"one": 1.0},
            "ctr": {"zero": 0.0, "above 1": 1.5},
            "orders_per_click": {"one": 1.0},
            "aov": {"zero": 0.0},
            "ctr_effect": {"minus 100 %": -1.0},
            "conversion_effect": {"below -1": -2.0},
            "aov_effect": {"minus 100 %": -1.0},
            "start": {"None": None, "not a date": "March", "a number": 20260302},
        },
    ),
    "simulate_ramp": Spec(
        data.simulate_ramp,
        {"plan": RAMP_FOR_DATA, "daily_users": 20, "bug_from_step": 1, "seed": 0},
        {
            "plan": OTHER,
            "daily_users": COUNT,
            "error_rate": REAL,
            "bug_from_step": COUNT,
            "bug_platform": CHOICE,
            "lost_logging": REAL,
            "error_effect": REAL,
            "seed": SEED,
        },
        optional=("bug_from_step",),
        extra={
            "plan": {"None": None, "a list of steps": [0.1, 1.0], "a name": "new_checkout"},
            "daily_users": {"zero": 0},
            "error_rate": {"zero": 0.0, "one": 1.0},
            "bug_from_step": {"past the last step": 2},
            "lost_logging": {"above 1": 1.5, "negative": -0.1},
            "error_effect": {"negative": -0.5, "past certainty": 200.0},
        },
    ),
    "suspected_bots": Spec(
        data.suspected_bots,
        {"df": BOTS, "threshold": 20},
        {"df": FRAME, "threshold": REAL, "impressions": COLUMN, "sessions": COLUMN},
        extra={"threshold": {"negative": -1.0}, "impressions": {"text column": "label"}},
    ),
    "NewsReaders": Spec(
        data.NewsReaders,
        {"articles": CATALOG, "n_users": 5, "seed": 0},
        {
            "articles": FRAME,
            "n_users": COUNT,
            "concentration": REAL,
            "intercept": REAL,
            "preference_strength": REAL,
            "appeal_sd": REAL,
            "seed": SEED,
        },
        extra={
            "articles": {
                "no category": CATALOG[["article_id"]],
                "repeated id": CATALOG.assign(article_id="a"),
            },
            "n_users": {"zero": 0},
            "concentration": {"zero": 0.0},
            "appeal_sd": {"negative": -0.1},
        },
    ),
    "NewsReaders.click": Spec(
        lambda users, article_ids, seed=0: READERS.click(users, article_ids, seed=seed),
        {"users": [0, 1], "article_ids": ["a", "b"]},
        {"users": OTHER, "article_ids": OTHER, "seed": SEED},
        extra={
            "users": {
                "None": None,
                "out of range": [0, 9],
                "fractions": [0.5, 1],
                "strings": ["0", "1"],
            },
            "article_ids": {"None": None, "unknown": ["a", "zz"]},
        },
    ),
    "NewsReaders.onboarding_picks": Spec(
        lambda user, n_picks=2, seed=0: READERS.onboarding_picks(user, n_picks=n_picks, seed=seed),
        {"user": 0},
        {"user": COUNT, "n_picks": COUNT, "seed": SEED},
        extra={"user": {"out of range": 9}, "n_picks": {"zero": 0, "more than topics": 3}},
    ),
}
_SHOP = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 2, 3],
        "invoice": ["a", "b", "c", "d", "e"],
        "invoice_date": pd.to_datetime(
            ["2011-06-01", "2011-09-05", "2011-06-20", "2011-09-02", "2011-09-03"]
        ),
        "stock_code": ["MUG", "MUG", "BAG", "BAG", "STAR"],
        "description": ["RED MUG", "RED MUG", "JUTE BAG", "JUTE BAG", "XMAS STAR"],
        "revenue": [10.0, 10.0, 8.0, 8.0, 5.0],
    }
)
_SHOP_RETURNS = pd.DataFrame({"customer_id": [2], "invoice_date": pd.to_datetime(["2011-09-10"])})
_SHARES = data.module_shares(_SHOP, as_of="2011-09-01")
_SHOP_SEGMENTS = pd.Series(["known", "known", "new"], index=_SHARES.index)
DATES = {"None": None, "int": 3, "not a date": "soon"}


def _homepage_draw(**kwargs):
    return data.RetailHomepage(_SHARES, _SHOP_SEGMENTS).draw(**kwargs)


def _holdout_true_effect(**kwargs):
    sim = data.simulate_retail_holdout(
        _SHOP, _SHOP_RETURNS, as_of="2011-09-01", n_users=200, seed=0
    )
    return sim.true_effect(**kwargs)


def _homepage_policy_ctr(**kwargs):
    return data.RetailHomepage(_SHARES, _SHOP_SEGMENTS).policy_ctr(**kwargs)


DATA.update(
    {
        "module_shares": Spec(
            data.module_shares,
            {
                "purchases": _SHOP,
                "as_of": "2011-09-01",
                "best_sellers": 10,
                "best_window_days": 90,
                "new_days": 60,
                "seasonal_words": ["XMAS"],
            },
            {
                "purchases": FRAME,
                "as_of": OTHER,
                "end": OTHER,
                "best_sellers": COUNT,
                "best_window_days": COUNT,
                "new_days": COUNT,
                "seasonal_words": NAMES,
            },
            optional=("end",),
            extra={
                "as_of": {**DATES, "after every purchase": "2030-01-01"},
                "end": {"int": 3, "before as_of": "2000-01-01"},
                "best_sellers": {"zero": 0},
                "best_window_days": {"zero": 0},
                "purchases": {"no description": _SHOP.drop(columns="description")},
            },
        ),
        "RetailHomepage": Spec(
            data.RetailHomepage,
            {"shares": _SHARES, "segments": _SHOP_SEGMENTS, "base_ctr": 0.02, "ctr_per_share": 0.1},
            {"shares": FRAME, "segments": OTHER, "base_ctr": REAL, "ctr_per_share": REAL},
            extra={
                "segments": {
                    "None": None,
                    "list": ["known", "known", "new"],
                    "missing customers": _SHOP_SEGMENTS.iloc[1:],
                },
                "base_ctr": {"too large": 0.99},
                "ctr_per_share": {"negative clicks": -1.0},
                "shares": {"no visits": _SHARES.drop(columns="visits")},
            },
        ),
        "RetailHomepage.draw": Spec(
            _homepage_draw,
            {"n_rounds": 10, "rng": np.random.default_rng(0)},
            {"n_rounds": COUNT, "rng": OTHER},
            extra={"n_rounds": {"zero": 0}, "rng": {"None": None, "int": 3}},
        ),
        "RetailHomepage.policy_ctr": Spec(
            _homepage_policy_ctr, {"policy": "segment"}, {"policy": CHOICE}
        ),
        "RetailHoldout.true_effect": Spec(
            _holdout_true_effect,
            {"cap": 100.0},
            {"cap": REAL},
            optional=("cap",),
            extra={"cap": {"zero": 0.0, "negative": -5.0}},
        ),
        "simulate_retail_holdout": Spec(
            data.simulate_retail_holdout,
            {
                "purchases": _SHOP,
                "returns": _SHOP_RETURNS,
                "as_of": "2011-09-01",
                "n_users": 200,
                "seed": 0,
            },
            {
                "purchases": FRAME,
                "returns": FRAME,
                "as_of": OTHER,
                "end": OTHER,
                "n_users": COUNT,
                "holdout_share": REAL,
                "lift": REAL,
                "return_effect": REAL,
                "products_effect": REAL,
                "opt_out_share": REAL,
                "seed": SEED,
            },
            optional=("end",),
            extra={
                "as_of": {**DATES, "after every purchase": "2030-01-01"},
                "end": {"int": 3, "before as_of": "2000-01-01"},
                "n_users": {"too few": 10},
                "holdout_share": {"one": 1.0, "zero": 0.0},
                "lift": {"minus one": -1.0},
                "return_effect": {"above 1": 1.5},
                "products_effect": {"minus one": -1.0},
                "opt_out_share": {"one": 1.0, "negative": -0.1},
                "returns": {"no dates": _SHOP_RETURNS.drop(columns="invoice_date")},
            },
        ),
    }
)
DATA_NOT_CALLED = {
    "MODULES": "constant: the homepage modules of RetailHomepage",
    "RetailHoldout": "result class, built by simulate_retail_holdout (true_effect has a row)",
    "ChecksumError": "exception class",
    "DatasetUnavailableError": "exception class",
    "EVENTS_PER_USER": "constant: events per user of simulate_event_log's defaults",
    "EventLog": "result class, built by simulate_event_log",
    "MovieLens100K": "result class, built by load_movielens_100k",
    "OnboardingData": "result class, built by simulate_onboarding",
    "RetailPurchases": "result class, built by clean_online_retail",
}
# calls whose valid form ends in this error (no copy, no download), not in a result
VALID_RAISES: dict[str, type[Exception]] = {
    "load_test": RuntimeError,  # no server listens there: every request fails
    "load_movielens_100k": data.DatasetUnavailableError,
    "load_bbc_news": data.DatasetUnavailableError,
    "load_online_retail": data.DatasetUnavailableError,
}

# ============================================================================= xplab.recs

ARTICLES = pd.DataFrame(
    [
        ("s1", "sport", "Cup final", "a late goal wins the cup final for the home side"),
        ("s2", "sport", "Replay set", "the cup replay follows a draw and a missed penalty"),
        ("b1", "business", "Rates rise", "the bank raises interest rates as inflation grows"),
        ("b2", "business", "Shares fall", "shares fall as the bank warns on inflation and rates"),
        ("t1", "tech", "New phone", "the phone maker shows a new screen and faster chip"),
        ("t2", "tech", "Chip deal", "a chip maker signs a deal for phone screen parts"),
    ],
    columns=["article_id", "category", "title", "body"],
)
TFIDF = recs.TfidfRecommender(min_df=1).fit(ARTICLES)
POPULARITY = pd.Series([3.0, 1.0], index=["s1", "t1"])
CLICKS = pd.DataFrame({"article_id": ["b1", "s1", "s1"], "timestamp": [10, 0, 10]})

_RERANK_CANDS = pd.DataFrame(
    {"item_id": ["a", "b", "c"], "score": [0.9, 0.5, 0.4], "topic": ["x", "x", "y"]}
)


def _top_k(candidates: pd.DataFrame, similarity: Any, k: int) -> list[Any]:
    return candidates["item_id"].head(k).tolist()


SIM = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.1], [0.5, 0.1, 1.0]])
HISTORY = {
    "None": None,
    "bare string": "s1",
    "unknown id": ["zz"],
    "int": 3,
}
K = {"k": COUNT}
K_EXTRA = {"k": {"zero": 0}}
MATRIX = {
    "None": None,
    "not square": np.ones((3, 2)),
    "1-D": np.ones(3),
    "strings": [["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]],
    "NaN": np.where(np.eye(3) > 0, 1.0, np.nan),
}

# 6 users x 8 items, 5 ratings each (ratings vary, so pearson UserKNN can fit)
RATINGS = pd.DataFrame(
    {
        "user_id": np.repeat(np.arange(1, 7), 5),
        "item_id": [10 * ((u + j) % 8 + 1) for u in range(6) for j in range(5)],
        "rating": [(3 * u + 2 * j) % 5 + 1 for u in range(6) for j in range(5)],
        "timestamp": np.arange(30),
    }
)
RATINGS_BAD = {
    "no item_id": RATINGS[["user_id", "rating"]],
    "empty": RATINGS.iloc[:0],
    "missing id": RATINGS.assign(item_id=[np.nan] + [10.0] * 29),
    "repeated pair": pd.concat([RATINGS, RATINGS.iloc[:1]]),
}
IDS = {"None": None, "empty": [], "2-D": [[1, 2]], "None inside": [1, None]}
ITEM_IDS = {"None": None, "empty": [], "2-D": [[10, 20]], "unknown": [999]}
FEATURES = pd.DataFrame(
    {"drama": [1, 0, 1, 0, 1, 0, 1, 0], "comedy": [0, 1, 1, 0, 0, 1, 1, 0]},
    index=pd.Index(range(10, 90, 10), name="item_id"),
)
TOP = pd.DataFrame(
    {
        "user_id": np.repeat(np.arange(1, 7), 2),
        "item_id": [10 * ((u + 5) % 8 + 1) for u in range(6) for _ in range(2)],
        "rank": [1, 2] * 6,
    }
)
TOP["item_id"] += np.tile([0, 10], 6)
TOP.loc[TOP["item_id"] > 80, "item_id"] = 10
RANKS_BAD = {
    "no rank": TOP[["user_id", "item_id"]],
    "empty": TOP.iloc[:0],
    "rank 0": TOP.assign(rank=TOP["rank"] - 1),
    "repeated rank": TOP.assign(rank=1),
    "fractional rank": TOP.assign(rank=TOP["rank"] + 0.5),
    "missing rank": TOP.assign(rank=[np.nan] + [1.0] * 11),
    "text rank": TOP.assign(rank=TOP["rank"].astype(str)),
    "repeated item": TOP.assign(item_id=10),
}
METRIC_KINDS = {
    "test": FRAME,
    "recommendations": FRAME,
    "k": COUNT,
    "threshold": REAL,
    "missing": CHOICE,
}
METRIC_EXTRA = {
    "test": {"no item_id": RATINGS[["user_id"]], "empty": RATINGS.iloc[:0]},
    "recommendations": RANKS_BAD,
    "k": {"zero": 0},
}
METRIC_VALID = {"test": RATINGS, "recommendations": TOP, "k": 2, "threshold": None}


# the list parameters recommend and top_items share
REQUEST = {"k": 2, "items": None, "exclude_items": None}
REQUEST_KINDS = {
    "k": COUNT,
    "exclude_seen": FLAG,
    "on_unknown": CHOICE,
    "items": OTHER,
    "exclude_items": OTHER,
}
REQUEST_EXTRA = {
    "k": {"zero": 0},
    "items": {**ITEM_IDS, "None": None},
    "exclude_items": {"2-D": [[10, 20]], "None inside": [10, None]},
}


def _model_rows(name: str, make: Any, *, similar: bool) -> dict[str, Spec]:
    """fit, recommend and recommend_for_items (and similar_items) of one model."""
    model = make().fit(RATINGS)
    rows = {
        f"{name}.fit": Spec(
            lambda train: make().fit(train),
            {"train": RATINGS},
            {"train": FRAME},
            extra={"train": RATINGS_BAD},
        ),
        f"{name}.recommend": Spec(
            model.recommend,
            {"user_ids": [1, 2], **REQUEST},
            {"user_ids": OTHER, **REQUEST_KINDS},
            optional=("items", "exclude_items"),
            extra={"user_ids": IDS, **REQUEST_EXTRA},
        ),
        f"{name}.top_items": Spec(
            model.top_items,
            {"user_id": 1, **REQUEST},
            {"user_id": OTHER, **REQUEST_KINDS},
            optional=("items", "exclude_items"),
            extra={"user_id": {"None": None, "a list": [1, 2], "NaN": np.nan}, **REQUEST_EXTRA},
        ),
        f"{name}.recommend_for_items": Spec(
            model.recommend_for_items,
            {"item_ids": [10, 20], "k": 2},
            {"item_ids": OTHER, "k": COUNT, "items": OTHER, "exclude_items": OTHER},
            extra={
                "item_ids": ITEM_IDS,
                "k": {"zero": 0},
                "items": {"empty": [], "2-D": [[10, 20]], "unknown": [999]},
                "exclude_items": {"2-D": [[10, 20]], "None inside": [10, None]},
            },
        ),
    }
    if similar:
        rows[f"{name}.similar_items"] = Spec(
            model.similar_items,
            {"item_id": 10, "k": 2},
            {"item_id": OTHER, "k": COUNT},
            extra={"item_id": {"None": None, "unknown": 999, "a list": [10]}, "k": {"zero": 0}},
        )
    return rows


USERKNN = recs.UserKNN(k=2).fit(RATINGS)
NEWS_READERS = data.NewsReaders(ARTICLES, n_users=5, seed=0)
OTHER_READERS = data.NewsReaders(ARTICLES.iloc[::-1], n_users=5, seed=0)
READER_IDS = {
    "None": None,
    "bare string": "01",
    "fractions": [0.5, 1.0],
    "out of range": [0, 5],
    "negative": [-1, 0],
    "booleans": [True, False],
    "empty": [],
    "2-D": [[0, 1]],
}
SPLIT_KINDS = {"ratings": FRAME, "test_size": REAL}
SPLIT_EXTRA = {"ratings": RATINGS_BAD, "test_size": {"zero": 0.0, "one": 1.0}}

RECS_CORE: dict[str, Spec] = {
    "EASE": Spec(
        recs.EASE,
        {"l2": 1.0, "binary": True},
        {"l2": REAL, "binary": FLAG},
        extra={"l2": {"zero": 0.0, "negative": -1.0}},
    ),
    **_model_rows("EASE", lambda: recs.EASE(l2=1.0), similar=True),
    "ItemKNN": Spec(recs.ItemKNN, {"k": 3}, {"k": COUNT}, extra={"k": {"zero": 0}}),
    **_model_rows("ItemKNN", lambda: recs.ItemKNN(k=3), similar=True),
    "Popularity": Spec(recs.Popularity, {}, {}),
    **_model_rows("Popularity", recs.Popularity, similar=False),
    "UserKNN": Spec(
        recs.UserKNN,
        {"k": 2, "min_k": 1, "similarity": "pearson", "min_support": 1, "rank_by": "votes"},
        {
            "k": COUNT,
            "min_k": COUNT,
            "similarity": CHOICE,
            "min_support": COUNT,
            "rank_by": CHOICE,
        },
        extra={"k": {"zero": 0}, "min_k": {"zero": 0}, "min_support": {"zero": 0}},
    ),
    **_model_rows("UserKNN", lambda: recs.UserKNN(k=2), similar=False),
    "UserKNN.fit [implicit]": Spec(
        lambda train: recs.UserKNN(k=2).fit(train),
        {"train": RATINGS},
        {"train": OTHER},
        extra={"train": {"one rating value": RATINGS.assign(rating=1)}},
    ),
    "UserKNN.predict": Spec(
        USERKNN.predict,
        {"user_ids": [1, 2, 3], "item_ids": [10, 20, 30]},
        {"user_ids": OTHER, "item_ids": OTHER},
        paired=[("user_ids", "item_ids")],
        extra={
            "user_ids": {**IDS, "None inside": [1, None, 3]},
            "item_ids": {"None": None, "empty": [], "None inside": [10, None, 30]},
        },
    ),
    "UserKNN.neighbours": Spec(
        USERKNN.neighbours,
        {"user_id": 1},
        {"user_id": OTHER},
        extra={"user_id": {"None": None, "unknown": 99, "a list": [1, 2]}},
    ),
    "user_similarity": Spec(
        recs.user_similarity,
        {"ratings": USERKNN._X, "similarity": "cosine", "min_support": 1},
        {"ratings": OTHER, "similarity": CHOICE, "min_support": COUNT},
        extra={
            "ratings": {
                "None": None,
                "a DataFrame": RATINGS,
                "a string": "ratings.csv",
                "1-D": np.ones(4),
                "NaN": np.array([[1.0, np.nan], [2.0, 3.0]]),
                "strings": [["1", "2"], ["3", "4"]],
            },
            "min_support": {"zero": 0},
        },
    ),
    "precision_at_k": Spec(
        recs.precision_at_k,
        METRIC_VALID,
        METRIC_KINDS,
        optional=("threshold",),
        extra=METRIC_EXTRA,
    ),
    "recall_at_k": Spec(
        recs.recall_at_k, METRIC_VALID, METRIC_KINDS, optional=("threshold",), extra=METRIC_EXTRA
    ),
    "ndcg_at_k": Spec(
        recs.ndcg_at_k, METRIC_VALID, METRIC_KINDS, optional=("threshold",), extra=METRIC_EXTRA
    ),
    "map_at_k": Spec(
        recs.map_at_k, METRIC_VALID, METRIC_KINDS, optional=("threshold",), extra=METRIC_EXTRA
    ),
    "precision_at_k [threshold]": Spec(
        recs.precision_at_k,
        {**METRIC_VALID, "test": RATINGS[["user_id", "item_id"]], "threshold": None},
        {"threshold": OTHER},
        extra={"threshold": {"without test ratings": 3.0}},
    ),
    "evaluate": Spec(
        recs.evaluate,
        {**METRIC_VALID, "train": RATINGS, "item_features": FEATURES},
        {**METRIC_KINDS, "train": FRAME, "item_features": FRAME},
        optional=("threshold", "train", "item_features"),
        extra={
            **METRIC_EXTRA,
            "train": {**RATINGS_BAD, "missing an item": RATINGS[RATINGS["item_id"] != 10]},
            "item_features": {"missing an item": FEATURES.iloc[1:]},
        },
    ),
    "catalog_coverage": Spec(
        recs.catalog_coverage,
        {"recommendations": TOP, "n_items": 8, "k": 2},
        {"recommendations": FRAME, "n_items": COUNT, "k": COUNT},
        extra={
            "recommendations": RANKS_BAD,
            "n_items": {"zero": 0, "fewer than recommended": 1},
            "k": {"zero": 0},
        },
    ),
    "novelty": Spec(
        recs.novelty,
        {"recommendations": TOP, "train": RATINGS, "k": 2},
        {"recommendations": FRAME, "train": FRAME, "k": COUNT},
        extra={
            "recommendations": RANKS_BAD,
            "train": {**RATINGS_BAD, "missing an item": RATINGS[RATINGS["item_id"] != 10]},
            "k": {"zero": 0},
        },
    ),
    "intra_list_diversity": Spec(
        recs.intra_list_diversity,
        {"recommendations": TOP, "item_features": FEATURES, "k": 2},
        {"recommendations": FRAME, "item_features": FRAME, "k": COUNT},
        extra={
            "recommendations": RANKS_BAD,
            "item_features": {
                "missing an item": FEATURES.iloc[1:],
                "text": FEATURES.astype(str),
                "NaN": FEATURES.astype(float).replace({1.0: np.nan}),
                "inf": FEATURES.astype(float).replace({1.0: np.inf}),
                "no columns": FEATURES[[]],
                "repeated item": pd.concat([FEATURES, FEATURES.iloc[:1]]),
            },
            "k": {"zero": 0, "lists of one": 1},
        },
    ),
    "stratified_split": Spec(
        recs.stratified_split,
        {"ratings": RATINGS, "test_size": 0.25, "seed": 0},
        {**SPLIT_KINDS, "seed": SEED},
        extra=SPLIT_EXTRA,
    ),
    "chronological_split": Spec(
        recs.chronological_split,
        {"ratings": RATINGS, "test_size": 0.25},
        SPLIT_KINDS,
        extra={
            **SPLIT_EXTRA,
            "ratings": {
                **RATINGS_BAD,
                "no timestamp": RATINGS.drop(columns="timestamp"),
                "text timestamps": RATINGS.assign(timestamp=RATINGS["timestamp"].astype(str)),
                "missing timestamp": RATINGS.assign(timestamp=[np.nan] + [1.0] * 29),
            },
        },
    ),
    "cutoff_split": Spec(
        recs.cutoff_split,
        {"frame": RATINGS, "cutoff": 10},
        {"frame": FRAME, "cutoff": OTHER, "column": COLUMN},
        extra={
            "frame": {"no timestamp": RATINGS[["user_id", "item_id"]], "empty": RATINGS.iloc[:0]},
            "cutoff": {"None": None, "boolean": True, "text": "10", "NaN": float("nan")},
        },
    ),
    "validation_scores": Spec(
        recs.validation_scores,
        {
            "train": RATINGS,
            "candidates": {"pop": recs.Popularity()},
            "seeds": (7,),
            "test_size": 0.25,
            "k": 2,
            "metric": "ndcg",
            "threshold": None,
            "progress": False,
        },
        {
            "train": OTHER,
            "candidates": OTHER,
            "seeds": OTHER,
            "test_size": REAL,
            "k": COUNT,
            "metric": CHOICE,
            "threshold": REAL,
            "progress": FLAG,
        },
        optional=("threshold",),
        extra={
            "train": RATINGS_BAD,
            "candidates": {
                "None": None,
                "empty": {},
                "a list": [recs.Popularity()],
                "not a model": {"pop": "Popularity"},
            },
            "seeds": {"None": None, "empty": (), "text": "7", "fraction": (1.5,)},
            "test_size": {"zero": 0.0, "one": 1.0},
            "k": {"zero": 0},
        },
    ),
    "cold_start_sessions": Spec(
        recs.cold_start_sessions,
        {
            "readers": NEWS_READERS,
            "hybrid": recs.HybridRecommender(TFIDF, POPULARITY),
            "tier": "onboarding",
            "users": [0, 1, 2],
            "n_impressions": 3,
            "n_picks": 1,
            "seed": 0,
        },
        {
            "readers": OTHER,
            "hybrid": OTHER,
            "tier": CHOICE,
            "users": OTHER,
            "n_impressions": COUNT,
            "n_picks": COUNT,
            "seed": SEED,
        },
        extra={
            "readers": {"None": None, "a catalog": ARTICLES, "another catalog": OTHER_READERS},
            "hybrid": {"None": None, "a content model": TFIDF},
            "users": READER_IDS,
            "n_impressions": {"zero": 0, "above the catalog": 7},
            "n_picks": {"zero": 0, "above the topics": 4},
        },
    ),
    "filter_bubble": Spec(
        recs.filter_bubble,
        {
            "readers": NEWS_READERS,
            "policy": "mmr",
            "users": [0, 1, 2],
            "n_rounds": 2,
            "k": 2,
            "n_candidates": 4,
            "epsilon": 0.2,
            "lambda_": 0.7,
            "prior": (1.0, 9.0),
            "seed": 0,
        },
        {
            "readers": OTHER,
            "policy": CHOICE,
            "users": OTHER,
            "n_rounds": COUNT,
            "k": COUNT,
            "n_candidates": COUNT,
            "epsilon": REAL,
            "lambda_": REAL,
            "prior": PAIR,
            "seed": SEED,
        },
        extra={
            "readers": {"None": None, "a catalog": ARTICLES},
            "users": READER_IDS,
            "n_rounds": {"zero": 0},
            "k": {"zero": 0, "above the candidates": 5},
            "n_candidates": {"below k": 1, "above the catalog": 7},
            "epsilon": {"above 1": 1.5, "negative": -0.1},
            "lambda_": {"above 1": 1.5, "negative": -0.1},
            "prior": {"zero": (0.0, 1.0), "negative": (1.0, -1.0)},
        },
    ),
}

RECS: dict[str, Spec] = {
    "TfidfRecommender": Spec(
        recs.TfidfRecommender,
        {"duplicate_threshold": 0.8, "min_df": 1},
        {"duplicate_threshold": REAL, "min_df": COUNT},
        extra={"duplicate_threshold": {"zero": 0.0, "above 1": 1.5}, "min_df": {"zero": 0}},
        valid_here={"duplicate_threshold": {"None": "None switches the near-duplicate filter off"}},
    ),
    "TfidfRecommender.fit": Spec(
        lambda articles: recs.TfidfRecommender(min_df=1).fit(articles),
        {"articles": ARTICLES},
        {"articles": FRAME},
        extra={
            "articles": {
                "no body": ARTICLES[["article_id", "category", "title"]],
                "one row": ARTICLES.iloc[:1],
                "repeated id": ARTICLES.assign(article_id="s1"),
            }
        },
    ),
    "TfidfRecommender.recommend": Spec(
        TFIDF.recommend,
        {"history": ["s1"], "k": 2},
        {"history": OTHER, **K},
        extra={"history": {**HISTORY, "empty": []}, **K_EXTRA},
    ),
    "TfidfRecommender.similar": Spec(
        TFIDF.similar,
        {"article_ids": "s1", "k": 2},
        {"article_ids": OTHER, **K},
        extra={
            "article_ids": {
                "None": None,
                "unknown": "zz",
                "empty list": [],
                "unknown in a list": ["s1", "zz"],
            },
            **K_EXTRA,
        },
    ),
    "HybridRecommender": Spec(
        recs.HybridRecommender,
        {"content": TFIDF, "popularity": POPULARITY, "pivot": 1.0, "onboarding_weight": 1.0},
        {"content": OTHER, "popularity": OTHER, "pivot": REAL, "onboarding_weight": REAL},
        extra={
            "content": {"None": None, "unfitted": recs.TfidfRecommender()},
            "popularity": {
                "None": None,
                "a list": [3.0, 1.0],
                "negative": -POPULARITY,
                "strings": POPULARITY.astype(str),
            },
            "pivot": {"zero": 0.0},
            "onboarding_weight": {"negative": -1.0},
        },
    ),
    "HybridRecommender.recommend": Spec(
        recs.HybridRecommender(TFIDF, POPULARITY).recommend,
        {"history": ["s1"], "topics": ["tech"], "k": 2},
        {"history": OTHER, "topics": OTHER, **K},
        extra={
            "history": HISTORY,
            "topics": {"None": None, "bare string": "tech", "unknown": ["weather"], "int": 3},
            **K_EXTRA,
        },
    ),
    "recency_popularity": Spec(
        recs.recency_popularity,
        {"clicks": CLICKS, "half_life": 10.0, "now": 12.0},
        {"clicks": FRAME, "half_life": REAL, "now": REAL},
        optional=("now",),
        extra={
            "clicks": {"no timestamp": CLICKS[["article_id"]], "text times": CLICKS.astype(str)},
            "half_life": {"zero": 0.0},
            "now": {"before a click": 5.0},
        },
    ),
    "mmr": Spec(
        recs.mmr,
        {
            "candidates": [1, 2, 3],
            "scores": [0.3, 0.2, 0.1],
            "similarity": SIM,
            "lambda_": 0.7,
            "k": 2,
        },
        {"candidates": OTHER, "scores": ARRAY, "similarity": OTHER, "lambda_": REAL, "k": COUNT},
        paired=[("candidates", "scores")],
        extra={
            "candidates": {"None": None, "repeated": [1, 1, 3], "bare string": "abc"},
            "similarity": MATRIX,
            "lambda_": {"above 1": 1.2},
            "k": {"zero": 0, "above the candidates": 4},
        },
    ),
    "check_reranker": Spec(
        recs.check_reranker,
        {
            "rerank": _top_k,
            "candidate_lists": [(_RERANK_CANDS, np.eye(3))],
            "k": 2,
            "max_per_topic": 1,
            "duplicate_threshold": 0.8,
            "min_relevance": 0.9,
        },
        {
            "rerank": OTHER,
            "candidate_lists": OTHER,
            "k": COUNT,
            "max_per_topic": COUNT,
            "duplicate_threshold": REAL,
            "min_relevance": REAL,
        },
        extra={
            "rerank": {"None": None, "a list": ["a", "b"]},
            "candidate_lists": {
                "None": None,
                "empty": [],
                "a frame": _RERANK_CANDS,
                "no topic": [(_RERANK_CANDS.drop(columns="topic"), np.eye(3))],
                "wrong similarity": [(_RERANK_CANDS, np.eye(2))],
                "cannot be filled": [(_RERANK_CANDS.assign(topic="x"), np.eye(3))],
                "a bare pair": (_RERANK_CANDS, np.eye(3)),
            },
            "k": {"zero": 0},
            "max_per_topic": {"zero": 0},
            "duplicate_threshold": {"above 1": 1.5},
            "min_relevance": {"negative": -0.1},
        },
    ),
    "list_diversity": Spec(
        recs.list_diversity,
        {"similarity": SIM},
        {"similarity": OTHER},
        extra={"similarity": MATRIX},
    ),
    "topic_coverage": Spec(
        recs.topic_coverage,
        {"topics": ["a", "b", "a"], "n_topics": 4},
        {"topics": OTHER, "n_topics": COUNT},
        extra={
            "topics": {"None": None, "bare string": "aba", "None inside": ["a", None]},
            "n_topics": {"zero": 0, "fewer than seen": 1},
        },
    ),
    "topic_entropy": Spec(
        recs.topic_entropy,
        {"topics": ["a", "b", "a"]},
        {"topics": OTHER},
        extra={
            "topics": {"None": None, "bare string": "aba", "None inside": ["a", None], "empty": []}
        },
    ),
    **RECS_CORE,
}
RECS_NOT_CALLED = {
    "ColdStartResult": "result class, built by cold_start_sessions",
    "Evaluation": "result class, built by evaluate",
    "FilterBubbleResult": "result class, built by filter_bubble",
    "ValidationScores": "result class, built by validation_scores",
}

# ============================================================================= xplab.serving

SV_CACHE_DIR = tempfile.mkdtemp(prefix="xplab-bad-input-")
SV_DATA = serving.synthetic_catalogue(300, 40, dim=8, n_categories=4, seed=0)
SV_INDEX = serving.ANNIndex(SV_DATA.item_vectors, kind="exact")
SV_GENERATOR = serving.make_generator(SV_DATA, n={"als": 20, "copurchase": 10, "popular": 10})
SV_STORE = serving.InProcessStore()
serving.fill_store(SV_STORE, SV_DATA)
SV_FRAME, SV_X = serving.candidate_table(SV_DATA, SV_GENERATOR, SV_STORE, np.arange(30))
SV_RANKER = serving.Ranker(n_estimators=5, min_child_samples=5).fit(
    SV_X,
    serving.synthetic_labels(SV_X, serving.RANKER_FEATURES, seed=0)[0],
    SV_FRAME.groupby("user", sort=False).size().to_numpy(),
)
SV_FRAME["score"] = SV_RANKER.predict(SV_X)
SV_FRAME["proba"] = SV_RANKER.predict_proba(SV_X)
SV_FRAME["price"] = SV_DATA.price[SV_FRAME["item"].to_numpy()]
SV_TRUTH = pd.DataFrame(
    {
        "customer_id": SV_FRAME["user_id"].to_numpy()[::7],
        "stock_code": SV_FRAME["item_id"].to_numpy()[::7],
        "spend": 5.0,
    }
).drop_duplicates(["customer_id", "stock_code"])
SV_LISTS = serving.top_k_lists(SV_FRAME, "score", k=5)
SV_SERVICE = serving.RecommendationService(SV_DATA, SV_STORE, SV_GENERATOR, SV_RANKER)
SV_USER = serving.fetch_user(SV_STORE, 3, dim=8, n_user_features=9)
SV_CANDS = SV_GENERATOR.generate(SV_USER)
SV_ITEM_ROWS = SV_STORE.read("item", SV_CANDS.items)
SV_RULES = serving.RuleSet([serving.OutOfStock()])
SV_TIMINGS = [SV_SERVICE.recommend(u).timings_ms for u in range(3)]
SV_PURCHASES = pd.DataFrame(
    {
        "invoice": ["1", "1", "2", "3", "3", "4"],
        "stock_code": ["A", "B", "A", "A", "C", "B"],
        "invoice_date": pd.to_datetime(
            ["2011-01-03", "2011-01-03", "2011-01-20", "2011-01-10", "2011-01-10", "2011-02-05"]
        ),
        "customer_id": [1, 1, 1, 2, 2, 3],
        "quantity": [2, 1, 4, 1, 6, 2],
        "unit_price": [1.5, 4.0, 1.5, 1.5, 0.5, 4.0],
        "description": ["BAG", "CANDLE", "BAG", "BAG", "MUG", "CANDLE"],
    }
)
SV_CATEGORIES = data.categorise_products(SV_PURCHASES)
SV_RETURNS = SV_PURCHASES.iloc[:1].assign(quantity=-2)
SV_NOW = {"None": None, "not a date": "yesterday"}
SV_MATRIX = {"None": None, "a list": [[1.0, 0.0]], "dense array": np.ones((2, 2))}
SV_VECTORS = {
    "None": None,
    "1-D": np.ones(8, dtype=np.float32),
    "strings": np.full((3, 8), "1"),
    "NaN": np.full((3, 8), np.nan, dtype=np.float32),
    "empty": np.empty((0, 8), dtype=np.float32),
}
SV_QUERIES = {k: v for k, v in SV_VECTORS.items() if k != "1-D"}  # one 1-D query is valid
SV_PURCHASES_BAD = {
    "no invoice": SV_PURCHASES.drop(columns="invoice"),
    "empty": SV_PURCHASES.iloc[:0],
}
SV_FRAME_BAD = {"no user": SV_FRAME.drop(columns="user"), "empty": SV_FRAME.iloc[:0]}
SV_TRUTH_BAD = {"no spend": SV_TRUTH.drop(columns="spend"), "empty": SV_TRUTH.iloc[:0]}
SV_LISTS_BAD = {"no rank": SV_LISTS.drop(columns="rank"), "empty": SV_LISTS.iloc[:0]}
NOT_OBJECT = {"None": None, "a string": "x", "a number": 3}
SV_EXPERIMENT_FRAMES = {"candidates": FRAME, "truth": FRAME}

SERVING: dict[str, Spec] = {
    "synthetic_catalogue": Spec(
        serving.synthetic_catalogue,
        {"n_items": 300, "n_users": 40, "dim": 8, "n_clusters": None},
        {
            "n_items": COUNT,
            "n_users": COUNT,
            "dim": COUNT,
            "n_clusters": COUNT,
            "n_categories": COUNT,
            "history_length": COUNT,
            "n_neighbours": COUNT,
            "seed": SEED,
        },
        optional=("n_clusters",),
        extra={
            "n_items": {"one": 1},
            "history_length": {"more than items": 1000},
            "n_clusters": {"more than items": 1000},
        },
    ),
    "synthetic_labels": Spec(
        serving.synthetic_labels,
        {"features": SV_X[:5], "feature_names": serving.RANKER_FEATURES, "seed": 0},
        {"features": OTHER, "feature_names": OTHER, "seed": SEED},
        extra={
            "features": {
                "None": None,
                "strings": np.full((5, 17), "1"),
                "1-D": SV_X[0],
                "wrong width": SV_X[:5, :3],
            },
            "feature_names": {
                "None": None,
                "without als_score": serving.RANKER_FEATURES[:10],
                "bare string": "als_score",
            },
        },
    ),
    "simulate_stock_and_margin": Spec(
        serving.simulate_stock_and_margin,
        {"item_ids": ["A", "B"], "seed": 0},
        {"item_ids": OTHER, "seed": SEED},
        extra={"item_ids": {"None": None, "bare string": "AB", "empty": [], "2-D": [["A", "B"]]}},
    ),
    "ANNIndex": Spec(
        serving.ANNIndex,
        {"vectors": SV_DATA.item_vectors, "kind": "ivf", "n_lists": 4},
        {
            "vectors": OTHER,
            "kind": CHOICE,
            "m": COUNT,
            "ef_construction": COUNT,
            "ef_search": COUNT,
            "n_lists": COUNT,
            "n_probe": COUNT,
            "seed": SEED,
        },
        optional=("n_lists",),
        extra={"vectors": SV_VECTORS, "m": {"one": 1}, "n_lists": {"more than vectors": 1000}},
    ),
    "ANNIndex.search": Spec(
        SV_INDEX.search,
        {"queries": SV_DATA.user_vectors[:2], "k": 5},
        {"queries": OTHER, "k": COUNT},
        extra={
            "queries": {**SV_QUERIES, "wrong dimension": np.ones((2, 3), np.float32)},
            "k": {"zero": 0},
        },
    ),
    "ANNIndex.set_search": Spec(
        serving.ANNIndex(SV_DATA.item_vectors, kind="hnsw", m=4).set_search,
        {"ef_search": 16, "n_probe": None},
        {"ef_search": COUNT, "n_probe": COUNT},
        optional=("ef_search", "n_probe"),
        extra={"ef_search": {"zero": 0}},
    ),
    "ann_recall": Spec(
        serving.ann_recall,
        {"approximate": SV_INDEX, "exact": SV_INDEX, "queries": SV_DATA.user_vectors[:3], "k": 5},
        {"approximate": OTHER, "exact": OTHER, "queries": OTHER, "k": COUNT},
        extra={
            "approximate": {"None": None, "an array": SV_DATA.item_vectors},
            "exact": {
                "None": None,
                "not exact": serving.ANNIndex(SV_DATA.item_vectors, kind="hnsw", m=4),
            },
            "queries": SV_QUERIES,
            "k": {"zero": 0},
        },
    ),
    "cached_index": Spec(
        serving.cached_index,
        {"vectors": SV_DATA.item_vectors[:50], "cache_dir": SV_CACHE_DIR, "kind": "exact"},
        {"vectors": OTHER, "cache_dir": OTHER, "kind": CHOICE},
        extra={"vectors": SV_VECTORS, "cache_dir": {"None": None, "int": 3}},
    ),
    "EmbeddingSource": Spec(
        serving.EmbeddingSource,
        {"index": SV_INDEX, "item_vectors": SV_DATA.item_vectors, "n": 5},
        {"index": OTHER, "item_vectors": OTHER, "n": COUNT, "name": TEXT},
        extra={
            "index": {"None": None, "an array": SV_DATA.item_vectors},
            "item_vectors": {**SV_VECTORS, "other vectors": SV_DATA.item_vectors[:10]},
            "n": {"zero": 0},
        },
    ),
    "CoPurchaseSource": Spec(
        serving.CoPurchaseSource,
        {
            "neighbour_indptr": SV_DATA.neighbour_indptr,
            "neighbours": SV_DATA.neighbours,
            "recent": 3,
            "n": 10,
        },
        {"neighbour_indptr": OTHER, "neighbours": OTHER, "recent": COUNT, "n": COUNT, "name": TEXT},
        extra={
            "neighbour_indptr": {
                "None": None,
                "decreasing": SV_DATA.neighbour_indptr[::-1],
                "too short": SV_DATA.neighbour_indptr[:1],
                "fractions": SV_DATA.neighbour_indptr + 0.5,
            },
            "neighbours": {
                "None": None,
                "one column": SV_DATA.neighbours[:, :1],
                "strings": np.full((3, 2), "1"),
            },
            "recent": {"zero": 0},
            "n": {"zero": 0},
        },
    ),
    "PopularSource": Spec(
        serving.PopularSource,
        {"popular": SV_DATA.popular, "n_items": 300, "n": 10},
        {"popular": OTHER, "n_items": COUNT, "n": COUNT, "name": TEXT},
        extra={
            "popular": {
                "None": None,
                "one column": SV_DATA.popular[:, :1],
                "empty": SV_DATA.popular[:0],
                "strings": np.full((3, 2), "1"),
            },
            "n_items": {"zero": 0, "fewer than listed": 2},
            "n": {"zero": 0},
        },
    ),
    "CandidateGenerator": Spec(
        serving.CandidateGenerator,
        {"sources": SV_GENERATOR.sources},
        {"sources": OTHER},
        extra={
            "sources": {
                "None": None,
                "empty": [],
                "not a source": [3],
                "same name twice": SV_GENERATOR.sources[:1] * 2,
            }
        },
    ),
    "CandidateGenerator.generate": Spec(
        SV_GENERATOR.generate,
        {"user": SV_USER},
        {"user": OTHER},
        extra={"user": NOT_OBJECT},
    ),
    "InProcessStore": Spec(serving.InProcessStore, {}, {}),
    "InProcessStore.write": Spec(
        serving.InProcessStore().write,
        {"table": "t", "values": np.ones((3, 2))},
        {"table": TEXT, "values": OTHER},
        extra={
            "table": {"with a colon": "a:b"},
            "values": {"None": None, "strings": [["a"]], "3-D": np.ones((2, 2, 2))},
        },
    ),
    "InProcessStore.write_lists": Spec(
        serving.InProcessStore().write_lists,
        {"table": "t", "indptr": [0, 1, 3], "values": np.ones((3, 2))},
        {"table": TEXT, "indptr": OTHER, "values": OTHER},
        extra={
            "table": {"with a colon": "a:b"},
            "indptr": {
                "None": None,
                "not ending at len(values)": [0, 1, 2],
                "fractions": [0, 0.5, 3],
            },
            "values": {"None": None, "strings": [["a"]]},
        },
    ),
    "InProcessStore.read": Spec(
        SV_STORE.read,
        {"table": "item", "keys": [0, 1]},
        {"table": TEXT, "keys": OTHER},
        extra={
            "table": {"unknown": "nope"},
            "keys": {
                "None": None,
                "fractions": [0.5],
                "negative": [-1],
                "too large": [10**6],
                "strings": ["1"],
            },
        },
    ),
    "InProcessStore.read_list": Spec(
        SV_STORE.read_list,
        {"table": "history", "key": 2},
        {"table": TEXT, "key": OTHER},
        extra={
            "table": {"unknown": "nope"},
            "key": {"None": None, "fraction": 0.5, "negative": -1, "too large": 10**6},
        },
    ),
    "InProcessStore.read_many": Spec(
        SV_STORE.read_many,
        {"rows": {"item": [0]}, "lists": {"history": 1}},
        {"rows": OTHER, "lists": OTHER},
        optional=("lists",),
        extra={
            "rows": {"None": None, "a list": ["item"], "unknown table": {"nope": [0]}},
            "lists": {"a list": ["history"], "unknown table": {"nope": 0}},
        },
    ),
    "RedisStore": Spec(
        serving.RedisStore,
        {"url": "redis://127.0.0.1:6379/0", "prefix": "p"},
        {"url": TEXT, "prefix": TEXT, "batching": CHOICE, "chunk": COUNT},
        extra={
            "url": {"http": "http://127.0.0.1:6379"},
            "prefix": {"with a colon": "a:b"},
            "chunk": {"zero": 0},
        },
    ),
    "local_redis_server": Spec(
        serving.local_redis_server,
        {"timeout": 5.0},
        {"timeout": REAL},
        extra={"timeout": {"zero": 0.0, "negative": -1.0}},
    ),
    "fill_store": Spec(
        serving.fill_store,
        {"store": serving.InProcessStore(), "data": SV_DATA},
        {"store": OTHER, "data": OTHER},
        extra={"store": NOT_OBJECT, "data": NOT_OBJECT},
    ),
    "fetch_user": Spec(
        serving.fetch_user,
        {"store": SV_STORE, "row": 2, "dim": 8, "n_user_features": 9},
        {"store": OTHER, "row": OTHER, "dim": COUNT, "n_user_features": COUNT},
        extra={
            "store": NOT_OBJECT,
            "row": {"None": None, "fraction": 2.5, "text": "2", "below -1": -2, "too large": 10**6},
            "dim": {"zero": 0},
        },
    ),
    "ranker_features": Spec(
        serving.ranker_features,
        {"user": SV_USER, "candidates": SV_CANDS, "item_rows": SV_ITEM_ROWS},
        {"user": OTHER, "candidates": OTHER, "item_rows": OTHER},
        extra={
            "user": NOT_OBJECT,
            "candidates": NOT_OBJECT,
            "item_rows": {
                "None": None,
                "wrong shape": SV_ITEM_ROWS[:1],
                "strings": np.full(SV_ITEM_ROWS.shape, "1"),
            },
        },
    ),
    "Ranker": Spec(
        serving.Ranker,
        {"n_estimators": 5},
        {
            "n_estimators": COUNT,
            "learning_rate": REAL,
            "num_leaves": COUNT,
            "min_child_samples": COUNT,
            "n_jobs": COUNT,
            "seed": SEED,
            "feature_names": OTHER,
        },
        extra={
            "n_estimators": {"zero": 0},
            "learning_rate": {"zero": 0.0},
            "num_leaves": {"one": 1},
            "min_child_samples": {"zero": 0},
            "n_jobs": {"zero": 0},
            "feature_names": {
                "None": None,
                "bare string": "abc",
                "empty": (),
                "int inside": ("a", 1),
                "repeated": ("a", "a"),
            },
        },
    ),
    "Ranker.fit": Spec(
        serving.Ranker(n_estimators=2, min_child_samples=5).fit,
        {
            "features": SV_X[:40],
            "labels": np.r_[np.ones(4, int), np.zeros(36, int)],
            "groups": [20, 20],
        },
        {"features": OTHER, "labels": OTHER, "groups": OTHER},
        extra={
            "features": {
                "None": None,
                "wrong width": SV_X[:40, :3],
                "strings": np.full((40, 17), "1"),
            },
            "labels": {
                "None": None,
                "negative": -np.ones(40, int),
                "fractions": np.full(40, 0.5),
                "too few": np.ones(3, int),
            },
            "groups": {
                "None": None,
                "wrong total": [20, 10],
                "zero size": [40, 0],
                "fractions": [20.5, 19.5],
            },
        },
    ),
    "Ranker.predict": Spec(
        SV_RANKER.predict,
        {"features": SV_X[:4]},
        {"features": OTHER},
        extra={
            "features": {
                "None": None,
                "wrong width": SV_X[:4, :3],
                "strings": np.full((4, 17), "1"),
            }
        },
    ),
    "Ranker.predict_proba": Spec(
        SV_RANKER.predict_proba,
        {"features": SV_X[:4]},
        {"features": OTHER},
        extra={"features": {"None": None, "wrong width": SV_X[:4, :3]}},
    ),
    "Ranker.probability": Spec(
        SV_RANKER.probability,
        {"scores": [0.1, -0.3]},
        {"scores": ARRAY},
    ),
    "Ranker.calibrate": Spec(
        serving.Ranker(n_estimators=2, min_child_samples=5)
        .fit(SV_X[:40], np.r_[np.ones(4, int), np.zeros(36, int)], [20, 20])
        .calibrate,
        {"scores": [0.1, 0.2, -0.3, 0.5], "labels": [1, 0, 0, 1]},
        {"scores": ARRAY, "labels": ARRAY},
        paired=[("scores", "labels")],
        extra={"labels": {"not 0/1": [2, 0, 0, 1]}},
    ),
    "OutOfStock": Spec(serving.OutOfStock, {}, {}),
    "AlreadyBought": Spec(serving.AlreadyBought, {}, {}),
    "PriceFloor": Spec(
        serving.PriceFloor, {"floor": 1.0}, {"floor": REAL}, extra={"floor": {"zero": 0.0}}
    ),
    "MarginFloor": Spec(
        serving.MarginFloor, {"floor": 0.5}, {"floor": REAL}, extra={"floor": {"negative": -1.0}}
    ),
    "CategoryCap": Spec(
        serving.CategoryCap, {"cap": 3}, {"cap": COUNT}, extra={"cap": {"zero": 0}}
    ),
    "SponsoredSlots": Spec(
        serving.SponsoredSlots,
        {"slots": (3,), "cap": 1},
        {"slots": OTHER, "cap": COUNT},
        extra={"slots": {"None": None, "empty": (), "zero": (0,), "text": "3", "fraction": (2.5,)}},
    ),
    "RuleSet": Spec(
        serving.RuleSet,
        {"rules": [serving.OutOfStock()]},
        {"rules": OTHER},
        extra={
            "rules": {
                "None": None,
                "a name": "OutOfStock",
                "names": ["OutOfStock"],
                "a class": [serving.OutOfStock],
            }
        },
    ),
    "RuleSet.bind": Spec(
        SV_RULES.bind, {"data": SV_DATA}, {"data": OTHER}, extra={"data": NOT_OBJECT}
    ),
    "objective_scores": Spec(
        serving.objective_scores,
        {"proba": [0.2, 0.1], "price": [1.0, 5.0], "weight": 0.5},
        {"proba": ARRAY, "price": ARRAY, "weight": REAL},
        paired=[("proba", "price")],
        extra={
            "proba": {"above 1": [1.2, 0.1], "zero": [0.0, 0.1]},
            "price": {"zero": [0.0, 1.0]},
            "weight": {"above 1": 1.5, "negative": -0.1},
        },
    ),
    "RecommendationService": Spec(
        serving.RecommendationService,
        {
            "data": SV_DATA,
            "store": SV_STORE,
            "generator": SV_GENERATOR,
            "ranker": SV_RANKER,
            "rules": SV_RULES,
        },
        {
            "data": OTHER,
            "store": OTHER,
            "generator": OTHER,
            "ranker": OTHER,
            "rules": OTHER,
            "objective_weight": REAL,
        },
        optional=("ranker", "rules"),
        extra={
            "data": NOT_OBJECT,
            "store": NOT_OBJECT,
            "generator": {**NOT_OBJECT, "a list of sources": SV_GENERATOR.sources},
            "ranker": {"a string": "lightgbm", "unfitted": serving.Ranker()},
            "rules": {"a list": [serving.OutOfStock()]},
            "objective_weight": {"above 1": 1.5},
        },
    ),
    "RecommendationService.recommend": Spec(
        SV_SERVICE.recommend,
        {"user_id": 3, "k": 5},
        {"user_id": OTHER, "k": COUNT},
        extra={"user_id": {"None": None, "a list": [3], "a dict": {}}, "k": {"zero": 0}},
    ),
    "measure_latency": Spec(
        serving.measure_latency,
        {"service": SV_SERVICE, "user_ids": [1, 2], "warmup": 1},
        {"service": OTHER, "user_ids": OTHER, "k": COUNT, "warmup": COUNT},
        extra={
            "service": NOT_OBJECT,
            "user_ids": {"None": None, "bare string": "12", "empty": [], "a number": 3},
            "k": {"zero": 0},
        },
    ),
    "latency_table": Spec(
        serving.latency_table,
        {"timings": SV_TIMINGS},
        {"timings": OTHER},
        extra={
            "timings": {
                "None": None,
                "empty": [],
                "a dict": SV_TIMINGS[0],
                "not dicts": [1, 2],
                "no numbers": [{"total": "fast"}],
            }
        },
    ),
    "make_app": Spec(
        serving.make_app,
        {"service": SV_SERVICE},
        {"service": OTHER, "max_k": COUNT},
        extra={"service": NOT_OBJECT, "max_k": {"zero": 0}},
    ),
    "serve": Spec(
        serving.serve, {"service": SV_SERVICE}, {"service": OTHER}, extra={"service": NOT_OBJECT}
    ),
    "LocalServer": Spec(
        serving.LocalServer,
        {"app": serving.make_app(SV_SERVICE)},
        {"app": OTHER, "port": COUNT, "timeout": REAL},
        optional=("port",),
        extra={
            "app": NOT_OBJECT,
            "port": {"zero": 0, "too large": 70_000},
            "timeout": {"zero": 0.0},
        },
    ),
    "load_test": Spec(
        serving.load_test,
        {
            "url": "http://127.0.0.1:9",
            "user_ids": [1],
            "n_requests": 1,
            "concurrency": 1,
            "timeout": 0.5,
        },
        {
            "url": TEXT,
            "user_ids": OTHER,
            "concurrency": COUNT,
            "n_requests": COUNT,
            "k": COUNT,
            "timeout": REAL,
        },
        extra={
            "url": {"remote": "http://example.com", "no scheme": "127.0.0.1:9"},
            "user_ids": {"None": None, "bare string": "12", "empty": []},
            "concurrency": {"zero": 0},
            "n_requests": {"zero": 0},
            "k": {"zero": 0},
            "timeout": {"zero": 0.0},
        },
    ),
    "candidate_recall": Spec(
        serving.candidate_recall,
        {"candidates": SV_FRAME, "truth": SV_TRUTH},
        {"candidates": FRAME, "truth": FRAME},
        extra={
            "candidates": {"no item_id": SV_FRAME.drop(columns="item_id")},
            "truth": {
                "empty": SV_TRUTH.iloc[:0],
                "no stock_code": SV_TRUTH.drop(columns="stock_code"),
            },
        },
    ),
    "top_k_lists": Spec(
        serving.top_k_lists,
        {"candidates": SV_FRAME, "score": "score", "k": 5, "rules": SV_RULES, "data": SV_DATA},
        {"candidates": FRAME, "score": OTHER, "k": COUNT, "rules": OTHER, "data": OTHER},
        optional=("rules", "data"),
        extra={
            "candidates": SV_FRAME_BAD,
            "score": {
                "None": None,
                "unknown column": "nope",
                "wrong length": np.ones(3),
                "NaN": np.full(len(SV_FRAME), np.nan),
            },
            "k": {"zero": 0},
            "rules": {"a list": [serving.OutOfStock()]},
            "data": {"a string": "data"},
        },
    ),
    "list_metrics": Spec(
        serving.list_metrics,
        {"lists": SV_LISTS, "truth": SV_TRUTH, "k": 5},
        {"lists": FRAME, "truth": FRAME, "k": COUNT},
        extra={"lists": SV_LISTS_BAD, "truth": SV_TRUTH_BAD, "k": {"zero": 0}},
    ),
    "compare_lists": Spec(
        serving.compare_lists,
        {"a": SV_LISTS, "b": SV_LISTS, "truth": SV_TRUTH, "k": 5, "n_boot": 100},
        {
            "a": FRAME,
            "b": FRAME,
            "truth": FRAME,
            "k": COUNT,
            "names": OTHER,
            "metrics": OTHER,
            "n_boot": COUNT,
            "seed": SEED,
        },
        extra={
            "a": SV_LISTS_BAD,
            "b": SV_LISTS_BAD,
            "truth": SV_TRUTH_BAD,
            "k": {"zero": 0},
            "names": {"None": None, "one name": ("a",), "bare string": "ab", "not text": (1, 2)},
            "metrics": {"None": None, "unknown": ("clicks",), "bare string": "ndcg", "empty": ()},
            "n_boot": {"too few": 10},
        },
    ),
    "bootstrap_interval": Spec(
        serving.bootstrap_interval,
        {"values": [1.0, 2.0, 4.0, 3.0], "n_boot": 200},
        {"values": ARRAY, "n_boot": COUNT, "seed": SEED, "level": REAL},
        extra={
            "values": {"one value": [1.0]},
            "n_boot": {"too few": 10},
            "level": {"one": 1.0, "zero": 0.0},
        },
    ),
    "rule_costs": Spec(
        serving.rule_costs,
        {
            "candidates": SV_FRAME,
            "truth": SV_TRUTH,
            "data": SV_DATA,
            "rules": {"stock": SV_RULES},
            "k": 5,
        },
        {
            "candidates": FRAME,
            "truth": FRAME,
            "data": OTHER,
            "rules": OTHER,
            "score": COLUMN,
            "k": COUNT,
        },
        extra={
            "candidates": SV_FRAME_BAD,
            "truth": SV_TRUTH_BAD,
            "data": NOT_OBJECT,
            "rules": {
                "None": None,
                "empty": {},
                "a RuleSet": SV_RULES,
                "not a RuleSet": {"stock": [serving.OutOfStock()]},
            },
            "k": {"zero": 0},
        },
    ),
    "objective_sweep": Spec(
        serving.objective_sweep,
        {"candidates": SV_FRAME, "truth": SV_TRUTH, "weights": (0.0, 1.0), "k": 5},
        {"candidates": FRAME, "truth": FRAME, "weights": OTHER, "k": COUNT},
        extra={
            "candidates": {**SV_FRAME_BAD, "no proba": SV_FRAME.drop(columns="proba")},
            "truth": SV_TRUTH_BAD,
            "weights": {"None": None, "above 1": (0.0, 2.0), "empty": (), "a number": 0.5},
            "k": {"zero": 0},
        },
    ),
    "RuleRequirements": Spec(
        serving.RuleRequirements,
        {"max_per_category": 3, "sponsored": (1, 1), "min_margin": None, "max_revenue_loss": 0.1},
        {
            "no_out_of_stock": FLAG,
            "max_per_category": COUNT,
            "sponsored": OTHER,
            "min_margin": REAL,
            "max_revenue_loss": REAL,
        },
        optional=("max_per_category", "sponsored", "min_margin", "max_revenue_loss"),
        extra={
            "max_per_category": {"zero": 0},
            "sponsored": {"one number": 1, "low above high": (2, 1), "negative": (-1, 1)},
            "min_margin": {"negative": -0.5},
            "max_revenue_loss": {"above 1": 1.5, "negative": -0.1},
        },
    ),
    "audit_rules": Spec(
        serving.audit_rules,
        {
            "rules": SV_RULES,
            "candidates": SV_FRAME,
            "truth": SV_TRUTH,
            "data": SV_DATA,
            "requirements": serving.RuleRequirements(sponsored=None, max_per_category=None),
            "k": 5,
        },
        {
            "candidates": FRAME,
            "truth": FRAME,
            "data": OTHER,
            "requirements": OTHER,
            "score": COLUMN,
            "k": COUNT,
        },
        extra={
            "candidates": SV_FRAME_BAD,
            "truth": SV_TRUTH_BAD,
            "data": NOT_OBJECT,
            "requirements": {**NOT_OBJECT, "a dict": {"max_per_category": 3}},
            "k": {"zero": 0},
        },
    ),
    "shap_values": Spec(
        serving.shap_values,
        {"ranker": SV_RANKER, "features": SV_X[:2]},
        {"ranker": OTHER, "features": OTHER},
        extra={
            "ranker": {**NOT_OBJECT, "unfitted": serving.Ranker()},
            "features": {
                "None": None,
                "wrong width": SV_X[:2, :3],
                "strings": np.full((2, 17), "1"),
            },
        },
    ),
    "explain_item": Spec(
        serving.explain_item,
        {"ranker": SV_RANKER, "features": SV_X[:1]},
        {"ranker": OTHER, "features": OTHER, "category_names": OTHER},
        extra={
            "ranker": {**NOT_OBJECT, "unfitted": serving.Ranker()},
            "features": {"None": None, "two rows": SV_X[:2], "wrong width": SV_X[:1, :3]},
            "category_names": {"None": None, "bare string": "abc", "int inside": ("a", 1)},
        },
    ),
    "explain_recommendation": Spec(
        serving.explain_recommendation,
        {"service": SV_SERVICE, "user_id": 3, "item_id": int(SV_CANDS.items[0])},
        {"service": OTHER, "user_id": OTHER, "item_id": OTHER},
        extra={
            "service": {
                **NOT_OBJECT,
                "without a ranker": serving.RecommendationService(SV_DATA, SV_STORE, SV_GENERATOR),
            },
            "user_id": {"None": None, "unknown": 10**6, "a list": [3]},
            "item_id": {"None": None, "not a candidate": -1},
        },
    ),
    "customer_features": Spec(
        serving.customer_features,
        {"purchases": SV_PURCHASES, "now": "2011-02-01", "categories": SV_CATEGORIES},
        {"purchases": FRAME, "now": OTHER, "categories": FRAME},
        extra={
            "purchases": SV_PURCHASES_BAD,
            "now": SV_NOW,
            "categories": {"no category": SV_CATEGORIES.drop(columns="category")},
        },
    ),
    "product_features": Spec(
        serving.product_features,
        {"purchases": SV_PURCHASES, "now": "2011-02-01", "categories": SV_CATEGORIES},
        {"purchases": FRAME, "now": OTHER, "categories": FRAME, "recent_days": COUNT},
        extra={
            "purchases": SV_PURCHASES_BAD,
            "now": SV_NOW,
            "categories": {"no category": SV_CATEGORIES.drop(columns="category")},
            "recent_days": {"zero": 0},
        },
    ),
    "purchase_history": Spec(
        serving.purchase_history,
        {"purchases": SV_PURCHASES, "now": "2011-02-01"},
        {"purchases": FRAME, "now": OTHER},
        extra={"purchases": SV_PURCHASES_BAD, "now": SV_NOW},
    ),
    "copurchase_neighbours": Spec(
        serving.copurchase_neighbours,
        {"purchases": SV_PURCHASES, "items": pd.Index(["A", "B", "C"])},
        {"purchases": FRAME, "items": OTHER, "n_neighbours": COUNT},
        extra={
            "purchases": SV_PURCHASES_BAD,
            "items": {
                "None": None,
                "bare string": "ABC",
                "empty": pd.Index([]),
                "repeated": pd.Index(["A", "A"]),
            },
            "n_neighbours": {"zero": 0},
        },
    ),
    "fit_als": Spec(
        serving.fit_als,
        {"matrix": sparse.csr_matrix(np.eye(4)), "factors": 2, "iterations": 2},
        {
            "matrix": OTHER,
            "factors": COUNT,
            "regularization": REAL,
            "alpha": REAL,
            "iterations": COUNT,
            "seed": SEED,
        },
        extra={
            "matrix": SV_MATRIX,
            "factors": {"zero": 0},
            "regularization": {"zero": 0.0},
            "alpha": {"negative": -1.0},
            "iterations": {"zero": 0},
        },
    ),
    "retail_serving_data": Spec(
        serving.retail_serving_data,
        {
            "purchases": SV_PURCHASES,
            "now": "2011-02-01",
            "categories": SV_CATEGORIES,
            "als": {"factors": 2, "iterations": 2},
        },
        {
            "purchases": FRAME,
            "now": OTHER,
            "categories": FRAME,
            "als": OTHER,
            "n_neighbours": COUNT,
            "n_popular": COUNT,
        },
        extra={
            "purchases": SV_PURCHASES_BAD,
            "now": {**SV_NOW, "before every purchase": "2010-01-01"},
            "categories": {"no category": SV_CATEGORIES.drop(columns="category")},
            "als": {"None": None, "unknown setting": {"factor": 2}, "a list": [2, 2]},
            "n_neighbours": {"zero": 0},
            "n_popular": {"zero": 0},
        },
    ),
    "next_period_spend": Spec(
        serving.next_period_spend,
        {"purchases": SV_PURCHASES, "returns": SV_RETURNS, "start": "2011-01-15", "end": None},
        {"purchases": FRAME, "returns": FRAME, "start": OTHER, "end": OTHER},
        optional=("end",),
        extra={
            "purchases": SV_PURCHASES_BAD,
            "returns": {"no quantity": SV_RETURNS.drop(columns="quantity")},
            "start": SV_NOW,
            "end": {"not a date": "tomorrow", "before start": "2011-01-01"},
        },
    ),
    "make_generator": Spec(
        serving.make_generator,
        {"data": SV_DATA, "index": SV_INDEX, "n": {"als": 5, "copurchase": 5, "popular": 5}},
        {"data": OTHER, "index": OTHER, "n": OTHER, "recent": COUNT},
        optional=("index",),
        extra={
            "data": NOT_OBJECT,
            "index": {
                "an array": SV_DATA.item_vectors,
                "another catalogue's": serving.ANNIndex(SV_DATA.item_vectors[:10], kind="exact"),
            },
            "n": {
                "None": None,
                "missing a source": {"als": 5},
                "zero": {"als": 0, "copurchase": 5, "popular": 5},
            },
            "recent": {"zero": 0},
        },
    ),
    "candidate_table": Spec(
        serving.candidate_table,
        {"data": SV_DATA, "generator": SV_GENERATOR, "store": SV_STORE, "user_rows": [0, 1]},
        {"data": OTHER, "generator": OTHER, "store": OTHER, "user_rows": OTHER},
        extra={
            "data": NOT_OBJECT,
            "generator": NOT_OBJECT,
            "store": NOT_OBJECT,
            "user_rows": {
                "None": None,
                "empty": [],
                "fractions": [0.5],
                "negative": [-1],
                "too large": [10**6],
                "bare string": "01",
            },
        },
    ),
    "merge_candidates": Spec(
        serving.merge_candidates,
        {"proposed": [np.array([5, 3]), np.array([3, 9])]},
        {"proposed": OTHER},
        extra={
            "proposed": {
                "None": None,
                "empty": [],
                "bare string": "ab",
                "2-D": [np.ones((2, 2), int)],
                "fractions": [np.array([0.5])],
            }
        },
    ),
    "benchmark_record": Spec(
        serving.benchmark_record,
        {"name": "bench_spark_als"},
        {"name": TEXT},
        extra={"name": {"unknown": "bench_nothing"}},
    ),
    "retail_cache_path": Spec(
        serving.retail_cache_path,
        {"cache_dir": SV_CACHE_DIR},
        {"cache_dir": OTHER},
        optional=("cache_dir",),
        extra={"cache_dir": {"int": 3, "a list": ["a"]}},
    ),
}
SERVING_NOT_CALLED = {
    "ALS_PARAMS": "constant: the ALS settings",
    "CUTOFFS": "constant: the period boundaries",
    "HISTORY_COLUMNS": "constant: column names",
    "ITEM_FEATURES": "constant: column names",
    "PAIR_FEATURES": "constant: column names",
    "RANKER_FEATURES": "constant: column names",
    "STAGES": "constant: the stage names",
    "USER_FEATURES": "constant: column names",
    "Candidates": "result class, built by CandidateGenerator.generate",
    "Comparison": "result class, built by compare_lists",
    "Explanation": "result class, built by explain_item",
    "FeatureStore": "interface: the base class of InProcessStore and RedisStore",
    "LatencyReport": "result class, built by latency_table",
    "LoadTestResult": "result class, built by load_test",
    "Recommendation": "result class, built by RecommendationService.recommend",
    "RetailExperiment": "result class, built by build_retail_experiment",
    "ServingData": "result class, built by synthetic_catalogue and retail_serving_data (checks its arrays)",
    "UserContext": "result class, built by fetch_user",
    "build_retail_experiment": "runs the whole Online Retail experiment (a minute); each step it runs has a row",
    "load_retail_experiment": "reads or builds the cache of the real data; build_retail_experiment's steps have rows",
}


# ============================================================================= xplab.warehouse

WH_EVENTS = pd.DataFrame(
    {
        "user_id": [1, 1, 2, 2, 3, 4],
        "arm": ["c", "c", "t", "t", "c", "t"],
        "event": ["exposure", "click", "exposure", "exposure", "exposure", "exposure"],
        "revenue": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "day": [0, 0, 1, 1, 0, 1],
    }
)
WH_UNITS = pd.DataFrame(
    {
        "arm": ["c", "t", "c", "t", "c", "t"],
        "y": [1.0, 2.0, 4.0, 3.0, 2.5, 0.5],
        "x": [0.5, 1.0, 2.0, 2.0, 1.0, 0.0],
        "d": [2.0, 3.0, 4.0, 5.0, 3.0, 2.0],
        "segment": ["a", "a", "a", "b", "b", "b"],
        "label": ["p"] * 6,
    }
)
WH_METRIC = {"name": "ctr", "kind": "ratio", "event": "click", "denominator_event": "exposure"}
WH_CATALOG = MetricCatalog([Metric(**WH_METRIC)])
WH_PER_UNIT = WH_CATALOG.per_unit(WH_EVENTS)
WH_AGGREGATES = {
    "None": None,
    "a list": [Agg.count()],
    "empty": {},
    "not an Agg": {"n": "count"},
    "name of a key": {"user_id": Agg.count()},
    "missing column": {"s": Agg.sum("nope")},
}
WH_BY = {"int": 1, "int inside": [1], "missing": "nope", "repeated": ["arm", "arm"]}
WH_METRICS = {"unknown": "nope", "int": 3, "int inside": [1]}
WH_FIRST = {"bare string": "day", "missing": ["nope"], "int inside": [1], "None": None}

WAREHOUSE: dict[str, Spec] = {
    "Agg": Spec(
        Agg,
        {"op": "sum", "column": "x"},
        {"op": CHOICE, "column": TEXT, "other": OTHER, "where": OTHER},
        extra={
            "other": {"given to sum": "y"},
            "where": {
                "not a pair": "event",
                "a quote in the value": ("event", "it's"),
                "a list as value": ("event", [1]),
                "NaN value": ("event", float("nan")),
                "int column": (1, "order"),
            },
        },
    ),
    "quote": Spec(
        warehouse.quote, {"name": "x", "dialect": "duckdb"}, {"name": TEXT, "dialect": CHOICE}
    ),
    "select_list": Spec(
        warehouse.select_list,
        {"by": ["arm"], "aggregates": {"n": Agg.count()}, "dialect": "spark"},
        {"by": NAMES, "aggregates": OTHER, "dialect": CHOICE},
        extra={
            "aggregates": {
                **{k: v for k, v in WH_AGGREGATES.items() if k != "missing column"},
                "name of a key": {"arm": Agg.count()},
            }
        },
        valid_here={
            "by": {
                "bare string": "one key column",
                "empty": "no keys: one row over everything",
            }
        },
    ),
    "aggregate": Spec(
        warehouse.aggregate,
        {"source": WH_EVENTS, "by": "user_id", "aggregates": {"n": Agg.count()}},
        {"source": FRAME, "by": NAMES, "aggregates": OTHER},
        extra={"by": WH_BY, "aggregates": WH_AGGREGATES},
        valid_here={"by": {"empty": "no keys: one row over everything"}},
    ),
    "fetch_rows": Spec(warehouse.fetch_rows, {"table": WH_UNITS}, {"table": FRAME}),
    "arm_stats": Spec(
        warehouse.arm_stats,
        {"source": WH_UNITS, "arm": "arm", "outcome": "y", "covariate": "x", "denominator": "d"},
        {
            "source": FRAME,
            "arm": COLUMN,
            "outcome": COLUMN,
            "covariate": COLUMN,
            "denominator": COLUMN,
            "by": OTHER,
        },
        optional=("covariate", "denominator"),
        extra={
            "outcome": {"text column": "label"},
            "covariate": {"text column": "label"},
            "denominator": {"text column": "label"},
            "by": {**WH_BY, "the arm": "arm"},
        },
    ),
    "relative_difference": Spec(
        warehouse.relative_difference,
        {"a": _CUPED_C, "b": _CUPED_T},
        {"a": OTHER, "b": OTHER},
        extra={"a": NOT_A_STATS, "b": NOT_A_STATS},
    ),
    "java_home": Spec(warehouse.java_home, {}, {}),
    "Metric": Spec(
        Metric,
        WH_METRIC,
        {
            "name": TEXT,
            "kind": CHOICE,
            "event": TEXT,
            "value": TEXT,
            "denominator_event": TEXT,
            "denominator_value": TEXT,
            "unit": TEXT,
            "description": OTHER,
        },
        optional=("value", "denominator_value"),
        extra={
            "kind": {"a proportion with a denominator": "proportion"},
            "description": {"None": None, "int": 3},
        },
    ),
    "MetricCatalog": Spec(
        MetricCatalog,
        {"metrics": [Metric(**WH_METRIC)], "event_column": "event", "arm": "arm"},
        {"metrics": OTHER, "event_column": TEXT, "arm": TEXT},
        extra={
            "metrics": {
                "None": None,
                "one Metric": Metric(**WH_METRIC),
                "empty": [],
                "names": ["ctr"],
                "repeated": [Metric(**WH_METRIC), Metric(**WH_METRIC)],
                "two units": [
                    Metric(**WH_METRIC),
                    Metric("orders", "mean", event="order", unit="session_id"),
                ],
            }
        },
    ),
    "MetricCatalog.per_unit": Spec(
        WH_CATALOG.per_unit,
        {"events": WH_EVENTS, "metrics": ["ctr"], "first": ["day"]},
        {"events": FRAME, "metrics": OTHER, "first": OTHER, "units": OTHER},
        optional=("metrics", "units"),
        extra={
            "events": {"no event column": WH_EVENTS.drop(columns="event")},
            "metrics": WH_METRICS,
            "first": WH_FIRST,
            "units": {
                "another engine": duckdb.sql("SELECT 1 AS user_id"),
                "a dict": {"user_id": [1]},
                "no unit column": WH_UNITS,
            },
        },
    ),
    "MetricCatalog.arm_stats": Spec(
        WH_CATALOG.arm_stats,
        {"per_unit": WH_PER_UNIT, "metric": "ctr"},
        {"per_unit": FRAME, "metric": OTHER, "covariate": COLUMN, "by": OTHER},
        optional=("covariate",),
        extra={"metric": {"None": None, "int": 3, "unknown": "nope"}, "by": WH_BY},
    ),
    "MetricCatalog.sql": Spec(
        WH_CATALOG.sql,
        {"metrics": ["ctr"], "first": ["day"], "dialect": "spark", "table": "events"},
        {"metrics": OTHER, "first": OTHER, "dialect": CHOICE, "table": TEXT},
        optional=("metrics",),
        extra={"metrics": WH_METRICS, "first": {"bare string": "day", "int inside": [1]}},
    ),
}
WAREHOUSE_NOT_CALLED = {
    "ArmStats": "result class, built by arm_stats",
    "EngineRun": "result class, built by run_engine",
    "run_engine": "starts a Python process per call: its arguments in tests/warehouse/test_runs.py",
    "spark_session": "starts a JVM: its arguments in tests/warehouse/test_spark.py",
}

# ============================================================================= xplab.rollout

RAMP_STEPS = [
    RampStep(0.02, guardrails=("errors",)),
    RampStep(1.0, days=7, guardrails=("errors",)),
]
RAMP = RampPlan("new_checkout", RAMP_STEPS, stop_rule="SRM or errors up")


def _traffic_plan() -> TrafficPlan:
    layer = Layer("ui")
    layer.add("button", share=0.5)
    solo = Layer("solo")
    solo.add("pricing", share=0.1)
    return TrafficPlan([layer], exclusive=solo)


ROLLOUT: dict[str, Spec] = {
    "RampStep": Spec(
        RampStep,
        {"coverage": 0.1, "days": 1, "srm_check": True, "guardrails": ("errors",)},
        {"coverage": REAL, "days": COUNT, "srm_check": FLAG, "guardrails": OTHER},
        extra={
            "coverage": {"zero": 0.0, "above 1": 1.5, "negative": -0.1},
            "days": {"zero": 0},
            "guardrails": {
                "None": None,
                "bare string": "errors",
                "int inside": [1],
                "empty name": [""],
            },
        },
    ),
    "RampPlan": Spec(
        RampPlan,
        {"experiment": "x", "steps": RAMP_STEPS, "stop_rule": "stop", "treatment_share": 0.5},
        {"experiment": TEXT, "steps": OTHER, "stop_rule": OTHER, "treatment_share": REAL},
        extra={
            "steps": {"None": None, "empty": [], "one step": RAMP_STEPS[0], "numbers": [0.1, 1.0]},
            "stop_rule": {"None": None, "int": 3},
            "treatment_share": {"zero": 0.0, "one": 1.0},
        },
    ),
    "RampPlan.assign": Spec(
        RAMP.assign,
        {"unit_id": ["u1", "u2"], "step": 0},
        {"unit_id": OTHER, "step": OTHER},
        extra={
            "unit_id": UNIT_IDS,
            "step": {"None": None, "negative": -1, "too large": 2, "float": 1.0, "boolean": True},
        },
    ),
    "TrafficPlan": Spec(
        TrafficPlan,
        {"layers": [Layer("ui")], "exclusive": Layer("solo")},
        {"layers": OTHER, "exclusive": OTHER},
        optional=("exclusive",),
        extra={
            "layers": {
                "None": None,
                "one Layer": Layer("ui"),
                "names": ["ui"],
                "same name twice": [Layer("ui"), Layer("ui")],
            },
            "exclusive": {"a name": "solo", "a list": [Layer("solo")]},
        },
    ),
    "TrafficPlan.problems": Spec(
        _traffic_plan().problems,
        {
            "required_users": {"button": 1000, "pricing": 100},
            "daily_users": 1000,
            "days": 7,
            "conflicts": [("button", "pricing")],
            "isolated": ["pricing"],
        },
        {
            "required_users": OTHER,
            "daily_users": COUNT,
            "days": COUNT,
            "conflicts": OTHER,
            "isolated": OTHER,
        },
        extra={
            "required_users": {
                "None": None,
                "empty": {},
                "a list": ["button"],
                "int key": {1: 5},
                "negative": {"button": -1},
                "fraction": {"button": 1.5},
            },
            "daily_users": {"zero": 0},
            "days": {"zero": 0},
            "conflicts": {
                "triple": [("a", "b", "c")],
                "bare string": "ab",
                "int inside": [(1, 2)],
            },
            "isolated": {"bare string": "pricing", "int inside": [1], "None": None},
        },
    ),
    "TrafficPlan.assign": Spec(
        _traffic_plan().assign,
        {"unit_id": ["u1", "u2"]},
        {"unit_id": OTHER},
        extra={
            "unit_id": {"None": None, "bare string": "u1", "int": 3, "None inside": ["a", None]}
        },
    ),
}
ROLLOUT_NOT_CALLED: dict[str, str] = {}

# ============================================================================= xplab.privacy

_KEY = b"0123456789abcdef-key"
_PEOPLE = pd.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "country": ["UK", "UK", "FR", "FR"],
        "age": [31, 35, 44, 47],
        "segment": ["loyal", "new", "loyal", "lapsed"],
        "revenue": [120.0, 15.0, 80.0, 0.0],
        "id_na": pd.array([1, 2, 3, None], dtype="Int64"),
        "padded": ["1", "2 ", "3", "4"],
    }
)
EPSILON = {"zero": 0.0, "negative": -1.0}
KEYS = {"short": b"short", "None": None, "int": 7, "list": [b"0123456789abcdef"]}
HASHED = {"bare string": "abc", "None": None}


def _inventory_register(**kwargs):
    inv = privacy.DataInventory(key=_KEY)
    inv.register("orders", _PEOPLE, user="id")
    return inv.register(**kwargs)


def _inventory_erase(**kwargs):
    inv = privacy.DataInventory(key=_KEY)
    inv.register("orders", _PEOPLE, user="id")
    return inv.erase(**kwargs)


def _budget_spend(**kwargs):
    return privacy.PrivacyBudget(1.0).spend(**kwargs)


PRIVACY: dict[str, Spec] = {
    "pseudonymize": Spec(
        privacy.pseudonymize,
        {"ids": [17850, 12583], "key": _KEY, "length": 32},
        {"ids": OTHER, "key": OTHER, "length": COUNT},
        extra={"ids": UNIT_IDS, "key": KEYS, "length": {"too short": 8, "too long": 65}},
    ),
    "plain_hash": Spec(
        privacy.plain_hash,
        {"ids": [17850], "length": 32},
        {"ids": OTHER, "length": COUNT},
        extra={"ids": UNIT_IDS, "length": {"too short": 8}},
    ),
    "dictionary_attack": Spec(
        privacy.dictionary_attack,
        {"hashed": ["ab"], "candidates": [1, 2], "hasher": privacy.plain_hash},
        {"hashed": OTHER, "candidates": OTHER, "hasher": OTHER},
        extra={"hashed": HASHED, "candidates": {"empty": []}, "hasher": {"not a function": 3}},
    ),
    "k_anonymity": Spec(
        privacy.k_anonymity,
        {"frame": _PEOPLE, "quasi_identifiers": ["country"], "k": 2, "unit": "id"},
        {"frame": FRAME, "quasi_identifiers": NAMES, "k": COUNT, "unit": COLUMN},
        optional=("unit",),
        extra={
            "quasi_identifiers": {"missing column": ["zip"], "twice": ["country", "country"]},
            "k": {"one": 1},
            "unit": {"a quasi-identifier": "country", "a list": ["id"], "with missing": "id_na"},
        },
        valid_here={"quasi_identifiers": {"bare string": "a single column name is a list of one"}},
    ),
    "l_diversity": Spec(
        privacy.l_diversity,
        {"frame": _PEOPLE, "quasi_identifiers": ["country"], "sensitive": "segment"},
        {"frame": FRAME, "quasi_identifiers": NAMES, "sensitive": COLUMN},
        extra={"sensitive": {"a quasi-identifier": "country"}},
        valid_here={"quasi_identifiers": {"bare string": "a single column name is a list of one"}},
    ),
    "generalize": Spec(
        privacy.generalize,
        {"frame": _PEOPLE, "rules": {"age": [30, 40, 50]}},
        {"frame": FRAME, "rules": OTHER},
        extra={
            "rules": {
                "None": None,
                "empty": {},
                "unknown column": {"zip": [0, 1]},
                "edges not increasing": {"age": [50, 40]},
                "values outside the edges": {"age": [40, 50]},
                "unmapped value": {"country": {"UK": "UK"}},
                "not a rule": {"age": 3},
            }
        },
    ),
    "enforce_k_anonymity": Spec(
        privacy.enforce_k_anonymity,
        {
            "frame": _PEOPLE,
            "quasi_identifiers": ["country"],
            "k": 2,
            "max_suppressed": 0.0,
            "unit": "id",
        },
        {
            "frame": FRAME,
            "quasi_identifiers": NAMES,
            "k": COUNT,
            "max_suppressed": REAL,
            "unit": COLUMN,
        },
        optional=("unit",),
        extra={
            "max_suppressed": {"above 1": 1.5, "negative": -0.1},
            "k": {"one": 1},
            "unit": {"with missing": "id_na"},
        },
        valid_here={"quasi_identifiers": {"bare string": "a single column name is a list of one"}},
    ),
    "laplace_mechanism": Spec(
        privacy.laplace_mechanism,
        {"value": 10.0, "sensitivity": 1.0, "epsilon": 1.0, "seed": 0, "backend": "numpy"},
        {"value": REAL, "sensitivity": REAL, "epsilon": REAL, "seed": SEED, "backend": CHOICE},
        extra={
            "sensitivity": EPSILON,
            "epsilon": EPSILON,
            "value": {"array with NaN": [1.0, np.nan]},
        },
    ),
    "dp_count": Spec(
        privacy.dp_count,
        {"n": 10, "epsilon": 1.0, "seed": 0, "backend": "numpy"},
        {"n": COUNT, "epsilon": REAL, "seed": SEED, "backend": CHOICE},
        extra={"epsilon": EPSILON},
    ),
    "dp_sum": Spec(
        privacy.dp_sum,
        {"values": X, "lower": 0.0, "upper": 5.0, "epsilon": 1.0, "seed": 0},
        {"values": ARRAY, "lower": REAL, "upper": REAL, "epsilon": REAL, "seed": SEED},
        extra={"epsilon": EPSILON, "upper": {"below lower": -1.0}},
        valid_here={"values": {"2-D": "clipped and summed as a whole"}},
    ),
    "dp_mean": Spec(
        privacy.dp_mean,
        {"values": X, "lower": 0.0, "upper": 5.0, "epsilon": 1.0, "seed": 0},
        {"values": ARRAY, "lower": REAL, "upper": REAL, "epsilon": REAL, "seed": SEED},
        extra={"epsilon": EPSILON, "lower": {"above upper": 9.0}},
    ),
    "segment_report": Spec(
        privacy.segment_report,
        {
            "frame": _PEOPLE,
            "segment": "segment",
            "value": "revenue",
            "segments": ["loyal", "new", "lapsed"],
            "lower": 0.0,
            "upper": 200.0,
            "epsilon": 1.0,
            "unit": "id",
            "seed": 0,
        },
        {
            "frame": FRAME,
            "segment": COLUMN,
            "value": COLUMN,
            "segments": NAMES,
            "lower": REAL,
            "upper": REAL,
            "epsilon": REAL,
            "unit": COLUMN,
            "seed": SEED,
        },
        optional=("unit",),
        extra={
            "segments": {
                "undeclared segment": ["loyal", "new"],
                "twice": ["loyal", "loyal", "new", "lapsed"],
            },
            "epsilon": EPSILON,
            "unit": {"not unique": "country"},
            "value": {"text column": "country"},
        },
    ),
    "PrivacyBudget": Spec(
        privacy.PrivacyBudget, {"total": 1.0}, {"total": REAL}, extra={"total": EPSILON}
    ),
    "PrivacyBudget.spend": Spec(
        _budget_spend,
        {"epsilon": 0.5, "what": "counts"},
        {"epsilon": REAL, "what": TEXT},
        extra={"epsilon": {**EPSILON, "over budget": 2.0}},
    ),
    "consented": Spec(
        privacy.consented,
        {"frame": _PEOPLE, "opted_out": [2], "user": "id"},
        {"frame": FRAME, "opted_out": OTHER, "user": COLUMN, "key": OTHER},
        extra={
            "opted_out": {
                "one id": "17850",
                "None inside": [None],
                "None": None,
                "spaces": [" 2"],
            },
            "user": {"ids with spaces": "padded"},
            "key": {**{k: v for k, v in KEYS.items() if k != "None"}, "raw ids": _KEY},
        },
    ),
    "DataInventory": Spec(
        privacy.DataInventory,
        {"key": _KEY},
        {"key": OTHER},
        extra={"key": {k: v for k, v in KEYS.items() if k != "None"}},
    ),
    "DataInventory.register": Spec(
        _inventory_register,
        {"name": "segments", "table": _PEOPLE, "user": "id", "pseudonymized": False},
        {"name": TEXT, "table": FRAME, "user": COLUMN, "pseudonymized": FLAG},
        extra={"name": {"already registered": "orders"}, "user": {"boolean ids": "id_flag"}},
    ),
    "DataInventory.erase": Spec(
        _inventory_erase,
        {"user_id": 1},
        {"user_id": OTHER},
        extra={"user_id": {"None": None, "NaN": float("nan"), "boolean": True, "fraction": 1.5}},
    ),
}


def _noise_interval(**kwargs):
    return privacy.dp_count(10, epsilon=1.0, seed=0).noise_interval(**kwargs)


PRIVACY["DPRelease.noise_interval"] = Spec(
    _noise_interval, {"level": 0.95}, {"level": REAL}, extra={"level": {"one": 1.0, "zero": 0.0}}
)
PRIVACY_NOT_CALLED = {
    "BudgetExceededError": "exception class",
    "DPRelease": "result class, built by dp_count, dp_sum and dp_mean",
    "ErasureReceipt": "result class, built by DataInventory.erase",
    "KAnonymity": "result class, built by k_anonymity",
    "SegmentReport": "result class, built by segment_report",
}

# ============================================================================= xplab.segments

_RFM_PURCHASES = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 3, 3, 4],
        "invoice": ["a", "b", "c", "d", "e", "f"],
        "invoice_date": pd.to_datetime(
            ["2011-01-03", "2011-02-10", "2011-01-20", "2011-02-01", "2011-02-20", "2011-02-25"]
        ),
        "revenue": [10.0, 30.0, 5.0, 80.0, 20.0, 7.0],
    }
)
_RFM = pd.DataFrame(
    {
        "recency_days": [1.0, 2.0, 3.0, 200.0, 210.0, 190.0],
        "frequency": [12, 10, 15, 1, 1, 2],
        "monetary": [900.0, 1200.0, 1500.0, 20.0, 25.0, 40.0],
    }
)
KS = {"None": None, "string": "23", "one": [1], "twice": [2, 2], "empty": [], "fraction": [2.5]}
LABELS = {"None": None, "int": 3, "empty": [], "NaN inside": [0, 1, float("nan"), 1, 0, 1]}


def _stability_choose(**kwargs):
    return segments.kmeans_stability(_RFM, [2], n_pairs=2, seed=0).choose(**kwargs)


def _kmeans_predict(**kwargs):
    return segments.fit_kmeans(_RFM, 2, seed=0).predict(**kwargs)


SEGMENTS: dict[str, Spec] = {
    "rfm_features": Spec(
        segments.rfm_features,
        {
            "purchases": _RFM_PURCHASES,
            "as_of": "2011-03-01",
            "customer": "customer_id",
            "invoice": "invoice",
            "date": "invoice_date",
            "revenue": "revenue",
        },
        {
            "purchases": FRAME,
            "as_of": OTHER,
            "customer": COLUMN,
            "invoice": COLUMN,
            "date": COLUMN,
            "revenue": COLUMN,
        },
        extra={
            "as_of": {"None": None, "int": 3, "not a date": "soon", "too early": "2000-01-01"},
            "date": {"not datetimes": "invoice"},
            "revenue": {"text": "invoice"},
        },
    ),
    "rfm_sql": Spec(
        segments.rfm_sql,
        {
            "table": "purchases",
            "as_of": "2011-03-01",
            "customer": "customer_id",
            "invoice": "invoice",
            "time": "t",
            "revenue": "revenue",
        },
        {
            "table": TEXT,
            "as_of": OTHER,
            "customer": TEXT,
            "invoice": TEXT,
            "time": TEXT,
            "revenue": TEXT,
        },
        extra={
            "as_of": {"None": None, "int": 3, "not a date": "soon"},
            "table": {"a space": "my purchases", "a quote": 'p"; DROP TABLE p; --'},
            "customer": {"starts with a digit": "1st", "same as invoice": "invoice"},
            "time": {"a dot": "p.t"},
        },
    ),
    "rfm_scores": Spec(
        segments.rfm_scores,
        {"features": _RFM, "bins": 5},
        {"features": FRAME, "bins": COUNT},
        extra={"bins": {"one": 1}, "features": {"no rows": _RFM.iloc[:0]}},
    ),
    "rfm_segments": Spec(
        segments.rfm_segments,
        {"scores": pd.DataFrame({"R": [5, 1], "F": [5, 1]}), "grid": segments.RF_GRID},
        {"scores": FRAME, "grid": OTHER},
        extra={
            "grid": {
                "None": None,
                "empty": {},
                "overlap": {"a": ((5,), (5,)), "b": ((5,), (5, 1)), "c": ((1,), (1,))},
                "incomplete": {"a": ((5,), (5,))},
                "not a pair": {"a": (5, 5, 5)},
                "text scores": {"a": (("x",), (5,))},
            }
        },
    ),
    "fit_kmeans": Spec(
        segments.fit_kmeans,
        {"features": _RFM, "k": 2, "columns": ["recency_days", "monetary"], "n_init": 2, "seed": 0},
        {"features": FRAME, "k": COUNT, "columns": NAMES, "n_init": COUNT, "seed": SEED},
        extra={
            "k": {"one": 1, "as many as rows": 6},
            "columns": {"missing column": ["age"], "twice": ["monetary", "monetary"]},
            "features": {"negative money": _RFM.assign(monetary=-1.0)},
        },
    ),
    "KMeansSegments.predict": Spec(
        _kmeans_predict,
        {"features": _RFM},
        {"features": FRAME},
        extra={"features": {"missing column": _RFM.drop(columns="monetary")}},
    ),
    "kmeans_stability": Spec(
        segments.kmeans_stability,
        {
            "features": _RFM,
            "ks": [2],
            "n_pairs": 2,
            "columns": ["recency_days", "monetary"],
            "n_init": 1,
            "seed": 0,
            "show_progress": False,
        },
        {
            "features": FRAME,
            "ks": OTHER,
            "n_pairs": COUNT,
            "columns": NAMES,
            "n_init": COUNT,
            "seed": SEED,
            "show_progress": FLAG,
        },
        extra={"ks": {**KS, "as many as rows": [6]}, "n_pairs": {"one": 1}},
    ),
    "Stability.choose": Spec(
        _stability_choose,
        {"ks": [2], "min_ari": 0.5},
        {"ks": OTHER, "min_ari": REAL},
        optional=("ks",),
        extra={
            "ks": {k: v for k, v in KS.items() if k not in ("None", "twice")} | {"unknown": [9]},
            "min_ari": {"above 1": 1.5, "zero": 0.0},
        },
    ),
    "segment_profiles": Spec(
        segments.segment_profiles,
        {
            "features": _RFM,
            "segments": [0, 0, 0, 1, 1, 1],
            "value": "monetary",
            "columns": ["frequency"],
        },
        {"features": FRAME, "segments": OTHER, "value": COLUMN, "columns": NAMES},
        extra={"segments": {**LABELS, "wrong length": [0, 1]}},
    ),
    "compare_segmentations": Spec(
        segments.compare_segmentations,
        {"a": [0, 0, 1, 1], "b": ["x", "x", "y", "y"]},
        {"a": OTHER, "b": OTHER},
        extra={"a": LABELS, "b": {**LABELS, "wrong length": ["x"]}},
    ),
}
SEGMENTS_NOT_CALLED = {
    "RFM_COLUMNS": "constant: the columns of rfm_features",
    "RF_GRID": "constant: the named cells of the R x F grid",
    "Agreement": "result class, built by compare_segmentations",
    "Stability": "result class, built by kmeans_stability (its choose has a row)",
}

# ============================================================================= xplab.framework

_SIGNAL = {
    "name": "orders",
    "kind": "behavioural",
    "purpose": "recommendations",
    "retention": "13 months",
    "legal_basis": "contract",
    "special_category": False,
}
_EXPERIMENTATION = xplab.framework.Experimentation(
    0.05, 90, "revenue per user", ("returns", "latency"), "CUPED", 0.02
)
MAPPINGS = {"None": None, "list": ["a"], "empty key": {"": "x"}, "int key": {1: "x"}}

FRAMEWORK: dict[str, Spec] = {
    "Signal": Spec(
        xplab.framework.Signal,
        _SIGNAL,
        {
            "name": TEXT,
            "kind": CHOICE,
            "purpose": OTHER,
            "retention": CHOICE,
            "legal_basis": CHOICE,
            "special_category": FLAG,
        },
        optional=("legal_basis",),
        extra={"purpose": {"None": None, "int": 1}},
    ),
    "Experimentation": Spec(
        xplab.framework.Experimentation,
        {
            "holdout_share": 0.05,
            "holdout_days": 90,
            "primary_metric": "revenue per user",
            "guardrails": ("returns",),
            "variance_reduction": "CUPED",
            "mde": 0.02,
        },
        {
            "holdout_share": REAL,
            "holdout_days": COUNT,
            "primary_metric": TEXT,
            "guardrails": OTHER,
            "variance_reduction": OTHER,
            "mde": REAL,
        },
        extra={
            "holdout_share": {"one": 1.0, "zero": 0.0},
            "mde": {"one": 1.0, "zero": 0.0},
            "guardrails": {"None": None, "string": "returns", "empty name": ("",)},
            "variance_reduction": {"None": None, "int": 1},
        },
    ),
    "PersonalizationPlan": Spec(
        xplab.framework.PersonalizationPlan,
        {
            "signals": [xplab.framework.Signal(**_SIGNAL)],
            "models": {"known users": "EASE"},
            "retrain_days": 1,
            "privacy": ["erasure"],
            "experimentation": _EXPERIMENTATION,
            "scale": {"batch": "nightly"},
            "latency_ms": 100.0,
            "team": {"legal": "DPIA"},
            "decision_owner": "product",
        },
        {
            "signals": OTHER,
            "models": OTHER,
            "retrain_days": COUNT,
            "privacy": OTHER,
            "experimentation": OTHER,
            "scale": OTHER,
            "latency_ms": REAL,
            "team": OTHER,
            "decision_owner": OTHER,
        },
        optional=("experimentation",),
        extra={
            "signals": {"None": None, "string": "orders", "dicts": [_SIGNAL]},
            "models": MAPPINGS,
            "privacy": {"None": None, "string": "erasure", "unknown": ["encryption"]},
            "experimentation": {"dict": {"holdout_share": 0.05}},
            "scale": MAPPINGS,
            "latency_ms": {"negative": -1.0},
            "team": MAPPINGS,
            "decision_owner": {"None": None, "int": 1},
        },
    ),
    "review": Spec(
        xplab.framework.review,
        {"plan": xplab.framework.PersonalizationPlan()},
        {"plan": OTHER},
        extra={"plan": {"None": None, "dict": {}}},
    ),
    "inventory_problems": Spec(
        xplab.framework.inventory_problems,
        {"signals": [xplab.framework.Signal(**_SIGNAL)]},
        {"signals": OTHER},
        extra={
            "signals": {
                "None": None,
                "string": "orders",
                "dicts": [_SIGNAL],
                "table without kind": pd.DataFrame({"name": ["orders"]}),
            }
        },
    ),
}
FRAMEWORK_NOT_CALLED = {
    name: "constant: a vocabulary of the rubric"
    for name in (
        "LEGAL_BASES",
        "MODEL_USES",
        "PRIVACY_MEASURES",
        "RETENTION",
        "SIGNAL_KINDS",
        "TEAM_ROLES",
    )
} | {"Review": "result class, built by review"}

# ============================================================================= xplab.workbook

CHOICE_OPTIONS = {"first": "why the first", "second": "why the second"}
OPTIONS = {
    "None": None,
    "a list": ["first", "second"],
    "one option": {"only": "why"},
    "no feedback": {"a": "why a", "b": ""},
    "feedback not text": {"a": "why a", "b": 1},
    "non-text option": {"a": "why a", 2: "why 2"},
    "same text twice": {"Ship": "x", "ship": "y"},
}
QUESTION_KINDS = {
    "name": TEXT,
    "question": TEXT,
    "options": OTHER,
    "answer": TEXT,
    "hints": OTHER,
    "kind": CHOICE,
}
HINTS = {"bare string": "think", "None": None, "int inside": ["think", 1]}
QUESTION_EXTRA = {
    "options": OPTIONS,
    "answer": {"not an option": "Z"},
    "hints": HINTS,
}


def _function() -> float:
    return 0.25


NAMED_FUNCTIONS = {
    "a list": [_function],
    "a value, not a function": {"why": 0.25},
    "empty message": {"": _function},
    "message not text": {1: _function},
}


WORKBOOK: dict[str, Spec] = {
    "Exercise": Spec(
        workbook.Exercise,
        {"name": "Q1", "expected": _function},
        {
            "name": TEXT,
            "expected": OTHER,
            "cases": OTHER,
            "checker": OTHER,
            "rtol": REAL,
            "atol": REAL,
            "exact": FLAG,
            "round_up": FLAG,
            "unit": TEXT,
            "printed": OTHER,
            "accept": OTHER,
            "mistakes": OTHER,
            "estimate": OTHER,
            "forbidden": OTHER,
            "hints": OTHER,
            "solution": OTHER,
            "choices": OTHER,
            "kind": CHOICE,
        },
        optional=("kind",),
        extra={
            "printed": {"a percent spec": ".1%", "not a spec": "abc", "int": 3, "None": None},
            "accept": NAMED_FUNCTIONS,
            "mistakes": NAMED_FUNCTIONS,
            "estimate": {
                "zero": 0.0,
                "above 1": 1.5,
                "numeric string": "0.1",
                "boolean": True,
                "NaN": float("nan"),
            },
            "expected": {"a value": 0.25, "None": None},
            "cases": {"a tuple, not a list of tuples": (1, 2), "bare string": "ab", "int": 3},
            "checker": {"given with expected": lambda answer: None, "a value": 0.25},
            "rtol": {"negative": -1e-6},
            "atol": {"negative": -1e-9},
            "forbidden": {"a value": 0.25},
            "hints": HINTS,
            "solution": {"None": None, "int": 3},
            "choices": {"bare string": "abc", "int inside": ["a", 1]},
        },
    ),
    "MultipleChoice": Spec(
        workbook.MultipleChoice,
        {"name": "Q2", "question": "Which?", "options": CHOICE_OPTIONS, "answer": "A"},
        QUESTION_KINDS,
        extra=QUESTION_EXTRA,
    ),
    "Decision": Spec(
        workbook.Decision,
        {
            "name": "Q3",
            "question": "Ship?",
            "options": {"ship": "why", "don't ship": "why not"},
            "answer": "ship",
        },
        QUESTION_KINDS,
        extra=QUESTION_EXTRA,
    ),
    "compare": Spec(
        workbook.compare,
        {"answer": 0.25, "expected": 0.25},
        {"rtol": REAL, "atol": REAL, "exact": FLAG, "round_up": FLAG, "unit": TEXT},
        extra={"rtol": {"negative": -1e-6}, "atol": {"negative": -1e-9}},
    ),
    "exercise_counts": Spec(
        workbook.exercise_counts,
        {"module": SimpleNamespace(q1=workbook.Exercise("Q1", expected=_function))},
        {"module": OTHER},
        extra={"module": {"no exercises": SimpleNamespace(x=1), "None": None}},
    ),
}
WORKBOOK_NOT_CALLED = {
    "KINDS": "constant: the exercise kinds",
    "Feedback": "result class, built by Exercise.check",
    "Note": "result class, built by Exercise.hint and .solution",
    "Status": "enum of feedback states",
    "Verified": "result class, built by Exercise.assert_correct and .assert_incorrect",
    "WorkbookError": "exception class",
}

# ============================================================================= xplab.progress

PROGRESS: dict[str, Spec] = {
    "progress": Spec(
        xplab.progress.progress,
        {"iterable": [1, 2, 3], "desc": "items"},
        {"iterable": OTHER, "desc": OTHER, "total": COUNT, "enabled": FLAG},
        optional=("total",),
        extra={
            "iterable": {"None": None, "int": 3, "string": "abc"},
            "desc": {"None": None, "int": 1},
        },
    ),
}

# ============================================================================= xplab.calculators

_POWER_KINDS = {
    "baseline_rate": REAL,
    "mde": REAL,
    "alpha": REAL,
    "power": REAL,
    "relative": FLAG,
    "n_per_group": REAL,
}
_POWER_EXTRA = {
    "baseline_rate": {"above 1": 1.5},
    "mde": {"treatment rate above 1": 0.95},
    "power": {"at alpha": 0.05},
    "n_per_group": {"zero": 0, "too small for any effect": 1.0},
}
_PEEK_KINDS = {
    "n_looks": COUNT,
    "alpha": REAL,
    "method": CHOICE,
    "effect": REAL,
    "users_per_look": COUNT,
    "n_experiments": COUNT,
    "seed": SEED,
}
_PEEK_EXTRA = {
    "n_looks": {"zero": 0, "above 200": 201},
    "alpha": {"above 1": 1.5},
    "users_per_look": {"one": 1},
    "n_experiments": {"zero": 0, "above 200,000": 10**6},
}
_BANDIT_KINDS = {
    "policy": CHOICE,
    "means": ARRAY,
    "epsilon": REAL,
    "c": REAL,
    "n_rounds": COUNT,
    "n_runs": COUNT,
    "seed": SEED,
}
_BANDIT_EXTRA = {
    "means": {"one arm": [0.1], "above 1": [0.1, 1.5], "51 arms": [0.1] * 51},
    "epsilon": {"above 1": 1.5, "negative": -0.1},
    "c": {"zero": 0.0},
    "n_rounds": {"zero": 0},
    "n_runs": {"zero": 0, "above 100": 101},
}
_BANDIT_VALID = {"policy": "ucb1", "means": [0.1, 0.2], "n_rounds": 20, "n_runs": 1, "seed": 0}

CALCULATORS: dict[str, Spec] = {
    "power_plan": Spec(
        calculators.power_plan,
        {"baseline_rate": 0.1, "mde": 0.02, "n_per_group": 5_000},
        {**_POWER_KINDS, "ratio": REAL, "alternative": CHOICE},
        optional=("n_per_group",),
        extra={**_POWER_EXTRA, "ratio": {"zero": 0.0}},
    ),
    "power_calculator": Spec(
        calculators.power_calculator,
        {"baseline_rate": 0.1, "mde": 0.05, "n_per_group": 5_000},
        {**_POWER_KINDS, "treatment_share": REAL},
        optional=("n_per_group",),
        extra={
            **_POWER_EXTRA,
            "mde": {"treatment rate above 1": 10.0},
            "treatment_share": {"one": 1.0, "zero": 0.0},
        },
    ),
    "peeking_simulation": Spec(
        calculators.peeking_simulation,
        {"n_looks": 3, "n_experiments": 50, "seed": 0},
        {**_PEEK_KINDS, "tau": REAL},
        optional=("tau",),
        extra={**_PEEK_EXTRA, "tau": {"zero": 0.0}},
    ),
    "peeking_simulator": Spec(
        calculators.peeking_simulator,
        {"n_looks": 3, "n_experiments": 50},
        _PEEK_KINDS,
        extra=_PEEK_EXTRA,
    ),
    "bandit_regret": Spec(
        calculators.bandit_regret, _BANDIT_VALID, _BANDIT_KINDS, extra=_BANDIT_EXTRA
    ),
    "bandit_playground": Spec(
        calculators.bandit_playground, _BANDIT_VALID, _BANDIT_KINDS, extra=_BANDIT_EXTRA
    ),
}
CALCULATORS_NOT_CALLED = {
    "BanditRegret": "result class",
    "PeekingSimulation": "result class",
    "PowerPlan": "result class",
    "Calculator": "the control panel the three wrappers above return; their rows check its values",
}

# ============================================================================= the tests

# module name -> (module, table, not called (name -> why), pending names)
TABLES: dict[str, tuple[Any, dict[str, Spec], dict[str, str], set[str]]] = {
    "abtest": (abtest, ABTEST, ABTEST_NOT_CALLED, set()),
    "assign": (xplab.assign, ASSIGN, ASSIGN_NOT_CALLED, set()),
    "quasi": (quasi, QUASI, QUASI_NOT_CALLED, set()),
    "bandits": (bandits, BANDITS, BANDITS_NOT_CALLED, set()),
    "longterm": (xplab.longterm, LONGTERM, LONGTERM_NOT_CALLED, set()),
    "data": (data, DATA, DATA_NOT_CALLED, set()),
    "recs": (recs, RECS, RECS_NOT_CALLED, set()),
    "serving": (serving, SERVING, SERVING_NOT_CALLED, set()),
    "warehouse": (warehouse, WAREHOUSE, WAREHOUSE_NOT_CALLED, set()),
    "rollout": (xplab.rollout, ROLLOUT, ROLLOUT_NOT_CALLED, set()),
    "privacy": (privacy, PRIVACY, PRIVACY_NOT_CALLED, set()),
    "segments": (segments, SEGMENTS, SEGMENTS_NOT_CALLED, set()),
    "framework": (xplab.framework, FRAMEWORK, FRAMEWORK_NOT_CALLED, set()),
    "workbook": (workbook, WORKBOOK, WORKBOOK_NOT_CALLED, set()),
    "progress": (xplab.progress, PROGRESS, {}, set()),
    "calculators": (calculators, CALCULATORS, CALCULATORS_NOT_CALLED, set()),
}
CASES: list[Case] = [c for name, (_, table, _, _) in TABLES.items() for c in cases(name, table)]
ROWS = [(name, row) for name, (_, table, _, _) in TABLES.items() for row in table]
ROW_CASES: dict[tuple[str, str], list[Case]] = {}
for _case in CASES:
    ROW_CASES.setdefault((_case.module, _case.function), []).append(_case)
BAD_ROWS = list(ROW_CASES)  # rows with arguments (load_organ_donations takes none)

# pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1 (its code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


def _spec(case: Case) -> Spec:
    return TABLES[case.module][1][case.function]


@pytest.mark.parametrize("module", list(TABLES))
def test_every_public_name_has_a_row(module):
    mod, table, not_called, pending = TABLES[module]
    assert not uncovered(mod, table, not_called, pending), "add a row (or a reason) for them"
    assert not stale(mod, [*table, *not_called, *pending]), "no longer public: drop them"
    assert not set(not_called) & set(pending)


@pytest.mark.parametrize(("module", "row"), ROWS, ids=[f"{m}:{r}" for m, r in ROWS])
def test_the_valid_call_works(module, row):
    spec = TABLES[module][1][row]
    expected = VALID_RAISES.get(row)
    if expected is None:
        spec.call(**spec.valid)
    else:
        with pytest.raises(expected):
            spec.call(**spec.valid)


@pytest.mark.parametrize(("module", "row"), BAD_ROWS, ids=[f"{m}:{r}" for m, r in BAD_ROWS])
def test_bad_input_is_rejected_naming_the_argument(module, row):
    # one test per row, every argument × every bad value of its kind inside it
    # (a test item per case would cost more in pytest overhead than the calls)
    spec = TABLES[module][1][row]
    failures = []
    for case in ROW_CASES[module, row]:
        result = outcome(spec, case)
        if result != "clear":
            failures.append(f"{case.arg}={case.label} ({case.value!r:.40}): {result}")
    assert not failures, f"{row}: " + "; ".join(failures)


def tally() -> dict[str, dict[str, int]]:
    """Per module: cases tried and how each ended."""
    out: dict[str, dict[str, int]] = {}
    for case in CASES:
        counts = out.setdefault(case.module, {"tried": 0})
        counts["tried"] += 1
        result = outcome(_spec(case), case)
        result = result.split(" (")[0]
        counts[result] = counts.get(result, 0) + 1
    return out


if __name__ == "__main__":
    import socket
    import warnings

    def _refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("the tally never touches the network")

    socket.socket.connect = _refuse  # type: ignore[method-assign]
    socket.create_connection = _refuse  # type: ignore[assignment]
    warnings.simplefilter("ignore")
    columns = ["tried", "clear", "unnamed", "accepted", "other error"]
    rows = tally()
    print(f"{'module':<10}" + "".join(f"{c:>13}" for c in columns))
    for module, counts in rows.items():
        print(f"{module:<10}" + "".join(f"{counts.get(c, 0):>13}" for c in columns))
    total = {c: sum(r.get(c, 0) for r in rows.values()) for c in columns}
    print(f"{'total':<10}" + "".join(f"{total[c]:>13}" for c in columns))
    if "-v" in sys.argv:
        for case in CASES:
            result = outcome(_spec(case), case)
            if result != "clear":
                print(f"{result:>12}  {case.id}")
