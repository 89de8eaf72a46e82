"""Exercises for notebook 09 — the capstone: a personalisation framework for millions of users.

The scenario: UCI Online Retail (:func:`xplab.data.load_online_retail`,
cleaned by :func:`~xplab.data.clean_online_retail`), with every customer id
pseudonymised at ingestion (:func:`xplab.privacy.pseudonymize`). Decisions
are taken on :data:`AS_OF`: what happened before is history (features,
segments, training data), what happened from it to the end of the data
(9 December 2011) is the future the decisions are judged on.

The k-means stability figures take a minute of computing; they are
precomputed by ``python benchmarks/bench_segments.py --write`` into
``nb09_stability.json`` beside this module, and
``tests/exercises/test_nb09_cache.py`` checks that a fresh computation
reproduces them. Every expected answer is computed here with the package's
tested code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import abtest, framework, longterm, privacy, recs, segments
from .._validate import a_type
from ..abtest import GroupStats
from ..data import (
    RetailHomepage,
    clean_online_retail,
    load_online_retail,
    module_shares,
    simulate_retail_holdout,
)
from ..segments import Stability
from ..segments.clustering import KMEANS_COLUMNS
from ..workbook import Decision, Exercise, MultipleChoice
from ..workbook.exercise import UNATTEMPTED

#: The day the decisions are taken: features and training data come from before it.
AS_OF = "2011-09-01"
#: A fixed key, so that the course's outputs reproduce. A real key is random
#: (``secrets.token_bytes(32)``), lives in a secrets manager and never in code.
PSEUDONYM_KEY = b"xplab-capstone-teaching-key-not-a-secret"
#: The k-means stability computation (precomputed; see the module docstring).
STABILITY: dict[str, Any] = {"ks": (2, 3, 4, 5, 6, 7, 8), "n_pairs": 20, "n_init": 4, "seed": 0}
#: The range of k fixed in advance by the use: at least 3 segments to act on, at
#: most 8 that a marketing team can name and act on.
K_RANGE = range(3, 9)
#: A k is stable when its mean ARI across bootstrap pairs is at least this.
MIN_ARI = 0.85
#: The chosen number of segments and the seed of the final fit.
K = 4
KMEANS_SEED = 0
#: Names given to the k-means segments after reading their profiles (labels are
#: ordered by the centre's monetary value).
SEGMENT_NAMES = {
    0: "high-value regulars",
    1: "cooling mid-value",
    2: "recent low-value",
    3: "lapsed one-off buyers",
}
#: The recommender for known users.
EASE_L2 = 500.0
TOP_K = 10

_STABILITY_FILE = Path(__file__).with_name("nb09_stability.json")


@cache
def clean() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Purchases and returns of identified customers, with pseudonymised ``customer_id``."""
    c = clean_online_retail(load_online_retail())
    ids = pd.unique(pd.concat([c.purchases["customer_id"], c.returns["customer_id"]]))
    pid = dict(zip(ids, privacy.pseudonymize(ids, PSEUDONYM_KEY), strict=True))
    purchases = c.purchases.assign(customer_id=c.purchases["customer_id"].map(pid))
    returns = c.returns.assign(customer_id=c.returns["customer_id"].map(pid))
    return purchases, returns


@cache
def features() -> pd.DataFrame:
    """RFM features of every customer known on :data:`AS_OF`."""
    return segments.rfm_features(clean()[0], as_of=AS_OF)


@cache
def kmeans() -> segments.KMeansSegments:
    return segments.fit_kmeans(features(), K, seed=KMEANS_SEED)


def compute_stability(*, show_progress: bool = False) -> Stability:
    """The k-means stability of the scenario, computed afresh (about a minute of CPU)."""
    return segments.kmeans_stability(
        features(),
        STABILITY["ks"],
        n_pairs=STABILITY["n_pairs"],
        n_init=STABILITY["n_init"],
        seed=STABILITY["seed"],
        show_progress=show_progress,
    )


def stability_to_json(s: Stability) -> dict[str, Any]:
    """What ``nb09_stability.json`` holds: the settings and every pair's ARI."""
    return {
        "as_of": AS_OF,
        **{k: list(v) if isinstance(v, tuple) else v for k, v in STABILITY.items()},
        "n_customers": s.n_customers,
        "aris": {str(k): [round(float(v), 12) for v in s.aris[k]] for k in s.aris},
        "silhouette": {str(k): round(float(v), 12) for k, v in s.table["silhouette"].items()},
    }


def stability_from_json(data: dict[str, Any]) -> Stability:
    aris = {int(k): np.asarray(v, dtype=float) for k, v in data["aris"].items()}
    table = pd.DataFrame(
        {
            "ari_mean": {k: v.mean() for k, v in aris.items()},
            "ari_sd": {k: v.std(ddof=1) for k, v in aris.items()},
            "ari_min": {k: v.min() for k, v in aris.items()},
            "ari_q10": {k: float(np.quantile(v, 0.1)) for k, v in aris.items()},
            "silhouette": {int(k): float(v) for k, v in data["silhouette"].items()},
        }
    )
    table.index.name = "k"
    return Stability(
        n_customers=int(data["n_customers"]),
        n_pairs=int(data["n_pairs"]),
        seed=int(data["seed"]),
        table=table,
        aris=aris,
    )


@cache
def stability() -> Stability:
    """The precomputed stability (``nb09_stability.json``)."""
    return stability_from_json(json.loads(_STABILITY_FILE.read_text()))


# -- section 1: the signals inventory ---------------------------------------------------

#: The signals of the inventory: name, whether Online Retail has it, what it is for, the
#: legal basis, and the answers (kind and retention) the learner fills in.
SIGNALS = (
    ("invoice lines (product, quantity, price, time)", "yes", "recommendations, RFM features", "contract", "behavioural", "13 months"),
    ("cancelled lines (returns)", "yes", "return-rate guardrail; not recommending what is returned", "contract", "behavioural", "13 months"),
    ("product views and searches", "no", "recommendations before a first purchase", "legitimate interest", "behavioural", "13 months"),
    ("delivery country", "yes", "currency, delivery options, shared reports", "contract", "declared", "account lifetime"),
    ("personalisation consent", "no", "honouring opt-outs in serving and training", "legal obligation", "declared", "account lifetime"),
    ("device and time of the visit", "no", "layout of this visit", "legitimate interest", "contextual", "session"),
    ("campaign that brought the visit", "no", "landing module of this visit", "legitimate interest", "contextual", "session"),
    ("RFM features and segment", "computed", "interface choices, campaigns, reports", "legitimate interest", "derived", "latest only"),
    ("recommendation scores", "computed", "ranking content", "legitimate interest", "derived", "latest only"),
    ("date of birth", "no", "", None, "declared", "do not collect"),
    ("precise location (GPS)", "no", "", None, "contextual", "do not collect"),
)  # fmt: skip

_KIND_WHY = {
    "declared": "what the customer told us (a form, a setting)",
    "behavioural": "what the customer did (bought, returned, viewed)",
    "contextual": "the circumstances of one visit (device, time, referrer)",
    "derived": "what we computed from other signals",
}


def signal_table() -> pd.DataFrame:
    """The inventory with the ``kind`` and ``retention`` columns left blank."""
    return pd.DataFrame(
        {
            "name": [s[0] for s in SIGNALS],
            "in Online Retail": [s[1] for s in SIGNALS],
            "purpose": [s[2] for s in SIGNALS],
            "legal_basis": [s[3] for s in SIGNALS],
            "kind": [None] * len(SIGNALS),
            "retention": [None] * len(SIGNALS),
        }
    )


def _check_inventory(table: Any) -> str | None:
    if not isinstance(table, pd.DataFrame):
        return f"expected the inventory DataFrame, got {a_type(table)}"
    if "kind" not in table.columns or "retention" not in table.columns:
        return "the table needs its `kind` and `retention` columns"
    if len(table) != len(SIGNALS) or table["name"].tolist() != [s[0] for s in SIGNALS]:
        return "keep the rows of `ex.signal_table()` as they are (same signals, same order)"
    blank = table[table["kind"].isna() | table["retention"].isna()]
    if len(blank):
        return f"{len(blank)} row(s) still have a blank kind or retention, e.g. {blank['name'].iloc[0]!r}"
    for name, kind in zip(table["name"], table["kind"], strict=True):
        if kind not in framework.SIGNAL_KINDS:
            return f"{name!r}: the kind must be one of {list(framework.SIGNAL_KINDS)}, got {kind!r}"
    for name, keep in zip(table["name"], table["retention"], strict=True):
        if keep not in framework.RETENTION:
            return (
                f"{name!r}: the retention must be one of {list(framework.RETENTION)}, got {keep!r}"
            )
    for (name, *_, kind, _keep), got in zip(SIGNALS, table["kind"], strict=True):
        if got != kind:
            return f"{name!r} is not {got}: {got} means {_KIND_WHY[got]}"
    problems = framework.inventory_problems(table)
    if problems:
        return problems[0]
    for (name, *_, keep), got in zip(SIGNALS, table["retention"], strict=True):
        if got != keep:
            return f"{name!r}: {got!r} does not follow the retention policy"
    return None


q1 = Exercise(
    "Q1 · the signals inventory",
    checker=_check_inventory,
    kind="judgment",
    hints=[
        "Kind: declared = the customer told us; behavioural = the customer did it; "
        "contextual = the circumstances of one visit; derived = we computed it.",
        "Retention follows the policy in the text: contextual → session; behavioural → "
        "13 months; declared → account lifetime; derived → latest only; a signal without "
        "a purpose → do not collect.",
    ],
)


# -- section 2: segments -------------------------------------------------------------------


def _lines_before() -> pd.DataFrame:
    purchases = clean()[0]
    return purchases[purchases["invoice_date"] < pd.Timestamp(AS_OF)]


q2 = Exercise(
    "Q2 · one-off buyers",
    expected=lambda: float((features()["frequency"] == 1).mean()),
    mistakes={
        "that counts customers with a single purchase *line*; frequency counts invoices "
        "(orders), and one order holds many lines": lambda: float(
            (_lines_before().groupby("customer_id").size() == 1).mean()
        ),
        "that is the number of customers; the question asks for their share": lambda: int(
            (features()["frequency"] == 1).sum()
        ),
    },
    hints=[
        "`rfm['frequency']` counts each customer's distinct invoices before 1 September.",
        "`(rfm['frequency'] == 1).mean()`.",
    ],
)


def _f_score(values: Any, bins: int = 5) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    frame = pd.DataFrame({"recency_days": np.zeros(x.size), "frequency": x, "monetary": x})
    return segments.rfm_scores(frame, bins=bins)["F"].to_numpy()


def _qcut_first(values: Any, bins: int = 5) -> np.ndarray:
    ranks = pd.Series(np.asarray(values, dtype=float)).rank(method="first")
    return (pd.qcut(ranks, bins, labels=False) + 1).to_numpy().astype(int)


def _average_rank(values: Any, bins: int = 5) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    ranks = pd.Series(x).rank(method="average").to_numpy()
    return np.ceil(bins * ranks / x.size).astype(int)


def _at_or_below(values: Any, bins: int = 5) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    share = (x[None, :] <= x[:, None]).sum(axis=1) / x.size
    return np.minimum(1 + np.floor(bins * share), bins).astype(int)


q3 = Exercise(
    "Q3 · an F score that treats ties alike",
    expected=_f_score,
    cases=[
        ([1, 1, 1, 2, 3, 5, 8, 1, 2, 13],),
        ([10, 20, 30, 40, 50],),
        ([4, 4, 4, 4],),
        ([3, 1, 2], 3),
        ([1, 2, 2, 2, 9, 9, 10, 12, 15, 20], 4),
        ([7], 5),
    ],
    mistakes={
        "that ranks tied customers by their position (`rank(method='first')` then equal-"
        "sized bins): two customers with the same frequency get different scores": _qcut_first,
        "that uses average ranks, ⌈bins × rank / n⌉: a tie then lands in the middle of its "
        "block, and customers who bought once are not all scored 1": _average_rank,
        "that counts the customers at *or* below each value; the score counts those "
        "strictly below, so the lowest value always scores 1": _at_or_below,
    },
    hints=[
        "For each customer, count the customers with a strictly smaller frequency, divide "
        "by n, multiply by `bins`, round down, add 1.",
        "`x = np.asarray(values)`; `below = (x[None, :] < x[:, None]).sum(axis=1)`; "
        "`return 1 + np.floor(bins * below / len(x)).astype(int)`.",
    ],
)

q4 = MultipleChoice(
    "Q4 · how many segments",
    question=(
        "The rule fixed before looking: k between 3 and 8 (fewer cannot carry the interface "
        "decisions; more, nobody can act on), stable means a mean ARI of at least 0.85 "
        "between bootstrap fits, and among the stable k the best silhouette wins. "
        "Which k does the table give?"
    ),
    options={
        "k = 2: it is the most stable and has the best silhouette": (
            "Both are true, and both were known to favour k = 2 (two groups are easy to find "
            "again and to separate). The rule excluded it in advance: two segments, roughly "
            "'active' and 'not', cannot carry four homepage modules."
        ),
        "k = 4": (
            "Yes. k = 3 and k = 4 are stable (mean ARI 0.92 and 0.88); k = 4 has the better "
            "silhouette. The margin is small (0.364 vs 0.354): k = 3 would be defensible, and "
            "the profiles below show what the fourth segment adds."
        ),
        "k = 3: it is the most stable k in the range": (
            "Stability is a threshold here, not the goal: among the stable k the rule picks "
            "the best-separated one, and k = 4 separates slightly better."
        ),
        "k = 8: more segments mean more personalisation": (
            "Its segments change from one resample to the next (mean ARI 0.60): a customer's "
            "segment would depend on which customers happened to be in the data, and so "
            "would the interface they see."
        ),
    },
    answer="B",
    hints=["First keep the k in range, then the stable ones, then compare silhouettes."],
)


def _segment_zero_share() -> float:
    f = features()
    return float(f.loc[kmeans().labels == 0, "monetary"].sum() / f["monetary"].sum())


q5 = Exercise(
    "Q5 · how concentrated the revenue is",
    expected=_segment_zero_share,
    mistakes={
        "that is the segment's share of *customers*; the question asks for its share of the "
        "money": lambda: float((kmeans().labels == 0).mean()),
        "that compares mean spend, not total spend: divide the segment's total by everyone's "
        "total": lambda: float(
            features().loc[kmeans().labels == 0, "monetary"].mean() / features()["monetary"].mean()
        ),
    },
    hints=[
        "Sum `monetary` over the customers whose label is 0, and divide by the sum over all.",
        "`rfm.loc[seg.labels == 0, 'monetary'].sum() / rfm['monetary'].sum()`.",
    ],
)


# -- section 3: personalising content and interface ---------------------------------------


def _pairs(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[["customer_id", "stock_code"]]
        .drop_duplicates()
        .rename(columns={"customer_id": "user_id", "stock_code": "item_id"})
        .reset_index(drop=True)
    )


@cache
def split() -> dict[str, pd.DataFrame]:
    """``train`` (customer, product) pairs before :data:`AS_OF`; ``future`` the pairs of
    known customers after it; ``test`` the future pairs that are new to the customer."""
    purchases = clean()[0]
    moment = pd.Timestamp(AS_OF)
    train = _pairs(purchases[purchases["invoice_date"] < moment])
    after = _pairs(purchases[purchases["invoice_date"] >= moment])
    future = after[after["user_id"].isin(train["user_id"])].reset_index(drop=True)
    seen = future.merge(train, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    return {
        "train": train,
        "future": future,
        "test": future[~seen].reset_index(drop=True),
        "after": after,
    }


def _repeat_share() -> float:
    s = split()
    return 1 - len(s["test"]) / len(s["future"])


def _repeat_share_lines() -> float:
    purchases = clean()[0]
    moment = pd.Timestamp(AS_OF)
    after = purchases[purchases["invoice_date"] >= moment]
    after = after[after["customer_id"].isin(split()["train"]["user_id"])]
    known = pd.MultiIndex.from_frame(split()["train"])
    pairs = pd.MultiIndex.from_arrays([after["customer_id"], after["stock_code"]])
    return float(pairs.isin(known).mean())


def _repeat_share_everyone() -> float:
    s = split()
    return (len(s["future"]) - len(s["test"])) / len(s["after"])


q6 = Exercise(
    "Q6 · how much of the future is buying again",
    expected=_repeat_share,
    mistakes={
        "that counts invoice lines; the question counts distinct (customer, product) pairs, "
        "so a product bought on five invoices counts once": _repeat_share_lines,
        "that divides by every customer's pairs, new customers included; they have nothing "
        "to buy again, and the question is about customers known on 1 September": _repeat_share_everyone,
    },
    hints=[
        "`future` holds the (customer, product) pairs of known customers after 1 September; "
        "`test` the ones they had not bought before.",
        "`1 - len(test) / len(future)`.",
    ],
)

q7 = MultipleChoice(
    "Q7 · a top 10 per segment",
    question=(
        "Marketing proposes to replace the per-customer recommendations with the ten best "
        "sellers of each customer's segment: 'four lists are easier to explain and to check, "
        "and the segments passed the stability test'. What do you answer?"
    ),
    options={
        "Agree: the segments are stable, so customers within a segment want the same products": (
            "Stability says the *grouping* is reproducible, not that the customers in a group "
            "buy alike. The table shows it: a segment's best sellers hit barely more often "
            "than everyone's best sellers."
        ),
        "Agree, with k = 8 segments so that the lists are more personal": (
            "k = 8 is unstable (mean ARI 0.60), and eight lists are still coarse: the per-"
            "customer model uses each customer's own purchases, which no segment list can."
        ),
        "Keep per-customer lists for content; use segments for the coarse decisions and the "
        "reports": (
            "Yes. Per customer, EASE's hits are about twice those of a segment's top 10 (in "
            "P@10 above). Segments serve decisions that are taken per group: which module comes "
            "first, which campaign, which service level, and the reports marketing reads."
        ),
        "Drop the segments: once there is a recommender they serve no purpose": (
            "They still serve the decisions a recommender does not take (interface, campaigns, "
            "service levels), customers with too little history for a model, and reporting "
            "that must be explained and shared."
        ),
    },
    answer="C",
    hints=["Compare the P@10 of the segment lists with EASE's and with plain popularity."],
)


def segment_names() -> pd.Series:
    """Each known customer's segment name (k-means, :data:`SEGMENT_NAMES`)."""
    return kmeans().labels.map(SEGMENT_NAMES).rename("segment")


#: The segment of customers first seen after AS_OF.
NEW_SEGMENT = "new customers"


@cache
def homepage() -> RetailHomepage:
    shares = module_shares(clean()[0], as_of=AS_OF)
    names = segment_names().reindex(shares.index).fillna(NEW_SEGMENT)
    return RetailHomepage(shares, names)


def _segment_lift() -> float:
    env = homepage()
    return env.policy_ctr("segment") / env.policy_ctr("single") - 1


def _segment_lift_unweighted() -> float:
    t = homepage().segment_ctr
    return float(t.max(axis=1).mean() / t.mean(axis=0).max() - 1)


def _segment_lift_absolute() -> float:
    env = homepage()
    return env.policy_ctr("segment") - env.policy_ctr("single")


q8 = Exercise(
    "Q8 · what choosing per segment is worth",
    expected=_segment_lift,
    mistakes={
        "that weighs every segment alike; weigh each by its share of the visits (frequent "
        "buyers visit more)": _segment_lift_unweighted,
        "that is the difference in click rate; the question asks for the relative lift "
        "(a ratio minus 1)": _segment_lift_absolute,
    },
    hints=[
        "The single best module is the column with the highest visit-weighted mean; the "
        "per-segment policy takes each row's maximum, weighted by the visit shares.",
        "`w = env.visit_share`; `single = (w @ env.segment_ctr).max()`; "
        "`per_segment = w @ env.segment_ctr.max(axis=1)`; `per_segment / single - 1`.",
    ],
)


# -- section 4: privacy by design ---------------------------------------------------------


@cache
def shared_table() -> pd.DataFrame:
    """The segment table marketing wants to share with an agency: one row per known
    customer, with the quasi-identifiers ``country`` (of the first order) and
    ``first_month``."""
    before = _lines_before()
    g = before.groupby("customer_id")
    return pd.DataFrame(
        {
            "country": g["country"].first(),
            "first_month": g["invoice_date"].min().dt.strftime("%Y-%m"),
            "segment": segment_names(),
        }
    )


QUASI_IDENTIFIERS = ["country", "first_month"]


def _small_classes() -> int:
    sizes = shared_table().groupby(QUASI_IDENTIFIERS).size()
    return int((sizes < 5).sum())


q9 = Exercise(
    "Q9 · customers at risk",
    expected=lambda: privacy.k_anonymity(shared_table(), QUASI_IDENTIFIERS, k=5).rows_at_risk,
    mistakes={
        "that counts the *classes* (combinations of country and month) smaller than 5; "
        "the question counts the customers in them": _small_classes,
        "that is the share of customers at risk; the question asks for the number": lambda: (
            privacy.k_anonymity(shared_table(), QUASI_IDENTIFIERS, k=5).share_at_risk
        ),
    },
    hints=[
        "`privacy.k_anonymity(table, [...], k=5)` returns the rows in classes smaller than k.",
        "`.rows_at_risk` of `privacy.k_anonymity(shared, ['country', 'first_month'], k=5)`.",
    ],
)

q10 = MultipleChoice(
    "Q10 · what a 5-anonymous pseudonymised table still exposes",
    question=(
        "The generalised segment table is 5-anonymous over country and first-purchase "
        "quarter, and its ids are HMAC pseudonyms. Select every risk that remains."
    ),
    options={
        "a customer re-identified through a column left off the quasi-identifier list "
        "(e.g. an exact revenue figure)": (
            "Yes: k-anonymity protects only the columns declared as quasi-identifiers; any "
            "other column that can be linked to outside data re-identifies."
        ),
        "a good guess at a customer's segment, where one segment dominates their class": (
            "Yes: l-diversity counts distinct values, not their balance. Generalising lifted it "
            "from 1 (classes of a single segment: the homogeneity attack) to 3, but in one "
            "class a single segment still holds most of the customers."
        ),
        "re-identification by whoever holds the pseudonymisation key": (
            "Yes: pseudonymised data remain personal data under the GDPR (Recital 26), "
            "because the key holder can link them back."
        ),
        "the customer numbers, by a dictionary attack on the pseudonyms": (
            "No: that works on a plain hash. An HMAC cannot be recomputed without the key, so "
            "enumerating customer numbers gives nothing (section 4.1)."
        ),
        "none: a 5-anonymous table is anonymous data under the GDPR": (
            "No: k-anonymity is one safeguard, not anonymisation by itself; with the key, "
            "the linkable columns and the homogeneity attack, these remain personal data."
        ),
    },
    answer=["A", "B", "C"],
    hints=["Three of the five remain; one is blocked by the key, one is a legal claim."],
)

#: The per-customer bound of the revenue that the DP report clips to, and the holdout's
#: primary metric caps at: fixed from domain knowledge (a large retail customer's spend
#: over a season), not read off the data.
REVENUE_CAP = 10_000.0
EPSILONS = (0.1, 1.0, 10.0)
DP_SEED = 9


def revenue_table() -> pd.DataFrame:
    """One row per known customer: segment name and revenue before :data:`AS_OF`."""
    return features()[["monetary"]].assign(segment=segment_names())


def _sum_sd(epsilon: float) -> float:
    report = privacy.segment_report(
        revenue_table(),
        segment="segment",
        value="monetary",
        segments=list(SEGMENT_NAMES.values()),
        lower=0.0,
        upper=REVENUE_CAP,
        epsilon=epsilon,
        seed=DP_SEED,
    )
    return float(report.table["sum_sd"].iloc[0])


q11 = Exercise(
    "Q11 · the noise of a released sum",
    expected=lambda: _sum_sd(1.0),
    mistakes={
        "that spends the whole ε on the sums; `segment_report` gives half of it to the "
        "counts, so the sums get ε/2": lambda: _sum_sd(2.0),
        "that is the Laplace scale b = Δ/(ε/2); the standard deviation is √2·b": lambda: (
            _sum_sd(1.0) / np.sqrt(2)
        ),
    },
    hints=[
        "One customer moves a segment's clipped sum by at most Δ = 10,000. The sums get "
        "ε/2; the Laplace noise has scale b = Δ/(ε/2) and standard deviation √2·b.",
        "`np.sqrt(2) * 10_000 / (1.0 / 2)`.",
    ],
)

#: Shares of known customers who opt out of personalisation, drawn at random.
OPT_OUT_SHARES = (0.1, 0.3)
OPT_OUT_SEED = 21


def opted_out(share: float) -> pd.Index:
    """The known customers who opt out at ``share`` (the same draw for every share:
    a customer who opts out at 10 % also opts out at 30 %)."""
    customers = features().index
    u = np.random.default_rng(OPT_OUT_SEED).random(len(customers))
    return customers[u < share]


@cache
def _opt_out_precision(share: float) -> tuple[float, float]:
    """P@10 over the test customers when ``share`` opt out (they get popularity), and
    P@10 of popularity for everyone; both models trained on consenting customers only."""
    s = split()
    out = opted_out(share)
    train = s["train"][privacy.consented(s["train"], out, user="user_id")]
    users = s["test"]["user_id"].unique()
    gone = pd.Index(users).isin(out)
    personal = users[~gone]
    ease = recs.EASE(l2=EASE_L2).fit(train)
    popular = recs.Popularity().fit(train)
    mixed = pd.concat(
        [
            ease.recommend(personal, k=TOP_K),
            popular.recommend(users[gone], k=TOP_K),
        ]
    )
    base = popular.recommend(users, k=TOP_K)
    return (
        recs.evaluate(s["test"], mixed, k=TOP_K).precision,
        recs.evaluate(s["test"], base, k=TOP_K).precision,
    )


def opt_out_lift(share: float) -> float:
    """P@10 lift of personalisation over popularity, over every test customer, when
    ``share`` of the known customers opt out."""
    mixed, base = _opt_out_precision(share)
    return mixed - base


q12 = Exercise(
    "Q12 · estimate: the lift left at 30 % opt-outs",
    expected=lambda: opt_out_lift(0.3),
    estimate=0.25,
    hints=[
        "Opted-out customers get the non-personalised list: their lift is 0.",
        "About (1 − 0.3) × the lift with nobody opted out; a little less, since the model "
        "also loses their training data.",
    ],
)


# -- section 5: proof by experiment --------------------------------------------------------

#: The simulated global holdout (xplab.data.simulate_retail_holdout).
HOLDOUT: dict[str, Any] = {
    "n_users": 1_000_000,
    "holdout_share": 0.1,
    "lift": 0.03,
    "return_effect": 0.002,
    "products_effect": -0.01,
    "seed": 2011,
}
#: The relative lift the holdout must detect, and the guardrail margins (absolute: +0.5
#: percentage points of return rate; −5 % of the holdout's products per user).
MDE = 0.03
RETURN_MARGIN = 0.005
PRODUCTS_MARGIN = 0.05
#: The planning window: the 99 days before AS_OF (as long as the experiment), with the
#: revenue before that window as the covariate.
PLANNING_DAYS = 99


@cache
def planning() -> dict[str, float]:
    """Mean, sd and pre-period correlation of capped revenue per known customer over the
    99 days before :data:`AS_OF`: the numbers the holdout is planned with."""
    before = _lines_before()
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=PLANNING_DAYS)
    customers = features().index
    late = before[before["invoice_date"] >= start].groupby("customer_id")["revenue"].sum()
    early = before[before["invoice_date"] < start].groupby("customer_id")["revenue"].sum()
    y = late.reindex(customers, fill_value=0.0).clip(upper=REVENUE_CAP)
    x = early.reindex(customers, fill_value=0.0).clip(upper=REVENUE_CAP)
    return {"mean": float(y.mean()), "sd": float(y.std()), "rho": float(np.corrcoef(x, y)[0, 1])}


def _holdout_users(sd: float, share: float = HOLDOUT["holdout_share"]) -> int:
    plan = planning()
    return longterm.holdout_plan(
        MDE * plan["mean"], sd=sd, daily_users=10_000, holdout_share=share, horizon_days=99
    ).n_holdout


q13 = Exercise(
    "Q13 · how large a holdout",
    expected=lambda: _holdout_users(planning()["sd"] * np.sqrt(1 - planning()["rho"] ** 2)),
    mistakes={
        "that plans without CUPED (σ instead of σ√(1 − ρ²)): the analysis will adjust for "
        "the pre-period, so plan with the residual spread": lambda: _holdout_users(
            planning()["sd"]
        ),
        "that is a 50/50 split's arm; with a 10 % holdout each held-out user faces nine "
        "exposed ones, which changes the factor (1 + 1/r)": lambda: _holdout_users(
            planning()["sd"] * np.sqrt(1 - planning()["rho"] ** 2), 0.5
        ),
    },
    hints=[
        "`longterm.holdout_plan(mde, sd=..., daily_users=..., holdout_share=0.1)` gives "
        "`n_holdout`; the MDE is 3 % of the planning mean, and CUPED's σ is σ√(1 − ρ²).",
        "`longterm.holdout_plan(0.03 * plan['mean'], sd=plan['sd'] * np.sqrt(1 - plan['rho'] ** 2), "
        "daily_users=10_000, holdout_share=0.1).n_holdout`.",
    ],
)

q14 = Decision(
    "Q14 · keep personalisation?",
    question=(
        "Capped revenue per user is up, significantly, with CUPED; products per user are "
        "non-inferior; the return rate is *inconclusive*: its upper bound is just above the "
        "0.5-point margin. What do you decide?"
    ),
    options={
        "keep testing": (
            "Yes: the rule fixed in advance says so, and for a reason. The data cannot yet "
            "rule out that personalisation raises returns by more than the margin. Keep the "
            "holdout running to the sample the margin needs (it is a long-running holdout "
            "anyway), then decide; meanwhile personalisation stays on for the 90 %."
        ),
        "ship": (
            "Not yet: 'ship' needs every guardrail non-inferior. An inconclusive guardrail "
            "means harm beyond the margin has not been ruled out; the revenue lift could be "
            "paid back in returns."
        ),
        "don't ship": (
            "Nothing shows harm beyond the margin either (that would be 'inferior'), and the "
            "primary metric improved: turning personalisation off throws away a measured "
            "gain on an unresolved doubt."
        ),
        "ship, and move returns to a secondary metric": (
            "Changing a guardrail's role after seeing its result is the garden of forking "
            "paths: the plan was fixed in advance precisely so that this cannot happen."
        ),
    },
    answer="keep testing",
    hints=["Apply the decision rule of notebook 03 (`abtest.decide`): what must hold to ship?"],
)

#: The AARRR stages (McClure 2007) and the personalisation element each mainly moves.
AARRR = {
    "a landing page that follows the ad campaign that brought the visitor": "acquisition",
    "best sellers first for a visitor with no purchase yet": "activation",
    "a 'buy again' module for returning customers": "retention",
    "a 'share your wishlist' prompt for high-value regulars": "referral",
    "'frequently bought together' in the basket": "revenue",
}
AARRR_STAGES = ("acquisition", "activation", "retention", "referral", "revenue")
_STAGE_WHY = {
    "acquisition": "brings visitors in (sessions from a campaign, sign-ups)",
    "activation": "turns a visitor into a first-time buyer",
    "retention": "brings a customer back to buy again",
    "referral": "gets customers to bring others",
    "revenue": "raises what each order is worth",
}


def _check_aarrr(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return f"expected a dict from each element to a stage, got {a_type(answer)}"
    missing = [e for e in AARRR if e not in answer]
    if missing:
        return (
            f"map every element; {missing[0]!r} is missing (keep the keys of `ex.AARRR_ELEMENTS`)"
        )
    for element, stage in answer.items():
        if stage not in AARRR_STAGES:
            return f"{element!r}: choose a stage of {list(AARRR_STAGES)}, got {stage!r}"
    for element, stage in AARRR.items():
        if answer[element] != stage:
            got = answer[element]
            return f"{element!r} does not mainly move {got}: {got} {_STAGE_WHY[got]}"
    return None


AARRR_ELEMENTS = tuple(AARRR)

q15 = Exercise(
    "Q15 · the AARRR tree",
    checker=_check_aarrr,
    kind="judgment",
    hints=[
        "Ask of each element: whom does it reach (a newcomer, a first-time visitor, a "
        "customer, a loyal customer, a basket) and what do they do next?",
        "Acquisition brings visitors in; activation makes the first purchase; retention "
        "brings customers back; referral brings others; revenue raises the order's value.",
    ],
)


# -- section 6: at scale ----------------------------------------------------------------

#: What ``benchmarks/nb09_spark_cache.py`` wrote: Spark's run of section 6.
SPARK_CACHE = "nb09_spark_run.json"
#: Spark's k-means (MLlib): k-means|| starts from these seeds (the lowest cost is kept,
#: as scikit-learn keeps the best of its n_init starts), a tight tolerance.
SPARK_KMEANS = {"max_iter": 100, "tol": 1e-6, "seeds": [1, 2, 3, 4]}
#: The report each engine computes: one row per segment, from the RFM features.
REPORT_AGGREGATES = {
    "customers": ("count", None),
    "revenue": ("sum", "monetary"),
    "mean_recency_days": ("mean", "recency_days"),
    "mean_frequency": ("mean", "frequency"),
}


def report_aggregates() -> dict[str, Any]:
    """:data:`REPORT_AGGREGATES` as :class:`xplab.warehouse.Agg` objects."""
    from ..warehouse import Agg

    return {
        name: Agg.count() if op == "count" else getattr(Agg, op)(column)
        for name, (op, column) in REPORT_AGGREGATES.items()
    }


def purchase_lines() -> pd.DataFrame:
    """The purchase lines as the warehouse holds them: pseudonymised customer, invoice,
    time in seconds since 1970 (UTC; ``t``) and revenue."""
    purchases = clean()[0]
    t = (purchases["invoice_date"] - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
    return pd.DataFrame(
        {
            "customer_id": purchases["customer_id"].to_numpy(),
            "invoice": purchases["invoice"].to_numpy(),
            "t": t.to_numpy(dtype=float),
            "revenue": purchases["revenue"].to_numpy(dtype=float),
        }
    )


def spark_inputs() -> dict[str, Any]:
    """What Spark's cached run depends on: the data (lines, customers, revenue), the
    date, the segments (k, seed and sizes) and the Spark k-means settings. A test
    compares these with the cache's."""
    lines = purchase_lines()
    sizes = kmeans().labels.value_counts().sort_index()
    return {
        "as_of": AS_OF,
        "lines": len(lines),
        "customers": int(lines["customer_id"].nunique()),
        "revenue": round(float(lines["revenue"].sum()), 2),
        "k": K,
        "kmeans_seed": KMEANS_SEED,
        "segment_sizes": [int(v) for v in sizes],
        "spark_kmeans": dict(SPARK_KMEANS),
        "report": {k: list(v) for k, v in REPORT_AGGREGATES.items()},
    }


def spark_rfm(spark: Any, parquet: str, as_of: Any) -> Any:
    """The RFM features in Spark: ``segments.rfm_sql`` over a view of the Parquet lines."""
    spark.read.parquet(parquet).createOrReplaceTempView("lines")
    return spark.sql(segments.rfm_sql("lines", as_of=as_of))


def spark_kmeans(rfm: Any, k: int, *, max_iter: int, tol: float, seeds: list[int]) -> Any:
    """MLlib k-means on standardised log(1 + x) of recency, frequency and monetary value,
    started from each seed; returns the (customer_id, prediction) rows of the start with
    the lowest cost, as a Spark DataFrame, and every start's cost."""
    from pyspark.ml import Pipeline
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import StandardScaler, VectorAssembler

    cols = list(KMEANS_COLUMNS)
    logs = rfm.selectExpr("customer_id", *(f"ln(1 + {c}) AS log_{c}" for c in cols))
    prepare = Pipeline(
        stages=[
            VectorAssembler(inputCols=[f"log_{c}" for c in cols], outputCol="raw"),
            # Spark divides by the sample sd (n − 1), scikit-learn by the population sd:
            # the same factor for every feature, so the same partitions
            StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True),
        ]
    )
    x = prepare.fit(logs).transform(logs).select("customer_id", "features").cache()
    fits = [KMeans(k=k, maxIter=max_iter, tol=tol, seed=s).fit(x) for s in seeds]
    costs = [float(m.summary.trainingCost) for m in fits]
    best = fits[int(np.argmin(costs))]
    return best.transform(x).select("customer_id", "prediction"), costs


def within_ss(features: pd.DataFrame, labels: pd.Series) -> float:
    """Within-segment sum of squares of ``labels`` on scikit-learn's scale (standardised
    log-features, population sd): one scale for both engines' partitions."""
    x = np.log1p(features[list(KMEANS_COLUMNS)].to_numpy(dtype=float))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    frame = pd.DataFrame(x, index=features.index)
    return float(((frame - frame.groupby(labels).transform("mean")) ** 2).to_numpy().sum())


def spark_run() -> dict[str, Any]:
    """What ``benchmarks/nb09_spark_cache.py`` measured with Spark (``nb09_spark_run.json``)."""
    return json.loads(Path(__file__).with_name(SPARK_CACHE).read_text())


@cache
def holdout() -> Any:
    """The simulated season of section 5.2 (:data:`HOLDOUT`)."""
    purchases, returns = clean()
    return simulate_retail_holdout(purchases, returns, as_of=AS_OF, **HOLDOUT)


#: The segment whose holdout lift Q16 asks for.
LIFT_SEGMENT = "high-value regulars"


def _segment_holdout_lift(*, cap: float | None = REVENUE_CAP, cuped: bool = True) -> float:
    users = holdout().users
    part = users[users["customer_id"].map(segment_names()).eq(LIFT_SEGMENT)]
    y = part["revenue"] if cap is None else part["revenue"].clip(upper=cap)
    x = part["pre_revenue"] if cap is None else part["pre_revenue"].clip(upper=cap)
    s = {
        arm: GroupStats.from_arrays(y[part["arm"] == arm], covariate=x[part["arm"] == arm])
        for arm in ("holdout", "personalised")
    }
    if cuped:
        return float(abtest.cuped_test(s["holdout"], s["personalised"]).estimate)
    return float(s["personalised"].mean - s["holdout"].mean)


q16 = Exercise(
    "Q16 · the lift of one segment, inside DuckDB",
    expected=_segment_holdout_lift,
    kind="compute",
    mistakes={
        "that is the plain difference of the capped means, without CUPED: pass the "
        "pre-period revenue as the covariate and use abtest.cuped_test": lambda: (
            _segment_holdout_lift(cuped=False)
        ),
        "that is uncapped revenue: the plan's metric is revenue capped at GBP 10,000 per "
        "user, in the season and in the pre-period": lambda: _segment_holdout_lift(cap=None),
    },
    hints=[
        "Add the segment in SQL (a LEFT JOIN of the simulated users with `segments_df`; "
        "customers first seen after 1 September have none), cap both revenues with "
        "`least(..., 10000)`, then `warehouse.arm_stats(..., by='segment')`: its keys are "
        "(segment, arm) pairs.",
        "`s = warehouse.arm_stats(rel, arm='arm', outcome='revenue', covariate='pre_revenue', "
        "by='segment')`, then `abtest.cuped_test(s[('high-value regulars', 'holdout')], "
        "s[('high-value regulars', 'personalised')]).estimate`.",
    ],
)

q17 = MultipleChoice(
    "Q17 · which engine",
    question=(
        "On these 396,247 lines Spark took tens of seconds for what DuckDB did in a fraction "
        "of a second. The shop expects 50 million customers and about 5 billion purchase "
        "lines a year within three years. What do you conclude for the nightly RFM and "
        "segment jobs?"
    ),
    options={
        "The measurement settles it: DuckDB is faster, so it is the engine at any size": (
            "At this size the times measure Spark's fixed costs (starting a JVM, planning, "
            "scheduling tasks), not its throughput. They say nothing about 5 billion rows, "
            "which no single machine's disk and memory may hold."
        ),
        "Spark now: 'millions of users' means big data, and moving the jobs later, once the "
        "data have grown, costs more than starting there": (
            "50 million customers' RFM features are a few GB; the purchase lines grow to "
            "what a single machine may no longer hold, but only in years. Paying a cluster's "
            "cost and latency now buys nothing, and the SQL moves unchanged."
        ),
        "Neither: keep pandas, since it was fast enough for the notebook": (
            "pandas holds every row in memory, and more during a groupby: on 10⁷ events "
            "benchmarks/bench_warehouse.py measured 2.8 times DuckDB's peak memory (1,228 vs "
            "432 MB). 5 billion lines will not fit."
        ),
        "DuckDB now; move the same SQL to Spark when one machine no longer holds the data "
        "or meets the nightly deadline": (
            "Yes. One machine with DuckDB went through 10⁸ event rows in about 90 seconds, "
            "its memory limit set to 1 GB (benchmarks/bench_warehouse.py), and the query is the "
            "same text in Spark, so the move is cheap when the data demand it: decide on "
            "measured size and the job's deadline, not on a benchmark of fixed costs."
        ),
    },
    answer="D",
    hints=[
        "What do a few tens of seconds on 400,000 rows measure: throughput, or the cost of "
        "starting and scheduling?"
    ],
)


#: The workbook's template for Q18, every area left empty.
BLANK_PLAN: dict[str, Any] = dict(
    signals=[],
    models={},
    retrain_days=0,
    privacy=[],
    experimentation=None,
    scale={},
    latency_ms=0,
    team={},
    decision_owner="",
)


def _check_plan(plan: Any) -> Any:
    if not isinstance(plan, framework.PersonalizationPlan):
        return f"expected a PersonalizationPlan, got {a_type(plan)}"
    if plan == framework.PersonalizationPlan(**BLANK_PLAN):
        return UNATTEMPTED
    return framework.review(plan).first


q18 = Exercise(
    "Q18 · the framework",
    checker=_check_plan,
    kind="design",
    hints=[
        "Fill every area: signals, models (known users, new users, interface, segments), "
        "privacy measures, experimentation, scale (batch and online, with a latency budget) "
        "and the team (engineering, design, marketing, legal, and who decides).",
        "`framework.review(plan)` lists every gap; the summary table of this notebook names "
        "a method for each.",
    ],
)
