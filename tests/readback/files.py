"""The CSV, the workbook, the calendar file and the FHIR Bundle, read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import icalendar
import openpyxl

from readback.lines import review_dates
from readback.words import (
    COUNT,
    NUMBER,
    PHARMACY_UNITS,
    PRODUCT_NAMES,
    SHEETS,
    TIME_LABELS,
    WORDS,
    Context,
    Day,
    Period,
    Totals,
    clock_names,
    mcg,
    split_drug,
    totals_in,
    unit_patterns,
    units_mcg,
)


def _amounts(row: dict[str, Any], context: Context, dose: Callable[[Any], int]) -> Day:
    """A row's doses and totals: ``<time>_mg`` with its ``<time>_units``, ``total_mg``,
    and during a switch ``<drug>_mg`` and ``<time>_<drug>_mg`` for the old drug."""
    new, old, old_id = context.drug, context.old_drug, context.old_drug_id
    totals = {(new, dose(row["total_mg"]))}
    columns = [
        (time, new, f"{time}_mg", f"{time}_units") for time in context.times if f"{time}_mg" in row
    ]
    if old is not None and old_id is not None:
        totals.add((old, dose(row[f"{old_id}_mg"])))
        # The old drug's own times of day, as the file's columns name them.
        suffix = f"_{old_id}_mg"
        old_times = [c.removesuffix(suffix) for c in row if c.endswith(suffix) and c != suffix[1:]]
        assert old_times, f"no column of {old} at a time of day: {list(row)}"
        columns += [(t, old, f"{t}_{old_id}_mg", f"{t}_{old_id}_units") for t in old_times]
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
    '..., from 2027-01-18, continuing until the prescriber reviews it; review by ...', a
    review day named on its step: '...; review with the prescriber on 2027-04-04.'"""
    iso = r"\d{4}-\d\d-\d\d"
    said = re.search(
        rf"Step \d+ \(\w+\): (?P<daily>.+?), "
        rf"(?:(?P<first>{iso}) to (?P<last>{iso})|from (?P<open>{iso}), continuing[^.;]*"
        rf"(?:; review by {iso})?)(?:; review with the prescriber on (?P<review>{iso}))?\. ",
        text,
    )
    assert said, text
    assert said["review"] in (None, said["first"] or said["open"]), text
    first = dt.date.fromisoformat(said["first"] or said["open"])
    last = dt.date.fromisoformat(said["last"]) if said["last"] else None
    return Period(first, last, None, totals_in(said["daily"].replace(" a day", ""), context, "en"))
