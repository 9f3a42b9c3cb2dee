"""Figures measured by chaos tests, collected for docs/reliability.md.

A test calls :func:`record_figures` with its plan id (``"C1"``) and what it measured
(``lost=0, duplicated=2, recovery_s=3.1``). Figures go to one JSON file per test under
the directory named by ``TIGER_CHAOS_RESULTS`` (default ``build/chaos``), so parallel or
partial runs never clobber each other; ``make chaos`` renders them into a table. The
chaos conftest adds each test's outcome (``result``) once it ran.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

#: Where the figures are written, unless TIGER_CHAOS_RESULTS says otherwise.
DEFAULT_DIR = Path("build") / "chaos"
#: Files written by the running test, until the chaos conftest adds its outcome.
_written: list[Path] = []


def results_dir() -> Path:
    """The directory holding one JSON file of figures per test."""
    return Path(os.environ.get("TIGER_CHAOS_RESULTS", DEFAULT_DIR))


def record_figures(plan_id: str, title: str, **figures: Any) -> Path:
    """Write the figures of one test (``plan_id`` as in the reliability plan).

    Args:
        plan_id: the plan's test id, e.g. ``"C1"`` or ``"V3"``.
        title: a short description of the scenario.
        **figures: JSON-serializable measurements (counts, seconds, booleans).

    Returns:
        The path of the written file.
    """
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan_id}.json"
    payload = {"id": plan_id, "title": title, "figures": figures, "at": time.time()}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True))
    _written.append(path)
    return path


def record_outcome(outcome: str) -> None:
    """Add the running test's outcome (``passed``, ``failed``) to what it wrote.

    Called by the chaos conftest once the test ran, so that a row of the rendered
    table says whether its assertions held.
    """
    while _written:
        path = _written.pop()
        payload = json.loads(path.read_text())
        payload["result"] = outcome
        path.write_text(json.dumps(payload, indent=2, sort_keys=True))
