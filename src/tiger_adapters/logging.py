"""structlog configuration for worker processes: one JSON object per line."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog


def configure_logging(
    *, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Configure structlog globally to write JSON lines to ``stream`` (stderr).

    Called by the CLI and by ``TaskTiger(setup_structlog=True)``; library code never
    configures logging on import.
    """
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
