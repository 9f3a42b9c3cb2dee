"""Summaries (median, min-max), the issue's targets, and the markdown report."""

from __future__ import annotations

import statistics
from typing import Any

from bench.cases import Case
from bench.method import METHOD

SYSTEMS = ("tiger", "tasktiger", "rq")
NAMES = {"tiger": "Tiger", "tasktiger": "TaskTiger", "rq": "RQ"}

# metric -> (label, unit, better)
METRICS: dict[str, tuple[str, str, str]] = {
    "rate": ("throughput", "tasks/s", "higher"),
    "rss_mib": ("[7] worker parent RSS after the drain", "MiB", "lower"),
    "p50_ms": ("p50", "ms", "lower"),
    "p95_ms": ("p95", "ms", "lower"),
    "p99_ms": ("p99", "ms", "lower"),
    "commands_per_task": ("commands per task (commandstats)", "cmds", "lower"),
    "sent_per_task": ("  of which sent by clients (MONITOR)", "cmds", "lower"),
    "in_scripts_per_task": ("  of which run inside Lua (MONITOR)", "cmds", "lower"),
    "enqueue_commands_per_task": ("commands per enqueue", "cmds", "lower"),
    "memory_per_task_bytes": ("used_memory_dataset per queued task", "bytes", "lower"),
    "enqueue_rate": ("enqueue, one per call", "tasks/s", "higher"),
    "pop_rate": ("pop + run (sync worker)", "tasks/s", "higher"),
    "seconds_run_to_last_end": ("worker run() to last task end", "s", "lower"),
    "rate_from_run": ("throughput from worker run()", "tasks/s", "higher"),
}

# (label, numerator (case, metric, system), denominator, op, bound)
Ref = tuple[str, str, str]
TARGETS: list[tuple[str, Ref, Ref, str, float]] = [
    (
        "fork drain >= 3x TaskTiger",
        ("drain_fork", "rate", "tiger"),
        ("drain_fork", "rate", "tasktiger"),
        ">=",
        3.0,
    ),
    (
        "sync drain >= 2x TaskTiger",
        ("drain_sync", "rate", "tiger"),
        ("drain_sync", "rate", "tasktiger"),
        ">=",
        2.0,
    ),
    (
        "pickup p50 (fork) <= 1/3 of TaskTiger's",
        ("latency", "p50_ms", "tiger"),
        ("latency", "p50_ms", "tasktiger"),
        "<=",
        1 / 3,
    ),
    (
        "single enqueue >= 2x TaskTiger",
        ("enqueue", "rate", "tiger"),
        ("enqueue", "rate", "tasktiger"),
        ">=",
        2.0,
    ),
    (
        "bulk enqueue >= 2x RQ enqueue_many",
        ("enqueue_bulk", "rate", "tiger"),
        ("enqueue_bulk", "rate", "rq"),
        ">=",
        2.0,
    ),
    (
        "Redis commands per task <= 1/2 of TaskTiger's",
        ("commands", "commands_per_task", "tiger"),
        ("commands", "commands_per_task", "tasktiger"),
        "<=",
        0.5,
    ),
    (
        "many subqueues drain >= 80% of one queue (Tiger)",
        ("subqueues_many", "rate", "tiger"),
        ("subqueues_1", "rate", "tiger"),
        ">=",
        0.8,
    ),
    (
        "enqueue flat, large vs small backlog (>= 80%, Tiger)",
        ("backlog_large", "enqueue_rate", "tiger"),
        ("backlog_small", "enqueue_rate", "tiger"),
        ">=",
        0.8,
    ),
    (
        "pop flat, large vs small backlog (>= 80%, Tiger)",
        ("backlog_large", "pop_rate", "tiger"),
        ("backlog_small", "pop_rate", "tiger"),
        ">=",
        0.8,
    ),
]


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min and max of every numeric figure over the runs of one system."""
    if runs and all("na" in run for run in runs):
        return {"na": runs[0]["na"]}
    good = [run for run in runs if "error" not in run and "na" not in run]
    if not good:
        return {"error": runs[0].get("error", "no result") if runs else "no run"}
    samples: dict[str, list[float]] = {}
    for run in good:
        for metric, value in run.items():
            values = value if isinstance(value, list) else [value]
            if all(isinstance(v, int | float) for v in values):
                samples.setdefault(metric, []).extend(float(v) for v in values)
    summary: dict[str, Any] = {
        metric: {
            "median": statistics.median(v),
            "min": min(v),
            "max": max(v),
            "samples": len(v),
        }
        for metric, v in samples.items()
    }
    if len(good) < len(runs):
        summary["failed_runs"] = len(runs) - len(good)
    return summary


def case_entry(case: Case, results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The JSON entry of one case: its definition, raw results and summaries."""
    return {
        "key": case.key,
        "title": case.title,
        "scenario": case.scenario,
        "params": case.params,
        "reps": case.reps,
        "results": results,
        "summary": {name: _summary(runs) for name, runs in results.items()},
    }


def _median(cases: list[dict[str, Any]], ref: Ref) -> float | None:
    key, metric, system = ref
    for case in cases:
        if case["key"] == key:
            figure = case["summary"].get(system, {}).get(metric)
            return float(figure["median"]) if figure else None
    return None


def targets(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of the issue with the measured ratio and whether it is met."""
    out = []
    for label, top, bottom, op, bound in TARGETS:
        numerator, denominator = _median(cases, top), _median(cases, bottom)
        ratio = numerator / denominator if numerator and denominator else None
        met = (
            None
            if ratio is None
            else (ratio >= bound if op == ">=" else ratio <= bound)
        )
        out.append({"target": label, "ratio": ratio, "bound": bound, "met": met})
    return out


def _cell(summary: dict[str, Any], metric: str) -> str:
    if "na" in summary:
        return "n/a" + (
            " (not implemented)" if "not implemented" in summary["na"] else ""
        )
    if "error" in summary:
        return "error"
    figure = summary.get(metric)
    if figure is None:
        return "-"
    median, low, high = figure["median"], figure["min"], figure["max"]
    if figure["samples"] == 1:
        return _fmt(median)
    return f"{_fmt(median)} ({_fmt(low)}\N{EN DASH}{_fmt(high)})"


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _ratio(summary: dict[str, Any], other: dict[str, Any], metric: str) -> str:
    mine, theirs = summary.get(metric), other.get(metric)
    if (
        not isinstance(mine, dict)
        or not isinstance(theirs, dict)
        or not theirs["median"]
    ):
        return "-"
    return f"{mine['median'] / theirs['median']:.2f}"


def _case_table(case: dict[str, Any]) -> list[str]:
    summary = case["summary"]
    metrics = [m for m in METRICS if any(m in summary[s] for s in SYSTEMS)]
    lines = [f"### {case['title']}", ""]
    lines += ["| Figure | Tiger | TaskTiger | RQ | Tiger/TaskTiger | Tiger/RQ |"]
    lines += ["|---|---|---|---|---|---|"]
    if not metrics:
        metrics = ["rate"]
    for metric in metrics:
        label, unit, better = METRICS[metric]
        cells = [_cell(summary[s], metric) for s in SYSTEMS]
        ratios = [_ratio(summary["tiger"], summary[s], metric) for s in SYSTEMS[1:]]
        row = [f"{label} ({unit}, {better} is better)", *cells, *ratios]
        lines.append("| " + " | ".join(row) + " |")
    errors = {s: summary[s]["error"] for s in SYSTEMS if "error" in summary[s]}
    lines += [f"\n{NAMES[s]} error: `{e}`" for s, e in errors.items()]
    return [*lines, ""]


def markdown(data: dict[str, Any]) -> str:
    """The whole report as markdown."""
    machine, versions = data["machine"], data["versions"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); raw figures in",
        "`bench/results/latest.json`. Cells: median (min\N{EN DASH}max) over the",
        "repetitions; ratios: Tiger's median / the other system's median. See the",
        "method below.",
        "",
        f"Run {data['date']} ({data['mode']}, {data['duration_s']} s): "
        f"{machine['nproc']} CPUs ({machine['cpu']}), {machine['ram_gib']} GiB RAM, "
        f"{machine['os']}.",
        "",
        *([f"Note: {data['note']}", ""] if data.get("note") else []),
        f"Versions: Python {versions['python']}, redis-server "
        f"{versions['redis_server']}, redis-py {versions['redis_py']} (TaskTiger's "
        f"venv: {versions['tasktiger_redis_py']}), TaskTiger {versions['tasktiger']}, "
        f"RQ {versions['rq']}, Tiger {versions['tiger']}, pydantic "
        f"{versions['pydantic']}.",
        "",
        "## Targets (issue 6)",
        "",
        "| Target | Measured ratio | Met |",
        "|---|---|---|",
    ]
    for target in data["targets"]:
        ratio = "-" if target["ratio"] is None else f"{target['ratio']:.2f}"
        met = {True: "yes", False: "**no**", None: "n/a"}[target["met"]]
        lines.append(f"| {target['target']} | {ratio} | {met} |")
    lines += ["", "## Results", ""]
    for case in data["cases"]:
        lines += _case_table(case)
    return "\n".join([*lines, METHOD])
