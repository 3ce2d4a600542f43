"""The clinician summary: patient, protocol, steps, safety checks, warnings, supplies."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from planner.core.i18n import ENGLISH, Language
from planner.core.units import format_count, format_mg, format_per_kg
from planner.core.wording import DISCLAIMER
from planner.domain.dispensing import describe_supply, dispensing_totals
from planner.domain.provenance import cited_sources, inputs_line, products_line, statements
from planner.domain.symptoms import scored_days, symptom_note, symptom_source
from planner.render.instructions import (
    Taken,
    dose_words,
    instructions,
    long_date,
    product_notes,
    taken,
)

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule
    from planner.domain.symptoms import SymptomLog
    from planner.safety import SafetyReport

from planner.render.pdf.style import (
    BODY,
    GRID,
    HEADING,
    SMALL,
    TITLE,
    WARNING,
    escape_markup,
    keep_counts,
    table_style,
)


def summary_story(
    schedule: Schedule,
    report: SafetyReport,
    patient: str | None,
    supply_days: int,
    lang: Language = ENGLISH,
    *,
    symptoms: SymptomLog | None = None,
) -> list[Flowable]:
    """The clinician's pages, in English; the patient's instructions in ``lang``; any
    symptom log's scores beside the dose of their days, under the steps."""
    protocol = schedule.protocol
    story: list[Flowable] = [
        Paragraph(f"{protocol.drug.tall_man} {schedule.kind} schedule: clinician summary", TITLE),
        Paragraph(f"<b>{DISCLAIMER}</b> Review every dose before it is given to a patient.", BODY),
        Spacer(1, 6),
        _facts_table(schedule, patient),
        Paragraph("Dose steps", HEADING),
        _steps_table(schedule),
        *(_symptom_log(symptoms, schedule) if symptoms is not None else []),
        Paragraph("Safety checks", HEADING),
        _report_table(report),
    ]
    if schedule.warnings:
        story.append(Paragraph("Warnings", HEADING))
        story += [Paragraph(f"&bull; {escape_markup(text)}", WARNING) for text in schedule.warnings]
    if protocol.prescribing_warnings:
        story.append(
            Paragraph("Before prescribing: boxed warning, contraindications, cautions", HEADING)
        )
        story += [
            Paragraph(
                f"&bull; <b>{w.heading}: {escape_markup(w.title)}.</b> {escape_markup(w.text)} "
                f"<i>&ldquo;{escape_markup(w.quote)}&rdquo;</i> "
                f"({escape_markup(protocol.citation(w.source))})",
                SMALL,
            )
            for w in protocol.prescribing_warnings
        ]
    if schedule.notes:
        story.append(Paragraph("Notes", HEADING))
        story += [Paragraph(f"&bull; {escape_markup(text)}", BODY) for text in schedule.notes]
    story.append(Paragraph(f"Dispensing totals (supply periods of {supply_days} days)", HEADING))
    story.append(_dispensing_table(schedule, supply_days))
    heading = "Instructions for the patient"
    if lang is not ENGLISH:
        heading += f" ({lang.gettext(heading)}; {lang.code})"
    story.append(Paragraph(heading, HEADING))
    if lang.review_note():
        story.append(Paragraph(f"<i>{escape_markup(lang.review_note())}</i>", BODY))
    story += [
        Paragraph(keep_counts(escape_markup(line.patient)), BODY)
        for line in instructions(schedule, lang)
    ]
    story += [Paragraph(escape_markup(note), BODY) for note in product_notes(schedule, lang)]
    story.append(Paragraph("Pharmacy directions", HEADING))
    story += [
        Paragraph(keep_counts(escape_markup(line.pharmacy)), BODY)
        for line in instructions(schedule)
    ]
    return story


def _facts_table(schedule: Schedule, patient: str | None) -> Table:
    protocol = schedule.protocol
    sources = "<br/>".join(escape_markup(citation) for citation in cited_sources(schedule))
    rows = [
        ("Patient", escape_markup(patient) if patient else "_" * 40),
        (
            "Protocol",
            f"{escape_markup(protocol.title)} ({protocol.id}, version {protocol.version})",
        ),
        ("Sources", sources),
        ("Product", escape_markup(products_line(schedule))),
        ("Start date", long_date(schedule.start)),
        ("Last day", long_date(schedule.end)),
        ("Inputs", escape_markup(inputs_line(schedule))),
    ]
    if schedule.pace is not None:
        rows.append(("Taper pace", f"{schedule.pace.id}: {escape_markup(schedule.pace.title)}"))
    rows += [(label, escape_markup(value)) for label, value in statements(schedule)]
    table = Table(
        [[Paragraph(f"<b>{label}</b>", BODY), Paragraph(value, BODY)] for label, value in rows],
        colWidths=[1.1 * inch, None],
    )
    table.setStyle(
        table_style(("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1))
    )
    return table


def _steps_table(schedule: Schedule) -> Table:
    """One row a step. During a switch the daily total is each drug's, named, and each
    time of day names the drug taken then: clonazePAM's total alone would read as a
    change of the whole dose."""
    times = schedule.times_of_day()
    header = ["From", "To", "Days", "Daily total", *(t.name.capitalize() for t in times)]
    rows: list[list[Any]] = [[Paragraph(f"<b>{cell}</b>", SMALL) for cell in header]]
    for step in schedule.steps:
        given = taken(schedule, step)
        rows.append(
            [
                Paragraph(step.start.isoformat(), SMALL),
                Paragraph(step.end.isoformat(), SMALL),
                Paragraph(str(step.days), SMALL),
                Paragraph(_total_cell(schedule, step), SMALL),
                *(
                    Paragraph(
                        "<br/>".join(_dose_cell(d) for d in given if d.time.name == time.name)
                        or "-",
                        SMALL,
                    )
                    for time in times
                ),
            ]
        )
    total_width = 1.2 * inch if schedule.weight_kg or schedule.switch else 0.85 * inch
    fixed = [0.85 * inch, 0.85 * inch, 0.5 * inch, total_width]  # an ISO date on one line
    table = Table(rows, colWidths=[*fixed, *([None] * len(times))], repeatRows=1)
    table.setStyle(
        table_style(
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        )
    )
    return table


def _symptom_log(log: SymptomLog, schedule: Schedule) -> list[Flowable]:
    """Each score beside its day's dose; where it rose at each of the last two visits,
    first the note for the clinician and the guideline it rests on."""
    header = ["Date", "Day", "Phase", "Daily total", escape_markup(log.scale.describe())]
    rows: list[list[Any]] = [[Paragraph(f"<b>{cell}</b>", SMALL) for cell in header]]
    for entry in scored_days(log, schedule):
        cells = [entry.score.date.isoformat(), str(entry.day), entry.phase,
                 _unbroken(format_mg(entry.total_mcg)), f"<b>{entry.score.score}</b>"]  # fmt: skip
        rows.append([Paragraph(cell, SMALL) for cell in cells])
    widths = [0.85 * inch, 0.5 * inch, 0.95 * inch, 0.85 * inch, 1.4 * inch]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        table_style(
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        )
    )
    heading: list[Flowable] = [Paragraph(f"Symptom log ({escape_markup(log.file_name)})", HEADING)]
    note = symptom_note(log, schedule)
    if note:  # first, and never parted from its heading or its source
        heading += [
            Paragraph(f"&bull; {escape_markup(note)}", WARNING),
            Paragraph(f"Source: {escape_markup(symptom_source())}", SMALL),
            Spacer(1, 4),
        ]
    return [KeepTogether(heading), table]


def _dose_cell(item: Taken) -> str:
    """'0.75 mg: 1 1/2 tablets 0.5 mg'; during a switch 'ALPRAZolam 1 mg: 1 tablet 1 mg'."""
    words = keep_counts(escape_markup(dose_words(replace(item, named=False))))
    drug = f"{escape_markup(item.drug)} " if item.named else ""
    return _unbroken(f"{drug}{format_mg(item.mcg)}: {words}")


def _unbroken(markup: str) -> str:
    """Markup in which no amount breaks from its unit ('0.5' at a line's end, 'mg' under)."""
    return markup.replace(" mg", "&nbsp;mg")


def _total_cell(schedule: Schedule, step: DoseStep) -> str:
    """The daily total in bold (each drug's, named, during a switch); under it mg/kg/day
    (weight-based) and any clinician's edit."""
    if step.total_mcg == 0 and not step.other_mcg:
        return "<b>Stop</b>"
    weight_kg = schedule.weight_kg
    per_kg = f"<br/>{format_per_kg(step.total_mcg, weight_kg)} mg/kg/day" if weight_kg else ""
    edit = f"<br/><i>{step.edit}</i>" if step.edit else ""
    total = f"<b>{format_mg(step.total_mcg)}</b>"
    if schedule.switch is not None:
        drug = escape_markup(schedule.protocol.drug.tall_man)
        total = f"<b>{drug} {format_mg(step.total_mcg)}</b>"
        if step.other_mcg:
            other = format_mg(step.other_mcg)
            total += f"<br/><b>{escape_markup(schedule.switch.drug_name)} {other}</b>"
    return f"{_unbroken(total)}{per_kg}{edit}"


def _report_table(report: SafetyReport) -> Table:
    rows = [
        [Paragraph(f"<b>{result.mark}</b>", SMALL), Paragraph(escape_markup(result.line), SMALL)]
        for result in report.results
    ]
    table = Table(rows, colWidths=[0.75 * inch, None])
    table.setStyle(
        table_style(("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"))
    )
    return table


def _dispensing_table(schedule: Schedule, supply_days: int) -> Table:
    supply = dispensing_totals(schedule, supply_days=supply_days)
    rows: list[list[Any]] = [
        [Paragraph(f"<b>{c}</b>", SMALL) for c in ("Period", "Days", "To dispense")]
    ]

    named = len(schedule.products) > 1

    def amounts(strengths: tuple[Any, ...]) -> str:
        return (
            "; ".join(
                f"{describe_supply(s, named=named)} (taken: {format_count(s.units_taken)})"
                for s in strengths
            )
            or "none"
        )

    for period in supply.periods:
        rows.append(
            [
                Paragraph(f"{period.start.isoformat()} to {period.end.isoformat()}", SMALL),
                Paragraph(f"{period.first_day}-{period.last_day}", SMALL),
                Paragraph(amounts(period.strengths), SMALL),
            ]
        )
    rows.append(
        [
            Paragraph("<b>Whole schedule</b>", SMALL),
            Paragraph(f"1-{schedule.days}", SMALL),
            Paragraph(f"<b>{amounts(supply.total)}</b>", SMALL),
        ]
    )
    table = Table(rows, colWidths=[1.9 * inch, 0.7 * inch, None], repeatRows=1)
    table.setStyle(
        table_style(("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"))
    )
    return table
