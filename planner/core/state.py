"""The planner's own folders outside any output: its keys (state) and what it has
already validated (cache), each this user's alone.

State is ``$DOSE_PLANNER_STATE`` when set (the tests set it), else
``$XDG_STATE_HOME/dose-planner`` or ``~/.local/state/dose-planner``; the cache is
``$DOSE_PLANNER_CACHE``, else ``$XDG_CACHE_HOME/dose-planner`` or
``~/.cache/dose-planner``. A key is 32 random bytes, made on first use, mode 600.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from planner.errors import OutputError

STATE_ENV = "DOSE_PLANNER_STATE"
CACHE_ENV = "DOSE_PLANNER_CACHE"
KEY_BYTES = 32


def state_folder() -> Path:
    """Where the signing keys are kept: never inside a batch's output folder."""
    return _folder(STATE_ENV, "XDG_STATE_HOME", Path(".local") / "state")


def cache_folder() -> Path:
    """Where what was validated once is kept, so that no run validates it again."""
    return _folder(CACHE_ENV, "XDG_CACHE_HOME", Path(".cache"))


def _folder(chosen_env: str, xdg_env: str, home_default: Path) -> Path:
    chosen = os.environ.get(chosen_env)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get(xdg_env, "")
    base = Path(xdg) if Path(xdg).is_absolute() else Path.home() / home_default
    return base / "dose-planner"


def signing_key(name: str) -> bytes:
    """This user's key ``name``, made on first use; refused unless a regular file of
    theirs that no one else may read or write (another's key could sign anything)."""
    folder = state_folder()
    path = folder / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.path.lexists(path):
            _make_key(path)
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise OutputError(
            f"cannot keep the planner's signing key at {path}: {error.strerror or error} "
            f"(set {STATE_ENV} to a folder of yours)"
        ) from None
    try:
        info = os.fstat(handle)
        key = os.read(handle, KEY_BYTES + 1)
    finally:
        os.close(handle)
    if (
        not stat.S_ISREG(info.st_mode)
        or info.st_uid != os.geteuid()
        or info.st_mode & 0o077
        or len(key) != KEY_BYTES
    ):
        raise OutputError(
            f"{path} is not a signing key the planner can trust: it must be a file of "
            f"{KEY_BYTES} bytes, yours, that only you can read (mode 600); move it away"
        )
    return key


def _make_key(path: Path) -> None:
    """Write the key beside its place and link it there: two runs starting at once both
    read the one that won, never a half-written key."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
