"""Remembering by identity: the same object answers from memory, an equal one is asked
afresh, and memory stays bounded."""

from __future__ import annotations

import pytest

from planner.core.memo import remembered_by_identity


class Box:
    """Equal to any other box of the same value, as a frozen model is."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def test_the_same_objects_answer_from_memory_and_others_are_asked() -> None:
    calls: list[tuple[int, int, str]] = []

    @remembered_by_identity(8, objects=2)
    def joined(first: Box, second: Box, word: str) -> str:
        calls.append((first.value, second.value, word))
        return f"{first.value}{second.value}{word}"

    one, two = Box(1), Box(2)
    assert joined(one, two, "a") == joined(one, two, "a") == "12a"
    assert joined(Box(1), two, "a") == "12a"  # equal, not the same: asked again
    assert joined(one, two, "b") == "12b"
    assert calls == [(1, 2, "a"), (1, 2, "a"), (1, 2, "b")]
    assert joined.__name__ == "joined"


def test_memory_is_bounded_and_can_be_cleared() -> None:
    calls: list[int] = []

    @remembered_by_identity(2)
    def value(box: Box) -> int:
        calls.append(box.value)
        return box.value

    boxes = [Box(n) for n in range(3)]
    for box in boxes:
        value(box)
    value(boxes[2])  # the third started a fresh memory, which holds it
    value(boxes[0])  # forgotten
    assert calls == [0, 1, 2, 0]
    value.cache_clear()  # type: ignore[attr-defined]
    value(boxes[0])
    assert calls == [0, 1, 2, 0, 0]


def test_one_or_two_objects_only() -> None:
    with pytest.raises(ValueError, match="one or two"):
        remembered_by_identity(2, objects=3)
