"""The in-memory task and lock stores: Tiger's storage ports without a server.

Use it in your own tests, or for a single-process worker (``make demo``). It holds
the same JSON text Redis would, and it passes the same contract suite as the Redis
store.
"""

from tiger_adapters.memory.locks import MemoryLockStore
from tiger_adapters.memory.store import MemoryTaskStore

__all__ = ["MemoryLockStore", "MemoryTaskStore"]
