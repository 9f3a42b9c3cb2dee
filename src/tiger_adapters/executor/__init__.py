"""Executors: run the tasks of an execution request and report the outcome."""

from tiger_adapters.executor.fork import ForkExecutor
from tiger_adapters.executor.inline import InlineExecutor

__all__ = ["ForkExecutor", "InlineExecutor"]
