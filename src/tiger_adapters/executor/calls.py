"""Calling a task function and describing its failure, with the standard library only.

Shared by :mod:`~tiger_adapters.executor.child` (fork and inline executors) and the
fork server's children (:mod:`~tiger_adapters.executor.zygote`), which must not
import pydantic, redis or structlog: a small process forks much faster.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from tiger_core.errors import JobTimeoutException, RetryException
from tiger_core.functions import exception_name

#: One call of a task function: positional args, keyword args, hard timeout (s).
Call = tuple[list[Any], dict[str, Any], float]

#: Delay used to re-arm an outer timer that would have fired during the task.
_MIN_REARM = 0.001


def call_directly(
    func: Callable[..., Any], calls: Sequence[Call], *, is_batch: bool
) -> None:
    """Call ``func`` as a batch (one call, longest timeout) or once per call.

    A batch function gets ``[{"args": ..., "kwargs": ...}, ...]``; any other
    function is called once per call, in order, each under its own hard timeout;
    the first exception stops the group.
    """
    if is_batch:
        batch = [{"args": args, "kwargs": kwargs} for args, kwargs, _ in calls]
        with soft_timeout(max(timeout for _, _, timeout in calls)):
            func(batch)
        return
    for args, kwargs, timeout in calls:
        with soft_timeout(timeout):
            func(*args, **kwargs)


def failure_fields(
    exc: BaseException, *, time_started: float, host: str, store_tracebacks: bool
) -> dict[str, Any]:
    """The fields of the execution record of a failed group (compat section 3.5)."""
    import traceback  # noqa: PLC0415 - kept out of the fork server's imports

    text: str | None = "".join(traceback.format_exception(exc))
    fields: dict[str, Any] = {"time_started": time_started}
    if isinstance(exc, RetryException):
        fields["retry"] = True
        if exc.method is not None:
            fields["retry_method"] = _wire_method(exc.method)
        fields["log_error"] = exc.log_error
        text = exc.original_traceback_text() or text
    fields.update(
        exception_name=exception_name(type(exc)),
        time_failed=time.time(),
        traceback=text if store_tracebacks else None,
        success=False,
        host=host,
    )
    return fields


def _wire_method(method: Any) -> tuple[str, list[Any]] | None:
    """Serialize a RetryException's method (policy, function or ``(f, args)``)."""
    from tiger_core.policies.retry import retry_from_option  # noqa: PLC0415 - heavy

    try:
        path, args = retry_from_option(method).to_wire()
    except (ValueError, TypeError):  # not importable elsewhere: use the task's own
        return None
    return (path, list(args))


@contextmanager
def soft_timeout(seconds: float) -> Iterator[None]:
    """Raise :class:`JobTimeoutException` in the block after ``seconds``.

    Uses ``SIGALRM`` through ``setitimer(ITIMER_REAL)``, so it only works in the
    main thread (``signal.signal`` refuses elsewhere); elsewhere the block runs
    without a timeout. The previous handler
    is restored afterwards and an outer timer (for example pytest-timeout's) is
    re-armed with the time it had left.
    """

    def _on_alarm(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise JobTimeoutException(
            f"Job exceeded maximum timeout value ({seconds:g} seconds)."
        )

    try:  # signal.signal itself refuses outside the main thread
        previous = signal.signal(signal.SIGALRM, _on_alarm)
    except ValueError:
        yield
        return
    armed_at = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:  # an alarm already pending is handled here, before the restore below
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(
                signal.SIGALRM, signal.SIG_DFL if previous is None else previous
            )
            if outer_delay > 0:
                left = outer_delay - (time.monotonic() - armed_at)
                signal.setitimer(
                    signal.ITIMER_REAL, max(left, _MIN_REARM), outer_interval
                )
