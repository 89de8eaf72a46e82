"""Exercises for notebook 05 — MovieLens collaborative filtering.

Expected answers come from the package (``xplab.recs``) run on the same data
and splits as the notebook; the data are loaded lazily, on the first check.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import sparse

from .. import recs
from ..data import load_movielens_100k
from ..workbook import Decision, Exercise, MultipleChoice

SPLIT_SEED = 42
VALIDATION_SEED = 7
USER = 13  # the user whose recommendations we explain
ITEM = 313  # Titanic: held out in test, so the prediction can be compared with the truth
L2_GRID = (100, 300, 500, 1000, 3000)
#: The benchmark's choice (benchmarks/bench_recs_ranking.py): rating-valued input,
#: l2 = 10,000, chosen by mean validation nDCG@10 over three splits of train.
BENCHMARK_EASE: dict[str, object] = {"l2": 10_000, "binary": False}
SPREAD_SEEDS = (42, 43, 44, 45, 46)  # five random 75/25 splits; 42 is the notebook's
BOOTSTRAP_SEED = 2019
N_BOOTSTRAP = 2000
ONBOARDING = (1, 50, 100)  # Toy Story, Star Wars, Fargo: a new user's three picks
SCALE_ITEMS = 100_000  # Exercise 8: a catalogue of this many items


@cache
def ratings() -> pd.DataFrame:
    return load_movielens_100k().ratings


@cache
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return recs.stratified_split(ratings(), test_size=0.25, seed=SPLIT_SEED)


@cache
def _best_l2() -> int:
    train, _ = split()
    scores = recs.validation_scores(
        train, {l2: recs.EASE(l2=l2) for l2 in L2_GRID}, seeds=(VALIDATION_SEED,)
    )
    return next(l2 for l2 in L2_GRID if l2 == scores.best)


def _pearson_reference(r_u, r_v) -> float:
    """Pearson over co-rated items, via the package (two users, same items)."""
    r_u, r_v = np.asarray(r_u, dtype=float), np.asarray(r_v, dtype=float)
    matrix = sparse.csr_matrix(np.vstack([r_u, r_v]))
    return float(recs.user_similarity(matrix, similarity="pearson")[0, 1])


def _pearson_one_mean(r_u, r_v) -> float:
    a, b = np.asarray(r_u, dtype=float), np.asarray(r_v, dtype=float)
    mean = np.concatenate([a, b]).mean()
    a, b = a - mean, b - mean
    return float((a @ b) / np.sqrt((a @ a) * (b @ b)))


def _pearson_mixed_ddof(r_u, r_v) -> float:
    return float(np.cov(r_u, r_v)[0, 1] / (np.std(r_u) * np.std(r_v)))


def _pearson_covariance(r_u, r_v) -> float:
    a = np.asarray(r_u, dtype=float) - np.mean(r_u)
    b = np.asarray(r_v, dtype=float) - np.mean(r_v)
    return float((a @ b) / len(a))


def _precision_reference(recommended, relevant, k) -> float:
    # a user with nothing recommended, or nothing relevant, scores 0 (the package's
    # convention for a test user without a list, missing="zero")
    if len(recommended) == 0 or len(relevant) == 0:
        return 0.0
    recs_frame = pd.DataFrame(
        {"user_id": 0, "item_id": list(recommended), "rank": np.arange(1, len(recommended) + 1)}
    )
    test = pd.DataFrame({"user_id": 0, "item_id": sorted(relevant)})
    return recs.precision_at_k(test, recs_frame, k=k)


def _hits(recommended, relevant, k) -> int:
    return sum(item in relevant for item in list(recommended)[:k])


#: Wrong precision@k functions that strong candidates write, with what differs.
_PRECISION_MISTAKES = {
    "that divides by the length of the (cut) list: a list shorter than k would score as if "
    "it were full; precision@k always divides by k": lambda recommended, relevant, k: (
        _hits(recommended, relevant, k) / len(list(recommended)[:k])
    ),
    "that divides by the number of relevant items (that is recall); precision@k divides by "
    "k": lambda recommended, relevant, k: _hits(recommended, relevant, k) / len(relevant),
    "that divides by min(k, number of relevant items) (R-precision); precision@k divides by "
    "k": lambda recommended, relevant, k: _hits(recommended, relevant, k) / min(k, len(relevant)),
    "that counts relevant items in the whole list; only the first k count": lambda recommended, relevant, k: (
        sum(item in relevant for item in recommended) / k
    ),
    "that looks at the first k − 1 items (an off-by-one in the slice); `recommended[:k]` "
    "holds k": lambda recommended, relevant, k: _hits(recommended, relevant, k - 1) / k,
    "that sorts the list by item id first; the list is ranked, best first, so keep its "
    "order": lambda recommended, relevant, k: _hits(sorted(recommended), relevant, k) / k,
}


@cache
def _neighbourhood() -> tuple[float, pd.DataFrame, pd.DataFrame]:
    """User USER's mean rating, the raters of ITEM (similarity and deviation), and the
    neighbourhood the prediction uses: the 40 most similar, with positive similarity."""
    train, _ = split()
    model = recs.UserKNN(k=40, similarity="pearson").fit(train)
    u = model.users_.get_loc(USER)
    raters = train[train["item_id"] == ITEM].copy()
    means = train.groupby("user_id")["rating"].mean()
    raters["similarity"] = model.sim_[u, model.users_.get_indexer(raters["user_id"])]
    raters["deviation"] = raters["rating"] - means.reindex(raters["user_id"]).to_numpy()
    top = raters.sort_values("similarity", ascending=False).head(40)
    return float(means[USER]), raters, top[top["similarity"] > 0]


def _prediction_unweighted() -> float:
    mu_u, _, nb = _neighbourhood()
    return mu_u + float(nb["deviation"].mean())


def _prediction_ratings() -> float:
    _, _, nb = _neighbourhood()
    return float((nb["similarity"] * nb["rating"]).sum() / nb["similarity"].sum())


def _prediction_all_raters() -> float:
    mu_u, raters, _ = _neighbourhood()
    w = raters["similarity"]
    return mu_u + float((w * raters["deviation"]).sum() / w.abs().sum())


def _prediction() -> float:
    train, _ = split()
    model = recs.UserKNN(k=40).fit(train)
    return float(model.predict([USER], [ITEM])[0])


def _because_film() -> int:
    train, _ = split()
    top_item = recs.UserKNN(k=50, similarity="binary").fit(train).recommend([USER], k=1)
    similar = recs.ItemKNN(k=100).fit(train).similar_items(top_item["item_id"].iloc[0], k=100)
    liked = train.loc[(train["user_id"] == USER) & (train["rating"] >= 4), "item_id"]
    return int(similar.loc[similar["item_id"].isin(liked), "item_id"].iloc[0])


def _popularity_coverage() -> float:
    train, _ = split()
    top = recs.Popularity().fit(train).recommend(np.sort(train["user_id"].unique()), k=10)
    return recs.catalog_coverage(top, n_items=train["item_id"].nunique(), k=10)


def _head_share() -> float:
    train, _ = split()
    per_item = train.groupby("item_id").size().sort_values(ascending=False, kind="stable")
    head = per_item.index[: len(per_item) // 10]
    top = recs.EASE(l2=_best_l2()).fit(train).recommend(np.sort(train["user_id"].unique()))
    return float(top["item_id"].isin(head).mean())


q1 = Exercise(
    "Q1 · sparsity",
    expected=lambda: (
        1 - len(ratings()) / (ratings()["user_id"].nunique() * ratings()["item_id"].nunique())
    ),
    hints=[
        "Sparsity is the share of the user × item matrix that is *empty*.",
        "1 − (number of ratings) ÷ (number of users × number of items).",
    ],
)


q2 = Exercise(
    "Q2 · Pearson similarity",
    expected=_pearson_reference,
    cases=[
        ([5, 3, 4, 1], [4, 2, 5, 1]),
        ([1, 2, 3], [3, 2, 1]),
        ([4, 4, 5, 2, 3], [5, 3, 4, 1, 1]),
    ],
    rtol=1e-9,
    mistakes={
        "that is the cosine of the raw ratings; Pearson first centres each user's ratings "
        "on that user's own mean": lambda r_u, r_v: float(
            np.dot(r_u, r_v) / np.sqrt(np.dot(r_u, r_u) * np.dot(r_v, r_v))
        ),
        "that centres both users on one common mean; Pearson centres each user on their "
        "own mean (a harsh and a generous rater differ in level)": _pearson_one_mean,
        "that is the covariance; divide it by both users' standard deviations": (
            _pearson_covariance
        ),
        "that mixes a sample covariance (divided by n − 1) with population standard "
        "deviations (divided by n); use one convention, and the n cancels": _pearson_mixed_ddof,
    },
    hints=[
        "Centre each vector on its own mean, then take the cosine of the centred vectors.",
        "`a = r_u - np.mean(r_u); b = r_v - np.mean(r_v); (a @ b) / np.sqrt((a @ a) * (b @ b))`",
    ],
)


q3 = Exercise(
    "Q3 · a prediction by hand",
    expected=_prediction,
    rtol=1e-9,
    mistakes={
        "that is the plain (unweighted) mean of the neighbours' deviations; the formula weights "
        "each deviation by the neighbour's similarity": _prediction_unweighted,
        "that is the neighbours' mean rating: it ignores both the similarity weights and each "
        "neighbour's own mean (a 4 from a generous rater says less than from a harsh one)": (
            lambda: float(_neighbourhood()[2]["rating"].mean())
        ),
        "that averages the neighbours' *ratings*, weighted by similarity; the formula averages "
        "their deviations from their own means and adds them to user 13's mean": (
            _prediction_ratings
        ),
        "that uses every user who rated the film; the prediction uses the neighbourhood: the "
        "40 most similar, with positive similarity": _prediction_all_raters,
    },
    hints=[
        "Start from the user's mean `mu_u` and add the similarity-weighted average of the "
        "neighbours' deviations (the table `neighbourhood`).",
        "`mu_u + (neighbourhood['similarity'] * neighbourhood['deviation']).sum() "
        "/ neighbourhood['similarity'].sum()`",
    ],
)


q4 = MultipleChoice(
    "Q4 · which explanation to show",
    question=(
        "The site wants a line under the top recommendation, *Braveheart*, telling user 13 why "
        "it is there. The model found it through user 13's 50 nearest neighbours. Which line "
        "should the product show?"
    ),
    options={
        "“Because you liked *X*”, X being the film you rated highly that is most like "
        "Braveheart.": (
            "Yes: it uses only user 13's own history and a film-to-film similarity computed "
            "from all users together, so it names no one else and shows no one's history; "
            "the user can check it (and remove the film from their profile if it misleads)."
        ),
        "“Because user 7, who liked 68 of the films you liked, watched Braveheart.”": (
            "No: it discloses what another person watched and liked. Ids can be linked to "
            "people (a friend who knows a few of user 7's films recognises them), and "
            "Narayanan & Shmatikov re-identified Netflix-prize raters from a handful of "
            "ratings. It is also not something user 13 can act on."
        ),
        "“39 of the 50 people most like you watched Braveheart.”": (
            "Better than naming a user, but still about other people, and with small "
            "neighbourhoods such counts can reveal individuals (differencing two answers). "
            "It also explains less: the user cannot see *what* about their taste led here."
        ),
        "“Popular with people who watch what you watch”: it reveals nobody and describes "
        "the model truthfully.": (
            "Safe, and true of user-based CF, but it explains nothing the user can check or "
            "act on; an explanation from the user's own films does both, and reveals no one "
            "either."
        ),
    },
    answer="A",
    hints=[
        "Which of these lines tells user 13 something about a *different* user?",
        "An item-item similarity is computed from all users together; a neighbour is one person.",
    ],
)


q5 = Exercise(
    "Q5 · because you liked…",
    expected=_because_film,
    hints=[
        "`similar` lists the films most similar to `top_item`, most similar first; `liked` holds "
        "the films user 13 rated 4 or 5 in train. Find the first film of `similar` in `liked`.",
        "`int(similar.loc[similar['item_id'].isin(liked), 'item_id'].iloc[0])`",
    ],
)


q6 = Exercise(
    "Q6 · precision@k",
    expected=_precision_reference,
    cases=[
        ([10, 20, 30, 40], {10, 30, 50}, 4),
        ([10, 20, 30, 40], {10, 30, 50}, 2),  # only the first k count
        ([1, 2, 3], {4}, 3),
        ([7, 8, 9, 10, 11], {11, 9, 7, 1, 2, 3}, 5),
        ([5, 6], {5}, 4),  # fewer than k recommended: still divided by k
        ([3, 1], {1, 3}, 5),  # all relevant, but fewer than k: 2 of 5, not 2 of 2
        ([40, 30, 20, 10], {10, 20}, 2),  # ranked best first, not in id order
        ([], {1}, 3),  # nothing recommended
        ([1, 2], set(), 2),  # nothing relevant
        ([5, 6, 7], {5, 6, 7}, 1),
    ],
    mistakes=_PRECISION_MISTAKES,
    hints=[
        "Look only at the first k recommendations, count how many are relevant, divide by k.",
        "`sum(item in relevant for item in recommended[:k]) / k`",
    ],
)


q7 = Exercise(
    "Q7 · choose l2 on validation",
    expected=_best_l2,
    hints=[
        "`scores.mean` holds the validation nDCG@10 for each l2; you want the l2 (the index "
        "label) with the largest value, not the value itself. Never look at test.",
        "`int(scores.mean.idxmax())` (or `int(scores.best)`)",
    ],
)


q8 = Exercise(
    "Q8 · EASE's matrix at 100,000 items",
    expected=lambda: SCALE_ITEMS**2 * np.dtype(np.float64).itemsize / 1e9,
    estimate=0.5,
    kind="judgment",
    hints=[
        "B is a dense items × items matrix of float64 numbers (8 bytes each).",
        "B has items × items entries: 10¹⁰ numbers of 8 bytes each (float64) is 8·10¹⁰ bytes, 80 GB — and fitting inverts a matrix of the same size.",
    ],
)


q9 = MultipleChoice(
    "Q9 · EASE against BiVAE",
    question=(
        "On our split EASE (l2 = 500) scores P@10 = 0.417; the recommenders-team table reports "
        "0.412 for BiVAE on its own random split. Across five random splits EASE ranged "
        "0.416–0.419, and a user-bootstrap 95 % interval on our split is 0.401–0.434. "
        "Which statement does the evidence support?"
    ),
    options={
        "EASE beats BiVAE on ML-100K: it is ahead on every one of five splits.": (
            "Five splits of *our* evaluation show EASE is stable, not that it is ahead: the "
            "gap (0.005) is well inside the bootstrap interval's half-width (about 0.017), and "
            "BiVAE's single published number has sampling noise of its own. 'Beats' needs both "
            "models on the same splits, repeated."
        ),
        "BiVAE is better: with the benchmark's stricter tuning EASE scores 0.410, below 0.412.": (
            "A 0.002 gap is as far inside the noise as the 0.005 gap the other way; neither "
            "protocol separates the two models."
        ),
        "Nothing can be said: the two numbers come from different random splits.": (
            "Too pessimistic: the protocol (user-stratified 75/25, all test ratings relevant, "
            "k = 10, same metric definitions) is the same, and the split-to-split spread we "
            "measured (0.003) is small next to the user-sampling noise. Like-with-like "
            "comparisons at this level of precision are meaningful."
        ),
        "Their P@10 cannot be told apart: the gap is well inside the noise.": (
            "Yes. A closed-form model with one hyper-parameter is statistically "
            "indistinguishable from the best deep model of the table on this dataset and "
            "protocol; which of the two is ahead cannot be told from these numbers."
        ),
    },
    answer="D",
    hints=[
        "Compare the gap 0.417 − 0.412 with the width of the intervals printed above.",
    ],
)


q10 = Decision(
    "Q10 · which evaluation decides?",
    question=(
        "You must choose between 0/1 EASE (l2 = 500) and rating-valued EASE (l2 = 10,000) for "
        "a 'recommended for you' row whose goal is films people *enjoy*, shown to them "
        "*next week*. Which offline table should decide which one goes to the A/B test?"
    ),
    options={
        "random split, every test rating relevant": (
            "That is the published protocol, good for comparing with papers. But it counts a "
            "film the user rated 1 star as a success and lets the model learn from the user's "
            "own future: it answers 'which films will they rate, at some time?'."
        ),
        "random split, ratings ≥ 4 relevant": (
            "Closer — it asks 'will they like it?' — but the model still sees the user's "
            "future ratings in training, which a deployed model never does."
        ),
        "chronological split, ratings ≥ 4 relevant": (
            "Yes: each user's latest ratings are held out and only liked films count, the "
            "nearest offline version of the real question. (Other users' later ratings can "
            "still be in train; a global time cut is stricter.) Offline numbers only choose "
            "which candidate to test: the A/B test decides."
        ),
        "the published recommenders-team table": (
            "It has no row for either model and uses the random-split, all-ratings protocol; "
            "it tells you the state of the art, not which of your two models serves users."
        ),
    },
    answer="chronological split, ratings ≥ 4 relevant",
    hints=[
        "Two questions: does a 2-star rating count as a success, and does the model get to "
        "see what the user did later?",
    ],
)


q11 = Exercise(
    "Q11 · catalog coverage",
    expected=_popularity_coverage,
    hints=[
        "Recommend the top 10 to every user with `recs.Popularity()`, then `recs.catalog_coverage`.",
        "`top10 = recs.Popularity().fit(train).recommend(users, k=10)`, then "
        "`recs.catalog_coverage(top10, n_items=train['item_id'].nunique())`",
    ],
)


q12 = Exercise(
    "Q12 · how much of the list is the head?",
    expected=_head_share,
    hints=[
        "`ease_top` has one row per recommendation slot; `head` holds the 10 % most-rated "
        "films. Take the share of rows whose `item_id` is in `head`.",
        "`ease_top['item_id'].isin(head).mean()`",
    ],
)


q13 = Decision(
    "Q13 · the filter bubble",
    question=(
        "Editors complain that the row shows everyone the same well-known films, and the long "
        "tail (most of the catalogue) never appears. EASE has the best offline precision. "
        "What do you do?"
    ),
    options={
        "raise l2 until the lists change": (
            "Wrong direction: a larger l2 shrinks B towards the popularity baseline, so lists "
            "get *more* alike. l2 is an accuracy knob chosen on validation, not a diversity one."
        ),
        "re-rank EASE's top candidates for diversity and novelty, and A/B test it": (
            "Yes. Keep EASE as the candidate generator, re-rank its top 50–100 with a "
            "trade-off between score and novelty or diversity (MMR; notebook 06), measure "
            "coverage and novelty offline, and let an A/B test weigh clicks against "
            "long-term engagement, with precision as a guardrail."
        ),
        "remove the 100 most popular films from every user's list before showing it": (
            "A blunt rule: it throws away films many users would enjoy, is arbitrary at the "
            "boundary, and does not promote the tail in a personal way."
        ),
        "show each user's top 10 in a random order every visit, so that the tail gets seen": (
            "Shuffling changes the order, not the films: the same head films fill the row, "
            "and the tail still never appears."
        ),
    },
    answer="re-rank EASE's top candidates for diversity and novelty, and A/B test it",
    hints=["Which option changes *what is shown* while keeping EASE's relevance signal?"],
)
