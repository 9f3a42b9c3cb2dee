"""Task payloads and execution records to JSON text and back.

One codec for every store: the in-memory store keeps the same JSON text that Redis
keeps, so a value that cannot be serialized fails in a unit test exactly as it would
in production. The JSON is Python's ``json.dumps`` with default separators, the same
bytes TaskTiger writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from tiger_core.errors import PayloadTooLarge, QueueFullException
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import TaskData


def _direct_dumps() -> Callable[[Any], str]:
    """``json.dumps`` with its defaults, calling the C encoder directly.

    ``json.dumps`` reaches the C encoder through several Python layers that cost
    more than encoding a small payload; this builds it as ``json.dumps`` does
    (a fresh circular-reference table per call) and calls it. Where the C encoder
    is missing or takes other arguments, this is ``json.dumps`` itself.
    """
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    defaults = json.JSONEncoder()
    fixed = (
        defaults.default,
        json.encoder.encode_basestring_ascii,
        None,  # indent
        defaults.key_separator,
        defaults.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )

    def dumps(value: Any) -> str:
        return "".join(make({}, *fixed)(value, 0))

    sample = {"a": [1, 2.5, None, True, "\u00e9\n"], "b": {"1": float("nan")}}
    try:
        same = dumps(sample) == json.dumps(sample)
    except TypeError:  # None, or another signature
        same = False
    return dumps if same else json.dumps


_dumps = _direct_dumps()


def encode_task(task: TaskData) -> str:
    """Return the JSON text of a task payload.

    Raises:
        TypeError: an argument is not JSON-serializable (naming the task's function).
    """
    try:  # the fast form: the stored values as they are (JSON-native in practice)
        return _dumps(task.plain_wire())
    except (TypeError, ValueError):
        pass  # e.g. a dataclass argument, which pydantic's serializer converts
    try:
        return json.dumps(task.to_wire())
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"arguments of {task.func} are not JSON-serializable: {exc}"
        ) from exc


def encode_task_within(task: TaskData, limit: int | None) -> str:
    """Return the JSON text of a task payload, refusing one longer than ``limit``.

    The text is ASCII (``json.dumps`` escapes the rest), so its length is its size
    in bytes.

    Raises:
        TypeError: an argument is not JSON-serializable.
        PayloadTooLarge: the text is longer than ``limit`` bytes (naming the
            function and both sizes).
    """
    payload = encode_task(task)
    if limit is not None and len(payload) > limit:
        raise PayloadTooLarge(
            f"task {task.id} of {task.func}: payload is {len(payload)} bytes, over "
            f"MAX_PAYLOAD_BYTES={limit}; nothing was written (pass large data by "
            "reference, e.g. a key or a URL)"
        )
    return payload


def decode_task(
    raw: str | bytes | None, task_id: str
) -> tuple[TaskData | None, str | None]:
    """Decode a stored payload.

    Returns:
        ``(data, None)`` on success, or ``(None, problem)`` where ``problem`` names
        the task and says what is wrong; this never raises.
    """
    if raw is None:
        return None, f"task {task_id}: payload not found"
    value, problem = _json_object(raw)
    if problem is not None:
        return None, f"task {task_id}: invalid payload: {problem}"
    try:
        data = TaskData.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return None, f"task {task_id}: invalid payload: field {where!r}: {first['msg']}"
    if data.id != task_id:
        return None, (
            f"task {task_id}: invalid payload: holds task id {data.id!r} (ID mismatch)"
        )
    return data, None


def _json_object(raw: str | bytes) -> tuple[dict[str, Any], str | None]:
    """The payload's JSON object, or ``({}, problem)``."""
    try:
        value: Any = json.loads(_text(raw))
    except UnicodeDecodeError as exc:
        return {}, (
            "not UTF-8 text, so not Tiger's JSON (a pickle or garbage; nothing "
            f"was executed) ({exc})"
        )
    except ValueError as exc:
        return {}, f"not valid JSON ({exc})"
    if not isinstance(value, dict):
        return {}, "not a JSON object"
    return value, None


def _text(raw: str | bytes) -> str:
    """The payload as text; bytes that are not UTF-8 raise UnicodeDecodeError."""
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


def encode_record(record: ExecutionRecord) -> str:
    """Return the JSON text of one execution record."""
    return json.dumps(record.to_wire())


def decode_records(raws: list[str] | list[bytes]) -> list[dict[str, Any]]:
    """Decode stored execution records, keeping undecodable ones as ``{"raw": ...}``."""
    records: list[dict[str, Any]] = []
    for raw in raws:
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if isinstance(value, dict):
            records.append(value)
        else:
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            records.append({"raw": text})
    return records


def patch_payload(raw: str, **fields: Any) -> str:
    """Return the payload text ``raw`` with ``fields`` set, all else unchanged.

    Python's ``json`` reads and writes back every value it wrote exactly (key order,
    floats, large integers, empty lists), so only the patched fields change; this
    is how ``update_scheduled_time`` avoids TaskTiger's cjson corruption (8.6).

    Raises:
        ValueError: ``raw`` is not a JSON object.
    """
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("payload is not a JSON object")
    value.update(fields)
    return json.dumps(value)


def queue_full(queue: str, size: int, limit: int) -> QueueFullException:
    """Return the error of an enqueue refused by ``max_queue_size``."""
    return QueueFullException(
        f"queue {queue!r} holds {size} tasks (queued, scheduled and active); "
        f"max_queue_size is {limit}"
    )
