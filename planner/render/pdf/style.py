"""Page sizes, fonts, colours and text fitting shared by the summary and the calendar.

Every word is set in DejaVu Sans, embedded as a TrueType subset: the standard-14 fonts
(Helvetica) have no Cyrillic or Greek, so a patient named Зоя Иванова printed as boxes.
The font files are the ones matplotlib ships, found without importing matplotlib.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any, Literal

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import registerFont, registerFontFamily, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

from planner.errors import OutputError

Paper = Literal["letter", "a4"]
PAPER_SIZES = {"letter": LETTER, "a4": A4}
MARGIN = 0.5 * inch
FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"
SMALLEST_PT = 8
CHANGE_FILL = colors.HexColor("#fff4c2")
STOP_FILL = colors.HexColor("#f6d5d5")
GRID = colors.HexColor("#555555")
LEADING = 9.5  # between lines of 8 pt text (a calendar page's sizes: pdf.materials)
MUTED = colors.HexColor("#666666")

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, alignment=TA_LEFT)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=SMALLEST_PT, leading=10)
HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=3
)
TITLE = ParagraphStyle("title", parent=BODY, fontName=BOLD, fontSize=17, leading=21)
WARNING = ParagraphStyle("warning", parent=BODY, textColor=colors.HexColor("#8a1c1c"))


@functools.cache
def register_fonts() -> None:
    """Register the DejaVu Sans faces with reportlab, once, when the first PDF is made;
    the family lets a paragraph's <b> and <i> find their faces."""
    spec = importlib.util.find_spec("matplotlib")
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        raise OutputError("cannot make a PDF: matplotlib's fonts (DejaVu Sans) are not installed")
    fonts = Path(folders[0]) / "mpl-data" / "fonts" / "ttf"
    for name in (FONT, BOLD, ITALIC, BOLD_ITALIC):
        registerFont(TTFont(name, str(fonts / f"{name}.ttf")))
    registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)


def table_style(*commands: tuple[Any, ...]) -> TableStyle:
    """A table's style, its cells set in DejaVu Sans: reportlab's default is Helvetica,
    chosen for every cell even where a paragraph draws the text in its own font."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


def escape_markup(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit_line(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """One line within ``width``: smaller type down to 8 pt, then cut short with an
    ellipsis (the summary page shows the whole text)."""
    while size > 8 and stringWidth(text, font, size) > width:
        size -= 1
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


MIXED_NUMBER = re.compile(r"(\d) (\d+/\d+)")  # '1 1/2': one count, never two lines


def keep_counts(markup: str) -> str:
    """Paragraph markup in which '1 1/2' cannot break after the 1 (read as 1, or as 1/2)."""
    return MIXED_NUMBER.sub(r"\1&nbsp;\2", markup)


HYPHEN = re.compile(r"(?<=[^\W\d_]-)(?=[^\W\d_])")  # 'demi-|comprimé': a line may end there


def wrap_words(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap that never separates a number from its unit ('0.5 mg') nor the
    whole and the fraction of a count ('1 1/2'); a hyphenated word may break after its
    hyphen."""
    words = MIXED_NUMBER.sub("\\1\x00\\2", text.replace(" mg", "\x00mg")).split(" ")
    lines: list[str] = []
    for word in words:
        for index, part in enumerate(HYPHEN.split(word)):
            candidate = (lines[-1] + ("" if index else " ") + part) if lines else part
            if lines and stringWidth(candidate.replace("\x00", " "), font, size) <= width:
                lines[-1] = candidate
            else:
                lines.append(part)
    return [line.replace("\x00", " ") for line in lines]


def wrap_sentences(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines broken between sentences where they can be (a footer's fingerprint stays
    beside its label), else between words."""
    lines: list[str] = []
    for sentence in text.replace(". ", ".\x00").split("\x00"):
        candidate = f"{lines[-1]} {sentence}" if lines else sentence
        if lines and stringWidth(candidate, font, size) <= width:
            lines[-1] = candidate
        else:
            lines += wrap_words(sentence, font, size, width)
    return lines
