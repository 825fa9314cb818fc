"""A bounded pool of worker processes for the comparison core, and one thread for the index.

The core is CPU-bound Python and numpy: threads would serialise on the GIL, so it runs in
processes (one per core), each loading its models once. The pool takes on at most
`workers + queue` jobs; one more is refused at once with `Busy` (the API answers 503 with
Retry-After) instead of piling up until every client times out.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from newstrace.index.store import Store, open_store
from newstrace.serve import work
from newstrace.serve.options import ServeOptions

T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the queue is full; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WorkerPool:
    """Worker processes started with `spawn` (never a fork of the server's threads and event loop)."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.in_flight = 0
        self.ready = False
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        o = self.options
        return ProcessPoolExecutor(
            max_workers=o.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=work.init_worker,
            initargs=(str(o.index), o.encoders, o.worker_nice),
        )

    async def warm(self) -> None:
        """Start every worker and wait until each has loaded its models."""
        await asyncio.gather(*(self.run(work.ready) for _ in range(self.options.workers)))
        self.ready = True

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a worker; raises Busy when `workers + queue` jobs are already taken."""
        if self.in_flight >= self.options.slots:
            raise Busy(
                f"the server is busy ({self.in_flight} comparisons running or queued); retry shortly",
                self.options.retry_after,
            )
        loop = asyncio.get_running_loop()
        try:
            future: Future = self._executor.submit(fn, *args)
        except BrokenProcessPool:
            self._executor = self._start()
            future = self._executor.submit(fn, *args)
        self.in_flight += 1
        # released when the job ends, not when the request does: a client that gives up does not
        # free a worker that is still busy with its job
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release))
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:  # a worker died (killed, out of memory): start fresh ones
            self._executor = self._start()
            raise Busy("a worker process stopped and was restarted; retry", self.options.retry_after) from exc

    def _release(self) -> None:
        self.in_flight -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class StoreThread:
    """One connection to the index, used from its own thread (SQLite connections belong to a thread).

    The server has two: a writer (POST and DELETE /api/documents, in turn) and a reader (GET a
    document, stats), so a write waiting for another process's lock never holds up a read; traces
    read the index through the workers' own connections (WAL: readers are never blocked).
    """

    def __init__(self, options: ServeOptions, name: str, lock_timeout: float) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"newstrace-index-{name}")
        self._store: Store | None = None
        self._executor.submit(self._open, options, lock_timeout).result()  # IndexUnusable raised here

    def _open(self, options: ServeOptions, lock_timeout: float) -> None:
        self._store = open_store(options.index, create=True, lock_timeout=lock_timeout)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(store, *args)` in the index thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self._store, *args))

    def close(self) -> None:
        def close_store() -> None:
            if self._store is not None:
                self._store.close()

        self._executor.submit(close_store).result()
        self._executor.shutdown(wait=True)
