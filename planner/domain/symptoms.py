"""A symptom log beside the dose: the scores recorded at visits, read from a CSV file,
drawn under the dose curve and listed beside each day's dose. The planner reads the log
and never acts on it: a rising score is a note for the clinician, and the plan is the
same with the log as without it.

The file, one score a row::

    date,CIWA-B (0-80)
    2027-03-01,12
    2027-03-15,15

- The header is two cells. The first is ``date``. The second names the scale and its
  range, ``<name> (<lowest>-<highest>)`` in whole numbers from 0, or is ``score`` alone
  for the patient's 0-10 self-rating. Case and spaces around a cell do not matter.
- Each row is an ISO date (YYYY-MM-DD) and a whole-number score within the range. A
  scale's total is a sum of whole-number items (the CIWA-B's is), so ``12.5`` is refused,
  not rounded. One score a date, each date a day of the schedule; rows in any order,
  blank rows skipped.

A score rises "over the last two visits" when each of the last two scores is higher than
the one before it: the last three, by date, strictly increase. Two rises, not one, so a
single restless visit is not read as a trend (our rule, on ASAM 2025's advice to slow or
pause the taper when withdrawal symptoms emerge).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from planner.core.files import read_input
from planner.core.i18n import N_
from planner.core.limits import (
    MAX_SCALE_NAME_CHARS,
    MAX_SCALE_SCORE,
    MAX_SCHEDULE_DAYS,
    MAX_SYMPTOM_FILE_BYTES,
)
from planner.core.plaintext import control_character, quoted
from planner.errors import InputError

if TYPE_CHECKING:
    from planner.domain.schedule import PhaseName, Schedule

HEADER_RULE = (
    "date,score (a 0-10 self-rating) or date,<scale> (<lowest>-<highest>), "
    "for example date,CIWA-B (0-80)"
)
SCALE_HEADER = re.compile(r"(?P<name>.*?)\s*\(\s*(?P<lowest>[0-9]+)\s*-\s*(?P<highest>[0-9]+)\s*\)")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE = re.compile(r"-?[0-9]+")
DECIMAL = re.compile(r"-?([0-9]+[.,][0-9]*|[.,][0-9]+)")
RISING_VISITS = 2  # each of the last two scores above the one before it
# The phases in which a dose is being lowered: where ASAM's advice on a taper applies.
TAPERING: frozenset[PhaseName] = frozenset({"switch", "taper", "stop"})
SOURCE = "asam-2025"  # the guideline file's source of the advice


@dataclass(frozen=True)
class SymptomScale:
    """What the scores measure, and the range every score must fall in."""

    name: str
    lowest: int
    highest: int

    def describe(self) -> str:
        return f"{self.name} ({self.lowest}-{self.highest})"


SELF_RATING = SymptomScale(N_("self-rating"), 0, 10)  # its name is ours: translated on a plot


@dataclass(frozen=True)
class SymptomScore:
    """One visit's score; ``row`` is its row in the file (the header is row 1)."""

    date: dt.date
    score: int
    row: int


@dataclass(frozen=True)
class SymptomLog:
    """The scores on one scale, earliest first, from ``source`` (the file every error
    about the log names)."""

    source: str
    scale: SymptomScale
    scores: tuple[SymptomScore, ...]

    @property
    def file_name(self) -> str:
        return Path(self.source).name


@dataclass(frozen=True)
class ScoredDay:
    """A score beside its day of the schedule: the day's number, phase and daily dose."""

    score: SymptomScore
    day: int
    phase: PhaseName
    total_mcg: int


def read_symptoms(path: str | Path) -> SymptomLog:
    """The symptom log in ``path``, checked. The file is read bounded and remembered as
    an input, so no output may replace it; its dates are checked against a schedule
    where the two meet (``scored_days``)."""
    data = read_input(Path(path), limit=MAX_SYMPTOM_FILE_BYTES, error_type=InputError)
    return parse_symptoms(data, source=str(path))


def parse_symptoms(data: bytes, *, source: str) -> SymptomLog:
    """The log in a file's bytes; each error is one line naming ``source`` and the row."""
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is no cell
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save it as a UTF-8 CSV file", source=source) from None
    if not text.strip():
        empty = f"the file is empty; its first row is the header {HEADER_RULE}"
        raise InputError(empty, source=source)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    scores: list[SymptomScore] = []
    first_row: dict[dt.date, int] = {}
    try:
        scale = _scale(_cells(next(reader)), source)
        for cells in map(_cells, reader):
            row = reader.line_num
            if not cells:
                continue
            if len(scores) == MAX_SCHEDULE_DAYS:
                raise InputError(
                    f"more than {MAX_SCHEDULE_DAYS:,} scores, the days of the longest schedule",
                    source=source,
                    field=f"row {row}",
                )
            entry = _score_row(cells, row, scale, source)
            if entry.date in first_row:
                raise InputError(
                    f"{entry.date} has a score already, on row {first_row[entry.date]}; "
                    "give one score a date",
                    source=source,
                    field=f"row {row}",
                )
            first_row[entry.date] = row
            scores.append(entry)
    except csv.Error as error:
        raise InputError(str(error), source=source, field=f"row {reader.line_num}") from None
    if not scores:
        raise InputError("no scores: the file has a header but no rows", source=source)
    return SymptomLog(source, scale, tuple(sorted(scores, key=lambda entry: entry.date)))


def _cells(cells: list[str]) -> list[str]:
    """A row's cells without spaces around them or a spreadsheet's trailing empty cells."""
    stripped = [cell.strip() for cell in cells]
    while stripped and not stripped[-1]:
        stripped.pop()
    return stripped


def _scale(header: list[str], source: str) -> SymptomScale:
    """The scale the header names (see the module's docstring)."""

    def refuse(reason: str) -> InputError:
        return InputError(reason, source=source, field="row 1")

    if len(header) != 2 or header[0].casefold() != "date":
        raise refuse(f"the header is {quoted(','.join(header))}; write {HEADER_RULE}")
    cell = header[1]
    if cell.casefold() == "score":
        return SELF_RATING
    found = SCALE_HEADER.fullmatch(cell)
    if found is None or not found["name"]:
        raise refuse(
            f"the score column {quoted(cell)} names no scale and range; write score (a 0-10 "
            "self-rating) or <scale> (<lowest>-<highest>), for example CIWA-B (0-80)"
        )
    name = found["name"]
    if len(name) > MAX_SCALE_NAME_CHARS:
        raise refuse(f"the scale's name is longer than {MAX_SCALE_NAME_CHARS} characters")
    if control_character(name) is not None:
        raise refuse("a line break or control character in the scale's name")
    lowest, highest = (found[end].lstrip("0") or "0" for end in ("lowest", "highest"))
    if len(highest) > len(str(MAX_SCALE_SCORE)) or int(highest) > MAX_SCALE_SCORE:
        raise refuse(f"the scale's highest score, {highest}, is above {MAX_SCALE_SCORE:,}")
    if int(lowest) >= int(highest):
        raise refuse(f"the scale's range {lowest}-{highest} must run from lower to higher")
    return SymptomScale(name, int(lowest), int(highest))


def _score_row(cells: list[str], row: int, scale: SymptomScale, source: str) -> SymptomScore:
    """One row's date and score, each checked."""

    def refuse(reason: str) -> InputError:
        return InputError(reason, source=source, field=f"row {row}")

    if len(cells) > 2:
        raise refuse(f"{len(cells)} cells; a row is a date and a score")
    date_text, score_text = [*cells, ""][:2]  # a row's empty last cell is no cell
    if not date_text:
        raise refuse("the date is empty")
    if not ISO_DATE.fullmatch(date_text):
        raise refuse(f"date {quoted(date_text)} is not a date as YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        raise refuse(f"date {date_text} is not a day of the calendar") from None
    if not score_text:
        raise refuse("the score is empty")
    if DECIMAL.fullmatch(score_text):
        raise refuse(f"score {score_text} is not a whole number; the scale's scores are whole")
    if not WHOLE.fullmatch(score_text):
        raise refuse(f"score {quoted(score_text)} is not a number")
    digits = score_text.lstrip("-").lstrip("0") or "0"
    too_long = len(digits) > len(str(MAX_SCALE_SCORE))  # int() of 5,000 digits is refused
    score = 0 if too_long else int(score_text)
    if score < scale.lowest or too_long or score > scale.highest:
        raise refuse(f"score {quoted(score_text)} is outside the scale {scale.describe()}")
    return SymptomScore(date, score, row)


def scored_days(log: SymptomLog, schedule: Schedule) -> tuple[ScoredDay, ...]:
    """Each score beside its day of the schedule; a date outside the schedule is an
    error naming its row (a log of another patient, or of another plan)."""
    starts = [step.start for step in schedule.steps]
    found = []
    for entry in log.scores:
        if not schedule.start <= entry.date <= schedule.end:
            side = (
                f"before the schedule's first day, {schedule.start}"
                if entry.date < schedule.start
                else f"after the schedule's last day, {schedule.end}"
            )
            raise InputError(f"{entry.date} is {side}", source=log.source, field=f"row {entry.row}")
        step = schedule.steps[bisect.bisect_right(starts, entry.date) - 1]
        day = step.first_day + (entry.date - step.start).days
        found.append(ScoredDay(entry, day, step.phase, step.total_mcg))
    return tuple(found)


def rising_scores(log: SymptomLog) -> tuple[SymptomScore, ...]:
    """The last three scores where each of the last two visits scored higher than the
    one before it; else none."""
    last = log.scores[-(RISING_VISITS + 1) :]
    rose = len(last) == RISING_VISITS + 1 and all(
        before.score < after.score for before, after in itertools.pairwise(last)
    )
    return last if rose else ()


def symptom_note(log: SymptomLog, schedule: Schedule) -> str:
    """The clinician's note where the score rose over the last two visits ('' if not).
    In a taper, ASAM 2025's advice to slow or pause it; the planner changes nothing."""
    last = scored_days(log, schedule)[-1]  # its dates checked, rising or not
    rising = rising_scores(log)
    if not rising:
        return ""
    readings = ", ".join(f"{entry.score} on {entry.date.isoformat()}" for entry in rising)
    said = f"The {log.scale.describe()} score rose at each of the last two visits ({readings})"
    if last.phase in TAPERING:
        return (
            f"{said}. ASAM 2025 advises slowing or pausing the taper when withdrawal "
            "symptoms emerge: for the clinician to decide. The planner changes no plan on its own."
        )
    return f"{said}: for the clinician to review. The planner changes no plan on its own."


def symptom_source() -> str:
    """The full citation of the guideline the note rests on, from the guideline file."""
    from planner.domain.protocols import load_library

    found = next(s for s in load_library().guideline.sources if s.id == SOURCE)
    return " ".join(filter(None, (found.citation, found.url)))
