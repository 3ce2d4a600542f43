"""dose-planner: day-by-day dose titration and taper schedules from protocol files.

For clinician review and education; not medical advice.

The front door is ``plan(protocol, request)``: a protocol (``load_protocol("panic-adult")``)
and a typed request (``TitrationRequest``, ``TaperRequest``, ``CourseRequest``,
``SwitchRequest``) give a ``Schedule`` that has passed every safety check;
``plan_checked`` gives its ``SafetyReport`` too. ``titrate``, ``taper``, ``course`` and
``switch`` build the request from plain values and call it. Outputs: ``render_pdf``,
``render_csv``, ``render_ics``, ``render_xlsx``, ``schedule_figure``, ``instructions``,
``dispensing_totals``, ``daily_frame`` (each in the patient's ``lang`` where it has words).
Plan files: ``load_plan``, ``run_plan``, ``plan_toml``; ``revised`` adds a revision at a
visit (hold, step back, slower, the dose taken, a new end dose) to a taper's plan, and
``diff_schedules(old, new)`` says what changes from one schedule to another.
A symptom log (``read_symptoms("log.csv")``) is drawn beside the dose by the plot, the PDF
and ``OutputOptions(symptoms=...)``; it never changes a plan.

    >>> import datetime as dt
    >>> from planner import load_protocol, titrate, daily_frame
    >>> schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    >>> daily_frame(schedule)[["date", "total_mg"]].head(1)
            date  total_mg
    0 2027-01-04       0.5

Names are loaded on first use, so that ``import planner`` (and ``planner --help``) stays
fast and never imports pandas or pydantic before they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_protocol": "planner.api",
    "plan": "planner.api",
    "plan_checked": "planner.api",
    "Checked": "planner.api",
    "course": "planner.api",
    "switch": "planner.api",
    "CourseRequest": "planner.models",
    "SwitchRequest": "planner.models",
    "TitrationRequest": "planner.models",
    "TaperRequest": "planner.models",
    "Pause": "planner.models",
    "StepBack": "planner.models",
    "ProductSwitch": "planner.models",
    "CustomStep": "planner.models",
    "titrate": "planner.api",
    "taper": "planner.api",
    "check_schedule": "planner.safety",
    "SafetyReport": "planner.safety",
    "daily_frame": "planner.render.table",
    "to_frame": "planner.render.table",
    "Schedule": "planner.domain.schedule",
    "DoseStep": "planner.domain.schedule",
    "Protocol": "planner.models",
    "Product": "planner.models",
    "Pace": "planner.models",
    "load_library": "planner.domain.protocols",
    "PlannerError": "planner.errors",
    "OutputOptions": "planner.render.outputs",
    "render_outputs": "planner.render.outputs",
    "write_outputs": "planner.render.outputs",
    "schedule_figure": "planner.render.plot",
    "render_pdf": "planner.render.pdf",
    "render_csv": "planner.render.csv",
    "render_ics": "planner.render.ics",
    "render_xlsx": "planner.render.xlsx",
    "instructions": "planner.render.instructions",
    "dispensing_totals": "planner.domain.dispensing",
    "UnsafeScheduleError": "planner.errors",
    "PlanFile": "planner.plans",
    "load_plan": "planner.plans",
    "run_plan": "planner.plans",
    "revised": "planner.plans",
    "plan_toml": "planner.plans",
    "read_symptoms": "planner.domain.symptoms",
    "SymptomLog": "planner.domain.symptoms",
    "diff_schedules": "planner.domain.differences",
    "ScheduleDiff": "planner.domain.differences",
}

if TYPE_CHECKING:
    from planner.api import (
        Checked,
        course,
        load_protocol,
        plan,
        plan_checked,
        switch,
        taper,
        titrate,
    )
    from planner.domain.differences import ScheduleDiff, diff_schedules
    from planner.domain.dispensing import dispensing_totals
    from planner.domain.protocols import load_library
    from planner.domain.schedule import DoseStep, Schedule
    from planner.domain.symptoms import SymptomLog, read_symptoms
    from planner.errors import PlannerError, UnsafeScheduleError
    from planner.models import (
        CourseRequest,
        CustomStep,
        Pace,
        Pause,
        Product,
        ProductSwitch,
        Protocol,
        StepBack,
        SwitchRequest,
        TaperRequest,
        TitrationRequest,
    )
    from planner.plans import PlanFile, load_plan, plan_toml, revised, run_plan
    from planner.render.csv import render_csv
    from planner.render.ics import render_ics
    from planner.render.instructions import instructions
    from planner.render.outputs import OutputOptions, render_outputs, write_outputs
    from planner.render.pdf import render_pdf
    from planner.render.plot import schedule_figure
    from planner.render.table import daily_frame, to_frame
    from planner.render.xlsx import render_xlsx
    from planner.safety import SafetyReport, check_schedule


def __dir__() -> list[str]:
    """The public names too, though they load on first use (tab completion, ``dir``)."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Checked",
    "CourseRequest",
    "CustomStep",
    "DoseStep",
    "OutputOptions",
    "Pace",
    "Pause",
    "PlanFile",
    "PlannerError",
    "Product",
    "ProductSwitch",
    "Protocol",
    "SafetyReport",
    "Schedule",
    "ScheduleDiff",
    "StepBack",
    "SwitchRequest",
    "SymptomLog",
    "TaperRequest",
    "TitrationRequest",
    "UnsafeScheduleError",
    "__version__",
    "check_schedule",
    "course",
    "daily_frame",
    "diff_schedules",
    "dispensing_totals",
    "instructions",
    "load_library",
    "load_plan",
    "load_protocol",
    "plan",
    "plan_checked",
    "plan_toml",
    "read_symptoms",
    "render_csv",
    "render_ics",
    "render_outputs",
    "render_pdf",
    "render_xlsx",
    "revised",
    "run_plan",
    "schedule_figure",
    "switch",
    "taper",
    "titrate",
    "to_frame",
    "write_outputs",
]
