"""Every front end offers the formats of one registry (``planner.render.formats``): the
schedule commands' file options, the batch's per-patient files, the page's downloads and
the library's ``OutputOptions``. A format added there appears everywhere."""

from __future__ import annotations

import dataclasses

import click

from planner.cli import cli
from planner.render.formats import BATCH_FILES, FORMATS
from planner.render.outputs import OutputOptions
from planner.web.service import FORMATS as DOWNLOADS


def options_of(command: str) -> set[str]:
    params = cli.commands[command].params
    return {p.opts[0] for p in params if isinstance(p, click.Option)}


def test_each_schedule_command_writes_every_format() -> None:
    for command in ("titrate", "taper", "course", "switch", "plan"):
        assert {f"--{name}" for name in FORMATS} <= options_of(command), command


def test_the_batch_offers_each_format_with_a_file_of_its_own() -> None:
    assert {f"--{name}" for name in BATCH_FILES} <= options_of("batch")
    assert set(BATCH_FILES) <= set(FORMATS)


def test_the_page_downloads_every_format() -> None:
    kinds = {kind for kind, *_ in DOWNLOADS.values()}
    assert set(FORMATS) <= kinds
    for name, (kind, _, media_type, _) in DOWNLOADS.items():
        if kind in FORMATS and kind != "plot":
            assert media_type == FORMATS[kind].media_type, name


def test_the_library_takes_a_path_for_every_format() -> None:
    fields = {field.name for field in dataclasses.fields(OutputOptions)}
    assert set(FORMATS) <= fields
