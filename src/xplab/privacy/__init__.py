"""Privacy by design for personalisation: pseudonyms, k-anonymity, differential
privacy and consent.

* :mod:`~xplab.privacy.pseudonym` — keyed pseudonyms (HMAC) and the dictionary
  attack that reverses a plain hash;
* :mod:`~xplab.privacy.anonymity` — k-anonymity and l-diversity of a table
  before it is shared, generalisation and suppression;
* :mod:`~xplab.privacy.dp` — differentially private counts, sums, means and
  segment reports with an explicit ε budget (seeded NumPy noise for
  reproducible teaching; OpenDP's samplers and clamp-and-sum measurement with
  ``backend="opendp"``);
* :mod:`~xplab.privacy.consent` — opt-outs honoured in serving and training,
  and erasure from every registered table.
"""

from .anonymity import KAnonymity, enforce_k_anonymity, generalize, k_anonymity, l_diversity
from .consent import DataInventory, ErasureReceipt, consented
from .dp import (
    BudgetExceededError,
    DPRelease,
    PrivacyBudget,
    SegmentReport,
    dp_count,
    dp_mean,
    dp_sum,
    laplace_mechanism,
    segment_report,
)
from .pseudonym import dictionary_attack, plain_hash, pseudonymize

__all__ = [
    "BudgetExceededError",
    "DPRelease",
    "DataInventory",
    "ErasureReceipt",
    "KAnonymity",
    "PrivacyBudget",
    "SegmentReport",
    "consented",
    "dictionary_attack",
    "dp_count",
    "dp_mean",
    "dp_sum",
    "enforce_k_anonymity",
    "generalize",
    "k_anonymity",
    "l_diversity",
    "laplace_mechanism",
    "plain_hash",
    "pseudonymize",
    "segment_report",
]
