"""Render docs/reliability.md from the figures of the last chaos run.

Usage: ``python -m tests.chaos.render [RESULTS_DIR] [OUTPUT]`` (defaults:
``$TIGER_CHAOS_RESULTS`` or ``build/chaos``, and ``docs/reliability.md``).
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.chaos.figures import results_dir

#: Columns shown for every test (when measured); the rest go to "other figures".
MAIN = ("lost", "duplicated", "errored", "stuck", "overlapping")

#: Issue #12 ("every outcome kept, every lease honoured"): its acceptance rows, in
#: order, with what must hold. They get their own table, listed even when a row
#: recorded nothing (its test failed before measuring, or did not run).
ISSUE_12 = {
    "SYNC-LONG": "`tiger-worker --executor sync`, lease 1.5 s (heartbeat 0.3 s), "
    "a 4.5 s task with `lock=True`, a second worker scanning: runs once, no "
    "takeover, errored=0, the task lock present in every 50 ms sample",
    "R1-default": "non-retriable tasks, a 2 s task running when Redis (AOF "
    "`always`) is SIGKILLed, restart 2.6 s later: lost=0, stuck=0, errored=0 "
    "(Redis kept the writes: finished work is not turned into errors)",
    "R1-retriable": "as R1-default, tasks retriable on JobTimeoutException: "
    "lost=0, stuck=0, errored=0",
    "R3-default": "as R1-default without persistence (loss by design): figures "
    "recorded; asserted only stuck=0 and no worker exit",
    "R3-retriable": "as R3-default, retriable tasks: stuck=0, no worker exit",
    "C1-prefetch": "`PREFETCH_TASKS=10`, 200 short non-retriable tasks, the "
    "worker SIGKILLed mid-drain, a second one started: the held (prefetched) "
    "tasks run later; errored <= 1 (only the task in hand at the kill), lost=0, "
    "stuck=0",
    "CLAIM-RETRY-resent": "a TCP proxy loses the reply of 3 claims Redis ran; "
    "the client (redis-py `Retry`, 3) re-sends them: every task executed, "
    "errored=0, stuck=0",
    "CLAIM-RETRY-not-resent": "as CLAIM-RETRY-resent with `Redis.from_url`'s "
    "default client (no re-send; the worker claims anew): every task executed, "
    "errored=0, stuck=0",
    "MIX1": "a `tiger-worker` paused (SIGSTOP) past its lease on a 3 s task; "
    "PyPI TaskTiger 0.26.3 requeues and runs it; Tiger resumed: `t:task:<id>` "
    "present in every 10 ms sample of the TaskTiger run, Tiger's late settle "
    "refused (lease lost), the task done once, errored=0",
    "AUTH": "`tiger-worker` with a wrong password (`--url`, `-a`) or none: "
    "non-zero exit within 2 s, one output line naming the problem, never the "
    "password",
}

METHOD = """\
## Method

Every test starts its own `redis-server` (Debian {redis}) on a free 127.0.0.1 port
with its own directory and persistence flags, and real worker processes
(`python -m tests.chaos.launcher`: `TaskTiger(config=...)` + `Worker(...).run()`
with the fork executor, or the real `tiger-worker` command; each in its own process
group) with short timeouts: heartbeat every 0.2 s, lease 1.5 s, expired-task scan
every 0.5 s, lock retry 0.2 s, hard-timeout grace 0.5 s. Faults are injected with
signals (SIGKILL, SIGTERM, SIGSTOP/SIGCONT to a worker parent, a forked child or
`redis-server`), `SCRIPT FLUSH`, and a TCP proxy on loopback that lets a command
reach Redis and drops the connection before its reply reaches the worker. MIX1 runs
PyPI's TaskTiger 0.26.3 worker (its own virtualenv) next to Tiger's on one Redis.

Tasks append one JSON line when they start and one when they end (task key, pid,
`time.monotonic()`) to a file opened with `O_APPEND`: the recorder lives outside the
Redis under test, so a Redis fault cannot corrupt the measurement. Producers log every
enqueue attempt: `acknowledged` = `delay()` returned, an error = not acknowledged.
After the fault heals, the workers drain the queue (bounded), then the checker counts
(Jepsen's total-queue accounting):

- **lost** = acknowledged tasks that neither completed nor sit in the `error` state (an
  error record is a visible outcome, not a loss);
- **errored** = acknowledged tasks in the `error` state after the drain;
- **duplicated** = completed executions beyond one per task; **reruns** = started
  executions beyond one per task (a killed execution that was run again);
- **recovered** = tasks whose enqueue failed (timeout: indeterminate) that ran anyway;
- **stuck** = tasks left in `active` after the drain;
- **overlapping** = pairs of executions of one lock key whose [start, end] intersect.

Counts are scaled down from the plan (tens to 1,000 tasks, 2 to 4 workers) so that
the whole suite runs in a few minutes on 2 cores. `make chaos` runs every test
(`pytest -m chaos tests/chaos`) and then this renderer; the `chaos_quick` subset also
runs in `make test` and CI. Each test records its figures *before* its assertions, and
its outcome after them: **result** is `passed` when every assertion held. `make chaos`
renders this page even when a test failed, then fails itself.
"""


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{round(value, 3):g}"
    return str(value)


def _plan_order(plan_id: str) -> tuple[int, str]:
    order = ["C", "R", "N", "U", "LK", "PER", "V", "M", "S", "X", "P"]
    prefix = re.match(r"[A-Z]+", plan_id)
    group = prefix.group(0) if prefix else plan_id
    return (order.index(group) if group in order else len(order), plan_id)


def _row(result: dict[str, Any], extra: str | None = None) -> str:
    figures = result["figures"]
    main = " | ".join(_cell(figures.get(name)) for name in MAIN)
    other = ", ".join(
        f"{name}={_cell(value)}"
        for name, value in sorted(figures.items())
        if name not in MAIN
    )
    middle = f"{main} | {extra} |" if extra is not None else f"{main} |"
    verdict = _cell(result.get("result"))
    return f"| {result['id']} | {result['title']} | {verdict} | {middle} {other} |"


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table of every test's figures."""
    head = "| Test | Scenario | result | " + " | ".join(MAIN) + " | other figures |"
    rows = [head, "|" + "---|" * (len(MAIN) + 4)]
    for result in sorted(results, key=lambda r: _plan_order(r["id"])):
        rows.append(_row(result))
    return "\n".join(rows)


def issue_table(results: dict[str, dict[str, Any]]) -> str:
    """The table of issue #12's rows, with what must hold, missing ones included."""
    head = "| Test | Scenario | result | " + " | ".join(MAIN)
    rows = [head + " | must hold | other figures |", "|" + "---|" * (len(MAIN) + 5)]
    for plan_id, expected in ISSUE_12.items():
        found = results.get(plan_id)
        if found is None:
            found = {"id": plan_id, "title": "no figures recorded", "figures": {}}
            found["result"] = "not measured"
        rows.append(_row(found, expected))
    return "\n".join(rows)


def render(folder: Path) -> str:
    """The whole document."""
    results = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    issue = {r["id"]: r for r in results if r["id"] in ISSUE_12}
    others = [r for r in results if r["id"] not in ISSUE_12]
    try:
        redis = (
            subprocess.run(
                ["redis-server", "--version"],
                capture_output=True,
                text=True,
                check=False,
            )
            .stdout.split()[2]
            .removeprefix("v=")
        )
    except (OSError, IndexError):
        redis = "redis-server"
    return (
        "# Reliability: faults survived, figures measured\n\n"
        "Generated by `make chaos` (tests/chaos, see shared/reliability-plan.md §5) on "
        f"Python {platform.python_version()}, redis-server {redis}. "
        "Do not edit by hand.\n\n"
        f"{table(others)}\n\n"
        "## Issue #12: every outcome kept, every lease honoured\n\n"
        "Its acceptance rows. Non-retriable tasks unless said otherwise (TaskTiger's "
        "rule: a task whose worker is lost goes to `error` unless its `retry_on` "
        "covers JobTimeoutException), so an outcome that is kept shows as "
        "`errored=0`.\n\n"
        f"{issue_table(issue)}\n\n{METHOD.format(redis=redis)}"
    )


def main(argv: list[str]) -> None:
    """Write the document; the folder and output path may be given."""
    folder = Path(argv[0]) if argv else results_dir()
    output = Path(argv[1]) if len(argv) > 1 else Path("docs") / "reliability.md"
    output.write_text(render(folder))
    print(f"wrote {output} from {len(list(folder.glob('*.json')))} results")


if __name__ == "__main__":
    main(sys.argv[1:])
