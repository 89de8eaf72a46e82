"""The endpoint over a real loopback server (uvicorn on 127.0.0.1)."""

import httpx
import pytest

from xplab import serving


@pytest.fixture(scope="module")
def service(catalogue, generator, ranker):
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    return serving.RecommendationService(catalogue, store, generator, ranker)


@pytest.fixture(scope="module")
def url(service):
    with serving.LocalServer(serving.make_app(service)) as server:
        yield server.url


def test_endpoint_answers_with_the_list_and_timings(service, url):
    body = httpx.get(url + "/recommend", params={"user_id": 3, "k": 4}).json()
    assert body["items"] == list(service.recommend(3, k=4).items)
    assert set(body["timings_ms"]) == {*serving.STAGES, "total"}
    assert httpx.get(url + "/health").text == "ok"


@pytest.mark.parametrize(
    "params", [{}, {"user_id": "x"}, {"user_id": 3, "k": 0}, {"user_id": 3, "k": 1000}]
)
def test_bad_requests_get_400(url, params):
    assert httpx.get(url + "/recommend", params=params).status_code == 400


def test_load_test_over_loopback(url):
    result = serving.load_test(url, list(range(50)), concurrency=4, n_requests=80)
    assert result.requests == 80 and result.errors == 0
    assert result.p50_ms <= result.p99_ms <= result.max_ms and result.throughput > 0


def test_load_test_refuses_remote_urls_and_reports_a_dead_server():
    with pytest.raises(ValueError, match="loopback"):
        serving.load_test("http://example.com", [1], n_requests=1)
    port = serving.store.free_port()
    with pytest.raises(RuntimeError, match="every request"):
        serving.load_test(f"http://127.0.0.1:{port}", [1], n_requests=2, concurrency=1, timeout=1.0)
