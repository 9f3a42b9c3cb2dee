"""The Task API and the facade's inspection methods, on every store (a mixin).

Concrete classes provide ``tiger``, ``make_tiger`` and ``clock`` (see options.py).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.compat_cases import tasks
from tests.compat_cases.options import MakeTiger, drain, errored
from tests.unit.compat.support import START, FakeClock
from tiger_adapters.compat import Task, TaskNotFound, TaskTiger
from tiger_adapters.compat.test_helpers import TaskTigerTestMixin


def naive(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).replace(tzinfo=None)


def fail_in(tiger: TaskTiger, queue: str, count: int, clock: FakeClock) -> list[str]:
    """Put ``count`` failing tasks into error in ``queue``, one second apart."""
    ids = []
    for n in range(count):
        ids.append(tiger.delay(tasks.fail, args=[n], queue=queue).id)
        drain(tiger)
        clock.advance(1)
    return ids


class InspectionCases:
    """Task methods and facade inspection, on the store of the concrete class."""

    # -- Task ----------------------------------------------------------------------

    def test_task_properties_follow_tasktiger(self, tiger: TaskTiger) -> None:
        """A new task exposes every property of compat 1.3."""
        task = Task(
            tiger,
            tasks.noop,
            args=[1],
            kwargs={"k": 2},
            queue="q",
            lock_key=["k"],
            unique_key=["k"],
            retry_on=[ValueError],
            max_stored_executions=4,
            hard_timeout=9,
        )

        assert (None, None, None) == (task.state, task.ts, task.time_last_queued)
        assert ("q", [1], {"k": 2}) == (task.queue, task.args, task.kwargs)
        assert (True, ["k"], True, ["k"]) == (
            task.lock,
            task.lock_key,
            task.unique,
            task.unique_key,
        )
        assert ("tasktiger.retry:_fixed", [60, 3]) == task.retry_method
        assert ["builtins:ValueError"] == task.retry_on
        assert (4, 9, None) == (
            task.max_stored_executions,
            task.hard_timeout,
            task.serialized_runner_class,
        )
        assert tasks.noop is task.func
        assert "tests.compat_cases.tasks:noop" == task.serialized_func

    def test_delay_sets_state_and_times(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """``delay(when=)`` stamps the times; ``ts`` is the raw due epoch."""
        task = Task(tiger, tasks.noop)

        task.delay(when=dt.timedelta(seconds=30))

        assert ("scheduled", START + 30) == (task.state, task.ts)
        assert naive(START + 30) == task.scheduled_at
        assert naive(START) == task.time_last_queued

    def test_update_scheduled_time_keeps_the_payload(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """The due time moves and every argument survives exactly (compat 8.6)."""
        args = [[], 12345678901234567, 0.1 + 0.2, "a/b", {"z": [], "a": {}}]
        task = tiger.delay(tasks.noop, args=args, when=dt.timedelta(hours=1))
        before = json.dumps(task.data)

        task.update_scheduled_time(dt.timedelta(seconds=5))

        loaded = Task.from_id(tiger, "default", "scheduled", task.id)
        assert naive(START + 5) == loaded.ts == loaded.scheduled_at
        assert args == loaded.args
        expected = json.loads(before) | {"scheduled_at": START + 5}
        assert json.dumps(expected) == json.dumps(loaded.data)
        clock.advance(5)
        drain(tiger)
        assert 0 == tiger.get_total_queue_size("default")

    def test_update_scheduled_time_of_a_queued_task_raises(
        self, tiger: TaskTiger
    ) -> None:
        """Only scheduled tasks can be rescheduled."""
        task = tiger.delay(tasks.noop)

        with pytest.raises(TaskNotFound, match='in state "scheduled"'):
            task.update_scheduled_time(dt.timedelta(seconds=5))

    def test_cancel_delete_retry_move_between_states(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """cancel: scheduled -> gone; retry: error -> queued; delete: error -> gone."""
        later = tiger.delay(tasks.noop, when=dt.timedelta(hours=1))
        broken, gone = (tiger.delay(tasks.fail, args=[n]) for n in range(2))
        drain(tiger)
        first, second = errored(tiger)

        later.cancel()
        first.retry()
        second.delete()

        assert {"queued": 1, "scheduled": 0, "active": 0} == tiger.get_queue_sizes(
            "default"
        )
        assert {broken.id, gone.id} == {first.id, second.id}
        assert ("queued", None) == (first.state, second.state)
        assert 1 == first.n_executions()
        with pytest.raises(TaskNotFound):
            second.n_executions()
        with pytest.raises(TaskNotFound, match='in state "scheduled"'):
            later.cancel()

    def test_execute_runs_in_process_and_returns_the_result(
        self, tiger: TaskTiger
    ) -> None:
        """``execute`` calls the function now; batch functions get a list."""
        single = Task(tiger, tasks.echo, args=[5])
        batch = Task(tiger, tasks.batch_echo, args=[1], kwargs={"a": 2})

        assert 5 == single.execute()
        assert [{"args": [1], "kwargs": {"a": 2}}] == batch.execute()

    def test_clone_copies_data_and_executions(self, tiger: TaskTiger) -> None:
        """A clone has the same data and its own executions list."""
        task = Task(tiger, tasks.noop, args=[1])

        twin = task.clone()
        twin.executions.append({"x": 1})

        assert (task.id, task.data) == (twin.id, twin.data)
        assert [] == task.executions

    def test_from_id_and_tasks_from_queue_load_executions(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """Loading reads the payload, the state's score and the newest records."""
        ids = fail_in(tiger, "q", 3, clock)

        one = Task.from_id(tiger, "q", "error", ids[0], load_executions=1)
        total, page = Task.tasks_from_queue(
            tiger, "q", "error", skip=1, limit=1, load_executions=1
        )

        assert ("error", [0]) == (one.state, one.args)
        assert "builtins:ValueError" == one.executions[0]["exception_name"]
        assert (3, [ids[1]]) == (total, [t.id for t in page])
        assert naive(START + 1) == page[0].ts

    def test_tasks_from_queue_includes_not_found_on_request(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """An id whose payload vanished is listed only with include_not_found."""
        (task_id,) = fail_in(tiger, "q", 1, clock)
        _drop_payload(tiger, task_id)

        total, without = Task.tasks_from_queue(tiger, "q", "error")
        _, with_missing = Task.tasks_from_queue(
            tiger, "q", "error", include_not_found=True
        )

        assert (1, []) == (total, without)
        assert [task_id] == [t.id for t in with_missing]

    # -- facade --------------------------------------------------------------------

    def test_queue_sizes_and_stats(self, tiger: TaskTiger, clock: FakeClock) -> None:
        """Sizes per state, for pairs, in total, and stats over all four states."""
        fail_in(tiger, "a", 1, clock)
        tiger.delay(tasks.noop, queue="a")
        tiger.delay(tasks.noop, queue="b", when=dt.timedelta(hours=1))

        assert {"queued": 1, "scheduled": 0, "active": 0} == tiger.get_queue_sizes("a")
        assert [1, 1, 0] == tiger.get_sizes_for_queues_and_states(
            [("a", "error"), ("b", "scheduled"), ("b", "queued")]
        )
        assert 1 == tiger.get_total_queue_size("b")
        assert {"a": {"queued": 1, "error": 1}, "b": {"scheduled": 1}} == (
            tiger.get_queue_stats()
        )

    def test_purge_errored_tasks_skips_no_page(
        self, tiger: TaskTiger, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Purging deletes every old task across pages, keeping the newer ones."""
        from tiger_adapters.compat import inspection

        monkeypatch.setattr(inspection, "PURGE_PAGE", 2)
        old = fail_in(tiger, "q", 5, clock)
        cutoff = naive(clock.now() - 0.5)
        new = fail_in(tiger, "q", 3, clock)
        fail_in(tiger, "other", 1, clock)

        deleted = tiger.purge_errored_tasks(queues=["q"], last_execution_before=cutoff)

        assert 5 == deleted == len(old)
        assert new == [t.id for t in errored(tiger, "q")]
        assert 1 == len(errored(tiger, "other"))

    def test_purge_errored_tasks_respects_limit_and_filters(
        self, tiger: TaskTiger, clock: FakeClock
    ) -> None:
        """``limit`` caps deletions; excluded queues (and subqueues) are kept."""
        fail_in(tiger, "q", 3, clock)
        fail_in(tiger, "keep.sub", 1, clock)

        first = tiger.purge_errored_tasks(exclude_queues=["keep"], limit=2)
        rest = tiger.purge_errored_tasks(exclude_queues=["keep"], limit=None)

        assert (2, 1) == (first, rest)
        assert 1 == len(errored(tiger, "keep.sub"))
        with pytest.raises(ValueError, match="limit"):
            tiger.purge_errored_tasks(limit=0)

    def test_would_process_configured_queue(self, make_tiger: MakeTiger) -> None:
        """ONLY_QUEUES and EXCLUDE_QUEUES decide, most specific rule first."""
        tiger = make_tiger(ONLY_QUEUES=["a"], EXCLUDE_QUEUES=["a.b"])

        assert [True, False, True, False] == [
            tiger.would_process_configured_queue(q) for q in ("a", "a.b", "a.c", "x")
        ]

    def test_key_and_config_lookup(self, make_tiger: MakeTiger) -> None:
        """``_key`` joins the prefix and parts; config reads like a dict."""
        tiger = make_tiger(REDIS_PREFIX="p")

        assert "p:task:x:executions" == tiger._key("task", "x", "executions")
        assert "p" == tiger.config["REDIS_PREFIX"]
        with pytest.raises(KeyError):
            tiger.config["NOPE"]

    def test_test_helper_runs_scheduled_work_and_reports_errors(
        self, make_tiger: MakeTiger, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``run_worker`` drains twice; errors raise, also without tracebacks."""
        tiger = make_tiger(STORE_TRACEBACKS=False)
        tiger.delay(tasks.noop)
        helper = TaskTigerTestMixin()
        helper.run_worker(tiger, executor="sync")
        tiger.delay(tasks.fail)

        with pytest.raises(Exception, match=r"One or more tasks have failed\."):
            helper.run_worker(tiger, executor="sync")

        helper.run_worker(tiger, raise_on_errors=False, executor="sync")
        assert "builtins:ValueError" in capsys.readouterr().out


def _drop_payload(tiger: TaskTiger, task_id: str) -> None:
    """Delete a task's payload behind the store's back (a vanished payload)."""
    store = tiger.store
    if hasattr(store, "_payloads"):
        store._payloads.pop(task_id)
    else:
        assert tiger.connection is not None
        tiger.connection.delete(tiger._key("task", task_id))
