"""Planning once for the patients who share a plan but for its dates.

Most of a clinic's patients ask for what others ask for, on another day. A batch builds
the steps of each such request once (``planner.api.build_schedule``), keyed by the whole
validated request but its start date, and moves them to each patient's start. What
depends on the calendar is every patient's own: the reviews (due by calendar months
from the patient's start), the warnings for the patient's age and weight, and the
safety check of the finished schedule (``planner.api.finish_schedule``), so a shared
plan is checked for every patient it is given to.

Building uses the start date only as the day every step counts from (each step starts
``first_day - 1`` days after it), so moving the start moves every step and changes
nothing else, except where planning writes a date into its words. A request is never
shared where a date is anything but its start (a pause or step back, whose notes name
its date), nor a plan whose warnings or notes name a date (a published pace's cut on a
given day): those are planned for each patient alone. ``tests/test_batch_sharing.py``
compares a varied cohort's files, planned with and without sharing, byte for byte.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace

from planner.api import Checked, build_schedule, finish_schedule
from planner.domain.protocols import Library
from planner.domain.schedule import Schedule
from planner.models import (
    CourseRequest,
    Protocol,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)

Request = TitrationRequest | TaperRequest | CourseRequest | SwitchRequest
# Plans remembered at a time, each a few kilobytes: enough for a clinic's distinct plans
# to meet again, few enough that memory stays flat however long the batch.
SHARED_PLANS = 1024
# A date as the planner writes one in words or in a request (ISO 8601): YYYY-MM-DD, found
# at its first dash (a pattern that opens with a character is searched for quickly).
NAMES_A_DATE = re.compile(r"-(?<=\d{4}-)(?=\d{2}-\d{2})")


class SharedPlans:
    """The plans built so far in this process, the most recently used kept (at most
    ``size``; 0 shares nothing). Safe to use from several threads (a Dask worker's)."""

    def __init__(self, size: int = SHARED_PLANS) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[int, int, str, str], tuple[Protocol, Library, Schedule]]
        self._plans = OrderedDict()
        self._lock = threading.Lock()
        self.built = 0  # plans built here (shared or not)
        self.moved = 0  # plans taken from an earlier row and moved to a later start

    def __len__(self) -> int:
        return len(self._plans)

    def plan(self, protocol: Protocol, request: Request, *, library: Library) -> Checked:
        """The checked schedule for ``request``: its steps built once for every request
        that differs from it only in the start date, then reviewed and checked for it."""
        key = self._key(protocol, request, library)
        found = None
        if key is not None:
            with self._lock:
                found = self._plans.get(key)
                if found is not None:
                    self._plans.move_to_end(key)
        if found is not None and found[0] is protocol and found[1] is library:
            built = moved(found[2], request)
            self.moved += 1
        else:
            built = build_schedule(protocol, request, library=library)
            self.built += 1
            if key is not None and not names_a_date(built):
                with self._lock:
                    self._plans[key] = (protocol, library, built)
                    if len(self._plans) > self.size:
                        self._plans.popitem(last=False)
        return finish_schedule(built, library=library)

    def _key(
        self, protocol: Protocol, request: Request, library: Library
    ) -> tuple[int, int, str, str] | None:
        """The request without its start date, exactly as given (0.50 is not 0.5), for
        this protocol and library; None where it may not be shared."""
        if not self.size:
            return None
        rest = request.model_dump_json(exclude={"start"})
        if NAMES_A_DATE.search(rest):  # a pause or step back on a date of its own
            return None
        return id(protocol), id(library), type(request).__name__, rest


def moved(schedule: Schedule, request: Request) -> Schedule:
    """``schedule``, built for a request that differs from ``request`` only in its start
    date, moved to ``request``'s: each step as many days later (or earlier)."""
    shift = request.start - schedule.request.start
    steps = tuple(step.replaced(start=step.start + shift) for step in schedule.steps)
    review = schedule.next_review and schedule.next_review + shift
    return replace(schedule, request=request, steps=steps, next_review=review)


def names_a_date(schedule: Schedule) -> bool:
    """Whether the schedule's words name a date, which moving it would leave behind."""
    texts = [*schedule.warnings, *schedule.notes, schedule.off_label]
    texts += [step.note for step in schedule.steps]
    return NAMES_A_DATE.search("\n".join(texts)) is not None
