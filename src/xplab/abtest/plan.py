r"""Pre-registration: write the decision down before the data arrive.

An :class:`ExperimentPlan` records what an experiment tests, how it will be
analysed and what will be done with each outcome, and checks its own
arithmetic when it is created: the sample size must reach the power it
claims, and the traffic must deliver that sample within the planned duration.
It renders as a one-page card in a notebook.

Power for a proportion metric comes from :func:`~xplab.abtest.power_proportions`
(the pooled two-proportion z-test); for a mean metric from the normal analogue

.. math:: \text{power} = \Phi\left(\frac{|\delta|}{\sigma\sqrt{2/n}} - z_{1-\alpha/2}\right)

(z_{1−α} for a one-sided test) with n users per arm and standard deviation σ.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from scipy import stats

from .._results import ResultMixin, fmt
from .._validate import (
    check_alpha,
    check_alternative,
    check_choice,
    check_count,
    check_positive,
    check_probability,
    check_real,
)
from .power import _check_power, power_proportions, sample_size_proportions

MetricType = Literal["proportion", "mean"]
Alternative = Literal["two-sided", "larger", "smaller"]


def power_means(
    mde: float,
    standard_deviation: float,
    n_per_group: float,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> float:
    """Power of the two-sample z-test of H0: μ_t − μ_c = 0 against a true
    difference ``mde``, with ``n_per_group`` users per arm and a common
    standard deviation: Φ(|δ|/(σ√(2/n)) − z_α).

    Examples
    --------
    >>> round(power_means(0.1, 1.0, 1570), 3)
    0.8
    """
    delta = check_positive(mde, name="mde")
    sd = check_positive(standard_deviation, name="standard_deviation")
    n = check_positive(n_per_group, name="n_per_group")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    z = stats.norm.isf(alpha / 2 if alternative == "two-sided" else alpha)
    return float(stats.norm.cdf(delta / (sd * math.sqrt(2 / n)) - z))


def sample_size_means(
    mde: float,
    standard_deviation: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
) -> int:
    """Users per arm for :func:`power_means` to reach ``power``:
    n = ⌈2σ²(z_α + z_β)²/δ²⌉.

    Examples
    --------
    >>> sample_size_means(0.1, 1.0)
    1570
    """
    delta = check_positive(mde, name="mde")
    sd = check_positive(standard_deviation, name="standard_deviation")
    alpha = check_alpha(alpha)
    power = _check_power(power, alpha)
    alternative = check_alternative(alternative)
    z = stats.norm.isf(alpha / 2 if alternative == "two-sided" else alpha)
    n = 2 * (sd * (z + stats.norm.ppf(power)) / delta) ** 2
    return math.ceil(n - 1e-9)


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Both numbers with the fewest decimals (at least 3) that tell them apart:
    0.79996 against 0.80000, not 0.800 against 0.8."""
    for digits in range(3, 13):
        left, right = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if left != right:
            return left, right
    return f"{a!r}", f"{b!r}"


@dataclass(frozen=True, repr=False)
class ExperimentPlan(ResultMixin):
    """A pre-registered experiment plan that validates itself.

    Creating one raises ``ValueError`` if the plan is inconsistent: a
    ``power`` at or below ``alpha`` (checked as in every planner), the
    ``sample_size_per_arm`` does not reach the claimed ``power`` for the
    ``mde`` at ``alpha`` (the message gives the size that would), or
    ``daily_traffic × duration_days`` (users entering the experiment, both
    arms) cannot deliver 2 × ``sample_size_per_arm`` users.

    Parameters
    ----------
    hypothesis : str
        What the change is expected to do and why.
    primary_metric : str
        The one metric that decides, e.g. "7-day engagement minutes per user".
    baseline : float
        The control level of the primary metric (a rate for proportions).
    mde : float
        Minimum detectable effect, absolute, > 0 (the smallest change worth shipping).
    sample_size_per_arm : int
        Users per arm.
    daily_traffic : int
        Users entering the experiment per day, both arms together.
    duration_days : int
        Planned duration; at least 7 so that weekly cycles are covered.
    stopping_rule, decision_rule : str
        When the experiment stops (e.g. "fixed horizon: analyse once on day
        14" or "mSPRT, τ = 0.5, daily looks") and what each outcome leads to.
    guardrails : tuple of str
        Metrics that must not get worse (e.g. "page load time").
    metric_type : {'proportion', 'mean'}
    standard_deviation : float, optional
        σ of the metric per user; required for ``metric_type='mean'``.
    alpha, power : float
    alternative : {'two-sided', 'larger', 'smaller'}

    Examples
    --------
    >>> plan = ExperimentPlan(
    ...     hypothesis="Personalised headlines raise reading time",
    ...     primary_metric="engagement index per user (14 days)",
    ...     baseline=100.0, mde=1.0, standard_deviation=20.0, metric_type="mean",
    ...     sample_size_per_arm=6280, daily_traffic=1000, duration_days=14,
    ...     stopping_rule="fixed horizon: one analysis on day 14",
    ...     decision_rule="ship if the CUPED estimate is significant and > 0",
    ...     guardrails=("MAU", "unsubscribe rate"))
    >>> round(plan.achieved_power, 3)
    0.8
    """

    _title: ClassVar[str] = "Experiment plan (pre-registration)"
    hypothesis: str
    primary_metric: str
    baseline: float
    mde: float
    sample_size_per_arm: int
    daily_traffic: int
    duration_days: int
    stopping_rule: str
    decision_rule: str
    guardrails: tuple[str, ...] = ()
    metric_type: MetricType = "proportion"
    standard_deviation: float | None = None
    alpha: float = 0.05
    power: float = 0.8
    alternative: Alternative = "two-sided"

    def __post_init__(self) -> None:
        for name in ("hypothesis", "primary_metric", "stopping_rule", "decision_rule"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if isinstance(self.guardrails, str | bytes) or not isinstance(self.guardrails, Iterable):
            raise ValueError(
                f"guardrails must be a tuple of metric names (strings), got {self.guardrails!r}"
            )
        if not all(isinstance(g, str) and g.strip() for g in self.guardrails):
            raise ValueError(
                f"guardrails must be a tuple of metric names (strings), got {self.guardrails!r}"
            )
        object.__setattr__(self, "guardrails", tuple(self.guardrails))
        check_choice(self.metric_type, ("proportion", "mean"), name="metric_type")
        _check_power(self.power, check_alpha(self.alpha))
        check_alternative(self.alternative)
        check_positive(self.mde, name="mde")
        n = check_count(self.sample_size_per_arm, name="sample_size_per_arm", minimum=2)
        traffic = check_count(self.daily_traffic, name="daily_traffic", minimum=1)
        days = check_count(self.duration_days, name="duration_days", minimum=1)
        if self.metric_type == "proportion":
            check_probability(self.baseline, name="baseline")
            if self.standard_deviation is not None:
                raise ValueError(
                    "standard_deviation applies to metric_type='mean'; a proportion's "
                    "spread follows from its baseline"
                )
        else:
            check_real(self.baseline, name="baseline")
            if self.standard_deviation is None:
                raise ValueError("metric_type='mean' needs standard_deviation (σ per user)")
            check_positive(self.standard_deviation, name="standard_deviation")
        if days < 7:
            raise ValueError(
                f"duration_days must be >= 7 so that every weekday is covered, got {days}"
            )
        achieved = self.achieved_power
        if achieved < self.power - 1e-9:
            got, claimed = _distinct(achieved, self.power)
            raise ValueError(
                f"sample_size_per_arm={n:,} reaches power {got}, below the claimed {claimed}; "
                f"detecting mde={self.mde:g} needs {self.required_sample_size:,} per arm"
            )
        if traffic * days < 2 * n:
            raise ValueError(
                f"daily_traffic={traffic:,} over duration_days={days} brings {traffic * days:,} "
                f"users, fewer than the 2 × {n:,} the plan needs; run "
                f"{math.ceil(2 * n / traffic)} days or more"
            )

    @property
    def achieved_power(self) -> float:
        """Power of the planned test at ``sample_size_per_arm`` against ``mde``."""
        if self.metric_type == "proportion":
            return float(
                power_proportions(
                    self.baseline,
                    self.mde,
                    self.sample_size_per_arm,
                    alpha=self.alpha,
                    alternative=self.alternative,
                )
            )
        return power_means(
            self.mde,
            self.standard_deviation,  # type: ignore[arg-type]
            self.sample_size_per_arm,
            alpha=self.alpha,
            alternative=self.alternative,
        )

    @property
    def required_sample_size(self) -> int:
        """Users per arm that reach ``power`` against ``mde``."""
        if self.metric_type == "proportion":
            return sample_size_proportions(
                self.baseline,
                self.mde,
                alpha=self.alpha,
                power=self.power,
                alternative=self.alternative,
            )
        return sample_size_means(
            self.mde,
            self.standard_deviation,  # type: ignore[arg-type]
            alpha=self.alpha,
            power=self.power,
            alternative=self.alternative,
        )

    def review(
        self,
        *,
        guardrails: Iterable[str] = (),
        min_standard_deviation: float | None = None,
        max_mde: float | None = None,
        whole_weeks: bool = True,
        max_days: int | None = None,
    ) -> str | None:
        """The first item of a review board's checklist this plan fails, or None.

        Creating the plan already checked its arithmetic (power and traffic).
        The review adds what the arithmetic cannot know, in this order:

        1. every metric in ``guardrails`` is among the plan's guardrails;
        2. the plan does not assume a spread below ``min_standard_deviation``
           (for a mean metric: the smallest σ the metric can honestly have,
           e.g. σ√(1 − ρ²) after CUPED); a smaller σ buys power on paper only;
        3. the plan detects the effect worth shipping: ``mde`` ≤ ``max_mde``;
        4. with ``whole_weeks``, it runs a whole number of weeks, so every
           weekday counts equally;
        5. it ends within ``max_days``.

        Examples
        --------
        >>> plan = ExperimentPlan(
        ...     hypothesis="Personalised headlines raise reading time",
        ...     primary_metric="engagement index per user (14 days)",
        ...     baseline=100.0, mde=1.0, standard_deviation=20.0, metric_type="mean",
        ...     sample_size_per_arm=6280, daily_traffic=1000, duration_days=13,
        ...     stopping_rule="fixed horizon: one analysis on day 13",
        ...     decision_rule="ship if significant and > 0")
        >>> print(plan.review(guardrails=("MAU",)))
        the guardrails do not include 'MAU'
        >>> print(plan.review())
        the plan runs 13 days: make it a whole number of weeks (14) so that every weekday counts equally
        """
        if isinstance(guardrails, str | bytes) or not isinstance(guardrails, Iterable):
            raise TypeError(f"guardrails must be a list of metric names, got {guardrails!r:.60}")
        wanted = list(guardrails)
        for g in wanted:
            if not isinstance(g, str) or not g.strip():
                raise TypeError(f"guardrails must hold metric names (strings), got {g!r}")
        floor = (
            None
            if min_standard_deviation is None
            else check_positive(min_standard_deviation, name="min_standard_deviation")
        )
        ceiling = None if max_mde is None else check_positive(max_mde, name="max_mde")
        if not isinstance(whole_weeks, bool):
            raise TypeError(f"whole_weeks must be True or False, got {whole_weeks!r}")
        longest = None if max_days is None else check_count(max_days, name="max_days", minimum=1)

        have = {g.strip().casefold() for g in self.guardrails}
        for g in wanted:
            if g.strip().casefold() not in have:
                return f"the guardrails do not include {g!r}"
        if floor is not None and self.metric_type == "mean":
            sd = self.standard_deviation
            assert sd is not None
            if sd < floor * (1 - 1e-3):
                return (
                    f"the plan assumes σ = {fmt(sd)}, below {fmt(floor)}, the smallest spread "
                    "this metric can have: its power exists on paper only"
                )
        if ceiling is not None and self.mde > ceiling * (1 + 1e-9):
            return (
                f"the plan detects mde = {fmt(self.mde)}, larger than the {fmt(ceiling)} worth "
                "shipping: smaller lifts that matter would go unseen"
            )
        if whole_weeks and self.duration_days % 7:
            weeks = math.ceil(self.duration_days / 7)
            return (
                f"the plan runs {self.duration_days} days: make it a whole number of weeks "
                f"({7 * weeks}) so that every weekday counts equally"
            )
        if longest is not None and self.duration_days > longest:
            return f"the plan runs {self.duration_days} days, longer than the {longest} available"
        return None

    def _card(self) -> list[tuple[str, list[tuple[str, str]]]]:
        spread = "" if self.standard_deviation is None else f", σ = {fmt(self.standard_deviation)}"
        return [
            ("Question", [("Hypothesis", self.hypothesis)]),
            (
                "Metrics",
                [
                    ("Primary metric", f"{self.primary_metric} ({self.metric_type})"),
                    ("Baseline", f"{fmt(self.baseline)}{spread}"),
                    ("Guardrails", ", ".join(self.guardrails) or "none"),
                ],
            ),
            (
                "Design",
                [
                    ("MDE (absolute)", fmt(self.mde)),
                    ("alpha / test", f"{fmt(self.alpha)}, {self.alternative}"),
                    (
                        "Power",
                        f"{fmt(self.power)} claimed, {self.achieved_power:.3f} achieved",
                    ),
                    (
                        "Sample size",
                        f"{self.sample_size_per_arm:,} per arm "
                        f"({self.required_sample_size:,} needed)",
                    ),
                    (
                        "Duration",
                        f"{self.duration_days} days × {self.daily_traffic:,} users/day "
                        f"= {self.duration_days * self.daily_traffic:,} users",
                    ),
                ],
            ),
            (
                "Decisions",
                [("Stopping rule", self.stopping_rule), ("Decision rule", self.decision_rule)],
            ),
        ]

    def summary(self) -> str:
        """The plan as a plain-text card."""
        lines = [self._title, "=" * len(self._title)]
        for section, rows in self._card():
            lines += ["", section, "-" * len(section)]
            width = max(len(k) for k, _ in rows)
            lines += [f"{k:<{width}}  {v}" for k, v in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [
            "<div style='max-width:42em;border:1px solid #999;padding:0.8em'>",
            f"<h3 style='margin-top:0'>{html.escape(self._title)}</h3>",
        ]
        for section, rows in self._card():
            parts.append(f"<h4 style='margin-bottom:0.2em'>{html.escape(section)}</h4><table>")
            parts += [
                f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(k)}</th>"
                f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                for k, v in rows
            ]
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"ExperimentPlan(primary_metric={self.primary_metric!r}, mde={fmt(self.mde)}, "
            f"sample_size_per_arm={self.sample_size_per_arm:,}, "
            f"duration_days={self.duration_days}, power={self.achieved_power:.3f})"
        )
