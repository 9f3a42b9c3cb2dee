"""A private ``redis-server`` for the benchmark: free loopback port, no persistence."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

_LOOPBACK = "127.0.0.1"
_RESERVED_PORTS = frozenset({6379})  # never touch a shared Redis
_STARTUP_TIMEOUT_S = 10.0


def free_port() -> int:
    """Return an unused loopback TCP port other than 6379."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((_LOOPBACK, 0))
            port: int = sock.getsockname()[1]
        if port not in _RESERVED_PORTS:
            return port


@contextmanager
def redis_server() -> Iterator[str]:
    """Start ``redis-server`` (no RDB, no AOF) and yield its URL; stop it after.

    Raises:
        RuntimeError: redis-server is not installed or did not start.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found: apt-get install redis-server")
    with tempfile.TemporaryDirectory(prefix="tiger-bench-redis-") as workdir:
        port = free_port()
        log = Path(workdir) / "redis.log"
        args = [binary, "--port", str(port), "--bind", _LOOPBACK, "--save", ""]
        args += ["--appendonly", "no", "--dir", workdir, "--logfile", str(log)]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        url = f"redis://{_LOOPBACK}:{port}/0"
        try:
            _wait_ready(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:]}")
        try:
            client.ping()
        except redis.ConnectionError:
            time.sleep(0.05)
        else:
            client.close()
            return
    raise RuntimeError("redis-server did not answer PING in time")
