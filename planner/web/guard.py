"""What every request and response passes through: size limits, security headers, an
access log without query strings, and a last catch that never shows a traceback.

One plain ASGI middleware, so its cost is a few dictionary look-ups per request.
Patient inputs travel in query strings (the API) and form bodies (the page): neither is
ever logged, and every page is ``no-store`` so no cache keeps it.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_QUERY_BYTES = 4096  # a query holding every option of a taper with 100 edits fits
MAX_PATH_BYTES = 512
MAX_BODY_BYTES = 64 * 1024  # the page's form
ACCESS = logging.getLogger("planner.web.access")
ERRORS = logging.getLogger("planner.web.errors")

# No framing, nothing from another origin, no referrer; inline SVG plots come as data:
# images, so no inline style or script is ever allowed.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
NO_STORE = (b"cache-control", b"no-store")
UNEXPECTED = "an unexpected error in the planner, not in the input; please report it"
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")


class Guard:
    """Limits, headers, the access log and the last catch, around the whole app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        response_started = False
        static = scope["path"].startswith("/static/")

        async def send_guarded(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control"
                ]
                headers += [*SECURITY_HEADERS, STATIC_CACHE if static else NO_STORE]
                message["headers"] = headers
            await send(message)

        try:
            refusal = _refusal(scope)
            if refusal is not None:
                await _send_json(send_guarded, *refusal)
            else:
                await self.app(scope, _bounded(receive), send_guarded)
        except BodyTooLarge:
            if not response_started:
                await _send_json(send_guarded, *_too_large())
        except Exception as error:  # the last catch: a bug, reported without a traceback
            ERRORS.error(
                "unexpected %s in %s %s\n%s",
                type(error).__name__,
                scope["method"],
                scope["path"],
                "".join(traceback.format_tb(error.__traceback__)),  # no message: no values
            )
            if not response_started:
                await _send_json(send_guarded, 500, "internal", UNEXPECTED)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            client = scope.get("client") or ("-", 0)
            ACCESS.info(
                '%s "%s %s" %d %.0fms', client[0], scope["method"], scope["path"], status, elapsed
            )


class BodyTooLarge(Exception):
    """A request body larger than ``MAX_BODY_BYTES``."""


def _refusal(scope: Scope) -> tuple[int, str, str] | None:
    """A request refused before the app sees it: too long a path or query, too big a body."""
    if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return 414, "query", f"the query is longer than {MAX_QUERY_BYTES} bytes"
    if len(scope["path"].encode("utf-8")) > MAX_PATH_BYTES:
        return 414, "path", f"the path is longer than {MAX_PATH_BYTES} bytes"
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return 400, "content-length", "the Content-Length header is not a number"
            if length > MAX_BODY_BYTES:
                return _too_large()
    return None


def _too_large() -> tuple[int, str, str]:
    return 413, "body", f"the request body is larger than {MAX_BODY_BYTES // 1024} KB"


def _bounded(receive: Receive) -> Receive:
    """``receive`` that stops a body (chunked, with no length) once it passes the limit."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge
        return message

    return bounded


async def _send_json(send: Send, status: int, field: str, reason: str) -> None:
    error = {"field": field, "option": None, "reason": reason, "message": reason}
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
