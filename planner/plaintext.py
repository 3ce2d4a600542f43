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
    """The first character of ``text`` that could break its line, or None."""
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
