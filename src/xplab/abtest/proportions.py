"""Two-proportion z-test: is the treatment's conversion rate different from the control's?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validate import check_alpha, check_alternative, check_successes
from ._common import Inference, TestResult, infer, relative


@dataclass(frozen=True, repr=False)
class ProportionTestResult(TestResult):
    """Result of :func:`proportion_test`; ``estimate`` is p_t − p_c."""

    _title: ClassVar[str] = "Two-proportion z-test (treatment − control)"
    control_rate: float
    treatment_rate: float


def proportion_test(
    successes_c: int,
    n_c: int,
    successes_t: int,
    n_t: int,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> ProportionTestResult:
    r"""Compare two conversion rates with a z-test and a Wald confidence interval.

    H0: p_t − p_c = 0 against H1: p_t − p_c ≠ 0 ('two-sided'), > 0 ('larger')
    or < 0 ('smaller').

    The **test statistic** uses the pooled rate p̂ = (x_c + x_t)/(n_c + n_t),
    the best estimate of the common rate if H0 is true:

    .. math:: z = \frac{\hat p_t - \hat p_c}{\sqrt{\hat p(1-\hat p)(1/n_c + 1/n_t)}}

    The **confidence interval** is the unpooled (Wald) interval, which does not
    assume H0:

    .. math:: (\hat p_t - \hat p_c) \pm z_{1-\alpha/2}
              \sqrt{\hat p_c(1-\hat p_c)/n_c + \hat p_t(1-\hat p_t)/n_t}

    These are what ``statsmodels.stats.proportion.proportions_ztest`` and
    ``confint_proportions_2indep(..., method="wald")`` compute. One-sided
    alternatives give a one-sided interval with an infinite bound.

    Parameters
    ----------
    successes_c, n_c : int
        Conversions and users in the control group.
    successes_t, n_t : int
        Conversions and users in the treatment group.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    ProportionTestResult
        ``estimate`` (p_t − p_c), ``ci``, ``p_value``, ``statistic``, ``se``
        (unpooled, the CI's), ``relative_lift`` ((p_t − p_c)/p_c),
        ``control_rate``, ``treatment_rate``.

    Raises
    ------
    ValueError
        For negative counts, successes above n, an ``alpha`` outside (0, 1),
        an unknown ``alternative``, or when both groups have no successes or
        only successes (the pooled SE is 0, so there is nothing to test).

    Examples
    --------
    >>> r = proportion_test(1000, 10_000, 1100, 10_000)
    >>> round(r.estimate, 4), round(r.p_value, 4)
    (0.01, 0.0211)
    """
    x_c, n_c = check_successes(successes_c, n_c, arm="c")
    x_t, n_t = check_successes(successes_t, n_t, arm="t")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    if x_c + x_t in (0, n_c + n_t):
        raise ValueError(
            "the two groups have identical all-or-nothing outcomes "
            f"(successes_c={x_c} of {n_c}, successes_t={x_t} of {n_t}): there is no "
            "variation to test"
        )
    p_c, p_t, diff, se, res = z_test_counts(x_c, n_c, x_t, n_t, alpha, alternative)
    p_c, p_t, diff = float(p_c), float(p_t), float(diff)
    return ProportionTestResult(
        estimate=diff,
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        statistic=res.statistic,
        se=float(se),
        relative_lift=relative(diff, p_c),
        control_rate=p_c,
        treatment_rate=p_t,
        n_c=n_c,
        n_t=n_t,
        alpha=alpha,
        alternative=alternative,
    )


def z_test_counts(
    x_c: Any, n_c: Any, x_t: Any, n_t: Any, alpha: float, alternative: str
) -> tuple[Any, Any, Any, Any, Inference]:
    """The arithmetic of :func:`proportion_test` without the checks, for scalars
    or arrays of many experiments: ``(p_c, p_t, p_t − p_c, Wald SE, inference)``.

    The caller rules out a zero pooled SE (all or no successes in both groups).
    """
    p_c, p_t = np.divide(x_c, n_c), np.divide(x_t, n_t)
    pooled = np.divide(np.add(x_c, x_t), np.add(n_c, n_t))
    se_pooled = np.sqrt(pooled * (1 - pooled) * (np.divide(1, n_c) + np.divide(1, n_t)))
    se = np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    diff = p_t - p_c
    res = infer(diff, se, alpha, alternative, se_test=se_pooled)
    return p_c, p_t, diff, se, res
