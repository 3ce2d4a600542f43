"""The day-by-day table as CSV: one row a day, ISO dates, doses in mg, no index column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.table import daily_frame

if TYPE_CHECKING:
    from planner.safety import SafetyReport
    from planner.schedule import Schedule


def render_csv(schedule: Schedule, report: SafetyReport) -> bytes:
    """UTF-8 CSV of ``daily_frame``; mg written as exact decimals (0.125, 1, never 1.0)."""
    del report  # the CSV is the table alone, so that it imports cleanly
    text = daily_frame(schedule).to_csv(
        index=False, float_format="%g", date_format="%Y-%m-%d", lineterminator="\n"
    )
    return text.encode("utf-8")
