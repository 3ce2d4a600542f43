"""The patient's and the pharmacy's lines of text, read back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import replace

from readback.words import (
    PHARMACY_UNITS,
    TIME_LABELS,
    Context,
    Period,
    doses_by_label,
    long_date,
    parse_long_date,
    totals_in,
    unit_patterns,
)


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
        r"(?:Days (?P<a>\d+)-(?P<b>\d+)|Day (?P<open>\d+) on, continuing"
        r"(?: \(review by (?P<due>\d{4}-\d{2}-\d{2})\))?|Day (?P<one>\d+)): "
        r"(?P<rest>.+?)(?: Review with the prescriber on day (?P<review>\d+)\.)?",
        line,
    )
    assert found, line
    # A review is said on the first day of its step, as every other output says it.
    assert found["review"] in (None, found["a"] or found["open"] or found["one"]), line

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
