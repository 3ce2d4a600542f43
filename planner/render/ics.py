"""An iCalendar (RFC 5545) file with one event per dose, each with a reminder.

Times are local times in a real IANA time zone (``TZID`` with its ``VTIMEZONE``), never
UTC times mixed with a ``TZID``: the zone asked for, else this machine's (found by
tzlocal), named in the calendar's name and ``X-WR-TIMEZONE``. The ``VTIMEZONE`` is made
from the zone's rules for the schedule's own years: icalendar's default table ends in
2038, after which a calendar app keeps the last offset and a summer dose moves an hour.

A re-planned file updates the calendar the earlier one was imported into, rather than
doubling it:

- ``UID`` is a hash of what names a dose whatever the plan's shape: patient, kind of
  schedule, protocol, start date, time of day and date. It never comes from the inputs'
  fingerprint or the clinician's edits, so a pause keeps every earlier dose's UID. The
  last day's event (stop, or keep taking) has one UID whatever its date: a pause moves
  it rather than adding a second.
- ``SEQUENCE`` is the number of the clinician's edits (pauses, step backs) dated on or
  before the event's day. An edit changes nothing before its date, so earlier events keep
  their number and bytes, and each event an added edit may change counts it: a higher
  number than in the file without it, with no memory of earlier files and the same bytes
  for the same inputs. (A later event whose text happens not to change is counted too;
  its update changes nothing.) New times of day or another zone keep the UIDs but not a
  higher number, and removing an edit lowers it: some apps then keep the old events, so
  delete them and import again.
- ``DTSTAMP`` is UTC as the RFC requires, derived from the start date (identical bytes).

Every event is ``TRANSP:TRANSPARENT``: a dose reminder does not make its owner busy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal
from icalendar import Alarm, Calendar, Event

from planner import __version__
from planner.core.i18n import ENGLISH, Language, language
from planner.core.plaintext import one_line
from planner.core.wording import DISCLAIMER
from planner.domain.provenance import statement_lines
from planner.errors import InputError
from planner.render.instructions import (
    check_clocks,
    daily_words,
    dose_words,
    instructions,
    keeps_on,
    taken,
)

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule
    from planner.safety import SafetyReport

DOSE_MINUTES = 15
REMINDER_BEFORE = dt.timedelta(minutes=0)


def local_timezone_name() -> str:
    """This machine's IANA time zone as tzlocal finds it ($TZ, /etc/localtime, the
    registry on Windows), else UTC."""
    try:
        return tzlocal.get_localzone_name() or "UTC"
    except ZoneInfoNotFoundError:
        raise InputError(
            "this machine's time zone settings disagree; name a zone like Europe/Berlin"
        ) from None


def resolve_timezone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for ``name`` (default: the machine's), or a clear error."""
    name = name or local_timezone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder ('Europe'), too long
        shown = name if len(name) <= 40 else f"{name[:40]}..."
        raise InputError(
            f"unknown time zone {shown!r}; use an IANA name like Europe/Berlin", field="timezone"
        ) from None


def render_ics(
    schedule: Schedule,
    report: SafetyReport,
    *,
    timezone: str | None = None,
    clocks: dict[str, dt.time] | None = None,
    patient: str | None = None,
    lang: str = "en",
) -> bytes:
    """One event per dose at its time of day (``clocks`` overrides the protocol's);
    ``patient`` only tells one patient's events from another's (it is hashed). The text
    is in ``lang``; the off-label reason and cited source stay as the clinician wrote them."""
    del report
    words = language(lang)
    _ = words.gettext
    zone = resolve_timezone(timezone)
    clocks = clocks or {}
    check_clocks(schedule, clocks)
    source = " ".join(statement_lines(schedule, revisions=False))
    edits = [edit.date for edit in getattr(schedule.request, "edits", ())]
    events = _Events(schedule, patient or "", edits, words)
    disclaimer = " ".join(filter(None, (_(DISCLAIMER), words.review_note())))

    def note(step: DoseStep, date: dt.date) -> str:
        """A step's note says what changes on its first day, so it is on that day's events
        only, in English events (it is the clinician's English: 0.5 mg/day). A review is
        said in the patient's words on its day, as the instructions say it."""
        if date != step.start:
            return ""
        said = ""
        if step.review:
            review = _("Review this dose with your prescriber on {date}.")
            said = review.format(date=words.long_date(date))
        return " ".join(filter(None, (said, step.note if words is ENGLISH else "")))

    calendar = _calendar(schedule, zone, words)
    for date, day, step in schedule.daily():
        if step.total_mcg == 0:
            calendar.add_component(_stop_event(events, date))
            continue
        for dose in taken(schedule, step):
            start = dt.datetime.combine(
                date, clocks.get(dose.time.name, dose.time.clock), tzinfo=zone
            )
            units = dose_words(dose, lang=words)
            if len(schedule.products) > 1:  # after a switch, every event names its product
                units = f"{units}, {_(step.product.label)}"
            mg = words.mg(dose.mcg)
            amount = f" ({mg})" if mg not in units else ""
            event = events.new(dose.time.name, date)
            event.add("dtstart", start)
            event.add("duration", dt.timedelta(minutes=DOSE_MINUTES))
            event.add("summary", one_line(f"{dose.drug} {mg}: {units}"))
            day_text = _("Day {day}, {time}: {units}{amount}. Daily total {total}.").format(
                day=day, time=_(dose.time.label), units=units, amount=amount,
                total=daily_words(schedule, step, lang=words),
            )  # fmt: skip
            event.add(
                "description",
                one_line(
                    f"{day_text} {note(step, date)} {disclaimer} {schedule.off_label} {source}"
                )
                .replace("  ", " ")
                .strip(),
            )
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add(
                "description",
                one_line(
                    _("Take {drug} {dose}: {units}").format(drug=dose.drug, dose=mg, units=units)
                ),
            )
            alarm.add("trigger", -REMINDER_BEFORE)
            event.add_component(alarm)
            calendar.add_component(event)
    if keeps_on(schedule, schedule.steps[-1]):
        calendar.add_component(_keep_taking_event(events))
    for gone_on, name in _dropped(schedule):
        calendar.add_component(_cancelled_event(events, gone_on, name, zone))
    calendar.add_missing_timezones(
        first_date=dt.date(schedule.start.year, 1, 1),
        last_date=dt.date(schedule.end.year + 1, 1, 1),
    )
    return bytes(calendar.to_ical())


def _calendar(schedule: Schedule, zone: ZoneInfo, words: Language) -> Calendar:
    """The calendar's own properties: its name in the patient's words, its zone, and a
    revised plan's revisions (on the calendar, not its events: lived days' stay as they
    were)."""
    _ = words.gettext
    calendar = Calendar()
    calendar.add("prodid", f"-//dose-planner {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    drug = schedule.protocol.drug.tall_man
    name = _("{drug} {kind} ({protocol}, times in {zone})").format(
        drug=drug, kind=_(schedule.kind), protocol=schedule.protocol.id, zone=zone.key
    )
    calendar.add("x-wr-calname", one_line(name))
    calendar.add("x-wr-timezone", zone.key)
    if schedule.revisions:
        revised = " ".join(f"Revised {revision.mark}." for revision in schedule.revisions)
        calendar.add("x-wr-caldesc", one_line(f"{revised} {_(DISCLAIMER)}"))
    return calendar


class _Events:
    """Makes the events of one schedule, each with its stable UID and its SEQUENCE."""

    def __init__(
        self, schedule: Schedule, patient: str, edits: list[dt.date], lang: Language = ENGLISH
    ) -> None:
        self.schedule = schedule
        self.lang = lang
        self.patient = patient
        self.edits = edits
        self.stamp = dt.datetime.combine(schedule.start, dt.time(0), tzinfo=dt.UTC)

    def new(self, name: str, date: dt.date | None, *, cancelled: bool = False) -> Event:
        """An event named ``name`` on ``date``; None for the one last-day event, whose
        date moves with the edits. A cancelled one counts every edit."""
        schedule = self.schedule
        key = [self.patient, schedule.kind, schedule.protocol.id, schedule.start.isoformat()]
        key += [name, date.isoformat() if date else ""]
        digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()
        on = date or schedule.end
        event = Event()
        event.add("uid", f"{digest}@dose-planner")
        event.add("dtstamp", self.stamp)
        event.add("sequence", sum(1 for edit in self.edits if cancelled or edit <= on))
        event.add("transp", "TRANSPARENT")
        return event


def _event_names(schedule: Schedule) -> set[tuple[dt.date | None, str]]:
    """Each event a schedule's file holds, as its UID names it: a dose's date and time of
    day, or the one last-day event (no date)."""
    names: set[tuple[dt.date | None, str]] = {
        (date, dose.time.name)
        for date, _, step in schedule.daily()
        for dose in taken(schedule, step)
    }
    last = schedule.steps[-1]
    if last.total_mcg == 0:
        names.add((None, "stop"))
    elif keeps_on(schedule, last):
        names.add((None, "keep taking"))
    return names


def _dropped(schedule: Schedule) -> list[tuple[dt.date | None, str]]:
    """The events an earlier version of a revised plan gave that this one does not."""
    earlier = set().union(*(_event_names(version) for version in schedule.earlier_versions))
    gone = earlier - _event_names(schedule)
    return sorted(gone, key=lambda name: (name[0] or dt.date.max, name[1]))


def _cancelled_event(events: _Events, date: dt.date | None, name: str, zone: ZoneInfo) -> Event:
    """An event a revision dropped, cancelled under its UID, so that a calendar that
    imported the earlier file removes it (its SEQUENCE counts every edit: higher)."""
    _ = events.lang.gettext
    event = events.new(name, date, cancelled=True)
    times = {time.name: time.clock for time in events.schedule.protocol.dose_times}
    on = date or events.schedule.end
    event.add("dtstart", dt.datetime.combine(on, times[name], tzinfo=zone) if name in times else on)
    event.add("status", "CANCELLED")
    event.add("summary", one_line(_("Cancelled: the plan was revised")))
    event.add("description", one_line(_(DISCLAIMER)))
    return event


def _stop_event(events: _Events, date: dt.date) -> Event:
    drug = events.schedule.protocol.drug.tall_man
    lang = events.lang
    _ = lang.gettext
    event = events.new("stop", None)
    event.add("dtstart", date)
    event.add("summary", one_line(_("Stop {drug}: no more doses").format(drug=drug)))
    ends = _("The taper ends today: no more doses. Do not restart without advice.")
    event.add("description", " ".join(filter(None, (ends, _(DISCLAIMER), lang.review_note()))))
    return event


def _keep_taking_event(events: _Events) -> Event:
    """On the last day of a schedule that ends on a held dose (a titration, a partial
    taper, a switch alone), as on the printed calendar: the reminders end, the doses do
    not."""
    schedule, lang = events.schedule, events.lang
    _ = lang.gettext
    step = schedule.steps[-1]
    event = events.new("keep taking", None)
    event.add("dtstart", schedule.end)
    keep = _("Keep taking {drug} {dose} a day")
    drug = schedule.protocol.drug.tall_man
    event.add("summary", one_line(keep.format(drug=drug, dose=lang.mg(step.total_mcg))))
    last = instructions(schedule, lang)[-1].patient
    text = [_("These reminders end today; the doses go on."), last, _(DISCLAIMER)]
    event.add("description", one_line(" ".join(filter(None, [*text, lang.review_note()]))))
    return event
