# README "Cleaning Up Error'd Tasks", example. Verbatim; only the tasktiger import
# changed. ``datetime`` is the test's (the README example does not import it).
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters.compat import TaskTiger, periodic

tiger = TaskTiger()

@tiger.task(schedule=periodic(hours=1))
def purge_errored_tasks():
    tiger.purge_errored_tasks(
        limit=1000,
        last_execution_before=(
            datetime.datetime.utcnow() - datetime.timedelta(weeks=12)
        )
    )
