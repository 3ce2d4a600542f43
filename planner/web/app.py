"""The web front end: a page for clinicians and an HTTP API, over the command line's own
library calls (see ``service``). Starlette routes; every planning call runs in a worker
process (``workers``), bounded in time and stopped when its client leaves; every error is
the planner's own words beside its field.

    GET  /                      the page (titrate); /taper, /course: the other commands
    POST /{command}             plan the form; the page again with the schedule or errors
    POST /{command}/download    one file of the schedule shown (the same inputs)
    POST /{command}/print       the patient's calendar to print, a month a page
    GET/POST /compare           the teaching view: paces side by side
    GET/POST /diff              two saved plan files compared (``plan_diff``); POST /api/diff
    GET  /api/{command}?protocol=ID&<options>&format=json|csv|plan|fhir
    POST /api/{command}         the same, and every format: pdf, ics, xlsx, png and svg
                                take seconds for a long schedule, so they are POST only:
                                another site cannot start them with a link or an image
    GET  /api/protocols         the protocols, products and paces offered
    GET  /openapi.json, /docs   the API described

Every POST must come from this server's own page or from a program (``guard``); a GET of
the API from another site's page is refused too.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from planner import __version__
from planner.core.wording import DISCLAIMER
from planner.errors import PlannerError
from planner.web import jobs, revise
from planner.web.commands import COMMANDS, Command
from planner.web.fields import TEACHING
from planner.web.guard import Abandoned, Guard, cross_site, same_origin
from planner.web.inputs import Problem, busy, late, problem
from planner.web.openapi import offered, openapi, operations
from planner.web.pages import field_views, protocol_choices
from planner.web.plan_diff import compare_plans, diff_page
from planner.web.service import HEAVY_FORMATS, Site, load_site
from planner.web.workers import Busy, Pool

T = TypeVar("T")
Raw = dict[str, list[str]]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
FORM = "application/x-www-form-urlencoded"
# One request's wait for a worker, planning and rendering; then 503 and the work stopped.
# A 10-year schedule's calendar file or workbook takes under 10 s; its large-print PDF a
# minute, which the command line can make.
TIME_LIMIT_SECONDS = 30.0
DEFAULT_PROTOCOL = "panic-adult"


def create_app(
    site: Site | None = None,
    *,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    time_limit: float = TIME_LIMIT_SECONDS,
    pool: Pool | None = None,
) -> Starlette:
    """The app over ``site``'s protocols; answers only requests for ``allowed_hosts``
    (a page on 127.0.0.1 is not reachable through another name: no DNS rebinding)."""
    if "*" in "".join(allowed_hosts):
        raise ValueError("the Host check is always on: name each host, no wildcard")
    web = _Web(site or load_site(), time_limit, pool or Pool())
    static = Path(__file__).parent / "static"
    routes = [
        Route("/", web.page, methods=["GET", "POST"]),
        Route("/compare", web.compare, methods=["GET", "POST"]),
        Route("/diff", web.diff, methods=["GET", "POST"]),
        Route("/docs", web.docs),
        Route("/openapi.json", web.openapi_json),
        *revise.routes(web),  # GET/POST /revise, POST /api/revise: a plan revised at a visit
        Route("/api/protocols", web.api_protocols),
        Route("/api/diff", web.api_diff, methods=["GET", "POST"]),
        Route("/api/{command}", web.api, methods=["GET", "POST"]),
        Route("/{command}/download", web.download, methods=["POST"]),
        Route("/{command}/print", web.patient_calendar, methods=["GET", "POST"]),
        Route("/{command}", web.page, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    middleware = [
        Middleware(Guard),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]
    return Starlette(routes=routes, middleware=middleware)


class _Web:
    """The endpoints, sharing the site, the templates and the pool of worker processes."""

    def __init__(self, site: Site, time_limit: float, pool: Pool) -> None:
        self.site = site
        self.time_limit = time_limit
        self.pool = pool
        self.templates = Environment(
            loader=PackageLoader("planner.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(
            disclaimer=DISCLAIMER, version=__version__, commands=list(COMMANDS.values())
        )
        ids = sorted(site.protocols)
        self.default_protocol = DEFAULT_PROTOCOL if DEFAULT_PROTOCOL in ids else ids[0]

    async def work(self, request: Request, function: Callable[..., T], *args: Any) -> T:
        """``function(site folder, *args)`` in a worker process, for this request's client.

        Raises ``TimeoutError`` past ``time_limit`` (the wait for a worker included),
        ``Busy`` when the client has too many waiting, ``Abandoned`` when the client
        left: in each case the work is stopped (its process killed).
        """
        client = request.client.host if request.client else "-"
        gone = False
        outcome: list[T] = []
        failure: list[Exception] = []

        async def watch(scope: anyio.CancelScope) -> None:
            nonlocal gone
            while (await request.receive())["type"] != "http.disconnect":
                pass  # the rest of a body no endpoint reads
            gone = True
            scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch, group.cancel_scope)
            try:
                with anyio.fail_after(self.time_limit):
                    outcome.append(await self.pool.run(client, function, self.site.folder, *args))
            except Exception as error:  # raised below, once the watch has stopped
                failure.append(error)
            group.cancel_scope.cancel()
        if gone:
            raise Abandoned
        if failure:
            raise failure[0]
        return outcome[0]

    # --- the page -----------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params.get("command", "titrate"))
        if command is None:
            return self.html("missing.html", {"title": "Not found"}, 404)
        if request.method in ("GET", "HEAD"):
            raw = {"protocol": _query(request).get("protocol", [self.default_protocol])}
            return self.form(request, command, raw, [], None)
        raw = _form(await request.body())
        raw.setdefault("protocol", [self.default_protocol])
        if raw.get("action", [""])[-1] == "refresh":
            return self.form(request, command, raw, [], None)
        result = await self.for_form(request, command, raw, jobs.page)
        if isinstance(result, Response):
            return result
        return self.form(request, command, raw, [], result)

    async def for_form(
        self,
        request: Request,
        command: Command,
        raw: Raw,
        job: Callable[..., T | jobs.Refused],
        *args: Any,
    ) -> T | Response:
        """``job`` for the form's inputs: its result, or the form again saying why not
        (every input refused, or the server's limits)."""
        made, problems, status = await self.attempt(request, job, command.name, raw, *args)
        if made is None:
            return self.form(request, command, raw, list(problems), None, status)
        return made

    def form(
        self,
        request: Request,
        command: Command,
        raw: Raw,
        problems: list[Problem],
        result: Any,
        status: int | None = None,
    ) -> Response:
        protocol_id = raw["protocol"][-1]
        if protocol_id not in self.site.protocols:
            problems = [*problems, problem(_unknown_protocol(self.site, protocol_id), ())]
            protocol_id = self.default_protocol
        context = {
            "title": f"{command.title}: clonazePAM schedule",
            "command": command,
            "protocols": protocol_choices(self.site),
            "protocol_id": protocol_id,
            "fields": field_views(
                self.site, command.fields, self.site.protocol(protocol_id), raw, problems
            ),
            "problems": problems,
            "refused_protocol": [p for p in problems if "protocol" in p.options],
            "result": result,
        }
        if request.headers.get("x-planner-partial") == "1":
            # The script swaps this part in; the errors in it are content, not a failure.
            return self.html("work.html", context, status or 200)
        return self.html("page.html", context, status or (400 if problems else 200))

    async def download(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params["command"])
        if command is None:
            return self.html("missing.html", {"title": "Not found"}, 404)
        raw = _form(await request.body())
        raw.setdefault("protocol", [self.default_protocol])
        format_name = raw.get("format", ["pdf"])[-1]
        made = await self.for_form(request, command, raw, jobs.download, format_name)
        return made if isinstance(made, Response) else _file(made)

    async def patient_calendar(self, request: Request) -> Response:
        """The patient's calendar to print, from the inputs of the schedule shown (a POST:
        a patient's name is kept out of the address, the history and the log)."""
        command = COMMANDS.get(request.path_params["command"])
        if command is None:
            return self.html("missing.html", {"title": "Not found"}, 404)
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(f"/{command.name}", status_code=303)
        raw = _form(await request.body())
        raw.setdefault("protocol", [self.default_protocol])
        made = await self.for_form(request, command, raw, jobs.patient_calendar)
        if isinstance(made, Response):
            return made
        return self.html("print.html", {"title": "The patient's calendar", "calendar": made})

    async def compare(self, request: Request) -> Response:
        raw = _form(await request.body()) if request.method == "POST" else _query(request)
        raw.setdefault("protocol", [self.default_protocol])
        teaching, problems, status = await self.attempt(request, jobs.teaching, raw)
        protocol_id = raw["protocol"][-1]
        if protocol_id not in self.site.protocols:
            protocol_id = self.default_protocol
        context = {
            "title": "Compare taper paces (teaching)",
            "protocols": protocol_choices(self.site),
            "protocol_id": protocol_id,
            "fields": field_views(
                self.site, TEACHING, self.site.protocol(protocol_id), raw, problems
            ),
            "problems": problems,
            "refused_protocol": [p for p in problems if "protocol" in p.options],
            "teaching": teaching,
        }
        return self.html("compare.html", context, status or (400 if problems else 200))

    async def diff(self, request: Request) -> Response:
        raw = _form(await request.body()) if request.method == "POST" else {}
        compared, problems, status = await self.attempt(request, compare_plans, raw)
        page = diff_page(raw, problems, compared)
        return self.html("diff.html", page, status or (400 if problems else 200))

    async def attempt(
        self, request: Request, job: Callable[..., T | jobs.Refused], *args: Any
    ) -> tuple[T | None, tuple[Problem, ...], int | None]:
        """A POST's ``job`` in a worker: what it made, or the problems (and the status of
        the server's limits)."""
        if request.method != "POST":
            return None, (), None
        try:
            made = await self.work(request, job, *args)
        except TimeoutError:
            return None, (late(self.time_limit),), 503
        except Busy:
            return None, (busy(),), 429
        if isinstance(made, jobs.Refused):
            return None, made.problems, None  # the status is the page's to choose
        return made, (), None

    # --- the API ------------------------------------------------------------------------

    async def api_diff(self, request: Request) -> Response:
        if request.method != "POST":
            reason = "POST the two plan files as a form: old=<text of one>, new=<the other>"
            return _error(405, Problem(None, "method", reason, reason), {"allow": "POST"})
        body = await request.body()
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
            reason = f"a POST body is a form ({FORM})"
            return _error(415, Problem(None, "body", reason, reason))
        compared, problems, status = await self.attempt(request, compare_plans, _form(body))
        if compared is None:
            return _error(status or 400, problems[0])
        return Response(compared.body, media_type="application/json")

    async def api(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params["command"])
        if command is None:
            known = ", ".join(COMMANDS)
            reason = f"unknown command {request.path_params['command']!r}; commands: {known}"
            return _error(404, Problem(None, "command", reason, reason))
        raw = _query(request)
        if request.method == "POST":
            body = await request.body()
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if body and kind != "application/x-www-form-urlencoded":
                reason = "a POST body is a form (application/x-www-form-urlencoded), or none"
                return _error(415, Problem(None, "body", reason, reason))
            for name, texts in _form(body).items():
                raw.setdefault(name, []).extend(texts)
        format_name = raw.get("format", ["json"])[-1] or "json"
        if request.method in ("GET", "HEAD"):
            foreign = cross_site(request.scope)
            if foreign is not None:
                reason = f"{foreign}; plan from the planner's own page"
                return _error(403, Problem(None, "origin", reason, reason))
            if format_name in HEAVY_FORMATS and not same_origin(request.scope):
                return _post_only(format_name)
        try:
            made = await self.work(request, jobs.download, command.name, raw, format_name)
        except TimeoutError:
            return _error(503, late(self.time_limit))
        except Busy:
            return _error(429, busy(), {"retry-after": "1"})
        if isinstance(made, jobs.Refused):
            return _error(400, made.problems[0])
        return _file(made)

    async def api_protocols(self, request: Request) -> Response:
        del request
        return JSONResponse(offered(self.site))

    async def openapi_json(self, request: Request) -> Response:
        del request
        return JSONResponse(openapi(sorted(self.site.protocols)))

    async def docs(self, request: Request) -> Response:
        del request
        document = openapi(sorted(self.site.protocols))
        limits = {
            "per_client": self.pool.per_client,
            "waiting": self.pool.waiting_per_client,
            "seconds": f"{self.time_limit:g}",
        }
        context = {
            "title": "HTTP API",
            "operations": operations(document),
            "api": document,
            "limits": limits,
        }
        return self.html("docs.html", context)

    def html(self, template: str, context: dict[str, Any], status: int = 200) -> Response:
        body = self.templates.get_template(template).render(context)
        return HTMLResponse(body, status_code=status)


def _query(request: Request) -> Raw:
    return _parsed(request.scope.get("query_string", b"").decode("latin-1"))


def _form(body: bytes) -> Raw:
    return _parsed(body.decode("utf-8", errors="replace"))


def _parsed(text: str) -> Raw:
    """Fields of a query or form ('+' is a space, as a browser sends it); the guard has
    bounded the text already."""
    return urllib.parse.parse_qs(text, keep_blank_values=True)


def _unknown_protocol(site: Site, protocol_id: str) -> PlannerError:
    try:
        site.protocol(protocol_id)
    except PlannerError as error:
        return error
    raise AssertionError(protocol_id)


def _file(made: jobs.Download) -> Response:
    """One output as a response: a download, or JSON shown inline."""
    disposition = "inline" if made.inline else "attachment"
    headers = {"content-disposition": f'{disposition}; filename="{made.name}"'}
    return Response(made.body, media_type=made.media_type, headers=headers)


def _post_only(format_name: str) -> Response:
    reason = (
        f"format={format_name} is made on POST only (so that another site cannot start it "
        "with a link): POST the same query, or use the page's download buttons"
    )
    return _error(405, Problem(None, "format", reason, reason), {"allow": "POST"})


def _error(status: int, found: Problem, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": found.as_json()}, status_code=status, headers=headers)
