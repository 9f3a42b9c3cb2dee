"""RedisClock: one clock for every host, read from the Redis server's ``TIME``.

Heartbeats, lease expiry, due times and periodic schedules are all compared across
hosts. Taking "now" from the Redis server removes client clock skew (compat 8.2):
the clock reads ``TIME`` once, keeps the offset to the local monotonic clock, and
reads it again every ``refresh_interval`` seconds (so a jump of the server clock is
followed, and a drifting local oscillator does not matter).
"""

from __future__ import annotations

import time

import redis
import structlog

_log = structlog.get_logger("tiger")


class RedisClock:
    """A :class:`tiger_core.ports.Clock` following the Redis server's clock.

    Construction does no I/O; the first :meth:`now` reads ``TIME``.

    Args:
        client: any redis-py client of the installation.
        refresh_interval: seconds between two ``TIME`` reads.
    """

    def __init__(self, client: redis.Redis, *, refresh_interval: float = 30.0) -> None:
        self._client = client
        self._refresh_interval = refresh_interval
        self._offset: float | None = None
        self._synced_at = 0.0

    def now(self) -> float:
        """Return the server's current time in epoch seconds.

        Raises:
            redis.RedisError: the very first read of ``TIME`` failed (later
                failures keep the last known offset and are logged).
        """
        mono = time.monotonic()
        if self._offset is None or mono - self._synced_at >= self._refresh_interval:
            self._sync()
        assert self._offset is not None
        return time.monotonic() + self._offset

    def _sync(self) -> None:
        before = time.monotonic()
        try:
            seconds, micros = self._client.time()
        except redis.RedisError as exc:
            if self._offset is None:
                raise
            _log.warning("redis clock not refreshed", error=str(exc))
            self._synced_at = time.monotonic()
            return
        after = time.monotonic()
        self._offset = seconds + micros / 1e6 - (before + after) / 2
        self._synced_at = after
