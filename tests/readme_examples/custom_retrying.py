# README "Custom retrying", example. Verbatim; only the tasktiger imports changed.
# ``ready``, ``some_code`` and ``NetworkException`` are the test's (README fragment).
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters.compat.exceptions import RetryException
from tiger_adapters.compat.retry import exponential, fixed

def my_task():
    if not ready():
        # Retry every minute up to 3 times if we're not ready. An error will
        # be logged if we're out of retries.
        raise RetryException(method=fixed(60, 3))

    try:
        some_code()
    except NetworkException:
        # Back off exponentially up to 5 times in case of a network failure.
        # Log the original traceback (as a warning) and don't log an error if
        # we still fail after 5 times.
        raise RetryException(method=exponential(60, 2, 5),
                             original_traceback=True,
                             log_error=False)
