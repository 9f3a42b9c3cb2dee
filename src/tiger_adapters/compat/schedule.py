"""Schedules of periodic tasks (``tasktiger.schedule``): ``periodic``, ``cron_expr``.

They return frozen schedule value objects; pass one to
``@tiger.task(schedule=...)``.
"""

from tiger_core.policies.schedule import cron_expr, periodic

__all__ = ["cron_expr", "periodic"]
