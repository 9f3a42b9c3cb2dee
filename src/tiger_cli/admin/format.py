"""Output helpers of the ``tiger`` command: tables for people, JSON for scripts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import click

#: Widest cell of a table column holding call arguments.
ARGS_WIDTH = 40


def iso_utc(epoch: float | None) -> str | None:
    """Return epoch seconds as an ISO 8601 UTC time (``2024-05-01T12:00:00Z``).

    Sub-second digits are dropped; None stays None.
    """
    if epoch is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_utc(text: str) -> dt.datetime:
    """Read an ISO date or datetime; a naive one is UTC. Returns an aware datetime.

    ``2024-05-01`` is midnight UTC; ``2024-05-01T12:00``, ``...Z`` and
    ``...+02:00`` are accepted.

    Raises:
        ValueError: the text is not an ISO date or datetime.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO date or datetime "
            "(e.g. 2024-05-01 or 2024-05-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def truncate(text: str, width: int = ARGS_WIDTH) -> str:
    """Cut ``text`` to ``width`` characters, ending with ``…`` when it was cut."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def compact_json(value: Any) -> str:
    """One-line JSON of ``value`` (``[1, "a"]``), as shown in tables."""
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Align ``rows`` under ``headers``; numbers are right-aligned, None is ``-``.

    Returns the table text without a trailing newline.
    """
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [
            max(width, len(cell)) for width, cell in zip(widths, row, strict=True)
        ]
    numeric = [
        any(isinstance(row[i], int) for row in rows)
        and all(isinstance(row[i], int | None) for row in rows)
        for i in range(len(headers))
    ]
    lines = [_line(headers, widths, numeric)]
    lines += [_line(row, widths, numeric) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    parts = [
        cell.rjust(width) if align else cell.ljust(width)
        for cell, width, align in zip(cells, widths, right, strict=True)
    ]
    return "  ".join(parts).rstrip()


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))
