"""Due times of the durable schedules (chatops.scheduler.Every / Daily): each boundary with a case
at it and one just before."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chatops.scheduler import Daily, Every, daily, every

UTC = timezone.utc
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def test_every_is_due_at_exactly_its_period_and_not_a_moment_before():
    sched = every(60)
    assert sched == Every(60)
    assert sched.due(T0 + timedelta(seconds=60), T0) == T0 + timedelta(seconds=60)
    assert sched.due(T0 + timedelta(seconds=60) - TICK, T0) is None


def test_every_runs_at_once_the_first_time():
    sched = Every(90)
    assert sched.first(T0) == T0 - timedelta(seconds=90)
    assert sched.due(T0, sched.first(T0)) == T0


def test_every_is_next_due_one_period_after_the_last():
    assert Every(30).next_after(T0 + timedelta(seconds=5), T0) == T0 + timedelta(seconds=30)


@pytest.mark.parametrize("at", ["00:00", "23:59", "9:05", "09:5"])
def test_a_daily_time_within_the_day_is_accepted(at):
    assert daily(at) == Daily(at, "UTC")


@pytest.mark.parametrize("at", ["24:00", "12:60", "-1:00", "12:-1", "9", "ab:cd", ":30", "12:", ""])
def test_a_daily_time_outside_the_day_is_refused(at):
    with pytest.raises(ValueError, match="is not HH:MM"):
        Daily(at)


def test_an_unknown_zone_is_refused():
    with pytest.raises(Exception):
        Daily("09:00", "Mars/Olympus")


def test_the_latest_daily_time_is_now_when_now_is_exactly_it():
    assert Daily("12:00").latest(T0) == T0


def test_the_latest_daily_time_a_moment_before_is_yesterdays():
    assert Daily("12:00").latest(T0 - TICK) == T0 - timedelta(days=1)


def test_the_latest_daily_time_ignores_seconds():
    assert Daily("12:00").latest(T0 + timedelta(seconds=59, microseconds=5)) == T0


def test_a_daily_time_in_a_zone_is_that_zones_clock():
    assert daily("09:00", "Europe/Berlin") == Daily("09:00", "Europe/Berlin")
    assert Daily("09:00", "Europe/Berlin").latest(T0) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_a_daily_time_comes_back_in_utc_whatever_the_machines_zone(tokyo):
    latest = Daily("09:00", "Europe/Berlin").latest(T0)
    assert latest == datetime(2026, 11, 26, 8, 0, tzinfo=UTC) and latest.utcoffset() == timedelta(0)


def test_a_daily_run_is_due_once_its_time_is_after_the_last_due():
    sched = Daily("12:00")
    assert sched.due(T0, T0 - timedelta(days=1)) == T0
    assert sched.due(T0, T0) is None
    assert sched.due(T0 + timedelta(hours=3), T0) is None


def test_a_new_daily_job_waits_for_its_next_time():
    sched = Daily("12:00")
    assert sched.first(T0 + timedelta(hours=1)) == T0
    assert sched.due(T0 + timedelta(hours=1), sched.first(T0 + timedelta(hours=1))) is None


def test_the_next_daily_time_is_tomorrows_when_today_has_passed():
    assert Daily("12:00").next_after(T0, T0) == T0 + timedelta(days=1)
    assert Daily("12:00").next_after(T0 - TICK, T0 - timedelta(days=1)) == T0


def test_the_next_daily_time_across_the_autumn_change_is_the_next_local_morning():
    sched = Daily("09:00", "Europe/Berlin")  # 25 October 2026: the clocks go back
    after = datetime(2026, 10, 24, 7, 30, tzinfo=UTC)  # 09:30 in Berlin, summer time
    assert sched.next_after(after, after) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 winter time


def test_a_missed_daily_run_is_useful_for_exactly_six_hours():
    sched = Daily("12:00")
    assert sched.catch_up == timedelta(hours=6)
    assert sched.useful(T0, T0 + timedelta(hours=6))
    assert not sched.useful(T0, T0 + timedelta(hours=6) + TICK)


def test_a_wall_time_that_happens_twice_is_its_first_occurrence():
    """America/New_York goes back from 02:00 EDT to 01:00 EST on 2026-11-01: 01:30 happens twice."""
    d = Daily("01:30", "America/New_York")
    first = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 01:30 EDT
    assert d.latest(datetime(2026, 11, 1, 6, 45, tzinfo=timezone.utc)) == first  # 01:45 EST: not a second run
    assert d.latest(datetime(2026, 11, 2, 5, 0, tzinfo=timezone.utc)) == first  # 00:00 EST next day: yesterday's


def test_the_first_occurrence_of_a_repeated_time_when_asked_within_it():
    d = Daily("01:30", "America/New_York")
    assert d.latest(datetime(2026, 11, 1, 5, 45, tzinfo=timezone.utc)) == datetime(2026, 11, 1, 5, 30,
                                                                                    tzinfo=timezone.utc)
