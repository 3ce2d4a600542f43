"""Planning and rendering in worker processes that can be stopped, shared fairly.

A request's work (plan, check, render) runs in a worker process, one job at a time per
process. Work that is abandoned (its client went away, or it passed the time limit) is
stopped by killing its process: nothing it held (matplotlib's and reportlab's shared
state, their lock, memory) outlives it, and a fresh process takes its place. Processes
come from a fork server that has imported the renderers already (``preload``), so a new
one is ready in milliseconds.

    Pool (one per app)       which client's job runs next: at most ``per_client`` jobs of
                             one client run at once, the others wait their turn (round
                             robin between clients), at most ``waiting_per_client`` wait
    Processes (one per       idle worker processes, started on demand, reused by every
      interpreter)           app; a killed one is replaced by the next job that needs it

A job is a module-level function and its arguments (pickled by reference); its return
value comes back pickled. As with any use of ``multiprocessing``, a script that serves
the app itself must keep its own work under ``if __name__ == "__main__":`` (each worker
imports the main module; ``planner serve`` and ``python -m planner`` do). A
``PlannerError`` must be turned into a value by the job (``jobs`` does): anything it
raises is a bug, reported as ``WorkerError`` with where it happened and never its
message, which may hold an input.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio
import anyio.to_thread

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")
WORKERS: Final = 4  # processes planning at once; more would only share the same cores
PER_CLIENT: Final = 2  # one client's jobs running at once: the other workers stay free
WAITING_PER_CLIENT: Final = 32  # one client's jobs waiting their turn; then 429
PRELOAD: Final = ["planner.web.preload"]
_CONTEXT = multiprocessing.get_context("forkserver")


class Busy(Exception):
    """The client has ``waiting_per_client`` jobs waiting already."""


class WorkerError(Exception):
    """A job raised (a bug in the planner) or its process died; ``where`` is the
    traceback's frames, without the exception's message."""

    def __init__(self, kind: str, where: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.where = where


# --- the worker process -----------------------------------------------------------------


def _serve(connection: Connection) -> None:
    """A worker's life: run each job sent, send back its value or where it failed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    while True:
        try:
            function, args = connection.recv()
            reply: tuple[Any, ...] = ("done", function(*args))
        except (EOFError, OSError):
            return  # the server has gone
        except Exception as error:  # a bug: where, not what (the message may hold inputs)
            reply = ("bug", type(error).__name__, _frames(error))
        try:
            connection.send(reply)
        except (EOFError, OSError):
            return
        except Exception as error:  # a value that cannot be pickled
            connection.send(("bug", type(error).__name__, _frames(error)))


def _frames(error: BaseException) -> str:
    return "".join(traceback.format_tb(error.__traceback__))


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self) -> None:
        ours, theirs = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve, args=(theirs,), name="planner-worker", daemon=True
        )
        self.process.start()
        theirs.close()
        self.connection = ours

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def call(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Run ``function(*args)`` in the process and wait for its value (blocking)."""
        try:
            self.connection.send((function, args))
            reply = self.connection.recv()
        except (EOFError, OSError):
            self.close()
            raise WorkerError("WorkerDied", "the worker process ended during the job\n") from None
        if reply[0] == "bug":
            raise WorkerError(reply[1], reply[2])
        return reply[1]

    def kill(self) -> None:
        """Stop the process at once; a thread waiting in ``call`` sees it end and closes."""
        if self.process.is_alive():
            self.process.kill()

    def close(self) -> None:
        self.kill()
        self.process.join(timeout=5)
        self.connection.close()


class Processes:
    """Idle worker processes, shared by every app in this interpreter (thread-safe)."""

    def __init__(self, keep: int = WORKERS) -> None:
        self.keep = keep
        self.idle: list[Worker] = []
        self.lock = threading.Lock()
        self.started = 0
        self.killed = 0

    def take(self) -> Worker:
        """An idle process, or a new one (blocking: the first starts the fork server)."""
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.close()
            self.started += 1
        _CONTEXT.set_forkserver_preload(PRELOAD)
        return Worker()

    def give_back(self, worker: Worker) -> None:
        with self.lock:
            if len(self.idle) < self.keep and worker.process.is_alive():
                self.idle.append(worker)
                return
        worker.close()

    def kill(self, worker: Worker) -> None:
        with self.lock:
            self.killed += 1
        worker.kill()

    def warm(self, count: int = WORKERS) -> None:
        """Start the fork server and ``count`` processes now, not on the first request."""
        workers = [self.take() for _ in range(count)]
        for worker in workers:
            self.give_back(worker)

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.close()


PROCESSES = Processes()


# --- the scheduler ----------------------------------------------------------------------


@dataclass(eq=False)
class _Waiter:
    client: str
    event: anyio.Event = field(default_factory=anyio.Event)
    granted: bool = False


class Pool:
    """Runs jobs in worker processes, at most ``size`` at once, fairly between clients.

    Used from one event loop (the server's); ``run`` may be cancelled at any point (a
    time limit, a client gone): the job's process is then killed.
    """

    def __init__(
        self,
        size: int = WORKERS,
        *,
        per_client: int = PER_CLIENT,
        waiting_per_client: int = WAITING_PER_CLIENT,
        processes: Processes = PROCESSES,
    ) -> None:
        self.size = size
        self.per_client = per_client
        self.waiting_per_client = waiting_per_client
        self.processes = processes
        self.free = size
        self.running: Counter[str] = Counter()
        self.waiting: dict[str, deque[_Waiter]] = {}  # in turn order: round robin

    async def run(self, client: str, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process, once ``client``'s turn comes."""
        await self._turn(client)
        try:
            return await self._call(function, args)
        finally:
            self._done(client)

    def snapshot(self) -> dict[str, Any]:
        """What is running and waiting, for tests and a curious operator."""
        return {
            "free": self.free,
            "running": dict(self.running),
            "waiting": {client: len(queue) for client, queue in self.waiting.items()},
        }

    async def _call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        with anyio.CancelScope(shield=True):  # a process started is never lost to a cancel
            worker = await anyio.to_thread.run_sync(self.processes.take)
        try:
            result: T = await anyio.to_thread.run_sync(
                worker.call, function, args, abandon_on_cancel=True
            )
        except BaseException:  # cancelled, or the job failed: the process is not reused
            self.processes.kill(worker)
            raise
        self.processes.give_back(worker)
        return result

    async def _turn(self, client: str) -> None:
        queue = self.waiting.get(client, deque())
        can_start = self.free > 0 and self.running[client] < self.per_client and not queue
        if not can_start and len(queue) >= self.waiting_per_client:
            raise Busy(client)
        waiter = _Waiter(client)
        self.waiting.setdefault(client, deque()).append(waiter)
        self._dispatch()
        if waiter.granted:
            return
        try:
            await waiter.event.wait()
        except BaseException:
            if waiter.granted:  # its turn came as it was cancelled
                self._done(client)
            else:
                self._forget(waiter)
            raise

    def _dispatch(self) -> None:
        """Give free workers to waiting jobs, one client after another."""
        while self.free > 0:
            client = next((c for c in self.waiting if self.running[c] < self.per_client), None)
            if client is None:
                return
            queue = self.waiting.pop(client)
            waiter = queue.popleft()
            if queue:
                self.waiting[client] = queue  # to the back of the line
            self.free -= 1
            self.running[client] += 1
            waiter.granted = True
            waiter.event.set()

    def _done(self, client: str) -> None:
        self.free += 1
        self.running[client] -= 1
        if self.running[client] <= 0:
            del self.running[client]
        self._dispatch()

    def _forget(self, waiter: _Waiter) -> None:
        queue = self.waiting.get(waiter.client)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self.waiting[waiter.client]
