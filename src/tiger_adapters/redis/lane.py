"""CommandLane: one pool connection kept for the enqueue hot path.

A ``delay`` is one EVALSHA. Through ``Redis.execute_command`` every call also
takes a connection from the pool and gives it back, and the pool checks each
connection it hands out for unread data with a non-blocking read (several system
calls): together about as costly as the round trip itself. The lane keeps one
connection of the pool checked out, makes the same check with one ``poll``, and
sends commands that the caller packed itself (:func:`pack`): one write, one read.

Everything that keeps a pool connection sound is kept: a connection that became
readable while idle (closed by the server) is replaced before the send, as the
pool does; each call runs under the connection's own retry policy (the one
``execute_command`` uses, disconnecting before a retry); the connection
disconnects itself on any error while writing or reading (and reconnects at the
next call); a forked child takes a fresh connection from its own pool; a second
thread finds the lane busy and borrows a pool connection for that call. The
connection goes back to the pool when the lane is collected. Only plain pools are
used (:func:`lane_for`): RESP2, no client-side cache, no credential provider, the
standard connection classes and at least ``MIN_POOL_SIZE`` connections allowed, so
that holding one never starves other users of the pool.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import weakref
from collections.abc import Iterable
from typing import Any

import redis
from redis.connection import (
    Connection,
    ConnectionPool,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.exceptions import NoScriptError

from tiger_adapters.redis.lua_files import LuaScript

#: A pool allowing fewer connections is left alone (the lane would hold one).
MIN_POOL_SIZE = 32
_CONNECTION_CLASSES = (Connection, SSLConnection, UnixDomainSocketConnection)


def lane_for(client: redis.Redis) -> CommandLane | None:
    """Return a lane on ``client``'s pool, or None when the pool is not plain.

    Not plain: a pool subclass (blocking, sentinel), another connection class
    (fakeredis, a proxy), RESP3, a client-side cache, a credential provider
    (redis-py re-authenticates a connection when it goes back to the pool), a
    single-connection client or a pool of fewer than ``MIN_POOL_SIZE``
    connections. Callers then use the client's own commands.
    """
    pool = getattr(client, "connection_pool", None)
    if type(pool) is not ConnectionPool or getattr(client, "connection", None):
        return None
    kwargs = pool.connection_kwargs
    plain = (
        pool.connection_class in _CONNECTION_CLASSES
        and kwargs.get("protocol") in (None, 2, "2")
        and getattr(pool, "cache", None) is None
        and kwargs.get("credential_provider") is None  # re-auth happens on release
        and pool.max_connections >= MIN_POOL_SIZE
    )
    return CommandLane(pool) if plain else None


def pack(parts: Iterable[bytes]) -> bytes:
    """Return the RESP bulk strings of ``parts`` (no array header)."""
    return b"".join([b"$%d\r\n%s\r\n" % (len(part), part) for part in parts])


def pack_command(parts: list[bytes]) -> bytes:
    """Return a whole RESP command: the array header and its bulk strings."""
    return b"*%d\r\n%s" % (len(parts), pack(parts))


def evalsha_command(script: LuaScript, numkeys: int, parts: list[bytes]) -> bytes:
    """The packed EVALSHA of ``script`` over the encoded KEYS and ARGV ``parts``."""
    return pack_command([b"EVALSHA", script.sha.encode(), b"%d" % numkeys, *parts])


def run_script(lane: CommandLane, script: LuaScript, command: bytes) -> Any:
    """Send the packed EVALSHA ``command`` on ``lane``; on NOSCRIPT send it as EVAL.

    EVAL carries the source, so the script runs and is cached in one step, even
    when the server forgets scripts again at once (see :mod:`.lua_files`).
    """
    try:
        return lane.run(command)
    except NoScriptError:
        return lane.run(as_eval(command, script))


#: The head of a packed EVALSHA after its array header: the name and the sha.
_EVALSHA_HEAD = b"$7\r\nEVALSHA\r\n$40\r\n"


def as_eval(command: bytes, script: LuaScript) -> bytes:
    """Return the packed EVALSHA ``command`` of ``script`` as the same EVAL."""
    start = command.index(b"\r\n") + 2  # after "*<count>"
    if not command.startswith(_EVALSHA_HEAD, start):
        raise ValueError("not a packed EVALSHA command")
    rest = start + len(_EVALSHA_HEAD) + 40 + 2  # the sha and its CRLF
    source = script.script.encode()
    eval_head = b"$4\r\nEVAL\r\n$%d\r\n%s\r\n" % (len(source), source)
    return command[:start] + eval_head + command[rest:]


class CommandLane:
    """Sends packed commands on one connection kept out of ``pool``.

    Args:
        pool: a plain connection pool (see :func:`lane_for`).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._connection: Any = None
        self._forks = _forks  # see _after_fork
        self._release: weakref.finalize[Any, Any] | None = None

    def run(self, packed: bytes, *, raw: bool = False) -> Any:
        """Send one packed command and return its reply (bytes if ``raw``).

        Raises:
            redis.exceptions.ResponseError: the error reply (e.g. NoScriptError,
                OutOfMemoryError); the connection stays usable.
            redis.exceptions.ConnectionError: the connection failed after the
                retries its policy allows.
        """
        if not self._lock.acquire(blocking=False):  # another thread is on it
            return self._borrowed(packed, raw)
        try:
            connection = self._held()
            if _stale(connection):  # as the pool checks a connection it hands out
                connection.disconnect()  # the send reconnects
            return _exchange(connection, packed, raw)
        finally:
            self._lock.release()

    def _held(self) -> Any:
        if self._connection is None or self._forks != _forks:
            if self._release is not None:  # the parent's: leave it to the parent
                self._release.detach()
            connection = _take(self._pool)
            self._connection, self._forks = connection, _forks
            self._release = weakref.finalize(self, _give_back, self._pool, connection)
            self._release.atexit = False  # at exit the pool goes too
        return self._connection

    def _borrowed(self, packed: bytes, raw: bool) -> Any:
        connection = _take(self._pool)
        try:
            return _exchange(connection, packed, raw)
        finally:
            self._pool.release(connection)


#: How many forks this process descends from (counted in each child), so that a
#: lane notices a fork without a getpid() per call.
_forks = 0


def _after_fork() -> None:
    global _forks  # noqa: PLW0603 - the process's fork count, as os.getpid() is
    _forks += 1


os.register_at_fork(after_in_child=_after_fork)


def _give_back(pool: ConnectionPool, connection: Any) -> None:
    """Return the lane's connection to the pool (the lane was collected)."""
    with contextlib.suppress(Exception):  # a finalizer must not raise
        pool.release(connection)


def _take(pool: ConnectionPool) -> Any:
    try:
        return pool.get_connection()
    except TypeError:  # redis-py < 5.3 wants the command name
        return pool.get_connection("EVALSHA")


def _stale(connection: Any) -> bool:
    """Whether the idle connection has something to read, so must be replaced.

    Every command of the lane is read to its end, so anything readable means the
    server closed the connection (idle timeout, restart) or wrote unasked: the
    pool's ``can_read`` check when it hands out a connection, done as one poll.
    """
    sock = getattr(connection, "_sock", None)
    if sock is None:  # not connected (yet, or any more): the send connects
        return False
    if isinstance(connection, SSLConnection) or _poll is None:
        try:  # TLS may have records to read that are no data: ask redis-py
            return bool(connection.can_read())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return True
    poller = _poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


_poll = getattr(select, "poll", None)


def _exchange(connection: Any, packed: bytes, raw: bool = False) -> Any:
    """Write and read under the connection's retry policy (as execute_command)."""

    def attempt() -> Any:
        connection.send_packed_command([packed])
        return connection.read_response(disable_decoding=raw)

    def failed(error: Exception) -> None:
        del error
        connection.disconnect()

    return connection.retry.call_with_retry(attempt, failed)
