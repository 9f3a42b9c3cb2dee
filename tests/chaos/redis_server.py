"""A real ``redis-server`` under test: free loopback port, own dir, faults on demand."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

LOOPBACK = "127.0.0.1"
#: Persistence presets: AOF fsync'd on every write, once a second, or none at all.
PERSISTENCE = {
    "always": ["--appendonly", "yes", "--appendfsync", "always", "--save", ""],
    "everysec": ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
    "none": ["--appendonly", "no", "--save", ""],
}


def free_port() -> int:
    """A currently unused loopback port (never 6379)."""
    while True:
        with socket.socket() as sock:
            sock.bind((LOOPBACK, 0))
            port: int = sock.getsockname()[1]
        if port != 6379:
            return port


class RedisServer:
    """One ``redis-server`` process; restartable on the same port and directory.

    Args:
        workdir: its data directory (AOF files live there across restarts).
        persistence: a key of :data:`PERSISTENCE`.
        extra: more command-line flags.
    """

    def __init__(
        self, workdir: Path, persistence: str = "none", extra: tuple[str, ...] = ()
    ) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server not installed")
        self.executable = executable
        self.workdir = workdir
        self.flags = [*PERSISTENCE[persistence], *extra]
        self.port = free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = True) -> None:
        """Start the server (on the same port and dir as before) and wait for PING."""
        command = [
            self.executable, "--port", str(self.port), "--bind", LOOPBACK,
            "--daemonize", "no", "--dir", str(self.workdir), *self.flags,
        ]  # fmt: skip
        with (self.workdir / "redis-server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Poll PING until the server answers (and has loaded its AOF)."""
        probe = self.client(socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    if probe.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
            pytest.fail(f"redis-server on {self.port} did not come up")
        finally:
            probe.close()

    def client(self, **options: object) -> redis.Redis:
        """A ``decode_responses=True`` RESP2 client."""
        return redis.Redis.from_url(
            self.url, decode_responses=True, protocol=2, **options
        )

    def kill(self) -> None:
        """SIGKILL the server (a crash: no shutdown save)."""
        self._signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP the server: connections stay open, nothing is answered."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a paused server."""
        self._signal(signal.SIGCONT)

    def restart(self) -> None:
        """SIGKILL and start again on the same port and directory."""
        self.kill()
        self.start()

    def stop(self) -> None:
        """End the server for good (teardown)."""
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)

    def _signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signum)
