"""Connection options shared by ``tiger-worker`` and the ``tiger`` admin command.

``--url`` (or ``$REDIS_URL``), TaskTiger's ``-h/-p/-a/-n``, ``--prefix`` and
``--config KEY=VALUE`` (after ``TIGER_<KEY>`` variables), turned into validated
values before anything connects.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource
from pydantic import ValidationError

from tiger_adapters.compat.worker_cli import CONNECTION_OPTIONS
from tiger_cli.settings import config_from, redis_url
from tiger_core.config import TigerConfig
from tiger_core.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

#: The Redis URL when neither --url, $REDIS_URL nor -h/-p/-a/-n is given.
DEFAULT_URL = "redis://localhost:6379/0"

url_option = click.option(
    "--url",
    envvar="REDIS_URL",
    show_default=f"$REDIS_URL, else {DEFAULT_URL}",
    help="Redis URL (redis://, rediss://, unix://), or memory:// for an "
    "in-process store. Cannot be combined with -h/-p/-a/-n.",
)

prefix_option = click.option(
    "--prefix",
    show_default="REDIS_PREFIX, t",
    help="Redis key prefix; same as --config REDIS_PREFIX=P.",
)

config_option = click.option(
    "--config",
    "config_items",
    multiple=True,
    metavar="KEY=VALUE",
    show_default="none",
    help="Set a config key (repeatable); VALUE is JSON (5, true, "
    '\'["a","b"]\') or plain text. Variables TIGER_<KEY> are read first.',
)


def resolve_url(url: str | None, values: dict[str, Any]) -> str:
    """The URL from --url/$REDIS_URL, or from -h/-p/-a/-n when any is given.

    Must be called inside the click command (it reads where --url came from).

    Raises:
        click.ClickException: --url and -h/-p/-a/-n are both on the command line.
    """
    parts = [values.get(name) for name in CONNECTION_OPTIONS]
    if any(part is not None for part in parts):
        source = click.get_current_context().get_parameter_source("url")
        if source is ParameterSource.COMMANDLINE:
            raise click.ClickException("use either --url or -h/-p/-a/-n, not both")
        return redis_url(*parts)
    return url or DEFAULT_URL


def resolve_config(prefix: str | None, config_items: tuple[str, ...]) -> dict[str, Any]:
    """The config keys from ``TIGER_<KEY>``, --config and --prefix, validated.

    Raises:
        click.ClickException: an item is malformed, or a key or value is invalid.
    """
    try:
        config = config_from(os.environ, config_items, prefix)
        TigerConfig.from_mapping(config)
    except (ValueError, ConfigError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    return config


def one_line(exc: BaseException) -> str:
    """A one-line message for ``exc`` (a pydantic error names its field)."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"invalid {where}: {error['msg']}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
