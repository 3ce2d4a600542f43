"""Reading a schedule back out of each output format, as a person or a program would,
with nothing of the planner's: csv, openpyxl, icalendar, json and pypdf read the files;
doses are read from the words printed ("1 1/2 tablets of 0.5 mg", "medio comprimido de
0,5 mg", "3 drops (0.3 mg)", "1 1/2 x 0.5 mg tablets"), dates from ISO text or from the
language's own month and weekday names (Babel's CLDR data), decimals with the language's
sign (0,5 in Spanish).

A format that states days gives ``Day`` values by date; one that states periods gives a
``Period`` per step. A reader asserts on anything it cannot read (a number left over,
a dose given twice), so a changed format fails loudly rather than reading as nothing.
``words`` holds the types and the words of each language; ``files`` reads the CSV, the
workbook, the calendar file and FHIR; ``pdf`` the PDF's summary and calendar pages;
``lines`` the patient's and the pharmacy's lines of text.
"""

from readback.files import Events, read_csv, read_fhir, read_ics, read_xlsx
from readback.lines import patient_period, pharmacy_period, review_dates
from readback.pdf import MonthCells, Pages, pdf_calendar, pdf_instructions, pdf_step_table, read_pdf
from readback.words import PRODUCT_NAMES, WORDS, Context, Day, Doses, Period, Totals

__all__ = [
    "PRODUCT_NAMES",
    "WORDS",
    "Context",
    "Day",
    "Doses",
    "Events",
    "MonthCells",
    "Pages",
    "Period",
    "Totals",
    "patient_period",
    "pdf_calendar",
    "pdf_instructions",
    "pdf_step_table",
    "pharmacy_period",
    "read_csv",
    "read_fhir",
    "read_ics",
    "read_pdf",
    "read_xlsx",
    "review_dates",
]
