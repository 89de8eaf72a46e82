"""MMR re-ranking against a direct implementation of its formula, and list diversity."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from xplab.recs import (
    check_reranker,
    intra_list_diversity,
    list_diversity,
    mmr,
    topic_coverage,
    topic_entropy,
)


def mmr_by_the_formula(scores, sim, lam, k):
    """Carbonell & Goldstein (1998), eq. 1, written as a plain loop; ties go to the
    more relevant item, as documented in mmr()."""
    chosen = []
    while len(chosen) < k:
        best, best_value = None, -np.inf
        for i in range(len(scores)):
            if i in chosen:
                continue
            penalty = max((sim[i][j] for j in chosen), default=0.0)
            value = lam * scores[i] - (1 - lam) * penalty
            if value > best_value or (value == best_value and scores[i] > scores[best]):
                best, best_value = i, value
        chosen.append(best)
    return chosen


@pytest.mark.parametrize("lam", [1.0, 0.7, 0.3, 0.0])
def test_mmr_matches_the_formula(lam):
    rng = np.random.default_rng(int(lam * 10))
    F = rng.random((30, 4))
    sim = (F @ F.T) / np.outer(np.linalg.norm(F, axis=1), np.linalg.norm(F, axis=1))
    scores = rng.random(30)
    out = mmr(np.arange(30) + 100, scores, sim, lambda_=lam, k=8)
    expected = mmr_by_the_formula(scores, sim, lam, 8)
    assert out["item_id"].tolist() == [i + 100 for i in expected]
    np.testing.assert_allclose(out["score"], scores[expected])
    assert out["rank"].tolist() == list(range(1, 9))
    if lam == 1.0:
        assert expected == list(np.argsort(-scores)[:8])


def test_mmr_names_the_id_column_after_the_candidates():
    # the news chapter chains rec.similar(...)["article_id"] into mmr: the list must come back
    # under the same name (before: "item_id" here, "article_id" from the recommender)
    sim = np.eye(3)
    cand = pd.DataFrame({"article_id": ["a", "b", "c"], "score": [0.9, 0.8, 0.5]})
    out = mmr(cand["article_id"], cand["score"], sim, lambda_=0.5, k=2)
    assert out.columns.tolist() == ["article_id", "rank", "score", "mmr_score"]
    assert mmr(["a", "b", "c"], [0.9, 0.8, 0.5], sim, lambda_=0.5, k=2).columns[0] == "item_id"
    with pytest.raises(ValueError, match="candidates is named 'score'"):
        mmr(cand["score"], cand["score"], sim, lambda_=0.5, k=2)


def test_mmr_errors():
    sim = np.eye(3)
    with pytest.raises(ValueError, match="lambda_"):
        mmr([1, 2, 3], [0.1, 0.2, 0.3], sim, lambda_=1.2, k=2)
    with pytest.raises(ValueError, match="k \\(4\\) exceeds"):
        mmr([1, 2, 3], [0.1, 0.2, 0.3], sim, lambda_=0.5, k=4)
    with pytest.raises(ValueError, match="scores has 2"):
        mmr([1, 2, 3], [0.1, 0.2], sim, lambda_=0.5, k=2)
    with pytest.raises(ValueError, match="similarity must have shape"):
        mmr([1, 2, 3], [0.1, 0.2, 0.3], np.eye(2), lambda_=0.5, k=2)
    with pytest.raises(ValueError, match="NaN"):
        mmr([1, 2, 3], [0.1, np.nan, 0.3], sim, lambda_=0.5, k=2)
    with pytest.raises(TypeError):
        mmr([1, 2, 3], [0.1, 0.2, 0.3], sim, 0.5, 2)


def test_list_diversity_agrees_with_intra_list_diversity():
    rng = np.random.default_rng(4)
    F = rng.random((6, 3))
    unit = F / np.linalg.norm(F, axis=1, keepdims=True)
    recs = pd.DataFrame({"user_id": 1, "item_id": range(6), "rank": range(1, 7)})
    expected = intra_list_diversity(recs, pd.DataFrame(F), k=6)
    assert list_diversity(unit @ unit.T) == pytest.approx(expected)
    with pytest.raises(ValueError, match="square"):
        list_diversity(np.ones((2, 3)))


def test_topic_coverage_and_entropy():
    topics = ["sport", "sport", "tech", "politics"]
    assert topic_coverage(topics, n_topics=5) == 0.6
    # reference: scipy.stats.entropy of the shares (1/2, 1/4, 1/4) in base 2 = 1.5
    assert topic_entropy(topics) == pytest.approx(stats.entropy([2, 1, 1], base=2))
    assert topic_entropy(["tech"] * 3) == 0.0
    with pytest.raises(ValueError, match="more than n_topics"):
        topic_coverage(topics, n_topics=2)
    with pytest.raises(ValueError, match="topics is empty"):
        topic_entropy([])


# ----------------------------------------------------------------------------- business rules


def _candidate_lists(n_lists=6, n=30, seed=0):
    """Random candidate lists in 4 topics, each with two re-filed stories (similarity 0.95)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_lists):
        topics = rng.choice(["tech", "sport", "business", "politics"], n, p=[0.55, 0.2, 0.15, 0.1])
        score = np.sort(rng.uniform(0.1, 0.6, n))[::-1]
        sim = rng.uniform(0.0, 0.5, (n, n))
        sim = (sim + sim.T) / 2
        np.fill_diagonal(sim, 1.0)
        sim[0, 1] = sim[1, 0] = 0.95  # the two most relevant are the same story
        topics[1] = topics[0]
        cands = pd.DataFrame(
            {"item_id": [f"i{j}" for j in range(n)], "score": score, "topic": topics}
        )
        out.append((cands, sim))
    return out


def _greedy(c, s, k, quota=4, threshold=0.8):
    chosen, count = [], {}
    for i in np.argsort(-c["score"].to_numpy(), kind="stable"):
        t = c["topic"].iloc[i]
        if count.get(t, 0) >= quota or (chosen and s[i, chosen].max() >= threshold):
            continue
        chosen.append(i)
        count[t] = count.get(t, 0) + 1
        if len(chosen) == k:
            break
    return c["item_id"].iloc[chosen].tolist()


def test_check_reranker_accepts_the_rules_and_refuses_each_known_mistake():
    lists = _candidate_lists()
    check = lambda f: check_reranker(f, lists, k=10, max_per_topic=4)  # noqa: E731
    assert check(_greedy) is None
    top_k = lambda c, s, k: c["item_id"].head(k).tolist()  # noqa: E731
    assert check(top_k).startswith("held-out list 1: 'i0' and 'i1' are the same story")
    no_quota = lambda c, s, k: _greedy(c, s, k, quota=k)  # noqa: E731
    assert "items are on 'sport'; the rule allows at most 4 per topic" in check(no_quota)
    no_dedup = lambda c, s, k: _greedy(c, s, k, threshold=1.01)  # noqa: E731
    assert "are the same story" in check(no_dedup)

    def least_relevant(c, s, k):
        # keeps the rules, but fills the list with the least relevant candidates
        return _greedy(c.assign(score=-c["score"]), s, k)

    assert "of the relevance the rules allow" in check(least_relevant)
    assert check(lambda c, s, k: None).endswith("returned None: return the list of item ids")
    assert check(lambda c, s, k: c.head(k)).endswith("not a DataFrame")
    assert check(lambda c, s, k: ["zz"] * k) == "held-out list 1: 'zz' is not one of the candidates"
    assert check(lambda c, s, k: ["i2"] * k) == "held-out list 1: 'i2' is listed twice"
    assert (
        check(lambda c, s, k: ["i2"]) == "held-out list 1: your re-ranker returned 1 items, not 10"
    )
    assert check(lambda c, s, k: 1 / 0).startswith(
        "held-out list 1: your re-ranker raised ZeroDivision"
    )


def test_check_reranker_does_not_let_the_reranker_change_the_lists():
    lists = _candidate_lists(n_lists=2)

    def vandal(c, s, k):
        c["score"] = 0.0
        s[:] = 0.0
        return _greedy(c, s, k)

    check_reranker(vandal, lists, k=10, max_per_topic=4)
    assert check_reranker(_greedy, lists, k=10, max_per_topic=4) is None


def test_check_reranker_refuses_a_list_the_rules_cannot_fill():
    cands, sim = _candidate_lists(n_lists=1)[0]
    with pytest.raises(ValueError, match=r"candidate_lists\[0\] cannot fill 10 slots"):
        check_reranker(_greedy, [(cands.assign(topic="tech"), sim)], k=10, max_per_topic=4)
