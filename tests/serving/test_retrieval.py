import numpy as np
import pytest

from xplab import serving
from xplab.serving import ANNIndex, UserContext


def clustered(n, dim, seed=0, clusters=20):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(clusters, size=n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_exact_search_equals_brute_force():
    items = clustered(2_000, 16)
    queries = clustered(20, 16, seed=1)
    ids, scores = ANNIndex(items, kind="exact").search(queries, k=10)
    brute = np.argsort(-(queries @ items.T), axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(np.sort(ids, axis=1), np.sort(brute, axis=1))
    np.testing.assert_allclose(scores[:, 0], (queries @ items.T).max(axis=1), rtol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_reach_high_recall_on_clustered_vectors(kind):
    items = clustered(5_000, 16)
    queries = clustered(100, 16, seed=2)
    exact = ANNIndex(items, kind="exact")
    approx = ANNIndex(items, kind=kind, ef_search=64, n_probe=16)
    assert serving.ann_recall(approx, exact, queries, k=50) > 0.9


def test_recall_falls_when_the_search_effort_falls():
    items = clustered(5_000, 16)
    queries = clustered(100, 16, seed=2)
    exact = ANNIndex(items, kind="exact")
    ivf = ANNIndex(items, kind="ivf", n_lists=100, n_probe=1)
    low = serving.ann_recall(ivf, exact, queries, k=50)
    ivf.set_search(n_probe=100)  # every list: exact
    assert low < 0.9 and serving.ann_recall(ivf, exact, queries, k=50) == 1.0


def test_save_load_and_cache(tmp_path):
    items = clustered(1_000, 8)
    first = serving.cached_index(items, cache_dir=tmp_path, kind="hnsw", m=16)
    files = sorted(p.name for p in tmp_path.iterdir())
    second = serving.cached_index(items, cache_dir=tmp_path, kind="hnsw", m=16, ef_search=32)
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # read, not rebuilt
    assert second.ef_search == 32 and "hnsw" in repr(second)
    np.testing.assert_array_equal(first.search(items[:5], 5)[0], second.search(items[:5], 5)[0])
    serving.cached_index(items[:500], cache_dir=tmp_path, kind="hnsw", m=16)
    assert len(list(tmp_path.iterdir())) == len(files) + 2  # new vectors: a new file


def user(catalogue, row):
    return UserContext(
        row=row,
        vector=catalogue.user_vectors[row],
        features=catalogue.user_features[row],
        history=catalogue.history_of(row),
    )


def test_embedding_source_proposes_the_top_n_by_dot_product(catalogue):
    index = ANNIndex(catalogue.item_vectors, kind="exact")
    src = serving.EmbeddingSource(index, catalogue.item_vectors, n=25)
    u = user(catalogue, 3)
    items, scores = src.retrieve(u)
    dots = catalogue.item_vectors @ catalogue.user_vectors[3]
    assert set(items) == set(np.argsort(-dots)[:25])
    np.testing.assert_allclose(src.score(u, items), scores, rtol=1e-5)
    unknown = UserContext(-1, np.zeros(16, np.float32), np.zeros(11, np.float32), np.empty((0, 3)))
    assert src.retrieve(unknown)[0].size == 0


def test_copurchase_source_sums_strengths_over_recent_items(catalogue):
    src = serving.CoPurchaseSource(
        catalogue.neighbour_indptr, catalogue.neighbours, recent=3, n=1000
    )
    u = user(catalogue, 9)
    items, scores = src.retrieve(u)
    expected = {}
    for seed_item in u.history[:3, 0].astype(int):
        rows = catalogue.neighbours[
            catalogue.neighbour_indptr[seed_item] : catalogue.neighbour_indptr[seed_item + 1]
        ]
        for item, s in rows:
            expected[int(item)] = expected.get(int(item), 0.0) + s
    assert dict(zip(items.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected)
    assert np.all(np.diff(scores) <= 0)
    np.testing.assert_allclose(
        src.score(u, np.array([items[0], -5 % catalogue.n_items])),
        [scores[0], expected.get(catalogue.n_items - 5, 0.0)],
    )


def test_generator_merges_without_duplicates_and_scores_every_candidate(catalogue, generator):
    u = user(catalogue, 11)
    c = generator.generate(u)
    assert len(np.unique(c.items)) == len(c.items)
    per_source = [set(s.retrieve(u)[0].tolist()) for s in generator.sources]
    assert set(c.items.tolist()) == set().union(*per_source)
    for j, proposed in enumerate(per_source):
        assert set(c.items[c.retrieved[:, j]].tolist()) == proposed
    np.testing.assert_allclose(
        c.scores[:, 0], catalogue.item_vectors[c.items] @ u.vector, rtol=1e-5
    )
    assert c.n_sources.min() >= 1 and "Candidates(" in repr(c)


def test_generator_serves_an_unknown_user_from_popular_only(catalogue, generator):
    unknown = UserContext(
        -1, np.zeros(16, np.float32), np.full(11, np.nan, np.float32), np.empty((0, 3), np.float32)
    )
    c = generator.generate(unknown)
    assert c.retrieved[:, 2].all() and not c.retrieved[:, :2].any()


def test_generator_refuses_bad_sources():
    with pytest.raises(ValueError, match="sources"):
        serving.CandidateGenerator([])
    with pytest.raises(ValueError, match="is not a source"):
        serving.CandidateGenerator([object()])
