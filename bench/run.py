"""Runs the benchmark: ``python -m bench.run [--quick]`` (``make bench``).

Starts a private ``redis-server``, then runs every case on Tiger, PyPI TaskTiger
(from ``.venv-tasktiger``) and RQ, side by side on that one Redis, FLUSHALL before
every run, repetitions interleaved across systems. Each side is a subprocess that
prints one JSON result; this module only aggregates and writes the reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

from bench import environment, report
from bench.cases import Case, full_cases, quick_cases
from bench.redis_server import redis_server
from bench.systems.common import RESULT_MARKER

ROOT = Path(__file__).resolve().parent.parent
TASKTIGER_PYTHON = ROOT / ".venv-tasktiger" / "bin" / "python"
_SIDE_TIMEOUT_S = 600


def systems() -> dict[str, tuple[str, str]]:
    """System name -> (interpreter, side module)."""
    return {
        "tiger": (sys.executable, "bench.systems.tiger_side"),
        "tasktiger": (str(TASKTIGER_PYTHON), "bench.systems.tasktiger_side"),
        "rq": (sys.executable, "bench.systems.rq_side"),
    }


def run_side(python: str, module: str, case: Case, url: str) -> dict[str, Any]:
    """Run one case once on one system; its JSON result, or {"error": ...}."""
    command = [python, "-m", module, case.scenario, url, json.dumps(case.params)]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=_SIDE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {_SIDE_TIMEOUT_S}s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line.removeprefix(RESULT_MARKER))
            return result
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {done.returncode}: {last[:300]}"}


def run_case(case: Case, url: str) -> dict[str, list[dict[str, Any]]]:
    """All repetitions of one case, systems interleaved within each repetition."""
    client = redis.Redis.from_url(url)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in systems()}
    for rep in range(case.reps):
        for name, (python, module) in systems().items():
            client.flushall()
            started = time.monotonic()
            result = run_side(python, module, case, url)
            results[name].append(result)
            brief = json.dumps(result)[:160]
            elapsed = time.monotonic() - started
            print(
                f"  [{case.key} {rep + 1}/{case.reps}] {name:9} {elapsed:5.1f}s {brief}"
            )
    client.flushall()
    return results


def _render(path: Path, note: str | None) -> int:
    """Rewrite docs/benchmarks.md from a results file (adding ``note`` to it)."""
    saved: dict[str, Any] = json.loads(path.read_text())
    if note:
        saved["note"] = note
        path.write_text(json.dumps(saved, indent=2) + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text(report.markdown(saved))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the full or quick set and write the JSON and markdown reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced set (< 2 min)")
    parser.add_argument("--only", help="comma-separated case keys to run")
    parser.add_argument("--note", help="a remark printed under the run line")
    parser.add_argument(
        "--render", type=Path, help="only rewrite docs/benchmarks.md from this JSON"
    )
    args = parser.parse_args(argv)
    if args.render:
        return _render(args.render, args.note)
    if not TASKTIGER_PYTHON.exists():
        parser.error(f"{TASKTIGER_PYTHON} missing: run `make tasktiger-venv`")
    cases = quick_cases() if args.quick else full_cases()
    if args.only:
        cases = [case for case in cases if case.key in args.only.split(",")]
    started = time.monotonic()
    data: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": environment.machine(),
        "note": args.note,
    }
    with redis_server() as url:
        data["versions"] = environment.versions(
            sys.executable, str(TASKTIGER_PYTHON), url
        )
        data["cases"] = []
        for case in cases:
            print(f"{case.title}", flush=True)
            results = run_case(case, url)
            data["cases"].append(report.case_entry(case, results))
    data["duration_s"] = round(time.monotonic() - started, 1)
    data["targets"] = report.targets(data["cases"])
    name = "quick.json" if args.quick else "latest.json"
    out = ROOT / "bench" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    markdown = report.markdown(data)
    if not args.quick and not args.only:
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / "benchmarks.md").write_text(markdown)
    print(markdown)
    print(f"wrote {out.relative_to(ROOT)} in {data['duration_s']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
