"""A ramped rollout with a bug, day by day (notebook 07).

:func:`simulate_ramp` follows a :class:`~xplab.rollout.RampPlan`: every day
``daily_users`` new visitors reach the changed page; the plan's
:meth:`~xplab.rollout.RampPlan.assign` decides who is enrolled and in which
arm at that day's step. From step ``bug_from_step`` on, the treatment breaks
for visitors on one platform: their exposure is logged only with probability
1 − ``lost_logging`` (the page crashes before the log call), and the ones
whose visit is logged hit an error ``error_effect`` times more often. That is
the classic pattern that a sample-ratio check catches before any metric does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._rng import SeedLike, as_generator
from .._validate import check_count, check_probability, check_real

PLATFORMS = ("web", "ios", "android")
PLATFORM_SHARES = (0.5, 0.3, 0.2)


def simulate_ramp(
    plan: Any,
    *,
    daily_users: int = 20_000,
    error_rate: float = 0.01,
    bug_from_step: int | None = None,
    bug_platform: str = "android",
    lost_logging: float = 0.0,
    error_effect: float = 0.0,
    seed: SeedLike = None,
) -> pd.DataFrame:
    """Simulate the enrolled visitors of a ramp, one row per logged exposure.

    Day d (0-based) belongs to the step whose days cover it. Visitor ids are
    ``"d{day}-{i}"`` (new visitors every day), each on a platform drawn with
    shares web 50 %, iOS 30 %, Android 20 %. Enrolment and arm come from
    ``plan.assign`` at that step. Each logged visitor has an error with
    probability ``error_rate`` (× (1 + ``error_effect``) in treatment on the
    bug platform once the bug is live).

    Parameters
    ----------
    plan : RampPlan
    daily_users : int
        Visitors reaching the page per day (enrolled or not).
    error_rate : float
        The guardrail: probability of an error per logged visit, in (0, 1).
    bug_from_step : int, optional
        The first step (0-based) with the bug; None for no bug.
    bug_platform : {'web', 'ios', 'android'}
    lost_logging : float
        Share of the bug platform's treatment exposures that are never logged.
    error_effect : float
        Relative increase of the error rate under the bug (>= 0).
    seed : int, Generator or None

    Returns
    -------
    DataFrame
        ``day, step, coverage, user_id, platform, arm, error`` for every
        *logged* exposure (lost ones are absent, as in a real log).

    Examples
    --------
    >>> from xplab.rollout import RampPlan, RampStep
    >>> plan = RampPlan("new_checkout", [RampStep(0.1, guardrails=("errors",)),
    ...                                   RampStep(0.5, days=7, guardrails=("errors",))])
    >>> log = simulate_ramp(plan, daily_users=1_000, seed=1)
    >>> log.groupby("step")["user_id"].count().tolist()
    [107, 3468]
    """
    from ..rollout import RampPlan

    if not isinstance(plan, RampPlan):
        raise TypeError(f"plan must be a RampPlan, got {type(plan).__name__}")
    n = check_count(daily_users, name="daily_users", minimum=1)
    base = check_probability(error_rate, name="error_rate")
    if bug_from_step is not None:
        bug_from_step = check_count(bug_from_step, name="bug_from_step")
        if bug_from_step >= len(plan.steps):
            raise ValueError(
                f"bug_from_step must be a step index below {len(plan.steps)}, got {bug_from_step}"
            )
    if bug_platform not in PLATFORMS:
        raise ValueError(f"bug_platform must be one of {list(PLATFORMS)}, got {bug_platform!r}")
    lost = check_probability(lost_logging, name="lost_logging", closed=True)
    effect = check_real(error_effect, name="error_effect")
    if effect < 0:
        raise ValueError(f"error_effect must be >= 0, got {effect}")
    if base * (1 + effect) > 1:
        raise ValueError(f"error_rate × (1 + error_effect) must be <= 1, got {base} × {1 + effect}")
    rng = as_generator(seed)
    frames = []
    day = 0
    for step, s in enumerate(plan.steps):
        for _ in range(s.days):
            ids = [f"d{day}-{i}" for i in range(n)]
            arms = plan.assign(ids, step)
            platform = rng.choice(PLATFORMS, size=n, p=PLATFORM_SHARES)
            bugged = (
                (bug_from_step is not None and step >= bug_from_step)
                & (arms == "treatment")
                & (platform == bug_platform)
            )
            logged = (arms != None) & ~(bugged & (rng.random(n) < lost))  # noqa: E711
            p_error = np.where(bugged, base * (1 + effect), base)
            error = rng.random(n) < p_error
            frames.append(
                pd.DataFrame(
                    {
                        "day": day,
                        "step": step,
                        "coverage": s.coverage,
                        "user_id": np.asarray(ids, dtype=object)[logged],
                        "platform": platform[logged],
                        "arm": arms[logged],
                        "error": error[logged].astype(int),
                    }
                )
            )
            day += 1
    return pd.concat(frames, ignore_index=True)
