"""What the README fragments use without defining it, provided by the tests.

The README's examples call ``send_mail``, ``ready``, ``some_code`` and catch
``NetworkException`` without defining them. The tests put these (importable, so a
forked worker child can run them) into the example's namespace.
"""

from __future__ import annotations

from pathlib import Path


class NetworkException(Exception):
    """The README's network failure."""


def send_mail(email_id: str) -> None:
    """The README's mail-sending task (does nothing)."""
    del email_id


def not_ready() -> bool:
    """``ready()`` of a task that is never ready."""
    return False


def is_ready() -> bool:
    """``ready()`` of a task that is ready."""
    return True


def network_down() -> None:
    """``some_code()`` failing with a network error."""
    raise NetworkException("network down")


def fail_once(marker: str) -> None:
    """Fail the first time (creating ``marker``), succeed from then on."""
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise RuntimeError("first run fails")


def fail(message: str) -> None:
    """Always fail."""
    raise RuntimeError(message)
