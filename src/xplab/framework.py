"""A personalisation framework written as a structured plan, and the rubric that grades it.

The interview question "develop a framework for personalizing user
experiences on a large website" has a strong answer that covers six areas
with depth, an average answer that names them, and a poor answer that skips
some. A :class:`PersonalizationPlan` is such an answer as data, and
:func:`review` grades it with the rubric below, naming the first requirement
that fails.

======================  ==========================================================
area                    a strong answer (each line is one requirement)
======================  ==========================================================
data                    signals of at least three kinds (declared, behavioural,
                        contextual, derived), each with a purpose, a retention and
                        a legal basis; nothing collected without a purpose; no
                        special-category data (health, religion, ...) without
                        explicit consent (:func:`inventory_problems`)
models                  known users, new users (cold start), the interface and the
                        segments each get a method; models are retrained on a
                        schedule
privacy                 consent and opt-out honoured in serving *and* training,
                        pseudonymisation, erasure, retention limits, a DPIA, and
                        a protection for what leaves the team (k-anonymity or
                        differential privacy)
experimentation         a global holdout (a small share, kept for months), one
                        primary metric, at least two guardrails, variance
                        reduction, and a minimum detectable effect fixed in advance
scale                   what is computed in batch and what online, with a latency
                        budget for the online path
team                    owners in engineering, design, marketing and legal (and
                        who decides)
======================  ==========================================================

An average answer has every area but misses some depth; a poor answer
leaves areas out. The rubric checks structure and coverage, not wording: a
plan can pass it and still be wrong in substance, which is what the model
answer and an interviewer's follow-up questions are for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from ._results import ResultMixin

__all__ = [
    "LEGAL_BASES",
    "MODEL_USES",
    "PRIVACY_MEASURES",
    "RETENTION",
    "SIGNAL_KINDS",
    "TEAM_ROLES",
    "Experimentation",
    "PersonalizationPlan",
    "Review",
    "Signal",
    "inventory_problems",
    "review",
]

#: The four kinds of signal: what the user told us, what they did, the
#: circumstances of the visit, and what we computed from the others.
SIGNAL_KINDS = ("declared", "behavioural", "contextual", "derived")
#: How long a signal is kept (data minimisation): only the visit, 13 months
#: (features look back twelve), as long as the account exists, only the
#: latest recomputation, or not collected at all.
RETENTION = ("session", "13 months", "account lifetime", "latest only", "do not collect")
#: GDPR Art. 6 bases that a personalisation system relies on.
LEGAL_BASES = ("consent", "contract", "legitimate interest", "legal obligation")
#: What the models of a personalisation framework must cover.
MODEL_USES = ("known users", "new users", "interface", "segments")
#: Privacy measures the rubric knows.
PRIVACY_MEASURES = (
    "consent and opt-out",
    "opt-outs excluded from training",
    "pseudonymisation",
    "data minimisation",
    "retention limits",
    "erasure",
    "DPIA",
    "access control",
    "k-anonymity of shared tables",
    "differential privacy for published aggregates",
)
#: The functions that must own a part of the framework.
TEAM_ROLES = ("engineering", "design", "marketing", "legal")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


@dataclass(frozen=True)
class Signal:
    """One signal of the inventory: what it is, its kind, what it is for, how long it is kept.

    Parameters
    ----------
    name : str
    kind : {'declared', 'behavioural', 'contextual', 'derived'}
    purpose : str
        What it is used for ("" only when it is not collected).
    retention : str
        One of :data:`RETENTION`.
    legal_basis : str, optional
        One of :data:`LEGAL_BASES` (None only when it is not collected).
    special_category : bool
        GDPR Art. 9 data (health, religion, ethnicity, sexual orientation,
        political opinions, biometrics): allowed only with explicit consent.

    Examples
    --------
    >>> Signal("invoice lines", "behavioural", "recommendations, RFM", "13 months", "contract")
    Signal(name='invoice lines', kind='behavioural', purpose='recommendations, RFM', retention='13 months', legal_basis='contract', special_category=False)
    """

    name: str
    kind: str
    purpose: str
    retention: str
    legal_basis: str | None = None
    special_category: bool = False

    def __post_init__(self) -> None:
        _text(self.name, "name")
        if self.kind not in SIGNAL_KINDS:
            raise ValueError(f"kind must be one of {SIGNAL_KINDS}, got {self.kind!r}")
        if not isinstance(self.purpose, str):
            raise ValueError(f"purpose must be a string, got {self.purpose!r}")
        if self.retention not in RETENTION:
            raise ValueError(f"retention must be one of {RETENTION}, got {self.retention!r}")
        if self.legal_basis is not None and self.legal_basis not in LEGAL_BASES:
            raise ValueError(
                f"legal_basis must be one of {LEGAL_BASES} or None, got {self.legal_basis!r}"
            )
        if not isinstance(self.special_category, bool):
            raise ValueError(
                f"special_category must be True or False, got {self.special_category!r}"
            )


def _signals(value: Any) -> list[Signal]:
    if isinstance(value, pd.DataFrame):
        records: list[dict[str, Any]] = [
            {
                k: (None if v is pd.NA or (isinstance(v, float) and v != v) else v)
                for k, v in r.items()
            }
            for r in value.to_dict("records")
        ]
        for r in records:
            if r.get("purpose") is None:
                r["purpose"] = ""
        try:
            return [Signal(**{k: v for k, v in r.items() if k in _SIGNAL_FIELDS}) for r in records]
        except TypeError as exc:
            raise ValueError(f"signals: every row needs {_SIGNAL_FIELDS[:4]}: {exc}") from None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError("signals must be a list of Signal or a DataFrame with their columns")
    if not all(isinstance(s, Signal) for s in value):
        raise ValueError("signals must hold only Signal objects")
    return list(value)


_SIGNAL_FIELDS = ("name", "kind", "purpose", "retention", "legal_basis", "special_category")


def inventory_problems(signals: Any) -> list[str]:
    """What breaks the data-minimisation rules in a signal inventory (empty when nothing).

    The rules: every collected signal has a purpose and a legal basis;
    a signal no purpose needs is not collected (retention "do not collect",
    no purpose); contextual signals live for the session only; derived
    signals are recomputed, not accumulated ("latest only"); raw behavioural
    events are not kept forever ("13 months"); special-category data need
    explicit consent.

    Parameters
    ----------
    signals : list of Signal, or a DataFrame with their fields as columns

    Examples
    --------
    >>> inventory_problems([Signal("date of birth", "declared", "", "account lifetime", "consent")])
    ["'date of birth' is kept without a purpose: collect only what a purpose needs"]
    """
    problems = []
    for s in _signals(signals):
        collected = s.retention != "do not collect"
        if collected and not s.purpose.strip():
            problems.append(
                f"{s.name!r} is kept without a purpose: collect only what a purpose needs"
            )
        if collected and s.legal_basis is None:
            problems.append(f"{s.name!r} has no legal basis (GDPR Art. 6)")
        if not collected and s.purpose.strip():
            problems.append(
                f"{s.name!r} has a purpose but is not collected: keep it for as long as "
                "the purpose needs, or drop the purpose"
            )
        if collected and s.kind == "contextual" and s.retention != "session":
            problems.append(
                f"{s.name!r} is contextual: it serves the visit, keep it for the session"
            )
        if collected and s.kind == "derived" and s.retention != "latest only":
            problems.append(
                f"{s.name!r} is derived: recompute it from the raw data, keep the latest only"
            )
        if collected and s.kind == "behavioural" and s.retention != "13 months":
            problems.append(
                f"{s.name!r} is behavioural: keep the raw events as long as the features "
                "look back (13 months), not longer"
            )
        if s.special_category and collected and s.legal_basis != "consent":
            problems.append(
                f"{s.name!r} is special-category data (GDPR Art. 9): only with explicit consent"
            )
    return problems


@dataclass(frozen=True)
class Experimentation:
    """How the framework proves itself.

    Parameters
    ----------
    holdout_share : float
        Share of users who never get personalisation (a global holdout), in (0, 1).
    holdout_days : int
        How long the holdout is kept.
    primary_metric : str
    guardrails : tuple of str
    variance_reduction : str
        e.g. "CUPED on pre-period revenue" ("" for none).
    mde : float
        The smallest relative lift the holdout must detect (0.02 = 2 %), fixed in advance.

    Examples
    --------
    >>> Experimentation(0.05, 90, "revenue per user", ("return rate", "latency p99"),
    ...                 "CUPED on pre-period revenue", 0.02).holdout_share
    0.05
    """

    holdout_share: float
    holdout_days: int
    primary_metric: str
    guardrails: tuple[str, ...]
    variance_reduction: str
    mde: float

    def __post_init__(self) -> None:
        share = self.holdout_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
            raise ValueError(f"holdout_share must be in (0, 1), got {share!r}")
        days = self.holdout_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"holdout_days must be a whole number of days >= 1, got {days!r}")
        _text(self.primary_metric, "primary_metric")
        if isinstance(self.guardrails, str) or not isinstance(self.guardrails, Sequence):
            raise ValueError(f"guardrails must be a tuple of metric names, got {self.guardrails!r}")
        for g in self.guardrails:
            _text(g, "guardrails")
        object.__setattr__(self, "guardrails", tuple(self.guardrails))
        if not isinstance(self.variance_reduction, str):
            raise ValueError(
                f"variance_reduction must be a string, got {self.variance_reduction!r}"
            )
        mde = self.mde
        if isinstance(mde, bool) or not isinstance(mde, int | float) or not 0 < mde < 1:
            raise ValueError(f"mde must be a relative lift in (0, 1), got {mde!r}")


def _mapping(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must map names to descriptions, got {type(value).__name__}")
    out = {}
    for k, v in value.items():
        out[_text(k, f"{name}'s keys")] = v.strip() if isinstance(v, str) else v
    return out


@dataclass(frozen=True)
class PersonalizationPlan:
    """A personalisation framework as a structured plan (graded by :func:`review`).

    Parameters
    ----------
    signals : list of Signal
        The data: what is collected, its kind, purpose, retention and legal basis.
    models : mapping of str to str
        For each use of :data:`MODEL_USES`, the method (e.g. ``{"new users":
        "popularity, then the session's items"}``).
    retrain_days : int
        How often the models are retrained (days).
    privacy : collection of str
        Measures from :data:`PRIVACY_MEASURES`.
    experimentation : Experimentation, optional
    scale : mapping of str to str
        ``"batch"`` (what is precomputed and where) and ``"online"`` (what is
        computed per request).
    latency_ms : float
        The online path's latency budget (p99), in milliseconds.
    team : mapping of str to str
        For each function of :data:`TEAM_ROLES` (and any other), what it owns.
    decision_owner : str
        Who decides what ships (one of the team's functions, or "product").
    """

    signals: Sequence[Signal] = ()
    models: Mapping[str, str] = field(default_factory=dict)
    retrain_days: int = 0
    privacy: Sequence[str] = ()
    experimentation: Experimentation | None = None
    scale: Mapping[str, str] = field(default_factory=dict)
    latency_ms: float = 0
    team: Mapping[str, str] = field(default_factory=dict)
    decision_owner: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "signals", tuple(_signals(self.signals)))
        object.__setattr__(self, "models", _mapping(self.models, "models"))
        days = self.retrain_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"retrain_days must be a whole number of days >= 0, got {days!r}")
        if isinstance(self.privacy, str) or not isinstance(
            self.privacy, Sequence | set | frozenset
        ):
            raise ValueError(f"privacy must be a list of measures, got {self.privacy!r}")
        unknown = [m for m in self.privacy if m not in PRIVACY_MEASURES]
        if unknown:
            raise ValueError(f"privacy: unknown measures {unknown}; choose from {PRIVACY_MEASURES}")
        object.__setattr__(self, "privacy", tuple(self.privacy))
        if self.experimentation is not None and not isinstance(
            self.experimentation, Experimentation
        ):
            raise ValueError(
                "experimentation must be an Experimentation or None, got "
                f"{type(self.experimentation).__name__}"
            )
        object.__setattr__(self, "scale", _mapping(self.scale, "scale"))
        ms = self.latency_ms
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms < float("inf"):
            raise ValueError(f"latency_ms must be a number of milliseconds >= 0, got {ms!r}")
        object.__setattr__(self, "team", _mapping(self.team, "team"))
        if not isinstance(self.decision_owner, str):
            raise ValueError(f"decision_owner must be a string, got {self.decision_owner!r}")


@dataclass(frozen=True, repr=False)
class Review(ResultMixin):
    """The rubric's verdict on a plan (:func:`review`).

    ``grade`` is "strong", "average" or "poor"; ``missing_areas`` the areas
    left out (a poor answer), ``gaps`` every depth requirement that fails, in
    the rubric's order; ``first`` the first problem, or None for a strong plan.
    """

    _title: ClassVar[str] = "Rubric review"
    grade: str
    missing_areas: tuple[str, ...]
    gaps: tuple[str, ...] = field(repr=False)

    @property
    def first(self) -> str | None:
        if self.missing_areas:
            return f"a poor answer: it leaves out {', '.join(self.missing_areas)}"
        if self.gaps:
            return f"an average answer: {self.gaps[0]}"
        return None

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{g}</li>" for g in self.gaps) or "<li>none</li>"
        missing = ", ".join(self.missing_areas) or "none"
        return (
            f"<p><b>{self._title}</b>: {self.grade}. Areas left out: {missing}.</p>"
            f"<p>What is missing for a strong answer:</p><ul>{items}</ul>"
        )


def _has(text: str, *words: str) -> bool:
    low = text.lower()
    return any(w in low for w in words)


def review(plan: PersonalizationPlan) -> Review:
    """Grade a plan with the rubric of the module docstring.

    Examples
    --------
    >>> plan = PersonalizationPlan(
    ...     signals=[Signal("orders", "behavioural", "recommendations", "13 months", "contract")],
    ...     models={"known users": "EASE"}, retrain_days=1, privacy=["pseudonymisation"],
    ...     team={"engineering": "pipelines"})
    >>> r = review(plan)
    >>> r.grade, r.missing_areas
    ('poor', ('experimentation', 'scale'))
    >>> r.first
    'a poor answer: it leaves out experimentation, scale'
    """
    if not isinstance(plan, PersonalizationPlan):
        raise TypeError(f"plan must be a PersonalizationPlan, got {type(plan).__name__}")
    missing = []
    if not plan.signals:
        missing.append("data")
    if not any(plan.models.get(u) for u in MODEL_USES):
        missing.append("models")
    if not plan.privacy:
        missing.append("privacy")
    if plan.experimentation is None:
        missing.append("experimentation")
    if not plan.scale or not any(plan.scale.values()):
        missing.append("scale")
    if not any(plan.team.get(r) for r in plan.team):
        missing.append("team")
    gaps = []
    # data
    kinds = {s.kind for s in plan.signals if s.retention != "do not collect"}
    if len(kinds) < 3:
        gaps.append(
            f"the data use {len(kinds)} kind(s) of signal ({', '.join(sorted(kinds)) or 'none'}): "
            "name at least three of declared, behavioural, contextual, derived"
        )
    gaps += [f"data: {p}" for p in inventory_problems(list(plan.signals))]
    # models
    for use in MODEL_USES:
        if not plan.models.get(use):
            gaps.append(f"models: no method for {use!r}")
    new_users = plan.models.get("new users", "")
    if new_users and not _has(new_users, "popular", "session", "onboarding", "content", "context"):
        gaps.append(
            "models: new users need a cold-start path (popularity, onboarding picks, "
            "the session's items, content or context)"
        )
    interface = plan.models.get("interface", "")
    if interface and not _has(
        interface, "bandit", "explor", "thompson", "ucb", "a/b", "experiment"
    ):
        gaps.append(
            "models: the interface choice must keep learning (a bandit or experiments), "
            "or it never finds out whether another element would do better"
        )
    if plan.retrain_days == 0 or plan.retrain_days > 31:
        gaps.append("models: retrain on a schedule (at least monthly): tastes and catalogues drift")
    # privacy
    needed = {
        "consent and opt-out": "users must be able to opt out of personalisation",
        "opt-outs excluded from training": "opted-out users' data must also stop feeding the models",
        "pseudonymisation": "pseudonymise ids in every table that does not need the real one",
        "erasure": "say how a user's data are erased everywhere (GDPR Art. 17)",
        "retention limits": "set retention limits",
        "DPIA": "a data protection impact assessment (profiling at scale needs one)",
    }
    for measure, why in needed.items():
        if measure not in plan.privacy:
            gaps.append(f"privacy: {why} ({measure!r})")
    if not {"k-anonymity of shared tables", "differential privacy for published aggregates"} & set(
        plan.privacy
    ):
        gaps.append(
            "privacy: protect what leaves the team (k-anonymity of shared tables or "
            "differential privacy for published aggregates)"
        )
    # experimentation
    e = plan.experimentation
    if e is not None and e.holdout_share > 0.2:
        gaps.append(
            f"experimentation: a holdout of {e.holdout_share:.0%} withholds personalisation "
            "from too many users; keep it small (1-10 %) and long"
        )
    if e is not None and e.holdout_days < 28:
        gaps.append(
            "experimentation: keep the global holdout for months, not days: the "
            "cumulative effect and long-term metrics need time"
        )
    if e is not None and len(e.guardrails) < 2:
        gaps.append(
            "experimentation: name at least two guardrails (e.g. returns, latency, opt-outs)"
        )
    if e is not None and not e.variance_reduction.strip():
        gaps.append("experimentation: use variance reduction (CUPED): revenue per user is noisy")
    # scale
    if plan.scale:
        for part in ("batch", "online"):
            if not plan.scale.get(part):
                gaps.append(f"scale: say what is computed {part}")
        if not plan.latency_ms or plan.latency_ms <= 0:
            gaps.append("scale: give the online path a latency budget (p99, in ms)")
    # team
    for role in TEAM_ROLES:
        if not plan.team.get(role):
            gaps.append(f"team: who in {role} owns what?")
    if not plan.decision_owner.strip():
        gaps.append("team: name who decides what ships (the decision owner)")
    if missing:
        grade = "poor"
    elif gaps:
        grade = "average"
    else:
        grade = "strong"
    return Review(grade=grade, missing_areas=tuple(missing), gaps=tuple(gaps))
