"""Riding out a Redis outage, failing fast on a wrong setup: one rule for both.

:func:`classify` is the one decision, used by :class:`Outage` and so by
``Worker.run`` and ``tiger-worker`` alike:

- transient (Redis restarting, paused, not up yet, loading, failing over, at
  ``maxmemory``): the worker waits with capped exponential backoff and jitter and
  tries again. The first failure of an outage logs ``redis unavailable,
  retrying``; the first success after it logs ``redis reachable again`` with the
  outage's length. What was in flight is settled by crash recovery once its lease
  expires, as after a worker crash.
- fatal (credentials, ACL, TLS, connection settings): waiting cannot help, so
  :class:`RedisSetupError` is raised at once with one line naming the problem
  (never the password).
- anything else (a script error, a bug) is none of this module's business and
  propagates unchanged.
"""

from __future__ import annotations

import enum
import random as random_module
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis import exceptions as rex

from tiger_core.errors import TigerError

T = TypeVar("T")

#: The error classes that may mean "Redis cannot take this right now":
#: unreachable, reset, timed out, LOADING, READONLY / MASTERDOWN / CLUSTERDOWN /
#: TRYAGAIN (a failover), or ``OOM`` at ``maxmemory`` with noeviction. Catch these,
#: but let :func:`classify` decide: an ``AuthenticationError`` is a
#: ``ConnectionError`` too, and it is fatal.
TRANSIENT: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    rex.OutOfMemoryError,
    rex.ReadOnlyError,
    rex.ClusterDownError,
    rex.TryAgainError,
    ConnectionError,  # the builtin socket errors: refused, reset, broken pipe
    TimeoutError,
)

#: TLS errors that are a dropped connection, not a TLS problem.
_TLS_DROPS = (ssl.SSLEOFError, ssl.SSLZeroReturnError)

#: Replies to the connection's own set-up that mean "wrong settings".
_CONFIG_MESSAGES = ("DB index is out of range", "Invalid Database")


class Fault(enum.Enum):
    """What a Redis error means for a worker (see :func:`classify`)."""

    TRANSIENT = "transient"
    CREDENTIALS = "credentials"
    PERMISSION = "permission"
    TLS = "tls"
    CONFIG = "config"

    @property
    def fatal(self) -> bool:
        """Whether waiting cannot help: the setup must be fixed."""
        return self is not Fault.TRANSIENT


def classify(exc: BaseException) -> Fault | None:
    """Whether ``exc`` is waited out (TRANSIENT), fatal (the others), or not ours.

    Fatal: a refused password or username (``WRONGPASS``, ``NOAUTH``, AUTH's
    wrong number of arguments), a missing ACL permission (``NOPERM``), a TLS
    failure (certificate, protocol; found as the cause of redis-py's
    ConnectionError) and a connection setting Redis rejects (a db index out of
    range). Transient: every other error of :data:`TRANSIENT`.

    Returns:
        The fault, or None when ``exc`` is not about reaching Redis (a script
        error, a bug): it must propagate unchanged.
    """
    if isinstance(
        exc,
        rex.AuthenticationError
        | rex.AuthenticationWrongNumberOfArgsError
        | rex.AuthorizationError,
    ):
        return Fault.CREDENTIALS
    if isinstance(exc, rex.NoPermissionError):
        return Fault.PERMISSION
    if _tls_error(exc) is not None:
        return Fault.TLS
    if isinstance(exc, redis.RedisError) and str(exc).strip() in _CONFIG_MESSAGES:
        return Fault.CONFIG
    if isinstance(exc, TRANSIENT):
        return Fault.TRANSIENT
    return None


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error of ``exc`` itself or of the cause redis-py wrapped, if any."""
    for error in (exc, exc.__cause__):
        if isinstance(error, ssl.SSLError) and not isinstance(error, _TLS_DROPS):
            return error
    return None


_PROBLEMS = {
    Fault.CREDENTIALS: " refused the credentials",
    Fault.PERMISSION: " refused a command: the user lacks an ACL permission",
    Fault.TLS: ": TLS failed",
    Fault.CONFIG: " rejected the connection settings",
}


class RedisSetupError(TigerError):
    """Redis refused the worker's setup: credentials, ACL, TLS or settings.

    Retrying cannot help, so the worker stops with this error instead of waiting;
    ``tiger-worker`` prints its message as one line and exits with code 2.

    Args:
        fault: which setup problem (never :attr:`Fault.TRANSIENT`).
        error: the error Redis or redis-py raised.
        where: the server, e.g. ``Redis at redis://host:6379/0`` (no password).

    Attributes:
        fault: the problem.
    """

    def __init__(self, fault: Fault, error: BaseException, where: str = "Redis"):
        """Build the one-line message naming the server and the problem."""
        self.fault = fault
        cause = _tls_error(error) or error
        detail = " ".join(f"{type(cause).__name__}: {cause}".split())
        super().__init__(f"{where}{_PROBLEMS.get(fault, ' failed')} ({detail})")


def redis_location(client: Any) -> str:
    """``Redis at redis://:***@host:port/db`` for a redis-py client.

    Built from the pool's settings: the password shows as ``***`` (only whether
    one was sent), the user name as is; plain ``Redis`` when ``client`` is not a
    redis-py client.
    """
    pool = getattr(client, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", None)
    if not isinstance(kwargs, dict):
        return "Redis"
    user = kwargs.get("username") or ""
    auth = f"{user}:***@" if kwargs.get("password") else f"{user}@" if user else ""
    db = kwargs.get("db", 0)
    if kwargs.get("path"):
        return f"Redis at unix://{auth}{kwargs['path']}?db={db}"
    connection_class = getattr(pool, "connection_class", None)
    tls = isinstance(connection_class, type) and issubclass(
        connection_class, redis.SSLConnection
    )
    scheme = "rediss" if tls else "redis"
    host, port = kwargs.get("host", "localhost"), kwargs.get("port", 6379)
    return f"Redis at {scheme}://{auth}{host}:{port}/{db}"


#: The longest wait between two attempts: a worker that lost Redis reaches it
#: again at most this long after it is back.
BACKOFF_CAP = 5.0


class Outage:
    """Backoff state of one worker across Redis outages.

    Each wait is drawn uniformly between ``first`` and a ceiling that doubles per
    failure up to ``cap`` (0.1-0.2 s, then up to 0.4 s, 0.8 s, ... 5 s): never a
    busy loop, never longer than ``cap``, and a fleet that lost Redis together
    does not reconnect in lock-step.

    Args:
        log: the worker's structlog logger.
        stop: set when the worker must stop; it cuts a backoff wait short.
        first: the shortest wait, in seconds.
        cap: the longest wait, in seconds.
        where: names the server in a :class:`RedisSetupError` (see
            :func:`redis_location`).
        random: the jitter source, a float in [0, 1) per call (tests inject it).
    """

    def __init__(
        self,
        log: Any,
        stop: threading.Event,
        *,
        first: float = 0.1,
        cap: float = BACKOFF_CAP,
        where: str = "Redis",
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self._log = log
        self._stop = stop
        self._first = first
        self._cap = cap
        self._where = where
        self._random = random
        #: The ceiling of the last wait (``first`` between outages).
        self._delay = first
        self._since: float | None = None
        #: Outages seen so far (for tests and stats).
        self.count = 0

    def failed(self, exc: Exception) -> None:
        """Wait out a transient error (logging the outage once); raise the others.

        Raises:
            RedisSetupError: ``exc`` is fatal (:func:`classify`), at once.
            Exception: ``exc`` itself when it is not about reaching Redis.
        """
        fault = classify(exc)
        if fault is None:
            raise exc
        if fault.fatal:
            raise RedisSetupError(fault, exc, self._where) from exc
        if self._since is None:
            self._since = time.monotonic()
            self.count += 1
            self._log.warning(
                "redis unavailable, retrying",
                error=f"{type(exc).__name__}: {exc}",
                backoff_max_s=self._cap,
            )
        self._delay = min(self._delay * 2, self._cap)
        low = min(self._first, self._delay)
        self._stop.wait(low + self._random() * (self._delay - low))

    def recovered(self) -> None:
        """Note a successful round trip; logs the end of an outage, if one ran."""
        if self._since is not None:
            outage_s = round(time.monotonic() - self._since, 3)
            self._log.warning("redis reachable again", outage_s=outage_s)
            self._since = None
            self._delay = self._first

    def call(self, func: Callable[[], T]) -> T | None:
        """Call ``func`` until it gets through (None if the worker stops first).

        Raises:
            RedisSetupError: a fatal error; other errors propagate unchanged.
        """
        while not self._stop.is_set():
            try:
                result = func()
            except Exception as exc:
                self.failed(exc)
                continue
            self.recovered()
            return result
        return None

    def run(self, body: Callable[[], None]) -> None:
        """Run ``body`` (the worker loop), starting it again after each outage.

        Raises:
            RedisSetupError: a fatal error; other errors propagate unchanged.
        """
        while not self._stop.is_set():
            try:
                body()
            except Exception as exc:
                self.failed(exc)
            else:
                return
