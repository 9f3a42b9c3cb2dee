# README "Inspect, requeue and delete tasks", Example 2. Verbatim; only the
# tasktiger import changed. The test puts an errored task with this TASK_ID first.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters.compat import TaskTiger, Task

QUEUE_NAME = 'default'
TASK_STATE = 'error'
TASK_ID = '6fa07a91642363593cddef7a9e0c70ae3480921231710aa7648b467e637baa79'

tiger = TaskTiger()

n_total, tasks = Task.tasks_from_queue(tiger, QUEUE_NAME, TASK_STATE)

for task in tasks:
    print(task.id, task.func)

task = Task.from_id(tiger, QUEUE_NAME, TASK_STATE, TASK_ID)
task.retry()
