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
from ..workbook.exercise import UNATTEMPTED

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

#: The editors' rules for the "for you" slot (Exercise 11): a list of SLOT_SIZE, no story
#: twice (near-duplicates at cosine >= DUPLICATE_THRESHOLD), at most MAX_PER_TOPIC per topic.
SLOT_SIZE = 10
MAX_PER_TOPIC = 4
DUPLICATE_THRESHOLD = 0.8
CANDIDATES_PER_TOPIC = 10  # candidate generation: each topic's 10 best unread articles
N_RULE_LISTS = 8  # held-out readers the checker runs a re-ranker on
RULE_SEED = 5  # the held-out readers
EXAMPLE_SEED = 17  # a different reader, for trying a re-ranker out


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


def slot_candidates(history: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The candidates of the "for you" slot for a reader who read ``history``: each
    topic's ``CANDIDATES_PER_TOPIC`` unread articles most similar to the reader's
    profile (near-duplicates of what was read left out, near-duplicates of each other
    kept), most relevant first, with their cosine-similarity matrix.

    Returns ``(candidates, similarity)``; ``candidates`` has ``item_id``, ``score``
    (cosine to the profile) and ``topic``.
    """
    tf = content()
    ids = np.asarray(tf.article_ids_)
    topic = news().set_index("article_id")["category"].reindex(ids).to_numpy()
    score = tf.scores(tf.profile(history))
    read = tf.vectors_[tf.positions(history)]
    near_read = (tf.vectors_ @ read.T).toarray().max(axis=1)
    unread = ~np.isin(ids, history) & (near_read < DUPLICATE_THRESHOLD)
    picked: list[int] = []
    for t in sorted(set(topic)):
        pool = np.flatnonzero(unread & (topic == t))
        picked += pool[np.argsort(-score[pool], kind="stable")[:CANDIDATES_PER_TOPIC]].tolist()
    order = np.asarray(picked)[np.argsort(-score[picked], kind="stable")]
    frame = pd.DataFrame({"item_id": ids[order], "score": score[order], "topic": topic[order]})
    return frame, tf.similarity(ids[order])


def _reader_history(rng: np.random.Generator) -> list[str]:
    """Two articles from one topic and one from another: a returning reader's clicks."""
    articles = news()
    first, second = rng.choice(sorted(articles["category"].unique()), 2, replace=False)
    ids = articles["article_id"].to_numpy()
    cats = articles["category"].to_numpy()
    return [*rng.choice(ids[cats == first], 2, replace=False), rng.choice(ids[cats == second])]


@cache
def rule_lists() -> list[tuple[pd.DataFrame, np.ndarray]]:
    """The held-out candidate lists the checker of Exercise 11 runs a re-ranker on."""
    rng = np.random.default_rng(RULE_SEED)
    return [slot_candidates(_reader_history(rng)) for _ in range(N_RULE_LISTS)]


def rule_example() -> tuple[pd.DataFrame, np.ndarray]:
    """One more reader's candidates (not among the held-out ones), to try a re-ranker on."""
    return slot_candidates(_reader_history(np.random.default_rng(EXAMPLE_SEED)))


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
        "Little: re-filed stories score above 0.98, so 0.5 only adds a safety margin.": (
            "Identical bodies do, but the threshold blocks *every* pair above it: moving it "
            "to 0.5 blocks many more pairs, nearly all of them different stories."
        ),
        "Same-topic precision rises, because near-duplicates no longer crowd the lists.": (
            "Duplicates do flatter same-topic precision, which is why pairs at ≥ 0.8 are "
            "removed; below that the removed pairs are different stories, mostly on the "
            "same topic, so the same-topic share falls."
        ),
        "It also catches re-versions with an edited body at no cost: they sit between "
        "0.5 and 0.8.": (
            "It catches the odd re-version that sits below 0.8 (section 1 shows one), but "
            "not at no cost: the same band holds far more related-but-different stories."
        ),
        "It removes follow-ups and related stories on one subject, the best 'similar articles'.": (
            "Yes. Distinct stories on one subject sit below 0.8 (the pairs printed just "
            "below the threshold in section 1); a lower threshold hides exactly the related "
            "coverage a reader of the story wants, to guard against a problem that 0.8 "
            "already solves."
        ),
    },
    answer="D",
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
        "Averaged over readers the topics are almost equally good; the gain is in each "
        "reader's own topics, which needs the context.": (
            "Yes. A context-free policy learns one best arm for everybody. In this simulator "
            "each topic's click rate averaged over all readers is nearly the same — by "
            "construction: every reader's preferences come from a symmetric Dirichlet — so "
            "even the perfect single arm loses almost as much to the per-reader oracle as "
            "random does. LinUCB sees each reader's preferences and can pick their topic. "
            "Where some topics are better for everyone, context-free bandits gain too."
        ),
        "They never stop exploring: UCB1's bonus and Thompson's random draws keep costing "
        "clicks long after the best arm is known.": (
            "Their exploration shrinks as evidence accumulates (in the context-free world "
            "the same policies beat random by far); what they converge to is the problem."
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
    answer="A",
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
        "There are too few matched events, so the estimate is noisy": (
            "Noise scatters an estimate on both sides of the truth and shrinks with more "
            "events; this is a systematic shift, which more events of the same log would not "
            "remove."
        ),
        "The matches are the events where the log showed business: mostly business fans, "
        "who click more": (
            "Yes. Matched events are no longer a random sample of readers: the logger chose "
            "business mostly for readers who like it. With known logging probabilities, "
            "inverse-propensity weighting corrects this; with a deterministic logger nothing "
            "can."
        ),
        "Readers' tastes drifted while the production log was being written, so the log "
        "no longer describes today's readers": (
            "Stationarity is one of replay's conditions, but this simulator's readers never "
            "change; the uniform log of the same readers gave the right answer."
        ),
    },
    answer="B",
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


def _check_rules(rerank: Any) -> Any:
    if callable(rerank):
        candidates, similarity = rule_example()
        try:
            if rerank(candidates.copy(), similarity.copy(), SLOT_SIZE) is None:
                return UNATTEMPTED
        except Exception:  # the checker below names what fails, on the held-out lists
            pass
    return recs.check_reranker(
        rerank,
        rule_lists(),
        k=SLOT_SIZE,
        max_per_topic=MAX_PER_TOPIC,
        duplicate_threshold=DUPLICATE_THRESHOLD,
    )


q11 = Exercise(
    "Q11 · a re-ranker with business rules",
    checker=_check_rules,
    kind="design",
    hints=[
        "Walk the candidates from the most relevant down; take one unless its topic already "
        "has `ex.MAX_PER_TOPIC` items or it is a near-duplicate (similarity ≥ "
        "`ex.DUPLICATE_THRESHOLD`) of one already taken; stop at k.",
        "`np.argsort(-candidates['score'].to_numpy())` gives the order; "
        "`similarity[i, chosen].max()` the closest item already taken.",
    ],
)


q12 = Decision(
    "Q12 · more clicks, narrower reading",
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
        "ship, and put topic entropy on the dashboard to watch after launch": (
            "Watching after launch is not testing: with everyone on the new model there is "
            "no control to show what the narrower diet costs in return visits, and the cost "
            "arrives slowly. Keep a holdout and test a diversified variant instead."
        ),
    },
    answer="test a diversified variant longer",
    hints=["What does CTR over two weeks not measure?"],
)
