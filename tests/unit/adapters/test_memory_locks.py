"""The in-memory lock store against the LockStore contract."""

from __future__ import annotations

import pytest

from tests.contract.lock_store import LockStoreContract
from tiger_adapters.memory import MemoryLockStore


class TestMemoryLockStore(LockStoreContract):
    """MemoryLockStore passes the shared contract."""

    @pytest.fixture
    def locks(self) -> MemoryLockStore:
        """A fresh store per test."""
        return MemoryLockStore()
