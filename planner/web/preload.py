"""Imported once by the worker processes' fork server (and by nothing else), so that
every worker starts warm: the renderers imported (matplotlib, reportlab, openpyxl,
icalendar, fhir.resources), the bundled protocols read, and each format rendered once
(fonts registered, caches filled). A worker that replaces a killed one is then as quick
as one that has served for hours, and its files the same bytes.
"""

from __future__ import annotations

import contextlib

import planner.planning.comparison
import planner.plans
import planner.render.csv
import planner.render.document
import planner.render.fhir
import planner.render.ics
import planner.render.month
import planner.render.pdf
import planner.render.plot
import planner.render.teaching
import planner.render.xlsx
from planner.web import jobs
from planner.web.service import FORMATS

__all__ = ["planner"]


def _warm() -> None:
    raw = {"protocol": ["panic-adult"], "start": ["2027-01-04"]}
    for format_name in FORMATS:
        jobs.download(None, "titrate", raw, format_name)
    jobs.page(None, "titrate", raw)


with contextlib.suppress(Exception):  # a cold worker is slower, never wrong
    _warm()
