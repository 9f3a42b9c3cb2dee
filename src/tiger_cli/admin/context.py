"""The state shared by every ``tiger`` subcommand: settings and a lazy TaskTiger."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tiger_adapters.compat.outage import RedisSetupError
from tiger_cli.container import Container, RedisUnavailableError
from tiger_cli.settings import WorkerSettings
from tiger_core.errors import ConfigError

if TYPE_CHECKING:
    from tiger_adapters.compat import TaskTiger

F = TypeVar("F", bound=Callable[..., Any])


class AdminContext:
    """What the ``tiger`` group hands to its subcommands (``ctx.obj``).

    The TaskTiger is built by the composition root (:class:`Container`) on first
    use, so ``--help`` and input validation never connect. Its resources (the
    Redis client) are closed when the click context closes.

    Args:
        settings: the validated connection settings (URL and config keys).
    """

    def __init__(self, settings: WorkerSettings) -> None:
        """Keep the settings; nothing connects yet."""
        self.settings = settings
        self._container: Container | None = None

    def tiger(self) -> TaskTiger:
        """The TaskTiger of these settings, built once.

        Raises:
            click.ClickException: Redis cannot be reached, refuses the credentials
                (or ACL, TLS) or the config is invalid: one line, exit code 1.
        """
        if self._container is None:
            self._container = Container(settings=self.settings)
            click.get_current_context().call_on_close(self.close)
        try:
            tiger: TaskTiger = self._container.tiger()
        except (RedisUnavailableError, RedisSetupError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from exc
        return tiger

    def close(self) -> None:
        """Release the resources (the Redis client), if any were opened."""
        if self._container is not None:
            self._container.shutdown_resources()
            self._container = None


def pass_admin(command: F) -> F:
    """Pass the :class:`AdminContext` as a command's first argument."""
    return click.make_pass_decorator(AdminContext)(command)  # type: ignore[return-value]
