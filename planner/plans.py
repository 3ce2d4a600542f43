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

A taper's plan is revised at a visit (``planner revise``): each revision is kept, in
order, with its date, change, reason and when it was made, and the plan is re-made from
the first with every revision as an edit from its date. A revision changes nothing
before its date: each version is checked against the one it revises.

    [[revisions]]
    on = 2027-04-15
    change = "hold"                     # hold, step_back, slower, taken or target
    days = 14                           # hold: days; slower: factor; taken, target: mg_per_day
    reason = "anxious and sleeping badly since the last cut"
    made = 2027-04-15T10:30:00Z
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from planner.api import Checked, load_protocol, plan_checked
from planner.core.files import parse_toml, read_toml
from planner.core.i18n import language
from planner.core.limits import MAX_EDITS
from planner.core.wording import DISCLAIMER
from planner.domain.protocols import Library, load_library, validate_data
from planner.domain.schedule import Revised, Schedule
from planner.errors import (
    FieldValueError,
    InputError,
    PlannerError,
    ProtocolError,
    UnsafeScheduleError,
)
from planner.models import (
    CourseRequest,
    Frozen,
    Protocol,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)
from planner.models.revisions import CHANGE_VALUES, Revision


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
    revisions: tuple[Revision, ...] = Field((), max_length=MAX_EDITS)

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

    @model_validator(mode="after")
    def _revisions_of_a_taper_in_order(self) -> Self:
        if self.revisions and self.taper is None:
            raise FieldValueError("only a taper's plan is revised", field="revisions")
        for index, (earlier, later) in enumerate(itertools.pairwise(self.revisions), 1):
            if later.on <= earlier.on:
                raise FieldValueError(
                    f"{later.on} is not after the revision before it, on {earlier.on}: "
                    "the days up to a revision are kept as they were lived",
                    field=f"revisions[{index}].on",
                )
        return self

    @property
    def request(self) -> TitrationRequest | TaperRequest | CourseRequest | SwitchRequest:
        """The request as revised: the plan's, with each revision an edit from its date."""
        return self.version(len(self.revisions))

    def version(
        self, revisions: int
    ) -> TitrationRequest | TaperRequest | CourseRequest | SwitchRequest:
        """The request with the first ``revisions`` revisions (0: as first planned)."""
        request = self.titration or self.taper or self.course or self.switch
        assert request is not None  # the model holds exactly one
        if not revisions or not isinstance(request, TaperRequest):
            return request
        edits = [edit.model_dump() for edit in request.edits]
        edits += [revision.edit() for revision in self.revisions[:revisions]]
        return TaperRequest.model_validate({**request.model_dump(), "edits": edits})

    def marks(self) -> tuple[Revised, ...]:
        """Each revision, as '2027-04-15, version 2: held 14 days: <reason>'."""
        return tuple(
            Revised(
                revision.on,
                f"{revision.on}, version {number}: {revision.words()}: {revision.reason}",
            )
            for number, revision in enumerate(self.revisions, 2)
        )


def load_plan(path: Path, *, text: str | None = None) -> PlanFile:
    """A plan file, or its ``text`` as a page was given it; a protocol is named as such."""
    data = read_toml(path) if text is None else parse_toml(text.encode("utf-8"), path)
    if (kind := data.get("kind")) != "plan":
        raise ProtocolError(
            f"not a plan file: its kind is {kind!r}, a plan's is 'plan'",
            field="kind",
            source=str(path),
        )
    return validate_data(data, PlanFile, source=str(path))


def protocol_for(reference: str, *, folder: Path, library: Library) -> Protocol:
    """The protocol a plan (or a batch row) names: a bundled id, or a .toml path that a
    relative path reads from ``folder``, the plan's or the batch file's."""
    is_path = reference.endswith(".toml")
    if is_path and reference not in library.protocols and not Path(reference).is_absolute():
        reference = str(folder / reference)
    return load_protocol(reference, library=library)


def revised(
    plan: PlanFile,
    *,
    on: dt.date,
    change: str,
    value: object,
    reason: str,
    made: dt.datetime | None = None,
) -> PlanFile:
    """``plan`` with one more revision: ``change`` (hold, step_back, slower, taken or
    target) from ``on``, its ``value`` (days, factor or mg/day) and ``reason``, made now."""
    field = CHANGE_VALUES.get(change)
    revision = validate_data(
        {
            "on": on,
            "change": change,
            **({field: value} if field else {}),
            "reason": reason,
            "made": made or dt.datetime.now(dt.UTC).replace(microsecond=0),
        },
        Revision,
        source="",
        error_type=InputError,
    )
    if plan.revisions and on <= plan.revisions[-1].on:
        raise InputError(
            f"{on} is not after the last revision, on {plan.revisions[-1].on}: the days up "
            "to a revision are kept as they were lived",
            field="on",
        )
    return validate_data(
        {**plan.model_dump(exclude_none=True), "revisions": (*plan.revisions, revision)},
        PlanFile,
        source="",
        error_type=InputError,
    )


def moved(plan: PlanFile, *, read_from: Path, saved_to: Path) -> PlanFile:
    """``plan`` read from the folder ``read_from``, to be saved in ``saved_to``: a
    protocol's relative path made relative to its new folder."""
    library = load_library()
    reference = plan.protocol
    if reference in library.protocols or Path(reference).is_absolute():
        return plan
    path = os.path.relpath((read_from / reference).resolve(), saved_to.resolve())
    return plan.model_copy(update={"protocol": path})


def run_plan(plan: PlanFile, *, folder: Path, library: Library | None = None) -> Checked:
    """The checked schedule a plan describes, with its report; ``folder`` anchors a
    relative protocol path. A revised plan is re-made version by version, each checked,
    and each held to the one it revises on every day before its revision's date."""
    library = library or load_library()
    protocol = protocol_for(plan.protocol, folder=folder, library=library)
    checked = plan_checked(protocol, plan.version(0), library=library)
    earlier: list[Schedule] = []
    for number, revision in enumerate(plan.revisions, 1):
        where = f"revisions[{number - 1}]"
        if revision.on > checked.schedule.end:
            raise InputError(
                f"{revision.on} is after the plan's last day, {checked.schedule.end}",
                field=f"{where}.on",
            )
        try:
            revised = plan_checked(protocol, plan.version(number), library=library)
        except UnsafeScheduleError as error:
            raise InputError(f"the revised plan is refused: {error.reason}", field=where) from None
        except PlannerError as error:
            raise type(error)(error.reason, field=where) from None
        changed = first_change(checked.schedule, revised.schedule)
        if changed is not None and changed < revision.on:
            raise InputError(
                f"changes {changed}, before its date: the days already lived stay as they were",
                field=where,
            )
        earlier.append(checked.schedule)
        checked = revised
    if not plan.revisions:
        return checked
    schedule = dataclasses.replace(
        checked.schedule,
        revisions=plan.marks(),
        earlier_versions=tuple(earlier),
    )
    return Checked(schedule, checked.report)


def first_change(old: Schedule, new: Schedule) -> dt.date | None:
    """The first date ``new`` gives a patient other doses than ``old`` (each dose of the
    day, its units and product), or a day more or less; None where they are the same."""
    before, after = _days(old), _days(new)
    for date in sorted(before.keys() | after.keys()):
        if before.get(date) != after.get(date):
            return date
    return None


def _days(schedule: Schedule) -> dict[dt.date, tuple[object, ...]]:
    return {
        date: (step.total_mcg, step.doses, step.product.id, step.other_doses)
        for date, _, step in schedule.daily()
    }


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
    """The plan as TOML: top-level keys, then one table: the request; then each
    revision, in order."""
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
    for revision in body.get("revisions", ()):
        lines += [
            "",
            "[[revisions]]",
            *(f"{key} = {_value(value)}" for key, value in revision.items()),
        ]
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
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} to a plan file")
