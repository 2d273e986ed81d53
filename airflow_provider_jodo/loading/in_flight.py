"""Bounded concurrency for imports: at most `max_in_flight` platform calls at a time.

Results come in input order, and the input is read only as far ahead as the calls need.

Both operators use `map_in_order`: the ImportProcessData operator with one item per batch,
the importCJI operator with one item per record.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

PROMPT_SWITCH_INTERVAL_SECONDS = 0.0002
"""The interpreter's thread switch interval inside `prompt_thread_switching` (Python's
default is 5 ms)."""

READ_AHEAD_PER_CALL = 2
"""Items submitted per allowed call: while `max_in_flight` calls run, as many more wait
ready, so that a call starts the moment another ends; the rest of the input is not read."""
ITEMS_HELD_PER_CALL = 256
"""Items held at most per allowed call when some need no call (`needs_call`): a record judged
before sending (skipped as unchanged, rejected) passes the calls in flight, so that a run of
mostly such records keeps its calls overlapping, in bounded memory."""


@contextmanager
def prompt_thread_switching() -> Iterator[None]:
    """Lower the GIL switch interval for a pipeline of one busy thread and mostly waiting workers.

    One thread works without pause (checking and encoding the next batches) while workers
    mostly wait for answers: a worker whose answer has arrived would otherwise wait up to 5 ms
    for the GIL before it sends the next request, and the platform would sit idle meanwhile
    (`make bench`, ImportProcessData against its replay ceiling: about 0.5 at 5 ms, 0.85 at
    1 ms, 0.9 to 1.0 at 0.2 ms). Not for many CPU-bound workers, which would thrash: importCJI
    data calls do without it.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, PROMPT_SWITCH_INTERVAL_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def map_in_order(
    call: Callable[[Item], Result],
    items: Iterable[Item],
    max_in_flight: int,
    needs_call: Callable[[Item], bool] | None = None,
) -> Generator[tuple[Item, Result], None, None]:
    """Yield `(item, call(item))` for each item, in input order, with at most `max_in_flight` calls at once.

    The calls run in worker threads; `call` must be safe to run concurrently. With
    `needs_call`, an item it says no to is mapped at once in this thread (its `call` must be
    quick: it answers without the platform) and does not count as a call.

    At most `READ_AHEAD_PER_CALL * max_in_flight` calls and `ITEMS_HELD_PER_CALL *
    max_in_flight` items are held at a time, so a stream of any length is mapped in bounded
    memory. The first call that raises (in input order) raises here; calls not started yet are
    cancelled and running ones finished before it propagates, so nothing keeps calling the
    platform behind a failed task. Close the iterator (`contextlib.closing`) when you stop
    early, for the same reason.
    """
    window: deque[tuple[Item, Future[Result], bool]] = deque()
    held, most, calls = READ_AHEAD_PER_CALL * max_in_flight, ITEMS_HELD_PER_CALL * max_in_flight, 0
    executor = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="jodo-import")
    try:
        for item in items:
            is_call = needs_call is None or needs_call(item)
            window.append(
                (item, executor.submit(call, item) if is_call else _mapped_here(call, item), is_call)
            )
            calls += is_call
            while window and (calls >= held or len(window) >= most or window[0][1].done()):
                head, future, was_call = window.popleft()
                calls -= was_call
                yield head, future.result()
        while window:
            head, future, _ = window.popleft()
            yield head, future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _mapped_here(call: Callable[[Item], Result], item: Item) -> Future[Result]:
    """Return a done future of `call(item)`, run in this thread (its result or its error)."""
    future: Future[Result] = Future()
    try:
        future.set_result(call(item))
    except Exception as error:
        future.set_exception(error)
    return future
