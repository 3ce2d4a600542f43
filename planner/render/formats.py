"""The output formats, each described once: its name (the command line's option, the
batch's flag, the page's download), file suffix, media type, words for a person and the
function that renders it. The command line, the batch, the page and its API all read
``FORMATS``: a new format is one module and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule
    from planner.render.outputs import OutputOptions
    from planner.safety import SafetyReport


class Renderer(Protocol):
    """Bytes of one file from a checked schedule and the settings that shape it; the plot
    is drawn as ``image_format`` (png, svg or pdf), the others ignore it."""

    def __call__(
        self,
        schedule: Schedule,
        report: SafetyReport,
        options: OutputOptions,
        image_format: str,
        /,
    ) -> bytes: ...


@dataclass(frozen=True)
class Format:
    name: str  # --csv; the batch's --csv; the page's "csv" download
    label: str  # the page's words
    help: str  # the command line's
    suffix: str
    media_type: str
    render: Renderer
    batch_file: str | None = None  # its name in each patient's batch folder, if offered
    heavy: bool = False  # seconds for a long schedule: the web API makes it on POST only
    shared_state: bool = False  # matplotlib's or reportlab's process-wide settings


def _csv(schedule: Schedule, report: SafetyReport, options: OutputOptions, _: str) -> bytes:
    from planner.render.csv import render_csv

    return render_csv(schedule, report, symptoms=options.symptoms)


def _pdf(schedule: Schedule, report: SafetyReport, options: OutputOptions, _: str) -> bytes:
    from planner.render.pdf import render_pdf

    return render_pdf(
        schedule,
        report,
        paper=options.paper,
        patient=options.patient,
        supply_days=options.supply_days,
        lang=options.lang,
        clocks=options.clocks,
        large_print=options.large_print,
        symptoms=options.symptoms,
    )


def _plot(
    schedule: Schedule, report: SafetyReport, options: OutputOptions, image_format: str
) -> bytes:
    from planner.render.outputs import concentration_for
    from planner.render.plot import render_plot

    return render_plot(
        schedule,
        report,
        image_format=image_format,
        concentration=concentration_for(schedule, options),
        lang=options.lang,
        symptoms=options.symptoms,
    )


def _ics(schedule: Schedule, report: SafetyReport, options: OutputOptions, _: str) -> bytes:
    from planner.render.ics import render_ics

    return render_ics(
        schedule,
        report,
        timezone=options.timezone,
        clocks=options.clocks,
        patient=options.patient,
        lang=options.lang,
    )


def _xlsx(schedule: Schedule, report: SafetyReport, options: OutputOptions, _: str) -> bytes:
    from planner.render.xlsx import render_xlsx

    return render_xlsx(schedule, report, lang=options.lang)


def _fhir(schedule: Schedule, report: SafetyReport, options: OutputOptions, _: str) -> bytes:
    from planner.render.fhir import render_fhir

    return render_fhir(schedule, report, patient=options.patient, clocks=options.clocks)


FORMATS: dict[str, Format] = {
    entry.name: entry
    for entry in (
        Format(
            "csv",
            "CSV table",
            "Write the day-by-day table as CSV.",
            "csv",
            "text/csv; charset=utf-8",
            _csv,
            batch_file="schedule.csv",
        ),
        Format(
            "pdf",
            "PDF calendar",
            "Write the printable calendar (PDF).",
            "pdf",
            "application/pdf",
            _pdf,
            batch_file="calendar.pdf",
            heavy=True,
            shared_state=True,
        ),
        Format(
            "plot",
            "Plot",
            "Write a plot (.png, .svg or .pdf).",
            "png",
            "image/png",
            _plot,
            batch_file="plot.png",
            heavy=True,
            shared_state=True,
        ),
        Format(
            "ics",
            "Calendar file (ICS)",
            "Write an iCalendar file of every dose.",
            "ics",
            "text/calendar; charset=utf-8",
            _ics,
            batch_file="doses.ics",
            heavy=True,
        ),
        Format(
            "xlsx",
            "Workbook (XLSX)",
            "Write a workbook (daily and steps).",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx,
            heavy=True,
            shared_state=True,
        ),
        Format(
            "fhir",
            "FHIR Bundle (JSON)",
            "Write a FHIR R4 Bundle of MedicationRequest proposals (JSON).",
            "fhir.json",
            "application/fhir+json",
            _fhir,
            batch_file="medication-requests.fhir.json",
        ),
    )
}
# The files a batch writes in each patient's folder, by format.
BATCH_FILES = {name: entry.batch_file for name, entry in FORMATS.items() if entry.batch_file}
# The plot's image formats, by file suffix, with their media types.
IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
