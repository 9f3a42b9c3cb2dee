"""Task options through the facade, on every store (a mixin of test cases).

Concrete classes provide the fixtures ``tiger`` (default config), ``make_tiger``
(``make_tiger(**config)``) and ``clock`` (a FakeClock shared by both).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.compat_cases import tasks
from tests.unit.compat.support import FakeClock, decorated
from tiger_adapters.compat import (
    QueueFullException,
    Task,
    TaskTiger,
    Worker,
    exponential,
    fixed,
    linear,
)
from tiger_adapters.compat import retry as compat_retry

MakeTiger = Callable[..., TaskTiger]


def drain(tiger: TaskTiger, executor: str = "sync") -> None:
    """Run a worker until an iteration finds nothing due."""
    Worker(tiger, executor=executor).run(once=True)


def errored(tiger: TaskTiger, queue: str = "default") -> list[Task]:
    """The tasks in the error state of ``queue``, with all their executions."""
    return Task.tasks_from_queue(tiger, queue, "error", load_executions=-1)[1]


def scheduled_in(tiger: TaskTiger, task: Task, clock: FakeClock) -> float:
    """Seconds from now until ``task`` is due in scheduled."""
    loaded = Task.from_id(tiger, task.queue, "scheduled", task.id)
    return loaded.ts.timestamp() - clock.now()  # type: ignore[no-any-return]


class OptionsCases:
    """Every task option, on the store of the concrete class."""

    # -- max_queue_size ------------------------------------------------------------

    def test_max_queue_size_counts_queued_scheduled_and_active(
        self, tiger: TaskTiger
    ) -> None:
        """A full queue refuses the task; errored tasks do not count."""
        tiger.delay(tasks.noop, args=[1])
        tiger.delay(tasks.noop, args=[2], when=_later())
        tiger.delay(tasks.fail)
        drain(tiger)  # fail -> error; noop(1) done
        tiger.delay(tasks.noop, args=[3])

        with pytest.raises(QueueFullException, match="max_queue_size is 2"):
            tiger.delay(tasks.noop, args=[4], max_queue_size=2)

        tiger.delay(tasks.noop, args=[5], max_queue_size=3)
        assert {"queued": 2, "scheduled": 1, "active": 0} == tiger.get_queue_sizes(
            "default"
        )

    def test_max_queue_size_of_the_decorator_is_stored_and_applied(
        self, tiger: TaskTiger
    ) -> None:
        """``@task(max_queue_size=)`` is in the JSON and limits ``func.delay``."""
        with decorated(tiger, tasks.noop, max_queue_size=1) as func:
            first = func.delay(1)
            with pytest.raises(QueueFullException):
                func.delay(2)

        assert 1 == first.data["max_queue_size"]
        assert 1 == tiger.get_total_queue_size("default")

    # -- unique ------------------------------------------------------------------

    def test_unique_copy_queued_while_running_runs_again(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """A unique task re-queued while it runs is deferred and runs afterwards."""
        first = tiger.delay(tasks.noop, args=[1], unique=True)
        worker = Worker(tiger, executor="sync")
        now = clock.now()
        (claimed,) = tiger.store.claim(
            "default", limit=1, now=now, owner="other", busy_retry_at=now + 1
        )
        again = tiger.delay(tasks.noop, args=[1], unique=True)

        worker.run(once=True)

        assert first.id == again.id == claimed.id
        assert {"queued": 0, "scheduled": 1, "active": 1} == tiger.get_queue_sizes(
            "default"
        )

    def test_unique_key_ids_ignore_other_kwargs(self, tiger: TaskTiger) -> None:
        """With ``unique_key`` only the named kwargs form the id."""
        a = tiger.delay(tasks.noop, kwargs={"k": 1, "x": 1}, unique_key=["k"])
        b = tiger.delay(tasks.noop, kwargs={"k": 1, "x": 2}, unique_key=["k"])

        assert a.id == b.id
        assert ["k"] == b.unique_key
        assert 1 == tiger.get_queue_sizes("default")["queued"]

    # -- retries -----------------------------------------------------------------

    @pytest.mark.parametrize(
        ("method", "delays"),
        [
            (fixed(10, 2), [10, 10]),
            (linear(10, 5, 2), [10, 15]),
            (exponential(10, 3, 2), [10, 30]),
            ((compat_retry._fixed, (4, 2)), [4, 4]),
            ((tasks.custom_delay, (7,)), [7, 14]),
        ],
        ids=["fixed", "linear", "exponential", "tasktiger-tuple", "custom"],
    )
    def test_retry_methods_space_attempts_then_error(
        self,
        tiger: TaskTiger,
        clock: FakeClock,
        method: Any,
        delays: list[float],
    ) -> None:
        """Each retry waits the method's delay; after the last one, error."""
        task = tiger.delay(tasks.fail, retry_method=method)
        seen = []
        for _ in delays:
            drain(tiger)
            seen.append(scheduled_in(tiger, task, clock))
            clock.advance(seen[-1])

        drain(tiger)

        assert delays == seen
        (failed,) = errored(tiger)
        assert 3 == len(failed.executions) == failed.n_executions()

    def test_retry_on_retries_only_matching_exceptions(self, tiger: TaskTiger) -> None:
        """``retry_on`` retries a listed class (or subclass) only."""
        match = tiger.delay(tasks.fail, retry_on=[Exception])
        miss = tiger.delay(tasks.fail_key, retry_on=[ValueError])

        drain(tiger)

        assert 1 == tiger.get_queue_sizes("default")["scheduled"]
        assert [miss.id] == [t.id for t in errored(tiger)]
        assert match.should_retry_on(ValueError)
        assert not miss.should_retry_on(KeyError)

    def test_default_retry_method_applies_to_retry_true(
        self, make_tiger: MakeTiger, clock: FakeClock
    ) -> None:
        """``retry=True`` serializes the enqueuer's DEFAULT_RETRY_METHOD."""
        tiger = make_tiger(DEFAULT_RETRY_METHOD=fixed(3, 1))
        task = tiger.delay(tasks.fail, retry=True)

        drain(tiger)

        assert ("tasktiger.retry:_fixed", [3, 1]) == task.retry_method
        assert 3 == scheduled_in(tiger, task, clock)

    def test_default_retry_method_accepts_tasktigers_tuple(
        self, make_tiger: MakeTiger
    ) -> None:
        """A ``(function, args)`` DEFAULT_RETRY_METHOD is accepted and serialized."""
        tiger = make_tiger(DEFAULT_RETRY_METHOD=(tasks.custom_delay, (2,)))

        task = tiger.delay(tasks.fail, retry=True)

        assert ("tests.compat_cases.tasks:custom_delay", [2]) == task.retry_method

    def test_retry_exception_with_a_tuple_method(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """``RetryException(method=(f, args))`` retries with that method."""
        task = tiger.delay(tasks.retry_with_tuple_method)

        drain(tiger)

        assert 7 == scheduled_in(tiger, task, clock)
        loaded = Task.from_id(tiger, "default", "scheduled", task.id, 1)
        assert ["tests.compat_cases.tasks:custom_delay", [7]] == list(
            loaded.executions[0]["retry_method"]
        )

    def test_retry_exception_without_log_error_deletes_at_the_end(
        self, make_tiger: MakeTiger, clock: FakeClock
    ) -> None:
        """``RetryException(log_error=False)`` ends in deletion, not in error."""
        tiger = make_tiger(DEFAULT_RETRY_METHOD=fixed(1, 1))
        tiger.delay(tasks.retry_quietly)
        drain(tiger)
        clock.advance(1)

        drain(tiger)

        assert {} == tiger.get_queue_stats()

    def test_max_stored_executions_keeps_the_newest(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """Only the newest ``max_stored_executions`` records are kept."""
        tiger.delay(tasks.fail, retry_method=fixed(1, 2), max_stored_executions=2)
        for _ in range(3):
            drain(tiger)
            clock.advance(1)

        (failed,) = errored(tiger)

        assert 2 == len(failed.executions)
        assert 3 == failed.n_executions()
        assert 2 == failed.max_stored_executions

    # -- hard timeout ------------------------------------------------------------

    def test_hard_timeout_falls_back_to_the_config_default(
        self, make_tiger: MakeTiger, tmp_path: Path
    ) -> None:
        """Without a task or decorator value, DEFAULT_HARD_TIMEOUT applies."""
        tiger = make_tiger(DEFAULT_HARD_TIMEOUT=42)
        path = str(tmp_path / "out")
        tiger.delay(
            tasks.write_value,
            kwargs={"path": path, "value": 1},
            runner_class=tasks.RecordingRunner,
        )
        tiger.delay(
            tasks.write_value,
            kwargs={"path": path, "value": 2},
            runner_class=tasks.RecordingRunner,
            hard_timeout=5,
        )

        drain(tiger)

        records = tasks.read_records(path)
        timeouts = sorted(r[2] for r in records if isinstance(r, list))
        assert [5.0, 42.0] == timeouts

    # -- runner_class, context managers, eager -----------------------------------

    def test_runner_class_wraps_the_call_and_hears_permanent_errors(
        self, tiger: TaskTiger, tmp_path: Path
    ) -> None:
        """The runner calls the function; on_permanent_error runs after error."""
        path = str(tmp_path / "out")
        ok = tiger.delay(
            tasks.write_value,
            kwargs={"path": path, "value": "v"},
            runner_class=tasks.RecordingRunner,
        )
        tiger.delay(
            tasks.fail, kwargs={"path": path}, runner_class=tasks.RecordingRunner
        )
        tiger.delay(tasks.fail, kwargs={"path": path})  # no runner: no hook

        drain(tiger)

        records = tasks.read_records(path)
        assert ["single", ok.id, 300.0] in records
        assert "v" in records
        assert ["permanent", "error", "builtins:ValueError"] in records
        assert 1 == sum(1 for r in records if r[0] == "permanent")
        assert "tests.compat_cases.tasks:RecordingRunner" == ok.serialized_runner_class

    def test_child_context_managers_surround_each_execution(
        self, make_tiger: MakeTiger, tmp_path: Path
    ) -> None:
        """CHILD_CONTEXT_MANAGERS are entered around every task's execution."""
        path = str(tmp_path / "out")
        tiger = make_tiger(CHILD_CONTEXT_MANAGERS=[tasks.FileContext(path)])
        tiger.delay(tasks.write_value, args=[path, "task"])

        drain(tiger)

        assert ["enter", "task", "exit"] == tasks.read_records(path)

    def test_always_eager_runs_due_tasks_now_and_stores_future_ones(
        self, make_tiger: MakeTiger, tmp_path: Path
    ) -> None:
        """ALWAYS_EAGER runs a due task at once; a future one is still stored."""
        tiger = make_tiger(ALWAYS_EAGER=True)
        path = str(tmp_path / "out")

        task = tiger.delay(tasks.write_value, args=[path, "now"])
        later = tiger.delay(tasks.write_value, args=[path, "later"], when=_later())

        assert ["now"] == tasks.read_records(path)
        assert isinstance(task, Task)
        assert {"queued": 0, "scheduled": 1, "active": 0} == tiger.get_queue_sizes(
            "default"
        )
        assert "scheduled" == later.state

    def test_always_eager_still_serializes_and_checks_the_size(
        self, make_tiger: MakeTiger
    ) -> None:
        """Eager tasks fail on unserializable args and on a full queue."""
        tiger = make_tiger(ALWAYS_EAGER=True)
        tiger.delay(tasks.noop, when=_later())

        with pytest.raises(TypeError, match="not JSON-serializable"):
            tiger.delay(tasks.noop, args=[object()])
        with pytest.raises(QueueFullException):
            tiger.delay(tasks.noop, max_queue_size=1)

    def test_task_delay_returns_the_result_in_eager_mode(
        self, make_tiger: MakeTiger
    ) -> None:
        """``Task.delay`` returns the function's result under ALWAYS_EAGER."""
        tiger = make_tiger(ALWAYS_EAGER=True)

        result = Task(tiger, tasks.echo, args=[{"a": 1}]).delay()

        assert {"a": 1} == result

    # -- the running task --------------------------------------------------------

    @pytest.mark.parametrize("executor", ["sync", "fork"])
    def test_current_task_inside_a_worker(
        self, tiger: TaskTiger, tmp_path: Path, executor: str
    ) -> None:
        """Inside a task, current_task & co describe it (fork child or in-process)."""
        path = str(tmp_path / "out")
        task = tiger.delay(tasks.record_current, args=[path], queue="q")

        drain(tiger, executor)

        assert [
            {
                "id": task.id,
                "state": "active",
                "queue": "q",
                "func": "tests.compat_cases.tasks:record_current",
                "is_batch": False,
                "args": [path],
            }
        ] == tasks.read_records(path)

    def test_current_task_during_execute(
        self, tiger: TaskTiger, tmp_path: Path
    ) -> None:
        """``Task.execute`` sets the running-task context too."""
        path = str(tmp_path / "out")
        task = Task(tiger, tasks.record_current, args=[path])

        task.execute()

        (seen,) = tasks.read_records(path)
        assert (task.id, False) == (seen["id"], seen["is_batch"])

    def test_current_tasks_of_an_eager_batch_function(
        self, tiger: TaskTiger, tmp_path: Path
    ) -> None:
        """A batch function sees its tasks as ``current_tasks``."""
        path = str(tmp_path / "out")
        task = Task(tiger, tasks.record_current_batch, kwargs={"path": path})

        task.execute()

        assert [[task.id]] == tasks.read_records(path)

    def test_running_task_api_outside_a_task_raises(self, tiger: TaskTiger) -> None:
        """Outside a task the properties raise RuntimeError; the instance is None."""
        with pytest.raises(RuntimeError, match="within a task"):
            _ = tiger.current_task
        with pytest.raises(RuntimeError):
            _ = tiger.current_task_is_batch

        assert TaskTiger.current_instance is None


def _later() -> dt.timedelta:
    return dt.timedelta(hours=1)
