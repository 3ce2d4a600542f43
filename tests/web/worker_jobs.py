"""Jobs for tests, run in the web server's worker processes in place of the real ones
(``monkeypatch.setattr("planner.web.jobs.download", nap)``). A worker imports the module
a job comes from: this one imports nothing heavy, so the swap costs no time."""

from __future__ import annotations

import time


def nap(*args: object) -> object:
    """A second's work, then a file."""
    from planner.web import jobs

    time.sleep(1.0)
    return jobs.Download(b"x", "text/csv", "x.csv", inline=False)


def slow(*args: object) -> bytes:
    """Work that outlasts any time limit of a test."""
    time.sleep(20)
    return b""


def broken(*args: object) -> bytes:
    """A bug, whose message holds an input: it must never reach the log or the client."""
    raise RuntimeError("".join(["sec", "ret patient detail"]))  # not in the logged line
