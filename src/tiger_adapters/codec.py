"""Task payloads and execution records to JSON text and back.

One codec for every store: the in-memory store keeps the same JSON text that Redis
keeps, so a value that cannot be serialized fails in a unit test exactly as it would
in production. The JSON is Python's ``json.dumps`` with default separators, the same
bytes TaskTiger writes.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from tiger_core.errors import QueueFullException
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import TaskData


def encode_task(task: TaskData) -> str:
    """Return the JSON text of a task payload.

    Raises:
        TypeError: an argument is not JSON-serializable (naming the task's function).
    """
    try:
        return json.dumps(task.to_wire())
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"arguments of {task.func} are not JSON-serializable: {exc}"
        ) from exc


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
    try:
        value: Any = json.loads(raw)
    except ValueError as exc:
        return None, f"task {task_id}: payload is not valid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"task {task_id}: payload is not a JSON object"
    try:
        data = TaskData.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return (
            None,
            f"task {task_id}: payload field {where!r} is invalid: {first['msg']}",
        )
    if data.id != task_id:
        return None, f"task {task_id}: payload holds task id {data.id!r} (ID mismatch)"
    return data, None


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
