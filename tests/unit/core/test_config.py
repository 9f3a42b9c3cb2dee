"""Config validation: errors name the key and value; unknown keys get a hint."""

from __future__ import annotations

import pytest

from tiger_core.config import TigerConfig
from tiger_core.errors import ConfigError
from tiger_core.policies.retry import FixedRetry, fixed


def test_defaults_match_tasktiger() -> None:
    """An empty config gives TaskTiger's defaults."""
    config = TigerConfig.from_mapping(None)

    assert ("t", "default", 300, 1) == (
        config.REDIS_PREFIX,
        config.DEFAULT_QUEUE,
        config.DEFAULT_HARD_TIMEOUT,
        config.LOCK_RETRY,
    )
    assert FixedRetry(delay=60, max_retries=3) == config.DEFAULT_RETRY_METHOD


def test_unknown_key_is_rejected_with_a_suggestion() -> None:
    """A misspelt key is refused and the closest real key is suggested."""
    with pytest.raises(ConfigError, match=r"'DEFAULT_QUEUES'.*'DEFAULT_QUEUE'"):
        TigerConfig.from_mapping({"DEFAULT_QUEUES": "x"})


def test_bad_value_names_key_and_value() -> None:
    """An invalid value is reported with its key and value."""
    with pytest.raises(ConfigError, match="DEFAULT_HARD_TIMEOUT=-5"):
        TigerConfig.from_mapping({"DEFAULT_HARD_TIMEOUT": -5})


def test_queue_lists_must_not_be_strings() -> None:
    """ONLY_QUEUES given as a string is an error, not a list of characters."""
    with pytest.raises(ConfigError, match="ONLY_QUEUES"):
        TigerConfig.from_mapping({"ONLY_QUEUES": "emails"})


def test_retry_method_accepts_policy_objects() -> None:
    """DEFAULT_RETRY_METHOD takes a policy value object."""
    config = TigerConfig.from_mapping({"DEFAULT_RETRY_METHOD": fixed(1, 2)})

    assert fixed(1, 2) == config.DEFAULT_RETRY_METHOD
