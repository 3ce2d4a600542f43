"""What a patient reads, in the patient's language (issue: "Materials for every patient
and every system"): every language gives the same doses, dates and counts as English;
an unreviewed translation says so; machine outputs stay English; bytes are repeatable."""

from __future__ import annotations

import datetime as dt
import io
import re
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.numbers import get_decimal_symbol
from cli_helpers import ROOT, error_line, ok, run
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader

from planner.core.i18n import LOCALE_DIR, NOT_REVIEWED, available_languages, language
from planner.core.wording import DISCLAIMER
from planner.domain.protocols import load_equivalences, load_library

# In one xdist worker: the module's renderings (the ``rendered`` fixture) are made once.
pytestmark = pytest.mark.xdist_group("i18n")

LANGUAGES = [code for code in available_languages() if code != "en"]
# A titration, a taper with a pause, a whole course and a switch (each kind of schedule).
SCHEDULES = {
    "titration": ["titrate", "panic-adult", "--start", "2027-01-04"],
    "taper": ["taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--pause",
              "2027-03-20:7"],
    "course": ["course", "panic-adult", "--start", "2027-01-04", "--target", "1.5",
               "--maintain", "60", "--pace", "asam"],
    "switch": ["switch", "panic-adult", "--start", "2027-01-04", "--from-drug", "alprazolam",
               "--from", "1"],
}  # fmt: skip
FOOTER_TOP = 50  # points: the footer (provenance, page number) is drawn below this


def outputs(tmp_path: Path, name: str, lang: str) -> dict[str, Any]:
    """One schedule's PDF, calendar file and printed instructions in ``lang``."""
    folder = tmp_path / f"{name}-{lang}"
    folder.mkdir()
    files = {kind: folder / f"c.{kind}" for kind in ("pdf", "ics", "csv")}
    options = [item for kind, path in files.items() for item in (f"--{kind}", path)]
    printed = ok(
        *SCHEDULES[name], "--lang", lang, "--instructions", "--tz", "Europe/Madrid", *options
    )
    return {
        "pdf": (folder / "c.pdf").read_bytes(),
        "ics": (folder / "c.ics").read_bytes(),
        "csv": (folder / "c.csv").read_bytes(),
        "instructions": printed.split("Instructions for the patient:")[1].split("Pharmacy")[0],
    }


def numbers(text: str, lang: str) -> list[Decimal]:
    """Every number in ``text`` read with the language's decimal sign (0,5 in Spanish)."""
    sign = re.escape(get_decimal_symbol(lang))
    found = re.findall(rf"\d+(?:{sign}\d+)?", text)
    return [Decimal(number.replace(get_decimal_symbol(lang), ".")) for number in found]


def calendar_months(data: bytes, lang: str) -> list[str]:
    """The grid of each month (its pages joined), without its header or footer: pages
    differ when longer words need taller rows, the page numbers when the patient's
    instructions take more room on the summary pages."""
    words = language(lang)
    weekdays = "\n".join(words.weekdays())  # the grid's header row
    months: dict[str, str] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        parts: list[str] = []

        def keep(text: str, cm: Any, tm: Any, *_: Any, parts: list[str] = parts) -> None:
            if tm[4] * cm[1] + tm[5] * cm[3] + cm[5] > FOOTER_TOP:  # on the page, not the grid
                parts.append(text)

        page.extract_text(visitor_text=keep)
        text = "".join(parts)
        if weekdays in text:
            title = text.splitlines()[0].split(" (")[0]
            grid = text.split(weekdays, 1)[1]
            # The advice box, drawn before the days, is on every page: counted once.
            box_start, box_end = (
                words.gettext("If you feel unwell"),
                words.gettext("Source: {source}"),
            )
            before, _, rest = grid.partition(box_start)
            after = rest.partition(box_end.format(source="label"))[2]
            months[title] = months.get(title, "") + before + after
    return list(months.values())


def events(data: bytes) -> list[Any]:
    return [c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("languages")
    languages = ["en", *LANGUAGES]
    return {(name, lang): outputs(tmp, name, lang) for name in SCHEDULES for lang in languages}


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", SCHEDULES)
def test_every_language_gives_the_doses_dates_and_counts_of_english(
    rendered: dict[tuple[str, str], dict[str, Any]], name: str, lang: str
) -> None:
    english, other = rendered[name, "en"], rendered[name, lang]
    # The calendar: the same months, each with the same numbers in the same order (days
    # of the month, doses in mg, tablets and drops).
    english_pages = calendar_months(english["pdf"], "en")
    pages = calendar_months(other["pdf"], lang)
    assert len(pages) == len(english_pages) > 0
    for english_page, page in zip(english_pages, pages, strict=True):
        assert numbers(page, lang) == numbers(english_page, "en")
    # The patient's instructions: line by line, the same numbers (dates' day and year too).
    english_lines = english["instructions"].strip().splitlines()
    lines = other["instructions"].strip().splitlines()
    assert len(lines) == len(english_lines) + 1  # and the review note
    for english_line, line in zip(english_lines, lines, strict=False):
        assert numbers(line, lang) == numbers(english_line, "en")
    # The calendar file: the same events at the same times, with the same numbers.
    english_events, other_events = events(english["ics"]), events(other["ics"])
    assert len(other_events) == len(english_events)
    for ours, theirs in zip(other_events, english_events, strict=True):
        assert ours["UID"] == theirs["UID"]
        assert ours.decoded("DTSTART") == theirs.decoded("DTSTART")
        assert numbers(str(ours["SUMMARY"]), lang) == numbers(str(theirs["SUMMARY"]), "en")
        # The day, the dose and the daily total; the step's English note is in English only.
        described = numbers(str(ours["DESCRIPTION"]), lang)
        assert described == numbers(str(theirs["DESCRIPTION"]), "en")[: len(described)]
        assert len(described) >= 3 or "DURATION" not in ours  # a dose, not the last day
    # Machine outputs stay in English, with '.' decimals.
    assert other["csv"] == english["csv"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unreviewed_translation_says_so_on_every_output(
    rendered: dict[tuple[str, str], dict[str, Any]], lang: str
) -> None:
    assert not language(lang).reviewed  # the catalogues' header: X-Clinician-Reviewed: no
    other = rendered["taper", lang]
    note = language(lang).gettext(NOT_REVIEWED)
    assert note != NOT_REVIEWED
    for page in PdfReader(io.BytesIO(other["pdf"])).pages:
        text = " ".join(page.extract_text().split())
        assert NOT_REVIEWED in text and note in text
    assert NOT_REVIEWED in other["instructions"] and note in other["instructions"]
    descriptions = " ".join(" ".join(str(e["DESCRIPTION"]).split()) for e in events(other["ics"]))
    assert descriptions.count(NOT_REVIEWED) == len(events(other["ics"]))
    english = rendered["taper", "en"]
    assert NOT_REVIEWED not in english["instructions"]
    pages = PdfReader(io.BytesIO(english["pdf"])).pages
    assert all(NOT_REVIEWED not in page.extract_text() for page in pages)


def test_spanish_writes_decimals_and_dates_as_spanish_does() -> None:
    spanish = language("es")
    assert spanish.mg(125) == "0,125 mg" and spanish.mg(2000) == "2 mg"
    assert spanish.long_date(dt.date(2027, 1, 4)) == "lunes, 4 de enero de 2027"
    assert spanish.month_title(dt.date(2027, 3, 1)) == "Marzo de 2027"
    assert language("en").long_date(dt.date(2027, 1, 4)) == "Monday 4 January 2027"


def test_the_clinicians_text_and_machine_outputs_stay_in_english(tmp_path: Path) -> None:
    printed = ok(*SCHEDULES["taper"], "--lang", "es", "--instructions",
                 "--xlsx", tmp_path / "t.xlsx")  # fmt: skip
    assert "Pharmacy directions:\n  - Days 1-4: clonazePAM in the morning" in printed
    assert "Safety checks:" in printed
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["Diario", "Pasos", "Dispensación", "Acerca de"]
    assert [cell.value for cell in book["Diario"][1]][:3] == ["date", "day", "phase"]


def test_an_unknown_language_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    result = run(*SCHEDULES["titration"], "--lang", "xx", "--pdf", tmp_path / "c.pdf",
                 "--save-plan", tmp_path / "p.plan.toml")  # fmt: skip
    line = error_line(result)
    assert line.startswith("--lang (lang): unknown language 'xx'; languages are en, es, fr")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_plan_file_keeps_the_patients_language(tmp_path: Path) -> None:
    plan = tmp_path / "p.plan.toml"
    ok(*SCHEDULES["taper"], "--lang", "es", "--pdf", tmp_path / "a.pdf", "--save-plan", plan)
    assert 'lang = "es"' in plan.read_text()
    ok("plan", plan, "--pdf", tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    ok("plan", plan, "--lang", "en", "--pdf", tmp_path / "c.pdf")  # the option overrides
    assert "Marzo" not in PdfReader(tmp_path / "c.pdf").pages[-1].extract_text()
    plan.write_text(plan.read_text().replace('lang = "es"', 'lang = "xx"'))
    line = error_line(run("plan", plan))
    assert "::lang: unknown language 'xx'" in line


@pytest.mark.slow
def test_a_batch_row_names_its_language(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "id,protocol,schedule,start,from_mg_per_day,lang\n"
        "a,panic-adult,taper,2027-03-01,2,es\n"
        "b,panic-adult,taper,2027-03-01,2,\n"
        "c,panic-adult,taper,2027-03-01,2,xx\n"
    )
    result = run("batch", plans, "--out", tmp_path / "out", "--ics")
    assert result.exit_code != 0  # row c failed, alone
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "plans.csv:row 4: lang: unknown language 'xx'" in summary
    assert "Tome clonazePAM" in (tmp_path / "out" / "a" / "doses.ics").read_text()
    assert "Take clonazePAM" in (tmp_path / "out" / "b" / "doses.ics").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_same_inputs_give_the_same_bytes(tmp_path: Path, lang: str) -> None:
    made = []
    for run_number in (1, 2):
        folder = tmp_path / str(run_number)
        folder.mkdir()
        files = {kind: folder / f"c.{kind}" for kind in ("pdf", "ics", "xlsx")}
        options = [item for kind, path in files.items() for item in (f"--{kind}", path)]
        ok(*SCHEDULES["taper"], "--lang", lang, "--tz", "Europe/Madrid", *options,
           "--plot", folder / "c.svg")  # fmt: skip
        made.append({path.name: path.read_bytes() for path in folder.iterdir()})
    assert made[0] == made[1]


# Catalogues: complete, and every translation keeps its message's placeholders.


def catalogue_messages(lang: str) -> dict[str, str]:
    return language(lang).messages


def code_messages() -> set[str]:
    """Every message the code marks with _(), gettext() or N_()."""
    keywords = {"_": None, "gettext": None, "N_": None}
    found = extract_from_dir(ROOT / "planner", method_map=[("**.py", "python")], keywords=keywords)
    return {
        message for _file, _line, message, _comments, _context in found if isinstance(message, str)
    }


def data_messages() -> set[str]:
    """The words of the bundled data a patient reads: protocols' titles (on a plot),
    times of day, units, products."""
    library = load_library()
    found = {DISCLAIMER}
    for protocol in library.all_protocols():
        found.add(protocol.title)
        for time in protocol.dose_times:
            found |= {time.name.capitalize(), time.label}
        if protocol.patient_advice is not None:
            found |= {protocol.patient_advice.unwell, protocol.patient_advice.missed_dose}
    drugs = load_equivalences().drugs.values()
    products = [*library.products.products.values()]
    products += [product for drug in drugs for product in drug.products.values()]
    for product in products:
        found |= {product.name, product.unit, product.unit_plural, product.label}
        found |= {product.patient_note} - {""}
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_patient_facing_string_is_translated(lang: str) -> None:
    missing = (code_messages() | data_messages()) - set(catalogue_messages(lang))
    assert not missing, sorted(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_translation_keeps_its_placeholders(lang: str) -> None:
    def fields(text: str) -> list[str]:
        return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)

    for message, translation in catalogue_messages(lang).items():
        assert fields(translation) == fields(message), message


def test_the_catalogues_are_read_from_the_package_with_no_build_step() -> None:
    assert sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")) == LANGUAGES
    assert not list(LOCALE_DIR.rglob("*.mo"))  # compiled in memory from the .po


def test_no_dose_is_cut_short_on_a_calendar_in_any_language(tmp_path: Path) -> None:
    """Found by review: 'NUEVA: 0,75 …' lost its unit where the wording did not fit."""
    from pypdf import PdfReader

    for lang in ("en", "es", "fr"):
        out = tmp_path / f"{lang}.pdf"
        ok("taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--pace", "label",
           "--lang", lang, "--pdf", out)  # fmt: skip
        text = "".join(page.extract_text() for page in PdfReader(out).pages)
        assert "…" not in text
