"""Runs a README example with its context, against the test Redis server.

The examples are TaskTiger's text with only their imports changed. What they need
and do not define is provided here, never by editing them:

- ``redis.Redis()`` with no host (TaskTiger's default, localhost:6379) is pointed at
  the test server by replacing ``redis.Redis`` with a subclass while the example
  runs or is imported; its other arguments (``db``, ``decode_responses``) are kept.
- Fragments run with ``exec`` in a fresh module named after their file
  (``tests.readme_examples.<name>``, registered in ``sys.modules`` for the test), so
  the functions they define serialize as ``module:qualname`` and a forked worker
  child finds them; names they use without defining them are put there first.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

EXAMPLES_DIR = Path(__file__).resolve().parent
PACKAGE = "tests.readme_examples"


def server_redis_class(redis_url: str) -> type[redis.Redis]:
    """A ``redis.Redis`` whose host and port are always the test server's."""
    where = urlsplit(redis_url)
    host, port = where.hostname, where.port

    class TestServerRedis(redis.Redis):
        """``redis.Redis`` of the examples, on the test server (never 6379)."""

        def __init__(self, **kwargs: Any) -> None:
            kwargs.update(host=host, port=port)
            super().__init__(**kwargs)

    return TestServerRedis


class Examples:
    """Runs the example files of this package.

    Args:
        monkeypatch: undoes the ``sys.modules`` entries after the test.
        redis_url: the test server, which ``redis.Redis()`` is pointed at.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
        self.monkeypatch = monkeypatch
        self.redis_class = server_redis_class(redis_url)

    @contextmanager
    def default_redis_on_test_server(self) -> Iterator[None]:
        """While inside, ``redis.Redis(...)`` connects to the test server."""
        with self.monkeypatch.context() as patch:
            patch.setattr(redis, "Redis", self.redis_class)
            yield

    def source(self, name: str) -> str:
        """The text of example ``name``."""
        return (EXAMPLES_DIR / f"{name}.py").read_text()

    def run(
        self, name: str, into: ModuleType | None = None, **context: Any
    ) -> ModuleType:
        """Execute example ``name`` in a fresh module (or ``into``) holding ``context``.

        Returns:
            The module the example ran in (its globals).
        """
        return self.run_source(self.source(name), name, into, **context)

    def run_source(
        self, source: str, name: str, into: ModuleType | None = None, **context: Any
    ) -> ModuleType:
        """Execute ``source`` (part of example ``name``) like :meth:`run`."""
        module = into or ModuleType(f"{PACKAGE}.{name}")
        if into is None:
            module.__file__ = str(EXAMPLES_DIR / f"{name}.py")
            self.monkeypatch.setitem(sys.modules, module.__name__, module)
        vars(module).update(context)
        code = compile(source, str(EXAMPLES_DIR / f"{name}.py"), "exec")
        with self.default_redis_on_test_server():
            exec(code, vars(module))  # running the README's code is the test
        return module

    def import_fresh(self, name: str) -> ModuleType:
        """Import example module ``name`` anew, its ``redis.Redis()`` on the server."""
        full_name = f"{PACKAGE}.{name}"
        self.monkeypatch.delitem(sys.modules, full_name, raising=False)
        with self.default_redis_on_test_server():
            return importlib.import_module(full_name)
