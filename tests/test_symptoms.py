"""The symptom log (issue 23): its file read exactly as documented, each score placed on
its day of the schedule, and the rising-score rule at its edges. The note never changes
the plan: the same schedule is planned with a log as without one."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from pathlib import Path

import pytest

from planner.api import load_protocol, taper, titrate
from planner.core.limits import MAX_SCHEDULE_DAYS
from planner.domain.schedule import Schedule
from planner.domain.symptoms import (
    SELF_RATING,
    SymptomLog,
    SymptomScale,
    parse_symptoms,
    rising_scores,
    scored_days,
    symptom_note,
)
from planner.errors import InputError, OutputError

START = dt.date(2027, 3, 1)
ASAM = "ASAM 2025 advises slowing or pausing the taper when withdrawal symptoms emerge"


@functools.cache
def tapering() -> Schedule:
    return taper(load_protocol("panic-adult"), start=START, from_mg_per_day=2)


@functools.cache
def titrating() -> Schedule:
    return titrate(load_protocol("panic-adult"), start=START, hold_days=60)


def log_of(*scores: int, header: str = "date,score", every_days: int = 14) -> SymptomLog:
    """A log of ``scores`` at visits ``every_days`` apart from the schedule's first day."""
    rows = [
        f"{START + dt.timedelta(days=every_days * n)},{score}" for n, score in enumerate(scores)
    ]
    return parse_symptoms("\n".join([header, *rows]).encode(), source="log.csv")


def test_a_self_rating_and_a_named_scale_are_read_as_the_header_says() -> None:
    assert log_of(3).scale == SELF_RATING == SymptomScale("self-rating", 0, 10)
    named = log_of(40, header="Date , CIWA-B ( 0 - 80 )")  # case and spaces do not matter
    assert named.scale == SymptomScale("CIWA-B", 0, 80)
    assert named.scale.describe() == "CIWA-B (0-80)"
    assert log_of(3, header="date,SCORE").scale == SELF_RATING


def test_rows_in_any_order_are_kept_by_date_with_their_rows_blank_rows_skipped() -> None:
    data = "\ufeffdate,score\n2027-03-15,4\n\n2027-03-01,2\n,\n2027-03-08,3,\n"
    log = parse_symptoms(data.encode(), source="log.csv")  # a spreadsheet's BOM and commas
    assert [(s.date.day, s.score, s.row) for s in log.scores] == [(1, 2, 4), (8, 3, 6), (15, 4, 2)]


def test_the_ends_of_the_range_are_scores() -> None:
    assert [s.score for s in log_of(0, 10).scores] == [0, 10]
    assert [s.score for s in log_of(0, 80, header="date,CIWA-B (0-80)").scores] == [0, 80]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "log.csv: the file is empty; its first row is the header date,score"),
        ("date,score\n", "log.csv: no scores: the file has a header but no rows"),
        ("2027-03-01,4\n", "log.csv::row 1: the header is '2027-03-01,4'; write date,score"),
        ("date\n2027-03-01,4\n", "log.csv::row 1: the header is 'date'"),
        ("date,score,note\n", "log.csv::row 1: the header is 'date,score,note'"),
        ("date,severity\n", "log.csv::row 1: the score column 'severity' names no scale"),
        ("date,(0-80)\n", "log.csv::row 1: the score column '(0-80)' names no scale"),
        ("date,CIWA-B (80-0)\n", "row 1: the scale's range 80-0 must run from lower to higher"),
        ("date,CIWA-B (5-5)\n", "row 1: the scale's range 5-5 must run from lower to higher"),
        ("date,Scale (0-1001)\n", "row 1: the scale's highest score, 1001, is above 1,000"),
        (f"date,{'X' * 41} (0-9)\n", "row 1: the scale's name is longer than 40 characters"),
        ('date,"A\x07B (0-9)"\n', "row 1: a line break or control character in the scale's"),
        ("date,score\n2027-03-01,11\n", "log.csv::row 2: score '11' is outside the scale"),
        ("date,score\n2027-03-01,-1\n", "row 2: score '-1' is outside the scale self-rating"),
        ("date,CIWA-B (0-80)\n2027-03-01,81\n", "row 2: score '81' is outside the scale CIWA-B"),
        ("date,score\n2027-03-01," + "9" * 5000 + "\n", "row 2: score '9999999999"),
        ("date,score\n2027-03-01,high\n", "log.csv::row 2: score 'high' is not a number"),
        ("date,score\n2027-03-01,4.5\n", "row 2: score 4.5 is not a whole number"),
        ('date,score\n2027-03-01,"4,5"\n', "row 2: score 4,5 is not a whole number"),
        ("date,score\n2027-03-01,\n", "log.csv::row 2: the score is empty"),
        ("date,score\n,4\n", "log.csv::row 2: the date is empty"),
        ("date,score\n2027-02-30,4\n", "row 2: date 2027-02-30 is not a day of the calendar"),
        ("date,score\n01/03/2027,4\n", "row 2: date '01/03/2027' is not a date as YYYY-MM-DD"),
        ("date,score\n20270301,4\n", "row 2: date '20270301' is not a date as YYYY-MM-DD"),
        ("date,score\n2027-03-01,4,5\n", "log.csv::row 2: 3 cells; a row is a date and a score"),
        (
            "date,score\n2027-03-01,4\n2027-03-08,5\n2027-03-01,6\n",
            "log.csv::row 4: 2027-03-01 has a score already, on row 2; give one score a date",
        ),
        ('date,score\n2027-03-01,"4\n', "log.csv::row 2: unexpected end of data"),
    ],
)
def test_each_bad_file_is_one_line_naming_the_file_and_row(data: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_symptoms(data.encode(), source="log.csv")
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and len(text) < 300, text


def test_more_scores_than_the_longest_schedule_has_days_are_refused() -> None:
    first = dt.date(2020, 1, 1)
    rows = [f"{first + dt.timedelta(days=n)},1" for n in range(MAX_SCHEDULE_DAYS + 1)]
    data = "\n".join(["date,score", *rows]).encode()
    with pytest.raises(InputError) as caught:
        parse_symptoms(data, source="log.csv")
    assert str(caught.value) == (
        f"log.csv::row {MAX_SCHEDULE_DAYS + 2}: more than 3,660 scores, the days of the "
        "longest schedule"
    )
    assert len(parse_symptoms(data.rsplit(b"\n", 1)[0], source="log.csv").scores) == 3660


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"date,score\n2027-03-01,4\x00\n", "row 2: score '4\\x00' is not a number"),
        (b"\ndate,score\n2027-03-01,4\n", "row 1: the header is ''; write date,score"),
        (b"  \n\n", "log.csv: the file is empty"),
    ],
)
def test_a_nul_a_blank_first_line_and_a_blank_file(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_symptoms(data, source="log.csv")
    assert message in str(caught.value)


def test_a_file_not_utf8_is_named() -> None:
    with pytest.raises(InputError, match=r"^log\.csv: not UTF-8 text"):
        parse_symptoms(b"date,score\n2027-03-01,\xff\n", source="log.csv")


def test_each_score_sits_beside_its_days_dose() -> None:
    schedule = tapering()
    last = schedule.end
    data = f"date,score\n{START},2\n2027-03-05,3\n{last},4\n".encode()
    scored = scored_days(parse_symptoms(data, source="log.csv"), schedule)
    assert [(s.day, s.phase, s.total_mcg) for s in scored] == [
        (1, "taper", 2000),
        (5, "taper", 1750),  # the first cut, on 5 March (the dose steps' table says so)
        (schedule.days, "stop", 0),
    ]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2027-02-28", "log.csv::row 3: 2027-02-28 is before the schedule's first day, 2027-03-01"),
        ("2028-01-01", "log.csv::row 3: 2028-01-01 is after the schedule's last day, 2027-10-29"),
    ],
)
def test_a_date_outside_the_schedule_names_its_row(date: str, message: str) -> None:
    log = parse_symptoms(f"date,score\n2027-03-02,1\n{date},2\n".encode(), source="log.csv")
    with pytest.raises(InputError) as caught:
        scored_days(log, tapering())
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("scores", "rising"),
    [
        ((5, 5, 5), ()),  # flat
        ((4, 5, 5), ()),  # one rise, then flat
        ((5, 5, 6), ()),  # flat, then one rise
        ((4, 6, 5), ()),  # a rise, then a fall
        ((6, 5, 4), ()),  # falling
        ((3, 4, 5, 4), ()),  # two rises, then a fall at the last visit
        ((4, 5), ()),  # one rise: too few visits to say more
        ((7,), ()),
        ((4, 5, 6), (4, 5, 6)),  # two rises
        ((9, 1, 2, 3), (1, 2, 3)),  # only the last two visits count
        ((0, 5, 10), (0, 5, 10)),  # the range's ends
    ],
)
def test_a_score_rises_when_each_of_the_last_two_visits_is_higher(
    scores: tuple[int, ...], rising: tuple[int, ...]
) -> None:
    found = rising_scores(log_of(*scores))
    assert tuple(entry.score for entry in found) == rising
    assert bool(symptom_note(log_of(*scores), tapering())) == bool(rising)


def test_the_rise_is_read_by_date_not_by_row() -> None:
    data = b"date,score\n2027-03-29,6\n2027-03-01,4\n2027-03-15,5\n"
    assert [s.score for s in rising_scores(parse_symptoms(data, source="log.csv"))] == [4, 5, 6]
    falling = b"date,score\n2027-03-01,6\n2027-03-29,4\n2027-03-15,5\n"
    assert rising_scores(parse_symptoms(falling, source="log.csv")) == ()


def test_in_a_taper_the_note_gives_asams_advice_for_the_clinician_to_decide() -> None:
    note = symptom_note(log_of(10, 14, 19, header="date,CIWA-B (0-80)"), tapering())
    assert note == (
        "The CIWA-B (0-80) score rose at each of the last two visits (10 on 2027-03-01, "
        f"14 on 2027-03-15, 19 on 2027-03-29). {ASAM}: for the clinician to decide. "
        "The planner changes no plan on its own."
    )


def test_outside_a_taper_the_note_says_no_taper_advice() -> None:
    """A rise during a titration is no withdrawal: the note names the rise, no taper."""
    note = symptom_note(log_of(2, 3, 4), titrating())
    assert note.startswith("The self-rating (0-10) score rose at each of the last two visits")
    assert "ASAM" not in note and "taper" not in note
    assert note.endswith("for the clinician to review. The planner changes no plan on its own.")


def test_the_note_checks_the_dates_even_when_nothing_rose() -> None:
    late = parse_symptoms(b"date,score\n2030-01-01,3\n", source="log.csv")
    with pytest.raises(InputError, match="row 2: 2030-01-01 is after the schedule's last day"):
        symptom_note(late, tapering())


@pytest.mark.slow
def test_the_library_reads_a_log_and_its_outputs_draw_it_but_never_replace_it(
    tmp_path: Path,
) -> None:
    """The Python API as the command line uses it: ``read_symptoms``, then
    ``OutputOptions(symptoms=...)``; the log is an input, so no output may be written onto
    it, and a date outside the schedule is refused before any file is rendered."""
    import planner

    path = tmp_path / "visits.csv"
    path.write_text("date,score\n2027-03-01,2\n2027-03-15,3\n2027-03-29,5\n", encoding="utf-8")
    log = planner.read_symptoms(path)
    assert isinstance(log, planner.SymptomLog) and log.file_name == "visits.csv"
    schedule, report = planner.plan_checked(load_protocol("panic-adult"), tapering().request)
    options = planner.OutputOptions(csv=tmp_path / "t.csv", plot=tmp_path / "t.png", symptoms=log)
    files = dict(planner.render_outputs(schedule, report, options))
    assert b'# Note:,"The self-rating (0-10) score rose' in files[tmp_path / "t.csv"]
    with pytest.raises(OutputError, match="is a file this command reads; write elsewhere"):
        planner.render_outputs(schedule, report, replace(options, csv=path))
    late = parse_symptoms(b"date,score\n2027-12-01,2\n", source="late.csv")
    with pytest.raises(InputError, match=r"^late\.csv::row 2: 2027-12-01 is after"):
        planner.render_outputs(schedule, report, replace(options, symptoms=late))
    assert path.read_text(encoding="utf-8").startswith("date,score\n")
