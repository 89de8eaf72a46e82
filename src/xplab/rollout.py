"""Ramps and many experiments at once: the rules an experimentation platform enforces.

A feature-flag platform turns a change on for a growing share of users
(*percentage rollout*), lets anyone turn it off at once (*kill switch*), and
keeps concurrent experiments from stepping on each other. Two plans capture
those decisions so that they can be written down, reviewed and checked:

* :class:`RampPlan` — one experiment ramped through growing ``coverage``
  (:func:`xplab.assign.assign` with ``coverage=``: raising it only adds
  users, never moves one between arms), with an SRM check and a guardrail
  look at every step and a stop rule;
* :class:`TrafficPlan` — :class:`~xplab.assign.Layer` s of overlapping
  experiments (mutually exclusive *within* a layer, independent *across*
  layers), plus an optional exclusive layer whose experiments take a slice of
  traffic that no other experiment touches (Tang et al. 2010's "domains").

``problems()`` lists the rules a plan breaks, in words; an empty list means
the plan passes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._validate import check_bool, check_count, check_probability
from .assign import Layer, assign

__all__ = ["RampPlan", "RampStep", "TrafficPlan"]

#: The first step may expose at most this share of traffic to the treatment.
MAX_FIRST_EXPOSURE = 0.05
#: The last step (the experiment's full traffic) runs at least a week.
MIN_LAST_DAYS = 7


def _names(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of names (strings), got {value!r}")
    items = tuple(value)
    if not all(isinstance(v, str) and v.strip() for v in items):
        raise TypeError(f"{name} must hold non-empty strings, got {list(items)!r}")
    return items


@dataclass(frozen=True)
class RampStep:
    """One step of a ramp: the share of traffic enrolled (``coverage``, split
    between the arms), how many days it lasts, and what is checked before
    the next step.

    Examples
    --------
    >>> RampStep(0.02, days=1, guardrails=("checkout errors",))
    RampStep(coverage=0.02, days=1, srm_check=True, guardrails=('checkout errors',))
    """

    coverage: float
    days: int = 1
    srm_check: bool = True
    guardrails: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        coverage = check_probability(self.coverage, name="coverage", closed=True)
        if coverage == 0:
            raise ValueError("coverage must be > 0: a step enrols some traffic")
        object.__setattr__(self, "coverage", coverage)
        object.__setattr__(self, "days", check_count(self.days, name="days", minimum=1))
        check_bool(self.srm_check, name="srm_check")
        object.__setattr__(self, "guardrails", _names(self.guardrails, "guardrails"))


@dataclass(frozen=True, repr=False)
class RampPlan:
    """A ramp for one experiment: steps of growing coverage, each with checks,
    and the rule that stops it.

    Parameters
    ----------
    experiment : str
        The experiment's name (its hash input in :func:`~xplab.assign.assign`).
    steps : sequence of RampStep
    stop_rule : str
        When to hit the kill switch, e.g. "stop if SRM p < 0.001 or any
        guardrail is worse at p < 0.01".
    treatment_share : float
        The treatment's share of the enrolled units; a step exposes
        ``coverage × treatment_share`` of all traffic to the treatment.

    Examples
    --------
    >>> plan = RampPlan("new_checkout", [
    ...     RampStep(0.02, days=1, guardrails=("errors",)),
    ...     RampStep(0.10, days=1, guardrails=("errors",)),
    ...     RampStep(0.40, days=2, guardrails=("errors", "latency")),
    ...     RampStep(1.00, days=7, guardrails=("errors", "latency")),
    ... ], stop_rule="SRM p < 0.001, or errors up at p < 0.01")
    >>> plan.problems()
    []
    >>> [round(e, 2) for e in plan.exposures]
    [0.01, 0.05, 0.2, 0.5]
    """

    experiment: str
    steps: Sequence[RampStep]
    stop_rule: str = ""
    treatment_share: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.experiment, str) or not self.experiment.strip():
            raise TypeError(f"experiment must be a non-empty string, got {self.experiment!r}")
        if isinstance(self.steps, RampStep | str) or not isinstance(self.steps, Iterable):
            raise TypeError(f"steps must be a list of RampStep, got {self.steps!r}")
        steps = tuple(self.steps)
        if not steps or not all(isinstance(s, RampStep) for s in steps):
            raise TypeError("steps must be a non-empty list of RampStep")
        object.__setattr__(self, "steps", steps)
        if not isinstance(self.stop_rule, str):
            raise TypeError(f"stop_rule must be a string, got {self.stop_rule!r}")
        share = check_probability(self.treatment_share, name="treatment_share")
        object.__setattr__(self, "treatment_share", share)

    @property
    def exposures(self) -> list[float]:
        """Share of all traffic that sees the treatment at each step."""
        return [s.coverage * self.treatment_share for s in self.steps]

    @property
    def days(self) -> int:
        """Days from the first step to the end of the last."""
        return sum(s.days for s in self.steps)

    def problems(self) -> list[str]:
        """The ramp rules this plan breaks (empty when it passes):

        1. at least two steps (a small one to catch bugs, then more traffic);
        2. the first step exposes at most 5 % of traffic to the treatment;
        3. coverage grows at every step (lowering it would take enrolled
           users out of the experiment, and raising it again brings them back
           after a gap);
        4. an SRM check at every step;
        5. at least one guardrail looked at in every step;
        6. a stop rule (what triggers the kill switch);
        7. the last step runs at least 7 days (weekly cycles).
        """
        out = []
        steps = self.steps
        if len(steps) < 2:
            out.append(
                "a ramp needs at least two steps: a small first one that catches bugs, "
                "then the experiment's full traffic"
            )
        first = self.exposures[0]
        if first > MAX_FIRST_EXPOSURE + 1e-12:
            out.append(
                f"the first step exposes {first:.0%} of traffic to the treatment; start at "
                f"{MAX_FIRST_EXPOSURE:.0%} or less so that a bug reaches few users"
            )
        for i in range(1, len(steps)):
            if steps[i].coverage <= steps[i - 1].coverage:
                out.append(
                    f"coverage must grow at every step: step {i + 1} ({steps[i].coverage:.0%}) "
                    f"does not exceed step {i} ({steps[i - 1].coverage:.0%})"
                )
        for i, s in enumerate(steps, start=1):
            if not s.srm_check:
                out.append(
                    f"step {i} ({s.coverage:.0%}) has no SRM check: a broken split or lost "
                    "logging shows there first"
                )
            if not s.guardrails:
                out.append(
                    f"step {i} ({s.coverage:.0%}) looks at no guardrail: name the metrics "
                    "that must not get worse"
                )
        if not self.stop_rule.strip():
            out.append(
                "no stop rule: say what triggers the kill switch (e.g. SRM p < 0.001, or a "
                "guardrail worse at p < 0.01)"
            )
        if steps[-1].days < MIN_LAST_DAYS:
            out.append(
                f"the last step runs {steps[-1].days} day(s); run it at least "
                f"{MIN_LAST_DAYS} days to cover a full weekly cycle"
            )
        return out

    def assign(self, unit_id: Any, step: int) -> Any:
        """The units' arms at step ``step`` (0-based): :func:`~xplab.assign.assign`
        with the step's coverage (None for units not enrolled yet)."""
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < len(self.steps):
            raise ValueError(f"step must be a step index 0 … {len(self.steps) - 1}, got {step!r}")
        share = self.treatment_share
        return assign(
            unit_id,
            self.experiment,
            weights=[1 - share, share],
            coverage=self.steps[step].coverage,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per step: coverage, treatment exposure, days, checks."""
        return pd.DataFrame(
            {
                "coverage": [s.coverage for s in self.steps],
                "treatment exposure": self.exposures,
                "days": [s.days for s in self.steps],
                "SRM check": [s.srm_check for s in self.steps],
                "guardrails": [", ".join(s.guardrails) for s in self.steps],
            },
            index=pd.RangeIndex(1, len(self.steps) + 1, name="step"),
        )

    def __repr__(self) -> str:
        ramp = " → ".join(f"{s.coverage:.0%}" for s in self.steps)
        return f"RampPlan({self.experiment!r}, coverage {ramp}, {self.days} days)"

    def _repr_html_(self) -> str:
        rule = html.escape(self.stop_rule or "(none)")
        table = self.to_frame().to_html(formatters={"coverage": "{:.0%}".format})
        return f"<p><b>Ramp plan: {html.escape(self.experiment)}</b> — stop rule: {rule}</p>{table}"


@dataclass(frozen=True, repr=False)
class TrafficPlan:
    """Concurrent experiments: overlapping layers plus an optional exclusive layer.

    A unit whose bucket falls in an experiment of the ``exclusive`` layer is
    in that experiment only. Every other unit goes through each of the
    ``layers``: within a layer it is in at most one experiment (mutually
    exclusive), and layers are independent of each other (overlapping). So an
    experiment in a layer receives ``(1 − exclusive share) × its share of the
    layer`` of all traffic.

    Parameters
    ----------
    layers : sequence of Layer
        Overlapping layers, with unique names.
    exclusive : Layer, optional
        Experiments that must not overlap any other.

    Examples
    --------
    >>> ui = Layer("ui"); ui.add("button", share=0.5); ui.add("copy", share=0.4)
    >>> ranking = Layer("ranking"); ranking.add("search", share=0.8)
    >>> solo = Layer("solo"); solo.add("pricing", share=0.1)
    >>> plan = TrafficPlan([ui, ranking], exclusive=solo)
    >>> round(plan.share("button"), 3), plan.share("pricing")
    (0.45, 0.1)
    >>> plan.problems({"button": 400_000, "search": 900_000, "pricing": 100_000},
    ...               daily_users=100_000, days=10, conflicts=[("button", "copy")],
    ...               isolated=["pricing"])
    ['search gets 72% of traffic, 720,000 users in 10 days; it needs 900,000 (90%)', 'copy is in the plan but not among the experiments to run']
    """

    layers: Sequence[Layer]
    exclusive: Layer | None = None

    def __post_init__(self) -> None:
        if isinstance(self.layers, Layer) or not isinstance(self.layers, Iterable):
            raise TypeError(f"layers must be a list of Layer, got {self.layers!r}")
        layers = tuple(self.layers)
        if not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError("layers must be a list of Layer")
        if self.exclusive is not None and not isinstance(self.exclusive, Layer):
            raise TypeError(f"exclusive must be a Layer or None, got {self.exclusive!r}")
        everything = [*layers, *([self.exclusive] if self.exclusive else [])]
        names = [layer.name for layer in everything]
        if len(set(names)) != len(names):
            raise ValueError(f"layers must have unique names (hashes depend on them), got {names}")
        object.__setattr__(self, "layers", layers)

    # --- where each experiment is --------------------------------------------------

    def _placements(self) -> list[tuple[str, str]]:
        """(experiment, layer name) for every slot, the exclusive layer first."""
        out = []
        if self.exclusive is not None:
            out += [(e, self.exclusive.name) for e in self.exclusive.experiments]
        for layer in self.layers:
            out += [(e, layer.name) for e in layer.experiments]
        return out

    @property
    def exclusive_share(self) -> float:
        """Share of all traffic held by the exclusive layer's experiments."""
        if self.exclusive is None:
            return 0.0
        return 1.0 - self.exclusive.free_share

    def share(self, experiment: str) -> float:
        """Share of all traffic that ``experiment`` receives (0 if it is not in the plan)."""
        if not isinstance(experiment, str):
            raise TypeError(f"experiment must be a name (str), got {experiment!r}")
        total = 0.0
        for layer, scale in self._scaled_layers():
            if experiment in layer.experiments:
                slot = layer._slot(experiment)
                total += scale * (slot.stop - slot.start) / layer.n_buckets
        return total

    def _scaled_layers(self) -> list[tuple[Layer, float]]:
        out: list[tuple[Layer, float]] = []
        if self.exclusive is not None:
            out.append((self.exclusive, 1.0))
        out += [(layer, 1.0 - self.exclusive_share) for layer in self.layers]
        return out

    def problems(
        self,
        required_users: Mapping[str, int],
        *,
        daily_users: int,
        days: int,
        conflicts: Iterable[Sequence[str]] = (),
        isolated: Iterable[str] = (),
    ) -> list[str]:
        """The rules this plan breaks for the experiments to run (empty when it passes):

        1. each experiment in ``required_users`` is in exactly one place;
        2. it receives at least its required users: its share of traffic ×
           ``daily_users`` × ``days``;
        3. each pair in ``conflicts`` (two changes to the same thing) is
           mutually exclusive: in one layer, or one of them in the exclusive
           layer;
        4. each experiment in ``isolated`` is in the exclusive layer;
        5. nothing else is in the plan.
        """
        if not isinstance(required_users, Mapping) or not required_users:
            raise TypeError("required_users must be a non-empty mapping of experiment → users")
        needs = {}
        for name, users in required_users.items():
            if not isinstance(name, str):
                raise TypeError(f"required_users' keys must be experiment names, got {name!r}")
            needs[name] = check_count(users, name="required_users", minimum=1)
        daily_users = check_count(daily_users, name="daily_users", minimum=1)
        days = check_count(days, name="days", minimum=1)
        pairs = [tuple(_names(p, "conflicts")) for p in conflicts]
        if any(len(p) != 2 for p in pairs):
            raise ValueError(f"conflicts must be pairs of experiment names, got {pairs}")
        alone = _names(isolated, "isolated")
        available = daily_users * days
        placements = self._placements()
        where: dict[str, list[str]] = {}
        for experiment, layer in placements:
            where.setdefault(experiment, []).append(layer)
        exclusive_name = self.exclusive.name if self.exclusive is not None else None
        out = []
        for name, users in needs.items():
            places = where.get(name, [])
            if not places:
                out.append(f"{name} is not in any layer")
                continue
            if len(places) > 1:
                out.append(f"{name} is in {len(places)} layers ({', '.join(places)}); use one")
                continue
            got = self.share(name) * available
            if got < users - 1e-6:  # shares are whole buckets: no rounding may fail a plan
                out.append(
                    f"{name} gets {self.share(name):.0%} of traffic, {math.floor(got):,} users "
                    f"in {days} days; it needs {users:,} ({users / available:.0%})"
                )
        for a, b in pairs:
            la, lb = where.get(a, []), where.get(b, [])
            if not la or not lb:
                continue
            together = set(la) & set(lb)
            if not together and exclusive_name not in (*la, *lb):
                out.append(
                    f"{a} and {b} change the same thing and must be mutually exclusive: "
                    "put them in one layer"
                )
        for name in alone:
            if name in where and exclusive_name not in where[name]:
                out.append(
                    f"{name} must not overlap any other experiment: put it in the exclusive layer"
                )
        for name in where:
            if name not in needs:
                out.append(f"{name} is in the plan but not among the experiments to run")
        return out

    # --- assignment --------------------------------------------------------------------

    def assign(self, unit_id: Any) -> pd.DataFrame:
        """Each unit's experiment and variant in every layer.

        Returns a DataFrame with one row per id and, for the exclusive layer
        and each layer, the columns ``<layer>`` (the experiment, or None) and
        ``<layer>_variant``. Units in the exclusive layer's experiments have
        None in every other layer.
        """
        if isinstance(unit_id, str | bytes) or not isinstance(unit_id, Iterable):
            raise TypeError(f"unit_id must be a collection of ids, got {unit_id!r:.60}")
        ids = unit_id if isinstance(unit_id, pd.Series) else list(unit_id)
        out = pd.DataFrame(
            index=ids.index if isinstance(ids, pd.Series) else pd.RangeIndex(len(ids))
        )
        taken = None
        if self.exclusive is not None:
            ex = self.exclusive.assign(ids)
            out[self.exclusive.name] = ex["experiment"].to_numpy()
            out[f"{self.exclusive.name}_variant"] = ex["variant"].to_numpy()
            taken = ex["experiment"].notna().to_numpy()
        for layer in self.layers:
            got = layer.assign(ids)
            experiment = got["experiment"].to_numpy().copy()
            variant = got["variant"].to_numpy().copy()
            if taken is not None:
                experiment[taken] = None
                variant[taken] = None
            out[layer.name] = experiment
            out[f"{layer.name}_variant"] = variant
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment: its layer and share of all traffic."""
        rows = [
            {"experiment": e, "layer": layer, "share of traffic": self.share(e)}
            for e, layer in self._placements()
        ]
        return pd.DataFrame(rows, columns=["experiment", "layer", "share of traffic"])

    def __repr__(self) -> str:
        parts = [f"{layer.name}: {layer.experiments}" for layer in self.layers]
        if self.exclusive is not None:
            parts.insert(0, f"exclusive {self.exclusive.name}: {self.exclusive.experiments}")
        return f"TrafficPlan({'; '.join(parts)})"

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        return "<p><b>Traffic plan</b></p>" + frame.to_html(
            index=False, formatters={"share of traffic": "{:.1%}".format}
        )
