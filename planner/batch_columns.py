"""The columns of a batch file, each with the schedules it belongs to (a column is a
plan file's field of the same name)."""

from __future__ import annotations

REQUIRED = ("id", "protocol", "schedule", "start")
TITRATION_FIELDS = ("target_mg_per_day", "step_mg_per_day", "interval_days", "hold_days")
TAPER_FIELDS = (
    "from_mg_per_day",
    "pace",
    "switch_product",
    "switch_at_mg_per_day",
    "ec50_mg_per_day",
    "pauses",
    "step_backs",
)
# Columns after the first round's: each says which schedules it belongs to.
LATER_FIELDS = (
    "to_mg_per_day",
    "maintain_days",
    "taper_hold_days",
    "older_adult",
    "from_drug",
    "from_product",
    "equivalence",
    "step_days",
    "then_pace",
    "from_doses",
)
PATIENT_FIELDS = ("weight_kg", "age_years")
SHARED_FIELDS = ("product", "off_label_reason")
# The plan file's own fields beside its request: the patient's language (any schedule).
PLAN_FIELDS = ("lang",)
COLUMNS = (
    *REQUIRED,
    *PATIENT_FIELDS,
    *SHARED_FIELDS,
    *TITRATION_FIELDS,
    *TAPER_FIELDS,
    *LATER_FIELDS,
    *PLAN_FIELDS,
)
# The columns of each kind of schedule (batch file column -> plan file field).
FIELDS_OF = {
    "titration": ("from_mg_per_day", *TITRATION_FIELDS, "older_adult"),
    "taper": (*TAPER_FIELDS, "to_mg_per_day", "hold_days"),
    "course": (
        "from_mg_per_day",
        "target_mg_per_day",
        "step_mg_per_day",
        "interval_days",
        "maintain_days",
        "pace",
        "ec50_mg_per_day",
        "to_mg_per_day",
        "taper_hold_days",
        "older_adult",
    ),
    "switch": (
        "from_drug",
        "from_mg_per_day",
        "from_doses",
        "from_product",
        "equivalence",
        "step_days",
        "then_pace",
    ),
}
WHOLE_NUMBERS = frozenset(
    {"age_years", "interval_days", "hold_days", "maintain_days", "taper_hold_days", "step_days"}
)
FLAGS = frozenset({"older_adult"})
