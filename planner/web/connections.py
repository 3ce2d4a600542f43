"""Connections that cannot hold the server: time limits below the app, and room for a
new connection made by closing a stalled one.

uvicorn's own HTTP/1.1 protocol (h11), with what it lacks for a server anyone on the
network may reach:

- **Request headers in time**: a connection must send a whole request line and headers
  within ``header_seconds`` of opening, or of its previous answer; else it is closed
  (with a 408 if it had started a request). uvicorn's keep-alive timer is reset by every
  byte, so a client sending one byte a second would hold a connection for ever.
- **Reading the answer**: a client that reads nothing of its answer for
  ``write_seconds`` is dropped (its worker finished long ago; the bytes wait in memory).
- **Connections**: at most ``connections`` open. A new one over the limit closes a
  stalled one (waiting for its headers or its body, or idle between requests) of the
  address with the most connections, the oldest first: idle and slow connections never
  keep a new client out. Only when every connection is busy being answered is the new
  one refused (503).

The body's own time limit is the app's (``guard.BODY_SECONDS``, answered with a 408);
the work's, the app's too (``app.TIME_LIMIT_SECONDS``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS: Final = 5.0  # a request line and headers: a few hundred bytes
WRITE_SECONDS: Final = 30.0  # a client that reads none of its answer
MAX_CONNECTIONS: Final = 512  # open at once; far below the usual 1024 open files
REQUEST_TIMEOUT: Final = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)
UNAVAILABLE: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\n"
    b"connection: close\r\n\r\n"
)
_OPENED = itertools.count()


@dataclass(frozen=True)
class Limits:
    header_seconds: float = HEADER_SECONDS
    write_seconds: float = WRITE_SECONDS
    connections: int = MAX_CONNECTIONS


def protocol(limits: Limits | None = None) -> type[GuardedH11]:
    """The HTTP protocol class for uvicorn's ``http=`` setting, with these limits."""
    return type("GuardedH11", (GuardedH11,), {"limits": limits or Limits()})


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with the time limits and connection room above."""

    limits: ClassVar[Limits] = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened = next(_OPENED)
        self.header_timer: asyncio.TimerHandle | None = None
        self.write_timer: asyncio.TimerHandle | None = None

    # --- asyncio's protocol -------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request()
        if len(self.connections) > self.limits.connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:
            self._request_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.write_timer is None:
            self.write_timer = self.loop.call_later(self.limits.write_seconds, self._drop)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None

    # --- uvicorn's hook after each answer -----------------------------------------------

    def on_response_complete(self) -> None:
        before = self.cycle
        if not self.transport.is_closing():
            self._await_request()
        super().on_response_complete()  # may start a pipelined request at once
        if self.cycle is not before:
            self._request_arrived()

    # --- the limits ---------------------------------------------------------------------

    @property
    def stalled(self) -> bool:
        """Waiting for a request, or for the rest of its body: nothing to lose by closing."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete or cycle.more_body

    def _await_request(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
        self.header_timer = self.loop.call_later(self.limits.header_seconds, self._late)

    def _request_arrived(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _late(self) -> None:
        """No whole request in time: a 408 if one was started, then close."""
        self.header_timer = None
        if self.transport.is_closing():
            return
        started = self.conn.their_state is h11.IDLE and bool(self.conn.trailing_data[0])
        if started:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()

    def _drop(self) -> None:
        self.write_timer = None
        self.transport.abort()

    def _make_room(self) -> None:
        """Close the oldest stalled connection of the address with the most, or refuse
        this one if every other connection is being answered."""
        others = [c for c in self.connections if c is not self and isinstance(c, GuardedH11)]
        per_address = Counter(_address(c) for c in others)
        stalled = [c for c in others if c.stalled and not c.transport.is_closing()]
        if not stalled:
            self.transport.write(UNAVAILABLE)
            self.transport.close()
            return
        victim = min(stalled, key=lambda c: (-per_address[_address(c)], c.opened))
        victim.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self.header_timer, self.write_timer):
            if timer is not None:
                timer.cancel()
        self.header_timer = self.write_timer = None


def _address(connection: H11Protocol) -> str:
    return connection.client[0] if connection.client else "-"
