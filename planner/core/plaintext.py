"""One-line text: the characters that could start a new line, cell or calendar event.

Protocol text, patient names and batch cells are printed on one line of a page, in one
CSV cell or in one calendar property; a line break or control character there could
forge a new row or event, so it is refused on input and blanked on output.
"""

from __future__ import annotations

import unicodedata

# Control characters (newline, tab, NUL, ...), and Unicode line and paragraph separators.
BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def control_character(text: str) -> str | None:
    """The first character of ``text`` that could break its line, or None. (Text that
    Python calls printable has none of them: it is looked through only when it is not.)"""
    if text.isprintable():
        return None
    return next((c for c in text if unicodedata.category(c) in BREAKING_CATEGORIES), None)


def one_line(text: str) -> str:
    """``text`` with every such character made a space."""
    return "".join(
        " " if unicodedata.category(char) in BREAKING_CATEGORIES else char for char in text
    )


def visible_letters(text: str) -> int:
    """How many letters and digits ``text`` shows: spaces, invisible format characters
    (zero-width spaces and joiners) and punctuation count for nothing."""
    return sum(1 for char in text if unicodedata.category(char)[0] in "LN")


def quoted(text: str, longest: int = 40) -> str:
    """A user's text quoted in a message, cut short if long: 'x', 'xxxx...'."""
    return repr(text if len(text) <= longest else text[:longest] + "...")


# OWASP, CSV injection: a cell starting with one of these opens as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, made inert with a leading quote.

    Only text is changed: numbers and dates are written from typed values, never text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_comment(label: str, value: object) -> str:
    """One ``#`` header line of a CSV file: ``# Label:,"value"``. The value is one quoted
    cell, through the same formula guard as the data: a comma or quote in a clinician's
    reason or a file's name never starts a cell of its own, nor a formula. The line
    starts with ``#``, so ``pandas.read_csv(comment="#")`` reads past it."""
    text = str(spreadsheet_cell(one_line(str(value))))
    return f'# {label}:,"{text.replace(chr(34), chr(34) * 2)}"'
