"""The core's ``Persist`` port over :class:`~tiger_adapters.compat.outage.Outage`.

While a worker holds claimed tasks, a store call that meets a Redis outage is
tried again instead of abandoning them: a finished task's outcome is settled
once Redis is back (the owner-checked scripts refuse it if the lease was lost
meanwhile), and a claim is re-sent with its request id, which answers the first
claim's tasks. The waits and the one-line outage log are the worker loop's own
(the same :class:`Outage`), so an outage is logged once whoever meets it.

A worker asked to stop keeps trying for one lease (``grace``): past that, crash
recovery owns the tasks anyway, and the call's last error is raised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tiger_adapters.compat.outage import Outage

T = TypeVar("T")

#: Seconds between two attempts once the worker is stopping (the outage's own
#: backoff wait is cut short by the stop).
STOPPING_RETRY = 0.25


class Persistence:
    """Calls a store action until it gets through an outage (see the module doc).

    Args:
        outage: the worker's backoff state (classifies errors, waits, logs).
        stop: set when the worker must stop.
        grace: seconds a stopping worker keeps trying (one lease).
    """

    def __init__(self, outage: Outage, stop: threading.Event, *, grace: float) -> None:
        """Bind the outage state; no I/O happens here."""
        self._outage = outage
        self._stop = stop
        self._grace = grace

    def __call__(self, action: Callable[[], T], /) -> T:
        """Call ``action`` until it gets through; return its result.

        Raises:
            RedisSetupError: a fatal error (credentials, ACL, TLS, settings).
            Exception: an error that is not about reaching Redis (``LeaseLost``,
                a script error), at once; a transient one once the worker has
                been stopping for ``grace`` seconds.
        """
        give_up_at: float | None = None
        while True:
            try:
                result = action()
            except Exception as exc:
                if self._stop.is_set():
                    if give_up_at is None:
                        give_up_at = time.monotonic() + self._grace
                    if time.monotonic() >= give_up_at:
                        raise
                self._outage.failed(exc)  # raises what waiting cannot help
                if self._stop.is_set():
                    time.sleep(STOPPING_RETRY)
                continue
            self._outage.recovered()
            return result
