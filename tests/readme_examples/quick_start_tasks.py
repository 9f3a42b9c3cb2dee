# README "Quick start", first example (``tasks.py``). Verbatim; only imports changed.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
# tasks.py
def my_task():
    print('Hello')
