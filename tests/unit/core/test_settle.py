"""retry_delay: when a failed task runs again (compat section 5.11)."""

from __future__ import annotations

from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import TaskData
from tiger_core.policies.retry import fixed
from tiger_core.services.settle import retry_delay

DEFAULT = fixed(60, 3)


def task(**fields: object) -> TaskData:
    """A payload with the given options."""
    return TaskData.model_validate({"id": "a", "func": "m:f", **fields})


def failure(name: str = "builtins:ValueError", **fields: object) -> ExecutionRecord:
    """A failure record."""
    return ExecutionRecord.model_validate({"exception_name": name, **fields})


def test_task_without_retry_method_is_not_retried() -> None:
    """A plain task goes to error on its first failure."""
    assert retry_delay(task(), failure(), attempt=1, default=DEFAULT) is None


def test_retry_method_without_retry_on_retries_anything() -> None:
    """A retry method alone retries every exception until attempts run out."""
    retriable = task(retry_method=["tasktiger.retry:_fixed", [5, 1]])

    assert 5 == retry_delay(retriable, failure(), attempt=1, default=DEFAULT)
    assert retry_delay(retriable, failure(), attempt=2, default=DEFAULT) is None


def test_retry_on_filters_by_exception_class() -> None:
    """With retry_on, only matching exceptions (or subclasses) are retried."""
    retriable = task(
        retry_method=["tasktiger.retry:_fixed", [5, 3]],
        retry_on=["builtins:LookupError"],
    )

    assert 5 == retry_delay(
        retriable, failure("builtins:KeyError"), attempt=1, default=DEFAULT
    )
    assert retry_delay(retriable, failure(), attempt=1, default=DEFAULT) is None


def test_retry_exception_uses_its_own_method_first() -> None:
    """A RetryException's method beats the task's, which beats the default."""
    retriable = task(retry_method=["tasktiger.retry:_fixed", [5, 3]])
    own = failure(retry=True, retry_method=["tasktiger.retry:_fixed", [7, 3]])
    bare = failure(retry=True)

    assert 7 == retry_delay(retriable, own, attempt=1, default=DEFAULT)
    assert 5 == retry_delay(retriable, bare, attempt=1, default=DEFAULT)
    assert 60 == retry_delay(task(), bare, attempt=1, default=DEFAULT)


def test_unimportable_custom_retry_function_means_error() -> None:
    """A retry function that cannot be imported stops retrying."""
    retriable = task(retry_method=["no_such_module:f", []])

    assert retry_delay(retriable, failure(), attempt=1, default=DEFAULT) is None
