"""The ``tiger`` admin command as a subprocess against a real Redis server."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import sample_tasks
from tests.integration.test_worker_e2e import REPO, child_env, wait_for, worker
from tiger_adapters.compat import TaskTiger
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState

TRACEBACK = "Traceback (most recent call last):\nValueError: boom\n"

_DECORATED = """
from tiger_adapters.compat import TaskTiger

tiger = TaskTiger(lazy_init=True)


@tiger.task(queue="mail", retry=True, unique=True)
def send(to):
    return to
"""


def tiger(url: str, *args: str, stdin: str = "", cwd: Path = REPO) -> Any:
    """Run ``python -m tiger_cli.admin --url url args`` and return the result."""
    return subprocess.run(
        [sys.executable, "-m", "tiger_cli.admin", "--url", url, *args],
        cwd=cwd,
        env=child_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def tiger_json(url: str, *args: str) -> Any:
    """Run a subcommand with ``--json`` and return the parsed output."""
    done = tiger(url, *args, "--json")
    assert 0 == done.returncode, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def facade(redis_client: redis.Redis) -> TaskTiger:
    """A TaskTiger on the test server, to arrange tasks."""
    return TaskTiger(connection=redis_client)


def errored(facade: TaskTiger, queue: str, *values: str) -> list[str]:
    """Put one failed task per value in the error state of ``queue``."""
    ids = [
        facade.delay(sample_tasks.fail, args=[value], queue=queue).id
        for value in values
    ]
    now = facade.clock.now()
    facade.store.claim(queue, limit=len(ids), now=now, owner="w", busy_retry_at=now)
    record = ExecutionRecord(
        time_started=now,
        exception_name="builtins:ValueError",
        time_failed=now,
        traceback=TRACEBACK,
        host="testhost",
    )
    for task_id in ids:
        facade.store.fail(
            queue,
            task_id,
            record=record,
            owner="w",
            to_state=TaskState.ERROR,
            score=now,
            keep_executions=None,
        )
    return ids


def assert_one_line_error(done: Any, text: str) -> None:
    """A non-zero exit, nothing on stdout and one line on stderr containing text."""
    assert (done.returncode != 0, "", 1) == (
        True,
        done.stdout,
        len(done.stderr.strip().splitlines()),
    ), done.stderr
    assert text in done.stderr
    assert "Traceback" not in done.stderr


def test_queues_lists_every_queue_with_its_counts(
    redis_url: str, facade: TaskTiger
) -> None:
    """Queues and subqueues appear with queued, scheduled and error counts."""
    facade.delay(sample_tasks.add, args=[1, 2], queue="a")
    facade.delay(
        sample_tasks.add, args=[1, 2], queue="a.sub", when=dt.timedelta(seconds=60)
    )
    errored(facade, "b", "x")

    rows = tiger_json(redis_url, "queues")
    table = tiger(redis_url, "queues")

    assert [
        {"queue": "a", "queued": 1, "active": 0, "scheduled": 0, "error": 0},
        {"queue": "a.sub", "queued": 0, "active": 0, "scheduled": 1, "error": 0},
        {"queue": "b", "queued": 0, "active": 0, "scheduled": 0, "error": 1},
    ] == [{k: v for k, v in row.items() if k != "paused_until"} for row in rows]
    assert "QUEUE" in table.stdout.splitlines()[0]
    assert 4 == len(table.stdout.splitlines())


def test_tasks_lists_newest_first_with_paging(
    redis_url: str, facade: TaskTiger
) -> None:
    """Tasks come newest first; --skip and --limit page through them."""
    ids = [facade.delay(sample_tasks.add, args=[n, n], queue="q").id for n in range(3)]

    listed = tiger_json(
        redis_url, "tasks", "q", "queued", "--skip", "1", "--limit", "1"
    )
    table = tiger(redis_url, "tasks", "q", "queued")

    assert (3, [ids[1]], [[1, 1]]) == (
        listed["total"],
        [task["id"] for task in listed["tasks"]],
        [task["args"] for task in listed["tasks"]],
    )
    assert listed["tasks"][0]["time_last_queued"].endswith("Z")
    assert [ids[2], ids[1], ids[0]] == [
        line.split()[0] for line in table.stdout.splitlines()[1:4]
    ]


def test_show_prints_the_task_and_its_tracebacks(
    redis_url: str, facade: TaskTiger
) -> None:
    """Show finds the task's queue and state itself and prints its executions."""
    (task_id,) = errored(facade, "q", "boom")

    detail = tiger_json(redis_url, "show", task_id)
    text = tiger(redis_url, "show", task_id, "--queue", "q").stdout

    assert ("q", "error", 1, "tests.sample_tasks:fail") == (
        detail["queue"],
        detail["state"],
        detail["executions_count"],
        detail["data"]["func"],
    )
    assert TRACEBACK == detail["executions"][0]["traceback"]
    assert "ValueError: boom" in text
    assert "builtins:ValueError" in text


def test_show_of_an_ambiguous_task_names_its_places(
    redis_url: str, facade: TaskTiger
) -> None:
    """A unique task both queued and in error is ambiguous without --state."""
    first = facade.delay(sample_tasks.add, args=[1, 1], queue="q", unique=True)
    errored_unique(facade, first.id)
    facade.delay(sample_tasks.add, args=[1, 1], queue="q", unique=True)

    ambiguous = tiger(redis_url, "show", first.id)
    narrowed = tiger(redis_url, "show", first.id, "--state", "error")

    assert_one_line_error(ambiguous, "ambiguous")
    assert 0 == narrowed.returncode


def errored_unique(facade: TaskTiger, task_id: str) -> None:
    """Move the queued task ``task_id`` of queue q to error."""
    now = facade.clock.now()
    facade.store.claim("q", limit=1, now=now, owner="w", busy_retry_at=now)
    facade.store.fail(
        "q",
        task_id,
        record=ExecutionRecord(exception_name="builtins:ValueError", time_failed=now),
        owner="w",
        to_state=TaskState.ERROR,
        score=now,
        keep_executions=None,
    )


def test_retry_and_delete_one_task(redis_url: str, facade: TaskTiger) -> None:
    """Retry moves an error task to queued; delete removes another."""
    retried, deleted = errored(facade, "q", "a", "b")

    retry = tiger_json(redis_url, "retry", retried)
    delete = tiger(redis_url, "delete", deleted, "--queue", "q")

    assert {"action": "retry", "queue": "q", "id": retried} == retry
    assert 0 == delete.returncode, delete.stderr
    assert (1, 0) == (
        facade.store.count("q", TaskState.QUEUED),
        facade.store.count("q", TaskState.ERROR),
    )


def test_retry_all_asks_and_a_refusal_changes_nothing(
    redis_url: str, facade: TaskTiger
) -> None:
    """--all prints the count and asks; 'n' aborts, 'y' retries every error task."""
    errored(facade, "q", "a", "b", "c")

    refused = tiger(redis_url, "retry", "--all", "--queue", "q", stdin="n\n")
    accepted = tiger(redis_url, "retry", "--all", "--queue", "q", stdin="y\n")

    assert (1, "Retry 3 error task(s) of queue 'q'?") == (
        refused.returncode,
        refused.stderr.split(" [y/N]")[0],
    )
    assert "retried 3 error task(s)" in accepted.stdout
    assert (3, 0) == (
        facade.store.count("q", TaskState.QUEUED),
        facade.store.count("q", TaskState.ERROR),
    )


def test_delete_all_with_yes(redis_url: str, facade: TaskTiger) -> None:
    """--yes deletes every error task of the queue without asking."""
    errored(facade, "q", "a", "b")

    result = tiger_json(redis_url, "delete", "--all", "--queue", "q", "--yes")

    assert {"action": "delete", "queue": "q", "count": 2} == result
    assert 0 == facade.store.count("q", TaskState.ERROR)


def test_purge_errors_before_a_date_and_by_queue(
    redis_url: str, facade: TaskTiger
) -> None:
    """Tasks that failed after --before stay; --queue limits the purge."""
    errored(facade, "q", "a")
    errored(facade, "r", "b")

    old_only = tiger_json(redis_url, "purge-errors", "--before", "2000-01-01")
    one_queue = tiger_json(redis_url, "purge-errors", "--queue", "q")

    assert ({"purged": 0}, {"purged": 1}) == (old_only, one_queue)
    assert (0, 1) == (
        facade.store.count("q", TaskState.ERROR),
        facade.store.count("r", TaskState.ERROR),
    )


def test_pause_and_resume_set_and_clear_the_system_lock(
    redis_url: str, facade: TaskTiger
) -> None:
    """Pause sets the queue's system lock; resume removes it."""
    facade.delay(sample_tasks.add, args=[1, 2], queue="q")

    paused = tiger_json(redis_url, "pause", "q", "--for", "60")
    lock_while_paused = facade.get_queue_system_lock("q")
    resumed = tiger(redis_url, "resume", "q")

    assert lock_while_paused is not None
    assert paused["paused_until"].endswith("Z")
    assert "resumed queue 'q'" in resumed.stdout
    assert facade.get_queue_system_lock("q") is None


@pytest.mark.timeout(40)
def test_enqueued_task_runs_on_a_worker(
    redis_url: str, facade: TaskTiger, tmp_path: Path
) -> None:
    """A task queued by name with JSON args is run by tiger-worker."""
    path = str(tmp_path / "out")
    args = json.dumps([path, {"n": 1}])

    queued = tiger_json(
        redis_url,
        "enqueue",
        "tests.sample_tasks:record",
        "--args",
        args,
        "--queue",
        "w",
    )
    with worker(redis_url, tmp_path / "worker.log", "-q", "w"):
        wait_for(
            lambda: sample_tasks.read_records(path) == [{"n": 1}],
            "the enqueued task",
            tmp_path / "worker.log",
        )

    assert ("w", "queued") == (queued["queue"], queued["state"])


def test_enqueue_reads_decorator_options_when_importable(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """An importable function's @task options apply; --no-import queues by name."""
    (tmp_path / "mailtasks.py").write_text(_DECORATED)

    decorated = tiger(
        redis_url, "enqueue", "mailtasks:send", "--args", '["a@b.c"]', cwd=tmp_path
    )
    by_name = tiger(
        redis_url,
        "enqueue",
        "mailtasks:send",
        "--no-import",
        "--when",
        "60",
        cwd=tmp_path,
    )

    assert 0 == decorated.returncode, decorated.stderr
    task = json.loads(str(redis_client.get(f"t:task:{decorated.stdout.split()[2]}")))
    assert (True, "tasktiger.retry:_fixed") == (task["unique"], task["retry_method"][0])
    assert "in queue 'mail'" in decorated.stdout
    assert "scheduled task" in by_name.stdout
    assert "in queue 'default'" in by_name.stdout


def test_enqueue_of_an_unimportable_module_notes_it(redis_url: str) -> None:
    """A module that cannot be imported is queued by name, with a note on stderr."""
    done = tiger(redis_url, "enqueue", "nowhere.tasks:job", "--kwargs", '{"a": 1}')

    assert 0 == done.returncode
    assert "note: cannot import 'nowhere.tasks'" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tasks", "nope", "queued"], "queue 'nope' has no tasks"),
        (["tasks", "q", "sleeping"], "'sleeping' is not one of"),
        (["pause", "nope", "--for", "5"], "queue 'nope' has no tasks"),
        (["resume", "nope"], "queue 'nope' has no tasks"),
        (["show", "0" * 64], "not found"),
        (["retry", "0" * 64], "not found"),
        (["delete", "0" * 64, "--queue", "q"], "not found in queue 'q'"),
        (["retry", "--all"], "--all --queue Q"),
        (["delete", "--all", "--queue", "nope", "--yes"], "queue 'nope' has no tasks"),
        (["purge-errors", "--before", "last week"], "not an ISO date"),
        (["enqueue", "tests.sample_tasks:add", "--args", "[1,"], "not valid JSON"),
        (["enqueue", "tests.sample_tasks:add", "--kwargs", "[1]"], "a JSON object"),
        (["enqueue", "tests.sample_tasks:nope"], "has no function 'nope'"),
        (["enqueue", "add"], "expected module:function"),
        (["enqueue", "tests.sample_tasks:add", "--when", "soon"], "--when"),
        (["--config", "NOPE=1", "queues"], "unknown config key 'NOPE'"),
    ],
)
def test_bad_input_is_a_one_line_error(
    redis_url: str, facade: TaskTiger, args: list[str], message: str
) -> None:
    """Unknown queues and tasks, bad states, dates and JSON: one line, non-zero."""
    facade.delay(sample_tasks.add, args=[1, 2], queue="q")

    done = tiger(redis_url, *args)

    assert_one_line_error(done, message)


def test_a_queued_task_is_not_retried(redis_url: str, facade: TaskTiger) -> None:
    """Retrying a task that is not in error says where it is."""
    task = facade.delay(sample_tasks.add, args=[1, 2], queue="q")

    done = tiger(redis_url, "retry", task.id)

    assert_one_line_error(done, "is queued in 'q', not error")


def test_redis_down_is_a_one_line_error() -> None:
    """An unreachable server ends every subcommand with one line and exit 1."""
    done = tiger("redis://127.0.0.1:1/0", "queues")

    assert_one_line_error(done, "cannot reach Redis at redis://127.0.0.1:1/0")
