"""A bounded load test on a loopback port: 20 concurrent clients send 520 mixed
requests (every command, most formats, the page); none may fail, and memory must be
flat afterwards. The p95 latency is reported in the run's summary, never asserted."""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed")
psutil = pytest.importorskip("psutil", reason="psutil is not installed")

from web_helpers import serving  # noqa: E402

# Slow, and one after the other in one xdist worker (--dist loadgroup): run at once, each
# load test would be the other's load, and the abuse test holds each normal request to 10 s.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_load")]

CLIENTS = 20
ROUNDS = 26  # requests per client: 520 in all
# The mix a clinic sends: mostly tables and JSON, some calendars, plots and PDFs (POST:
# the API makes the formats that take seconds on POST only).
REQUESTS = [
    ("GET", "/api/titrate?protocol=panic-adult&start=2027-01-04&format=csv"),
    ("GET", "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&pace=asam&format=json"),
    ("GET", "/api/course?protocol=panic-adult&start=2027-01-04&maintain=90&format=csv"),
    ("POST", "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&format=ics&tz=UTC"),
    ("GET", "/api/titrate?protocol=seizure-pediatric&start=2027-01-04&weight=20&format=json"),
    ("GET", "/api/taper?protocol=seizure-adult&start=2027-03-01&from=4&format=plan"),
    ("POST", "/api/titrate?protocol=panic-adult&start=2027-01-04&format=svg"),
    ("POST", "/api/taper?protocol=panic-adult&start=2027-03-01&from=1&format=xlsx"),
    ("POST", "/api/titrate?protocol=seizure-adult&start=2027-01-04&target=2&format=pdf"),
    ("POST", "/api/titrate?protocol=panic-adult&start=2027-01-04&format=png"),
    ("POST", "/taper"),
    ("GET", "/api/titrate?protocol=panic-adult&start=2027-01-04&from=abc"),  # a 400, as planned
]
FORM = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "pace": "proportional"}
MEMORY_BOUND_MB = 150  # generous: a leak of a schedule per request would pass it quickly


def _client_run(base: str, offset: int, rounds: int) -> list[tuple[int, float]]:
    """One client's requests in turn: the status and the seconds each took."""
    results = []
    requests = itertools.islice(itertools.cycle(REQUESTS), offset, offset + rounds)
    with httpx2.Client(base_url=base, timeout=60) as client:
        for method, path in requests:
            started = time.perf_counter()
            if method == "GET":
                response = client.get(path)
            else:  # the page's form, or a heavy format from the API (POST only)
                response = client.post(path, data=None if "?" in path else FORM)
            elapsed = time.perf_counter() - started
            expected = 400 if "from=abc" in path else 200
            results.append(
                (0 if response.status_code == expected else response.status_code, elapsed)
            )
    return results


def _load(base: str, rounds: int) -> list[tuple[int, float]]:
    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = pool.map(_client_run, [base] * CLIENTS, range(CLIENTS), [rounds] * CLIENTS)
        return [result for run in runs for result in run]


def test_twenty_clients_get_no_error_and_memory_stays_flat(
    record_property: Callable[[str, object], None],
) -> None:
    process = psutil.Process()
    with serving() as base:
        _load(base, 3)  # warm: imports, fonts, caches
        gc.collect()
        before = process.memory_info().rss
        started = time.perf_counter()
        results = _load(base, ROUNDS)
        wall = time.perf_counter() - started
        gc.collect()
        after = process.memory_info().rss
    assert len(results) >= 500
    assert [status for status, _ in results if status] == [], "a request failed"
    times = sorted(seconds for _, seconds in results)
    p95 = statistics.quantiles(times, n=20)[-1]
    grown_mb = (after - before) / 1024 / 1024
    record_property(
        "figure",
        f"web load: {len(results)} requests from {CLIENTS} clients in {wall:.1f} s; "
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
        f"memory {before / 1024 / 1024:.0f} MB -> {after / 1024 / 1024:.0f} MB",
    )
    assert grown_mb < MEMORY_BOUND_MB, f"memory grew {grown_mb:.0f} MB"
