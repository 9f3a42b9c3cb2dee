"""Jinja filters of the dashboard: times, ages and JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

_MINUTE = 60
_HOUR = 3600
_DAY = 86400
#: Longest argument preview in a task list.
PREVIEW_CHARS = 80


def format_time(epoch: float | None) -> str:
    """``2025-01-31 12:00:05 UTC`` for an epoch time; an em dash for None."""
    if epoch is None:
        return "—"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_age(epoch: float | None, now: float) -> str:
    """How long before (``5 min ago``) or after (``in 2 h``) ``now`` a time is."""
    if epoch is None:
        return ""
    delta = now - epoch
    text = _span(abs(delta))
    return f"{text} ago" if delta >= 0 else f"in {text}"


def _span(seconds: float) -> str:
    if seconds < _MINUTE:
        return f"{int(seconds)} s"
    if seconds < _HOUR:
        return f"{int(seconds // _MINUTE)} min"
    if seconds < _DAY:
        return f"{seconds / _HOUR:.1f} h"
    return f"{seconds / _DAY:.1f} d"


def pretty_json(value: Any) -> str:
    """Indented JSON (keys in stored order) for the payload view."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def call_preview(args: list[Any] | None, kwargs: dict[str, Any] | None) -> str:
    """A one-line, shortened view of a call's arguments."""
    parts = [json.dumps(arg, default=str) for arg in args or []]
    parts += [
        f"{key}={json.dumps(v, default=str)}" for key, v in (kwargs or {}).items()
    ]
    text = ", ".join(parts)
    if len(text) <= PREVIEW_CHARS:
        return text
    return text[: PREVIEW_CHARS - 1] + "…"
