"""Calendar arithmetic the planner and its checks share: months, as people count them."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has no such day."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(date.day, last))
