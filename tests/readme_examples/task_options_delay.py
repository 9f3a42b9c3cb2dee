# README "Task options", second example (a fragment: ``tiger`` and ``my_task`` come
# from the previous example). Verbatim.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
# The task will be queued in "otherqueue", even though the task decorator
# says "myqueue".
tiger.delay(my_task, queue='otherqueue')
