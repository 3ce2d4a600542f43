"""What changes between two schedules of one patient: the first day that differs, each
period whose dose or dates change, and the end.

A clinician revising a plan at a visit needs to see, before handing it over, what the
patient will do differently and from when. Two plans are compared day by day on what the
patient takes (the daily total, the dose at each time of day and the units that make it,
the product, and during a switch the other drug), so plans of different kinds or
protocols compare too. A period is days in a row on one dose; the periods of the two
plans are paired first where they start together on the same daily total, then by daily
total in order, so a pause reads as one period held longer and every later one moved,
not as every dose changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from planner.domain.products import UnitCount
from planner.domain.provenance import fingerprint
from planner.domain.schedule import DoseStep, Schedule, ScheduleKind


@dataclass(frozen=True)
class TimedDose:
    """The dose at one time of day (by its name), and the units that make it."""

    time: str
    mcg: int
    units: tuple[UnitCount, ...]


@dataclass(frozen=True)
class DayDose:
    """What one plan has the patient take on a day; two days are the same when all of
    it is. The product's short name is shown, not compared (its id and the units are)."""

    total_mcg: int
    doses: tuple[TimedDose, ...]  # the times of day with a dose, in the day's order
    product_id: str
    product_name: str = field(compare=False)
    # During a switch, the drug switched from at its own times of day (time, mcg).
    other_doses: tuple[tuple[str, int], ...] = ()
    other_drug: str = field(default="", compare=False)

    @property
    def other_mcg(self) -> int:
        return sum(mcg for _, mcg in self.other_doses)


@dataclass(frozen=True)
class Period:
    """Days in a row on one dose: from ``start`` for ``days`` days."""

    start: dt.date
    days: int
    dose: DayDose

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


@dataclass(frozen=True)
class ChangedPeriod:
    """A period of the old plan and the one of the new plan it became; ``old`` is None
    for a period the new plan adds, ``new`` None for one it drops."""

    old: Period | None
    new: Period | None


@dataclass(frozen=True)
class PlanFacts:
    """What names one of the two plans: its protocol, kind, fingerprint, span and the
    revisions made to it at visits."""

    protocol_id: str
    protocol_version: str
    kind: ScheduleKind
    fingerprint: str
    start: dt.date
    end: dt.date
    days: int
    revisions: tuple[str, ...] = ()  # as every output marks them: "2027-04-15, version 2: ..."


@dataclass(frozen=True)
class ScheduleDiff:
    """Two plans compared: ``first_difference`` is None when every day is the same.

    ``first_old`` and ``first_new`` are what each plan has the patient take on that day
    (None where the day is outside the plan)."""

    old: PlanFacts
    new: PlanFacts
    first_difference: dt.date | None
    first_old: DayDose | None
    first_new: DayDose | None
    changed: tuple[ChangedPeriod, ...]

    @property
    def identical(self) -> bool:
        return self.first_difference is None

    @property
    def end_shift_days(self) -> int:
        """How many days later the new plan ends (negative: earlier)."""
        return (self.new.end - self.old.end).days

    @property
    def length_change_days(self) -> int:
        """How many days longer the new plan lasts (negative: shorter)."""
        return self.new.days - self.old.days


def diff_schedules(old: Schedule, new: Schedule) -> ScheduleDiff:
    """What changes from ``old`` to ``new``, day by day and period by period."""
    old_periods, new_periods = periods(old), periods(new)
    first = _first_difference(old_periods, new_periods)
    return ScheduleDiff(
        old=_facts(old),
        new=_facts(new),
        first_difference=first,
        first_old=None if first is None else _dose_on(old_periods, first),
        first_new=None if first is None else _dose_on(new_periods, first),
        changed=tuple(_changed_periods(old_periods, new_periods)),
    )


def periods(schedule: Schedule) -> tuple[Period, ...]:
    """The schedule's steps as periods: steps split only by a review or an edit mark,
    on the same dose, are one period."""
    found: list[Period] = []
    for step in schedule.steps:
        dose = _day_dose(schedule, step)
        if found and found[-1].dose == dose:
            found[-1] = Period(found[-1].start, found[-1].days + step.days, dose)
        else:
            found.append(Period(step.start, step.days, dose))
    return tuple(found)


def _day_dose(schedule: Schedule, step: DoseStep) -> DayDose:
    switch = schedule.switch
    return DayDose(
        total_mcg=step.total_mcg,
        doses=tuple(TimedDose(d.time.name, d.mcg, d.units) for d in step.doses if d.mcg),
        product_id=step.product.id if step.total_mcg else "",
        product_name=step.product.label if step.total_mcg else "",
        other_doses=tuple((d.time.name, d.mcg) for d in step.other_doses if d.mcg),
        other_drug=switch.drug_name if switch is not None else "",
    )


def _facts(schedule: Schedule) -> PlanFacts:
    return PlanFacts(
        protocol_id=schedule.protocol.id,
        protocol_version=schedule.protocol.version,
        kind=schedule.kind,
        fingerprint=fingerprint(schedule),
        start=schedule.start,
        end=schedule.end,
        days=schedule.days,
        revisions=tuple(revised.mark for revised in schedule.revisions),
    )


def _first_difference(old: Sequence[Period], new: Sequence[Period]) -> dt.date | None:
    """The first date on which the plans differ, a day inside one plan only included.
    Between two boundaries of either plan both are constant, so the boundaries suffice."""
    for day in sorted(_boundaries(old) | _boundaries(new)):
        if _dose_on(old, day) != _dose_on(new, day):
            return day
    return None


def _boundaries(found: Sequence[Period]) -> set[dt.date]:
    """Each date a period starts, and the day after the last (where the plan stops)."""
    starts = {period.start for period in found}
    return starts | {found[-1].end + dt.timedelta(days=1)} if found else starts


def _dose_on(found: Sequence[Period], day: dt.date) -> DayDose | None:
    return next((p.dose for p in found if p.start <= day <= p.end), None)


def _changed_periods(old: Sequence[Period], new: Sequence[Period]) -> Iterator[ChangedPeriod]:
    """Periods paired first where they start on the same day at the same daily total
    (the same step, perhaps held longer, cut short or made otherwise); then, between
    those, by daily total in order (a step that moved); of the rest, those that share
    days are paired (a dose changed), the others added or removed. Pairs with nothing
    changed stay out."""
    same_start = SequenceMatcher(None, _steps(old), _steps(new), autojunk=False)
    for tag, i1, i2, j1, j2 in same_start.get_opcodes():
        olds, news = old[i1:i2], new[j1:j2]
        if tag == "equal":
            yield from _pairs(olds, news)
            continue
        by_total = SequenceMatcher(None, _totals(olds), _totals(news), autojunk=False)
        for kind, k1, k2, m1, m2 in by_total.get_opcodes():
            if kind == "equal":
                yield from _pairs(olds[k1:k2], news[m1:m2])
            else:
                yield from _paired_where_they_overlap(olds[k1:k2], news[m1:m2])


def _pairs(old: Sequence[Period], new: Sequence[Period]) -> Iterator[ChangedPeriod]:
    yield from (ChangedPeriod(a, b) for a, b in zip(old, new, strict=True) if a != b)


def _steps(found: Sequence[Period]) -> list[tuple[dt.date, int, int]]:
    """What pairs periods first: the day they start and the daily totals."""
    return [(p.start, p.dose.total_mcg, p.dose.other_mcg) for p in found]


def _totals(found: Sequence[Period]) -> list[tuple[int, int]]:
    """What pairs the periods left next: the daily totals (a period whose split of the
    day, units or product changed is still the same step, changed)."""
    return [(p.dose.total_mcg, p.dose.other_mcg) for p in found]


def _paired_where_they_overlap(
    old: Sequence[Period], new: Sequence[Period]
) -> Iterator[ChangedPeriod]:
    """Periods of other doses, in date order: one of each plan paired where they share
    a day, any other alone."""
    i = j = 0
    while i < len(old) or j < len(new):
        was = old[i] if i < len(old) else None
        now = new[j] if j < len(new) else None
        if was is not None and now is not None and _overlap(was, now):
            yield ChangedPeriod(was, now)
            i, j = i + 1, j + 1
        elif now is None or (was is not None and was.start <= now.start):
            yield ChangedPeriod(was, None)
            i += 1
        else:
            yield ChangedPeriod(None, now)
            j += 1


def _overlap(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end
