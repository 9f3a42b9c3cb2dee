"""TaskTiger's README examples, verbatim but for their imports.

Run by ``tests/integration/test_readme_examples.py``.

Each module here is one Python example of TaskTiger 0.26.3's README with only its
``tasktiger`` imports changed to ``tiger_adapters.compat``. Fragments (examples that
use ``tiger``, ``datetime`` or helper functions they do not define) are not imported
but executed by the test with that context provided; ``context.py`` holds the helper
functions they call. The example files are TaskTiger's untyped code: each carries
file-level ``ruff: noqa`` / ``mypy: ignore-errors`` pragmas rather than being edited.
"""
