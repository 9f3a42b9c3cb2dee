"""Error reporters: adapters of the core's ``ErrorReporter`` port.

``LoggingErrorReporter`` and ``StructlogErrorHandler`` (stdlib logging, any
logging-based service) are importable from here; the Sentry adapter lives in
``tiger_adapters.reporting.sentry`` and needs the ``sentry`` extra.
"""

from tiger_adapters.reporting.log_handler import (
    LoggingErrorReporter,
    StructlogErrorHandler,
)

__all__ = ["LoggingErrorReporter", "StructlogErrorHandler"]
