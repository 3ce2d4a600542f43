"""The symptom log on the PDF's clinician summary (issue 23), read back with pypdf: a
table of each score beside its day's dose, under the dose steps; where the score rose at
each of the last two visits, the note and its source first; the calendar pages as
they were."""

from __future__ import annotations

import datetime as dt
import functools
import io
from typing import Any

import pytest
from pypdf import PdfReader
from readback.pdf import FOOTER_TOP, read_pdf

from planner.api import load_protocol, taper
from planner.domain.schedule import Schedule
from planner.domain.symptoms import SymptomLog, parse_symptoms
from planner.render.pdf import render_pdf
from planner.safety import check_schedule

Rows = dict[int, list[tuple[float, str]]]  # each line's cells by their x, by the line's y
ADVICE = "ASAM 2025 advises slowing or pausing the taper when withdrawal symptoms emerge"


@functools.cache
def tapering() -> Schedule:
    return taper(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2)


def log(text: str) -> SymptomLog:
    return parse_symptoms(text.encode(), source="clinic/visits.csv")


def summary_text(symptoms: SymptomLog | None) -> str:
    """The clinician's pages as text, one line a row of each page (a table's cells, drawn
    one by one, joined left to right)."""
    data = render_pdf(tapering(), check_schedule(tapering()), symptoms=symptoms)
    lines: list[str] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        if page.mediabox.width > page.mediabox.height:
            break  # the calendar's months, after the summary
        rows: Rows = {}

        def keep(text: str, cm: Any, tm: Any, *_: Any, rows: Rows = rows) -> None:
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            if text.strip() and y > FOOTER_TOP:
                rows.setdefault(-round(y), []).append((x, " ".join(text.split())))

        page.extract_text(visitor_text=keep)
        lines += [" ".join(text for _, text in sorted(row)) for _, row in sorted(rows.items())]
    return "\n".join(lines)


def portrait_pages(data: bytes) -> list[str]:
    pages = PdfReader(io.BytesIO(data)).pages
    return [page.extract_text() for page in pages if page.mediabox.width < page.mediabox.height]


@pytest.mark.slow
def test_each_score_is_listed_beside_its_days_dose_under_the_steps() -> None:
    text = summary_text(log("date,CIWA-B (0-80)\n2027-04-19,11\n2027-03-01,9\n2027-03-22,13\n"))
    section = text.split("Symptom log (visits.csv)\n")[1].split("Safety checks")[0]
    assert text.index("Dose steps") < text.index("Symptom log") < text.index("Safety checks")
    rows = section.splitlines()
    assert rows[0] == "Date Day Phase Daily total CIWA-B (0-80)"
    assert rows[1:4] == [
        "2027-03-01 1 taper 2 mg 9",
        "2027-03-22 22 taper 1.75 mg 13",
        "2027-04-19 50 taper 1.25 mg 11",
    ]
    assert "rose at each" not in text and "ASAM 2025 advises" not in text


def test_a_rise_at_each_of_the_last_two_visits_is_noted_first_with_its_source() -> None:
    text = summary_text(log("date,score\n2027-03-01,2\n2027-03-15,3\n2027-03-29,5\n"))
    section = " ".join(text.split("Symptom log (visits.csv)\n")[1].split("Date Day")[0].split())
    assert section.startswith(
        "• The self-rating (0-10) score rose at each of the last two visits (2 on 2027-03-01, "
        f"3 on 2027-03-15, 5 on 2027-03-29). {ADVICE}: for the clinician to decide. "
        "The planner changes no plan on its own."
    )
    assert "Source: Joint Clinical Practice Guideline on Benzodiazepine Tapering" in section
    assert "https://doi.org/10.1007/s11606-025-09499-2" in section


@pytest.mark.slow
def test_without_a_log_the_summary_has_no_symptom_section_and_the_calendar_is_unchanged() -> None:
    report = check_schedule(tapering())
    plain = render_pdf(tapering(), report)
    noted = render_pdf(tapering(), report, symptoms=log("date,score\n2027-03-01,2\n"))
    assert not any("Symptom log" in page for page in portrait_pages(plain))
    assert any("Symptom log" in page for page in portrait_pages(noted))
    assert read_pdf(plain).months == read_pdf(noted).months
