"""Worker processes that plan a batch's chunks of rows, the results back in order.

``multiprocessing.Pool`` would do, but its helper threads cost the batch's own process
more than a fifth of a core on a 2-core machine (its worker handler wakes whenever a
result waits to be read, and results are large: a chunk's days of the combined CSV).
Here the batch deals chunks to the workers in turn from one feeding thread, at most a
few ahead of each, and reads each worker's results back in the same turn: they come in
the file's order, and memory holds a few chunks per worker however long the file.

A worker that raises sends its exception back, and the batch raises it; a worker that
dies (killed, out of memory) is named in an error, never waited on forever. Stopping
the batch (an error, Ctrl-C) terminates the workers at once.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 2  # chunks sent to each worker before its first results are read back


class _Raised:
    """What a worker raised, sent back so that the batch raises it."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def in_order(
    chunks: Iterable[list[T]],
    serve: Callable[[T], R],
    workers: int,
    *,
    start: Callable[[], None],
) -> Generator[list[R], None, None]:
    """``serve`` applied to every item of every chunk by ``workers`` forked processes
    (each runs ``start`` first), each chunk's results yielded in the chunks' order."""
    crew = _Crew(workers, start, serve)
    feeder = threading.Thread(target=crew.feed, args=(chunks,), name="batch feeder", daemon=True)
    feeder.start()
    finished = False
    try:
        yield from crew.results()
        finished = True
    finally:
        crew.stop(feeder, finished=finished)


class _Crew:
    """The worker processes, a pipe to and from each, and the chunks sent and not read."""

    def __init__(self, workers: int, start: Callable[[], None], serve: Callable[[Any], Any]):
        context = multiprocessing.get_context("fork")
        self.tasks: list[Connection] = []
        self.answers: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for _ in range(workers):
            task_reader, task_writer = context.Pipe(duplex=False)
            answer_reader, answer_writer = context.Pipe(duplex=False)
            others = [*self.tasks, *self.answers, task_writer, answer_reader]  # the batch's
            process = context.Process(
                target=_work, args=(task_reader, answer_writer, others, start, serve), daemon=True
            )
            process.start()
            task_reader.close()
            answer_writer.close()
            self.tasks.append(task_writer)
            self.answers.append(answer_reader)
            self.processes.append(process)
        self.window = threading.Semaphore(workers * AHEAD)
        self.sent: queue.SimpleQueue[int | BaseException | None] = queue.SimpleQueue()
        self.stopping = threading.Event()

    def feed(self, chunks: Iterable[list[Any]]) -> None:
        """Send each chunk to the next worker in turn, when the window allows (a thread)."""
        try:
            for index, chunk in enumerate(chunks):
                self.window.acquire()
                if self.stopping.is_set():
                    return
                worker = index % len(self.processes)
                self.tasks[worker].send(chunk)
                self.sent.put(worker)
        except BaseException as error:  # e.g. the file could not be read: the batch says why
            self.sent.put(error)
        else:
            self.sent.put(None)

    def results(self) -> Iterator[Any]:
        """Each chunk's results, in the order the chunks were sent."""
        while (worker := self.sent.get()) is not None:
            if isinstance(worker, BaseException):
                raise worker
            try:
                answer = self.answers[worker].recv()
            except EOFError:
                self.processes[worker].join(1)
                code = self.processes[worker].exitcode
                raise RuntimeError(f"a batch worker stopped (exit code {code})") from None
            self.window.release()
            if isinstance(answer, _Raised):
                raise answer.error
            yield answer

    def stop(self, feeder: threading.Thread, *, finished: bool) -> None:
        """Tell the workers to end (or, on an error or Ctrl-C, end them now: never wait on
        a worker's chunk), then close every pipe."""
        self.stopping.set()
        self.window.release()  # a feeder waiting for room sees it should stop
        for process, connection in zip(self.processes, self.tasks, strict=True):
            if finished:
                connection.send(None)
            else:
                process.terminate()
        feeder.join()  # done, or stopped: it writes to no pipe once the workers are gone
        for process in self.processes:
            process.join()
        for connection in (*self.tasks, *self.answers):
            connection.close()


def _work(
    tasks: Connection,
    answers: Connection,
    others: list[Connection],
    start: Callable[[], None],
    serve: Callable[[Any], Any],
) -> None:
    """A worker: serve each chunk it is sent, until told to stop (None) or the batch goes."""
    for connection in others:  # the batch's ends of every pipe: a worker holds only its own
        connection.close()
    start()
    while True:
        try:
            chunk = tasks.recv()
        except EOFError:
            return
        if chunk is None:
            return
        try:
            outcome: Any = [serve(item) for item in chunk]
        except BaseException as error:
            outcome = _Raised(error)
        try:
            answers.send(outcome)
        except Exception as error:  # e.g. an exception that cannot be pickled
            answers.send(_Raised(RuntimeError(f"a batch worker failed: {error!r}")))
        if isinstance(outcome, _Raised):
            return


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
