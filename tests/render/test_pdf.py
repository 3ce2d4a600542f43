"""Every PDF sets its text in embedded TrueType fonts, so names in any script print and
can be selected and searched (issue: "Materials for every patient and every system")."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader

from planner import check_schedule, load_protocol, taper, titrate
from planner.domain.schedule import Schedule
from planner.render.pdf import render_pdf
from planner.render.plot import render_plot

STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique",
    "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
    "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
}  # fmt: skip
NAMES = ["José Müller", "Зоя Иванова", "Ελένη Παπαδοπούλου"]


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))


def fonts(data: bytes) -> dict[str, Any]:
    """Every font in any page's resources, by its name without a subset tag; a composite
    (Type0) font is its descendant, which holds the glyphs."""
    found: dict[str, Any] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            found[str(font["/BaseFont"]).lstrip("/").split("+")[-1]] = font
    return found


def assert_embedded_truetype(data: bytes) -> None:
    found = fonts(data)
    assert found and not set(found) & STANDARD_14, sorted(found)
    for name, font in found.items():
        assert font["/Subtype"] in ("/TrueType", "/CIDFontType2"), name
        assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"
        assert name.startswith("DejaVuSans"), name


def test_every_font_of_the_calendar_is_embedded_truetype(schedule: Schedule) -> None:
    paused = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        edits=[{"kind": "pause", "date": dt.date(2027, 3, 10), "days": 7}],
    )
    for plan in (schedule, paused):  # a paused step's note is in italics
        assert_embedded_truetype(render_pdf(plan, check_schedule(plan), patient=NAMES[1]))


def test_the_plot_as_pdf_embeds_truetype_too(schedule: Schedule) -> None:
    assert_embedded_truetype(render_plot(schedule, check_schedule(schedule), image_format="pdf"))


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_any_script_is_in_the_pdf_text(schedule: Schedule, name: str) -> None:
    data = render_pdf(schedule, check_schedule(schedule), patient=name)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert name in pages[0]  # the summary
    months = pages[1:]
    assert months and all(f"Patient: {name}" in page for page in months if "Tick each" in page)
    assert data == render_pdf(schedule, check_schedule(schedule), patient=name)


def test_a_count_is_never_split_over_two_lines() -> None:
    """'1 1/2 tablets' broken after the 1 reads as 1 tablet, or as half of one."""
    from planner.render.pdf.style import FONT, keep_counts, register_fonts, wrap_words

    register_fonts()
    text = "Morning: 1 1/2 tablets 0.5 mg and 2 1/4 tablets"
    for width in range(40, 200, 7):
        for line in wrap_words(text, FONT, 8, width):
            assert not line.endswith((" 1", " 2")) and not line.startswith(("1/2", "1/4"))
    assert keep_counts("take 1 1/2 tablets") == "take 1&nbsp;1/2 tablets"
