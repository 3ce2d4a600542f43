"""The web server under abuse (issue 19, cases 9 to 12): idle and slow connections,
work abandoned or too long, requests from another site, other host names, dose times
with offsets, forged log lines, and ``planner serve``'s own errors.

Most run the server as ``planner serve`` does (our protocol, limits and worker
processes) on an ephemeral loopback port; a client from ``127.0.0.2`` stands for another
machine (Linux answers on all of 127.0.0.0/8).
"""

from __future__ import annotations

import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed")

from cli_helpers import run  # noqa: E402
from web_helpers import client, serving  # noqa: E402
from worker_jobs import nap  # noqa: E402

from planner.web.connections import Limits  # noqa: E402
from planner.web.workers import PROCESSES, Pool  # noqa: E402

TAPER = "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&pace=asam"
# A ten-year course's PDF calendar in large print: about a minute of work on one core.
HEAVY = (
    "/api/course?protocol=panic-adult&start=2027-01-04&target=2&maintain=3400"
    "&large-print=true&format=pdf"
)
OTHER_MACHINE = "127.0.0.2"


Connect = Callable[..., socket.socket]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Raw connections to the server, ``connect(base, source)``; closed after the test."""
    opened: list[socket.socket] = []

    def make(base: str, source: str = "127.0.0.1") -> socket.socket:
        port = int(base.rsplit(":", 1)[1])
        raw = socket.socket()
        opened.append(raw)
        raw.bind((source, 0))
        raw.connect(("127.0.0.1", port))
        return raw

    yield make
    for raw in opened:
        raw.close()


def closed_within(raw: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it is still open after ``seconds``."""
    raw.settimeout(seconds)
    received = b""
    try:
        while chunk := raw.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def timed_get(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx2.get(base + path, timeout=30)
    return response.status_code, time.monotonic() - started


# --- 9. idle and slow connections -----------------------------------------------------


def test_sixty_four_idle_or_slow_connections_keep_no_one_out(connect: Connect) -> None:
    """The issue's case: 64 idle connections made every other request a 503."""
    with serving() as base:
        idle = [connect(base) for _ in range(64)]
        slow = [connect(base, OTHER_MACHINE) for _ in range(64)]
        for raw in slow:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        for path in ("/taper", TAPER + "&format=csv", TAPER + "&format=json"):
            status, seconds = timed_get(base, path)
            assert status == 200, path
            assert seconds < 10, f"{path} took {seconds:.1f} s"
        assert len(idle + slow) == 128


@pytest.mark.slow
def test_an_idle_connection_is_closed_and_slow_headers_are_a_408(connect: Connect) -> None:
    with serving(limits=Limits(header_seconds=1.0)) as base:
        started = time.monotonic()
        idle = connect(base)
        slow = connect(base)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and the rest never
        trickle = connect(base)
        for letter in b"GET / HT":  # a byte every 0.1 s: each would restart uvicorn's timer
            trickle.sendall(bytes([letter]))
            time.sleep(0.1)
        assert closed_within(idle, 3) == b"", "an idle connection was kept"
        assert (closed_within(slow, 3) or b"").startswith(b"HTTP/1.1 408")
        assert (closed_within(trickle, 3) or b"").startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 4  # 1 s, and a busy machine's delays


@pytest.mark.slow
def test_a_keep_alive_connection_must_send_its_next_request_in_time_too(connect: Connect) -> None:
    with serving(limits=Limits(header_seconds=1.0)) as base:
        raw = connect(base)
        raw.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        raw.settimeout(5)
        assert raw.recv(65536).startswith(b"HTTP/1.1 200")
        answered = time.monotonic()
        for letter in b"GET / HT":  # uvicorn's keep-alive timer restarts on every byte
            raw.sendall(bytes([letter]))
            time.sleep(0.1)
        rest = closed_within(raw, 3)
        assert rest is not None and b"408" in rest
        assert time.monotonic() - answered < 3.5  # 1 s, and a busy machine's delays


@pytest.mark.slow
def test_a_slow_body_is_a_408(monkeypatch: pytest.MonkeyPatch, connect: Connect) -> None:
    monkeypatch.setattr("planner.web.guard.BODY_SECONDS", 1.0)
    with serving() as base:
        raw = connect(base)
        raw.sendall(
            b"POST /taper HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n"
            b"protocol=panic-adult"
        )
        started = time.monotonic()
        answer = closed_within(raw, 5) or b""
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert b"did not arrive within 1 seconds" in answer
        assert time.monotonic() - started < 4


@pytest.mark.slow
def test_over_the_connection_limit_a_stalled_connection_makes_room(connect: Connect) -> None:
    """The oldest stalled connection of the address with the most goes first; one from
    another address, older still, stays."""
    with serving(limits=Limits(connections=4)) as base:
        other = connect(base, "127.0.0.3")
        time.sleep(0.2)
        hog = [connect(base, OTHER_MACHINE) for _ in range(3)]
        time.sleep(0.2)
        newest = connect(base, OTHER_MACHINE)  # the fifth: one of the hog's must go
        assert closed_within(hog[0], 2) == b""
        assert closed_within(other, 0.5) is None, "the other address's connection was closed"
        status, _ = timed_get(base, "/taper")  # and a new client still gets in
        assert status == 200
        assert newest.fileno() > 0


# --- 9. a per-client limit ------------------------------------------------------------


@pytest.mark.slow
def test_one_client_waiting_cannot_hold_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four slow jobs from one address: two run, two wait; another address is served at once."""
    monkeypatch.setattr("planner.web.jobs.download", nap)
    pool = Pool(4, per_client=2, waiting_per_client=2)
    with serving(pool=pool) as base:
        from concurrent.futures import ThreadPoolExecutor

        def from_address(source: str) -> tuple[int, float]:
            transport = httpx2.HTTPTransport(local_address=source)
            with httpx2.Client(transport=transport, timeout=30) as session:
                started = time.monotonic()
                response = session.get(base + TAPER + "&format=csv")
                return response.status_code, time.monotonic() - started

        with ThreadPoolExecutor(8) as threads:
            busy = [threads.submit(from_address, OTHER_MACHINE) for _ in range(5)]
            time.sleep(0.5)
            status, seconds = from_address("127.0.0.1")
            statuses = sorted(future.result()[0] for future in busy)
        assert status == 200
        assert seconds < 3, f"the other client waited {seconds:.1f} s"  # its own 1 s nap
        assert statuses == [200, 200, 200, 200, 429], "two run, two wait, one refused"


@pytest.mark.slow
def test_a_client_over_its_waiting_limit_is_busy() -> None:
    import anyio

    pool = Pool(1, per_client=1, waiting_per_client=0)

    async def both() -> list[object]:
        outcomes: list[object] = []

        async def one() -> None:
            try:
                outcomes.append(await pool.run("a", nap))
            except Exception as error:
                outcomes.append(error)

        async with anyio.create_task_group() as group:
            group.start_soon(one)
            await anyio.sleep(0.3)
            group.start_soon(one)
        return outcomes

    from planner.web.workers import Busy

    outcomes = anyio.run(both)
    assert isinstance(outcomes[0], Busy)
    assert not isinstance(outcomes[1], Exception)


# --- 10. abandoned and overlong work --------------------------------------------------


@pytest.mark.slow
def test_work_abandoned_by_its_client_is_stopped_and_others_are_served(connect: Connect) -> None:
    """The issue's case: a ten-year large-print PDF abandoned kept the render lock for
    minutes, and every download answered 503."""
    with serving() as base:
        killed = PROCESSES.killed
        raw = connect(base)
        raw.sendall(
            f"POST {HEAVY} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode()
        )
        time.sleep(2)  # the work has started
        raw.close()
        deadline = time.monotonic() + 10
        while PROCESSES.killed == killed and time.monotonic() < deadline:
            time.sleep(0.1)
        assert PROCESSES.killed == killed + 1, "the abandoned work goes on"
        started = time.monotonic()
        response = httpx2.post(f"{base}{TAPER}&format=pdf", timeout=60)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert time.monotonic() - started < 15


@pytest.mark.slow
def test_work_past_the_time_limit_is_stopped_and_answers_503() -> None:
    with serving(time_limit=2.0) as base:
        killed = PROCESSES.killed
        started = time.monotonic()
        response = httpx2.post(base + HEAVY, timeout=60)
        assert response.status_code == 503
        assert "longer than 2 seconds" in response.json()["error"]["reason"]
        assert time.monotonic() - started < 8
        assert PROCESSES.killed == killed + 1
        again = httpx2.post(f"{base}{TAPER}&format=pdf", timeout=60)
        assert again.status_code == 200, "the lock is not held by the stopped work"


@pytest.mark.parametrize("format_name", ["pdf", "ics", "xlsx", "png", "svg"])
def test_a_heavy_format_is_post_only_unless_the_browser_says_same_origin(
    format_name: str,
) -> None:
    path = f"{TAPER}&format={format_name}"
    refused = client().get(path)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.json()["error"]["field"] == "format"
    assert client().post(path).status_code == 200
    own = client().get(path, headers={"sec-fetch-site": "same-origin"})
    assert own.status_code == 200, "the page's own link"


@pytest.mark.parametrize("format_name", ["csv", "json", "plan", "fhir"])
def test_a_cheap_format_stays_get(format_name: str) -> None:
    assert client().get(f"{TAPER}&format={format_name}").status_code == 200


FOREIGN = [
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site"},  # another port of this machine is another origin
    {"origin": "http://evil.example"},
    {"origin": "null"},
    {"origin": "http://127.0.0.1:9"},
]
FORM = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "format": "pdf"}


@pytest.mark.parametrize(
    "headers", FOREIGN, ids=lambda h: "&".join(f"{k}={v}" for k, v in h.items())
)
@pytest.mark.parametrize("path", ["/taper/download", "/taper", "/compare", "/api/taper"])
def test_a_post_from_another_site_is_refused(path: str, headers: dict[str, str]) -> None:
    response = client().post(path, data=FORM, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "origin"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a program: curl, clinic software
        {"sec-fetch-site": "same-origin", "origin": "null"},  # trusted over Origin
        {"origin": "http://127.0.0.1"},
        {"sec-fetch-site": "none"},  # typed by the browser's user
    ],
)
def test_a_post_of_our_own_page_or_a_program_is_served(headers: dict[str, str]) -> None:
    response = client().post("/taper/download", data=FORM, headers=headers)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_get_of_the_api_from_another_site_is_refused_but_a_link_to_the_page_works() -> None:
    foreign = {"sec-fetch-site": "cross-site"}
    response = client().get(TAPER + "&format=csv", headers=foreign)
    assert response.status_code == 403
    assert client().get("/taper", headers=foreign).status_code == 200


# --- 11. the host check ---------------------------------------------------------------


def test_a_wider_bind_needs_the_names_it_answers_to() -> None:
    result = run("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "--allow-host" in result.stderr


@pytest.mark.parametrize("name", ["*", "*.example.com", "clinic:8000", "http://clinic", "a b"])
def test_an_allowed_host_is_one_name(name: str) -> None:
    result = run("serve", "--host", "0.0.0.0", "--port", "0", "--allow-host", name)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"planner: error: --allow-host {name!r}")
    assert result.stderr.count("\n") == 1


def test_a_wider_bind_answers_only_its_names() -> None:
    """The issue's case: --host 0.0.0.0 served a DNS-rebinding name."""
    from starlette.testclient import TestClient

    from planner.web.app import create_app
    from planner.web.server import listen

    listening = listen("0.0.0.0", 0, allow_hosts=["Clinic-PC.local"])
    listening.close()
    app = TestClient(create_app(listening.site, allowed_hosts=listening.allowed_hosts))
    for host in ("clinic-pc.local", "127.0.0.1", f"localhost:{listening.port}", "[::1]"):
        assert app.get("/taper", headers={"host": host}).status_code == 200, host
    for host in ("rebind.attacker.example", "clinic-pc.local.attacker.example", "0.0.0.0"):
        assert app.get("/taper", headers={"host": host}).status_code == 400, host


def test_the_app_refuses_a_wildcard_host() -> None:
    from planner.web.app import create_app

    with pytest.raises(ValueError, match="always on"):
        create_app(allowed_hosts=["*"])


# --- 12. offsets and the log ----------------------------------------------------------


@pytest.mark.parametrize("clock", ["morning=07:30+05:00", "morning=07:30Z", "morning=07:30-0100"])
def test_a_dose_time_with_an_offset_is_a_400_naming_the_field(clock: str) -> None:
    for format_name in ("json", "csv"):
        query = urllib.parse.urlencode({"dose-time": clock, "format": format_name})
        response = client().get(f"{TAPER}&{query}")
        assert response.status_code == 400, response.text
        assert response.json()["error"]["field"] == "dose-time"
        assert "UTC offset" in response.json()["error"]["reason"]
    response = client().post(f"{TAPER}&format=ics&dose-time={urllib.parse.quote(clock)}")
    assert response.status_code == 400
    form = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "dose-time": clock}
    page = client().post("/taper", data=form)
    assert page.status_code == 400
    assert 'id="field-dose-time-error"' in page.text
    cli = run("taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--dose-time", clock)
    assert cli.exit_code == 2
    assert "Traceback" not in cli.output
    assert cli.stderr.startswith("planner: error: Invalid value for '--dose-time'")


def test_the_access_log_escapes_what_it_writes(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="planner.web.access")
    forged = '/x%0d%0a127.0.0.1 "GET /admin" 200 1ms%1b[2J%e2%80%ae"'
    client().get(forged)
    client().post(forged, headers={"origin": "http://e\x1bvil"})
    lines = [r.getMessage() for r in caplog.records if r.name == "planner.web.access"]
    assert len(lines) == 2
    for line in lines:
        assert line.isascii() and line.isprintable(), repr(line)
        assert line.count('"') == 2, "a quote in the path would end the field"
        assert "/x%0D%0A127.0.0.1%20%22GET%20/admin%22" in line


def test_the_error_log_escapes_the_path(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("planner.web.app._Web.html", broken)
    assert client().get("/x%0d%0aforged%1b[2J").status_code == 500
    errors = [r.getMessage() for r in caplog.records if r.name == "planner.web.errors"]
    assert len(errors) == 1
    assert errors[0].startswith("unexpected RuntimeError in GET /x%0D%0Aforged%1B[2J\n")


# --- planner serve's own errors -------------------------------------------------------


def test_serve_on_a_port_in_use_is_one_line_and_exit_2() -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        result = run("serve", "--port", str(port))
    finally:
        taken.close()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"planner: error: --port {port}: 127.0.0.1 port {port} is in use already (another "
        "server?); choose another --port, or --port 0 for any free one\n"
    )


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("nosuch.invalid", "not an address of this machine"),
        ("999.1.1.1", "not an address of this machine"),
        ("203.0.113.7", "not an address of this machine"),  # TEST-NET: not ours
    ],
)
def test_serve_on_a_bad_host_is_one_line_and_exit_2(host: str, words: str) -> None:
    result = run("serve", "--host", host, "--port", "0", "--allow-host", "clinic-pc")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"planner: error: --host {host}: {words}")


def test_serve_on_port_0_prints_the_real_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """(``test_web_abuse_load`` runs ``python -m planner serve --port 0`` and uses the URL
    it prints.)"""
    from planner.web.server import Listening

    served: list[Listening] = []
    monkeypatch.setattr("planner.web.server.serve", lambda listening, **k: served.append(listening))
    result = run("serve", "--port", "0")
    assert result.exit_code == 0, result.output
    assert served[0].port > 0
    assert result.stdout == (
        f"dose-planner: serving on http://127.0.0.1:{served[0].port}/ (Ctrl-C to stop)\n"
    )
