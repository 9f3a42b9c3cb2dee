# README "Task decorator", first example (``tasks.py``). Verbatim; only the
# tasktiger import changed.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
# tasks.py

from tiger_adapters import compat as tasktiger
tiger = tasktiger.TaskTiger()

@tiger.task()
def my_task(name, n=None):
    print('Hello', name)
