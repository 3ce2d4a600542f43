"""Two saved plan files compared, on the page (``/diff``) and by the API (``POST
/api/diff``): each plan's text is a form field (``old``, ``new``), re-made with the
server's protocols as ``planner plan`` does (safety-checked, each revision held to the
version it revises), then compared as ``planner diff`` does.

A plan names its protocol by id here (or by the file name the page's own plan file gives
a protocol of the server's folder): a path in an uploaded plan is never read.
Every problem names its field (``old`` or ``new``), so the page shows it beside the
plan it is about and the API's 4xx JSON says which plan.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.core.plaintext import one_line
from planner.domain.differences import diff_schedules
from planner.errors import InputError, PlannerError
from planner.plans import load_plan, run_plan
from planner.render.differences import diff_document, document_json
from planner.web.inputs import ERROR_BODY, FORM_REFUSALS, Problem
from planner.web.jobs import Refused
from planner.web.service import Site, load_site

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.domain.schedule import Schedule

Raw = dict[str, list[str]]
ROLES = ("old", "new")
LABELS = {"old": "Old plan file", "new": "New plan file"}
MAX_NAME_CHARACTERS = 120  # a file name the browser sends, shown beside its plan


# POST /api/diff as the OpenAPI document describes it (``planner.web.openapi``).
OPERATION: dict[str, Any] = {
    "operationId": "diff",
    "summary": "What changes from one saved plan file to another.",
    "description": (
        "As `planner diff OLD NEW`: the form fields `old` and `new` hold each plan file's "
        "text (`curl --data-urlencode old@old.plan.toml --data-urlencode "
        "new@new.plan.toml /api/diff`), `old_name` and `new_name` optionally the names to "
        "show. Both plans are made again and safety-checked; a plan names its protocol by "
        "id. The answer: the first day that differs, the end, each changed period (old "
        "and new), both plans' protocol, version and fingerprint; doses as exact text."
    ),
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string"} for name in ("old", "new", "old_name", "new_name")
                    },
                    "required": list(ROLES),
                }
            }
        },
    },
    "responses": {
        "200": {"description": "the comparison", "content": {"application/json": {}}},
        "400": {"description": "a plan refused: its field is old or new", **ERROR_BODY},
        **FORM_REFUSALS,
    },
}


@dataclass(frozen=True)
class Compared:
    """The comparison as ``planner.render.differences`` says it, and as the API's JSON."""

    document: dict[str, Any]
    body: bytes


@dataclass(frozen=True)
class PlanField:
    """One plan's field on the page: its text as given, its file name, its error."""

    role: str
    label: str
    text: str
    name: str
    error: str


def compare_plans(folder: Path | None, raw: Raw) -> Compared | Refused:
    """The job, in a worker process: both plans re-made and checked, then compared; or
    every problem of both."""
    site = _site(folder)
    schedules: dict[str, Schedule] = {}
    problems: list[Problem] = []
    for role in ROLES:
        try:
            schedules[role] = _remade(site, raw, role)
        except PlannerError as error:
            problems.append(_problem(role, str(error)))
    if problems:
        return Refused(tuple(problems))
    compared = diff_schedules(schedules["old"], schedules["new"])
    document = diff_document(compared, **{f"{role}_name": plan_name(raw, role) for role in ROLES})
    return Compared(document, document_json(document))


def diff_page(
    raw: Mapping[str, Sequence[str]], problems: Sequence[Problem], compared: Compared | None
) -> dict[str, Any]:
    """What the page's template shows: the two plans' fields, the problems, the result."""
    return {
        "title": "Compare two plans",
        "plans": plan_fields(raw, problems),
        "problems": problems,
        "compared": compared.document if compared else None,
    }


def plan_fields(raw: Mapping[str, Sequence[str]], problems: Sequence[Problem]) -> list[PlanField]:
    """The two plans' fields as the page shows them again, each with its error."""
    return [
        PlanField(
            role=role,
            label=LABELS[role],
            text=_last(raw, role),
            name=_last(raw, f"{role}_name"),
            error=" ".join(p.reason for p in problems if p.field == role),
        )
        for role in ROLES
    ]


def plan_name(raw: Mapping[str, Sequence[str]], role: str) -> str:
    """The plan's file name, as the browser sent it (one line, bounded), or its role."""
    name = one_line(_last(raw, f"{role}_name"))[:MAX_NAME_CHARACTERS]
    return name or f"the {role} plan"


def _remade(site: Site, raw: Raw, role: str) -> Schedule:
    text = _last(raw, role)
    if not text.strip():
        raise InputError("no plan given: paste the plan file's text, or choose the file")
    source = plan_name(raw, role)
    plan = load_plan(Path(source), text=text)
    try:
        protocol_id = _protocol_id(site, plan.protocol)
        site.protocol(protocol_id)  # one this server offers; never a path from a request
        served = plan.model_copy(update={"protocol": site.reference(protocol_id)})
        return run_plan(served, folder=Path(), library=site.library).schedule
    except PlannerError as error:
        raise InputError(f"{source}: {error}") from None


def _protocol_id(site: Site, reference: str) -> str:
    """The protocol a plan names: an id, or the bare file name the page's own plan file
    gives a protocol of the server's folder ("clinic-panic.toml")."""
    stem = reference.removesuffix(".toml")
    return stem if reference == f"{stem}.toml" and stem in site.user_ids else reference


def _problem(role: str, reason: str) -> Problem:
    return Problem(
        option=None,
        field=role,
        reason=reason,
        message=f"{role}: {reason}",
        words=f"{LABELS[role]}: {reason}",
        options=(role,),
    )


def _last(raw: Mapping[str, Sequence[str]], name: str) -> str:
    return (raw.get(name) or [""])[-1]


@functools.cache
def _site(folder: Path | None) -> Site:
    """The server's protocols, loaded once per worker process."""
    return load_site(folder)
