"""Start a worker on ``tests.runtime_tasks.tiger`` with a given config.

Usage: ``python -m tests.worker_launcher URL CONFIG_JSON QUEUES [EXECUTOR]``.
The integration tests use it to run real worker processes with small timeouts
(the CLI does not take arbitrary config keys).
"""

from __future__ import annotations

import json
import sys

import redis

from tests import runtime_tasks
from tiger_adapters.compat import Worker


def main(argv: list[str]) -> None:
    """Init the app's TaskTiger from the arguments and run a worker until stopped."""
    url, config, queues = argv[0], json.loads(argv[1]), argv[2]
    executor = argv[3] if len(argv) > 3 else "fork"
    client = redis.Redis.from_url(url, decode_responses=True, protocol=2)
    runtime_tasks.tiger.init(connection=client, config=config, setup_structlog=True)
    worker = Worker(runtime_tasks.tiger, queues=queues.split(","), executor=executor)
    worker.run()


if __name__ == "__main__":
    main(sys.argv[1:])
