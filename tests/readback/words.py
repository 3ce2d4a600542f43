"""The types a reader gives, what it knows besides the file, and the words and numbers
of each language it reads by."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from babel.dates import get_day_names, get_month_names

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
    "en": {
        "morning": "in the morning",
        "midday": "at midday",
        "afternoon": "in the afternoon",
        "evening": "in the evening",
        "bedtime": "at bedtime",
    },
    "es": {
        "morning": "por la mañana",
        "midday": "al mediodía",
        "afternoon": "por la tarde",
        "evening": "por la noche",
        "bedtime": "al acostarse",
    },
}
CALENDAR_LABELS = {
    "en": {
        "morning": "Morning",
        "midday": "Midday",
        "afternoon": "Afternoon",
        "evening": "Evening",
        "bedtime": "Bedtime",
    },
    "es": {
        "morning": "Mañana",
        "midday": "Mediodía",
        "afternoon": "Tarde",
        "evening": "Noche",
        "bedtime": "Al dormir",  # the calendar's short word ('Bedtime (calendar)')
    },
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
            # A calendar's short words: 'medio comp. 0,5 mg', '1 1/2 comp. 0,5 mg'.
            (rf"medio comp\. (?P<strength>{n}) mg", half),
            (rf"cuarto de comp\. (?P<strength>{n}) mg", quarter),
            (rf"(?P<count>{COUNT}) comp\. (?P<strength>{n}) mg", times),
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
