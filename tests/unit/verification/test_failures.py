"""Wrong answers to the order check, counted in the app database (SQLite and PostgreSQL).

The concurrent tests start their threads together at a barrier: every failure must be counted
(the shop repository's former read-modify-write counted 2 of 40 on SQLite and 6 of 40 on
PostgreSQL), and a burst of parallel guesses must not get more comparisons than the limit allows.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from verification.failures import MAX_CONVERSATION_FAILURES, MAX_ORDER_FAILURES, WINDOW, FailureCounter

START = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
ORDER = "261103004817"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counter(database_url, clock) -> FailureCounter:
    return FailureCounter(database_url, clock=clock)


def wrong() -> bool:
    return False


def right() -> bool:
    return True


def test_three_wrong_answers_lock_the_conversation_for_a_day(counter, clock):
    for expected in (1, 2):
        outcome = counter.check("shopper", ORDER, wrong)
        assert (outcome.passed, outcome.failures, outcome.locked) == (False, expected, False)
    assert counter.count_wrong_answer("shopper") == MAX_CONVERSATION_FAILURES  # a malformed number counts too
    assert counter.is_locked("shopper") and not counter.is_locked("another shopper")
    # locked: even the right digits fail, and are not compared at all
    outcome = counter.check("shopper", "261118000921", right)
    assert not outcome.passed and outcome.locked
    clock.now = START + WINDOW
    assert not counter.is_locked("shopper") and counter.failures("shopper") == 0
    assert counter.check("shopper", "261118000921", right).passed


def test_a_passed_check_counts_nothing(counter):
    counter.check("shopper", ORDER, wrong)
    outcome = counter.check("shopper", ORDER, right)
    assert outcome.passed and outcome.failures == 1
    assert counter.failures("shopper") == 1
    for _ in range(MAX_ORDER_FAILURES - 1):  # the order's count is still 1: 19 more close it, not 18
        assert not counter.order_closed(ORDER)
        counter.check(f"s{_}", ORDER, wrong)
    assert counter.order_closed(ORDER)


def test_guessing_one_order_from_many_conversations_is_stopped(counter, clock):
    for guess in range(MAX_ORDER_FAILURES):
        assert not counter.check(f"conversation-{guess}", ORDER, wrong).passed
    assert counter.order_closed(ORDER)
    # the right digits no longer open it, for anyone, until the window has passed
    clock.now = START + timedelta(hours=1)
    compared = []
    assert not counter.check("the owner", ORDER, lambda: compared.append(1) or True).passed
    assert compared == []
    assert counter.check("the owner", "261118000921", right).passed  # other orders unaffected
    clock.now = START + WINDOW
    assert counter.check("the owner", ORDER, right).passed


def test_an_unknown_order_number_is_counted_like_a_known_one(counter):
    for guess in range(MAX_ORDER_FAILURES):
        counter.check(f"c{guess}", "261199999999", wrong)
    assert counter.order_closed("261199999999")


def test_a_failing_shop_counts_no_wrong_answer(counter):
    def broken() -> bool:
        raise ConnectionError("the shop's API is down")

    with pytest.raises(ConnectionError):
        counter.check("shopper", ORDER, broken)
    assert counter.failures("shopper") == 0


def run_together(count: int, work) -> list:
    barrier = threading.Barrier(count)

    def one(index: int):
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_failures_on_one_order_are_all_counted(database_url, clock):
    counter = FailureCounter(database_url, clock=clock, order_limit=1000)
    outcomes = run_together(40, lambda i: counter.check(f"conversation-{i}", ORDER, wrong))
    assert not any(outcome.passed for outcome in outcomes)
    limited = FailureCounter(database_url, clock=clock, order_limit=40)
    assert limited.order_closed(ORDER)
    assert not FailureCounter(database_url, clock=clock, order_limit=41).order_closed(ORDER)


def test_concurrent_wrong_answers_in_one_conversation_are_all_counted(counter):
    run_together(30, lambda _: counter.count_wrong_answer("shopper"))
    assert counter.failures("shopper") == 30


def test_a_burst_of_parallel_guesses_gets_no_more_comparisons_than_the_limit(counter):
    compared = []
    lock = threading.Lock()

    def guess() -> bool:
        with lock:
            compared.append(1)
        return False

    run_together(40, lambda i: counter.check(f"conversation-{i}", ORDER, guess))
    assert len(compared) <= MAX_ORDER_FAILURES
    assert counter.order_closed(ORDER)
