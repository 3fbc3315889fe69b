from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chatops.health.damping import Damping, damp
from chatops.health.model import State

OK, DEG, DOWN, MOCK = State.OK, State.DEGRADED, State.DOWN, State.MOCK


def run(observations: list[State], rules: Damping = Damping()) -> list[State]:
    """Feed probes oldest-first, the way the monitor sees them; return the state after each."""
    states, prev, seen = [], None, []
    for obs in observations:
        seen.insert(0, obs)
        prev = damp(prev, seen, rules)
        states.append(prev)
    return states


def test_two_failures_in_a_row_before_down_and_two_successes_before_ok():
    assert run([OK, DOWN, DOWN, OK, OK]) == [OK, OK, DOWN, DOWN, OK]


def test_a_single_blip_changes_nothing():
    assert run([OK] * 10 + [DOWN] + [OK] * 5)[-6:] == [OK] * 6


def test_half_the_window_failing_is_down():
    # alternating failures never make two in a row, but half the window failing is an outage
    states = run([DOWN, OK] * 3 + [DOWN])
    assert states[-1] == DOWN


def test_recovery_is_not_held_back_by_the_failures_still_in_the_window():
    states = run([DOWN] * 15 + [OK, OK])
    assert states[-2:] == [DOWN, OK]


def test_slow_answers_degrade_after_two_and_recover_after_two_healthy():
    assert run([OK, DEG, DEG, DEG, OK, OK]) == [OK, OK, DEG, DEG, DEG, OK]


def test_a_steady_error_rate_is_one_degraded_episode_not_a_flapping_one():
    states = run(([OK] * 4 + [DOWN]) * 8)  # 20 % errors, never two in a row
    first = states.index(DEG)
    assert all(s == DEG for s in states[first:]), states


def test_sporadic_failures_are_counted_outside_outage_runs():
    from chatops.health.damping import sporadic_failures

    assert sporadic_failures([DOWN, OK, DOWN, DOWN, DOWN, OK, DOWN, OK], 2) == 2
    assert sporadic_failures([DOWN, DOWN], 2) == 0
    assert sporadic_failures([OK, DOWN], 2) == 0, "a run at the oldest end may be an outage's tail"


def test_an_outage_sliding_out_of_the_window_is_not_an_error_rate():
    # newest first: a blip now, 18 healthy probes, then the end of a two-probe outage
    from chatops.health.damping import damp

    assert damp(State.OK, [DOWN] + [OK] * 18 + [DOWN], Damping()) == OK


def test_error_rate_over_the_window_degrades():
    # 2 failures in 10 probes, never two in a row and under half: DEGRADED when the latest failed
    states = run([OK, OK, OK, DOWN, OK, OK, OK, OK, OK, DOWN])
    assert states[-1] == DEG


def test_mock_is_mock():
    assert run([MOCK, MOCK]) == [MOCK, MOCK]


@given(st.lists(st.sampled_from([OK, DEG, DOWN]), min_size=1, max_size=60))
def test_damping_invariants(observations):
    states = run(observations)
    for i, state in enumerate(states):
        recent = observations[max(0, i - 1): i + 1]
        if state == DOWN:
            assert observations[i] == DOWN or (i > 0 and states[i - 1] == DOWN)
        if len(recent) == 2 and recent == [OK, OK]:
            assert state in (OK, DEG)  # two healthy probes in a row end an outage
        if len(recent) == 2 and recent == [DOWN, DOWN]:
            assert state == DOWN  # two failures in a row are always an outage
