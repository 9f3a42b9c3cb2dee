"""WorkerSettings: everything tiger-worker needs, validated before anything starts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import redis
from pydantic import Field, field_validator

from tiger_adapters.compat.worker_cli import WorkerRunOptions
from tiger_core.config import TigerConfig

#: URL schemes served by the Redis store.
REDIS_SCHEMES = ("redis", "rediss", "unix")

#: Environment variables ``TIGER_<KEY>`` set config keys (e.g. TIGER_STATS_INTERVAL).
ENV_PREFIX = "TIGER_"


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable URL>"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    redacted = url.replace(f"?{parts.query}", f"?{query}") if parts.query else url
    if password:
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        redacted = redacted.replace(parts.netloc, f"{user}:***@{host}", 1)
    return redacted


def check_redis_url(url: str) -> None:
    """Build (never connect) a connection for ``url``, so its options are checked.

    Raises:
        ValueError: a port, option or value of the URL is invalid (one line, the
            URL shown with its password redacted).
    """
    try:
        pool = redis.ConnectionPool.from_url(url)
        try:
            pool.make_connection()
        finally:
            pool.disconnect()
    except (ValueError, TypeError, redis.RedisError) as exc:
        detail = " ".join(str(exc).split())
        raise ValueError(f"invalid URL {redact_url(url)!r}: {detail}") from None


class WorkerSettings(WorkerRunOptions):
    """Validated settings of a worker process (from options and the environment).

    Besides the run options of :class:`WorkerRunOptions`:

    Attributes:
        url: ``redis://``, ``rediss://`` or ``unix://`` for Redis; ``memory://`` for
            the in-process store (single process only: tasks must be queued by
            the same process).
        config: TaskTiger config keys.
        sentry_dsn: report failed executions to this Sentry project.
    """

    url: str = "redis://localhost:6379/0"
    config: dict[str, Any] = Field(default_factory=dict)
    sentry_dsn: str | None = None

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in (*REDIS_SCHEMES, "memory"):
            raise ValueError(
                f"unsupported URL {redact_url(value)!r}: use redis://host:port/db, "
                "rediss://, unix:///path or memory://"
            )
        if scheme in REDIS_SCHEMES:
            check_redis_url(value)
        return value

    @property
    def backend(self) -> Literal["memory", "redis"]:
        """Which store the URL selects."""
        return "memory" if urlsplit(self.url).scheme == "memory" else "redis"


def redis_url(
    host: str | None, port: int | None, password: str | None, db: int | None
) -> str:
    """The ``redis://`` URL of TaskTiger's connection options (with its defaults)."""
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{host or 'localhost'}:{port or 6379}/{db or 0}"


def parse_value(key: str, text: str) -> Any:
    """The value of config ``key`` from text: JSON when it parses (5, true, ["a"]).

    Text keys (REDIS_PREFIX, LOGGER_NAME, ...) and text that is not JSON stay text.
    """
    field = TigerConfig.model_fields.get(key)
    if field is not None and field.annotation is str:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def config_from(
    environ: Mapping[str, str], items: Iterable[str], prefix: str | None
) -> dict[str, Any]:
    """Collect config keys: ``TIGER_<KEY>`` variables, then ``KEY=VALUE`` items.

    Later sources win; ``prefix`` (``--prefix``) wins over both for REDIS_PREFIX.
    Only known keys are read from the environment; items are validated later by
    :meth:`TigerConfig.from_mapping`, which names an unknown key or a bad value.

    Raises:
        ValueError: an item has no ``=``.
    """
    config: dict[str, Any] = {}
    for key in TigerConfig.model_fields:
        if ENV_PREFIX + key in environ:
            config[key] = parse_value(key, environ[ENV_PREFIX + key])
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--config expects KEY=VALUE, got {item!r}")
        config[key.strip()] = parse_value(key.strip(), value)
    if prefix is not None:
        config["REDIS_PREFIX"] = prefix
    return config
