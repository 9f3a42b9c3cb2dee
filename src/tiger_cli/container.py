"""The composition root: the one place where adapters are chosen and wired."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from dependency_injector import containers, providers

from tiger_adapters.clock import SystemClock
from tiger_adapters.compat import TaskTiger
from tiger_adapters.compat.outage import Fault, RedisSetupError, classify
from tiger_adapters.memory import MemoryLockStore, MemoryTaskStore
from tiger_adapters.redis import RedisClock, RedisLockStore, RedisTaskStore
from tiger_cli.settings import WorkerSettings, redact_url
from tiger_core.config import TigerConfig
from tiger_core.ports import ErrorReporter


class RedisUnavailableError(RuntimeError):
    """The Redis server named by the URL cannot be reached."""


def redis_client(url: str, check: bool = True) -> Iterator[redis.Redis]:
    """Open a client for ``url`` and close it on shutdown.

    With ``check`` (the admin command, which is interactive) the server must
    answer a PING now; without it (the worker) nothing is sent: ``Worker.run``
    waits for an unreachable Redis and fails fast on a wrong setup, by the same
    rule (:func:`tiger_adapters.compat.outage.classify`).

    Raises:
        RedisSetupError: the URL is invalid, or (``check``) Redis refused the
            credentials, an ACL permission, TLS or the connection settings.
        RedisUnavailableError: (``check``) the server does not answer.
    """
    where = f"Redis at {redact_url(url)}"
    try:
        client = redis.Redis.from_url(
            url, decode_responses=True, protocol=2, socket_connect_timeout=5
        )
    except (ValueError, TypeError) as exc:
        raise RedisSetupError(Fault.CONFIG, exc, where) from exc
    if check:
        try:
            client.ping()
        except redis.RedisError as exc:
            client.close()
            fault = classify(exc)
            if fault is not None and fault.fatal:
                raise RedisSetupError(fault, exc, where) from exc
            raise RedisUnavailableError(
                f"cannot reach Redis at {redact_url(url)}: {exc}"
            ) from exc
    try:
        yield client
    finally:
        client.close()


class ReportingUnavailableError(RuntimeError):
    """An error reporter was asked for but cannot be set up."""


def make_error_reporters(sentry_dsn: str | None) -> Iterator[list[ErrorReporter]]:
    """The worker's error reporters; pending reports are sent on shutdown.

    Raises:
        ReportingUnavailableError: sentry-sdk is missing or the DSN is malformed.
    """
    if not sentry_dsn:
        yield []
        return
    try:
        from tiger_adapters.reporting.sentry import (  # noqa: PLC0415 - optional
            SentryErrorReporter,
        )
    except ImportError as exc:
        raise ReportingUnavailableError(
            "--sentry-dsn needs sentry-sdk: pip install 'tiger-queue[sentry]'"
        ) from exc
    try:
        reporter = SentryErrorReporter.from_dsn(sentry_dsn)
    except Exception as exc:  # sentry_sdk raises BadDsn, a plain Exception
        raise ReportingUnavailableError(f"invalid Sentry DSN: {exc}") from exc
    try:
        yield [reporter]
    finally:
        reporter.close()


def _backend(settings: WorkerSettings) -> str:
    return settings.backend


class Container(containers.DeclarativeContainer):
    """Builds the TaskTiger instance of a worker process from its settings."""

    settings = providers.Dependency(instance_of=WorkerSettings)
    #: Whether the Redis client must answer at once (the worker passes False).
    check_redis = providers.Object(True)
    config = providers.Singleton(TigerConfig.from_mapping, settings.provided.config)
    redis = providers.Resource(
        redis_client, url=settings.provided.url, check=check_redis
    )
    clock = providers.Selector(
        providers.Callable(_backend, settings),
        memory=providers.Singleton(SystemClock),
        redis=providers.Singleton(RedisClock, redis),
    )
    error_reporters = providers.Resource(
        make_error_reporters, sentry_dsn=settings.provided.sentry_dsn
    )
    store = providers.Selector(
        providers.Callable(_backend, settings),
        memory=providers.Singleton(MemoryTaskStore),
        redis=providers.Singleton(
            RedisTaskStore,
            redis,
            prefix=config.provided.REDIS_PREFIX,
            publish=config.provided.PUBLISH_QUEUED_TASKS,
        ),
    )
    locks = providers.Selector(
        providers.Callable(_backend, settings),
        memory=providers.Singleton(MemoryLockStore),
        redis=providers.Singleton(
            RedisLockStore, redis, prefix=config.provided.REDIS_PREFIX
        ),
    )
    #: The Redis client as ``TaskTiger.connection`` (Worker.run pings it first).
    connection = providers.Selector(
        providers.Callable(_backend, settings),
        memory=providers.Object(None),
        redis=redis,
    )
    tiger = providers.Singleton(
        TaskTiger,
        connection=connection,
        config=settings.provided.config,
        store=store,
        clock=clock,
        locks=locks,
    )
