import numpy as np
import pytest

from xplab import serving


def test_in_process_reads_rows_and_lists():
    s = serving.InProcessStore()
    s.write("item", np.arange(12.0).reshape(4, 3))
    s.write_lists("hist", [0, 2, 2, 3], np.array([[1, 1], [2, 2], [3, 3]]))
    np.testing.assert_array_equal(s.read("item", [3, 1]), [[9, 10, 11], [3, 4, 5]])
    assert s.read_list("hist", 1).shape == (0, 2)
    got = s.read_many({"item": [0]}, {"hist": 2})
    assert got["item"].dtype == np.float32 and got["hist"].tolist() == [[3, 3]]
    assert s.width("item") == 3 and "item 4×3" in repr(s)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.read("nope", [0]), "never written"),
        (lambda s: s.read("item", [9]), "has no key 9"),
        (lambda s: s.read("item", [0.5]), "whole numbers"),
        (lambda s: s.read("item", [-1]), ">= 0"),
        (lambda s: s.write("a:b", [1.0]), "without ':'"),
        (lambda s: s.write_lists("h", [0, 5], [[1.0]]), "indptr"),
    ],
)
def test_in_process_errors_are_clear(call, message):
    s = serving.InProcessStore()
    s.write("item", np.ones((2, 2)))
    with pytest.raises(ValueError, match=message):
        call(s)


def fill(store, catalogue):
    serving.fill_store(store, catalogue)
    return store


@pytest.mark.parametrize("batching", ["mget", "pipeline", "none"])
def test_redis_gives_the_same_answers_as_in_process(redis_store, catalogue, batching):
    local = fill(serving.InProcessStore(), catalogue)
    remote = fill(redis_store, catalogue)
    remote.batching = batching
    keys = np.array([0, 17, 2_999, 17])
    np.testing.assert_array_equal(remote.read("item", keys), local.read("item", keys))
    for row in (0, 123, 399):
        a = remote.read_many({"user_vector": [row], "user": [row]}, {"history": row})
        b = local.read_many({"user_vector": [row], "user": [row]}, {"history": row})
        for table in a:
            np.testing.assert_array_equal(a[table], b[table])


def test_redis_store_reports_missing_keys_and_tables(redis_store):
    redis_store.write("item", np.ones((3, 2)))
    with pytest.raises(ValueError, match="has no key 5"):
        redis_store.read("item", [0, 5])
    with pytest.raises(ValueError, match="never written"):
        redis_store.read("other", [0])


def test_another_process_can_read_what_one_wrote(redis_store):
    redis_store.write("item", np.arange(6.0).reshape(3, 2))
    reader = serving.RedisStore(redis_store.url, prefix=redis_store.prefix)
    assert reader.read("item", [2]).tolist() == [[4.0, 5.0]]  # width from the meta hash


def test_clear_deletes_only_this_prefix(redis_store, redis_url):
    other = serving.RedisStore(redis_url, prefix=redis_store.prefix + "x")
    other.write("item", np.ones((2, 2)))
    redis_store.write("item", np.ones((5, 2)))
    assert redis_store.clear() == 6  # five rows and the meta hash
    assert other.read("item", [1]).tolist() == [[1.0, 1.0]]
    other.clear()


def test_redis_store_refuses_bad_settings():
    with pytest.raises(ValueError, match="url"):
        serving.RedisStore("http://localhost")
    with pytest.raises(ValueError, match="batching"):
        serving.RedisStore("redis://127.0.0.1:1/0", batching="all")
