"""Remembering a function of a long-lived object by the object itself, not its value.

A protocol or product model is hashed by walking every field it holds (a protocol takes
about 10 microseconds), and a batch asks about the same few objects a million times. A
function remembered here looks its first argument up by identity (the entry keeps the
object alive, so its id is never reused while remembered) and the others by value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def remembered_by_identity(size: int, *, objects: int = 1) -> Callable[[F], F]:
    """Remember up to ``size`` results of a pure function of its arguments (given by
    position), the first ``objects`` (1 or 2) of them found by identity, the rest by
    value; when full, start again (the objects a batch asks about are few)."""
    if objects not in (1, 2):
        raise ValueError("remembered by the identity of one or two objects")

    def remember(function: F) -> F:
        results: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # key: (objects..., result)

        def keep(key: tuple[Any, ...], entry: tuple[Any, ...]) -> None:
            if len(results) >= size:
                results.clear()
            results[key] = entry

        def by_one(first: object, *rest: Any) -> Any:
            key = (id(first), *rest)
            found = results.get(key)
            if found is not None and found[0] is first:
                return found[1]
            result = function(first, *rest)
            keep(key, (first, result))
            return result

        def by_two(first: object, second: object, *rest: Any) -> Any:
            key = (id(first), id(second), *rest)
            found = results.get(key)
            if found is not None and found[0] is first and found[1] is second:
                return found[2]
            result = function(first, second, *rest)
            keep(key, (first, second, result))
            return result

        remembered: Any = functools.wraps(function)(by_one if objects == 1 else by_two)
        remembered.cache_clear = results.clear
        return remembered  # type: ignore[no-any-return]

    return remember
