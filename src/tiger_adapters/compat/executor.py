"""Executors under TaskTiger's names (``tasktiger.executor``).

``ForkExecutor`` runs each task in a forked child (the default); ``SyncExecutor``
runs it in the worker's own process (Tiger's ``InlineExecutor``). Pass an instance
as ``Worker(tiger, executor=...)``, or the names ``"fork"`` / ``"sync"``.
"""

from tiger_adapters.executor import ForkExecutor, InlineExecutor

#: TaskTiger's name of the in-process executor.
SyncExecutor = InlineExecutor

__all__ = ["ForkExecutor", "InlineExecutor", "SyncExecutor"]
