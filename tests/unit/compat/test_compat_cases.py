"""The facade's option and inspection cases on the in-memory store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.compat_cases.inspection import InspectionCases
from tests.compat_cases.options import OptionsCases
from tests.unit.compat.support import FakeClock
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryTaskStore


class TestCompatOnMemory(OptionsCases, InspectionCases):
    """Every option and API of compat 1-4, on MemoryTaskStore."""

    @pytest.fixture
    def make_tiger(self, clock: FakeClock) -> Callable[..., TaskTiger]:
        def make(**config: Any) -> TaskTiger:
            return TaskTiger(config=config, store=MemoryTaskStore(), clock=clock)

        return make

    @pytest.fixture
    def tiger(self, make_tiger: Callable[..., TaskTiger]) -> TaskTiger:
        return make_tiger()


def test_lazy_init_defers_until_init() -> None:
    """With lazy_init, tasks can be decorated first; init runs once only."""
    tiger = TaskTiger(lazy_init=True)

    @tiger.task(queue="q")
    def func() -> None: ...

    tiger.init(store=MemoryTaskStore(), config={"DEFAULT_QUEUE": "d"})

    assert "q" == func._task_queue  # type: ignore[attr-defined]
    assert "d" == tiger.config.DEFAULT_QUEUE
    with pytest.raises(RuntimeError, match="already initialized"):
        tiger.init(store=MemoryTaskStore())
    with pytest.raises(ValueError, match="lazy_init"):
        TaskTiger(config={}, lazy_init=True)


def test_compat_submodules_offer_tasktigers_names() -> None:
    """Each TaskTiger module a user imports has a compat twin with its names."""
    import importlib

    expected = {
        "exceptions": {"RetryException", "StopRetry", "TaskNotFound"},
        "retry": {"fixed", "linear", "exponential", "_fixed"},
        "schedule": {"periodic", "cron_expr"},
        "runner": {"BaseRunner", "DefaultRunner"},
        "executor": {"ForkExecutor", "SyncExecutor"},
        "logging": {"tasktiger_processor"},
        "test_helpers": {"TaskTigerTestMixin"},
    }

    missing = {
        name: names - set(dir(importlib.import_module(f"tiger_adapters.compat.{name}")))
        for name, names in expected.items()
    }

    assert {name: set() for name in expected} == missing


def test_both_retry_forms_give_the_same_wire_method() -> None:
    """TaskTiger's ``(f, args)`` and Tiger's policy serialize alike."""
    from tiger_adapters.compat import fixed
    from tiger_adapters.compat import retry as compat_retry

    tiger = TaskTiger(store=MemoryTaskStore())

    with_policy = tiger.delay(func_for_retry, retry_method=fixed(5, 2))
    with_tuple = tiger.delay(func_for_retry, retry_method=(compat_retry._fixed, (5, 2)))

    assert with_policy.retry_method == with_tuple.retry_method


def func_for_retry() -> None:
    """A task function for the retry-form test."""
