# README "Task decorator", second example (IPython session). Verbatim but for the
# import line (``import tasks``) and the ``In [n]:`` prompts. It uses ``my_task``
# without importing it (as in the README); the test provides that name.
# ruff: noqa
# mypy: ignore-errors
# fmt: off
from tests.readme_examples import decorator_tasks as tasks
# The following are equivalent. However, the second syntax can only be used
# if the task is decorated.
tasks.tiger.delay(my_task, args=('John',), kwargs={'n': 1})
tasks.my_task.delay('John', n=1)
