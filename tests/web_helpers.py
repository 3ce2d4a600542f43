"""The web app for tests: in process (Starlette's test client) and on a loopback port
(uvicorn in a thread), and the command line's files for the same options."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from cli_helpers import run
from starlette.testclient import TestClient

from planner.web.app import create_app
from planner.web.server import config, listen
from planner.web.workers import PROCESSES

# The CLI's output option for each API format (png and svg are --plot with that suffix).
CLI_OUTPUT = {
    "csv": ("--csv", "out.csv"),
    "pdf": ("--pdf", "out.pdf"),
    "ics": ("--ics", "out.ics"),
    "xlsx": ("--xlsx", "out.xlsx"),
    "png": ("--plot", "out.png"),
    "svg": ("--plot", "out.svg"),
    "plan": ("--save-plan", "out.plan.toml"),
}


def client() -> TestClient:
    return TestClient(create_app(), base_url="http://127.0.0.1")


def query(protocol: str, options: list[tuple[str, str]], format_name: str) -> str:
    """An API query from CLI-style options: ("--from", "2") -> from=2."""
    pairs = [("protocol", protocol), *((o.removeprefix("--"), v) for o, v in options)]
    return urllib.parse.urlencode([*pairs, ("format", format_name)])


def cli_file(
    command: str, protocol: str, options: list[tuple[str, str]], format_name: str, folder: Path
) -> bytes:
    """The bytes ``planner COMMAND PROTOCOL OPTIONS --<format> FILE`` writes."""
    option, name = CLI_OUTPUT[format_name]
    path = folder / name
    args = [command, protocol, *(word for pair in options for word in pair), option, str(path)]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return path.read_bytes()


@contextmanager
def serving(**settings: Any) -> Iterator[str]:
    """The app as ``planner serve`` runs it (its connection limits, worker processes),
    on an ephemeral loopback port, in a thread; yields its base URL. ``settings`` go to
    ``planner.web.server.config`` (``limits``, ``time_limit``, ``pool``)."""
    PROCESSES.warm(2)  # as planner serve does: the first request finds a worker ready
    listening = listen("127.0.0.1", 0)
    server = uvicorn.Server(config(listening, **settings))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening.socket]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listening.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
