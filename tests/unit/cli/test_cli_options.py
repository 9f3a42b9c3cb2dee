"""tiger-worker's options: help with defaults, URL building, config sources."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tiger_cli.main import cli
from tiger_cli.settings import config_from, redis_url

#: Every option of TaskTiger's command plus Tiger's own.
OPTIONS = [
    "--url",
    "-q, --queues",
    "-e, --exclude-queues",
    "-m, --module",
    "-M, --max-workers-per-queue",
    "--store-tracebacks / --no-store-tracebacks",
    "-h, --host",
    "-p, --port",
    "-a, --password",
    "-n, --db",
    "--executor",
    "--exit-after",
    "--prefix",
    "--config",
    "--sentry-dsn",
    "--version",
]


def help_text() -> str:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert 0 == result.exit_code, result.output
    return result.output


def test_help_lists_every_option_with_its_default() -> None:
    """Each option is listed once, and each (but --help/--version) shows a default."""
    text = help_text()
    options = text.split("Options:", 1)[1]
    entries = [e for e in re.split(r"\n  (?=-)", options) if e.strip()]

    listed = {entry.split("  ")[0].split(" TEXT")[0].strip() for entry in entries}
    for option in OPTIONS:
        assert any(line.startswith(option) for line in listed), option
    for entry in entries:
        if not entry.lstrip().startswith(("--help", "--version")):
            assert "[default: " in entry, entry


def test_h_is_the_host_and_help_is_long_only() -> None:
    """-h takes a value (TaskTiger's host option); only --help prints help."""
    result = CliRunner().invoke(cli, ["-h"])

    assert 0 != result.exit_code
    assert "requires an argument" in result.output


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((None, None, None, None), "redis://localhost:6379/0"),
        (("h1", 7000, None, 3), "redis://h1:7000/3"),
        ((None, None, "p@ss:w/rd", None), "redis://:p%40ss%3Aw%2Frd@localhost:6379/0"),
    ],
)
def test_connection_options_build_a_url(
    parts: tuple[str | None, int | None, str | None, int | None], expected: str
) -> None:
    """-h/-p/-a/-n become a redis:// URL with TaskTiger's defaults, password escaped."""
    assert expected == redis_url(*parts)


def test_config_sources_in_order_of_precedence() -> None:
    """TIGER_<KEY> variables, then --config items, then --prefix; values are JSON."""
    environ = {
        "TIGER_STATS_INTERVAL": "5",
        "TIGER_LOGGER_NAME": "from-env",
        "TIGER_NOT_A_KEY": "ignored",
        "STATS_INTERVAL": "ignored",
    }
    items = ["LOGGER_NAME=cli", 'ONLY_QUEUES=["a", "b"]', "REDIS_PREFIX=123"]

    config = config_from(environ, items, prefix=None)
    prefixed = config_from({}, ["REDIS_PREFIX=x"], prefix="p")

    assert {
        "STATS_INTERVAL": 5,
        "LOGGER_NAME": "cli",
        "ONLY_QUEUES": ["a", "b"],
        "REDIS_PREFIX": "123",
    } == config
    assert {"REDIS_PREFIX": "p"} == prefixed


def test_config_item_without_equals_is_an_error() -> None:
    """A --config item that is not KEY=VALUE is named in the error."""
    with pytest.raises(ValueError, match="KEY=VALUE, got 'STATS_INTERVAL'"):
        config_from({}, ["STATS_INTERVAL"], prefix=None)


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--config", "STATS_INTERVL=5"], "unknown config key 'STATS_INTERVL'", 2),
        (["--config", "STATS_INTERVAL=-1"], "STATS_INTERVAL=-1", 2),
        (["--url", "http://x"], "unsupported URL 'http://x'", 2),
        (["--url", "redis://x:port/0"], "invalid URL 'redis://x:port/0'", 2),
        (["--url", "redis://:pw@x/0?bogus=1"], "invalid URL 'redis://:***@x/0", 2),
        (["--url", "redis://x", "-p", "7000"], "either --url or -h/-p/-a/-n", 2),
        (["-m", "no_such_module_xyz"], "cannot import module 'no_such_module_xyz'", 1),
    ],
)
def test_bad_input_is_a_one_line_error(
    args: list[str], message: str, code: int
) -> None:
    """Bad config or URL: exit code 2; a module that fails to import: 1."""
    result = CliRunner().invoke(cli, args)

    (line,) = [line for line in result.output.splitlines() if line]
    assert code == result.exit_code
    assert line.startswith("Error: ")
    assert message in line
