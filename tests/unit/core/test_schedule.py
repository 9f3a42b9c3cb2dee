"""periodic() and cron_expr(): next_run as a pure function of a fixed now."""

from __future__ import annotations

import datetime as dt

import pytest

from tiger_core.policies.schedule import cron_expr, periodic


def epoch(year: int, month: int, day: int, *hms: int) -> float:
    """A UTC date and time as epoch seconds."""
    hour, minute, second = (*hms, 0, 0, 0)[:3]
    return dt.datetime(
        year, month, day, hour, minute, second, tzinfo=dt.UTC
    ).timestamp()


def test_periodic_counts_from_the_default_start() -> None:
    """Every 10 minutes from 2000-01-01 means on the tens."""
    schedule = periodic(minutes=10)

    assert epoch(2030, 5, 1, 12, 10) == schedule.next_run(epoch(2030, 5, 1, 12, 3, 7))


def test_periodic_next_run_is_strictly_after_now() -> None:
    """A now exactly on a period gives the following one."""
    schedule = periodic(seconds=1)

    assert epoch(2030, 1, 1, 0, 0, 1) == schedule.next_run(epoch(2030, 1, 1))


def test_periodic_start_and_end_dates() -> None:
    """Before the start the start is next; at or after the end nothing is."""
    schedule = periodic(
        hours=1,
        start_date=dt.datetime(2030, 1, 1, 0, 30),
        end_date=dt.datetime(2030, 1, 1, 2, 30),
    )

    assert (epoch(2030, 1, 1, 0, 30), epoch(2030, 1, 1, 2, 30), None, None) == (
        schedule.next_run(epoch(2029, 6, 1)),
        schedule.next_run(epoch(2030, 1, 1, 1, 45)),
        schedule.next_run(epoch(2030, 1, 1, 2, 30)),
        schedule.next_run(epoch(2031, 1, 1)),
    )


def test_periodic_rejects_a_zero_period() -> None:
    """A period must be positive."""
    with pytest.raises(ValueError, match="positive period"):
        periodic()


def test_cron_expr_fires_at_its_next_time() -> None:
    """A daily 08:15 cron after 09:00 fires the next day at 08:15 UTC."""
    schedule = cron_expr("15 8 * * *")

    assert epoch(2030, 3, 2, 8, 15) == schedule.next_run(epoch(2030, 3, 1, 9, 0))


def test_cron_expr_respects_end_date() -> None:
    """No fire time after the end date."""
    schedule = cron_expr("0 0 * * *", end_date=dt.datetime(2030, 3, 1, 12))

    assert None is schedule.next_run(epoch(2030, 3, 1, 9, 0))


def test_cron_expr_rejects_garbage() -> None:
    """An invalid expression is refused, naming it."""
    with pytest.raises(ValueError, match="'every day'"):
        cron_expr("every day")
