# README "Task options", first example (a fragment: the test provides ``tiger``).
# Verbatim.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
@tiger.task(queue='myqueue', unique=True)
def my_task():
    print('Hello')
