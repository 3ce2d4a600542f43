"""Words every output shares, in one place: the review line and the footer's parts."""

from __future__ import annotations

# On every page and file a person reads (the README says so too).
DISCLAIMER = "For clinician review and education. Not medical advice."
