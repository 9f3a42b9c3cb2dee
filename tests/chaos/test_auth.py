"""AUTH: tiger-worker given a wrong Redis password fails fast, in one clean line.

A wrong password is not an outage: retrying cannot fix it. The worker must exit
non-zero within 2 s, print one line naming the problem, and never the password.
Both spellings are tried (the password in ``--url`` and TaskTiger's ``-a``), and
no password at all (NOAUTH at the first command).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.chaos.conftest import ServerFactory
from tests.chaos.figures import record_figures
from tests.chaos.processes import REPO, python_path
from tests.chaos.redis_server import LOOPBACK

pytestmark = pytest.mark.chaos

RIGHT, WRONG = "right-pw-789", "wrong-pw-456"
#: How long the worker gets before it is counted as hanging (and killed).
PATIENCE_S = 10.0


def run_worker(args: list[str]) -> dict[str, Any]:
    """Run tiger-worker with ``args``; its exit code, seconds and output lines."""
    argv = [sys.executable, "-m", "tiger_cli", *args, "-q", "chaos"]
    started = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=REPO, env={"PYTHONPATH": python_path(), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=PATIENCE_S)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        code = None  # still running: it loops instead of failing
    lines = [line for line in output.splitlines() if line.strip()]
    return {
        "exit": code,
        "seconds": round(time.monotonic() - started, 2),
        "lines": lines,
        "leaks_password": WRONG in output,
    }


@pytest.mark.timeout(60)
def test_auth_wrong_password_fails_fast(make_server: ServerFactory) -> None:
    """Wrong password: non-zero exit within 2 s, one line, no password shown."""
    server = make_server()
    server.client().config_set("requirepass", RIGHT)
    url = run_worker(["--url", f"redis://:{WRONG}@{LOOPBACK}:{server.port}/0"])
    flag = run_worker(["-h", LOOPBACK, "-p", str(server.port), "-a", WRONG])
    none = run_worker(["--url", f"redis://{LOOPBACK}:{server.port}/0"])
    runs = {"url": url, "flag": flag, "none": none}
    figures: dict[str, Any] = {}
    for name, run in runs.items():
        figures |= {
            f"{name}_exit": run["exit"],
            f"{name}_exit_s": run["seconds"],
            f"{name}_lines": len(run["lines"]),
            f"{name}_first_line": run["lines"][0][:160] if run["lines"] else "",
            f"{name}_password_shown": run["leaks_password"],
        }
    record_figures("AUTH", "tiger-worker with a wrong or no Redis password", **figures)

    for run in runs.values():
        assert not run["leaks_password"]
        assert run["exit"] not in (None, 0), run
        assert run["seconds"] < 2, run
        assert 1 == len(run["lines"]), run["lines"]
        assert re.search(r"auth|password", run["lines"][0], re.IGNORECASE)
