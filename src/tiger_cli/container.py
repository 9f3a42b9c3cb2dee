"""The composition root: the one place where adapters are chosen and wired."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from dependency_injector import containers, providers

from tiger_adapters.clock import SystemClock
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryTaskStore
from tiger_adapters.redis import RedisTaskStore
from tiger_cli.settings import WorkerSettings
from tiger_core.config import TigerConfig


class RedisUnavailableError(RuntimeError):
    """The Redis server named by the URL cannot be reached."""


def redis_client(url: str) -> Iterator[redis.Redis]:
    """Open a client for ``url``, check it answers, and close it on shutdown.

    Raises:
        RedisUnavailableError: the server does not answer, naming the URL.
    """
    client = redis.Redis.from_url(
        url, decode_responses=True, protocol=2, socket_connect_timeout=5
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise RedisUnavailableError(f"cannot reach Redis at {url}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()


def _backend(settings: WorkerSettings) -> str:
    return settings.backend


class Container(containers.DeclarativeContainer):
    """Builds the TaskTiger instance of a worker process from its settings."""

    settings = providers.Dependency(instance_of=WorkerSettings)
    config = providers.Singleton(TigerConfig.from_mapping, settings.provided.config)
    clock = providers.Singleton(SystemClock)
    redis = providers.Resource(redis_client, url=settings.provided.url)
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
    tiger = providers.Singleton(
        TaskTiger,
        config=settings.provided.config,
        store=store,
        clock=clock,
    )
