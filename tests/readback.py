"""Reading a schedule back out of each output format, as a person or a program would,
with nothing of the planner's: csv, openpyxl, icalendar, json and pypdf read the files;
doses are read from the words printed ("1 1/2 tablets of 0.5 mg", "medio comprimido de
0,5 mg", "3 drops (0.3 mg)", "1 1/2 x 0.5 mg tablets"), dates from ISO text or from the
language's own month and weekday names (Babel's CLDR data), decimals with the language's
sign (0,5 in Spanish).

A format that states days gives ``Day`` values by date; one that states periods gives a
``Period`` per step. A reader asserts on anything it cannot read (a number left over,
a dose given twice), so a changed format fails loudly rather than reading as nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import icalendar
import openpyxl
from babel.dates import get_day_names, get_month_names
from pypdf import PageObject, PdfReader

# (time of day, drug, mcg) for each dose taken; (drug, mcg a day) for each drug taken.
Doses = frozenset[tuple[str, str, int]]
Totals = frozenset[tuple[str, int]]
UnitPatterns = list[tuple[re.Pattern[str], Callable[[re.Match[str]], int]]]


@dataclass(frozen=True)
class Day:
    """One day as a format states it; None where the format does not say."""

    doses: Doses
    totals: Totals | None = None
    number: int | None = None
    phase: str | None = None


@dataclass(frozen=True)
class Period:
    """One step as a format states it: ``last`` None for open-ended (keep taking)."""

    first: dt.date
    last: dt.date | None
    doses: Doses | None  # None where only totals are stated (a FHIR request's note)
    totals: Totals | None = None
    product: str | None = None  # the product of clonazePAM named, by id, where named


@dataclass(frozen=True)
class Context:
    """What a reader knows besides the file: the protocol's drug and times of day, the
    drug switched from, the products, day 1 and the time zone asked for."""

    lang: str
    drug: str  # as outputs name it: 'clonazePAM'
    old_drug: str | None  # during a switch: 'ALPRAZolam'
    old_drug_id: str | None  # 'alprazolam', as CSV columns name it
    times: tuple[str, ...]  # the protocol's times of day: 'morning', 'bedtime'
    clocks: tuple[tuple[str, str], ...]  # each time's clock, moved where asked: 'morning', '07:30'
    moved: tuple[str, ...]  # the times whose clock was given (the calendar shows it)
    start: dt.date  # day 1
    products: tuple[tuple[str, str], ...]  # product id, the drug it holds
    zone: str  # the calendar file's time zone

    @property
    def drugs(self) -> str:
        names = [self.drug, *([self.old_drug] if self.old_drug else [])]
        return "(?:" + "|".join(re.escape(name) for name in names) + ")"

    def product_id(self, name: str, lang: str | None = None) -> str:
        """The product a name names, in the language (English: the pharmacy's, FHIR)."""
        ids = {PRODUCT_NAMES[lang or self.lang][id_]: id_ for id_, _drug in self.products}
        assert name in ids, f"{name!r} is not a product of this schedule"
        return ids[name]


# --- Words and numbers -------------------------------------------------------------------

NUMBER = {"en": r"\d+(?:\.\d+)?", "es": r"\d+(?:,\d+)?"}
COUNT = r"\d+ \d+/\d+|\d+/\d+|\d+"
MCG_PER_DROP = 100  # protocols/products.toml: rivotril-drops, 2.5 mg/mL, 0.1 mg a drop

# The words of each language that outputs are read by (the catalogues' translations).
TIME_LABELS = {
    "en": {"morning": "in the morning", "midday": "at midday", "bedtime": "at bedtime"},
    "es": {"morning": "por la mañana", "midday": "al mediodía", "bedtime": "al acostarse"},
}
CALENDAR_LABELS = {
    "en": {"morning": "Morning", "midday": "Midday", "bedtime": "Bedtime"},
    "es": {"morning": "Mañana", "midday": "Mediodía", "bedtime": "Al acostarse"},
}
PRODUCT_NAMES = {
    "en": {
        "us-tablet": "clonazePAM tablets (US, Klonopin)",
        "us-odt": "clonazePAM orally disintegrating tablets (US)",
        "rivotril-drops": "clonazePAM oral drops 2.5 mg/mL (Rivotril, outside the US)",
        "us-alprazolam-tablet": "ALPRAZolam tablets (US, Xanax)",
    },
    "es": {
        "us-tablet": "comprimidos de clonazePAM (EE. UU., Klonopin)",
        "us-odt": "comprimidos bucodispersables de clonazePAM (EE. UU.)",
        "rivotril-drops": "gotas orales de clonazePAM 2,5 mg/ml (Rivotril, fuera de EE. UU.)",
        "us-alprazolam-tablet": "comprimidos de ALPRAZolam (EE. UU., Xanax)",
    },
}
SHEETS = {"en": ("Daily", "Steps"), "es": ("Diario", "Pasos")}
WORDS = {
    "en": {
        "stop": "Stop",
        "keep": "KEEP TAKING",
        "review": "REVIEW WITH PRESCRIBER|REVIEW",
        "switch": "SWITCH",
        "stop_event": "Stop ",
        "keep_event": "Keep taking ",
        "day": "Day",
        "daily_total": "Daily total",
        "a_day": "a day",
        "patient": "Patient: ",
    },
    "es": {
        "stop": "Fin",
        "keep": "SIGA TOMANDO",
        "review": "REVISIÓN CON SU MÉDICO|REVISIÓN",
        "switch": "CAMBIO",
        "stop_event": "Fin de ",
        "keep_event": "Siga tomando ",
        "day": "Día",
        "daily_total": "Total del día:",
        "a_day": "al día",
        "patient": "Paciente: ",
    },
}


def mcg(number: str) -> int:
    """'0,125' or '0.125' mg as micrograms, exactly."""
    micrograms = Decimal(number.replace(",", ".")) * 1000
    assert micrograms == micrograms.to_integral_value(), number
    return int(micrograms)


def count(text: str) -> Fraction:
    """'1 1/2' as 3/2."""
    return sum((Fraction(part) for part in text.split()), Fraction(0))


def unit_patterns(lang: str) -> UnitPatterns:
    """The ways a patient is told an amount of tablets or drops, and what each holds."""
    n = NUMBER[lang]

    def times(m: re.Match[str]) -> int:
        return int(count(m["count"]) * mcg(m["strength"]))

    def drops(m: re.Match[str]) -> int:
        assert count(m["count"]) * MCG_PER_DROP == mcg(m["mg"]), m[0]  # the count says it too
        return mcg(m["mg"])

    def half(m: re.Match[str]) -> int:
        return mcg(m["strength"]) // 2

    def quarter(m: re.Match[str]) -> int:
        return mcg(m["strength"]) // 4

    words: list[tuple[str, Callable[[re.Match[str]], int]]] = (
        [
            (rf"half a (?P<strength>{n}) mg tablet", half),
            (rf"a quarter of a (?P<strength>{n}) mg tablet", quarter),
            (rf"(?P<count>{COUNT}) tablets?(?: of)? (?P<strength>{n}) mg", times),
            (rf"(?P<count>{COUNT}) drops? \((?P<mg>{n}) mg\)", drops),
        ]
        if lang == "en"
        else [
            (rf"medio comprimido de (?P<strength>{n}) mg", half),
            (rf"un cuarto de comprimido de (?P<strength>{n}) mg", quarter),
            (rf"(?P<count>{COUNT}) comprimidos? de (?P<strength>{n}) mg", times),
            (rf"(?P<count>{COUNT}) gotas? \((?P<mg>{n}) mg\)", drops),
        ]
    )
    return [(re.compile(pattern), value) for pattern, value in words]


# The pharmacy's, the CSV's and FHIR's units, in English: '1 1/2 x 0.5 mg tablets'.
PHARMACY_UNITS: UnitPatterns = [
    (
        re.compile(rf"(?P<count>{COUNT}) x (?P<strength>{NUMBER['en']}) mg (?:tablets?|drops?)"),
        lambda m: int(count(m["count"]) * mcg(m["strength"])),
    )
]


def units_mcg(text: str, patterns: UnitPatterns) -> int:
    """The micrograms the units in ``text`` hold; every number in it must be part of one."""
    total, rest = 0, text
    for pattern, value in patterns:
        for match in pattern.finditer(rest):
            total += value(match)
        rest = pattern.sub(" ", rest)
    assert not re.search(r"\d", rest), f"unread amount in {text!r}"
    return total


def split_drug(text: str, drugs: str, default: str) -> tuple[str, str]:
    """'ALPRAZolam 1 tablet 1 mg' as the drug and the rest; the default when unnamed."""
    found = re.match(rf"\s*({drugs})\b\s*(.*)$", text, re.DOTALL)
    return (found[1], found[2]) if found else (default, text)


def totals_in(text: str, context: Context, lang: str | None = None) -> Totals:
    """'1 mg of clonazePAM and 1 mg of ALPRAZolam', '0,5 mg', '2 mg/day' as totals."""
    lang = lang or context.lang
    pattern = rf"(?P<mg>{NUMBER[lang]}) mg(?:/day)?(?: (?:of|de) (?P<drug>{context.drugs}))?"
    found = [(m["drug"] or context.drug, mcg(m["mg"])) for m in re.finditer(pattern, text)]
    assert len({drug for drug, _ in found}) == len(found), text
    rest = re.sub(pattern, "", text)
    assert re.fullmatch(r"(?:\s|,|and|y)*", rest), f"unread total in {text!r}"
    return frozenset((drug, amount) for drug, amount in found if amount)


def doses_by_label(
    text: str,
    labels: dict[str, str],
    patterns: UnitPatterns,
    context: Context,
    *,
    label_first: bool,
) -> tuple[Doses, str]:
    """Doses written around time-of-day labels: 'X in the morning and Y at bedtime'
    (``label_first`` False) or 'Morning: X Bedtime: Y' (True); and, label first, what
    precedes the first label (a product's name)."""
    by_label = {label: name for name, label in labels.items()}
    alternatives = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    parts = re.split(rf"({alternatives})", text)
    pairs = (
        [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
        if label_first
        else [(parts[i + 1], parts[i]) for i in range(0, len(parts) - 1, 2)]
    )
    found: dict[tuple[str, str], int] = {}
    for label, said in pairs:
        words = re.sub(r"^[\s:,;]*(?:and |y )?|[\s,;]*(?:and|y)?\s*$", "", said)
        drug, units = split_drug(words, context.drugs, context.drug)
        key = (by_label[label], drug)
        assert key not in found, f"{key} twice in {text!r}"
        found[key] = units_mcg(units, patterns)
    assert label_first or not parts[-1].strip(" ,"), f"unread words in {text!r}"
    lead = parts[0] if label_first else ""
    return frozenset((time, drug, amount) for (time, drug), amount in found.items()), lead


def long_date(lang: str) -> str:
    """A regex for 'Monday 4 January 2027' or 'lunes, 4 de enero de 2027'."""
    if lang == "en":
        return r"[A-Z][a-z]+ \d{1,2} [A-Z][a-z]+ \d{4}"
    return r"[^\W\d_]+, \d{1,2} de [^\W\d_]+ de \d{4}"


def parse_long_date(text: str, lang: str) -> dt.date:
    """A long date read with the language's CLDR names; its weekday must agree."""
    months = {str(name).lower(): number for number, name in get_month_names(locale=lang).items()}
    weekdays = {str(name).lower(): number for number, name in get_day_names(locale=lang).items()}
    words = [word for word in re.findall(r"[^\W\d_]+|\d+", text) if word != "de"]
    weekday, day, month, year = words
    date = dt.date(int(year), months[month.lower()], int(day))
    assert date.weekday() == weekdays[weekday.lower()], f"{text}: not a {weekday}"
    return date


def clock_names(context: Context) -> dict[str, str]:
    """'08:00' -> 'morning'."""
    return {clock: name for name, clock in context.clocks}


# --- CSV and workbook ---------------------------------------------------------------------


def _amounts(row: dict[str, Any], context: Context, dose: Callable[[Any], int]) -> Day:
    """A row's doses and totals: ``<time>_mg`` with its ``<time>_units``, ``total_mg``,
    and during a switch ``<drug>_mg`` and ``<time>_<drug>_mg`` for the old drug."""
    new, old, old_id = context.drug, context.old_drug, context.old_drug_id
    totals = {(new, dose(row["total_mg"]))}
    columns = [(time, new, f"{time}_mg", f"{time}_units") for time in context.times]
    if old is not None and old_id is not None:
        totals.add((old, dose(row[f"{old_id}_mg"])))
        columns += [(t, old, f"{t}_{old_id}_mg", f"{t}_{old_id}_units") for t in context.times]
    doses = set()
    for time, drug, dose_column, units_column in columns:
        amount = dose(row[dose_column])
        assert units_mcg(row[units_column] or "", PHARMACY_UNITS) == amount, row
        if amount:
            doses.add((time, drug, amount))
    return Day(frozenset(doses), frozenset(total for total in totals if total[1]))


def read_csv(data: bytes, context: Context) -> dict[dt.date, Day]:
    """The CSV's rows, past its '#' header, by date."""
    lines = [line for line in data.decode("utf-8").splitlines() if not line.startswith("#")]
    days: dict[dt.date, Day] = {}
    for row in csv.DictReader(lines):
        date = dt.date.fromisoformat(row["date"])
        assert date not in days, f"{date} twice"
        amounts = _amounts(row, context, mcg)
        days[date] = Day(amounts.doses, amounts.totals, int(row["day"]), row["phase"])
    return days


def _sheet_rows(book: Any, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _cell_mcg(value: object) -> int:
    """A dose cell (a float, or a whole number, in the sheet) as micrograms."""
    assert isinstance(value, int | float), value
    return mcg(repr(value))


def _date(value: object) -> dt.date:
    assert isinstance(value, dt.date), value
    return value.date() if isinstance(value, dt.datetime) else value


def read_xlsx(data: bytes, context: Context) -> tuple[dict[dt.date, Day], list[Period]]:
    """The daily sheet by date, and the step sheet (sheet names in the language)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    daily, steps = SHEETS[context.lang]
    days = {}
    for row in _sheet_rows(book, daily):
        amounts = _amounts(row, context, _cell_mcg)
        days[_date(row["date"])] = Day(amounts.doses, amounts.totals, row["day"], row["phase"])
    periods = []
    for row in _sheet_rows(book, steps):
        amounts = _amounts(row, context, _cell_mcg)
        first, last = _date(row["from"]), _date(row["to"])
        assert row["days"] == (last - first).days + 1, row
        periods.append(Period(first, last, amounts.doses, amounts.totals))
    book.close()
    return days, periods


# --- Calendar file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Events:
    days: dict[dt.date, Day]
    keep_taking: tuple[tuple[dt.date, Totals], ...]  # the last day's event, if any
    reviews: tuple[dt.date, ...]  # the days whose events say to review the dose


def read_ics(data: bytes, context: Context) -> Events:
    """Each dose event's day, time of day (by its local clock), drug and dose; the day's
    number and total from its description; the stop day; a keep-taking event."""
    lang, words, n = context.lang, WORDS[context.lang], NUMBER[context.lang]
    patterns, clocks, labels = unit_patterns(lang), clock_names(context), TIME_LABELS[lang]
    doses: dict[dt.date, set[tuple[str, str, int]]] = defaultdict(set)
    totals: dict[dt.date, set[Totals]] = defaultdict(set)
    numbers: dict[dt.date, set[int]] = defaultdict(set)
    stops, keep, reviews = set(), [], set()
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        start = event.decoded("DTSTART")
        summary = " ".join(str(event["SUMMARY"]).split())
        description = " ".join(str(event["DESCRIPTION"]).split())
        if not isinstance(start, dt.datetime):  # an all-day event: stop, or keep taking
            if summary.startswith(words["stop_event"]):
                stops.add(start)
                continue
            said = re.fullmatch(
                rf"{words['keep_event']}(?P<drug>{context.drugs}) (?P<mg>{n}) mg {words['a_day']}",
                summary,
            )
            assert said, summary
            keep.append((start, frozenset({(said["drug"], mcg(said["mg"]))})))
            continue
        assert str(start.tzinfo) == context.zone, start
        time = clocks[f"{start:%H:%M}"]
        found = re.fullmatch(rf"(?P<drug>{context.drugs}) (?P<mg>{n}) mg: (?P<units>.+)", summary)
        assert found, summary
        drug, units = split_drug(found["units"], context.drugs, found["drug"])
        assert drug == found["drug"], summary
        amount = mcg(found["mg"])
        assert units_mcg(units.split(", ")[0], patterns) == amount, summary  # ", <product>"
        date = start.date()
        doses[date].add((time, drug, amount))
        said = re.match(
            rf"{words['day']} (?P<day>\d+), (?P<time>[^:]+): .*? "
            rf"{re.escape(words['daily_total'])} (?P<total>.+?)\. ",
            description,
        )
        assert said, description
        assert said["time"] == labels[time], description
        numbers[date].add(int(said["day"]))
        totals[date].add(totals_in(said["total"], context))
        for review in review_dates([description], lang):
            assert review == date, description  # said on the day itself
            reviews.add(date)
    days = {}
    for date, taken in doses.items():
        (number,), (total,) = numbers[date], totals[date]  # one day number, one total a day
        days[date] = Day(frozenset(taken), total, number)
    for date in stops:
        assert date not in days, f"{date}: a stop and doses"
        days[date] = Day(frozenset(), frozenset())
    return Events(days, tuple(keep), tuple(sorted(reviews)))


# --- FHIR ---------------------------------------------------------------------------------


def read_fhir(data: bytes, context: Context) -> tuple[list[Period], list[Period]]:
    """The period of each step's dosage instructions (a step is its requests' group), and
    the period each request's note states."""
    names = {PRODUCT_NAMES["en"][id_]: (id_, drug) for id_, drug in context.products}
    clocks = clock_names(context)
    bundle = json.loads(data, parse_float=Decimal)
    bounds: dict[int, set[tuple[str, str | None]]] = defaultdict(set)
    taken: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    notes: dict[int, Period] = {}
    products: dict[int, str] = {}
    for entry in bundle["entry"]:
        request = entry["resource"]
        number = int(request["groupIdentifier"]["value"].rsplit("-", 1)[1])
        product, strength = request["medicationCodeableConcept"]["text"].rsplit(": ", 1)
        product_id, drug = names[product]
        if drug == context.drug:
            assert products.setdefault(number, product_id) == product_id, product
        for dosage in request["dosageInstruction"]:
            repeat = dosage["timing"]["repeat"]
            bounds[number].add((repeat["boundsPeriod"]["start"], repeat["boundsPeriod"].get("end")))
            (clock,) = repeat["timeOfDay"]
            time = clocks[clock[:5]]
            quantity = dosage["doseAndRate"][0]["doseQuantity"]
            assert (quantity["unit"], quantity["code"]) == ("mg", "mg"), quantity
            amount = mcg(str(quantity["value"]))
            label = TIME_LABELS["en"][time]
            units = dosage["text"].removesuffix(f" {label}")
            assert units != dosage["text"], dosage["text"]
            assert units_mcg(units, PHARMACY_UNITS) == amount, units
            for unit in units.split(" + "):  # a request is one strength
                assert re.fullmatch(rf"(?:{COUNT}) x {re.escape(strength)}s?", unit), units
            taken[number][time, drug] += amount
        (note,) = request["note"]
        said = _note_period(note["text"], context)
        assert notes.setdefault(number, said) == said, note["text"]
    periods = []
    for number in sorted(taken):
        ((first, last),) = bounds[number]  # one period for the whole step
        by_drug: dict[str, int] = defaultdict(int)
        for (_time, drug), amount in taken[number].items():
            by_drug[drug] += amount
        periods.append(
            Period(
                dt.date.fromisoformat(first),
                dt.date.fromisoformat(last) if last else None,
                frozenset((time, drug, amount) for (time, drug), amount in taken[number].items()),
                frozenset(by_drug.items()),
                products.get(number),
            )
        )
    assert sorted(notes) == sorted(taken)
    return periods, [notes[number] for number in sorted(notes)]


def _note_period(text: str, context: Context) -> Period:
    """'Step 3 (taper): 1.5 mg a day of clonazePAM, 2027-01-18 to 2027-01-31.' or
    '..., from 2027-01-18, continuing until the prescriber reviews it.'"""
    iso = r"\d{4}-\d\d-\d\d"
    said = re.search(
        rf"Step \d+ \(\w+\): (?P<daily>.+?), "
        rf"(?:(?P<first>{iso}) to (?P<last>{iso})|from (?P<open>{iso}), continuing[^.]*)\. ",
        text,
    )
    assert said, text
    first = dt.date.fromisoformat(said["first"] or said["open"])
    last = dt.date.fromisoformat(said["last"]) if said["last"] else None
    return Period(first, last, None, totals_in(said["daily"].replace(" a day", ""), context, "en"))


# --- PDF ----------------------------------------------------------------------------------


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
        taken = set()
        for time, text in zip(context.times, doses, strict=True):
            if text == "-":
                continue
            found = re.fullmatch(rf"(?:(?P<drug>{drugs}) )?(?P<mg>{n}) mg: (?P<words>.+)", text)
            assert found, text
            drug, words = split_drug(found["words"], drugs, found["drug"] or context.drug)
            assert found["drug"] in (None, drug), text
            amount = mcg(found["mg"])
            assert units_mcg(words, english) == amount, text
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
PHARMACY_STARTS = r"Days? \d+(?:-\d+)?(?: on, continuing)?: "


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


# --- Instructions as text -----------------------------------------------------------------


def patient_period(line: str, context: Context, *, products_named: bool) -> Period:
    """One line of the patient's instructions as the period, doses and totals it states;
    ``products_named``: each line must name its product (after a product switch)."""
    lang, date, drugs = context.lang, long_date(context.lang), context.drugs
    which = r"(?P<product>, .+?)?"
    if lang == "en":
        stop = rf"From (?P<first>{date}): stop taking {drugs}\."
        doses = rf"{which}: take (?P<doses>.+?)\. That is (?P<daily>.+?) a day\."
        held = rf"From (?P<first>{date}){doses} Keep taking this dose"
        period = (
            rf"(?:From (?P<first>{date}) to (?P<last>{date}) \((?P<days>\d+) days\)"
            rf"|On (?P<one>{date})){doses}"
        )
    else:
        stop = rf"Desde el (?P<first>{date}): deje de tomar {drugs}\."
        doses = rf"{which}: tome (?P<doses>.+?)\. Son (?P<daily>.+?) al día\."
        held = rf"Desde el (?P<first>{date}){doses} Siga tomando esta dosis"
        period = (
            rf"(?:Desde el (?P<first>{date}) hasta el (?P<last>{date}) \((?P<days>\d+) días\)"
            rf"|El (?P<one>{date})){doses}"
        )
    if found := re.match(stop, line):
        first = parse_long_date(found["first"], lang)
        return Period(first, first, frozenset(), frozenset())  # a stop is one day: the last
    keeps = re.search(r"Keep taking|continuing|Siga tomando|hasta que su médico", line)
    last: dt.date | None
    if found := re.match(held, line):
        first, last = parse_long_date(found["first"], lang), None
    else:
        found = re.match(period, line)
        assert found and not keeps, line
        if found["one"]:
            first = last = parse_long_date(found["one"], lang)
        else:
            first, last = (parse_long_date(found[key], lang) for key in ("first", "last"))
            assert int(found["days"]) == (last - first).days + 1, line
    named = (found["product"] or "").removeprefix(", ")
    assert bool(named) == products_named, line
    taken, _lead = doses_by_label(
        found["doses"], TIME_LABELS[lang], unit_patterns(lang), context, label_first=False
    )
    product = context.product_id(named) if named else None
    return Period(first, last, taken, totals_in(found["daily"], context), product)


def pharmacy_period(line: str, context: Context) -> Period:
    """One pharmacy direction (English): 'Days 4-6: clonazePAM in the morning: ...', its
    day numbers counted from day 1."""
    found = re.fullmatch(
        r"(?:Days (?P<a>\d+)-(?P<b>\d+)|Day (?P<open>\d+) on, continuing|Day (?P<one>\d+)): "
        r"(?P<rest>.+)",
        line,
    )
    assert found, line

    def date(day: str) -> dt.date:
        return context.start + dt.timedelta(days=int(day) - 1)

    first = date(found["a"] or found["open"] or found["one"])
    last = None if found["open"] else date(found["b"] or found["one"])
    if re.fullmatch(rf"stop {context.drugs}\.", found["rest"]):
        return Period(first, last, frozenset(), frozenset())
    said = re.fullmatch(r"(?P<doses>.+) \((?P<daily>[^()]+)\)\.", found["rest"])
    assert said, line
    labels = {name: f"{label}:" for name, label in TIME_LABELS["en"].items()}
    english = replace(context, lang="en")
    doses, lead = doses_by_label(said["doses"], labels, PHARMACY_UNITS, english, label_first=True)
    lead = lead.strip()
    product = context.product_id(lead.removesuffix(":"), "en") if lead.endswith(":") else None
    assert product or lead in (context.drug, ""), line
    return Period(first, last, doses, totals_in(said["daily"], english), product)


def review_dates(lines: Iterable[str], lang: str) -> list[dt.date]:
    """The days the patient's lines say to review the dose with the prescriber."""
    said = {
        "en": r"Review this dose with your prescriber on (?P<date>{date})\.",
        "es": r"Revise esta dosis con su médico el (?P<date>{date})\.",
    }[lang].format(date=long_date(lang))
    return [parse_long_date(m["date"], lang) for line in lines for m in re.finditer(said, line)]
