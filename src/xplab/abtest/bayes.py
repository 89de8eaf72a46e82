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

    With a Beta(a, b) prior, each rate's posterior is
    p ~ Beta(a + x, b + n − x). From ``draws`` Monte Carlo samples of both:

    * ``prob_treatment_better`` = P(p_t > p_c | data);
    * ``estimate`` and ``ci``: posterior mean and central credible interval of
      p_t − p_c;
    * ``draws``: the posterior draws of p_t − p_c (for plots), and
      :meth:`BayesResult.prob_lift_above` for P(p_t − p_c > threshold);
    * ``expected_loss_treatment`` = E[max(p_c − p_t, 0)]: what you expect to
      lose per user by shipping treatment if it is in fact worse;
      ``expected_loss_control`` likewise for keeping control. A common
      decision rule ships the arm whose expected loss is below a tolerance.

    Parameters
    ----------
    successes_c, n_c, successes_t, n_t : int
    prior : (a, b)
        Beta prior parameters, both > 0; (1, 1) is uniform.
    credible_level : float
    draws : int
    seed : int, Generator or None

    Examples
    --------
    >>> r = bayes_proportions(1000, 10_000, 1100, 10_000, seed=1)
    >>> round(r.prob_treatment_better, 2)
    0.99
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
    return BayesResult(
        prob_treatment_better=float(np.mean(diff > 0)),
        estimate=float(diff.mean()),
        ci=(float(lo), float(hi)),
        expected_loss_control=float(np.maximum(diff, 0).mean()),
        expected_loss_treatment=float(np.maximum(-diff, 0).mean()),
        posterior_mean_c=(a + x_c) / (a + b + n_c),
        posterior_mean_t=(a + x_t) / (a + b + n_t),
        credible_level=level,
        draws=diff,
    )
