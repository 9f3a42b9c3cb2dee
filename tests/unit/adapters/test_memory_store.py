"""The in-memory store against the TaskStore contract."""

from __future__ import annotations

import pytest

from tests.contract.task_store import TaskStoreContract
from tiger_adapters.memory import MemoryTaskStore


class TestMemoryTaskStore(TaskStoreContract):
    """MemoryTaskStore passes the shared contract."""

    @pytest.fixture
    def store(self) -> MemoryTaskStore:
        """A fresh store per test."""
        return MemoryTaskStore()
