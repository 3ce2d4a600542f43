"""The PDF read back: the summary's step table and instructions, the calendar pages."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from babel.dates import get_month_names
from pypdf import PageObject, PdfReader

from readback.words import (
    CALENDAR_LABELS,
    NUMBER,
    WORDS,
    Context,
    Day,
    Period,
    doses_by_label,
    mcg,
    split_drug,
    unit_patterns,
    units_mcg,
)


@dataclass(frozen=True)
class Text:
    """One line of text drawn on a page, where, and in which type."""

    text: str
    bold: bool
    size: float
    x: float
    y: float


@dataclass(frozen=True)
class Pages:
    summary: tuple[Text, ...]  # the clinician's pages (portrait), footers left out
    months: tuple[tuple[Text, ...], ...]  # each calendar page (landscape)


FOOTER_TOP = 50  # points from the page's foot: the footer line and the text under it


def read_pdf(data: bytes) -> Pages:
    """Every line of text above the footers, in the order drawn."""
    summary: list[Text] = []
    months: list[tuple[Text, ...]] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        if page.mediabox.width > page.mediabox.height:
            months.append(tuple(_texts(page)))
        else:
            summary += _texts(page)
    return Pages(tuple(summary), tuple(months))


def _texts(page: PageObject) -> list[Text]:
    found: list[Text] = []

    def keep(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        if text.strip() and y > FOOTER_TOP:
            bold = font is not None and "Bold" in str(font.get("/BaseFont", ""))
            found.append(Text(" ".join(text.split()), bold, size * cm[3], x, y))

    page.extract_text(visitor_text=keep)
    return found


def _section(texts: Iterable[Text], start: str, end: str | None) -> list[Text]:
    lines = list(texts)
    first = next(i for i, t in enumerate(lines) if t.text.startswith(start)) + 1
    last = next((i for i, t in enumerate(lines) if end and t.text == end), len(lines))
    return lines[first:last]


def pdf_step_table(pages: Pages, context: Context) -> list[Period]:
    """The summary's table of dose steps (in English): From, To, Days, Daily total, a
    column for each time of day; a cell goes to the column its x falls in."""
    times = [name.capitalize() for name in context.times]
    header = ["From", "To", "Days", "Daily total", *times]
    cells = _section(pages.summary, "Dose steps", "Safety checks")
    starts = {t.text: t.x for t in cells if t.bold and t.text in header}
    assert sorted(starts, key=starts.__getitem__) == header, starts
    edges = [starts[name] for name in header]
    rows: list[list[list[str]]] = []
    for cell in cells:
        if cell.bold and cell.text in header:
            continue  # the header, repeated on each page
        column = max(i for i, edge in enumerate(edges) if edge <= cell.x + 1)
        if column == 0:
            rows.append([[] for _ in header])
        rows[-1][column].append(cell.text)
    n, drugs = NUMBER["en"], context.drugs
    english = unit_patterns("en")
    periods = []
    for row in rows:
        first, last, days, total, *doses = (" ".join(words) for words in row)
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        assert int(days) == (end - start).days + 1, row
        taken: set[tuple[str, str, int]] = set()
        for time, given in zip(context.times, doses, strict=True):
            if given == "-":
                continue
            # Both drugs at one time of day during a switch: one line each, each named.
            for text in re.split(rf" (?=(?:{drugs}) {n} mg: )", given):
                found = re.fullmatch(rf"(?:(?P<drug>{drugs}) )?(?P<mg>{n}) mg: (?P<words>.+)", text)
                assert found, text
                drug, words = split_drug(found["words"], drugs, found["drug"] or context.drug)
                assert found["drug"] in (None, drug), text
                amount = mcg(found["mg"])
                assert units_mcg(words, english) == amount, text
                assert (time, drug) not in {(t, d) for t, d, _ in taken}, given
                taken.add((time, drug, amount))
        total = re.sub(rf"\s*{n} mg/kg/day|\s*(?:pause|step back)$", "", total)
        named = rf"(?:(?P<drug>{drugs}) )?(?P<mg>{n}) mg"
        assert total == "Stop" or re.sub(named, "", total).strip() == "", total
        totals = frozenset(
            (m["drug"] or context.drug, mcg(m["mg"]))
            for m in re.finditer(named, total)
            if mcg(m["mg"])
        )
        periods.append(Period(start, end, frozenset(taken), totals))
    return periods


PATIENT_STARTS = {
    "en": r"(?:From|On) (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) ",
    "es": r"(?:Desde el|El) (?:lunes|martes|miércoles|jueves|viernes|sábado|domingo), ",
}
PHARMACY_STARTS = r"Days? \d+(?:-\d+)?(?: on, continuing(?: \(review by [\d-]+\))?)?: "


def _paragraphs(text: str, starts: str) -> tuple[str, ...]:
    """Text joined from wrapped lines, cut where each paragraph begins."""
    text = " ".join(text.replace("\xa0", " ").split())
    parts = re.split(rf"(?={starts})", text)
    return tuple(part.strip() for part in parts if re.match(starts, part))


def pdf_instructions(pages: Pages, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The summary's instructions for the patient and its pharmacy directions, each
    paragraph joined from its lines."""
    texts = pages.summary
    patient = _section(texts, "Instructions for the patient", "Pharmacy directions")
    pharmacy = _section(texts, "Pharmacy directions", None)
    return (
        _paragraphs(" ".join(t.text for t in patient), PATIENT_STARTS[lang]),
        _paragraphs(" ".join(t.text for t in pharmacy), PHARMACY_STARTS),
    )


@dataclass(frozen=True)
class MonthCells:
    days: dict[dt.date, Day]
    marks: dict[dt.date, str]  # beside the day number: a change, KEEP TAKING
    products: dict[tuple[int, int], str]  # the products each month's header names


def pdf_calendar(pages: Pages, context: Context) -> MonthCells:
    """Each calendar cell: its date (the page's month and the day number), the doses it
    lists by time of day, the mark beside the day number; and each month's products."""
    lang = context.lang
    months = {str(name).lower(): number for number, name in get_month_names(locale=lang).items()}
    clocks = dict(context.clocks)
    labels = {
        name: f"{label} {clocks[name]}:" if name in context.moved else f"{label}:"
        for name, label in CALENDAR_LABELS[lang].items()
        if name in context.times
    }
    days: dict[dt.date, Day] = {}
    marks: dict[dt.date, str] = {}
    products: dict[tuple[int, int], str] = {}
    for page in pages.months:
        title = next(t for t in page if t.bold and t.size >= 14)
        said = re.fullmatch(r"(?P<month>[^\W\d_]+)(?: de)? (?P<year>\d{4})(?: \(.+\))?", title.text)
        assert said, title.text
        month = (int(said["year"]), months[said["month"].lower()])
        who = next(i for i, t in enumerate(page) if t.text.startswith(WORDS[lang]["patient"]))
        products[month] = " ".join(t.text for t in page[who + 1 : who + 3] if not t.bold)
        cells: list[list[Text]] = []
        for text in page:
            if text.bold and text.text.isdigit() and text.size >= 10:  # a day's number
                cells.append([text])
            elif cells:
                cells[-1].append(text)
        for number, *content in cells:
            date = dt.date(*month, int(number.text))
            mark = " ".join(t.text for t in content if t.bold)
            words = " ".join(t.text for t in content if not t.bold)
            if mark == WORDS[lang]["stop"]:
                days[date] = Day(frozenset(), frozenset())
                continue
            doses, _product = doses_by_label(
                words, labels, unit_patterns(lang), context, label_first=True
            )
            if mark:
                marks[date] = mark
            if doses:
                assert date not in days, f"{date} twice"
                amounts = re.findall(rf"({NUMBER[lang]}) mg", mark)  # 'NEW DOSE: 1 mg/day'
                totals = frozenset((context.drug, mcg(a)) for a in amounts) if amounts else None
                days[date] = Day(doses, totals)
    return MonthCells(days, marks, products)
