"""The domain (layer 1): schedules, products, dispensing, the protocol library and its
provenance, beside the models of ``planner.models``."""
