"""``tiger dashboard``: serve the web dashboard with waitress until stopped.

The connection options are the ``tiger`` group's (``tiger --url URL dashboard``);
the TaskTiger comes from the composition root through :class:`AdminContext`.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

import click

from tiger_cli.admin.context import AdminContext, pass_admin
from tiger_cli.dashboard.history import SAMPLE_INTERVAL, Sampler, SizeHistory
from tiger_cli.dashboard.hosts import is_loopback
from tiger_cli.dashboard.service import DashboardService

if TYPE_CHECKING:
    from flask import Flask

#: The default listen address: the loopback only.
DEFAULT_HOST = "127.0.0.1"
#: The default port.
DEFAULT_PORT = 8080
#: The shortest token accepted.
MIN_TOKEN_LENGTH = 12
#: waitress worker threads (requests served at once).
THREADS = 8


@click.command("dashboard")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="TCP port to listen on.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. Any address but the loopback needs --token.",
)
@click.option(
    "--token",
    envvar="TIGER_DASHBOARD_TOKEN",
    show_default="$TIGER_DASHBOARD_TOKEN, else none",
    help="Access token, asked for by a login form (or sent as 'Authorization: "
    f"Bearer TOKEN'); at least {MIN_TOKEN_LENGTH} characters.",
)
@click.option(
    "--sample-interval",
    type=click.FloatRange(min=0.5),
    default=SAMPLE_INTERVAL,
    show_default=True,
    help="Seconds between two samples of the queue sizes drawn by the charts.",
)
@pass_admin
def dashboard(
    admin: AdminContext,
    port: int,
    host: str,
    token: str | None,
    sample_interval: float,
) -> None:
    """Serve the web dashboard: queues, tasks, errors, retry/delete/pause.

    It listens on 127.0.0.1 unless --host says otherwise; a non-loopback address
    is refused without --token. Stop it with Ctrl+C or SIGTERM.
    """
    token = token or None
    _check_access(host, token)
    create_app = _load_app()
    service = DashboardService(admin.tiger())
    history = SizeHistory(service.now(), interval=sample_interval)
    sampler = Sampler(history, service.overview, service.now)
    app = create_app(service, history, token=token)
    sampler.start()
    try:
        serve(app, host, port)
    finally:
        sampler.stop()


def _check_access(host: str, token: str | None) -> None:
    """Refuse an open dashboard off the loopback, and short tokens.

    Raises:
        click.ClickException: one line naming the problem.
    """
    if token is None and not is_loopback(host):
        raise click.ClickException(
            f"--host {host} is not the loopback: set --token (or "
            "TIGER_DASHBOARD_TOKEN) so that only people with the token get in"
        )
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise click.ClickException(
            f"the dashboard token must have at least {MIN_TOKEN_LENGTH} characters"
        )


def _load_app() -> Callable[..., Flask]:
    """Import the Flask application factory (Flask is the ``dashboard`` extra).

    Raises:
        click.ClickException: Flask or waitress is not installed.
    """
    try:
        import waitress  # noqa: F401, PLC0415 - optional extra, checked early

        from tiger_cli.dashboard.app import create_app  # noqa: PLC0415
    except ImportError as exc:
        raise click.ClickException(
            f"tiger dashboard needs Flask and waitress ({exc.name} is missing): "
            "pip install 'tiger-queue[dashboard]'"
        ) from exc
    return create_app


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` with waitress on ``host:port`` until SIGINT or SIGTERM.

    Raises:
        click.ClickException: the address cannot be listened on.
    """
    from waitress.server import create_server  # noqa: PLC0415 - optional extra

    try:
        server = create_server(app, host=host, port=port, threads=THREADS)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Tiger dashboard on http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()


def _exit(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    sys.exit(0)
