"""The load test's steady-state p99 leaves out the users' simultaneous first messages only."""

from __future__ import annotations

from bench.load.__main__ import RAMP_SECONDS, steady_timings


def turn(start: float, ms: float) -> dict:
    return {"end": start + ms / 1000, "ms": ms}


def test_the_turns_of_the_first_seconds_are_left_out_and_every_later_one_kept():
    ramp = [turn(1000.0 + i * 0.01, 900.0) for i in range(50)]  # every user's first message at once
    later = [turn(1000.0 + RAMP_SECONDS + i, 40.0 + i) for i in range(10)]
    assert steady_timings(ramp + later) == [40.0 + i for i in range(10)]
    assert steady_timings([]) == []
