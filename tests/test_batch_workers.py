"""The batch's worker processes: results in order, a worker's error raised in the batch,
a dead worker named (never waited on), and stopping ends them all."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from planner.batch.workers import chunked, in_order


def _nothing() -> None:
    pass


def _square(number: int) -> int:
    return number * number


def _fails_on_seven(number: int) -> int:
    if number == 7:
        raise MemoryError  # as out of memory would: the batch says so in one line
    return number


def _dies_on_seven(number: int) -> int:
    if number == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return number


def test_results_come_in_the_order_of_the_chunks() -> None:
    chunks = chunked(range(1000), 7)
    results = [n for chunk in in_order(chunks, _square, 3, start=_nothing) for n in chunk]
    assert results == [n * n for n in range(1000)]


def test_a_workers_error_is_raised_in_the_batch() -> None:
    with pytest.raises(MemoryError):
        list(in_order(chunked(range(100), 4), _fails_on_seven, 2, start=_nothing))


def test_a_dead_worker_is_named_not_waited_on() -> None:
    with pytest.raises(RuntimeError, match="a batch worker stopped"):
        list(in_order(chunked(range(100), 4), _dies_on_seven, 2, start=_nothing))


def test_an_error_in_reading_the_chunks_is_raised_in_the_batch() -> None:
    def chunks() -> object:
        yield [1, 2]
        raise ValueError("row 3: not a CSV")

    with pytest.raises(ValueError, match="row 3"):
        list(in_order(chunks(), _square, 2, start=_nothing))  # type: ignore[arg-type]


def test_stopping_early_ends_every_worker() -> None:
    results = in_order(chunked(range(10_000), 2), _square, 2, start=_nothing)
    assert next(results) == [0, 1]
    results.close()  # as an error in the writer, or Ctrl-C, would
    assert multiprocessing.active_children() == []


def test_chunks_are_of_the_size_asked_and_the_last_shorter() -> None:
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 2)) == []
