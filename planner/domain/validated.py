"""What was validated once is not validated again, and no validator is built twice:
the library's files (protocols, products, paces, equivalences, the guideline) are each
kept as the model they became, beside the SHA-256 of the file's bytes and of the code
that validated them; a request's validator is kept as pydantic built it.

Validating the bundled files, and building pydantic's validators for them and for the
request, was most of a short command's time on every run. A later run reads and hashes
each file as before, and where the cache holds that file validated by this very code
(the models' source, the planner's, pydantic's and Python's versions), it takes the
model from there; a request's model is given the validator and serializer built on an
earlier run (``ready``).

A cached model is signed with this user's key (``planner.core.state``): one that does not
verify is ignored and the file validated afresh, so a file dropped into the cache by
anyone else is never unpickled. The cache only ever spares time: when it cannot be read
or written, the file is validated as if it were not there.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import secrets
import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pydantic
from pydantic import BaseModel
from pydantic_core import SchemaSerializer, SchemaValidator

import planner
from planner.core import state
from planner.errors import OutputError

M = TypeVar("M")
KEY_FILE = "cache-key"
FOLDER = "validated"
SIGNED = b"dose-planner validated model\0"  # a cache signature is never a batch's
MAX_ENTRIES = 256  # the oldest go first: a user editing their own protocol makes many
# The code a model's validity depends on: the models, and what their validators call.
SOURCES = ("models", "core", "inputs", "errors.py", "domain/validated.py")
MODELS = "planner.models."


@functools.cache
def code_fingerprint() -> str:
    """The SHA-256 of the validating code and the versions it runs on."""
    digest = hashlib.sha256()
    for part in (planner.__version__, pydantic.VERSION, sys.version):
        digest.update(part.encode() + b"\0")
    package = Path(planner.__file__).parent
    for source in SOURCES:
        found = [package / source] if source.endswith(".py") else (package / source).rglob("*.py")
        for path in sorted(found):
            digest.update(str(path.relative_to(package)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cached(kind: type[M], made_of: str) -> M | None:
    """The ``kind`` that was made of ``made_of`` (a file's SHA-256, a model's name), if
    this code made it on an earlier run."""
    try:
        key = _key(state.state_folder())
        data = _path(kind, made_of).read_bytes()
    except (OSError, OutputError):  # none kept yet, or no cache or key this user may keep
        return None
    signature, payload = data[:32], data[32:]
    if not hmac.compare_digest(signature, _sign(key, kind, made_of, payload)):
        return None
    try:
        found = pickle.loads(payload)
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, ValueError):
        return None  # signed by this user, but by a planner whose classes differ
    return found if type(found) is kind else None


def keep(kind: type[M], made_of: str, made: M) -> None:
    """Keep ``made`` for the next run; silently not, where the cache cannot be written."""
    draft: Path | None = None
    try:
        key = _key(state.state_folder())
        path = _path(kind, made_of)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
        draft = path.with_name(f".draft-{os.getpid()}-{secrets.token_hex(4)}")
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(_sign(key, kind, made_of, payload) + payload)
        draft.replace(path)  # a reader sees the whole entry or none
        _prune(path.parent)
    except (OSError, OutputError, pickle.PicklingError):
        if draft is not None:
            with contextlib.suppress(OSError):
                draft.unlink(missing_ok=True)


def ready(model: type[BaseModel]) -> None:
    """Give ``model`` the validator and serializer pydantic built for it on the first run
    of this code, as pydantic itself gives them when it completes a model; or build them
    now and keep them. Only a model of ``planner.models``, whose source the cache's key
    covers; a validator wrapped by a pydantic plugin is not kept."""
    if not model.__module__.startswith(MODELS) or model in _READY:
        return
    _READY.add(model)
    for field in model.model_fields.values():  # a default made of a model validates it
        for nested in _models_in(field.annotation):
            ready(nested)
    name = f"{model.__module__}.{model.__qualname__}"
    found = cached(BuiltModel, name)
    if found is None:
        model.model_rebuild()
        validator, serializer = model.__pydantic_validator__, model.__pydantic_serializer__
        if type(validator) is SchemaValidator:
            keep(BuiltModel, name, BuiltModel(validator, serializer))
    else:
        model.__pydantic_validator__ = found.validator
        model.__pydantic_serializer__ = found.serializer


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The models a field's type names, inside unions, tuples and ``Annotated`` too."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


@dataclass(frozen=True)
class BuiltModel:
    """What pydantic builds for a model on its first use."""

    validator: SchemaValidator
    serializer: SchemaSerializer


_READY: set[type[BaseModel]] = set()


@functools.cache
def _key(folder: Path) -> bytes:
    """This user's cache key, read once a run."""
    return state.signing_key(KEY_FILE)


def _path(kind: type[object], made_of: str) -> Path:
    entry = hashlib.sha256(f"{made_of}\0{code_fingerprint()}".encode()).hexdigest()
    return state.cache_folder() / FOLDER / f"{kind.__name__}-{entry}.pickle"


def _sign(key: bytes, kind: type[object], made_of: str, payload: bytes) -> bytes:
    """The signature binds the payload to what it was made of and what it was made as."""
    named = f"{kind.__module__}.{kind.__qualname__}\0{made_of}\0".encode()
    return hmac.new(key, SIGNED + named + payload, hashlib.sha256).digest()


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime)
    for path in entries[:-MAX_ENTRIES]:
        path.unlink(missing_ok=True)
