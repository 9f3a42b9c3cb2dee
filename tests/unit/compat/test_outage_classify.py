"""One rule for Redis errors: wait out the transient ones, fail fast on the fatal ones.

``classify`` is the single decision used by ``Outage`` (and so by ``Worker.run``
and ``tiger-worker``): connection loss, timeouts, LOADING, failover and OOM are
waited out; credentials, ACL, TLS and connection settings raise a
``RedisSetupError`` at once, with one line naming the problem.
"""

from __future__ import annotations

import ssl
import threading

import pytest
import redis
import structlog
from redis import exceptions as rex
from structlog.testing import capture_logs

from tiger_adapters.compat.outage import (
    TRANSIENT,
    Fault,
    Outage,
    RedisSetupError,
    classify,
    redis_location,
)
from tiger_core.errors import TigerError


def caused(error: Exception, cause: BaseException) -> Exception:
    """``error`` raised ``from cause``, as redis-py wraps socket and TLS errors."""
    error.__cause__ = cause
    return error


TRANSIENT_ERRORS = [
    redis.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused."),
    redis.ConnectionError("Error while reading from 127.0.0.1:1 : (104, 'reset')"),
    redis.TimeoutError("Timeout reading from socket"),
    rex.BusyLoadingError("Redis is loading the dataset in memory"),
    rex.ReadOnlyError("You can't write against a read only replica."),
    rex.MasterDownError("Link with MASTER is down and replica-serve-stale-data no"),
    rex.OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
    rex.MaxClientsReachedError("max number of clients reached"),
    ConnectionResetError(104, "Connection reset by peer"),
    caused(redis.ConnectionError("Error 8 connecting"), ssl.SSLEOFError(8, "EOF")),
]

FATAL_ERRORS = [
    (rex.AuthenticationError("invalid username-password pair"), Fault.CREDENTIALS),
    (rex.AuthenticationError("Authentication required."), Fault.CREDENTIALS),
    (
        rex.AuthenticationWrongNumberOfArgsError(
            "wrong number of arguments for 'auth'"
        ),
        Fault.CREDENTIALS,
    ),
    (rex.NoPermissionError("no permissions to run the 'evalsha'"), Fault.PERMISSION),
    (
        caused(
            redis.ConnectionError("Error 1 connecting to h:6380. [SSL] verify failed."),
            ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] failed"),
        ),
        Fault.TLS,
    ),
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), Fault.TLS),
    (redis.ResponseError("DB index is out of range"), Fault.CONFIG),
    (redis.ConnectionError("Invalid Database"), Fault.CONFIG),
]

UNRELATED_ERRORS = [
    redis.ResponseError("ERR bad script"),
    rex.NoScriptError("No matching script"),
    rex.DataError("Invalid input of type: 'dict'"),
    ValueError("a bug"),
]


@pytest.mark.parametrize("error", TRANSIENT_ERRORS, ids=repr)
def test_outage_errors_are_transient(error: Exception) -> None:
    """Refused, reset, timeout, LOADING, failover, OOM: waited out."""
    assert Fault.TRANSIENT is classify(error)


@pytest.mark.parametrize(("error", "fault"), FATAL_ERRORS, ids=repr)
def test_setup_errors_are_fatal(error: Exception, fault: Fault) -> None:
    """Credentials, ACL, TLS and connection settings: never retried."""
    assert fault is classify(error)
    assert fault.fatal


@pytest.mark.parametrize("error", UNRELATED_ERRORS, ids=repr)
def test_other_errors_are_not_redis_faults(error: Exception) -> None:
    """A script error or a bug is none of Outage's business: it propagates."""
    assert classify(error) is None


def test_transient_names_the_classes_to_catch() -> None:
    """TRANSIENT stays importable; an AuthenticationError is caught but fatal."""
    auth = rex.AuthenticationError("invalid password")

    assert isinstance(auth, TRANSIENT)
    assert Fault.CREDENTIALS is classify(auth)


class RecordingStop(threading.Event):
    """A stop event that records each backoff wait instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        """Record the wait; return at once."""
        self.waits.append(timeout or 0.0)
        return self.is_set()


def test_a_wrong_password_raises_at_once_without_waiting() -> None:
    """call(): a fatal error is one RedisSetupError, no retry, no outage line."""
    stop = RecordingStop()
    outage = Outage(structlog.get_logger(), stop, where="Redis at redis://h:1/0")
    calls: list[int] = []

    def ping() -> bool:
        calls.append(1)
        raise rex.AuthenticationError(
            "invalid username-password pair or user is disabled."
        )

    with capture_logs() as logs, pytest.raises(RedisSetupError) as raised:
        outage.call(ping)

    assert ([1], [], []) == (calls, stop.waits, logs)
    assert isinstance(raised.value, TigerError)
    assert Fault.CREDENTIALS is raised.value.fault
    assert isinstance(raised.value.__cause__, rex.AuthenticationError)
    assert (
        "Redis at redis://h:1/0 refused the credentials (AuthenticationError: "
        "invalid username-password pair or user is disabled.)"
    ) == str(raised.value)


def test_a_missing_acl_permission_in_the_loop_raises() -> None:
    """run(): a NOPERM reply ends the loop with one line naming the ACL problem."""
    outage = Outage(structlog.get_logger(), RecordingStop())

    def body() -> None:
        raise rex.NoPermissionError(
            "this user has no permissions to run the 'evalsha' command"
        )

    with pytest.raises(RedisSetupError) as raised:
        outage.run(body)

    assert Fault.PERMISSION is raised.value.fault
    assert "ACL" in str(raised.value)
    assert "NoPermissionError" in str(raised.value)


def test_a_tls_failure_names_the_tls_error_on_one_line() -> None:
    """The message names the SSL error behind redis-py's ConnectionError."""
    error = caused(
        redis.ConnectionError("Error 1 connecting to h:6380.\n[SSL] failed."),
        ssl.SSLCertVerificationError(
            1, "[SSL: CERTIFICATE_VERIFY_FAILED]\nself-signed"
        ),
    )

    message = str(RedisSetupError(Fault.TLS, error, where="Redis at rediss://h:6380/0"))

    assert "\n" not in message
    assert message.startswith("Redis at rediss://h:6380/0: TLS failed")
    assert "SSLCertVerificationError" in message
    assert "CERTIFICATE_VERIFY_FAILED" in message


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("redis://:s3cret@127.0.0.1:7/3", "Redis at redis://:***@127.0.0.1:7/3"),
        ("rediss://user:s3cret@h:6380/0", "Redis at rediss://user:***@h:6380/0"),
        ("redis://127.0.0.1:7/0", "Redis at redis://127.0.0.1:7/0"),
        (
            "unix:///tmp/r.sock?password=s3cret",
            "Redis at unix://:***@/tmp/r.sock?db=0",
        ),
    ],
)
def test_redis_location_never_shows_the_password(url: str, where: str) -> None:
    """The location names the server and whether a password was sent, as ***."""
    client = redis.Redis.from_url(url)

    assert where == redis_location(client)


def test_redis_location_of_something_else_is_plain_redis() -> None:
    """Without a redis-py client the message just says Redis."""
    assert "Redis" == redis_location(None)
