"""TaskTiger's README examples run on Tiger with only their imports changed (part 1).

Quick start, Configuration, Task decorator, Task options and the Workers launch
script. The examples are the files of ``tests.readme_examples``; how they get the
context they lack (the test Redis server for ``redis.Redis()``, names a fragment
uses) is explained in ``tests/readme_examples/harness.py``. Each test checks what
the README says the example does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import structlog

from tests.integration.test_worker_e2e import REPO, child_env, wait_for
from tests.readme_examples import context
from tests.readme_examples.harness import Examples
from tiger_adapters.compat import TaskTiger, Worker

EXAMPLES = "tests.readme_examples"


@pytest.fixture
def examples(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_client: redis.Redis
) -> Examples:
    del redis_client  # requested for its FLUSHALL: every test starts empty
    return Examples(monkeypatch, redis_url)


def queued_ids(client: redis.Redis, queue: str) -> list[str]:
    """Ids of the tasks queued in ``queue``, oldest first."""
    return [str(task_id) for task_id in client.zrange(f"t:queued:{queue}", 0, -1)]


def queued_calls(client: redis.Redis, queue: str) -> list[tuple[Any, ...]]:
    """(func, args, kwargs) of each task queued in ``queue``."""
    ids = queued_ids(client, queue)
    payloads = [json.loads(str(client.get(f"t:task:{task_id}"))) for task_id in ids]
    # TaskTiger leaves empty args and kwargs out of the payload.
    return [(p["func"], p.get("args", []), p.get("kwargs", {})) for p in payloads]


def drain(tiger: TaskTiger, queues: list[str] | None = None) -> None:
    """Run a forking worker until it finds no work (its log lines captured)."""
    with structlog.testing.capture_logs():
        Worker(tiger, queues=queues).run(once=True)


def printed_lines(capfd: pytest.CaptureFixture[str]) -> list[str]:
    """Lines printed so far, by this process or forked worker children."""
    return capfd.readouterr().out.splitlines()


@pytest.mark.timeout(40)
def test_quick_start_task_is_run_by_the_worker_command(
    examples: Examples, redis_client: redis.Redis, redis_url: str, tmp_path: Path
) -> None:
    """The quick start queues my_task in default; tiger-worker runs it: Hello."""
    examples.run("quick_start_session")
    [task_id] = queued_ids(redis_client, "default")
    expected_calls: list[tuple[Any, ...]] = [
        (f"{EXAMPLES}.quick_start_tasks:my_task", [], {})
    ]
    assert expected_calls == queued_calls(redis_client, "default")
    where = urlsplit(redis_url)
    command = [str(Path(sys.executable).with_name("tiger-worker"))]
    command += ["-h", str(where.hostname), "-p", str(where.port)]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:  # README: `PYTHONPATH=. tasktiger`
        worker = subprocess.Popen(
            command, cwd=REPO, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: not redis_client.exists(f"t:task:{task_id}"), "done", log)
    finally:
        worker.terminate()
        worker.wait(timeout=10)

    assert "Hello" in log.read_text().splitlines()
    assert 0 == redis_client.zcard("t:queued:default")


def test_configuration_example_sets_batch_queues_on_its_connection(
    examples: Examples, redis_url: str
) -> None:
    """The Configuration example's TaskTiger has its BATCH_QUEUES and uses db 1."""
    module = examples.run("configuration")
    module.tiger.delay(context.send_mail, args=["a"], queue="my_batch_queue")
    where = urlsplit(redis_url)
    db1 = redis.Redis(
        host=str(where.hostname), port=int(str(where.port)), db=1, protocol=2
    )

    expected = {"my_batch_queue": 50, "my_batch_queue.send_email": 10}
    assert expected == module.tiger.config.BATCH_QUEUES
    assert 1 == db1.zcard("t:queued:my_batch_queue")
    db1.close()


def test_task_decorator_both_syntaxes_queue_the_same_call(
    examples: Examples, redis_client: redis.Redis, capfd: pytest.CaptureFixture[str]
) -> None:
    """tiger.delay(my_task, ...) and my_task.delay(...) queue equal calls; both run."""
    tasks = examples.import_fresh("decorator_tasks")
    # The README's session uses `my_task` without importing it: provide it.
    examples.run("decorator_session", my_task=tasks.my_task)
    expected_calls = [(f"{EXAMPLES}.decorator_tasks:my_task", ["John"], {"n": 1})] * 2
    assert expected_calls == queued_calls(redis_client, "default")

    drain(tasks.tiger)

    assert ["Hello John", "Hello John"] == printed_lines(capfd)
    assert 0 == redis_client.zcard("t:queued:default")


def test_task_options_delay_overrides_the_decorator_queue(
    examples: Examples, redis_client: redis.Redis, capfd: pytest.CaptureFixture[str]
) -> None:
    """delay(queue='otherqueue') beats the decorator's myqueue; unique: one copy."""
    tiger = TaskTiger(connection=redis_client)
    module = examples.run("task_options_decorator", tiger=tiger)
    examples.run("task_options_delay", into=module)
    examples.run("task_options_delay", into=module)  # unique=True: still one task
    module.my_task.delay()  # the decorator's own queue
    expected_call: list[tuple[Any, ...]] = [
        (f"{EXAMPLES}.task_options_decorator:my_task", [], {})
    ]
    assert expected_call == queued_calls(redis_client, "otherqueue")
    assert expected_call == queued_calls(redis_client, "myqueue")

    drain(tiger, queues=["otherqueue"])

    assert ["Hello"] == printed_lines(capfd)
    assert 0 == redis_client.zcard("t:queued:otherqueue")
    assert 1 == redis_client.zcard("t:queued:myqueue")


def test_worker_launch_script_hands_its_arguments_to_the_worker(
    examples: Examples,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`manage.py tasktiger --help` reaches the worker's options; no command: no-op."""
    monkeypatch.setattr(sys, "argv", ["manage.py"])
    idle = examples.run("worker_launch_script")
    monkeypatch.setattr(sys, "argv", ["manage.py", "tasktiger", "--help"])
    saved_logging = structlog.get_config()  # setup_structlog=True configures it
    try:
        with pytest.raises(SystemExit) as exited:
            examples.run("worker_launch_script")
    finally:
        structlog.configure(**saved_logging)

    assert idle.command is None
    assert 0 == exited.value.code
    assert "--queues" in capsys.readouterr().out


@pytest.mark.timeout(30)
def test_worker_launch_script_runs_a_worker_on_its_tiger(
    examples: Examples,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """`manage.py tasktiger --exit-after 0.005` processes the queued task and exits."""
    tasks = examples.import_fresh("quick_start_tasks")
    TaskTiger(connection=redis_client).delay(tasks.my_task)
    monkeypatch.setattr(
        sys, "argv", ["manage.py", "tasktiger", "--exit-after", "0.005"]
    )
    saved_logging = structlog.get_config()  # setup_structlog=True configures it
    try:
        with pytest.raises(SystemExit) as exited:
            examples.run("worker_launch_script")
    finally:
        structlog.configure(**saved_logging)

    assert 0 == exited.value.code
    assert "Hello" in printed_lines(capfd)
    assert 0 == redis_client.zcard("t:queued:default")
