"""Run one chaos worker: ``python -m tests.chaos.launcher URL CONFIG QUEUES [APP]``.

``CONFIG`` is JSON of TaskTiger config keys (short timeouts); ``APP`` is ``tasks``
(default) or ``periodic_tasks`` — the module whose ``tiger`` is initialised. The worker
runs until it is signalled, like ``tiger-worker`` (its own process group is made by
the harness).
"""

from __future__ import annotations

import importlib
import json
import sys

import redis

from tiger_adapters.compat import Worker


def main(argv: list[str]) -> None:
    """Initialise the app's TaskTiger and run a fork worker until stopped."""
    url, config, queues = argv[0], json.loads(argv[1]), argv[2]
    app = importlib.import_module(
        f"tests.chaos.{argv[3] if len(argv) > 3 else 'tasks'}"
    )
    client = redis.Redis.from_url(url, decode_responses=True, protocol=2)
    app.tiger.init(connection=client, config=config, setup_structlog=True)
    Worker(app.tiger, queues=queues.split(","), executor="fork").run()


if __name__ == "__main__":
    main(sys.argv[1:])
