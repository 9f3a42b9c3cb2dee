"""RedisWorkSignal: queue announcements from the ``P:activity`` pub/sub channel."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
import structlog
from redis.client import PubSub

_log = structlog.get_logger("tiger")


class RedisWorkSignal:
    """A :class:`tiger_core.ports.WorkSignal` subscribed to ``P:activity``.

    The subscription is made in the constructor, so announcements published after
    it returns are not missed. After a connection error the next :meth:`wait`
    subscribes again; what was published in between is lost, which is why workers
    also re-read ``P:queued`` now and then.

    Args:
        client: a redis-py client built with ``decode_responses=True``.
        channel: the channel name (``KeySchema.activity()``).
    """

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self._client = client
        self._channel = channel
        self._pubsub = _subscriber(client)
        self._pubsub.subscribe(channel)
        self._broken = False

    def wait(self, timeout: float) -> set[str]:
        """See :meth:`tiger_core.ports.WorkSignal.wait`."""
        deadline = time.monotonic() + max(timeout, 0.0)
        queues: set[str] = set()
        try:
            if self._broken:
                self._resubscribe()
            while True:
                left = 0.0 if queues else deadline - time.monotonic()
                message = self._pubsub.get_message(timeout=max(left, 0.0))
                if message is not None and message.get("type") == "message":
                    queues.add(str(message["data"]))
                elif queues or left <= 0:
                    return queues
        except redis.RedisError as exc:
            self._broken = True
            _log.warning("activity channel lost", error=str(exc))
            time.sleep(max(min(deadline - time.monotonic(), 1.0), 0.0))
            return queues

    def _resubscribe(self) -> None:
        self._pubsub.close()
        self._pubsub = _subscriber(self._client)
        self._pubsub.subscribe(self._channel)
        self._broken = False

    def close(self) -> None:
        """See :meth:`tiger_core.ports.WorkSignal.close`."""
        self._pubsub.close()


def _subscriber(client: redis.Redis) -> PubSub:
    """A pub/sub object that drops subscribe confirmations.

    Called through a typed alias: redis-py types ``pubsub()`` from 8.2 on, and
    left it untyped before.
    """
    make: Callable[..., PubSub] = client.pubsub
    return make(ignore_subscribe_messages=True)
