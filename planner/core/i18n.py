"""The patient's words in the patient's language: gettext catalogues read with Babel, and
dates and numbers as that language writes them (0,5 mg in Spanish).

English is the source language: its words are the message ids, so it has no catalogue
and its outputs are what they always were. Each other language is
``planner/locale/<code>/LC_MESSAGES/planner.po``, read and compiled in memory on first
use: no build step after ``pip install -e .``, no binary ``.mo`` to go stale beside its
``.po``, the same text every run. A string a catalogue lacks, leaves empty or marks fuzzy
stays English (a partial catalogue falls back string by string).

Only what a patient reads is translated (calendar pages, instructions, calendar-file
text, plot labels, sheet names); machine outputs (CSV, JSON) and the clinician's text
(warnings, notes, sources, safety checks) stay in English. A catalogue's header says
whether a clinician has reviewed it (``X-Clinician-Reviewed: yes``); until then every
output in that language says so, in the language and in English.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from planner.core.units import format_decimal as plain_decimal
from planner.core.units import mcg_to_mg
from planner.errors import InputError

LOCALE_DIR = Path(__file__).parents[1] / "locale"  # planner/locale
DOMAIN = "planner"
SOURCE_LANGUAGE = "en"
REVIEWED_HEADER = re.compile(r'^"X-Clinician-Reviewed:\s*(\w+)\\n"$', re.MULTILINE)
NOT_REVIEWED = "Translation not reviewed by a clinician."
# Leading zero, no grouping, no trailing zero, every decimal kept (ISMP): 0,125 not 0,13.
NUMBER_FORMAT = "0.######"


@dataclass(frozen=True)
class Language:
    """One language's catalogue and formats; ``gettext`` gives English for a missing string."""

    code: str
    reviewed: bool = True
    messages: dict[str, str] = field(default_factory=dict, compare=False)

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def number(self, value: Decimal) -> str:
        """An exact number with the language's decimal sign: 0.125 -> '0,125' in Spanish.

        English needs no Babel (a plain command never loads it): the same digits."""
        if self.code == SOURCE_LANGUAGE:
            return plain_decimal(value)
        from babel.numbers import format_decimal

        return format_decimal(
            value, format=NUMBER_FORMAT, locale=self.code, decimal_quantization=False
        )

    def fixed(self, value: float, places: int) -> str:
        """A model's estimate (never a dose) to ``places`` decimals: 12.0, '12,0'."""
        text = f"{value:.{places}f}"
        if self.code == SOURCE_LANGUAGE:
            return text
        from babel.numbers import get_decimal_symbol

        return text.replace(".", get_decimal_symbol(self.code))

    def mg_number(self, mcg: int) -> str:
        return self.number(mcg_to_mg(mcg))

    def mg(self, mcg: int) -> str:
        """A dose for a person to read: '0.5 mg', '0,5 mg'."""
        return f"{self.mg_number(mcg)} mg"

    def date(self, date: dt.date, pattern: str) -> str:
        """``date`` by a CLDR pattern the catalogue may reorder: 'EEEE d MMMM y'."""
        from babel.dates import format_date

        return format_date(date, self.gettext(pattern), locale=self.code)

    def long_date(self, date: dt.date) -> str:
        """'Monday 4 January 2027', 'lunes, 4 de enero de 2027': unambiguous everywhere."""
        return self.date(date, "EEEE d MMMM y")

    def month_title(self, date: dt.date) -> str:
        """'January 2027', 'Enero de 2027': a heading, so it starts with a capital."""
        title = self.date(date, "MMMM y")
        return title[:1].upper() + title[1:]

    def weekdays(self, width: Literal["wide", "abbreviated"] = "wide") -> list[str]:
        """Monday first, as the calendar's columns: 'Monday', or abbreviated 'Mon'."""
        from babel.dates import get_day_names

        names = get_day_names(width, locale=self.code)
        return [str(names[index]).capitalize() for index in range(7)]

    def review_note(self) -> str:
        """'' for English or a reviewed catalogue; else the warning in both languages."""
        if self.reviewed:
            return ""
        translated = self.gettext(NOT_REVIEWED)
        return translated if translated == NOT_REVIEWED else f"{translated} {NOT_REVIEWED}"


ENGLISH = Language(SOURCE_LANGUAGE)


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is written; translated where it is used."""
    return message


# Words a patient reads that are values, not text in the code (translated where shown):
# the kinds, phases and edits of a schedule, the date patterns, the review warning, the
# disclaimer and the models' note (wording.DISCLAIMER, pharmacokinetics.EDUCATION_NOTE).
VALUE_WORDS = (
    N_("titration"),
    N_("maintenance"),
    N_("taper"),
    N_("course"),
    N_("switch"),
    N_("stop"),
    N_("pause"),
    N_("step back"),
    N_("taken"),
    N_("EEEE d MMMM y"),
    N_("MMMM y"),
    N_("d MMM y"),
    N_("Instructions for the patient"),
    N_("Translation not reviewed by a clinician."),
    N_("For clinician review and education. Not medical advice."),
    N_("Illustration for education: model estimates, not patient measurements."),
)


def available_languages() -> tuple[str, ...]:
    """English and every language with a catalogue, sorted."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted({SOURCE_LANGUAGE, *found}))


@functools.cache
def language(code: str) -> Language:
    """The language ``code`` names ('es'), read once; an unknown code is an input error."""
    if code == SOURCE_LANGUAGE:
        return ENGLISH
    if code not in available_languages():
        raise InputError(
            f"unknown language {code!r}; languages are {', '.join(available_languages())}",
            field="lang",
        )
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as stream:
        catalogue = read_po(stream, locale=code, domain=DOMAIN)
    messages = {
        str(message.id): str(message.string)
        for message in catalogue
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }
    # Babel keeps only the standard header fields, so the review field is read as written.
    reviewed = REVIEWED_HEADER.search(path.read_text(encoding="utf-8"))
    return Language(code, reviewed is not None and reviewed[1] == "yes", messages)
