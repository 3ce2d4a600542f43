"""Normal clients beside idle, slow and abandoning ones, for a bounded time (issue 19).

For ``DURATION`` seconds, on ``python -m planner serve --port 0`` (its own process, its
default limits):

- 64 idle connections that send nothing, 32 that send their headers a byte every half
  second, and 16 that send a form's body 20 bytes a second, from 127.0.0.2 (another
  machine); each one the server closes is opened again at once;
- 2 clients from 127.0.0.3 that ask for a ten-year large-print PDF calendar (about a
  minute of work) and hang up after a second, again and again;
- 4 normal clients from 127.0.0.1 planning as the page and the API do (tables, JSON, the
  page, PDF calendars), each request after the last.

First the normal clients alone for ``QUIET`` seconds, for comparison. Under load, every
normal request must be answered as when the server is quiet, each within
``NORMAL_SECONDS``; each normal client goes on past ``DURATION`` until it has made
``AT_LEAST`` requests (a machine shared with other work, an xdist worker's beside, serves
fewer in the seconds: the window is counted in requests too). The abandoned work must be
stopped and the idle and slow connections closed by the server (its access log says 499
for each abandoned request, 408 for each slow body). The figures are printed in the
run's summary.
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed")

from cli_helpers import ROOT  # noqa: E402

# Slow, and one after the other in one xdist worker (--dist loadgroup): run at once, each
# load test would be the other's load, and this one holds each normal request to 10 s.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_load")]

QUIET = 2.0  # seconds of the normal clients alone, for comparison
DURATION = 11.0  # seconds of load, after the crowd's first: the body limit (10 s) passes
NORMAL_SECONDS = 10.0  # each normal request answered within this, however loaded the machine
AT_LEAST = 5  # requests each normal client makes under load, even past DURATION: 20 in all
IDLE, SLOW_HEADERS, SLOW_BODIES, ABANDONING, NORMAL = 64, 32, 16, 2, 4
ATTACKER, ABANDONER = "127.0.0.2", "127.0.0.3"
HEAVY = (
    "/api/course?protocol=panic-adult&start=2027-01-04&target=2&maintain=3400"
    "&large-print=true&format=pdf"
)
FORM = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "pace": "asam"}
# (method, path, expected status): what a clinic sends.
NORMAL_MIX = [
    ("GET", "/api/titrate?protocol=panic-adult&start=2027-01-04&format=csv", 200),
    ("GET", "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&pace=asam", 200),
    ("POST", "/taper", 200),
    ("POST", "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&format=pdf", 200),
    ("GET", "/taper", 200),
    ("GET", "/api/titrate?protocol=panic-adult&start=2027-01-04&from=abc", 400),
]


class Crowd:
    """Raw connections from one address, each opened again when the server closes it."""

    def __init__(self, base: str, size: int, opening: bytes, drip: bytes) -> None:
        self.port = int(base.rsplit(":", 1)[1])
        self.opening, self.drip = opening, drip
        self.sockets = [self.open() for _ in range(size)]
        self.closed_by_server = 0
        self.answers: list[bytes] = []

    def open(self) -> socket.socket:
        raw = socket.socket()
        raw.bind((ATTACKER, 0))
        raw.connect(("127.0.0.1", self.port))
        if self.opening:
            raw.sendall(self.opening)
        return raw

    def tick(self) -> None:
        """Send each its next byte; open again each the server has closed."""
        readable, _, _ = select.select(self.sockets, [], [], 0)
        for index, raw in enumerate(self.sockets):
            gone = False
            if raw in readable:
                try:
                    answer = raw.recv(4096)
                except OSError:
                    answer = b""
                gone = True
                if answer:
                    self.answers.append(answer[:12])
            elif self.drip:
                try:
                    raw.sendall(self.drip)
                except OSError:
                    gone = True
            if gone:
                raw.close()
                self.closed_by_server += 1
                self.sockets[index] = self.open()

    def close(self) -> None:
        for raw in self.sockets:
            raw.close()


def _until(stop: threading.Event, every: float, action: Callable[[], None]) -> None:
    while not stop.wait(every):
        action()


def _abandon(base: str, stop: threading.Event, count: list[int]) -> None:
    """Ask for a minute of work, hang up after a second; again."""
    port = int(base.rsplit(":", 1)[1])
    while not stop.is_set():
        with socket.socket() as raw:
            raw.bind((ABANDONER, 0))
            raw.connect(("127.0.0.1", port))
            raw.sendall(
                f"POST {HEAVY} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode()
            )
            stop.wait(1.0)
        count[0] += 1


def _normal(
    base: str, offset: int, stop: threading.Event, at_least: int
) -> list[tuple[bool, float]]:
    """Requests in turn until stopped and ``at_least`` made: (answered as expected,
    seconds) for each."""
    results: list[tuple[bool, float]] = []
    mix = itertools.islice(itertools.cycle(NORMAL_MIX), offset, None)
    with httpx2.Client(base_url=base, timeout=60) as client:
        for method, path, expected in mix:
            if stop.is_set() and len(results) >= at_least:
                break
            started = time.perf_counter()
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=None if "?" in path else FORM)
            results.append((response.status_code == expected, time.perf_counter() - started))
    return results


@contextlib.contextmanager
def planner_serve() -> Iterator[tuple[str, list[str]]]:
    """``planner serve --port 0`` as a user runs it: its URL, and its log once stopped."""
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("dose-planner: serving on http://127.0.0.1:"), line
        base = line.split()[3].rstrip("/")
        assert int(base.rsplit(":", 1)[1]) > 0, "--port 0 prints the port it has"
        warm = httpx2.get(f"{base}{NORMAL_MIX[0][1]}", timeout=60)  # the workers are up
        assert warm.status_code == 200
        yield base, log
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
        log.extend(errors.splitlines())


def _clinic(
    base: str, seconds: float, at_least: int
) -> tuple[list[list[tuple[bool, float]]], float]:
    """The normal clients, for ``seconds`` and until each has made ``at_least`` requests:
    each client's requests' outcomes and times, and the seconds they took in all."""
    stop = threading.Event()
    runs: list[list[tuple[bool, float]]] = [[] for _ in range(NORMAL)]

    def client(index: int) -> None:
        runs[index] = _normal(base, index, stop, at_least)

    started = time.perf_counter()
    clinic = [threading.Thread(target=client, args=(index,)) for index in range(NORMAL)]
    for thread in clinic:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in clinic:  # a client not done by then has failed: its run stays empty
        thread.join(timeout=60 + at_least * NORMAL_SECONDS)
    return runs, time.perf_counter() - started


def _summary(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
    return (
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"slowest {times[-1] * 1000:.0f} ms"
    )


def test_normal_clients_are_served_beside_idle_slow_and_abandoning_ones(
    record_property: Callable[[str, object], None],
) -> None:
    with planner_serve() as (base, log):
        quiet_runs, quiet_seconds = _clinic(base, QUIET, 1)
        stop = threading.Event()
        idle = Crowd(base, IDLE, b"", b"")
        slow_headers = Crowd(base, SLOW_HEADERS, b"GET /taper HTTP/1.1\r\n", b"X")
        body = b"POST /taper HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60000\r\n"
        body += b"Content-Type: application/x-www-form-urlencoded\r\n\r\nprotocol=panic-adult"
        slow_bodies = Crowd(base, SLOW_BODIES, body, b"&x=1234567890123456")
        abandoned = [0]
        threads = [
            threading.Thread(target=_until, args=(stop, 0.2, idle.tick)),
            threading.Thread(target=_until, args=(stop, 0.5, slow_headers.tick)),
            threading.Thread(target=_until, args=(stop, 1.0, slow_bodies.tick)),
            *(
                threading.Thread(target=_abandon, args=(base, stop, abandoned))
                for _ in range(ABANDONING)
            ),
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the crowd first, then the clinic
        loaded_runs, loaded_seconds = _clinic(base, DURATION, AT_LEAST)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for crowd in (idle, slow_headers, slow_bodies):
            crowd.close()
        time.sleep(1.0)  # the server notices the last hang-ups

    closed = idle.closed_by_server + slow_headers.closed_by_server + slow_bodies.closed_by_server
    stopped = sum('"POST /api/course" 499' in line for line in log)
    timed_out = sum('"POST /taper" 408' in line for line in log)
    quiet = [result for run in quiet_runs for result in run]
    results = [result for run in loaded_runs for result in run]
    times = sorted(seconds for _, seconds in results)
    figures = (
        f"web abuse load: quiet, {len(quiet)} normal requests in {quiet_seconds:.1f} s: "
        f"{_summary(sorted(seconds for _, seconds in quiet))}; under load, "
        f"{len(results)} normal requests in {loaded_seconds:.1f} s beside "
        f"{IDLE} idle, {SLOW_HEADERS} slow-header and {SLOW_BODIES} slow-body connections "
        f"({closed} closed by the server, {timed_out} slow bodies answered 408) and "
        f"{abandoned[0]} abandoned PDFs ({stopped} stopped): {_summary(times)}"
    )
    record_property("figure", figures)
    assert min(len(run) for run in quiet_runs) >= 1, f"a client was not served: {figures}"
    assert min(len(run) for run in loaded_runs) >= AT_LEAST, f"a client stopped: {figures}"
    assert all(answered for answered, _ in quiet + results), "a normal request was refused"
    assert times[-1] < NORMAL_SECONDS, f"a normal request took {times[-1]:.1f} s"
    assert idle.closed_by_server >= IDLE, "idle connections are not closed"
    assert slow_headers.closed_by_server >= SLOW_HEADERS, "slow headers are not cut off"
    assert slow_bodies.closed_by_server >= SLOW_BODIES, "slow bodies are not cut off"
    assert timed_out >= SLOW_BODIES, "slow bodies are not answered 408"
    assert stopped >= abandoned[0], f"abandoned work went on: {stopped} of {abandoned[0]}"
    assert not any(word in line for line in log for word in ("Traceback", "unexpected", "ERROR")), (
        log
    )
