# README "Workers", custom launch script. Verbatim; only the tasktiger import changed.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
import sys
from tiger_adapters.compat import TaskTiger

try:
    command = sys.argv[1]
except IndexError:
    command = None

if command == 'tasktiger':
    tiger = TaskTiger(setup_structlog=True)
    # Strip the "tasktiger" arg when running via manage, so we can run e.g.
    # ./manage.py tasktiger --help
    tiger.run_worker_with_args(sys.argv[2:])
    sys.exit(0)
