# README "Inspect, requeue and delete tasks", Example 1. Verbatim; only the
# tasktiger import changed. ``send_mail`` and ``datetime`` are the test's (the README
# example does not define or import them).
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters.compat import TaskTiger, Task

tiger = TaskTiger()

# Send an email in five minutes.
task = Task(tiger, send_mail, args=['email_id'], unique=True)
task.delay(when=datetime.timedelta(minutes=5))

# Unique tasks get back a task instance referring to the same task by simply
# creating the same task again.
task = Task(tiger, send_mail, args=['email_id'], unique=True)
task.cancel()
