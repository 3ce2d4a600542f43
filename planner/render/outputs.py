"""Every file a user asked for, rendered in memory first and only then written.

Rendering all outputs before writing any means a failure in one renderer leaves every
requested file untouched; each write is atomic (see ``write_atomic``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planner.core.files import check_outputs, write_all
from planner.core.i18n import language
from planner.core.limits import MAX_PATIENT_CHARS
from planner.core.plaintext import control_character, csv_comment
from planner.domain.dispensing import DEFAULT_SUPPLY_DAYS
from planner.domain.symptoms import scored_days
from planner.errors import InputError, OutputError
from planner.render.formats import FORMATS, IMAGE_FORMATS
from planner.render.instructions import check_clocks

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule
    from planner.domain.symptoms import SymptomLog
    from planner.planning.pharmacokinetics import ConcentrationCurve
    from planner.render.pdf import Paper
    from planner.safety import SafetyReport

PLOT_FORMATS = {f".{name}": name for name in IMAGE_FORMATS}


@dataclass(frozen=True)
class OutputOptions:
    """Which files to write (one path a format of ``FORMATS``), and the settings that
    shape them."""

    csv: Path | None = None
    pdf: Path | None = None
    plot: Path | None = None
    ics: Path | None = None
    xlsx: Path | None = None
    fhir: Path | None = None
    concentration_csv: Path | None = None
    concentration: bool = False
    paper: Paper = "letter"
    patient: str | None = None
    supply_days: int = DEFAULT_SUPPLY_DAYS
    timezone: str | None = None
    clocks: dict[str, dt.time] = field(default_factory=dict)
    lang: str = "en"  # the patient's language: calendar, instructions, event text, labels
    large_print: bool = False  # the calendar in large type, a week or two a page
    symptoms: SymptomLog | None = None  # scores drawn beside the dose (plot, PDF, CSV note)

    def wanted(self) -> list[tuple[str, Path]]:
        """Each format asked for, with its path, in the order of ``FORMATS``."""
        found = [(name, getattr(self, name)) for name in FORMATS]
        return [(name, path) for name, path in found if path is not None]

    def paths(self) -> list[Path]:
        extra = [self.concentration_csv] if self.concentration_csv is not None else []
        return [path for _, path in self.wanted()] + extra


def render_outputs(
    schedule: Schedule,
    report: SafetyReport,
    options: OutputOptions,
    *,
    extra: list[tuple[Path, bytes]] | None = None,
) -> list[tuple[Path, bytes]]:
    """The bytes of every requested file, in memory; nothing is written here.

    ``extra`` files (a saved plan) are checked with the others and written with them; no
    output may be a file this process read (the protocol, products or plan file).
    """
    extra = extra or []
    _check_paths(options.paths() + [path for path, _ in extra], options)
    if options.symptoms is not None:  # a date outside the schedule, before any file
        scored_days(options.symptoms, schedule)
    plot_format = PLOT_FORMATS[options.plot.suffix.lower()] if options.plot else "png"
    rendered = [
        (path, render_kind(kind, schedule, report, options, image_format=plot_format))
        for kind, path in options.wanted()
    ]
    if options.concentration_csv is not None:
        rendered.append((options.concentration_csv, _concentration_csv(schedule, options)))
    return rendered + extra


def render_kind(
    kind: str,
    schedule: Schedule,
    report: SafetyReport,
    options: OutputOptions,
    *,
    image_format: str = "png",
) -> bytes:
    """One output by its format's name in ``FORMATS``, with no path (a batch's workers
    render a patient's files this way, the page its downloads; they write them)."""
    check_clocks(schedule, options.clocks)
    return FORMATS[kind].render(schedule, report, options, image_format)


def write_outputs(files: list[tuple[Path, bytes]]) -> None:
    """All the files, or none of them (see ``write_all``)."""
    write_all(files)


def _check_paths(paths: list[Path], options: OutputOptions) -> None:
    """Refuse before any work: a path the files module will not write (given twice, a
    file this command reads, a folder, read-only, ...), a bad plot suffix."""
    check_outputs(paths)
    if options.plot is not None and options.plot.suffix.lower() not in PLOT_FORMATS:
        raise OutputError(f"cannot write plot {options.plot}: use a .png, .svg or .pdf file name")
    if options.concentration and options.plot is None:
        raise OutputError("adds a panel to the plot: ask for the plot too", field="concentration")
    if options.supply_days < 1:
        raise OutputError("supply days must be at least 1")
    if options.patient is not None:
        check_patient_name(options.patient)
    language(options.lang)  # an unknown language is refused before any work


def check_patient_name(name: str) -> None:
    """A name or id printed on one line of every page: short, with no control character."""
    if len(name) > MAX_PATIENT_CHARS:
        raise InputError(
            f"at most {MAX_PATIENT_CHARS} characters, not {len(name):,}", field="patient_name"
        )
    if control_character(name) is not None:
        raise InputError("a line break or control character in the name", field="patient_name")


def concentration_csv(curve: ConcentrationCurve, lines: tuple[str, ...] = ()) -> bytes:
    from planner.planning.pharmacokinetics import concentration_csv as render

    return render(curve, lines)


def about(schedule: Schedule) -> tuple[str, ...]:
    """Provenance and any off-label reason, as a CSV's ``#`` header lines, for a file that
    is not the schedule itself."""
    from planner.domain.provenance import provenance

    pairs = [
        *provenance(schedule),
        *([("Off-label", schedule.off_label)] if schedule.off_label else []),
    ]
    return tuple(csv_comment(label, value) for label, value in pairs)


def _concentration_csv(schedule: Schedule, options: OutputOptions) -> bytes:
    """Hour by hour, clonazePAM's estimated concentration; during a switch, day by day,
    both drugs' levels as shares of their own steady states."""
    if schedule.switch is not None:
        from planner.planning.levels import levels_csv, switch_levels

        return levels_csv(switch_levels(schedule), about(schedule))
    return concentration_csv(_curve(schedule, options), about(schedule))


def _curve(schedule: Schedule, options: OutputOptions) -> ConcentrationCurve:
    from planner.planning.pharmacokinetics import concentration_curve

    return concentration_curve(schedule, clocks=options.clocks)


def concentration_for(schedule: Schedule, options: OutputOptions) -> ConcentrationCurve | None:
    """The concentration panel a plot was asked to draw (a switch draws its levels)."""
    wanted = options.concentration and schedule.switch is None
    return _curve(schedule, options) if wanted else None
