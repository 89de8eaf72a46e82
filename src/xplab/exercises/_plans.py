"""The review of a learner's :class:`~xplab.abtest.ExperimentPlan`, shared by the
design exercises that ask for one (notebooks 02 and 07)."""

from __future__ import annotations

from typing import Any

from .. import abtest


def review_mean_plan(
    plan: Any, *, metric: str, daily_users: int, traffic: str, **review: Any
) -> str | None:
    """The first problem of a plan for a mean metric, or None.

    In order: not an ``ExperimentPlan``; a metric type other than ``"mean"``
    (``metric`` names the metric, e.g. "the OEC is revenue per user"); more
    users a day than ``daily_users`` (``traffic`` says who they are, e.g.
    "the portal can route"); then the first item of
    :meth:`~xplab.abtest.ExperimentPlan.review` with ``review``'s options.

    Examples
    --------
    >>> print(review_mean_plan(None, metric="revenue", daily_users=10, traffic="there are"))
    expected an `abtest.ExperimentPlan` (creating one checks its arithmetic), got a NoneType
    """
    if not isinstance(plan, abtest.ExperimentPlan):
        return (
            "expected an `abtest.ExperimentPlan` (creating one checks its arithmetic), got a "
            f"{type(plan).__name__}"
        )
    if plan.metric_type != "mean":
        return f"{metric}, a mean per user: metric_type='mean'"
    if plan.daily_traffic > daily_users:
        return f"the plan counts on {plan.daily_traffic:,} users a day; {traffic} {daily_users:,}"
    return plan.review(**review)
