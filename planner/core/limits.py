"""Every limit on the work one input may ask for, in one place (the README lists them).

Limits are per input file and per patient, never per batch: a batch of a million
patients is legal, but no single file, cell or schedule can make the planner run away.
"""

from __future__ import annotations

# Input files are read only if they are regular files, and only up to these sizes.
MAX_TOML_FILE_BYTES = 1024 * 1024  # a protocol, product, pace or plan file
MAX_BATCH_FILE_BYTES = 128 * 1024 * 1024  # a batch CSV: over a million patients
# A TOML file may nest tables and lists this deep (the planner's own files need 4).
MAX_TOML_DEPTH = 16
# One cell of a batch CSV, and any number typed as text (a dose, a day count).
MAX_CELL_CHARS = 1000
MAX_COLUMNS = 40  # columns of a batch CSV (it has 21)
MAX_ROW_CHARS = 64 * 1024  # one line of a batch CSV
# Records of a Parquet cohort read (and sent to a Dask worker) at a time: a larger row
# group is read in parts of this many, so memory is bounded whatever the file's groups.
MAX_PARQUET_READ_ROWS = 1000
MAX_NUMBER_CHARS = 24
# One patient's schedule: at most about ten years of days, and so many edits.
MAX_SCHEDULE_DAYS = 3660
MAX_EDITS = 100
# Text that lands on a page: one line of a protocol file, a patient's name on the PDF.
MAX_TEXT_CHARS = 2000
MAX_CAUTIONS = 100  # cautions in one protocol file
MAX_PATIENT_CHARS = 120
# A symptom log (one score a date of the schedule, so at most MAX_SCHEDULE_DAYS rows), and
# its scale's name, printed beside the dose on the plot's axis and the PDF summary.
MAX_SYMPTOM_FILE_BYTES = 1024 * 1024
MAX_SCALE_NAME_CHARS = 40
MAX_SCALE_SCORE = 1000  # the top of a scale's range: the CIWA-B's is 80


def megabytes(size: int) -> str:
    """A byte limit as people read it: '1 MB', '512 MB'."""
    return f"{size // (1024 * 1024)} MB"
