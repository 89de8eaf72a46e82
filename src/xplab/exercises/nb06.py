"""Exercises for notebook 06 — cold-start news recommendations.

The scenario: the BBC News catalog (:func:`xplab.data.load_bbc_news`) and
simulated readers (:class:`xplab.data.NewsReaders`) with the parameters below.
Readers 0–999 are the portal's existing audience, whose clicks over the last
week make the popularity signal (:func:`click_log`); readers 1000 and up are
new. Every expected answer is computed here with the package's tested code.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .. import recs
from ..bandits import BernoulliBandit, EpsilonGreedy, NewsTopicBandit, SimulationResult, simulate
from ..data import NewsReaders, load_bbc_news
from ..workbook import Decision, Exercise, MultipleChoice

#: The simulated readers (click model of xplab.data.news, default parameters).
READERS: dict[str, Any] = {"n_users": 2_000, "seed": 1}
#: Existing readers, whose clicks last week make the popularity signal.
EXISTING = np.arange(0, 1_000)
#: New readers, for the cold-start sessions (none of them is in the click log).
NEW = np.arange(1_000, 1_250)
#: Last week's log: random articles shown to existing readers over 7 days.
LOG: dict[str, Any] = {"n_impressions": 30_000, "days": 7.0, "seed": 7}
HALF_LIFE = 1.0  # days: yesterday's click counts half as much as today's
SESSION_SEED = 11
N_IMPRESSIONS = 20

#: A story that has just been published (no clicks yet), and another to compare it with.
NEW_ARTICLE = "tech/010"
OTHER_ARTICLE = "tech/333"

#: The context-free bandit: five topics' click rates, the same for every reader.
MEANS = (0.04, 0.05, 0.06, 0.07, 0.08)
N_ROUNDS = 10_000
BANDIT_SEED = 3


@cache
def news() -> pd.DataFrame:
    return load_bbc_news()


@cache
def readers() -> NewsReaders:
    return NewsReaders(news(), **READERS)


@cache
def content() -> recs.TfidfRecommender:
    return recs.TfidfRecommender().fit(news())


@cache
def click_log() -> pd.DataFrame:
    """Last week's impressions: each shows an existing reader a random article at a
    uniformly random time in the last ``LOG["days"]`` days (``timestamp`` in days,
    0 = a week ago); ``clicked`` comes from the click model."""
    rng = np.random.default_rng(LOG["seed"])
    n = LOG["n_impressions"]
    users = rng.choice(EXISTING, size=n)
    articles = readers().article_ids[rng.integers(len(readers().article_ids), size=n)]
    timestamp = np.sort(rng.uniform(0.0, LOG["days"], size=n))
    clicked = readers().click(users, articles, seed=rng)
    return pd.DataFrame(
        {"user": users, "article_id": articles, "timestamp": timestamp, "clicked": clicked}
    )


@cache
def hybrid() -> recs.HybridRecommender:
    log = click_log()
    popularity = recs.recency_popularity(
        log[log["clicked"] == 1], half_life=HALF_LIFE, now=LOG["days"]
    )
    return recs.HybridRecommender(content(), popularity)


@cache
def session(tier: str) -> recs.ColdStartResult:
    return recs.cold_start_sessions(
        readers(),
        hybrid(),
        tier=tier,  # type: ignore[arg-type]
        users=NEW,
        n_impressions=N_IMPRESSIONS,
        seed=SESSION_SEED,
    )


@cache
def greedy_run() -> SimulationResult:
    policy = EpsilonGreedy(len(MEANS), epsilon=0.0, seed=BANDIT_SEED)
    return simulate(policy, BernoulliBandit(MEANS), N_ROUNDS, seed=BANDIT_SEED)


q1 = Exercise(
    "Q1 · duplicated bodies",
    expected=lambda: int(news()["body"].duplicated().sum()),
    hints=[
        "`Series.duplicated()` is True for every repeat of a value seen earlier.",
        "`news['body'].duplicated().sum()` — not the number of distinct bodies.",
    ],
)

q2 = Exercise(
    "Q2 · cosine of two TF-IDF vectors",
    expected=lambda: float(content().similarity([NEW_ARTICLE, OTHER_ARTICLE])[0, 1]),
    hints=[
        "cos(a, b) = a · b / (‖a‖ ‖b‖). The rows of `tf.vectors_` are sparse: "
        "`.toarray().ravel()` makes a plain vector.",
        "`u = tf.vectors_[tf.positions([ex.NEW_ARTICLE])[0]].toarray().ravel()`, the same for "
        "`v`, then `u @ v / (np.linalg.norm(u) * np.linalg.norm(v))`.",
    ],
)

q3 = MultipleChoice(
    "Q3 · the duplicate threshold",
    question=(
        "To be safe, a colleague wants to lower the near-duplicate threshold from 0.8 to 0.5 "
        "(never recommend two articles with cosine ≥ 0.5 together). What is the main effect?"
    ),
    options={
        "Nothing changes: real duplicates are all above 0.98 anyway": (
            "Identical bodies are, but the threshold also blocks every other pair above it; "
            "moving it to 0.5 blocks many more pairs."
        ),
        "It also removes follow-ups and related stories on the same subject, the most useful "
        "'similar articles'": (
            "Yes. Distinct stories on one subject sit below 0.8 (the pairs printed just "
            "below the threshold in section 1); a lower threshold hides exactly the related "
            "coverage a reader of the story wants, to guard against a problem that 0.8 "
            "already solves."
        ),
        "It makes the lists more accurate, because duplicates inflate precision": (
            "Duplicates do flatter same-topic precision, but that is why pairs at ≥ 0.8 are "
            "removed; below that, the removed pairs are different stories."
        ),
        "It speeds up recommendations": (
            "Speed is not the issue: the check costs about the same at any threshold."
        ),
    },
    answer="B",
    hints=["Look at the cosines of the related-but-different pairs printed in section 1."],
)

q4 = Exercise(
    "Q4 · the content weight",
    expected=lambda: hybrid().weight(3, topics=True),
    hints=[
        "w = (m + n) / (m + n + n₀) with m = 1 for the topic picks, n the clicks, n₀ = 1.",
        "Three clicks and topic picks: (1 + 3) / (1 + 3 + 1).",
    ],
)

q5 = Exercise(
    "Q5 · clicks gained by onboarding",
    expected=lambda: (
        (session("onboarding").ctr - session("popularity").ctr) * N_IMPRESSIONS * 1_000
    ),
    rtol=1e-6,
    hints=[
        "Each tier's `.ctr` is its expected click rate per impression over the 20 impressions.",
        "(onboarding CTR − popularity CTR) × 20 impressions × 1,000 readers.",
    ],
)

q6 = Exercise(
    "Q6 · pseudo-regret by hand",
    expected=lambda: greedy_run().regret,
    hints=[
        "Each round loses max(means) − means[arm played] expected clicks.",
        "`means = np.array(ex.MEANS)`; `(means.max() - means[greedy.arms]).sum()`.",
    ],
)

q7 = MultipleChoice(
    "Q7 · why UCB1 does no better than random here",
    question=(
        "In the news environment, UCB1, Thompson sampling and ε-greedy end with about the "
        "regret of random recommendations, while LinUCB has a small fraction of it. Why?"
    ),
    options={
        "The context-free policies have a bug": (
            "No: in the context-free environment the same policies have less regret than random."
        ),
        "Averaged over readers the topics are almost equally good, so the best single topic "
        "is barely better than a random one; the gain is in showing each reader their own "
        "topics, which needs the context": (
            "Yes. A context-free policy learns one best arm for everybody. Here each topic's "
            "click rate averaged over all readers is nearly the same, so even the perfect "
            "single arm loses almost as much to the per-reader oracle as random does. LinUCB "
            "sees each reader's preferences and can pick their topic."
        ),
        "10,000 rounds are too few for them to converge": (
            "They have converged on what they can learn: the best single topic is worth little "
            "more than random. More rounds do not change that."
        ),
        "Clicks are too rare for bandits to learn": (
            "LinUCB learns from the same clicks; rarity slows learning but does not explain "
            "the gap."
        ),
    },
    answer="B",
    hints=["Print `env.ctr.mean(axis=0)`: the click rate of each topic averaged over readers."],
)

q8 = Exercise(
    "Q8 · the truth behind a replay",
    expected=lambda: float(
        NewsTopicBandit(readers()).ctr[:, readers().topics.index("business")].mean()
    ),
    hints=[
        "`env.ctr[u, t]` is reader u's click rate on topic t; readers arrive uniformly.",
        "`env.ctr[:, readers.topics.index('business')].mean()`.",
    ],
)

q9 = MultipleChoice(
    "Q9 · replay on a non-uniform log",
    question=(
        "The log came from the production recommender, which showed each reader their "
        "favourite topic 80 % of the time. Replay puts 'always business' well above its true "
        "value. Why?"
    ),
    options={
        "Replay keeps the events where the log shows business, and those are mostly "
        "business fans, who click more": (
            "Yes. Matched events are no longer a random sample of readers: the logger chose "
            "business mostly for readers who like it. With a known logging probability, "
            "inverse-propensity weighting corrects this; with a deterministic logger nothing "
            "can."
        ),
        "There are too few matched events, so the estimate is noisy": (
            "Noise scatters an estimate on both sides of the truth and shrinks with more "
            "events; this is a systematic shift, which more events of the same log would not "
            "remove."
        ),
        "Replay is biased for any fixed policy": (
            "Not with a uniform logger: then each event matches with probability 1/K whatever "
            "the reader, and the estimate is unbiased (section 5)."
        ),
    },
    answer="A",
    hints=["Who are the readers for whom the production system showed business?"],
)

q10 = Exercise(
    "Q10 · intra-list diversity by hand",
    expected=lambda: recs.list_diversity(content().similarity(_mmr_list())),
    hints=[
        "1 − the mean similarity over pairs of *different* articles: leave out the diagonal.",
        "`n = len(sim)`; `1 - (sim.sum() - np.trace(sim)) / (n * (n - 1))`.",
    ],
)


def _mmr_list() -> list[str]:
    cand = content().similar(NEW_ARTICLE, k=50)
    sim = content().similarity(cand["article_id"])
    top = recs.mmr(cand["article_id"], cand["score"], sim, lambda_=0.7, k=10)
    return top["article_id"].tolist()


q11 = Decision(
    "Q11 · more clicks, narrower reading",
    question=(
        "A new ranking model raises CTR by 4 % in a two-week A/B test; the topic entropy of "
        "what each user sees falls by 30 %. What do you recommend?"
    ),
    options={
        "ship": (
            "Clicks over two weeks are a short-term proxy. A 30 % narrower diet is the "
            "signature of a filter bubble: the model exploits what users already click, and "
            "the cost (fatigue, fewer return visits, no chance to learn new interests) shows "
            "up later than a two-week test can see."
        ),
        "don't ship": (
            "The lift may be real value; dropping it without testing a version that keeps "
            "diversity throws away what the model learned."
        ),
        "test a diversified variant longer": (
            "Yes. Add a diversity re-ranking (MMR or a topic quota) tuned to keep most of the "
            "lift, test it against control for long enough to see return visits and "
            "retention (a long-running holdout), and keep topic entropy as a guardrail. "
            "Section 6 shows how cheap diversity can be in relevance."
        ),
    },
    answer="test a diversified variant longer",
    hints=["What does CTR over two weeks not measure?"],
)
