"""Schedules of periodic tasks: ``periodic(...)`` and ``cron_expr(...)``.

A schedule is a frozen value object whose :meth:`next_run` is a pure function of
the time it is given (epoch seconds, UTC). TaskTiger's rules (compat section 1.6)
apply to both kinds: nothing after ``end_date``; ``start_date`` itself before it.
Naive datetimes are taken as UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field

_UTC = dt.UTC
#: TaskTiger's default start of every schedule (a Saturday).
DEFAULT_START = dt.datetime(2000, 1, 1, tzinfo=_UTC)


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.timestamp()


def _bounds(
    start_date: dt.datetime | None, end_date: dt.datetime | None
) -> tuple[float, float | None]:
    start = _epoch(start_date or DEFAULT_START)
    return start, None if end_date is None else _epoch(end_date)


class _Schedule(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: float = DEFAULT_START.timestamp()
    end: float | None = None

    def _bounds(self, after: float) -> float | None:
        """Apply the start/end rules: None to stop, start, or NaN to go on."""
        if self.end is not None and after >= self.end:
            return None
        if after < self.start:
            return self.start
        return math.nan

    def _cap(self, when: float) -> float | None:
        return None if self.end is not None and when > self.end else when


class PeriodicSchedule(_Schedule):
    """Every ``period`` seconds, counted from ``start`` (whole seconds)."""

    kind: Literal["periodic"] = "periodic"
    period: float = Field(gt=0)

    def next_run(self, after: float) -> float | None:
        """Return the first run strictly after ``after``, or None once ended."""
        bound = self._bounds(after)
        if bound is None or not math.isnan(bound):
            return bound
        elapsed = math.floor(after - self.start)
        return self._cap(self.start + (elapsed // self.period + 1) * self.period)


class CronSchedule(_Schedule):
    """The fire times of a cron expression, in UTC."""

    kind: Literal["cron"] = "cron"
    expr: str

    def next_run(self, after: float) -> float | None:
        """Return the cron fire time strictly after ``after``, or None once ended."""
        bound = self._bounds(after)
        if bound is None or not math.isnan(bound):
            return bound
        base = dt.datetime.fromtimestamp(after, tz=_UTC)
        fire = croniter(self.expr, base).get_next(dt.datetime)
        return self._cap(fire.timestamp())


#: Any schedule a periodic task may have.
Schedule = Annotated[PeriodicSchedule | CronSchedule, Field(discriminator="kind")]


def periodic(  # noqa: PLR0913, PLR0917 - TaskTiger's signature
    seconds: float = 0,
    minutes: float = 0,
    hours: float = 0,
    days: float = 0,
    weeks: float = 0,
    start_date: dt.datetime | None = None,
    end_date: dt.datetime | None = None,
) -> PeriodicSchedule:
    """Run every given amount of time (the sum of the arguments) after ``start_date``.

    Raises:
        ValueError: the period is not positive.
    """
    period = seconds + 60 * (minutes + 60 * (hours + 24 * (days + 7 * weeks)))
    if period <= 0:
        raise ValueError(f"periodic() needs a positive period, got {period:g} s")
    start, end = _bounds(start_date, end_date)
    return PeriodicSchedule(period=period, start=start, end=end)


def cron_expr(
    expr: str,
    start_date: dt.datetime | None = None,
    end_date: dt.datetime | None = None,
) -> CronSchedule:
    """Run at the fire times of the cron expression ``expr`` (UTC).

    Raises:
        ValueError: ``expr`` is not a valid cron expression.
    """
    if not croniter.is_valid(expr):
        raise ValueError(f"invalid cron expression {expr!r}")
    start, end = _bounds(start_date, end_date)
    return CronSchedule(expr=expr, start=start, end=end)
