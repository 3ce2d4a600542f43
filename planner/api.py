"""The library's front door: ``plan(protocol, request)`` gives the checked schedule a
typed request asks for; a schedule that fails a safety check is never returned.

``titrate`` and ``taper`` are keyword helpers that validate plain values into a request
and call ``plan``. Each error a user can cause is a ``PlannerError`` with a one-line
message and, where it concerns one input, its ``field``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, Required, TypedDict, TypeVar, Unpack

from planner.domain.protocols import Library, load_library, validate_data
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import (
    CourseRequest,
    CustomStep,
    Pause,
    ProductSwitch,
    Protocol,
    StepBack,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)
from planner.planning.course_of_care import build_course
from planner.planning.dose_limits import pediatric_warnings
from planner.planning.engine import build_titration
from planner.planning.reviews import with_reviews
from planner.planning.switching import build_switch
from planner.planning.tapering import build_taper
from planner.safety import SafetyReport, ensure_safe

Amount = Decimal | int | str
R = TypeVar("R", TitrationRequest, TaperRequest, CourseRequest, SwitchRequest)


def load_protocol(id_or_path: str | Path, *, library: Library | None = None) -> Protocol:
    """A bundled protocol by id (``"panic-adult"``) or a protocol file by path."""
    return (library or load_library()).protocol(id_or_path)


class Checked(NamedTuple):
    """A schedule and the safety report it passed (outputs print the report)."""

    schedule: Schedule
    report: SafetyReport


def plan(
    protocol: Protocol,
    request: TitrationRequest | TaperRequest | CourseRequest | SwitchRequest,
    *,
    library: Library | None = None,
) -> Schedule:
    """The one front door: the checked schedule a typed request asks for.

    The command line, plan files, the batch and the Python helpers below all build a
    request and come here; a schedule that fails a safety check is never returned.
    """
    return plan_checked(protocol, request, library=library).schedule


def plan_checked(
    protocol: Protocol,
    request: TitrationRequest | TaperRequest | CourseRequest | SwitchRequest,
    *,
    library: Library | None = None,
) -> Checked:
    """``plan``, with the safety report the schedule passed (checked once, not again)."""
    library = library or load_library()
    return finish_schedule(build_schedule(protocol, request, library=library), library=library)


def build_schedule(
    protocol: Protocol,
    request: TitrationRequest | TaperRequest | CourseRequest | SwitchRequest,
    *,
    library: Library,
) -> Schedule:
    """The steps a request asks for, before its reviews and checks: the part of planning
    that a later start date only moves in time (a batch plans it once for the patients
    who share it; ``planner.batch.sharing`` says when that holds)."""
    if isinstance(request, TitrationRequest):
        return build_titration(protocol, request, library=library)
    if isinstance(request, CourseRequest):
        return build_course(protocol, request, library=library)
    if isinstance(request, SwitchRequest):
        return build_switch(protocol, request, library=library)
    return build_taper(protocol, request, library=library)


def finish_schedule(schedule: Schedule, *, library: Library) -> Checked:
    """A built schedule with its reviews (due by the calendar, from its own start date),
    the warnings its patient's age and weight call for, and the safety report it passed:
    every patient's own, never shared."""
    schedule = with_reviews(schedule, library.guideline)
    unchecked = pediatric_warnings(schedule, library.guideline)
    if unchecked:
        schedule = replace(schedule, warnings=(*schedule.warnings, *unchecked))
    return Checked(schedule, ensure_safe(schedule))


class _RiseFields(TypedDict, total=False):
    """What a titration and a whole course take, as plain values: doses as ``Decimal``,
    ``int`` or text (``"0.5"``), never as float."""

    start: Required[dt.date]
    from_mg_per_day: Amount | None
    weight_kg: Amount | None
    age_years: int | None
    product: str | None
    strengths_mg: Sequence[Amount]
    target_mg_per_day: Amount | None
    step_mg_per_day: Amount | None
    interval_days: int | None
    older_adult: bool
    off_label_reason: str | None


class TitrationFields(_RiseFields, total=False):
    """A titration's inputs as plain values."""

    hold_days: int | None


class TaperFields(TypedDict, total=False):
    """A taper's inputs as plain values.

    ``edits`` are a clinician's pauses and step backs: ``Pause(date=..., days=14)``,
    ``StepBack(date=...)``, or as in a plan file
    ``{"kind": "pause", "date": date(2027, 5, 3), "days": 14}``. ``switch_product``
    changes product at or below a dose: ``{"at_or_below_mg_per_day": "0.5", "product":
    "..."}``; ``custom_steps`` replace the pace: ``[{"mg_per_day": "1.5", "days": 14}]``.
    """

    start: Required[dt.date]
    from_mg_per_day: Required[Amount]
    to_mg_per_day: Amount | None
    hold_days: int | None
    pace: str | None
    weight_kg: Amount | None
    age_years: int | None
    product: str | None
    strengths_mg: Sequence[Amount]
    switch_product: ProductSwitch | Mapping[str, Any] | None
    custom_steps: Sequence[CustomStep | Mapping[str, Any]]
    edits: Sequence[Pause | StepBack | Mapping[str, Any]]
    ec50_mg_per_day: Amount | None
    slow_down_factor: Amount | None
    off_label_reason: str | None
    source: str | None
    faster_reason: str | None


class CourseFields(_RiseFields, total=False):
    """A whole course's inputs as plain values (see ``CourseRequest``)."""

    maintain_days: Required[int]
    pace: str | None
    ec50_mg_per_day: Amount | None
    to_mg_per_day: Amount | None
    taper_hold_days: int | None


class SwitchFields(TypedDict, total=False):
    """A switch's inputs as plain values (see ``SwitchRequest``)."""

    start: Required[dt.date]
    from_drug: Required[str]
    from_mg_per_day: Required[Amount]
    # As the patient takes it, in the day's order: {"morning": "0.5", ...} or pairs.
    from_doses: Mapping[str, Amount] | Sequence[tuple[str, Amount]]
    from_product: str | None
    weight_kg: Amount | None
    age_years: int | None
    product: str | None
    strengths_mg: Sequence[Amount]
    equivalence: str | None
    step_days: int | None
    then_pace: str | None
    off_label_reason: str | None


def titrate(
    protocol: Protocol, *, library: Library | None = None, **fields: Unpack[TitrationFields]
) -> Schedule:
    """A checked titration schedule: start low, raise every interval, hold at the target."""
    return plan(protocol, titration_request(**fields), library=library)


def taper(
    protocol: Protocol, *, library: Library | None = None, **fields: Unpack[TaperFields]
) -> Schedule:
    """A checked taper schedule from the current daily dose to zero at a named pace."""
    return plan(protocol, taper_request(**fields), library=library)


def course(
    protocol: Protocol, *, library: Library | None = None, **fields: Unpack[CourseFields]
) -> Schedule:
    """A checked course: titration, maintenance and taper as one schedule."""
    return plan(protocol, course_request(**fields), library=library)


def course_request(**fields: Unpack[CourseFields]) -> CourseRequest:
    """A course request from plain values, validated (errors name their field); options
    left as None take the request's defaults."""
    values = {key: value for key, value in _with_patient(dict(fields)).items() if value is not None}
    return _validated(CourseRequest, **values)


def switch(
    protocol: Protocol, *, library: Library | None = None, **fields: Unpack[SwitchFields]
) -> Schedule:
    """A checked switch to clonazePAM in stages, each replacing part of one dose of the
    day (then the dose held, or a taper)."""
    return plan(protocol, switch_request(**fields), library=library)


def switch_request(**fields: Unpack[SwitchFields]) -> SwitchRequest:
    """A switch request from plain values, validated (errors name their field); the old
    drug's doses as a mapping of time of day to mg, in the day's order."""
    values = {key: value for key, value in _with_patient(dict(fields)).items() if value is not None}
    doses = values.pop("from_doses", ())
    pairs = doses.items() if isinstance(doses, Mapping) else doses
    return _validated(
        SwitchRequest, **values, from_doses=[{"time": time, "mg": mg} for time, mg in pairs]
    )


def titration_request(**fields: Unpack[TitrationFields]) -> TitrationRequest:
    """A titration request from plain values, validated (errors name their field)."""
    return _validated(TitrationRequest, **_with_patient(dict(fields)))


def taper_request(**fields: Unpack[TaperFields]) -> TaperRequest:
    """A taper request from plain values, validated (errors name their field); options
    left as None take the request's defaults."""
    values = {key: value for key, value in _with_patient(dict(fields)).items() if value is not None}
    for many in ("custom_steps", "edits"):
        values[many] = list(values.get(many, ()))
    return _validated(TaperRequest, **values)


def _with_patient(fields: dict[str, Any]) -> dict[str, Any]:
    """The patient's own fields gathered under ``patient``, as a request has them."""
    patient = {
        "weight_kg": fields.pop("weight_kg", None),
        "age_years": fields.pop("age_years", None),
    }
    return {**fields, "patient": patient}


def _validated(model: type[R], **fields: Any) -> R:
    return validate_data(fields, model, source="", error_type=InputError)
