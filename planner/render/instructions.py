"""Each step of a schedule in plain words for the patient, and as one pharmacy line.

Dose expressions follow the ISMP list: leading zero, no trailing zero, ``mg`` spelled,
times of day in words ("in the morning", "at bedtime"), the drug in tall-man letters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from planner.core.i18n import ENGLISH, Language, language
from planner.core.units import format_mg
from planner.domain.products import UnitCount, describe_units, describe_units_in_words
from planner.domain.schedule import DoseStep, Schedule
from planner.errors import InputError
from planner.models import DoseTime, Product


@dataclass(frozen=True)
class Taken:
    """What is taken at one time of day: an amount of one drug, made of units of one
    product. ``named``: say which drug (during a switch, when there are two)."""

    time: DoseTime
    drug: str
    mcg: int
    units: tuple[UnitCount, ...]
    product: Product
    named: bool


def taken(schedule: Schedule, step: DoseStep) -> list[Taken]:
    """Each dose of the day in the day's order: clonazePAM at the protocol's times, and
    during a switch the old drug at its own (at a time both share, clonazePAM first)."""
    switch = schedule.switch
    named = switch is not None
    drug = schedule.protocol.drug.tall_man
    found = [
        Taken(dose.time, drug, dose.mcg, dose.units, step.product, named)
        for dose in step.doses
        if dose.mcg
    ]
    if switch is not None:
        found += [
            Taken(dose.time, switch.drug_name, dose.mcg, dose.units, switch.product, named)
            for dose in step.other_doses
        ]
    return sorted(found, key=lambda item: (item.time.clock, item.drug != drug))


def dose_words(item: Taken, *, brief: bool = True, lang: Language = ENGLISH) -> str:
    """A dose's units as short words for a calendar day or event: '1 1/2 tablets 0.5 mg',
    with the drug named during a switch: 'ALPRAZolam 1 tablet 1 mg'."""
    words = describe_units_in_words(item.units, item.product, brief=brief, lang=lang)
    return f"{item.drug} {words}" if item.named else words


def product_notes(schedule: Schedule, lang: Language = ENGLISH) -> list[str]:
    """Each product's note for the patient ('Do not split these tablets.'), once, in the
    order the schedule uses the products; during a switch the old drug's first."""
    products = [schedule.switch.product] if schedule.switch is not None else []
    products += schedule.products
    notes = dict.fromkeys(lang.gettext(p.patient_note) for p in products if p.patient_note)
    return list(notes)


@dataclass(frozen=True)
class StepInstruction:
    """What to do during one step: for the patient, and for the pharmacy label."""

    step: DoseStep
    patient: str
    pharmacy: str


def long_date(date: dt.date, lang: Language = ENGLISH) -> str:
    """'Monday 4 January 2027': unambiguous in every country."""
    return lang.long_date(date)


def instructions(schedule: Schedule, lang: Language | str = ENGLISH) -> tuple[StepInstruction, ...]:
    """One instruction per step, in the schedule's order: the patient's in ``lang`` (a
    code such as "es", or a loaded language), the pharmacy's in English (a clinical
    direction)."""
    if isinstance(lang, str):
        lang = language(lang.lower())
    return tuple(
        StepInstruction(step, _patient_line(schedule, step, lang), _pharmacy_line(schedule, step))
        for step in schedule.steps
    )


def _period(step: DoseStep, lang: Language) -> str:
    _ = lang.gettext
    if step.days == 1:
        return _("On {date}").format(date=lang.long_date(step.start))
    return _("From {start} to {end} ({days} days)").format(
        start=lang.long_date(step.start), end=lang.long_date(step.end), days=step.days
    )


def keeps_on(schedule: Schedule, step: DoseStep) -> bool:
    """Whether ``step`` is a dose to keep taking after the schedule's last day: only the
    last step of a schedule that ends on a held dose (a titration, a partial taper, a
    switch without a taper). Every other step has a last day, since another follows it."""
    return step is schedule.steps[-1] and step.total_mcg > 0


def exchanged(schedule: Schedule, step: DoseStep) -> tuple[DoseTime, ...]:
    """During a switch, the old drug's times of day whose dose ``step`` lowers, replacing
    it (in part or whole) with clonazePAM (none outside a switch, or on a step that only
    holds the doses, such as a review)."""
    switch = schedule.switch
    if switch is None:
        return ()
    index = schedule.steps.index(step)
    if index:
        before = {dose.time: dose.mcg for dose in schedule.steps[index - 1].other_doses}
    else:
        before = dict(zip(switch.times, switch.regimen, strict=True))
    now = {dose.time: dose.mcg for dose in step.other_doses}
    return tuple(time for time in switch.times if now.get(time, 0) < before.get(time, 0))


def _patient_line(schedule: Schedule, step: DoseStep, lang: Language) -> str:
    _ = lang.gettext
    drug = schedule.protocol.drug.tall_man
    start = lang.long_date(step.start)
    if step.total_mcg == 0:
        return _("From {date}: stop taking {drug}. Do not restart without advice.").format(
            date=start, drug=drug
        )
    parts = [
        f"{dose_words(item, brief=False, lang=lang)} {_(item.time.label)}"
        for item in taken(schedule, step)
    ]
    doses = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + _(" and ") + parts[-1]
    # After a switch every line names its product: "..., clonazePAM oral drops: take".
    which = f", {_(step.product.name)}" if len(schedule.products) > 1 else ""
    daily = daily_words(schedule, step, lang=lang)
    if keeps_on(schedule, step):
        # The end of a titration is the dose to go on with, never a day to stop.
        line = _(
            "From {date}{product}: take {doses}. That is {daily} a day. Keep taking this dose "
            "until your prescriber reviews it; do not stop suddenly."
        ).format(date=start, product=which, doses=doses, daily=daily)
    else:
        # A held dose that a taper (or a review) follows has its last day, as every step.
        line = _("{period}{product}: take {doses}. That is {daily} a day.").format(
            period=_period(step, lang), product=which, doses=doses, daily=daily
        )
    if step.review:  # as the calendar marks the day
        line += " " + _("Review this dose with your prescriber on {date}.").format(date=start)
    if keeps_on(schedule, step) and schedule.next_review is not None:
        line += " " + _("See your prescriber to review it by {date}.").format(
            date=lang.long_date(schedule.next_review)
        )
    return f"{line}{_exchanged(schedule, step, lang)}"


def _exchanged(schedule: Schedule, step: DoseStep, lang: Language) -> str:
    """During a switch, which dose of the old drug clonazePAM now replaces, and, once the
    last is exchanged, that the old drug stops: a patient must never take both."""
    switch = schedule.switch
    replaced = exchanged(schedule, step)
    if switch is None or not replaced:
        return ""
    _ = lang.gettext
    left = {dose.time for dose in step.other_doses}
    whole = [time for time in replaced if time not in left]
    part = [time for time in replaced if time in left]
    words = ""
    if whole:
        words += " " + _("This replaces your {drug} {times}.").format(
            drug=switch.drug_name, times=_(" and ").join(_(time.label) for time in whole)
        )
    if part:
        words += " " + _("This replaces part of your {drug} {times}.").format(
            drug=switch.drug_name, times=_(" and ").join(_(time.label) for time in part)
        )
    if not step.other_mcg:
        words += " " + _("Stop taking {drug}: clonazePAM replaces it.").format(
            drug=switch.drug_name
        )
    return words


def _pharmacy_line(schedule: Schedule, step: DoseStep) -> str:
    days = f"Day {step.first_day}" if step.days == 1 else f"Days {step.first_day}-{step.last_day}"
    if keeps_on(schedule, step):
        days = f"Day {step.first_day} on, continuing"
        if schedule.next_review is not None:
            days += f" (review by {schedule.next_review})"
    if step.total_mcg == 0:
        return f"{days}: stop {schedule.protocol.drug.tall_man}."
    doses = "; ".join(
        f"{item.time.label}: {item.drug + ' ' if item.named else ''}"
        f"{describe_units(item.units, item.product)}"
        for item in taken(schedule, step)
    )
    drug = schedule.protocol.drug.tall_man
    review = f" Review with the prescriber on day {step.first_day}." if step.review else ""
    if len(schedule.products) > 1:
        line = f"{days}: {step.product.name}: {doses} ({format_mg(step.total_mcg)}/day)."
    elif schedule.switch is not None:
        line = f"{days}: {doses} ({daily_words(schedule, step, per='/day')})."
    else:
        line = f"{days}: {drug} {doses} ({format_mg(step.total_mcg)}/day)."
    return line + review


def daily_words(schedule: Schedule, step: DoseStep, per: str = "", lang: Language = ENGLISH) -> str:
    """The day's total, of each drug taken during a switch: '1 mg of clonazePAM and 1 mg
    of ALPRAZolam'."""
    if schedule.switch is None or not step.other_mcg:
        return f"{lang.mg(step.total_mcg)}{per}"
    return lang.gettext("{total} of {drug} and {other} of {other_drug}").format(
        total=f"{lang.mg(step.total_mcg)}{per}",
        drug=schedule.protocol.drug.tall_man,
        other=f"{lang.mg(step.other_mcg)}{per}",
        other_drug=schedule.switch.drug_name,
    )


def check_clocks(schedule: Schedule, clocks: dict[str, dt.time]) -> None:
    """Moved dose times still name the protocol's times of day and keep their order
    (a bedtime dose at 07:00, before the morning one, is a typing mistake)."""
    times = schedule.protocol.dose_times
    unknown = sorted(set(clocks) - {t.name for t in times})
    if unknown:
        known = ", ".join(t.name for t in times)
        raise InputError(f"unknown time of day {unknown[0]!r}; this protocol has {known}")
    moved = [(t.name, clocks.get(t.name, t.clock)) for t in times]
    for (earlier, first), (later, then) in itertools.pairwise(moved):
        if then <= first:
            raise InputError(
                f"dose times: {later} at {then:%H:%M} is not after {earlier} at {first:%H:%M}; "
                "the times of day keep their order"
            )
