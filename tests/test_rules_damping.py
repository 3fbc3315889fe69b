"""Flap damping boundaries (chatops.health.damping): observations are newest first. Each default
policy number is pinned by a case on either side of it."""
from __future__ import annotations

from chatops.health.damping import Damping, damp, sporadic_failures
from chatops.health.model import State

OK, DEG, DOWN = State.OK, State.DEGRADED, State.DOWN


def test_no_observations_keep_the_previous_state():
    assert damp(DEG, []) == DEG
    assert damp(DOWN, []) == DOWN
    assert damp(None, []) == OK


def test_down_after_exactly_two_failures_in_a_row():
    assert damp(OK, [DOWN, OK, OK]) == OK
    assert damp(OK, [DOWN, DOWN, OK]) == DOWN


def test_ok_after_exactly_two_healthy_probes():
    assert damp(DOWN, [OK, DOWN, DOWN]) == DOWN
    assert damp(DOWN, [OK, OK, DOWN, DOWN]) == OK


def test_degraded_after_exactly_two_slow_probes():
    assert damp(OK, [DEG, OK, OK]) == OK
    assert damp(OK, [DEG, DEG, OK]) == DEG


def test_exactly_half_the_window_failing_is_down():
    assert damp(OK, [DOWN, OK, DOWN, OK, DOWN, OK]) == DOWN  # 3 of 6


def test_just_under_half_the_window_failing_is_not_down():
    assert damp(OK, [DOWN, OK, DOWN, OK, OK, OK, OK]) != DOWN  # 2 of 7


def test_half_failing_needs_the_latest_probe_to_have_failed():
    assert damp(OK, [OK, DOWN, OK, DOWN, OK, DOWN, DOWN]) != DOWN


def test_the_half_rule_needs_a_window_of_five_probes():
    assert damp(OK, [DOWN, OK, DOWN, OK]) != DOWN  # 2 of 4: too few probes to judge
    assert damp(OK, [DOWN, OK, DOWN, OK, DOWN]) == DOWN  # 3 of 5


def test_the_half_rule_never_judges_a_single_probe():
    rules = Damping(min_window=1)
    assert damp(OK, [DOWN], rules) == OK
    assert damp(OK, [DOWN, OK], rules) == DOWN  # two probes, one failed: half


def test_only_the_latest_twenty_probes_count():
    ten_of_twenty = [DOWN] + [OK] * 10 + [DOWN] * 9
    assert damp(OK, ten_of_twenty) == DOWN
    assert damp(OK, ten_of_twenty + [OK]) == DOWN  # the 21st probe is outside the window
    assert damp(OK, ten_of_twenty + [OK], Damping(window=21)) != DOWN  # 10 of 21


def test_an_error_rate_of_exactly_ten_percent_is_degraded():
    two_of_twenty = [OK, OK, DOWN] + [OK] * 8 + [DOWN] + [OK] * 8
    assert len(two_of_twenty) == 20
    assert damp(OK, two_of_twenty) == DEG


def test_an_error_rate_just_under_the_threshold_is_ok():
    two_of_twenty = [OK, OK, DOWN] + [OK] * 8 + [DOWN] + [OK] * 8
    assert damp(OK, two_of_twenty, Damping(error_rate=0.11)) == OK
    assert damp(OK, two_of_twenty, Damping(error_rate=0.10)) == DEG


def test_one_sporadic_failure_is_never_an_error_rate():
    assert damp(OK, [OK, OK, DOWN, OK, OK]) == OK  # 20 %, but a single failure


def test_the_error_rate_needs_a_window_of_five_probes():
    assert damp(None, [DOWN, OK, DOWN, OK]) == OK  # 2 sporadic of 4: too few probes
    assert damp(None, [DOWN, OK, DOWN, OK, OK]) == DEG  # 2 of 5


def test_a_failure_run_of_down_after_is_an_outage_not_sporadic():
    assert sporadic_failures([OK, DOWN, OK], 2) == 1
    assert sporadic_failures([OK, DOWN, DOWN, OK], 2) == 0
    assert sporadic_failures([OK, DOWN, DOWN, OK], 3) == 2


def test_an_unrecovered_state_is_held():
    assert damp(DEG, [OK, DEG]) == DEG
    assert damp(DOWN, [OK, DOWN]) == DOWN
    assert damp(OK, [OK, DEG]) == OK


def test_the_defaults_are_the_documented_policy():
    assert Damping() == Damping(down_after=2, recover_after=2, degrade_after=2, error_rate=0.10,
                                min_window=5, window=20)
