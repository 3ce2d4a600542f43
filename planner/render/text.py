"""The schedule as a plain-text report for the terminal: steps, safety checks, warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.core.i18n import language
from planner.core.units import format_count, format_mg, format_per_kg
from planner.domain.dispensing import (
    DEFAULT_SUPPLY_DAYS,
    StrengthSupply,
    describe_supply,
    dispensing_totals,
)
from planner.domain.provenance import cited_sources, footer, products_line, statement_lines
from planner.domain.symptoms import scored_days, symptom_note, symptom_source
from planner.render.instructions import instructions as step_instructions
from planner.render.instructions import product_notes, taken

if TYPE_CHECKING:
    from planner.domain.products import UnitCount
    from planner.domain.schedule import DoseStep, Schedule
    from planner.domain.symptoms import SymptomLog
    from planner.safety import SafetyReport


def render_text(
    schedule: Schedule,
    report: SafetyReport,
    *,
    supply_days: int = DEFAULT_SUPPLY_DAYS,
    instructions: bool = False,
    lang: str = "en",
    symptoms: SymptomLog | None = None,
) -> str:
    """Header, one row per dose step, the safety report, warnings, notes, any symptom log
    beside the dose, dispensing totals, optionally the instructions (the patient's in
    ``lang``), and the disclaimer."""
    lines = [
        *_header(schedule),
        "",
        *_table(schedule),
        "",
        *_report_lines(report),
        *_listed("Warnings", schedule.warnings, "!"),
        *_listed(PRESCRIBING, schedule.protocol.prescribing_lines(), "!"),
        *_listed("Sources", tuple(cited_sources(schedule)), "-"),
        *_listed("Notes", schedule.notes, "-"),
        *_listed(
            "Reviews with the prescriber (at least every 3 months, ASAM 2025)",
            tuple(day.isoformat() for day in schedule.reviews),
            "-",
        ),
        *(_symptom_lines(symptoms, schedule) if symptoms is not None else []),
        *_dispensing_lines(schedule, supply_days),
    ]
    if instructions:
        words = language(lang)
        steps = step_instructions(schedule, words)
        notes = product_notes(schedule, words)
        patient = (*(s.patient for s in steps), *notes, *filter(None, [words.review_note()]))
        lines += _listed("Instructions for the patient", patient, "-")
        lines += _listed("Pharmacy directions", tuple(s.pharmacy for s in steps), "-")
    lines += ["", footer(schedule)]
    return "\n".join(lines)


def _symptom_lines(log: SymptomLog, schedule: Schedule) -> list[str]:
    """Each score beside its day's dose; where it rose over the last two visits, the
    note for the clinician and the guideline it rests on."""
    scored = [
        f"{entry.score.date} (day {entry.day}, {entry.phase}, "
        f"{format_mg(entry.total_mcg)}/day): {entry.score.score}"
        for entry in scored_days(log, schedule)
    ]
    lines = _listed(f"Symptom log ({log.scale.describe()}, {log.file_name})", tuple(scored), "-")
    note = symptom_note(log, schedule)
    if note:
        lines += [f"  ! {note}", f"    Source: {symptom_source()}"]
    return lines


def _dispensing_lines(schedule: Schedule, supply_days: int) -> list[str]:
    supply = dispensing_totals(schedule, supply_days=supply_days)

    def amounts(strengths: tuple[StrengthSupply, ...]) -> str:
        named = len(schedule.products) > 1 or schedule.switch is not None
        return ", ".join(describe_supply(s, named=named) for s in strengths) or "none"

    lines = ["", f"Dispensing ({supply_days}-day supply periods):"]
    lines += [
        f"  days {p.first_day}-{p.last_day} ({p.start} to {p.end}): {amounts(p.strengths)}"
        for p in supply.periods
    ]
    lines.append(f"  whole schedule: {amounts(supply.total)}")
    return lines


def _header(schedule: Schedule) -> list[str]:
    protocol = schedule.protocol
    request = schedule.request
    patient = request.patient
    facts: list[str] = []
    if schedule.dose_before_mcg is not None:
        facts.append(f"from {format_mg(schedule.dose_before_mcg)}/day")
    if schedule.pace is not None:
        facts.append(f"pace {schedule.pace.id}: {schedule.pace.title}")
    if patient.weight_kg is not None:
        facts.append(f"weight {patient.weight_kg} kg")
    if patient.age_years is not None:
        facts.append(f"age {patient.age_years}")
    return [
        f"{protocol.drug.tall_man} {schedule.kind}: {protocol.title} "
        f"({protocol.id} {protocol.version})",
        f"Product: {products_line(schedule)}",
        "; ".join([f"{schedule.days} days, {schedule.start} to {schedule.end}", *facts]),
        *statement_lines(schedule),
    ]


def _table(schedule: Schedule) -> list[str]:
    times = schedule.times_of_day()
    weight = schedule.weight_kg
    per_kg = ["mg/kg/day"] if weight is not None else []
    switch = schedule.switch
    # During a switch the day's total of each drug, each named: never clonazePAM's alone.
    old = [f"{switch.drug_name}/day"] if switch is not None else []
    header = [
        "From",
        "To",
        "Days",
        "Phase",
        "Daily" if switch is None else f"{schedule.protocol.drug.tall_man}/day",
        *old,
        *per_kg,
        *(t.name.capitalize() for t in times),
    ]
    rows = [
        [
            step.start.isoformat(),
            step.end.isoformat(),
            str(step.days),
            _phase_cell(step),
            format_mg(step.total_mcg),
            *([format_mg(step.other_mcg)] if switch is not None else []),
            *([format_per_kg(step.total_mcg, weight)] if weight is not None else []),
            *_dose_cells(schedule, step),
        ]
        for step in schedule.steps
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numbers = 1 + len(old) + len(per_kg)  # the totals, right-aligned after the phase
    right = {2, *range(4, 4 + numbers)}

    def line(cells: list[str]) -> str:
        padded = (
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _phase_cell(step: DoseStep) -> str:
    """The phase, with a clinician's edit or a review: 'taper (pause)', 'taper (review)'."""
    marks = [mark for mark in (step.edit, "review" if step.review else "") if mark]
    return f"{step.phase} ({', '.join(marks)})" if marks else step.phase


def _dose_cells(schedule: Schedule, step: DoseStep) -> list[str]:
    """Each time of day: '0.5 mg (1 x 0.5 mg)'; during a switch each drug named, both
    where both are taken at that time: 'clonazePAM 0.5 mg (...) + ALPRAZolam ...'."""
    given = taken(schedule, step)
    cells = []
    for time in schedule.times_of_day():
        items = [
            f"{item.drug + ' ' if item.named else ''}{format_mg(item.mcg)} "
            f"({_units_short(item.units)})"
            for item in given
            if item.time.name == time.name
        ]
        cells.append(" + ".join(items) or "-")
    return cells


def _units_short(units: tuple[UnitCount, ...]) -> str:
    return " + ".join(f"{format_count(u.count)} x {format_mg(u.strength_mcg)}" for u in units)


def _report_lines(report: SafetyReport) -> list[str]:
    """One line a check; a check exceeded by choice lists each step and who chose it on
    lines of their own, so a terminal reads them."""
    lines = [f"Safety checks: {report.summary}"]
    for result in report.results:
        if result.status != "exceeded by choice":
            lines.append(f"  [{result.mark}] {result.line}")
            continue
        lines.append(f"  [{result.mark}] {result.description}")
        lines += [f"      exceeded on {cut}" for cut in result.detail.split("; ")]
        lines.append(f"      chosen by {result.chosen_by}")
    return lines


PRESCRIBING = "Before prescribing: boxed warning, contraindications, cautions (label; FDA 2020)"


def _listed(title: str, items: tuple[str, ...], mark: str) -> list[str]:
    if not items:
        return []
    return ["", f"{title}:", *(f"  {mark} {item}" for item in items)]
