# README "Inspect, requeue and delete tasks", Example 3. Verbatim; only the
# tasktiger import changed.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters.compat import TaskTiger

tiger = TaskTiger()

@tiger.task(batch=True)
def my_task(args):
    for task in tiger.current_tasks:
        print(task.n_executions())
