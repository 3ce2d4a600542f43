"""The library's front door: ``plan(protocol, request)`` gives the checked schedule a
typed request asks for; a schedule that fails a safety check is never returned.

``titrate`` and ``taper`` are keyword helpers that validate plain values into a request
and call ``plan``. Each error a user can cause is a ``PlannerError`` with a one-line
message and, where it concerns one input, its ``field``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from planner.engine import build_titration
from planner.errors import InputError
from planner.models import Protocol, TaperRequest, TitrationRequest
from planner.protocols import Library, load_library, validate_data
from planner.safety import ensure_safe
from planner.schedule import Schedule
from planner.tapering import build_taper

Amount = Decimal | int | str
R = TypeVar("R", TitrationRequest, TaperRequest)


def load_protocol(id_or_path: str | Path, *, library: Library | None = None) -> Protocol:
    """A bundled protocol by id (``"panic-adult"``) or a protocol file by path."""
    return (library or load_library()).protocol(id_or_path)


def plan(
    protocol: Protocol,
    request: TitrationRequest | TaperRequest,
    *,
    library: Library | None = None,
) -> Schedule:
    """The one front door: the checked schedule a typed request asks for.

    The command line, plan files, the batch and the Python helpers below all build a
    request and come here; a schedule that fails a safety check is never returned.
    """
    library = library or load_library()
    if isinstance(request, TitrationRequest):
        schedule = build_titration(protocol, request, library=library)
    else:
        schedule = build_taper(protocol, request, library=library)
    ensure_safe(schedule)
    return schedule


def titrate(
    protocol: Protocol,
    *,
    start: dt.date,
    weight_kg: Amount | None = None,
    age_years: int | None = None,
    product: str | None = None,
    target_mg_per_day: Amount | None = None,
    step_mg_per_day: Amount | None = None,
    interval_days: int | None = None,
    hold_days: int | None = None,
    off_label_reason: str | None = None,
    library: Library | None = None,
) -> Schedule:
    """A checked titration schedule: start low, raise every interval, hold at the target.

    Doses are given as ``Decimal``, ``int`` or text (``"0.5"``), never as float.
    """
    request = _validated(
        TitrationRequest,
        start=start,
        patient=_patient(weight_kg, age_years),
        product=product,
        target_mg_per_day=target_mg_per_day,
        step_mg_per_day=step_mg_per_day,
        interval_days=interval_days,
        hold_days=hold_days,
        off_label_reason=off_label_reason,
    )
    return plan(protocol, request, library=library)


def taper(
    protocol: Protocol,
    *,
    start: dt.date,
    from_mg_per_day: Amount,
    pace: str | None = None,
    weight_kg: Amount | None = None,
    age_years: int | None = None,
    product: str | None = None,
    switch_product: Mapping[str, Any] | None = None,
    custom_steps: Sequence[Mapping[str, Any]] = (),
    edits: Sequence[Mapping[str, Any]] = (),
    ec50_mg_per_day: Amount | None = None,
    slow_down_factor: Amount | None = None,
    off_label_reason: str | None = None,
    library: Library | None = None,
) -> Schedule:
    """A checked taper schedule from the current daily dose to zero at a named pace.

    ``edits`` are a clinician's pauses and step backs, as in a plan file:
    ``{"kind": "pause", "date": date(2027, 5, 3), "days": 14}`` or
    ``{"kind": "step_back", "date": date(2027, 6, 1)}``. ``switch_product`` changes
    product at or below a dose: ``{"at_or_below_mg_per_day": "0.5", "product": "..."}``;
    ``custom_steps`` replace the pace: ``[{"mg_per_day": "1.5", "days": 14}, ...]``.
    """
    options: dict[str, Any] = {
        "switch_product": switch_product,
        "ec50_mg_per_day": ec50_mg_per_day,
        "slow_down_factor": slow_down_factor,
        "off_label_reason": off_label_reason,
    }
    request = _validated(
        TaperRequest,
        start=start,
        from_mg_per_day=from_mg_per_day,
        patient=_patient(weight_kg, age_years),
        product=product,
        pace=pace,
        custom_steps=list(custom_steps),
        edits=list(edits),
        **{key: value for key, value in options.items() if value is not None},
    )
    return plan(protocol, request, library=library)


def _patient(weight_kg: Amount | None, age_years: int | None) -> dict[str, Any]:
    return {"weight_kg": weight_kg, "age_years": age_years}


def _validated(model: type[R], **fields: Any) -> R:
    return validate_data(fields, model, source="", error_type=InputError)
