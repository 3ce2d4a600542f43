"""Plan files: a protocol, the patient's inputs, the pace, product and clinician edits.

A plan file is TOML, like a protocol file, and holds exactly one request:

    kind = "plan"
    protocol = "panic-adult"            # a bundled id, or a path relative to this file
    lang = "es"                         # optional: the patient's language (outputs only)
    [taper]
    start = 2027-03-01
    from_mg_per_day = 2
    pace = "hyperbolic"
    product = "rivotril-drops"
    patient = { age_years = 45 }
    edits = [{ kind = "pause", date = 2027-05-03, days = 14 }]

Re-running a plan gives the identical schedule, so its outputs are the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import field_validator, model_validator

from planner.api import Checked, load_protocol, plan_checked
from planner.core.i18n import language
from planner.core.wording import DISCLAIMER
from planner.domain.protocols import Library, load_library, parse_file
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import (
    CourseRequest,
    Frozen,
    Protocol,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)


class PlanFile(Frozen):
    """One saved plan: the protocol and either a titration or a taper request."""

    kind: Literal["plan"]
    protocol: str
    titration: TitrationRequest | None = None
    taper: TaperRequest | None = None
    course: CourseRequest | None = None
    switch: SwitchRequest | None = None
    # The patient's language: not part of the request (it changes no dose), but a plan is
    # re-run for the same patient, whose calendar should come out in the same language.
    lang: str | None = None

    @field_validator("lang")
    @classmethod
    def _known_language(cls, code: str | None) -> str | None:
        try:
            return None if code is None else language(code).code
        except InputError as error:  # as a field of the file: FILE::lang: ...
            raise ValueError(error.reason) from None

    @model_validator(mode="after")
    def _one_request(self) -> Self:
        given = [r for r in (self.titration, self.taper, self.course, self.switch) if r]
        if len(given) != 1:
            raise ValueError("give exactly one of [titration], [taper], [course] or [switch]")
        return self

    @property
    def request(self) -> TitrationRequest | TaperRequest | CourseRequest | SwitchRequest:
        request = self.titration or self.taper or self.course or self.switch
        assert request is not None  # the model holds exactly one
        return request


def load_plan(path: Path) -> PlanFile:
    return parse_file(path, PlanFile)


def protocol_for(reference: str, *, folder: Path, library: Library) -> Protocol:
    """The protocol a plan (or a batch row) names: a bundled id, or a .toml path that a
    relative path reads from ``folder``, the plan's or the batch file's."""
    is_path = reference.endswith(".toml")
    if is_path and reference not in library.protocols and not Path(reference).is_absolute():
        reference = str(folder / reference)
    return load_protocol(reference, library=library)


def run_plan(plan: PlanFile, *, folder: Path, library: Library | None = None) -> Checked:
    """The checked schedule a plan describes, with its report; ``folder`` anchors a
    relative protocol path."""
    library = library or load_library()
    protocol = protocol_for(plan.protocol, folder=folder, library=library)
    return plan_checked(protocol, plan.request, library=library)


def plan_for(
    schedule: Schedule, *, protocol: str, saved_to: Path, lang: str | None = None
) -> PlanFile:
    """The plan that re-makes ``schedule``; a protocol path is kept relative to the plan."""
    return _plan_for(schedule, protocol=protocol, saved_to=saved_to).model_copy(
        update={"lang": lang}
    )


def _plan_for(schedule: Schedule, *, protocol: str, saved_to: Path) -> PlanFile:
    library = load_library()
    if protocol not in library.protocols:
        protocol = os.path.relpath(Path(protocol).resolve(), saved_to.resolve().parent)
    # Spell out the product and pace used, so a reviewer sees them and a later change of
    # the protocol's defaults cannot change what the plan re-makes.
    request = schedule.request.model_copy(update={"product": schedule.product.id})
    if isinstance(request, TaperRequest):
        if not request.custom_steps and schedule.pace is not None:
            request = request.model_copy(update={"pace": schedule.pace.id})
        return PlanFile(kind="plan", protocol=protocol, taper=request)
    if isinstance(request, CourseRequest):
        assert schedule.pace is not None  # a course tapers at a pace
        request = request.model_copy(update={"pace": schedule.pace.id})
        return PlanFile(kind="plan", protocol=protocol, course=request)
    if isinstance(request, SwitchRequest):
        assert schedule.switch is not None
        update = {"equivalence": schedule.switch.source, "from_product": schedule.switch.product.id}
        return PlanFile(kind="plan", protocol=protocol, switch=request.model_copy(update=update))
    return PlanFile(kind="plan", protocol=protocol, titration=request)


def plan_toml(plan: PlanFile) -> str:
    """The plan as TOML: top-level keys, then one table: the request."""
    body = plan.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    section = next(
        name for name in ("titration", "taper", "course", "switch") if getattr(plan, name)
    )
    request = body.pop(section)
    lines = [
        "# dose-planner plan file: re-run with  planner plan THIS_FILE",
        f"# {DISCLAIMER}",
        f"kind = {_value('plan')}",
        f"protocol = {_value(plan.protocol)}",
        *([f"lang = {_value(plan.lang)}"] if plan.lang else []),
        "",
        f"[{section}]",
    ]
    lines += [f"{key} = {_value(value)}" for key, value in request.items()]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    """One TOML value; numbers stay exact decimals, dates stay dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} to a plan file")
