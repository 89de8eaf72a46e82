"""A thin HTTP endpoint over the service, and a bounded load test.

:func:`make_app` wraps a :class:`~xplab.serving.RecommendationService` in a
Starlette app: ``GET /recommend?user_id=…&k=10`` returns the list and the
per-stage timings as JSON; ``GET /health`` answers ``ok``. Each request
runs in Starlette's thread pool, so the event loop keeps accepting
connections while the model works. :class:`LocalServer` runs it with
uvicorn on 127.0.0.1 only (never on a public interface) in a background
thread. A real deployment runs several such processes behind a load
balancer; one process on two cores is what this course measures.

:func:`load_test` sends a fixed number of requests from ``concurrency``
client threads that each wait for their answer before sending the next
(a closed loop: the load is bounded, it cannot run away) and reports the
latency percentiles the clients saw, queueing included. With one server
process on two cores, latency grows with concurrency once the cores are
busy: that queueing, not the model, is what p99 at 32 clients measures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin
from .._validate import check_count, check_positive
from .service import RecommendationService, user_id_list
from .store import free_port


def make_app(service: RecommendationService, *, max_k: int = 100) -> Any:
    """A Starlette app with ``GET /recommend`` and ``GET /health``.

    ``user_id`` is parsed as an integer when the service's user ids are
    integers; ``k`` must be 1..``max_k``. Bad parameters get HTTP 400 with
    the reason; an unknown user gets the popular-now list (cold start).
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    if not isinstance(service, RecommendationService):
        raise ValueError(f"service must be a RecommendationService, got {type(service).__name__}")
    max_k = check_count(max_k, name="max_k", minimum=1)
    integer_ids = service.data.user_ids.dtype.kind in "iu"

    async def recommend(request: Request) -> JSONResponse:
        raw = request.query_params.get("user_id")
        if raw is None or raw == "":
            return JSONResponse({"error": "user_id is required"}, status_code=400)
        try:
            user_id: Any = int(raw) if integer_ids else raw
            k = int(request.query_params.get("k", "10"))
        except ValueError:
            return JSONResponse({"error": "user_id and k must be whole numbers"}, status_code=400)
        if not 1 <= k <= max_k:
            return JSONResponse({"error": f"k must be between 1 and {max_k}"}, status_code=400)
        rec = await run_in_threadpool(service.recommend, user_id, k)
        return JSONResponse(
            {
                "user_id": user_id,
                "items": list(rec.items),
                "scores": list(rec.scores),
                "sponsored": list(rec.sponsored),
                "timings_ms": rec.timings_ms,
            }
        )

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/recommend", recommend), Route("/health", health)])


class LocalServer:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a background thread.

    Use as a context manager; ``url`` is its base URL. Stops (and joins the
    thread) on exit.

    Examples
    --------
    >>> from starlette.applications import Starlette
    >>> with LocalServer(Starlette()) as server:  # doctest: +SKIP
    ...     server.url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(self, app: Any, *, port: int | None = None, timeout: float = 10.0):
        import uvicorn

        if not callable(app):
            raise ValueError(
                f"app must be an ASGI application (e.g. from make_app), got {app!r:.40}"
            )
        self.port = free_port() if port is None else check_count(port, name="port", minimum=1)
        if self.port > 65_535:
            raise ValueError(f"port must be at most 65535, got {self.port}")
        self.timeout = check_positive(timeout, name="timeout")
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        deadline = time.monotonic() + self.timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the HTTP server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=self.timeout)


@dataclass(frozen=True, repr=False)
class LoadTestResult(ResultMixin):
    """Latency seen by the clients of a closed-loop load test (milliseconds).

    ``throughput`` is answered requests per second of wall time; ``errors``
    counts failed or non-200 requests (not in the percentiles). ``in_flight``
    is the mean number of requests actually waiting for an answer (the sum
    of latencies over the wall time), which by Little's law equals
    throughput × mean latency; it falls short of ``concurrency`` by the time
    clients spend between requests and while the last clients finish.
    """

    _title: ClassVar[str] = "Load test"
    concurrency: int
    requests: int
    errors: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    throughput: float
    in_flight: float

    def __repr__(self) -> str:
        return (
            f"LoadTestResult({self.concurrency} clients, {self.requests:,} requests, "
            f"{self.errors} errors: p50 {self.p50_ms:.1f}, p95 {self.p95_ms:.1f}, "
            f"p99 {self.p99_ms:.1f} ms, {self.throughput:.0f} requests/s)"
        )


def load_test(
    url: str,
    user_ids: Any,
    *,
    concurrency: int = 8,
    n_requests: int = 1000,
    k: int = 10,
    timeout: float = 10.0,
) -> LoadTestResult:
    """Send ``n_requests`` requests from ``concurrency`` clients, each one
    request at a time (a bounded, closed-loop load), and report latency.

    Parameters
    ----------
    url : str
        Base URL of the server (``http://127.0.0.1:PORT``); only loopback
        addresses are accepted.
    user_ids : list of ids
        Requested in turn (cycled).
    concurrency : int
        Clients sending at once.
    n_requests : int
    k : int
    timeout : float
        Seconds before a request counts as an error.
    """
    import httpx

    if not isinstance(url, str) or not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(
            f"url must be a loopback address such as http://127.0.0.1:8000, got {url!r}"
        )
    ids = user_id_list(user_ids)
    concurrency = check_count(concurrency, name="concurrency", minimum=1)
    n_requests = check_count(n_requests, name="n_requests", minimum=1)
    k = check_count(k, name="k", minimum=1)
    timeout = check_positive(timeout, name="timeout")
    latencies = np.full(n_requests, np.nan)
    lock = threading.Lock()
    counter = iter(range(n_requests))

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=timeout) as http:
            while (i := next_index()) is not None:
                params = {"user_id": str(ids[i % len(ids)]), "k": str(k)}
                start = time.perf_counter()
                try:
                    ok = http.get("/recommend", params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies[i] = 1e3 * (time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for f in [pool.submit(client) for _ in range(concurrency)]:
            f.result()
    wall = time.perf_counter() - start
    good = latencies[~np.isnan(latencies)]
    if good.size == 0:
        raise RuntimeError(f"every request to {url} failed: is the server running?")
    p50, p95, p99 = np.percentile(good, [50, 95, 99])
    return LoadTestResult(
        concurrency=concurrency,
        requests=n_requests,
        errors=int(np.isnan(latencies).sum()),
        mean_ms=float(good.mean()),
        p50_ms=float(p50),
        p95_ms=float(p95),
        p99_ms=float(p99),
        max_ms=float(good.max()),
        throughput=float(good.size / wall),
        in_flight=float(good.sum() / 1e3 / wall),
    )


def serve(service: RecommendationService) -> AbstractContextManager[str]:
    """Serve ``service`` on a free loopback port for the duration of a ``with`` block.

    ``with serve(service) as url: ...`` — the URL is ``http://127.0.0.1:PORT``.
    """
    return _serve(make_app(service))


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    with LocalServer(app) as server:
        yield server.url
