"""Planning (layer 2): the engine, the paces' steps, courses and switches; the safety
check (``planner.safety``) stands beside it and shares nothing with it."""
