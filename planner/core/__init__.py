"""Foundation (layer 0): exact units, words, languages, atomic files and limits; it
imports nothing of the planner's above it."""
