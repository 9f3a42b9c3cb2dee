"""Run one chaos worker: ``python -m tests.chaos.launcher URL CONFIG QUEUES [APP]``.

``CONFIG`` is JSON of TaskTiger config keys (short timeouts); ``APP`` is ``tasks``
(default) or ``periodic_tasks`` — the module whose ``tiger`` is initialised. The worker
runs until it is signalled, like ``tiger-worker`` (its own process group is made by
the harness). With ``TIGER_CHAOS_REDIS_RETRIES=N`` its client re-sends a command up
to N times after a connection error (redis-py's ``Retry``); by default a client made
by ``Redis.from_url`` re-sends nothing.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from tiger_adapters.compat import Worker

#: The environment variable giving the client's retry count (see above).
RETRIES_ENV = "TIGER_CHAOS_REDIS_RETRIES"


def main(argv: list[str]) -> None:
    """Initialise the app's TaskTiger and run a fork worker until stopped."""
    url, config, queues = argv[0], json.loads(argv[1]), argv[2]
    app = importlib.import_module(
        f"tests.chaos.{argv[3] if len(argv) > 3 else 'tasks'}"
    )
    options: dict[str, Any] = {}
    if os.environ.get(RETRIES_ENV):
        backoff = ExponentialBackoff(cap=0.5, base=0.05)
        options["retry"] = Retry(backoff, int(os.environ[RETRIES_ENV]))
    client = redis.Redis.from_url(url, decode_responses=True, protocol=2, **options)
    app.tiger.init(connection=client, config=config, setup_structlog=True)
    Worker(app.tiger, queues=queues.split(","), executor="fork").run()


if __name__ == "__main__":
    main(sys.argv[1:])
