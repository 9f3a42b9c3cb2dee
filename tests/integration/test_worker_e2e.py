"""tiger-worker end to end: a real CLI process and a separate producer on real Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import sample_tasks

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_NAME = "tasktiger.exceptions:JobTimeoutException"
#: How long any wait for the worker may take before the test fails.
DEADLINE_S = 15.0

_PRODUCER = """
import json, sys
import redis
from tests import sample_tasks
from tiger_adapters.compat import TaskTiger

tiger = TaskTiger(connection=redis.Redis.from_url(sys.argv[1], decode_responses=True))
ids = []
for call in json.loads(sys.argv[2]):
    func = getattr(sample_tasks, call.pop("func"))
    ids.append(tiger.delay(func, **call).id)
print(json.dumps(ids))
"""


def data_keys(client: redis.Redis) -> list[str]:
    """Every key but the rate-limit locks of workers (``P:lockv2:queue_*``)."""
    keys = [str(key) for key in client.keys("*")]
    return sorted(k for k in keys if not k.startswith("t:lockv2:queue_"))


def child_env() -> dict[str, str]:
    """The environment of a child process, with the repository importable."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def enqueue(url: str, *calls: dict[str, Any]) -> list[str]:
    """Queue ``calls`` (``func`` plus delay arguments) from a separate process."""
    done = subprocess.run(
        [sys.executable, "-c", _PRODUCER, url, json.dumps(list(calls))],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ids: list[str] = json.loads(done.stdout)
    return ids


@contextmanager
def worker(url: str, log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``tiger-worker`` as a subprocess; it is always killed afterwards."""
    command = [sys.executable, "-m", "tiger_cli", "--url", url]
    command += ["-m", "tests.sample_tasks", *args]
    with logged_process(command, log) as process:
        yield process


@contextmanager
def logged_process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in the repository, output to ``log``; kill it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


#: Both ways of forking a task's child: from the worker, from the fork server.
FORK_MODES = pytest.mark.parametrize(
    "fork_server", [False, True], ids=["worker-fork", "fork-server"]
)


def server_option(fork_server: bool) -> list[str]:
    """The CLI option that opts in to the fork server, if asked."""
    return ["--config", "FORK_SERVER=true"] if fork_server else []


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    """Poll ``condition`` until it holds; fail after DEADLINE_S showing the log."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"timed out waiting for {what}; worker log:\n{tail}")
        time.sleep(0.05)


def records_of(client: redis.Redis, task_id: str) -> list[dict[str, Any]]:
    raw = client.lrange(f"t:task:{task_id}:executions", 0, -1)
    return [json.loads(r) for r in raw]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiger_cli", *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.timeout(40)
@FORK_MODES
def test_worker_runs_tasks_queued_by_another_process(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path, fork_server: bool
) -> None:
    """Tasks queued elsewhere run; successes leave no keys, a failure waits in error."""
    path = str(tmp_path / "out")
    _, failed_id, _ = enqueue(
        redis_url,
        {"func": "record", "args": [path, "x"], "queue": "q"},
        {"func": "fail", "args": ["boom"], "queue": "q"},
        {"func": "add", "args": [1, 2], "queue": "q"},
    )
    log = tmp_path / "worker.log"

    with worker(redis_url, log, *server_option(fork_server)):
        wait_for(
            lambda: (
                redis_client.zscore("t:error:q", failed_id) is not None
                and redis_client.exists("t:queued:q", "t:active:q") == 0
            ),
            "the queue to drain",
            log,
        )

    assert sample_tasks.read_records(path) == ["x"]
    assert data_keys(redis_client) == [
        "t:error",
        "t:error:q",
        f"t:task:{failed_id}",
        f"t:task:{failed_id}:executions",
        f"t:task:{failed_id}:executions_count",
    ]
    (record,) = records_of(redis_client, failed_id)
    assert record["exception_name"] == "builtins:ValueError"
    assert "ValueError: boom" in record["traceback"]


@pytest.mark.timeout(40)
@FORK_MODES
def test_hard_timeouts_end_in_error_and_the_worker_goes_on(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path, fork_server: bool
) -> None:
    """Tasks past their hard timeout (one blocking SIGALRM) error; the next one runs."""
    path = str(tmp_path / "out")
    slow_id, stubborn_id, _ = enqueue(
        redis_url,
        {"func": "sleep", "args": [30], "queue": "q", "hard_timeout": 1},
        {"func": "sleep_ignoring_alarm", "args": [30], "queue": "q", "hard_timeout": 1},
        {"func": "record", "args": [path, "after"], "queue": "q"},
    )
    log = tmp_path / "worker.log"

    with worker(redis_url, log, *server_option(fork_server)):
        wait_for(lambda: sample_tasks.read_records(path) == ["after"], "the task", log)

    assert fork_server == ("fork server started" in log.read_text())
    assert redis_client.zscore("t:error:q", slow_id) is not None
    assert redis_client.zscore("t:error:q", stubborn_id) is not None
    (slow,) = records_of(redis_client, slow_id)
    (stubborn,) = records_of(redis_client, stubborn_id)
    assert slow["exception_name"] == TIMEOUT_NAME
    assert stubborn["exception_name"] == TIMEOUT_NAME
    assert stubborn["time_failed"] - stubborn["time_started"] >= 1


@pytest.mark.timeout(40)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_stop_signal_lets_the_running_task_finish(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path, signum: int
) -> None:
    """On SIGTERM or SIGINT the task in hand finishes and the worker exits 0."""
    path = str(tmp_path / "out")
    (task_id,) = enqueue(
        redis_url,
        {"func": "sleep_then_record", "args": [path, 1.5, "finished"], "queue": "q"},
    )
    log = tmp_path / "worker.log"

    with worker(redis_url, log) as process:
        wait_for(
            lambda: redis_client.zscore("t:active:q", task_id) is not None,
            "the task to start",
            log,
        )
        process.send_signal(signum)
        code = process.wait(timeout=DEADLINE_S)

    assert code == 0, log.read_text(errors="replace")[-3000:]
    assert sample_tasks.read_records(path) == ["finished"]
    assert redis_client.exists(f"t:task:{task_id}") == 0
    assert data_keys(redis_client) == []


@pytest.mark.timeout(40)
def test_queue_option_limits_the_queues(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """With ``-q a`` tasks of queue ``a`` run and a task of queue ``b`` stays queued."""
    path = str(tmp_path / "out")
    other_id, _ = enqueue(
        redis_url,
        {"func": "record", "args": [path, "b"], "queue": "b"},
        {"func": "record", "args": [path, "a1"], "queue": "a"},
    )
    log = tmp_path / "worker.log"

    with worker(redis_url, log, "-q", "a"):
        wait_for(lambda: sample_tasks.read_records(path) == ["a1"], "a1", log)
        enqueue(redis_url, {"func": "record", "args": [path, "a2"], "queue": "a"})
        wait_for(lambda: sample_tasks.read_records(path) == ["a1", "a2"], "a2", log)

    assert redis_client.zscore("t:queued:b", other_id) is not None
    assert redis_client.smembers("t:queued") == {"b"}
    assert redis_client.exists(f"t:task:{other_id}") == 1


def test_unreachable_redis_is_waited_for(tmp_path: Path) -> None:
    """A URL nobody listens on: the CLI keeps running and logs the outage once.

    (It used to exit 1, and a supervisor restart-looped it; see
    test_startup_wait.py for Redis coming up and for stopping during the wait.)
    """
    log = tmp_path / "worker.log"

    with logged_process(
        [sys.executable, "-m", "tiger_cli", "--url", "redis://127.0.0.1:1/0"], log
    ) as process:
        wait_for(lambda: "redis unavailable" in log.read_text(), "the outage", log)
        time.sleep(0.5)
        assert process.poll() is None, log.read_text()
        process.send_signal(signal.SIGTERM)
        assert 0 == process.wait(timeout=10), log.read_text()

    assert 1 == log.read_text().count("redis unavailable, retrying")


def test_missing_module_exits_naming_it(redis_url: str) -> None:
    """``-m no_such_module`` makes the CLI exit non-zero, naming the module."""
    done = run_cli("--url", redis_url, "-m", "no_such_module")

    assert done.returncode != 0
    assert "no_such_module" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.timeout(40)
def test_console_script_imports_modules_from_the_current_directory(
    redis_url: str, redis_client: redis.Redis
) -> None:
    """``tiger-worker -m pkg.mod`` finds a module of the directory it starts in."""
    (task_id,) = enqueue(redis_url, {"func": "add", "args": [1, 2], "queue": "cwd"})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = Path(sys.executable).with_name("tiger-worker")

    done = subprocess.run(
        [
            str(script),
            "--url",
            redis_url,
            "-m",
            "tests.sample_tasks",
            "-q",
            "cwd",
            "--exit-after",
            "0.03",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert 0 == done.returncode, done.stderr[-2000:]
    assert not redis_client.exists(f"t:task:{task_id}")
