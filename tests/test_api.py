"""The one front door: ``plan(protocol, request)`` with a typed request."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

import planner
from planner import TaperRequest, TitrationRequest, load_protocol, plan, taper, titrate
from planner.errors import UnsafeScheduleError
from planner.models import Pause


def test_a_typed_taper_request_gives_what_the_helper_gives() -> None:
    request = TaperRequest(
        start=dt.date(2027, 3, 1),
        from_mg_per_day=Decimal(2),
        pace="hyperbolic",
        product="rivotril-drops",
        edits=(Pause(kind="pause", date=dt.date(2027, 5, 3), days=14),),
    )
    by_request = plan(load_protocol("panic-adult"), request)
    by_helper = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day="2",
        pace="hyperbolic",
        product="rivotril-drops",
        edits=[{"kind": "pause", "date": dt.date(2027, 5, 3), "days": 14}],
    )
    assert by_request.steps == by_helper.steps
    assert by_request.warnings == by_helper.warnings


def test_a_typed_titration_request_gives_what_the_helper_gives() -> None:
    request = TitrationRequest(start=dt.date(2027, 1, 4), target_mg_per_day=Decimal(2))
    assert (
        plan(load_protocol("panic-adult"), request).steps
        == titrate(
            load_protocol("panic-adult"), start=dt.date(2027, 1, 4), target_mg_per_day=2
        ).steps
    )


def test_the_front_door_never_returns_an_unsafe_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the engine builds goes through the independent safety check: an engine
    that misreads the protocol's maximum (20 mg/day for panic-adult's 4) plans a target of
    6 mg/day, and the check, reading the protocol file itself, refuses it."""
    from dataclasses import replace

    from planner import api
    from planner.domain.protocols import Library
    from planner.domain.schedule import Schedule
    from planner.models import DailyAmount, Protocol

    real = api.build_titration  # type: ignore[attr-defined]  # patched where api finds it

    def reckless(protocol: Protocol, request: TitrationRequest, *, library: Library) -> Schedule:
        titration = protocol.titration.model_copy(
            update={"maximum": DailyAmount(mg_per_day=Decimal(20))}
        )
        misread = protocol.model_copy(update={"titration": titration})
        return replace(real(misread, request, library=library), protocol=protocol)

    monkeypatch.setattr(api, "build_titration", reckless)
    request = TitrationRequest(start=dt.date(2027, 1, 4), target_mg_per_day=Decimal(6))
    with pytest.raises(UnsafeScheduleError, match="within_bounds"):
        plan(load_protocol("panic-adult"), request)


def test_every_public_name_resolves() -> None:
    for name in planner.__all__:
        assert getattr(planner, name) is not None, name


def test_every_public_name_shows_in_dir_and_nothing_private() -> None:
    public = [name for name in dir(planner) if not name.startswith("_")]
    assert public == sorted(name for name in planner.__all__ if not name.startswith("_"))
    for name in ("plan", "plan_checked", "course", "switch", "CourseRequest", "SwitchRequest"):
        assert name in public


def test_a_schedule_shows_as_a_table_in_a_notebook() -> None:
    from planner.api import switch

    schedule = switch(
        load_protocol("panic-adult"), start=dt.date(2027, 1, 4), from_drug="alprazolam",
        from_mg_per_day="2",
    )  # fmt: skip
    shown = schedule._repr_html_()
    assert shown.count("<tr>") == 1 + len(schedule.steps)  # the header, then a row a step
    # Both drugs at their own times: the alprazolam afternoon dose has a column of its own.
    assert "<th>Afternoon</th>" in shown
    assert "<td>ALPRAZolam 0.75 mg (1 x 0.5 mg tablet + 1 x 0.25 mg tablet)</td>" in shown
    assert "<td>clonazePAM 0.5 mg, ALPRAZolam 1.5 mg</td>" in shown
    assert "For clinician review and education" in shown
    tampered = dataclasses.replace(
        schedule, protocol=schedule.protocol.model_copy(update={"title": "<script>x</script>"})
    )
    assert "<script>" not in tampered._repr_html_()
