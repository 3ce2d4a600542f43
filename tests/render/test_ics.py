"""Calendar files that update an imported calendar instead of doubling it (issue:
"Materials for every patient and every system"): stable UIDs, a SEQUENCE that rises
where an edit changes an event, transparent events, a last "keep taking" event, right
offsets past 2037, and this machine's zone by default, named on the output."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import icalendar
import pytest
from cli_helpers import error_line, ok, run

from planner import check_schedule, load_protocol, taper, titrate
from planner.domain.schedule import Schedule
from planner.render.ics import render_ics

PAUSE = dt.date(2027, 3, 8)
LATER = dt.date(2027, 3, 16)


def plan(*edits: dict[str, Any]) -> Schedule:
    return taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        pace="label",
        edits=list(edits),
    )


def events(schedule: Schedule, **options: Any) -> dict[str, icalendar.Event]:
    data = render_ics(schedule, check_schedule(schedule), **{"timezone": "UTC", **options})
    found = icalendar.Calendar.from_ical(data).events
    by_uid = {str(event["UID"]): event for event in found}
    assert len(by_uid) == len(found), "two events share a UID"
    return by_uid


def day(event: icalendar.Event) -> dt.date:
    start = event.decoded("DTSTART")
    return start.date() if isinstance(start, dt.datetime) else start


def content(event: icalendar.Event) -> tuple[str, ...]:
    return tuple(str(event.get(name)) for name in ("DTSTART", "SUMMARY", "DESCRIPTION"))


def test_a_later_pause_keeps_every_earlier_uid_and_event() -> None:
    before = events(plan())
    after = events(plan({"kind": "pause", "date": PAUSE, "days": 5}))
    earlier = {uid: event for uid, event in before.items() if day(event) < PAUSE}
    assert earlier
    for uid, event in earlier.items():
        assert uid in after, f"{day(event)} lost its UID"
        assert after[uid].to_ical() == event.to_ical()
        assert after[uid]["SEQUENCE"] == 0
    assert len(after) > len(before)  # the taper is 5 days longer: nothing is doubled


def test_sequence_rises_on_every_changed_event_and_none_before_the_edit() -> None:
    one = {"kind": "pause", "date": PAUSE, "days": 5}
    plans = [plan(), plan(one), plan(one, {"kind": "pause", "date": LATER, "days": 4})]
    files = [events(schedule) for schedule in plans]
    for old, new in itertools.pairwise(files):
        for uid, event in new.items():
            if uid not in old:
                continue
            if content(event) != content(old[uid]):
                assert event.sequence > old[uid].sequence, day(event)
    assert {e["SEQUENCE"] for e in files[1].values() if day(e) < PAUSE} == {0}
    assert {e["SEQUENCE"] for e in files[2].values() if PAUSE <= day(e) < LATER} == {1}
    assert {e["SEQUENCE"] for e in files[2].values() if day(e) >= LATER} == {2}


def test_the_stop_moves_with_a_pause_instead_of_doubling() -> None:
    def stop(found: dict[str, icalendar.Event]) -> tuple[str, icalendar.Event]:
        (only,) = [(u, e) for u, e in found.items() if str(e["SUMMARY"]).startswith("Stop")]
        return only

    uid, first = stop(events(plan()))
    moved_uid, moved = stop(events(plan({"kind": "pause", "date": PAUSE, "days": 5})))
    assert moved_uid == uid
    assert day(moved) == day(first) + dt.timedelta(days=5)
    assert moved["SEQUENCE"] == 1


def test_uids_name_the_patient_and_the_plan_not_the_file() -> None:
    schedule = plan()
    plain = set(events(schedule))
    assert plain == set(events(schedule, timezone="Europe/Berlin"))  # a zone moves times only
    assert plain.isdisjoint(events(schedule, patient="Зоя Иванова"))
    later = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 2), from_mg_per_day=2, pace="label"
    )
    assert plain.isdisjoint(events(later))


def test_every_event_is_transparent() -> None:
    for schedule in (plan(), titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))):
        assert {str(event["TRANSP"]) for event in events(schedule).values()} == {"TRANSPARENT"}


def test_a_titration_ends_with_keep_taking_like_the_printed_calendar() -> None:
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    assert schedule.steps[-1].phase == "maintenance"
    last = list(events(schedule).values())[-1]
    assert last.decoded("DTSTART") == schedule.end
    assert str(last["SUMMARY"]) == "Keep taking clonazePAM 1 mg a day"
    description = str(last["DESCRIPTION"])
    assert "Keep taking this dose until your prescriber reviews it" in description
    assert "For clinician review" in description
    assert not [e for e in events(plan()).values() if "Keep taking" in str(e["SUMMARY"])]


@pytest.fixture(scope="module")
def berlin_2040() -> bytes:
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2040, 6, 25), hold_days=170)
    data = render_ics(schedule, check_schedule(schedule), timezone="Europe/Berlin")
    assert data == render_ics(schedule, check_schedule(schedule), timezone="Europe/Berlin")
    return data


@pytest.mark.parametrize(
    ("when", "offset"),
    [(dt.date(2040, 7, 2), dt.timedelta(hours=2)), (dt.date(2040, 12, 3), dt.timedelta(hours=1))],
)
def test_a_dose_in_2040_has_its_offset_in_the_files_own_time_zone(
    berlin_2040: bytes, when: dt.date, offset: dt.timedelta
) -> None:
    """The VTIMEZONE, read on its own (not the reader's zone database), gives the offset;
    icalendar's default one ends in 2038, and keeps winter time from then on."""
    calendar = icalendar.Calendar.from_ical(berlin_2040)
    (vtimezone,) = calendar.timezones
    zone = vtimezone.to_tz(lookup_tzid=False)
    (morning,) = [
        e for e in calendar.events if day(e) == when and "morning" in str(e["DESCRIPTION"])
    ]
    local = morning.decoded("DTSTART").replace(tzinfo=None)
    assert local.replace(tzinfo=zone).utcoffset() == offset


def test_without_tz_the_machines_zone_is_used_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tzlocal.get_localzone_name", lambda: "Asia/Kolkata")
    out = tmp_path / "plan.ics"
    stdout = ok("titrate", "panic-adult", "--start", "2027-01-04", "--ics", out)
    assert f"Wrote {out} (times in Asia/Kolkata)" in stdout
    text = out.read_text()
    assert "X-WR-TIMEZONE:Asia/Kolkata" in text
    assert "DTSTART;TZID=Asia/Kolkata:20270104T080000" in text
    assert "times in Asia/Kolkata" in text.replace("\r\n ", "")  # the calendar's name
    again = tmp_path / "again.ics"
    ok("titrate", "panic-adult", "--start", "2027-01-04", "--ics", again)
    assert again.read_bytes() == out.read_bytes()


def test_a_machine_whose_zone_settings_disagree_gets_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def conflicting() -> str:
        raise ZoneInfoNotFoundError("Multiple conflicting time zone configurations found:\n...")

    monkeypatch.setattr("tzlocal.get_localzone_name", conflicting)
    out = tmp_path / "plan.ics"
    message = error_line(run("titrate", "panic-adult", "--start", "2027-01-04", "--ics", out))
    assert "time zone settings disagree" in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (("--dose-time", "bedtime=07:00"), "bedtime at 07:00 is not after morning at 08:00"),
        (
            ("--dose-time", "morning=07:30", "--dose-time", "morning=08:30"),
            "morning is given twice",
        ),
    ],
)
def test_moved_dose_times_keep_their_order_and_are_given_once(
    tmp_path: Path, settings: tuple[str, ...], words: str
) -> None:
    """Found by review: these were taken silently (the last one winning)."""
    out = tmp_path / "t.ics"
    command = ("taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--ics", out)
    assert words in error_line(run(*command, *settings))
    assert not out.exists()
