"""The columns of a batch file, made from the inputs' one description (``planner.inputs``):
each column is a plan file's key of the same name, for the schedules that take it."""

from __future__ import annotations

from planner.inputs import SCHEDULES, Command, inputs_of

REQUIRED = ("id", "protocol", "schedule", "start")
# A batch row's schedule, as its command is named on the command line.
KINDS: dict[str, Command] = {
    "titration": "titrate",
    "taper": "taper",
    "course": "course",
    "switch": "switch",
}
_BY_KIND = {kind: inputs_of(command, "batch") for kind, command in KINDS.items()}
_EVERY = [entry for entry in inputs_of("titrate", "batch") if set(SCHEDULES) <= {*entry.commands}]
PATIENT_FIELDS = tuple(e.key for e in _EVERY if e.field.startswith("patient."))
SHARED_FIELDS = tuple(e.key for e in _EVERY if e.key not in (*PATIENT_FIELDS, *REQUIRED))
# The columns of each kind of schedule beside the shared ones (batch column = plan key).
FIELDS_OF = {
    kind: tuple(
        dict.fromkeys(
            e.key for e in entries if e.key not in (*REQUIRED, *PATIENT_FIELDS, *SHARED_FIELDS)
        )
    )
    for kind, entries in _BY_KIND.items()
}
KIND_FIELDS = tuple(dict.fromkeys(key for keys in FIELDS_OF.values() for key in keys))
# The plan file's own fields beside its request: the patient's language (any schedule).
PLAN_FIELDS = ("lang",)
COLUMNS = (*REQUIRED, *PATIENT_FIELDS, *SHARED_FIELDS, *KIND_FIELDS, *PLAN_FIELDS)
_ALL = [entry for entries in _BY_KIND.values() for entry in entries]
WHOLE_NUMBERS = frozenset(e.key for e in _ALL if e.kind == "whole")
FLAGS = frozenset(e.key for e in _ALL if e.kind == "flag")
NUMBER_LISTS = frozenset(e.key for e in _ALL if e.kind == "numbers")  # '0.5;1'
