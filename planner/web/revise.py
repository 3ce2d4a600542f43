"""A saved plan file revised at a visit, on the page (``/revise``) and by the API (``POST
/api/revise``), as ``planner revise`` does: the plan's text is a form field (``plan``),
with the visit's date (``on``), one change (``change``: hold, step_back, slower, taken or
target) and its value (``value``: days, a factor or mg/day) and the reason (``reason``).

The plan is made again and safety-checked, then revised; the answer is the new plan
file (TOML), which keeps every revision. A plan names its protocol by id only here: a
path in an uploaded plan is never read. Every problem names its field, so the page shows
it beside the field in the field's words and the API's 4xx JSON says which field.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.core.plaintext import one_line
from planner.core.units import date_from_text, format_mg, number_from_text, whole_from_text
from planner.errors import InputError, PlannerError
from planner.models.revisions import CHANGE_VALUES
from planner.plans import PlanFile, load_plan, plan_toml, revised, run_plan
from planner.web.inputs import ERROR_BODY, FORM_REFUSALS, Problem
from planner.web.jobs import Refused
from planner.web.service import Site, load_site

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from starlette.requests import Request
    from starlette.responses import Response

    from planner.domain.schedule import Schedule

Raw = dict[str, list[str]]
FORM = "application/x-www-form-urlencoded"
MAX_NAME_CHARACTERS = 120  # a file name the browser sends
# Each field's words on the page: an error names the field by these, never an option.
LABELS = {
    "plan": "Plan file",
    "on": "Visit date",
    "change": "Change",
    "value": "Amount",
    "reason": "Reason",
}
# The changes, as the page offers them, and the words for the amount each takes.
CHANGES = {
    "hold": ("Hold the dose longer", "days to hold the visit's dose"),
    "step_back": ("Step back to the previous dose", ""),
    "slower": ("Slow every later step", "times as long (more than 1, at most 4)"),
    "taken": ("The patient has been taking another dose", "mg/day taken since the visit"),
    "target": ("A new end dose", "mg/day from the visit (0: on to a stop)"),
}
# The revision's fields (the library's names) and the form field each is given in.
FIELDS = {"on": "on", "change": "change", "reason": "reason", "made": "on"}
FIELDS.update(days="value", factor="value", mg_per_day="value")
# POST /api/revise as the OpenAPI document describes it (``planner.web.openapi``).
OPERATION: dict[str, Any] = {
    "operationId": "revise",
    "summary": "A saved plan file revised at a visit: the new plan file.",
    "description": (
        "As `planner revise PLAN --on DATE ... --reason TEXT`: the form field `plan` holds "
        "the plan file's text (`curl --data-urlencode plan@taper.plan.toml -d on=2027-05-10 "
        "-d change=hold -d value=14 --data-urlencode reason=... /api/revise`), `on` the "
        "visit's date, `change` one of hold, step_back, slower, taken or target, `value` "
        "its days, factor or mg/day (none for step_back), `reason` why. The plan is made "
        "again and safety-checked, then revised; every day before `on` stays as it was. "
        "The answer: the new plan file (TOML), holding every revision in order."
    ),
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in (*LABELS, "plan_name")},
                    "required": ["plan", "on", "change", "reason"],
                }
            }
        },
    },
    "responses": {
        "200": {"description": "the new plan file", "content": {"application/toml": {}}},
        "400": {"description": "a field refused: plan, on, change, value or reason", **ERROR_BODY},
        **FORM_REFUSALS,
    },
}


@dataclass(frozen=True)
class Row:
    """One period of a schedule as the page lists it."""

    start: str
    end: str
    days: int
    dose: str
    note: str


@dataclass(frozen=True)
class Opened:
    """A plan made again: its schedule, and where it was revised before."""

    rows: tuple[Row, ...]
    revisions: tuple[str, ...]
    first: str
    last: str


@dataclass(frozen=True)
class Made:
    """The revision made: the new plan file's text and name, and both schedules."""

    old: Opened
    new: Opened | None
    text: str
    name: str


def revise_plan(folder: Path | None, raw: Raw) -> Made | Refused:
    """The job, in a worker process: the plan made again, then revised (``action`` =
    ``open`` only opens it); or every problem found."""
    site = _site(folder)
    try:
        plan, old = _opened(site, raw)
    except PlannerError as error:
        return Refused((field_problem("plan", error.reason),))
    opened = Made(_view(old), None, "", "")
    if _last(raw, "action") == "open":
        return opened
    problems, values = _read(raw)
    if problems:
        return Refused(tuple(problems))
    change = values["change"]
    if values["on"] < old.steps[0].start:
        reason = f"{values['on']} is before the plan's first day, {old.steps[0].start}"
        return Refused((field_problem("on", reason),))
    try:
        new_plan = revised(plan, **values)
    except PlannerError as error:
        return Refused((field_problem(FIELDS.get(error.field or "", "value"), error.reason),))
    try:
        checked = run_plan(new_plan, folder=Path(), library=site.library)
    except PlannerError as error:  # about the new revision: its date, or its change
        named = "on" if (error.field or "").endswith(".on") else _change_field(change)
        return Refused((field_problem(named, error.reason),))
    name = _new_name(raw, len(new_plan.revisions) + 1)
    return Made(opened.old, _view(checked.schedule), plan_toml(new_plan), name)


def routes(web: Any) -> list[Any]:
    """The page's and the API's routes, their endpoints given the app's ``web``."""
    from starlette.routing import Route

    return [
        Route("/revise", functools.partial(revise_page, web), methods=["GET", "POST"]),
        Route("/api/revise", functools.partial(revise_api, web), methods=["GET", "POST"]),
    ]


def field_problem(name: str, reason: str) -> Problem:
    """A problem of one form field: the API's words name the field, the page's its label."""
    return Problem(
        option=None,
        field=name,
        reason=reason,
        message=f"{name}: {reason}",
        words=f"{LABELS[name]}: {reason}",
        options=(name,),
    )


def revise_context(
    raw: Mapping[str, Sequence[str]], problems: Sequence[Problem], made: Made | None
) -> dict[str, Any]:
    """What the page's template shows: the fields as given, each with its error, the
    plan's schedule and the revision made."""
    errors = {name: " ".join(p.reason for p in problems if p.field == name) for name in LABELS}
    values = {name: _last(raw, name) for name in (*LABELS, "plan_name")}
    values["change"] = values["change"] if values["change"] in CHANGES else "hold"
    download = ""
    if made is not None and made.text:
        download = "data:application/toml;charset=utf-8," + urllib.parse.quote(made.text)
    return {
        "title": "Revise a plan",
        "revising": True,
        "labels": LABELS,
        "changes": CHANGES,
        "values": values,
        "errors": errors,
        "problems": problems,
        "made": made,
        "download": download,
    }


async def revise_page(web: Any, request: Request) -> Response:
    """GET: the empty form; POST: the plan opened or revised, or the form saying why not."""
    raw = _form(await request.body()) if request.method == "POST" else {}
    made, problems, status = await web.attempt(request, revise_plan, raw)
    page = revise_context(raw, problems, made)
    return web.html("revise.html", page, status or (400 if problems else 200))  # type: ignore[no-any-return]


async def revise_api(web: Any, request: Request) -> Response:
    """POST a form: the new plan file (TOML), or JSON naming the field refused."""
    from starlette.responses import JSONResponse, Response

    def error(status: int, found: Problem, headers: dict[str, str] | None = None) -> Response:
        body = {"error": found.as_json()}
        return JSONResponse(body, status_code=status, headers=headers)

    if request.method != "POST":
        reason = "POST the plan file's text and the revision as a form: plan, on, change, ..."
        return error(405, Problem(None, "method", reason, reason), {"allow": "POST"})
    body = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        reason = f"a POST body is a form ({FORM})"
        return error(415, Problem(None, "body", reason, reason))
    raw = _form(body)
    raw.pop("action", None)
    made, problems, status = await web.attempt(request, revise_plan, raw)
    if made is None:
        return error(status or 400, problems[0])
    disposition = f'attachment; filename="{made.name}"'
    return Response(
        made.text, media_type="application/toml", headers={"content-disposition": disposition}
    )


def _opened(site: Site, raw: Raw) -> tuple[PlanFile, Schedule]:
    text = _last(raw, "plan")
    if not text.strip():
        raise InputError("no plan given: paste the plan file's text, or choose the file")
    plan = load_plan(Path(_plan_name(raw)), text=text)
    if plan.protocol not in site.library.protocols:
        known = ", ".join(sorted(site.library.protocols))
        raise InputError(
            f"the plan's protocol {plan.protocol!r} is not one of this server's, named by id: "
            f"{known}"
        )
    try:
        return plan, run_plan(plan, folder=Path(), library=site.library).schedule
    except PlannerError as error:
        raise InputError(f"the plan cannot be made again: {error.reason}") from None


def _read(raw: Raw) -> tuple[list[Problem], dict[str, Any]]:
    """The revision's fields, typed: every field that cannot be read, or the values."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    change = _last(raw, "change")
    if change not in CHANGE_VALUES:
        problems.append(field_problem("change", f"choose one of: {', '.join(CHANGES)}"))
    text = _last(raw, "on").strip()
    try:
        if not text:
            raise InputError("give the visit's date (YYYY-MM-DD)")
        values["on"] = date_from_text(text)
    except PlannerError as error:
        problems.append(field_problem("on", error.reason))
    needed = CHANGE_VALUES.get(change)
    text = _last(raw, "value").strip()
    try:
        if needed and not text:
            raise InputError(f"give the {CHANGES[change][1]}")
        if not needed and text:
            raise InputError("this change takes no amount: leave it empty")
        read = whole_from_text if needed == "days" else number_from_text
        values["value"] = read(text) if needed else None
    except PlannerError as error:
        problems.append(field_problem("value", error.reason))
    reason = _last(raw, "reason").strip()
    if not reason:
        problems.append(field_problem("reason", "say why, in words: it is printed on every output"))
    values.update(change=change, reason=reason)
    return problems, values


def _change_field(change: str) -> str:
    return "value" if CHANGE_VALUES.get(change) else "change"


def _view(schedule: Schedule) -> Opened:
    rows = tuple(
        Row(
            str(step.start),
            str(step.end),
            step.days,
            format_mg(step.total_mcg) + "/day",
            step.edit.replace("_", " ") or step.note,
        )
        for step in schedule.steps
    )
    marks = tuple(f"Revised {revision.mark}" for revision in schedule.revisions)
    return Opened(rows, marks, str(schedule.steps[0].start), str(schedule.end))


def _plan_name(raw: Mapping[str, Sequence[str]]) -> str:
    name = one_line(_last(raw, "plan_name"))[:MAX_NAME_CHARACTERS]
    return name or "the plan"


def _new_name(raw: Raw, version: int) -> str:
    stem = Path(_plan_name(raw)).name.removesuffix(".toml").removesuffix(".plan")
    stem = (
        "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "-_."))[:60].rstrip(".")
        or "plan"
    )
    return f"{re.sub(r'-v[0-9]+$', '', stem)}-v{version}.plan.toml"


def _form(body: bytes) -> Raw:
    return urllib.parse.parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def _last(raw: Mapping[str, Sequence[str]], name: str) -> str:
    return (raw.get(name) or [""])[-1]


@functools.cache
def _site(folder: Path | None) -> Site:
    """The server's protocols, loaded once per worker process."""
    return load_site(folder)
