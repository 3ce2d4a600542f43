"""The outputs people read: PDF calendar, plot, iCalendar, workbook, dispensing, wording.

Each output is read back and checked for content, not only for existing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from fractions import Fraction
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from planner import load_protocol, taper, titrate
from planner.domain.dispensing import dispensing_totals
from planner.domain.provenance import fingerprint
from planner.domain.schedule import Schedule
from planner.render.ics import render_ics
from planner.render.instructions import instructions
from planner.render.pdf import render_pdf
from planner.render.plot import render_plot, schedule_figure
from planner.render.xlsx import render_xlsx
from planner.safety import check_schedule

# In one xdist worker: the module's schedules and the long taper's PDF are made once.
pytestmark = pytest.mark.xdist_group("outputs")


@pytest.fixture(scope="module")
def two_weeks() -> Schedule:
    return titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4), hold_days=11)


@pytest.fixture(scope="module")
def long_taper() -> Schedule:
    """23 months (696 days) from the 20 mg/day ceiling, three doses a day, with drops,
    crossing two year boundaries."""
    return taper(
        load_protocol("seizure-adult"),
        start=dt.date(2027, 11, 15),
        from_mg_per_day=20,
        product="rivotril-drops",
    )


def pdf_pages(schedule: Schedule, **options: object) -> tuple[bytes, list[str]]:
    data = render_pdf(schedule, check_schedule(schedule), **options)  # type: ignore[arg-type]  # options as the tests pass them
    reader = PdfReader(io.BytesIO(data))
    return data, [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def long_taper_pdf(long_taper: Schedule) -> tuple[bytes, list[str]]:
    """The long taper's PDF and its pages' text, made and read once for the tests that only
    read them (a PDF is the same bytes each time it is made, as a test below checks)."""
    return pdf_pages(long_taper)


def font_sizes(data: bytes) -> set[float]:
    """Every font size set in the PDF's content streams (the Tf operator)."""
    sizes: set[float] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for operands, operator in page.get_contents().operations:  # type: ignore[union-attr]  # every page has contents
            if operator == b"Tf":
                sizes.add(float(operands[1]))
    return sizes


def test_pdf_summary_page_has_what_a_clinician_reviews(two_weeks: Schedule) -> None:
    _, pages = pdf_pages(two_weeks, patient="J. Doe, MRN 12345")
    summary = " ".join(pages[:-1])  # the summary's pages, before the month's
    for expected in [
        "clonazePAM titration schedule: clinician summary",
        "J. Doe, MRN 12345",
        "Panic disorder, adults (panic-adult, version 1.2.0)",
        "Klonopin (clonazepam) US prescribing information",
        "clonazePAM tablets (US, Klonopin)",
        "Monday 4 January 2027",
        "Dose steps",
        "Safety checks",
        "no increase sooner than the minimum interval",
        "Warnings",
        "Before prescribing: boxed warning, contraindications, cautions",
        "Boxed warning: Concomitant opioids. Profound sedation, respiratory depression",
        "Contraindication: Significant liver disease.",
        "Contraindication: Acute narrow-angle glaucoma.",
        "Caution: Impaired respiratory function.",
        "Caution: Renal impairment.",
        "Caution: Hepatic impairment.",
        "Metabolites of Klonopin are excreted by the kidneys",
        "Dispensing totals",
        "Instructions for the patient",
        "take half a 0.5 mg tablet in the morning and half a 0.5 mg tablet at bedtime",
        "Pharmacy directions",
    ]:
        assert expected in summary, expected


def test_pdf_month_pages_show_each_dose_in_words_with_changes_marked(two_weeks: Schedule) -> None:
    _, pages = pdf_pages(two_weeks)
    january = pages[-1]
    assert "January 2027" in january
    assert "Morning: half a 0.5 mg tablet" in january
    assert "Bedtime: 1 tablet 0.5 mg" in january
    assert "START" in january and "NEW" in january
    assert "Tick each dose when taken" in january
    assert len(pages) == 3  # the summary's two pages, one month


@pytest.mark.slow
def test_every_pdf_page_has_the_footer(
    long_taper: Schedule, long_taper_pdf: tuple[bytes, list[str]]
) -> None:
    _, pages = long_taper_pdf
    tag = fingerprint(long_taper)
    for text in pages:
        assert "For clinician review and education. Not medical advice." in text
        assert "seizure-adult 1.2.0" in text
        assert "dose-planner 0.1.0" in text
        assert tag in text


@pytest.mark.slow
def test_long_taper_has_a_page_per_month_across_the_year_boundary(
    long_taper: Schedule, long_taper_pdf: tuple[bytes, list[str]]
) -> None:
    _, pages = long_taper_pdf
    names = "January|February|March|April|May|June|July|August|September|October|November|December"
    title = re.compile(rf"({names}) 20\d\d( \(continued\))? Patient:")
    months = [page for page in pages if title.search(page)]
    first, last = long_taper.start, long_taper.end
    expected = (last.year - first.year) * 12 + last.month - first.month + 1
    assert long_taper.days == 696
    assert len(months) >= expected == 24
    assert any("December 2027" in page for page in months)
    assert any("January 2028" in page for page in months)
    assert "Stop" in months[-1]
    assert "Bedtime: 1 drop (0.1 mg)" in "".join(months)


@pytest.mark.slow
def test_pdf_text_is_never_smaller_than_8_pt(
    long_taper_pdf: tuple[bytes, list[str]], two_weeks: Schedule
) -> None:
    for data in (long_taper_pdf[0], pdf_pages(two_weeks)[0]):
        assert min(font_sizes(data)) >= 8


@pytest.mark.slow
def test_pdf_dose_text_follows_ismp(long_taper_pdf: tuple[bytes, list[str]]) -> None:
    _, pages = long_taper_pdf
    text = "\n".join(pages)
    assert not re.search(r"(?<![\d])\.\d+ ?mg", text), "a dose without its leading zero"
    assert not re.search(r"\d\.\d*0 ?mg", text), "a dose with a trailing zero"
    assert "clonazePAM" in text and "Clonazepam tablets" not in text


def test_pdf_is_byte_identical_and_sized_by_paper(two_weeks: Schedule) -> None:
    first, _ = pdf_pages(two_weeks)
    again, _ = pdf_pages(two_weeks)
    assert first == again
    letter = PdfReader(io.BytesIO(first)).pages[0].mediabox
    a4 = PdfReader(io.BytesIO(pdf_pages(two_weeks, paper="a4")[0])).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_plot_figure_has_no_pyplot_state_and_renders(two_weeks: Schedule) -> None:
    figure = schedule_figure(two_weeks)
    axes = figure.axes[0]
    assert "clonazePAM titration" in axes.get_title(loc="left")
    labels = [text.get_text() for text in axes.texts]
    assert "titration" in labels and "maintenance" in labels
    assert any("protocol maximum 4 mg/day" in label for label in labels)
    assert "matplotlib.pyplot" not in sys.modules
    png = render_plot(two_weeks, check_schedule(two_weeks))
    assert png.startswith(b"\x89PNG")
    svg = render_plot(two_weeks, check_schedule(two_weeks), image_format="svg")
    assert svg == render_plot(two_weeks, check_schedule(two_weeks), image_format="svg")


def test_ics_has_one_event_per_dose_in_a_real_time_zone(two_weeks: Schedule) -> None:
    data = render_ics(
        two_weeks,
        check_schedule(two_weeks),
        timezone="America/New_York",
        clocks={"morning": dt.time(7, 30)},
    )
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    doses = sum(1 for _, _, step in two_weeks.daily() for dose in step.doses if dose.mcg)
    assert len(events) - 1 == doses == 14 * 2  # and the last day's "keep taking"
    start = events[0].decoded("DTSTART")
    assert isinstance(start, dt.datetime)
    assert start == dt.datetime(2027, 1, 4, 7, 30, tzinfo=start.tzinfo)
    assert str(start.tzinfo) == "America/New_York"
    assert [c.name for c in calendar.walk("VTIMEZONE")] == ["VTIMEZONE"]
    assert all(len(event.walk("VALARM")) == 1 for event in events[:-1])
    text = data.decode()
    assert "DTSTART;TZID=America/New_York:20270104T073000" in text
    assert not re.search(r"DTSTART;TZID=[^:]+:\d{8}T\d{6}Z", text)
    assert all(line.endswith("Z") for line in text.splitlines() if line.startswith("DTSTAMP"))
    assert data == render_ics(
        two_weeks,
        check_schedule(two_weeks),
        timezone="America/New_York",
        clocks={"morning": dt.time(7, 30)},
    )


def test_ics_taper_ends_with_a_stop_event() -> None:
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=1, pace="label"
    )
    events = list(
        icalendar.Calendar.from_ical(
            render_ics(schedule, check_schedule(schedule), timezone="UTC")
        ).walk("VEVENT")
    )
    assert str(events[-1]["SUMMARY"]) == "Stop clonazePAM: no more doses"
    assert events[-1].decoded("DTSTART") == dt.date(2027, 3, 10)


@pytest.mark.slow
def test_xlsx_reads_back_with_days_steps_and_provenance(long_taper: Schedule) -> None:
    sheets = pd.read_excel(
        io.BytesIO(render_xlsx(long_taper, check_schedule(long_taper))), sheet_name=None
    )
    assert list(sheets) == ["Daily", "Steps", "Dispensing", "About"]
    assert len(sheets["Daily"]) == long_taper.days
    assert len(sheets["Steps"]) == len(long_taper.steps)
    about = dict(zip(sheets["About"]["item"], sheets["About"]["value"], strict=False))
    assert about["Fingerprint"] == fingerprint(long_taper)
    assert sheets["Daily"]["total_mg"].iloc[-1] == 0
    whole = sheets["Dispensing"][sheets["Dispensing"]["period"] == "whole schedule"]
    supply = dispensing_totals(long_taper)
    assert list(whole["units_to_dispense"]) == [s.units_to_dispense for s in supply.total]
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(long_taper, check_schedule(long_taper))))
    for sheet in book.worksheets:  # a header in view and filters on every sheet
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    assert book["Daily"]["A2"].number_format == "yyyy-mm-dd"


def test_dispensing_counts_halves_as_parts_of_whole_tablets() -> None:
    # Panic start: half a 0.5 mg tablet twice a day for 3 days (3 tablets), then one
    # tablet twice a day; a 31-day schedule with 30-day periods leaves day 31 alone.
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4), hold_days=28)
    supply = dispensing_totals(schedule, supply_days=30)
    assert [(s.strength_mcg, s.units_to_dispense) for s in supply.total] == [(500, 3 + 28 * 2)]
    assert [p.strengths[0].units_to_dispense for p in supply.periods] == [3 + 27 * 2, 2]


def test_dispensing_rounds_a_lone_half_up_to_a_whole_tablet() -> None:
    # The last step of a label taper: half a 0.5 mg tablet at bedtime for 3 days.
    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day="0.25",
        pace="label",
    )
    supply = dispensing_totals(schedule)
    assert supply.total[0].units_taken == Fraction(3, 2)
    assert supply.total[0].units_to_dispense == 2


def test_instructions_in_plain_words_and_pharmacy_lines() -> None:
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=1, pace="label"
    )
    lines = instructions(schedule)
    assert lines[0].patient == (
        "From Monday 1 March 2027 to Wednesday 3 March 2027 (3 days): take half a 0.5 mg tablet "
        "in the morning and 1 tablet of 0.5 mg at bedtime. That is 0.75 mg a day."
    )
    assert lines[0].pharmacy == (
        "Days 1-3: clonazePAM in the morning: 1/2 x 0.5 mg tablet; "
        "at bedtime: 1 x 0.5 mg tablet (0.75 mg/day)."
    )
    assert lines[-1].patient.startswith("From Wednesday 10 March 2027: stop taking clonazePAM.")


def test_a_renderer_failing_midway_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import planner.render.plot
    from planner.cli import cli

    csv_path, plot_path = tmp_path / "plan.csv", tmp_path / "plan.png"
    csv_path.write_text("the clinician's earlier file")

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the plot renderer broke")

    monkeypatch.setattr(planner.render.plot, "render_plot", broken)
    args = ["titrate", "panic-adult", "--start", "2027-01-04", "--csv", str(csv_path)]
    result = CliRunner().invoke(cli, [*args, "--plot", str(plot_path)])
    assert isinstance(result.exception, RuntimeError)
    assert csv_path.read_text() == "the clinician's earlier file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]  # no temporary left


def test_outputs_are_written_all_or_nothing(tmp_path: Path) -> None:
    """One file that cannot be written (here under /proc) leaves the others unwritten."""
    from click.testing import CliRunner

    from planner.cli import cli

    csv_path = tmp_path / "taper.csv"
    args = ["taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--csv", str(csv_path)]
    result = CliRunner().invoke(cli, [*args, "--pdf", "/proc/no-such-place.pdf"])
    assert result.exit_code == 2
    assert "cannot write /proc/no-such-place.pdf" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_drops_are_dispensed_with_their_volume() -> None:
    from planner.domain.dispensing import describe_supply

    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day="0.2",
        pace="label",
        product="rivotril-drops",
    )
    total = dispensing_totals(schedule).total
    # The label's source stops from 0.2 mg/day (its step is 0.25); drops make 0.1 mg, so
    # the taper goes on at the guideline's pace: 0.2 -> 0.1 mg/day (50%) waits 28 days, 14
    # of them before day 1. Two drops a day for 14 days, then one a day for the label's 3:
    # 31 drops, 1.24 mL, rounded up to the next 0.1 mL; the bottle is the file's 10 mL.
    assert [(s.total_mcg, s.days) for s in schedule.steps] == [(200, 14), (100, 3), (0, 1)]
    assert [describe_supply(s) for s in total] == ["31 x 0.1 mg drops (1.3 mL) = 1 bottle of 10 mL"]


def test_the_longest_patient_name_fits_the_calendar_header() -> None:
    """The summary shows the whole name; a month's header shrinks it, then cuts it with
    an ellipsis rather than writing over the month's name."""
    from planner.core.limits import MAX_PATIENT_CHARS

    name = ("Wolfeschlegelsteinhausenbergerdorff" * 4)[:MAX_PATIENT_CHARS]
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    data, pages = pdf_pages(schedule, patient=name)
    assert name in pages[0].replace(" ", "")
    header = next(part for page in pages[1:] for part in page.split("Patient: ")[1:])
    assert "\u2026" in header
    assert header.split("\u2026")[0] in name
    assert min(font_sizes(data)) >= 8


@pytest.mark.slow
def test_after_a_product_switch_every_line_and_calendar_day_names_its_product() -> None:
    """Issue: a switch from tablets to drops partway; instructions, pharmacy directions,
    dispensing lines and each day of the calendar say which product."""
    from planner.domain.dispensing import describe_supply, dispensing_totals
    from planner.render.instructions import instructions

    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        switch_product={"at_or_below_mg_per_day": "0.5", "product": "rivotril-drops"},
    )
    assert len(schedule.products) == 2
    for line in instructions(schedule)[:-1]:  # the last is the stop
        assert line.step.product.name in line.patient
        assert line.step.product.name in line.pharmacy
    supply = dispensing_totals(schedule, supply_days=30)
    for period in supply.periods:
        for strength in period.strengths:
            assert describe_supply(strength, named=True).endswith(f"of {strength.product.label}")
    _, pages = pdf_pages(schedule)
    months = [page for page in pages if "Tick each dose" in page]
    labels = sum(page.count("Klonopin tablets") + page.count("Rivotril drops") for page in months)
    dosing_days = sum(1 for _, _, step in schedule.daily() if step.total_mcg)
    assert labels == dosing_days


def test_after_a_switch_the_calendar_file_and_csv_name_each_days_product() -> None:
    from planner.render.csv import render_csv
    from planner.render.ics import render_ics

    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day="1.5",
        switch_product={"at_or_below_mg_per_day": "1", "product": "us-odt"},
    )
    report = check_schedule(schedule)
    summaries = [
        line
        for line in render_ics(schedule, report, timezone="UTC").decode().split("\r\n")
        if line.startswith("SUMMARY:clonazePAM ") and "mg:" in line
    ]
    assert summaries and all("Klonopin tablets" in s or "ODT" in s for s in summaries)
    rows = [
        line
        for line in render_csv(schedule, report).decode().splitlines()
        if not line.startswith("#")
    ]
    header = next(csv.reader([rows[0]]))
    assert "product" in header
    named = {row[header.index("product")] for row in csv.reader(rows[1:]) if row[3] != "0"}
    assert named == {p.name for p in schedule.products}


def test_drops_in_the_calendar_file_give_the_dose_once() -> None:
    from planner.render.ics import render_ics

    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=1,
        product="rivotril-drops",
    )  # fmt: skip
    text = render_ics(schedule, check_schedule(schedule), timezone="UTC").decode()
    unfolded = text.replace("\r\n ", "")
    assert "4 drops (0.4 mg). Daily total" in unfolded
    assert "(0.4 mg) (0.4 mg)" not in unfolded


def test_the_concentration_csv_carries_provenance_and_the_review_line(tmp_path: Path) -> None:
    from cli_helpers import ok

    out = tmp_path / "conc.csv"
    ok(
        "titrate", "seizure-adult", "--start", "2027-01-04", "--target", "1.5", "--age", "2",
        "--weight", "10", "--off-label", "A neurologist's reason", "--concentration-csv", out,
    )  # fmt: skip
    header = [line for line in out.read_text().splitlines() if line.startswith("#")]
    assert '# Review:,"For clinician review and education. Not medical advice."' in header
    assert any("A neurologist's reason" in line for line in header)
    assert any(line.startswith('# Protocol:,"seizure-adult') for line in header)


def test_a_plan_files_source_is_under_the_plot() -> None:
    from planner.plans import load_plan, run_plan
    from planner.render.plot import schedule_figure

    plan = Path(__file__).resolve().parents[2] / "examples" / "nardi-2010.plan.toml"
    figure = schedule_figure(run_plan(load_plan(plan), folder=plan.parent).schedule)
    assert any("Steps from: Nardi AE" in text.get_text() for text in figure.texts)


def test_the_workbook_is_the_same_bytes_whenever_it_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """openpyxl stamps its zip entries with the time of saving: the planner fixes them."""
    import time

    from planner.render.xlsx import render_xlsx

    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    first = render_xlsx(schedule, check_schedule(schedule))
    later = time.time() + 3 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_xlsx(schedule, check_schedule(schedule)) == first
