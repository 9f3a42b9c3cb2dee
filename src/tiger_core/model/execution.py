"""What happened when a task ran: execution records and executor reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from tiger_core.model.task import TaskData


class ExecutionRecord(BaseModel):
    """One failed execution, as stored in ``<prefix>:task:<id>:executions``.

    Field order follows TaskTiger's records (compat section 3.5). Unset fields are
    left out of the JSON. Successful executions are not recorded.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    time_started: float | None = None
    retry: bool | None = None
    retry_method: tuple[str, list[Any]] | None = None
    log_error: bool | None = None
    exception_name: str | None = None
    time_failed: float | None = None
    traceback: str | None = None
    success: bool = False
    host: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON-ready dict without unset fields."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class TaskCall(BaseModel):
    """One task of an execution request: its id and how to call the function.

    ``data`` is the stored payload, when the caller has it: the running code can
    then see its own task (``TaskTiger.current_task``).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    hard_timeout: float
    data: TaskData | None = None


class ExecutionRequest(BaseModel):
    """Tasks of one function that an executor runs together (one child process).

    Attributes:
        func: the ``module:qualname`` of the function.
        queue: the queue the tasks were claimed from (for logs and context).
        tasks: the calls, run one after the other (or as one call for a batch
            function) in the same child.
        store_tracebacks: whether the record keeps the traceback text.
        runner_class: the ``module:qualname`` of a TaskTiger-style runner class
            that calls the function (None: call it directly).
    """

    model_config = ConfigDict(frozen=True)

    func: str
    queue: str
    tasks: list[TaskCall]
    store_tracebacks: bool = True
    runner_class: str | None = None

    @property
    def total_timeout(self) -> float:
        """The sum of the tasks' hard timeouts: the group's time budget."""
        return sum(task.hard_timeout for task in self.tasks)


class ExecutionReport(BaseModel):
    """The outcome of one execution request, sent from the child to the parent.

    Attributes:
        success: every task of the request finished without an exception.
        record: the failure record when ``success`` is False.
    """

    model_config = ConfigDict(frozen=True)

    success: bool
    record: ExecutionRecord | None = None
