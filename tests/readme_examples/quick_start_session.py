# README "Quick start", second example (IPython session). Verbatim but for the
# import line (``import tasktiger, tasks``) and the ``In [n]:`` prompts.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tiger_adapters import compat as tasktiger
from tests.readme_examples import quick_start_tasks as tasks
tiger = tasktiger.TaskTiger()
tiger.delay(tasks.my_task)
