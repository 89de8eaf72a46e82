"""The Bayesian view of a conversion test: Beta–Binomial posteriors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import check_count, check_positive, check_probability, check_successes


@dataclass(frozen=True, repr=False)
class BayesResult(ResultMixin):
    """Result of :func:`bayes_proportions`."""

    _title: ClassVar[str] = "Bayesian A/B test (Beta–Binomial)"
    prob_treatment_better: float
    estimate: float
    ci: tuple[float, float]
    expected_loss_control: float
    expected_loss_treatment: float
    posterior_mean_c: float
    posterior_mean_t: float
    credible_level: float
    draws: np.ndarray = field(repr=False, compare=False)

    def prob_lift_above(self, threshold: float) -> float:
        """P(p_t − p_c > threshold | data), e.g. the lift that pays for a launch."""
        return float(np.mean(self.draws > threshold))


def bayes_proportions(
    successes_c: int,
    n_c: int,
    successes_t: int,
    n_t: int,
    *,
    prior: tuple[float, float] = (1, 1),
    credible_level: float = 0.95,
    draws: int = 200_000,
    seed: SeedLike = None,
) -> BayesResult:
    r"""Posterior comparison of two conversion rates.

    Both rates get the same Beta(a, b) prior, so each posterior is
    p ~ Beta(a + x, b + n − x), independently per arm.

    * ``estimate`` = E[p_t − p_c | data], exact:
      (a + x_t)/(a + b + n_t) − (a + x_c)/(a + b + n_c);
    * from ``draws`` Monte Carlo samples of both posteriors (only what has no
      simple closed form): ``prob_treatment_better`` = P(p_t > p_c | data),
      the central credible interval ``ci`` of p_t − p_c, and the expected
      losses below; ``draws`` keeps the samples of p_t − p_c (for plots) and
      :meth:`BayesResult.prob_lift_above` gives P(p_t − p_c > threshold);
    * ``expected_loss_treatment`` = E[max(p_c − p_t, 0) | data]: the expected
      shortfall in conversion rate if you ship treatment, averaged over the
      posterior, counting 0 wherever treatment is better (it is *not* the loss
      "if treatment is in fact worse", which would divide by P(p_t < p_c));
      ``expected_loss_control`` = E[max(p_t − p_c, 0)] likewise for keeping
      control. A common decision rule ships the arm whose expected loss is
      below a tolerance.

    With the flat prior (1, 1) and large samples, ``prob_treatment_better`` is
    close to 1 − the one-sided p-value of :func:`proportion_test` with
    ``alternative='larger'``: the numbers agree, but the p-value is not the
    probability that control is better. The result depends on the prior: check
    its sensitivity with a sceptical prior that centres both rates on the
    baseline, e.g. ``prior=(17, 83)`` for a 17 % rate (worth 100 users), which
    pulls the difference towards 0.

    Parameters
    ----------
    successes_c, n_c, successes_t, n_t : int
        Conversions and users in control and treatment.
    prior : (a, b)
        Beta prior parameters of each rate, both > 0; (1, 1) is uniform.
    credible_level : float
        In (0, 1).
    draws : int
        Monte Carlo draws per arm, at least 1,000.
    seed : int, Generator or None

    Examples
    --------
    >>> r = bayes_proportions(1000, 10_000, 1100, 10_000, seed=1)
    >>> round(r.prob_treatment_better, 2), round(r.estimate, 6)
    (0.99, 0.009998)
    >>> sceptical = bayes_proportions(1000, 10_000, 1100, 10_000, prior=(100, 900), seed=1)
    >>> sceptical.estimate < r.estimate
    True
    """
    x_c, n_c = check_successes(successes_c, n_c, arm="c")
    x_t, n_t = check_successes(successes_t, n_t, arm="t")
    try:
        a, b = prior
    except (TypeError, ValueError):
        raise ValueError(f"prior must be a pair (a, b), got {prior!r}") from None
    a = check_positive(a, name="prior[0]")
    b = check_positive(b, name="prior[1]")
    level = check_probability(credible_level, name="credible_level")
    draws = check_count(draws, name="draws", minimum=1000)
    rng = as_generator(seed)
    p_c = rng.beta(a + x_c, b + n_c - x_c, size=draws)
    p_t = rng.beta(a + x_t, b + n_t - x_t, size=draws)
    diff = p_t - p_c
    lo, hi = np.quantile(diff, [(1 - level) / 2, (1 + level) / 2])
    mean_c = (a + x_c) / (a + b + n_c)
    mean_t = (a + x_t) / (a + b + n_t)
    return BayesResult(
        prob_treatment_better=float(np.mean(diff > 0)),
        estimate=mean_t - mean_c,
        ci=(float(lo), float(hi)),
        expected_loss_control=float(np.maximum(diff, 0).mean()),
        expected_loss_treatment=float(np.maximum(-diff, 0).mean()),
        posterior_mean_c=mean_c,
        posterior_mean_t=mean_t,
        credible_level=level,
        draws=diff,
    )
