"""Queue names Tiger creates: ASCII words separated by single dots."""

from __future__ import annotations

import pytest

from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.errors import ConfigError
from tiger_core.model.queue_name import validate_queue_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.enqueue import enqueue_task
from tiger_core.services.options import TaskOptions

VALID = ["default", "q", "email.high", "a-b_c.D9", "x" * 200, "1.2.3"]
INVALID = [
    "", "x" * 201, "a:active", "{x}", "*", "?", "[a]", "..", "a..b", ".a", "a.",
    "a\n", "\n", "a b", "naïve", "队列", "a/b", "a*b",
]  # fmt: skip


@pytest.mark.parametrize("name", VALID)
def test_valid_names_are_accepted(name):
    """Letters, digits, '_' and '-' in dot-separated parts are queue names."""
    assert name == validate_queue_name(name)


@pytest.mark.parametrize("name", INVALID)
def test_invalid_names_raise_a_value_error_stating_the_rule(name):
    """Every refused name gets a ValueError that lists the allowed characters."""
    with pytest.raises(ValueError, match="ASCII letters, digits, '_' and '-'"):
        validate_queue_name(name)


def test_bytes_are_not_a_queue_name():
    """A bytes value is refused as not a string."""
    with pytest.raises(ValueError, match="not a string"):
        validate_queue_name(b"q")


def test_enqueue_refuses_an_invalid_queue_and_writes_nothing():
    """enqueue_task validates the queue before the store is touched."""
    store = MemoryTaskStore()
    task = TaskData(id="t1", func="tests.sample_tasks:add")

    with pytest.raises(ValueError, match="invalid queue name 'a:active'"):
        enqueue_task(store, task, queue="a:active", when=None, now=1.0)

    assert set() == store.queue_names(TaskState.QUEUED)


def test_task_options_and_worker_filters_are_validated():
    """The queue option and the config's queue lists refuse invalid names."""
    with pytest.raises(ValueError, match="invalid queue name"):
        TaskOptions(queue="*")
    with pytest.raises(ConfigError, match="ONLY_QUEUES"):
        TigerConfig.from_mapping({"ONLY_QUEUES": ["a:b"]})
    with pytest.raises(ConfigError, match="DEFAULT_QUEUE"):
        TigerConfig.from_mapping({"DEFAULT_QUEUE": "x y"})
