"""Renderers turn a checked schedule into bytes for one output format.

Each format is one module with a ``render_*(schedule, report, ...) -> bytes`` function;
``planner.core.files`` puts the bytes in place (atomically, all or nothing).
"""
