"""Start-up checks of the Redis server a worker uses.

Only ``maxmemory-policy noeviction`` is safe for a task queue: any eviction
policy may silently drop task payloads, state entries or (``volatile-*``) the
lock and lease keys, which all carry TTLs. Managed Redis often defaults to an
eviction policy and may forbid ``CONFIG`` (ACL, renamed command); then the check
says so once and the worker goes on.
"""

from __future__ import annotations

from typing import Any

import redis

#: The one eviction policy under which Redis never drops a key by itself.
SAFE_POLICY = "noeviction"


def check_eviction_policy(client: redis.Redis, log: Any) -> str | None:
    """Log one warning unless Redis runs with ``maxmemory-policy noeviction``.

    Args:
        client: the worker's Redis client.
        log: a structlog logger.

    Returns:
        The policy read, or None when ``CONFIG GET`` is not permitted or failed
        (logged once as information; never raised).
    """
    try:
        reply = client.config_get("maxmemory-policy")
    except redis.RedisError as exc:
        log.info(
            "eviction policy not checked",
            reason=f"CONFIG GET maxmemory-policy failed: {exc}",
            required=SAFE_POLICY,
        )
        return None
    policy = str(reply.get("maxmemory-policy", "")) if reply else ""
    if not policy:
        log.info("eviction policy not checked", reason="CONFIG GET gave no policy")
        return None
    if policy != SAFE_POLICY:
        log.warning(
            f"IMPORTANT! Redis eviction policy is {policy!r}; it should be "
            f"{SAFE_POLICY!r}, or Redis may silently drop tasks and locks",
            policy=policy,
        )
    return policy
