"""Task functions of the operations tests (logging, error reporting, stats)."""

from __future__ import annotations

import structlog


def log_line(message: str) -> None:
    """Write a user log line through structlog."""
    structlog.get_logger("user").info(message)


def always_fail(message: str) -> None:
    """Raise ValueError(message)."""
    raise ValueError(message)


def succeed() -> None:
    """Do nothing."""
