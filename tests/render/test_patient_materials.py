"""The calendar a patient follows (issue: "Materials for every patient and every system"):
the protocol's advice on every page, the product's note, clock times when given, large
print, and no near-empty continuation pages."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ok
from pypdf import PdfReader

from planner import load_protocol, taper
from planner.core.i18n import language
from planner.domain.protocols import load_library
from planner.render.pdf.calendar import BOX_GAP, month_pages
from planner.render.pdf.materials import LARGE, REGULAR, Look, balanced
from planner.render.pdf.style import register_fonts

TAPER = ["taper", "panic-adult", "--start", "2027-03-01", "--from", "2"]
# A landscape letter page's frame, inside the margins and the footer strip.
WIDTH, HEIGHT = 792 - 72 - 12, 612 - 72 - 16 - 12


def month_texts(path: Path) -> list[str]:
    pages = [page.extract_text() for page in PdfReader(path).pages]
    return [text for text in pages if "Monday\nTuesday" in text]


@pytest.mark.slow
def test_every_calendar_page_carries_the_protocols_advice(tmp_path: Path) -> None:
    ok(*TAPER, "--product", "us-odt", "--pdf", tmp_path / "c.pdf")
    advice = load_protocol("panic-adult").patient_advice
    assert advice is not None and advice.source == "label"
    months = month_texts(tmp_path / "c.pdf")
    assert len(months) >= 8
    for text in months:
        flat = " ".join(text.split())
        assert "If you feel unwell" in flat and "If you miss a dose" in flat
        assert advice.missed_dose in flat and advice.unwell in flat
        assert "Do not split these tablets." in flat  # the product's note for the patient
        assert "Source: label" in flat


def test_every_bundled_protocol_has_sourced_advice() -> None:
    for protocol in load_library().all_protocols():
        advice = protocol.patient_advice
        assert advice is not None, protocol.id
        assert advice.source in protocol.source_ids


def test_advice_must_cite_a_source_of_its_protocol(tmp_path: Path) -> None:
    from cli_helpers import ROOT, run

    text = (ROOT / "protocols" / "panic-adult.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('missed_dose = "If', 'source = "nowhere"\nmissed_dose = "If', 1))
    advice_source = 'source = "label"\n\n[pharmacokinetics]'
    bad.write_text(bad.read_text().replace(advice_source, "\n[pharmacokinetics]"))
    result = run("validate", bad)
    assert result.exit_code == 2
    assert "patient_advice.source: unknown source nowhere" in result.stderr


def test_the_product_note_is_in_the_patients_instructions() -> None:
    printed = ok(*TAPER, "--product", "rivotril-drops", "--instructions")
    patient = printed.split("Instructions for the patient:")[1].split("Pharmacy")[0]
    assert "Each drop is 0.1 mg: count the drops." in patient
    spanish = ok(*TAPER, "--product", "rivotril-drops", "--instructions", "--lang", "es")
    assert "Cada gota es 0,1 mg: cuente las gotas." in spanish


@pytest.mark.slow
def test_clock_times_given_show_on_the_calendar(tmp_path: Path) -> None:
    ok(*TAPER, "--dose-time", "morning=07:30", "--pdf", tmp_path / "c.pdf")
    first = month_texts(tmp_path / "c.pdf")[0]
    assert "Morning 07:30:" in first
    assert "Bedtime:" in first and "Bedtime 21:00" not in first  # only the times given
    ok(*TAPER, "--pdf", tmp_path / "plain.pdf")
    assert "07:30" not in month_texts(tmp_path / "plain.pdf")[0]


def font_sizes(path: Path) -> set[float]:
    """The type sizes of each month page's text above the footer."""
    sizes: set[float] = set()
    for page in PdfReader(path).pages:
        if "Monday\nTuesday" not in page.extract_text():
            continue

        def keep(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
            if text.strip() and tm[5] * cm[3] + cm[5] > 50:
                sizes.add(round(size * cm[3], 1))

        page.extract_text(visitor_text=keep)
    return sizes


@pytest.mark.slow
def test_large_print_is_large_and_repeatable(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.pdf"):
        ok(*TAPER, "--large-print", "--pdf", tmp_path / name)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert min(font_sizes(tmp_path / "a.pdf")) >= 12
    ok(*TAPER, "--pdf", tmp_path / "regular.pdf")
    large, regular = month_texts(tmp_path / "a.pdf"), month_texts(tmp_path / "regular.pdf")
    assert len(large) > len(regular)  # a week or two a page, not a month


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("sizes", [REGULAR, LARGE], ids=["regular", "large"])
@pytest.mark.parametrize("product", ["us-odt", "us-tablet", "rivotril-drops"])
def test_no_page_overflows(lang: str, sizes: Any, product: str) -> None:
    """The grid, its header and the advice box fit the page, in every language and size
    (the longest dose words: three strengths of orally disintegrating tablets)."""
    register_fonts()
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2, product=product
    )
    look = Look(language(lang), sizes)
    for year, month in [(2027, m) for m in range(3, 13)]:
        for page in month_pages(schedule, year, month, WIDTH, HEIGHT, look):
            assert page.advice is not None
            used = page.header_height + sum(page.row_heights) + BOX_GAP + page.advice.height
            assert used <= HEIGHT, (year, month, page.row_heights)


def test_a_month_is_shared_evenly_between_its_pages() -> None:
    """No continuation page with one short week: the pages' fill differs by less than a
    week's row, and no page is fuller than needed."""
    needs = [120.0, 120.0, 120.0, 120.0, 60.0]
    assert balanced(needs, 400) == [[0, 1], [2, 3, 4]]  # greedy was [0, 1, 2], [3, 4]
    assert balanced([100.0] * 6, 450) == [[0, 1, 2], [3, 4, 5]]
    assert balanced([50.0] * 5, 400) == [[0, 1, 2, 3, 4]]


@pytest.mark.slow
def test_a_regular_calendar_has_no_near_empty_page(tmp_path: Path) -> None:
    ok(*TAPER, "--lang", "es", "--product", "us-odt", "--pdf", tmp_path / "c.pdf")
    reader = PdfReader(io.BytesIO((tmp_path / "c.pdf").read_bytes()))
    for page in reader.pages:
        text = page.extract_text()
        if "(continuación)" in text:
            days = [line for line in text.splitlines() if line.strip().isdigit()]
            assert len(days) >= 7  # at least a whole week
