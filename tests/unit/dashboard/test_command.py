"""`tiger dashboard`: options and the checks made before anything listens."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tiger_cli.admin.main import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--url", "memory://", "dashboard", *args])
    return result.exit_code, result.output


def test_help_lists_the_options() -> None:
    """--port, --host, --token and --sample-interval are documented."""
    code, output = run("--help")

    assert 0 == code
    for option in ("--port", "--host", "--token", "TIGER_DASHBOARD_TOKEN"):
        assert option in output


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_a_non_loopback_host_needs_a_token(host: str) -> None:
    """Listening beyond the loopback without a token is refused."""
    code, output = run("--host", host)

    assert 1 == code
    assert "set --token" in output


def test_a_short_token_is_refused() -> None:
    """Tokens shorter than 12 characters are refused."""
    code, output = run("--host", "0.0.0.0", "--token", "short")

    assert 1 == code
    assert "at least 12 characters" in output
