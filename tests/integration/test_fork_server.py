"""The fork server: plain requests run in children of a small server process."""

from __future__ import annotations

import importlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from tests import sample_tasks
from tests.contract.executor import failure, request, run
from tests.sample_tasks import read_records
from tiger_adapters.executor import ForkExecutor
from tiger_adapters.executor.context import RunningTasks, bind_host, bound_host
from tiger_core.errors import LeaseLost
from tiger_core.functions import restrict_imports
from tiger_core.model.execution import ExecutionRequest

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open"), reason="the fork server needs Linux pidfds"
)


@pytest.fixture
def executor() -> Iterator[ForkExecutor]:
    executor = ForkExecutor(heartbeat_interval=0.1, kill_grace=0.5, fork_server=True)
    yield executor
    executor.close()


def server_pid(executor: ForkExecutor) -> int:
    server = executor._server
    assert server is not None
    assert server._process is not None
    return server._process.pid


class RunnerHost(sample_tasks.PlainHost):
    """A host that is not plain: it runs tasks through its own code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def execute_running(self, running: RunningTasks, func: Callable[..., Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getppid()}\n")
        super().execute_running(running, func)

    def runs_plainly(self, request: ExecutionRequest) -> bool:
        return False


def test_plain_request_runs_in_a_light_child_of_the_server(
    executor: ForkExecutor, tmp_path: Path
) -> None:
    path = str(tmp_path / "process")

    assert run(executor, request("record_process", ([path], {}))).success
    assert run(executor, request("record_process", ([path], {}))).success

    (pid1, ppid1, redis1), (pid2, ppid2, redis2) = read_records(path)
    assert ppid1 == ppid2 == server_pid(executor) != os.getpid()
    assert pid1 != pid2  # a fresh child per request
    assert not redis1
    assert not redis2


def test_request_for_a_host_runner_is_forked_from_the_worker(
    executor: ForkExecutor, tmp_path: Path
) -> None:
    path = str(tmp_path / "ppid")
    previous = bound_host()
    bind_host(RunnerHost(path))
    try:
        assert run(executor, request("add", ([1, 2], {}))).success
    finally:
        bind_host(previous)

    assert [os.getpid()] == read_records(path)


def test_server_killed_mid_task_fails_the_task_and_is_replaced(
    executor: ForkExecutor, tmp_path: Path
) -> None:
    assert run(executor, request("add", ([1, 2], {}))).success
    first = server_pid(executor)

    def kill_server() -> None:
        os.kill(first, signal.SIGKILL)

    started = time.monotonic()
    report = executor.execute(
        request("sleep", ([5], {}), hard_timeout=10), heartbeat=kill_server
    )

    assert time.monotonic() - started < 4  # the child died with its server
    assert not report.success
    path = str(tmp_path / "process")
    assert run(executor, request("record_process", ([path], {}))).success
    [(_, ppid, _)] = read_records(path)
    assert ppid == server_pid(executor) != first


def test_served_child_obeys_the_import_allowlist(executor: ForkExecutor) -> None:
    previous = restrict_imports(["some_other_package"])
    try:
        record = failure(run(executor, request("add", ([1, 2], {}))))
    finally:
        restrict_imports(previous)

    assert record.traceback is not None
    assert "tests.sample_tasks" in record.traceback
    assert "TASK_MODULES" in record.traceback


def test_big_request_goes_through_the_pipe(
    executor: ForkExecutor, tmp_path: Path
) -> None:
    path = str(tmp_path / "big")
    value = "x" * 300_000  # more than a pipe holds: written after the fork

    assert run(executor, request("record", ([path, value], {}))).success

    assert [value] == read_records(path)


def test_close_stops_the_server(tmp_path: Path) -> None:
    executor = ForkExecutor(heartbeat_interval=0.1, kill_grace=0.5, fork_server=True)
    assert run(executor, request("add", ([1, 2], {}))).success
    pid = server_pid(executor)

    executor.close()

    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert not Path(f"/proc/{pid}").exists()


def test_served_child_sees_the_host_found_under_its_module_path(
    executor: ForkExecutor, tmp_path: Path
) -> None:
    path = str(tmp_path / "host")
    previous = bound_host()
    bind_host(sample_tasks.HOST)
    try:
        assert run(executor, request("record_host", ([path], {}))).success
    finally:
        bind_host(previous)

    assert [[True, ["t0"], server_pid(executor)]] == read_records(path)


def test_output_buffered_by_the_task_is_flushed_before_the_report(
    executor: ForkExecutor, capfd: pytest.CaptureFixture[str]
) -> None:
    assert run(
        executor, request("print_unflushed", (["left in the buffer"], {}))
    ).success
    executor.close()  # the server and its children are gone: all output is out

    assert "left in the buffer" in capfd.readouterr().out


def test_next_spare_is_asked_for_after_the_report_only_after_an_idle_spell(
    executor: ForkExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = executor._server
    assert server is not None
    events: list[str] = []
    supervise, replenish = executor._supervise, server.replenish

    def supervised(*args: Any, **kwargs: Any) -> Any:
        report = supervise(*args, **kwargs)
        events.append("report")
        return report

    def replenished() -> None:
        events.append("replenish")
        replenish()

    monkeypatch.setattr(executor, "_supervise", supervised)
    monkeypatch.setattr(server, "replenish", replenished)
    add = request("add", ([1, 2], {}))

    assert run(executor, add).success  # the first one: nothing ran just before
    assert run(executor, add).success  # back to back
    time.sleep(0.1)
    assert run(executor, add).success  # after an idle spell

    assert events == [
        "report", "replenish",
        "replenish", "report",
        "report", "replenish",
    ]  # fmt: skip


#: A task module that only the fork server itself is slow to import (its
#: children and the worker import it at once).
SLOW_MODULE = """
import os, sys, time

_main = getattr(sys.modules["__main__"], "__spec__", None)
if os.getppid() == {worker} and getattr(_main, "name", "") == "{zygote}":
    time.sleep({seconds})


def touch(path):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("ran\\n")


def crash():
    os._exit(3)
"""


def slow_module(path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float) -> str:
    """Write a module the fork server takes ``seconds`` to import; its name."""
    name = f"slow_import_{uuid.uuid4().hex[:12]}"
    source = SLOW_MODULE.format(
        worker=os.getpid(), zygote="tiger_adapters.executor.zygote", seconds=seconds
    )
    (path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(path))  # before the server starts: it gets it
    return name


def call(func: str, *args: Any) -> ExecutionRequest:
    """A one-task request of ``func`` (``module:name``)."""
    return request("add", (list(args), {})).model_copy(update={"func": func})


class Beats:
    """A heartbeat recording when it was called; raises ``error`` if given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[float] = []

    def __call__(self) -> None:
        self.calls.append(time.monotonic())
        if self.error is not None:
            raise self.error


@pytest.mark.timeout(30)
@pytest.mark.parametrize("worker_imported", [False, True], ids=["later", "at-once"])
def test_heartbeat_goes_on_while_the_server_imports_a_task_module(
    executor: ForkExecutor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_imported: bool,
) -> None:
    """The server takes 1 s (10 heartbeat intervals) to import the task's module.

    at-once: the worker has the module, so the server imports it before it
    forks the child. later: the child imports it; the server does after the
    report, before it forks the next spare, which the next execution waits for.
    """
    module = slow_module(tmp_path, monkeypatch, 1.0)
    out = str(tmp_path / "out")
    if worker_imported:
        importlib.import_module(module)
    else:
        assert run(executor, call(f"{module}:touch", out)).success
    beats = Beats()

    with structlog.testing.capture_logs() as logs:
        report = executor.execute(call(f"{module}:touch", out), heartbeat=beats)

    assert report.success
    assert len(read_lines(out)) == 1 + (not worker_imported)
    assert len(beats.calls) >= 5  # the first at 0.1 s, then every 0.1 s
    assert "fork server failed, forking from the worker" not in [
        e["event"] for e in logs
    ]


@pytest.mark.timeout(30)
def test_lease_lost_while_the_server_imports_stops_the_execution(
    executor: ForkExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LeaseLost from a beat during the wait: no child starts; the server stays."""
    module = importlib.import_module(slow_module(tmp_path, monkeypatch, 2.0))
    out = str(tmp_path / "out")
    started = time.monotonic()

    report = executor.execute(
        call(f"{module.__name__}:touch", out), heartbeat=Beats(LeaseLost("w2 has it"))
    )

    assert time.monotonic() - started < 1.5
    assert "lease lost" in (failure(report).traceback or "")
    assert [] == read_lines(out)
    server = server_pid(executor)
    assert run(executor, call(f"{module.__name__}:touch", out)).success
    assert ["ran"] == read_lines(out)
    assert server_pid(executor) == server  # it was sound, only slow


@pytest.mark.timeout(30)
def test_heartbeat_goes_on_while_the_server_reports_a_crash_late(
    executor: ForkExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child dies at once while the server imports (1 s): its status waits."""
    module = slow_module(tmp_path, monkeypatch, 1.0)
    assert run(executor, request("add", ([1, 2], {}))).success
    beats = Beats()

    # Back to back: the server is asked for the next spare (and imports the
    # module) as soon as the child has its request.
    report = executor.execute(call(f"{module}:crash"), heartbeat=beats)

    record = failure(report)
    assert "exited with code 3" in (record.traceback or "")
    assert len(beats.calls) >= 5


@pytest.mark.timeout(30)
def test_server_slower_than_the_start_timeout_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start-up timeout (0.7 s, below the 0.8 s lease) ends the wait."""
    executor = ForkExecutor(
        heartbeat_interval=0.1, kill_grace=0.5, fork_server=True, lease=0.8
    )
    module = importlib.import_module(slow_module(tmp_path, monkeypatch, 5.0))
    out = str(tmp_path / "out")
    beats = Beats()
    started = time.monotonic()
    try:
        with structlog.testing.capture_logs() as logs:
            report = executor.execute(
                call(f"{module.__name__}:touch", out), heartbeat=beats
            )
        took = time.monotonic() - started
    finally:
        executor.close()

    assert report.success  # forked from the worker instead
    assert ["ran"] == read_lines(out)
    assert "fork server failed, forking from the worker" in [e["event"] for e in logs]
    assert 0.7 <= took < 3
    assert len(beats.calls) >= 5


def read_lines(path: str) -> list[str]:
    """The lines of ``path`` (none if it does not exist)."""
    try:
        return Path(path).read_text().splitlines()
    except FileNotFoundError:
        return []
