"""The web front end (``planner serve``): a page for clinicians and an HTTP API.

A front end like the command line: it builds the library's typed requests, calls
``plan_checked`` and renders with ``planner.render.outputs``, so a file downloaded here
is the file the command line writes. Needs the ``web`` extra (starlette, uvicorn,
jinja2); nothing else in the planner imports it.
"""
