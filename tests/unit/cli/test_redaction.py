"""Passwords in Redis URLs never reach messages or logs."""

from __future__ import annotations

import pytest

from tiger_cli.container import RedisUnavailableError, redis_client
from tiger_cli.settings import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
        ("rediss://user:s3cret@host:6380/1", "rediss://user:***@host:6380/1"),
        (
            "unix:///tmp/r.sock?password=s3cret&db=2",
            "unix:///tmp/r.sock?password=***&db=2",
        ),
        ("redis://127.0.0.1:1/0", "redis://127.0.0.1:1/0"),
    ],
)
def test_redact_url_hides_the_password_only(url, shown):
    """The password is replaced by ``***``; everything else is kept."""
    assert shown == redact_url(url)


def test_an_unreachable_server_error_does_not_show_the_password():
    """The start-up error names the URL with its password redacted."""
    with pytest.raises(RedisUnavailableError) as caught:
        next(redis_client("redis://:s3cret@127.0.0.1:1/0"))

    assert "s3cret" not in str(caught.value)
    assert "redis://:***@127.0.0.1:1/0" in str(caught.value)
