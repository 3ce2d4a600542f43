"""``planner serve``: the page and HTTP API on this machine (planner.web)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli.types import EXIT_INPUT_ERROR

INSTALL_HINT = (
    "planner: error: planner serve needs the web extra: python3 -m pip install "
    "'dose-planner[web]' (in a checkout: python3 -m pip install -e '.[web]')"
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free one, printed).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="A host name other machines reach the server by (repeatable); needed when "
    "--host is not a loopback address. No other name is answered.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the browser.")
@click.option(
    "--protocols",
    "protocol_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of your own protocol files, offered beside the bundled ones (by id).",
)
def serve(
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    open_browser: bool,
    protocol_folder: Path | None,
) -> None:
    """Serve the planner as a web page and an HTTP API on this machine.

    The page plans, shows and downloads schedules as the commands do; the API answers
    /api/titrate, /api/taper and /api/course with the same files (see /docs). Only
    this machine can reach it unless --host says otherwise, and then only by the names
    given with --allow-host; nothing is stored or logged but method, path and status.
    Ctrl-C stops it.

    \b
    Examples:
        planner serve
        planner serve --port 8080 --open
    """
    try:
        from planner.web import server
    except ImportError as error:
        if error.name in ("starlette", "uvicorn", "jinja2", "anyio"):
            click.echo(INSTALL_HINT, err=True)
            sys.exit(EXIT_INPUT_ERROR)
        raise
    listening = server.listen(host, port, allow_hosts=allow_hosts, protocol_folder=protocol_folder)
    try:
        if listening.public:
            click.echo(
                f"warning: {host} is reachable from other machines: what is typed into the "
                "page crosses the network unencrypted. Use 127.0.0.1 unless a secured proxy "
                "is in front.",
                err=True,
            )
        click.echo(f"dose-planner: serving on {listening.url} (Ctrl-C to stop)")
        server.serve(listening, open_browser=open_browser)
    finally:
        listening.close()
