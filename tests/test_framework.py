"""The framework rubric: a strong plan passes, each missing area makes it poor, and each
depth requirement is caught on its own (adversarial plans that almost pass)."""

import dataclasses

import pandas as pd
import pytest

from xplab.framework import (
    Experimentation,
    PersonalizationPlan,
    Signal,
    inventory_problems,
    review,
)

SIGNALS = [
    Signal("invoice lines", "behavioural", "recommendations, RFM", "13 months", "contract"),
    Signal(
        "account country",
        "declared",
        "currency, delivery, segments",
        "account lifetime",
        "contract",
    ),
    Signal(
        "device and time of visit",
        "contextual",
        "layout for the visit",
        "session",
        "legitimate interest",
    ),
    Signal(
        "segment and scores",
        "derived",
        "interface and content choices",
        "latest only",
        "legitimate interest",
    ),
    Signal("date of birth", "declared", "", "do not collect"),
]
STRONG = PersonalizationPlan(
    signals=SIGNALS,
    models={
        "known users": "EASE on purchases, retrained nightly; buy-again list",
        "new users": "popularity, then the session's items (recommend_for_items)",
        "interface": "LinUCB bandit per segment for the first module",
        "segments": "k-means on RFM, k by bootstrap stability",
    },
    retrain_days=1,
    privacy=[
        "consent and opt-out",
        "opt-outs excluded from training",
        "pseudonymisation",
        "data minimisation",
        "retention limits",
        "erasure",
        "DPIA",
        "differential privacy for published aggregates",
    ],
    experimentation=Experimentation(
        0.05,
        180,
        "revenue per user",
        ("return rate", "latency p99"),
        "CUPED on pre-period revenue",
        0.02,
    ),
    scale={
        "batch": "features and candidates nightly in Spark",
        "online": "ranking and rules per request",
    },
    latency_ms=100,
    team={
        "engineering": "pipelines, serving, erasure",
        "design": "interface variants",
        "marketing": "segments and campaigns",
        "legal": "DPIA, consent text",
    },
    decision_owner="product",
)


def test_the_model_answer_is_strong():
    r = review(STRONG)
    assert r.grade == "strong", r.gaps
    assert r.first is None


@pytest.mark.parametrize(
    ("change", "area"),
    [
        ({"signals": []}, "data"),
        ({"models": {}}, "models"),
        ({"privacy": []}, "privacy"),
        ({"experimentation": None}, "experimentation"),
        ({"scale": {}}, "scale"),
        ({"team": {}}, "team"),
    ],
)
def test_leaving_out_an_area_is_poor(change, area):
    r = review(dataclasses.replace(STRONG, **change))
    assert r.grade == "poor"
    assert area in r.missing_areas
    assert area in r.first


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"signals": SIGNALS[:2]}, "at least three"),
        ({"models": {**STRONG.models, "new users": "EASE"}}, "cold-start"),
        (
            {"models": {**STRONG.models, "interface": "the segment's best module, fixed"}},
            "keep learning",
        ),
        ({"models": {k: v for k, v in STRONG.models.items() if k != "segments"}}, "'segments'"),
        ({"retrain_days": 90}, "schedule"),
        ({"privacy": [m for m in STRONG.privacy if m != "erasure"]}, "erased"),
        (
            {"privacy": [m for m in STRONG.privacy if m != "opt-outs excluded from training"]},
            "training",
        ),
        ({"privacy": [m for m in STRONG.privacy if m != "DPIA"]}, "impact assessment"),
        (
            {"privacy": [m for m in STRONG.privacy if "differential" not in m]},
            "leaves the team",
        ),
        (
            {"experimentation": dataclasses.replace(STRONG.experimentation, holdout_share=0.5)},
            "too many users",
        ),
        (
            {"experimentation": dataclasses.replace(STRONG.experimentation, holdout_days=14)},
            "months",
        ),
        (
            {
                "experimentation": dataclasses.replace(
                    STRONG.experimentation, guardrails=("returns",)
                )
            },
            "two guardrails",
        ),
        (
            {"experimentation": dataclasses.replace(STRONG.experimentation, variance_reduction="")},
            "CUPED",
        ),
        ({"scale": {"batch": "nightly"}}, "online"),
        ({"latency_ms": 0}, "latency budget"),
        ({"team": {k: v for k, v in STRONG.team.items() if k != "legal"}}, "legal"),
        ({"decision_owner": ""}, "decides"),
    ],
)
def test_each_depth_requirement_is_caught_alone(change, needle):
    r = review(dataclasses.replace(STRONG, **change))
    assert r.grade == "average"
    assert len(r.gaps) == 1, r.gaps
    assert needle in r.first


@pytest.mark.parametrize(
    ("signal", "needle"),
    [
        (Signal("birth date", "declared", "", "account lifetime", "consent"), "without a purpose"),
        (Signal("clicks", "behavioural", "recs", "13 months"), "legal basis"),
        (Signal("gps", "contextual", "store finder", "do not collect"), "not collected"),
        (Signal("gps", "contextual", "store finder", "13 months", "consent"), "session"),
        (Signal("scores", "derived", "ranking", "13 months", "legitimate interest"), "latest only"),
        (Signal("views", "behavioural", "recs", "account lifetime", "consent"), "13 months"),
        (
            Signal(
                "health",
                "declared",
                "diet tips",
                "account lifetime",
                "contract",
                special_category=True,
            ),
            "explicit consent",
        ),
    ],
)
def test_inventory_rules(signal, needle):
    problems = inventory_problems([signal])
    assert any(needle in p for p in problems), problems


def test_an_inventory_can_be_a_table():
    table = pd.DataFrame([dataclasses.asdict(s) for s in SIGNALS])
    assert inventory_problems(table) == []
    assert inventory_problems(SIGNALS) == []


def test_unknown_vocabulary_is_refused():
    with pytest.raises(ValueError, match="kind"):
        Signal("x", "inferred", "p", "session", "consent")
    with pytest.raises(ValueError, match="privacy"):
        dataclasses.replace(STRONG, privacy=["encryption"])
