"""The machine and the versions a benchmark ran with."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import redis

_VERSIONS_SCRIPT = """
import importlib.metadata as m, json, platform
out = {"python": platform.python_version()}
for name in %r:
    try:
        out[name] = m.version(name)
    except m.PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
"""


def machine() -> dict[str, object]:
    """nproc, CPU model, RAM and OS of this machine."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "os": platform.platform(),
    }


def _packages(python: str, names: list[str]) -> dict[str, str | None]:
    output = subprocess.run(
        [python, "-c", _VERSIONS_SCRIPT % (names,)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, str | None] = json.loads(output)
    return result


def versions(main_python: str, tasktiger_python: str, url: str) -> dict[str, object]:
    """Versions of Python, redis-server, redis-py, tasktiger, rq and Tiger."""
    main = _packages(main_python, ["tiger-queue", "redis", "rq", "pydantic"])
    side = _packages(tasktiger_python, ["tasktiger", "redis"])
    server = redis.Redis.from_url(url).info("server")["redis_version"]
    return {
        "python": main["python"],
        "redis_server": server,
        "redis_py": main["redis"],
        "tiger": main["tiger-queue"],
        "pydantic": main["pydantic"],
        "rq": main["rq"],
        "tasktiger": side["tasktiger"],
        "tasktiger_python": side["python"],
        "tasktiger_redis_py": side["redis"],
    }
