"""One story across outputs: every format a schedule is rendered to, read back on its own,
states the same dose of each drug at each time of every day, the same daily totals, and
the same first and last date of every period as the ``Schedule`` it was made from.

A grid of schedules (a titration with reviews, a child's titration in drops, tapers to
zero in ODT and from tablets to drops, a partial taper, a whole course, a switch with and
without a taper after it) is planned through the library's front door and rendered by the
library's renderers, for a patient reading English and one reading Spanish. Each format
is read back by ``readback`` (csv, openpyxl, icalendar, json, pypdf; doses from the words
printed, dates from the language's own names), with nothing of the planner's.

Formats that state days (CSV rows, the workbook's daily sheet, calendar-file events, PDF
calendar cells) must match on every day; formats that state periods (the patient's
instructions, the pharmacy directions, FHIR dosage periods and notes, the step tables)
must match each step's first and last date. Only the last step of a schedule that ends
on a held dose (a titration, a partial taper, a switch without a taper) may be
open-ended ("keep taking"); nothing that another step follows may.

The last test corrupts the expected schedule (a dose of either drug, the dates) and
checks that every comparison then fails: a comparison that cannot fail proves nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from readback import (
    PRODUCT_NAMES,
    WORDS,
    Context,
    Day,
    Doses,
    Events,
    MonthCells,
    Pages,
    Period,
    Totals,
    patient_period,
    pdf_calendar,
    pdf_instructions,
    pdf_step_table,
    pharmacy_period,
    read_csv,
    read_fhir,
    read_ics,
    read_pdf,
    read_xlsx,
    review_dates,
)

from planner.api import (
    Checked,
    course_request,
    load_protocol,
    plan_checked,
    switch_request,
    taper_request,
    titration_request,
)
from planner.core.i18n import language
from planner.domain.schedule import Schedule
from planner.models import CourseRequest, SwitchRequest, TaperRequest, TitrationRequest
from planner.render.instructions import instructions
from planner.render.outputs import OutputOptions, render_kind

# Slow (every format of every case, rendered and read back); in one xdist worker, so that
# each is rendered and read once (the functools caches below are one a process).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("one_story")]

LANGS = ("en", "es")
ZONES = {"en": "America/New_York", "es": "Europe/Madrid"}  # both change clocks in the grid
MONDAY = dt.date(2027, 1, 4)

# The grid: a protocol, a typed request, and the clock times moved (as --dose-time does).
Request = TitrationRequest | TaperRequest | CourseRequest | SwitchRequest
CASES: dict[str, tuple[str, Request, dict[str, dt.time]]] = {
    "titration-with-reviews": (
        "panic-adult",
        titration_request(start=MONDAY, target_mg_per_day="2", hold_days=100),
        {},
    ),
    "child-titration-drops": (
        "seizure-pediatric",
        titration_request(start=MONDAY, weight_kg="12.5", product="rivotril-drops"),
        {"midday": dt.time(12, 30)},
    ),
    "taper-to-zero-odt": (
        "panic-adult",
        taper_request(
            start=dt.date(2027, 10, 18), from_mg_per_day="1", pace="two-phase", product="us-odt"
        ),
        {},
    ),
    "taper-tablets-then-drops": (
        "panic-adult",
        taper_request(
            start=dt.date(2027, 3, 1),
            from_mg_per_day="1.5",
            pace="label",
            switch_product={"at_or_below_mg_per_day": "0.5", "product": "rivotril-drops"},
        ),
        {},
    ),
    "partial-taper": (
        "panic-adult",
        taper_request(
            start=dt.date(2027, 3, 1),
            from_mg_per_day="2",
            to_mg_per_day="1",
            hold_days=100,
            pace="label",
        ),
        {},
    ),
    "course": (
        "panic-adult",
        course_request(start=MONDAY, target_mg_per_day="2", maintain_days=180, pace="asam"),
        {},
    ),
    "switch": (
        "panic-adult",
        switch_request(start=MONDAY, from_drug="alprazolam", from_mg_per_day="2", age_years=40),
        {},
    ),
    "switch-then-taper": (
        "panic-adult",
        switch_request(
            start=MONDAY,
            from_drug="alprazolam",
            from_mg_per_day="1.5",
            then_pace="two-phase",
            product="us-odt",
            age_years=40,
        ),
        {"morning": dt.time(7, 30)},
    ),
}
HELD = {"titration-with-reviews", "child-titration-drops", "partial-taper", "switch"}

# --- Planned and rendered once each; read once each ----------------------------------------


@functools.cache
def planned(case: str) -> Checked:
    protocol, request, _clocks = CASES[case]
    return plan_checked(load_protocol(protocol), request)


@functools.cache
def output(case: str, kind: str, lang: str) -> bytes:
    schedule, report = planned(case)
    options = OutputOptions(timezone=ZONES[lang], clocks=CASES[case][2], lang=lang)
    return render_kind(kind, schedule, report, options)


@functools.cache
def context(case: str, lang: str) -> Context:
    schedule = planned(case).schedule
    _protocol, request, moved = CASES[case]
    switch = schedule.switch
    drug = schedule.protocol.drug.tall_man
    products = [(product.id, drug) for product in schedule.products]
    if switch is not None:
        products.append((switch.product.id, switch.drug_name))
    times = schedule.times_of_day()  # during a switch, the old drug's times too
    return Context(
        lang=lang,
        drug=drug,
        old_drug=switch.drug_name if switch else None,
        old_drug_id=switch.drug_id if switch else None,
        times=tuple(t.name for t in times),
        clocks=tuple((t.name, f"{moved.get(t.name, t.clock):%H:%M}") for t in times),
        moved=tuple(moved),
        start=request.start,
        products=tuple(products),
        zone=ZONES[lang],
    )


@functools.cache
def pdf(case: str, lang: str) -> Pages:
    return read_pdf(output(case, "pdf", lang))


@functools.cache
def calendar_cells(case: str, lang: str) -> MonthCells:
    return pdf_calendar(pdf(case, lang), context(case, lang))


@functools.cache
def events(case: str, lang: str) -> Events:
    return read_ics(output(case, "ics", lang), context(case, lang))


@functools.cache
def workbook(case: str, lang: str) -> tuple[dict[dt.date, Day], list[Period]]:
    return read_xlsx(output(case, "xlsx", lang), context(case, lang))


@functools.cache
def csv_days(case: str) -> dict[dt.date, Day]:
    return read_csv(output(case, "csv", "en"), context(case, "en"))


@functools.cache
def fhir(case: str) -> tuple[list[Period], list[Period]]:
    return read_fhir(output(case, "fhir", "en"), context(case, "en"))


@functools.cache
def library_lines(case: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``planner.render.instructions.instructions``: the patient's lines in the language, the
    pharmacy's in English."""
    lines = instructions(planned(case).schedule, language(lang))
    return tuple(line.patient for line in lines), tuple(line.pharmacy for line in lines)


# --- What the schedule says ---------------------------------------------------------------


def step_amounts(schedule: Schedule, index: int) -> tuple[Doses, Totals]:
    """A step's doses of each drug at each time of day, and each drug's daily total."""
    step = schedule.steps[index]
    new = schedule.protocol.drug.tall_man
    old = schedule.switch.drug_name if schedule.switch is not None else ""
    doses = {(d.time.name, new, d.mcg) for d in step.doses if d.mcg}
    doses |= {(d.time.name, old, d.mcg) for d in step.other_doses}
    totals = {(new, step.total_mcg)} if step.total_mcg else set()
    totals |= {(old, step.other_mcg)} if step.other_mcg else set()
    return frozenset(doses), frozenset(totals)


def expected_days(schedule: Schedule) -> dict[dt.date, Day]:
    days = {}
    for index, step in enumerate(schedule.steps):
        doses, totals = step_amounts(schedule, index)
        for offset in range(step.days):
            date = step.start + dt.timedelta(days=offset)
            days[date] = Day(doses, totals, step.first_day + offset, step.phase)
    return days


def held_at_end(schedule: Schedule) -> bool:
    """The schedule ends on a dose to keep taking (titration, partial taper, switch alone)."""
    return schedule.steps[-1].total_mcg > 0


def expected_periods(schedule: Schedule, *, open_end: bool) -> list[Period]:
    """Each step's dates and amounts; with ``open_end``, the last step of a schedule that
    ends on a held dose has no last date (and no other step may lack one)."""
    periods = []
    for index, step in enumerate(schedule.steps):
        doses, totals = step_amounts(schedule, index)
        is_open = open_end and index == len(schedule.steps) - 1 and held_at_end(schedule)
        product = step.product.id if step.total_mcg else None
        periods.append(Period(step.start, None if is_open else step.end, doses, totals, product))
    return periods


def exchange_dates(schedule: Schedule) -> list[dt.date]:
    """During a switch, the first day of each step that lowers a dose of the old drug
    (before day 1: the patient's regimen)."""
    if schedule.switch is None:
        return []
    dates = []
    before = {
        t.name: mcg for t, mcg in zip(schedule.switch.times, schedule.switch.regimen, strict=True)
    }
    for step in schedule.steps:
        now = {d.time.name: d.mcg for d in step.other_doses}
        if any(now.get(name, 0) < mcg for name, mcg in before.items()):
            dates.append(step.start)
        before = now
    return dates


# --- Comparing ----------------------------------------------------------------------------


def assert_days(found: dict[dt.date, Day], expected: dict[dt.date, Day], what: str) -> None:
    """Every day of the schedule, and no other, with what the format states of it."""
    assert sorted(found) == sorted(expected), f"{what}: the days differ"
    for date, day in expected.items():
        seen = found[date]
        wanted = Day(
            day.doses,
            day.totals if seen.totals is not None else None,
            day.number if seen.number is not None else None,
            day.phase if seen.phase is not None else None,
        )
        assert seen == wanted, f"{what}, {date}: states {seen}, the schedule {wanted}"


def assert_periods(found: list[Period], expected: list[Period], what: str) -> None:
    """Every step, in order, with its first and last date and what the format states."""
    assert len(found) == len(expected), f"{what}: {len(found)} periods, {len(expected)} steps"
    for number, (seen, step) in enumerate(zip(found, expected, strict=True), start=1):
        wanted = replace(
            step,
            totals=None if seen.totals is None else step.totals,
            doses=None if seen.doses is None else step.doses,
            product=None if seen.product is None else step.product,
        )
        assert seen == wanted, f"{what}, step {number}: states {seen}, the schedule {wanted}"


def check_csv(case: str, lang: str, schedule: Schedule) -> None:
    del lang  # the CSV is the same in every language
    assert_days(csv_days(case), expected_days(schedule), "CSV")


def check_xlsx_days(case: str, lang: str, schedule: Schedule) -> None:
    assert_days(workbook(case, lang)[0], expected_days(schedule), "workbook, daily sheet")


def check_xlsx_steps(case: str, lang: str, schedule: Schedule) -> None:
    wanted = expected_periods(schedule, open_end=False)
    assert_periods(workbook(case, lang)[1], wanted, "workbook, step sheet")


def check_ics(case: str, lang: str, schedule: Schedule) -> None:
    found = events(case, lang)
    assert_days(found.days, expected_days(schedule), "calendar file")
    _doses, last = step_amounts(schedule, len(schedule.steps) - 1)
    wanted = ((schedule.end, last),) if held_at_end(schedule) else ()
    assert found.keep_taking == wanted, "calendar file: the last day's keep-taking event"
    assert found.reviews == schedule.reviews, "calendar file: reviews"


def fhir_wanted(schedule: Schedule) -> list[Period]:
    periods = expected_periods(schedule, open_end=True)
    return [period for period in periods if period.totals]  # a stop has no request


def check_fhir_dosages(case: str, lang: str, schedule: Schedule) -> None:
    del lang  # FHIR is the same in every language
    assert_periods(fhir(case)[0], fhir_wanted(schedule), "FHIR dosage periods")


def check_fhir_notes(case: str, lang: str, schedule: Schedule) -> None:
    del lang
    assert_periods(fhir(case)[1], fhir_wanted(schedule), "FHIR request notes")


def check_pdf_steps(case: str, lang: str, schedule: Schedule) -> None:
    found = pdf_step_table(pdf(case, lang), context(case, lang))
    assert_periods(found, expected_periods(schedule, open_end=False), "PDF step table")


def check_patient(lines: tuple[str, ...], case: str, lang: str, schedule: Schedule) -> None:
    named = len(planned(case).schedule.products) > 1
    found = [patient_period(line, context(case, lang), products_named=named) for line in lines]
    assert_periods(found, expected_periods(schedule, open_end=True), "patient's instructions")
    assert review_dates(lines, lang) == list(schedule.reviews), "patient's instructions: reviews"


def check_pharmacy(lines: tuple[str, ...], case: str, schedule: Schedule) -> None:
    found = [pharmacy_period(line, context(case, "en")) for line in lines]
    assert_periods(found, expected_periods(schedule, open_end=True), "pharmacy directions")


def check_pdf_patient(case: str, lang: str, schedule: Schedule) -> None:
    check_patient(pdf_instructions(pdf(case, lang), lang)[0], case, lang, schedule)


def check_pdf_pharmacy(case: str, lang: str, schedule: Schedule) -> None:
    check_pharmacy(pdf_instructions(pdf(case, lang), lang)[1], case, schedule)


def check_patient_lines(case: str, lang: str, schedule: Schedule) -> None:
    check_patient(library_lines(case, lang)[0], case, lang, schedule)


def check_pharmacy_lines(case: str, lang: str, schedule: Schedule) -> None:
    check_pharmacy(library_lines(case, lang)[1], case, schedule)


def check_pdf_calendar(case: str, lang: str, schedule: Schedule) -> None:
    cells = calendar_cells(case, lang)
    assert_days(cells.days, expected_days(schedule), "PDF calendar")
    words = WORDS[lang]

    def marked(word: str) -> list[dt.date]:
        return sorted(date for date, mark in cells.marks.items() if re.fullmatch(word, mark))

    keep = [schedule.end] if held_at_end(schedule) else []
    assert marked(words["keep"]) == keep, "PDF calendar: KEEP TAKING"
    assert marked(words["review"]) == list(schedule.reviews), "PDF calendar: reviews"
    assert marked(words["switch"]) == exchange_dates(schedule), "PDF calendar: switched doses"
    names = PRODUCT_NAMES[lang]
    for date, _day, step in schedule.daily():
        taken = [step.product.id] if step.total_mcg else []
        if step.other_mcg and schedule.switch is not None:
            taken.append(schedule.switch.product.id)
        for product in taken:  # each product taken that month named in its header
            header = cells.products[date.year, date.month]
            assert names[product] in header, f"PDF calendar, {date}: {names[product]} not named"


CHECKS: dict[str, Callable[[str, str, Schedule], None]] = {
    "csv": check_csv,
    "xlsx-days": check_xlsx_days,
    "xlsx-steps": check_xlsx_steps,
    "ics": check_ics,
    "fhir-dosages": check_fhir_dosages,
    "fhir-notes": check_fhir_notes,
    "pdf-steps": check_pdf_steps,
    "pdf-patient": check_pdf_patient,
    "pdf-pharmacy": check_pdf_pharmacy,
    "pdf-calendar": check_pdf_calendar,
    "patient-lines": check_patient_lines,
    "pharmacy-lines": check_pharmacy_lines,
}
SAME_IN_EVERY_LANGUAGE = {"csv", "fhir-dosages", "fhir-notes", "pharmacy-lines"}
GRID = [
    (case, lang, check)
    for case in CASES
    for lang in LANGS
    for check in CHECKS
    if lang == "en" or check not in SAME_IN_EVERY_LANGUAGE
]


@pytest.mark.parametrize(("case", "lang", "check"), GRID, ids=["-".join(point) for point in GRID])
def test_every_format_tells_the_schedules_story(case: str, lang: str, check: str) -> None:
    CHECKS[check](case, lang, planned(case).schedule)


def test_the_grid_covers_every_kind_a_switch_reviews_and_products() -> None:
    schedules = {case: planned(case).schedule for case in CASES}
    assert {s.kind for s in schedules.values()} == {"titration", "taper", "course", "switch"}
    assert {case for case, s in schedules.items() if held_at_end(s)} == HELD
    assert any(step.total_mcg and step.other_mcg for step in schedules["switch"].steps)
    assert {case for case, s in schedules.items() if s.reviews} >= {
        "course",
        "partial-taper",
        "titration-with-reviews",
    }
    used = {product.id for s in schedules.values() for product in s.products}
    assert used == {"us-tablet", "us-odt", "rivotril-drops"}


# --- A comparison that cannot fail proves nothing ---------------------------------------------


def shifted(schedule: Schedule) -> Schedule:
    """Every date a day later."""
    steps = tuple(replace(step, start=step.start + dt.timedelta(days=1)) for step in schedule.steps)
    return replace(schedule, steps=steps)


def wrong_dose(schedule: Schedule) -> Schedule:
    """The last dose of the drug planned, in the last step that gives it, 1 microgram more."""
    index = max(i for i, step in enumerate(schedule.steps) if step.total_mcg)
    step = schedule.steps[index]
    last = max(i for i, dose in enumerate(step.doses) if dose.mcg)
    doses = list(step.doses)
    doses[last] = replace(doses[last], mcg=doses[last].mcg + 1)
    step = replace(step, doses=tuple(doses), total_mcg=step.total_mcg + 1)
    return replace(schedule, steps=(*schedule.steps[:index], step, *schedule.steps[index + 1 :]))


def wrong_old_dose(schedule: Schedule) -> Schedule:
    """During a switch, the first dose of the drug switched from 1 microgram more."""
    step = schedule.steps[0]
    first, *rest = step.other_doses
    step = replace(step, other_doses=(replace(first, mcg=first.mcg + 1), *rest))
    return replace(schedule, steps=(step, *schedule.steps[1:]))


@pytest.mark.parametrize("case", CASES)
def test_each_comparison_catches_a_wrong_dose_or_a_shifted_date(case: str) -> None:
    schedule = planned(case).schedule
    corrupted = [shifted(schedule), wrong_dose(schedule)]
    if schedule.switch is not None:
        corrupted.append(wrong_old_dose(schedule))
    for case_, lang, name in GRID:
        if case_ != case:
            continue
        for wrong in corrupted:
            with pytest.raises(AssertionError):
                CHECKS[name](case, lang, wrong)
