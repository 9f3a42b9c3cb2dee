"""A PyPI TaskTiger 0.26.3 worker next to Tiger's, for mixed-fleet tests.

The worker runs ``tests.interop.driver serve`` with TaskTiger's interpreter
(``.venv-tasktiger``, or ``$TASKTIGER_PYTHON``) in its own process group, until
``seconds`` passed (after the task in hand) or it is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKTIGER_PYTHON = Path(
    os.environ.get("TASKTIGER_PYTHON", ROOT / ".venv-tasktiger" / "bin" / "python")
)


def tasktiger_python() -> Path:
    """TaskTiger's interpreter; skip locally (fail in CI) when it is missing."""
    if not TASKTIGER_PYTHON.exists():
        reason = f"{TASKTIGER_PYTHON} not found: run `make tasktiger-venv`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return TASKTIGER_PYTHON


def driver(url: str, command: str, **spec: Any) -> Any:
    """Run one ``tests.interop.driver`` command with TaskTiger; its JSON answer."""
    argv = [str(tasktiger_python()), "-m", "tests.interop.driver", url, command]
    result = subprocess.run(
        [*argv, json.dumps(spec)], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


class TaskTigerWorker:
    """One TaskTiger worker process (fork executor, TaskTiger's own config).

    Args:
        url: the Redis URL.
        queues: the queues it processes.
        config: TaskTiger config keys (its lease: ACTIVE_TASK_UPDATE_TIMEOUT).
        seconds: it returns after this long (between tasks).
        log: where its output goes.
        env: more environment variables (e.g. a recorder file).
    """

    def __init__(
        self,
        url: str,
        *,
        queues: list[str],
        config: dict[str, Any],
        seconds: float,
        log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        spec = {"queues": queues, "config": config, "seconds": seconds}
        argv = [str(tasktiger_python()), "-m", "tests.interop.driver", url, "serve"]
        paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        environ = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(paths)}
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*argv, json.dumps(spec)], cwd=ROOT, env=environ, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait(self, timeout: float) -> int | None:
        """Its exit code, waiting up to ``timeout`` s (None: still running)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL its process group (the worker and its task child) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_text(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace")
