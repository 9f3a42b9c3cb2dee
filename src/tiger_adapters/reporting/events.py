"""What every error reporter says about a failure: title, grouping key, exception."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Fields of a title, in TaskTiger's order (its Rollbar handler's grouping key).
TITLE_FIELDS = ("event", "func", "exception_name", "queue")

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def root_queue(queue: str) -> str:
    """The first dotted segment of ``queue``: subqueues group with their root."""
    return queue.split(".", 1)[0]


def error_title(fields: Mapping[str, object], prefix: str = "") -> str:
    """A stable one-line title such as ``app: event=task error func=m:f ...``.

    Only ``event``, ``func``, ``exception_name`` and ``queue`` (reduced to its root,
    so that ``email.user42`` and ``email.user43`` group together) take part.
    """
    parts = []
    for key in TITLE_FIELDS:
        if fields.get(key) is not None:
            value = str(fields[key])
            parts.append(f"{key}={root_queue(value) if key == 'queue' else value}")
    body = " ".join(parts)
    return f"{prefix}: {body}" if prefix else body


def fingerprint(title: str) -> str:
    """A short hash of a title, for services that group by an opaque key."""
    return hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class ExceptionInfo:
    """An exception as recorded by the worker (its object is gone by then).

    Attributes:
        module: the module of the exception class (``builtins``).
        type: the class name (``ValueError``).
        value: the message, from the traceback's last line ("" when unknown).
        frames: ``(file, line, function)`` of the innermost traceback, oldest first.
    """

    module: str
    type: str
    value: str
    frames: tuple[tuple[str, int, str], ...]


def exception_info(exception_name: str | None, traceback: str | None) -> ExceptionInfo:
    """Split ``module:qualname`` and read the message and frames from the text."""
    name = exception_name or "builtins:Exception"
    module, _, qualname = name.rpartition(":")
    type_name = qualname or name
    lines = (traceback or "").rstrip().splitlines()
    value = ""
    if lines:
        head, sep, rest = lines[-1].partition(": ")
        if sep and head.rsplit(".", 1)[-1] == type_name.rsplit(".", 1)[-1]:
            value = rest
    frames: list[tuple[str, int, str]] = []
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            frames = []  # a chained exception: keep the last traceback only
        match = _FRAME.match(line)
        if match:
            frames.append((match["file"], int(match["line"]), match["func"].strip()))
    return ExceptionInfo(module, type_name, value, tuple(frames))
