"""Hypothesis profiles: 'ci' (the default, a few hundred examples per property) and
'long' for a soak run, chosen with HYPOTHESIS_PROFILE:

    HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "100000")),
    deadline=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
