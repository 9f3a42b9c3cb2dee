"""Chaos-test fixtures: Redis servers, worker processes, a producer, a ledger.

Every test in ``tests/chaos`` carries the ``chaos`` marker (set per module); the
default pytest run (pyproject ``addopts``) only runs those also marked
``chaos_quick``. ``make chaos`` runs them all and renders docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos import tasks
from tests.chaos.checker import Ledger
from tests.chaos.figures import record_outcome
from tests.chaos.processes import FAST, WorkerProcess
from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import TaskTiger

ServerFactory = Callable[..., RedisServer]
WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start ``redis-server`` processes (``persistence=``, ``extra=``); stop them."""
    started: list[RedisServer] = []

    def make(persistence: str = "none", extra: tuple[str, ...] = ()) -> RedisServer:
        workdir = tmp_path / f"redis{len(started)}"
        workdir.mkdir()
        server = RedisServer(workdir, persistence, extra)
        started.append(server)
        server.start()
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: ServerFactory) -> RedisServer:
    """One Redis without persistence."""
    return make_server()


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """The recorder file of this test."""
    return tmp_path / "records.jsonl"


@pytest.fixture
def make_worker(tmp_path: Path, records: Path) -> Iterator[WorkerFactory]:
    """Start chaos workers (``url``, ``queues=``, ``config=``, ``app=``); kill after."""
    started: list[WorkerProcess] = []

    def make(url: str, **options: Any) -> WorkerProcess:
        log = tmp_path / f"worker{len(started)}.log"
        worker = WorkerProcess(url, records, log, **options)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.kill_group()


@pytest.fixture
def ledger() -> Ledger:
    """The enqueue ledger of this test."""
    return Ledger()


def make_producer(server: RedisServer, **config: Any) -> TaskTiger:
    """A producer TaskTiger on ``server`` (tasks are :mod:`tests.chaos.tasks`)."""
    return TaskTiger(connection=server.client(), config={**FAST, **config})


#: The task functions, for ``ledger.delay(producer, WORK, key, ...)``.
WORK = tasks.work
POISON = tasks.poison


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add each test's outcome to the figures it recorded (see figures.py)."""
    del item
    report = yield
    if call.when == "call" or report.failed:
        record_outcome(report.outcome)
    return report
