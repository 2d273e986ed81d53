"""map_in_order: results in input order whatever order calls end in, never more than
max_in_flight calls at once, the input read only a bounded way ahead, failures in order; items
that need no call pass the calls in flight, so that sparse calls still overlap."""

import sys
import threading

import pytest

from airflow_provider_jodo.loading.checks import positive_int
from airflow_provider_jodo.loading.in_flight import (
    ITEMS_HELD_PER_CALL,
    PROMPT_SWITCH_INTERVAL_SECONDS,
    READ_AHEAD_PER_CALL,
    map_in_order,
    prompt_thread_switching,
)


def test_results_come_in_input_order_when_later_calls_end_first():
    last_done = threading.Event()

    def call(item: int) -> int:
        if item == 0:
            assert last_done.wait(5), "item 0 never saw item 2 end"  # ends after item 2
        if item == 2:
            last_done.set()
        return item * 10

    assert list(map_in_order(call, range(3), max_in_flight=3)) == [(0, 0), (1, 10), (2, 20)]


def test_never_more_calls_than_max_in_flight_and_the_input_is_read_a_bounded_way_ahead():
    lock = threading.Lock()
    running, peak, read = 0, 0, 0
    three_running = threading.Event()  # the first calls wait until three run at once

    def items():
        nonlocal read
        for item in range(40):
            read += 1
            yield item

    def call(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == 3:
                three_running.set()
        assert three_running.wait(5), "three calls never ran at once"
        with lock:
            running -= 1
        return item

    for position, (item, result) in enumerate(map_in_order(call, items(), max_in_flight=3)):
        assert item == result == position
        assert read - position <= READ_AHEAD_PER_CALL * 3
    assert peak == 3


def test_items_that_need_no_call_pass_the_calls_in_flight_so_sparse_calls_overlap():
    """One record in fifty changed: the changed ones' calls run together, not one after another."""
    both_running = threading.Barrier(2, timeout=5)  # a call returns only once another runs too
    read = 0

    def items():
        nonlocal read
        for item in range(200):
            read += 1
            yield item

    def call(item: int) -> str:
        if item % 50 == 0:
            both_running.wait()
            return "sent"
        return "unchanged"

    mapped = map_in_order(call, items(), max_in_flight=2, needs_call=lambda item: item % 50 == 0)
    for position, (item, result) in enumerate(mapped):
        assert (item, result) == (position, "sent" if position % 50 == 0 else "unchanged")
        assert read - position <= ITEMS_HELD_PER_CALL * 2


def test_the_first_failure_in_input_order_raises_and_stops_the_rest():
    started = []

    def call(item: int) -> int:
        started.append(item)
        if item == 1:
            raise RuntimeError("record 1 refused")
        return item

    results = map_in_order(call, range(1000), max_in_flight=1)
    assert next(results) == (0, 0)
    with pytest.raises(RuntimeError, match="record 1 refused"):
        next(results)
    assert len(started) < 10  # calls not started were cancelled, the input not read on


@pytest.mark.parametrize("value", [0, -1, 1.5, "4", True, None])
def test_max_in_flight_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match=r"max_in_flight=.* must be an integer >= 1"):
        positive_int(value, "max_in_flight")


def test_prompt_thread_switching_lowers_the_switch_interval_and_restores_it():
    before = sys.getswitchinterval()
    with prompt_thread_switching():
        assert sys.getswitchinterval() == pytest.approx(min(before, PROMPT_SWITCH_INTERVAL_SECONDS))
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), prompt_thread_switching():
        raise RuntimeError("the push failed")
    assert sys.getswitchinterval() == before
