"""The patient's calendar to print is the PDF calendar's: the same days with the same
doses in the same words and language, the same changes marked; its own address, a POST
only this server's page can send; bad inputs give the form again with every error."""

from __future__ import annotations

import io
import re

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from pypdf import PdfReader
from web_helpers import client

from planner.web import jobs
from planner.web.calendar import PatientCalendar

TAPER = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "pace": "asam"}
EDITED = {**TAPER, "pause": "2027-04-05:7", "step-back": "2027-06-10"}
CASES = {
    "taper with a pause and a step back": ("taper", EDITED),
    "the same in Spanish": ("taper", {**EDITED, "lang": "es"}),
    "titration, kept on": ("titrate", {"protocol": "panic-adult", "start": "2027-01-04"}),
    "switch, two drugs a day": (
        "switch",
        {
            "protocol": "panic-adult",
            "start": "2027-01-04",
            "from-drug": "alprazolam",
            "from": "1",
            "product": "us-odt",
        },
    ),
    "partial taper with dose times": (
        "taper",
        {**TAPER, "to": "1", "dose-time": "morning=07:30", "lang": "fr"},
    ),
}


def made(command: str, form: dict[str, str], kind: str) -> object:
    raw = {name: [value] for name, value in form.items()}
    if kind == "calendar":
        return jobs.patient_calendar(None, command, raw)
    download = jobs.download(None, command, raw, "pdf")
    assert isinstance(download, jobs.Download)
    return download.body


def squeezed(text: str) -> str:
    """Text without any space: the PDF wraps a dose over lines where the page does not."""
    return re.sub(r"\s+", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_calendar_holds_the_pdf_calendars_doses_day_by_day(case: str) -> None:
    command, form = CASES[case]
    calendar = made(command, form, "calendar")
    pdf = made(command, form, "pdf")
    assert isinstance(calendar, PatientCalendar) and isinstance(pdf, bytes)
    printed = squeezed("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    at = printed.index(squeezed(calendar.months[0].title + calendar.patient))
    for month in calendar.months:
        for week in month.weeks:
            for day in week:
                # As the PDF draws a day: a kept dose's mark (a change's may be shortened
                # to fit its cell), the doses, the stop.
                kept = day.mark if day.look != "change" else ""
                words = [kept, *day.doses, calendar.stop[0] if day.look == "stop" else ""]
                said = [word for word in map(squeezed, words) if word]
                assert said or day.look == "none" or not day.in_month, day.date
                for word in said:
                    found = printed.find(word, at)
                    assert found >= 0, f"{day.date}: {word!r} is not next in the PDF"
                    at = found + len(word)


def test_each_change_is_marked_as_the_pdf_marks_it() -> None:
    calendar = made("taper", {**EDITED, "lang": "es"}, "calendar")
    assert isinstance(calendar, PatientCalendar)
    marks = {
        day.date.isoformat(): day.mark.replace("\u00a0", " ")
        for month in calendar.months
        for week in month.weeks
        for day in week
        if day.mark and day.in_month
    }
    assert marks["2027-03-05"] == "NUEVA DOSIS: 1,75 mg/día"
    assert marks["2027-04-05"] == "PAUSA: 1,5 mg/día"
    assert marks["2027-06-10"].startswith("VUELTA ATRÁS: ")
    assert "REVISIÓN CON SU MÉDICO" in marks.values()
    looks = {day.look for month in calendar.months for week in month.weeks for day in week}
    assert looks == {"", "change", "stop", "none"}


def test_the_calendar_is_a_page_of_its_own_with_the_patients_name() -> None:
    form = {**TAPER, "patient": "<Zoë & Example>"}
    page = client().post("/taper/print", data=form)
    assert page.status_code == 200
    assert page.text.count('<section class="month-page"') == 8
    assert "Patient: &lt;Zoë &amp; Example&gt;" in page.text
    assert "For clinician review and education. Not medical advice." in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_calendar_is_asked_for_by_post_only_from_this_servers_page() -> None:
    """A patient's name is never in an address (history, logs); another site cannot
    make a browser ask for it."""
    plain = client().get("/taper/print", follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == "/taper"
    foreign = client().post("/taper/print", data=TAPER, headers={"sec-fetch-site": "cross-site"})
    assert foreign.status_code == 403


def test_bad_inputs_give_the_form_again_with_every_error() -> None:
    page = client().post("/taper/print", data={**TAPER, "start": "2027-02-30", "to": "3"})
    assert page.status_code == 400
    assert 'id="field-start-error"' in page.text
    assert 'id="field-to-error"' in page.text
    assert "month-page" not in page.text
