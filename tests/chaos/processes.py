"""Real worker processes for chaos tests, and /proc readings about them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.chaos.recorder import RECORDS_ENV

REPO = Path(__file__).resolve().parents[2]
#: Short timeouts so that a lease expires and is recovered within ~2 s.
FAST: dict[str, Any] = {
    "SELECT_TIMEOUT": 0.2,
    "QUEUE_SCHEDULED_TASKS_TIME": 0.2,
    "ACTIVE_TASK_UPDATE_TIMER": 0.2,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 1.5,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 0.5,
    "QUEUE_RESYNC_INTERVAL": 1,
    "LOCK_RETRY": 0.2,
    "HARD_TIMEOUT_GRACE": 0.5,
    "STATS_INTERVAL": 0,
}


def python_path() -> str:
    """The repo first, then any ``PYTHONPATH`` the tests were started with."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return os.pathsep.join(paths)


def cli_argv(url: str, queues: str, config: dict[str, Any], executor: str) -> list[str]:
    """The command line of the real ``tiger-worker`` with ``config`` as --config."""
    argv = [sys.executable, "-m", "tiger_cli", "--url", url, "-q", queues]
    argv += ["-m", "tests.chaos.tasks", "--executor", executor]
    for key, value in config.items():
        argv += ["--config", f"{key}={json.dumps(value)}"]
    return argv


class WorkerProcess:
    """One chaos worker in its own process group.

    By default ``tests.chaos.launcher`` (the fork executor); with ``cli`` the real
    ``tiger-worker`` command with ``--executor <cli>``.

    Args:
        url: the Redis URL.
        records: the recorder file its tasks append to.
        log: where its stdout/stderr go.
        queues: comma-separated queues it processes.
        config: TaskTiger config keys (default :data:`FAST`).
        app: ``tasks`` or ``periodic_tasks`` (see the launcher).
        cli: ``"fork"`` or ``"sync"``: run ``tiger-worker`` with that executor.
        env: more environment variables (e.g. the launcher's client retries).
    """

    def __init__(  # noqa: PLR0913 - the fixture passes them by keyword
        self,
        url: str,
        records: Path,
        log: Path,
        *,
        queues: str = "chaos",
        config: dict[str, Any] | None = None,
        app: str = "tasks",
        cli: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        if cli is not None:
            argv = cli_argv(url, queues, config or FAST, cli)
        else:
            argv = [sys.executable, "-m", "tests.chaos.launcher", url]
            argv += [json.dumps(config or FAST), queues, app]
        env = {
            **os.environ,
            **(env or {}),
            "PYTHONPATH": python_path(),
            RECORDS_ENV: str(records),
        }
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.pid = self.process.pid

    def alive(self) -> bool:
        """Whether the parent process is still running."""
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the parent only (its child is left alone)."""
        if self.alive():
            os.kill(self.pid, signum)

    def children(self) -> list[int]:
        """Pids of the parent's current children (the forked task processes)."""
        return children_of(self.pid)

    def kill_group(self) -> None:
        """SIGKILL the whole process group (parent and children) and reap it."""
        try:
            os.killpg(self.pid, signal.SIGCONT)
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` s for the parent's exit code (None: still running)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def log_text(self) -> str:
        """What the worker logged so far."""
        return self.log.read_text(errors="replace")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def children_of(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (zombies included)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def zombies_of(pid: int) -> list[int]:
    """Children of ``pid`` that exited and were never reaped."""
    return [c for c in children_of(pid) if (_stat(c) or ["?"])[0] == "Z"]


def in_group(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


def open_fds(pid: int) -> int:
    """Number of file descriptors ``pid`` holds."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def lingering_zombies(pid: int, wait: float = 0.3) -> list[int]:
    """Zombie children of ``pid`` still unreaped ``wait`` seconds after first seen.

    A child is a zombie for the instant between its death and its parent's
    ``waitpid``; only one that stays so is a leak.
    """
    first = set(zombies_of(pid))
    if not first:
        return []
    time.sleep(wait)
    return sorted(first & set(zombies_of(pid)))
