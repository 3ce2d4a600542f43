"""Plan a titration and a taper from Python and look at them as pandas DataFrames.

Run: python examples/plan_from_python.py
For clinician review and education. Not medical advice.
"""

import datetime as dt

from planner import check_schedule, daily_frame, load_protocol, taper, titrate

protocol = load_protocol("seizure-pediatric")
child = titrate(protocol, start=dt.date(2027, 1, 4), weight_kg="20")
print(f"{protocol.title}: {child.days} days, safety checks passed: {check_schedule(child).passed}")
print(daily_frame(child)[["date", "total_mg", "morning_mg", "midday_mg", "bedtime_mg"]].head(8))

off = taper(
    load_protocol("panic-adult"),
    start=dt.date(2027, 3, 1),
    from_mg_per_day="2",
    pace="nardi-2010",
)
steps = daily_frame(off).query("note != ''")[["date", "total_mg", "note"]]
print(steps.to_string(index=False))
