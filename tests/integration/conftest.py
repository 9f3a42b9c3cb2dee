"""Integration-test fixtures: a throwaway real ``redis-server`` per test session.

Every test under ``tests/integration`` is marked ``integration``.

``redis_url`` resolves, in order:

1. ``REDIS_TEST_URL`` from the environment (used as-is; ``redis_client`` FLUSHALLs
   it before every test, so never point it at a Redis holding data you need);
2. a private ``redis-server`` started on a free loopback port (never 6379),
   without persistence, in a temporary directory.

When ``redis-server`` is missing the integration tests are skipped locally, but
fail under CI (``CI`` set) so that a misconfigured runner cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

_INTEGRATION_DIR = Path(__file__).resolve().parent
_LOOPBACK = "127.0.0.1"
_RESERVED_PORTS = frozenset({6379})  # the default port: never touch a shared Redis
_START_ATTEMPTS = 5
_STARTUP_TIMEOUT_S = 10.0
_SHUTDOWN_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.05
_MISSING_SERVER_REASON = (
    "redis-server not found: install Debian's redis-server "
    "(apt-get install redis-server) or set REDIS_TEST_URL"
)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark every test collected from ``tests/integration`` as ``integration``."""
    del config  # required by the hook signature, unused
    for item in items:
        if item.path.is_relative_to(_INTEGRATION_DIR):
            item.add_marker(pytest.mark.integration)


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _free_loopback_port() -> int:
    """Return a currently unused loopback TCP port other than the reserved ones."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((_LOOPBACK, 0))
            port: int = sock.getsockname()[1]
        if port not in _RESERVED_PORTS:
            return port


def _log_tail(log_path: Path, limit: int = 2000) -> str:
    try:
        return log_path.read_text(errors="replace")[-limit:]
    except OSError:
        return "<no log>"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], port: int) -> bool:
    """Poll PING until it answers (True) or the server exits / times out (False)."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    probe = redis.Redis(host=_LOOPBACK, port=port, socket_timeout=0.5, protocol=2)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                if probe.ping():
                    return True
            except redis.RedisError:
                pass
            time.sleep(_POLL_INTERVAL_S)
        return False
    finally:
        probe.close()


def _start_redis_server(
    executable: str, workdir: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``redis-server`` on a free port, retrying if the port was taken."""
    log_path = workdir / "redis-server.log"
    for _ in range(_START_ATTEMPTS):
        port = _free_loopback_port()
        command = [
            executable,
            "--port", str(port),
            "--bind", _LOOPBACK,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(workdir),
        ]  # fmt: skip
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        if _wait_until_ready(process, port):
            return process, port
        _stop(process)
    pytest.fail(
        f"could not start redis-server after {_START_ATTEMPTS} attempts; "
        f"log tail:\n{_log_tail(log_path)}"
    )


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server dedicated to this test session."""
    configured = os.environ.get("REDIS_TEST_URL")
    if configured:
        yield configured
        return

    executable = shutil.which("redis-server")
    if executable is None:
        if _running_in_ci():
            pytest.fail(f"CI is set but {_MISSING_SERVER_REASON}")
        pytest.skip(_MISSING_SERVER_REASON)

    workdir = tmp_path_factory.mktemp("redis-server")
    process, port = _start_redis_server(executable, workdir)
    try:
        yield f"redis://{_LOOPBACK}:{port}/0"
    finally:
        _stop(process)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A ``decode_responses=True`` RESP2 client on an empty database."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, protocol=2)
    try:
        client.flushall()
        yield client
    finally:
        client.close()
