"""An iCalendar (RFC 5545) file with one event per dose, each with a reminder.

Times are local times in a real IANA time zone (``TZID`` with its ``VTIMEZONE``), never
UTC times mixed with a ``TZID``. ``DTSTAMP`` is UTC as the RFC requires, and is derived
from the schedule so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

from planner import __version__
from planner.errors import InputError
from planner.instructions import calendar_units
from planner.plaintext import one_line
from planner.provenance import fingerprint
from planner.units import format_mg
from planner.wording import DISCLAIMER

if TYPE_CHECKING:
    from planner.safety import SafetyReport
    from planner.schedule import Schedule

DOSE_MINUTES = 15
REMINDER_BEFORE = dt.timedelta(minutes=0)


def local_timezone_name() -> str:
    """The machine's IANA time zone: $TZ, else /etc/localtime's target, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        return name
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def resolve_timezone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for ``name`` (default: the machine's), or a clear error."""
    name = name or local_timezone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


def render_ics(
    schedule: Schedule,
    report: SafetyReport,
    *,
    timezone: str | None = None,
    clocks: dict[str, dt.time] | None = None,
) -> bytes:
    """One event per dose at its time of day (``clocks`` overrides the protocol's)."""
    del report
    zone = resolve_timezone(timezone)
    clocks = clocks or {}
    unknown = sorted(set(clocks) - {t.name for t in schedule.protocol.dose_times})
    if unknown:
        known = ", ".join(t.name for t in schedule.protocol.dose_times)
        raise InputError(f"unknown time of day {unknown[0]!r}; this protocol has {known}")
    drug = schedule.protocol.drug.tall_man
    cited = getattr(schedule.request, "source", None)
    source = f"Steps from: {cited}" if cited else ""
    stamp = dt.datetime.combine(schedule.start, dt.time(0), tzinfo=dt.UTC)
    tag = fingerprint(schedule)

    calendar = Calendar()
    calendar.add("prodid", f"-//dose-planner {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", one_line(f"{drug} {schedule.kind} ({schedule.protocol.id})"))
    for date, day, step in schedule.daily():
        if step.total_mcg == 0:
            calendar.add_component(_stop_event(schedule, date, day, stamp, tag))
            continue
        for dose in step.doses:
            if not dose.mcg:
                continue
            start = dt.datetime.combine(
                date, clocks.get(dose.time.name, dose.time.clock), tzinfo=zone
            )
            units = calendar_units(dose, step)
            if len(schedule.products) > 1:  # after a switch, every event names its product
                units = f"{units}, {step.product.label}"
            amount = f" ({format_mg(dose.mcg)})" if format_mg(dose.mcg) not in units else ""
            event = Event()
            event.add("uid", f"{tag}-day{day}-{dose.time.name}@dose-planner")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("duration", dt.timedelta(minutes=DOSE_MINUTES))
            event.add("summary", one_line(f"{drug} {format_mg(dose.mcg)}: {units}"))
            event.add(
                "description",
                one_line(
                    f"Day {day}, {dose.time.label}: {units}{amount}. "
                    f"Daily total {format_mg(step.total_mcg)}. {step.note} {DISCLAIMER} "
                    f"{schedule.off_label} {source}"
                )
                .replace("  ", " ")
                .strip(),
            )
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", one_line(f"Take {drug} {format_mg(dose.mcg)}: {units}"))
            alarm.add("trigger", -REMINDER_BEFORE)
            event.add_component(alarm)
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _stop_event(schedule: Schedule, date: dt.date, day: int, stamp: dt.datetime, tag: str) -> Event:
    drug = schedule.protocol.drug.tall_man
    event = Event()
    event.add("uid", f"{tag}-day{day}-stop@dose-planner")
    event.add("dtstamp", stamp)
    event.add("dtstart", date)
    event.add("summary", one_line(f"Stop {drug}: no more doses"))
    event.add(
        "description",
        f"The taper ends today: no more doses. Do not restart without advice. {DISCLAIMER}",
    )
    return event
