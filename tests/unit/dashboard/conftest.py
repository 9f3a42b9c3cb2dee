"""Fixtures of the dashboard tests: a TaskTiger over the memory store, the app."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.clock import FrozenClock
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryLockStore, MemoryTaskStore
from tiger_cli.dashboard.app import create_app
from tiger_cli.dashboard.history import SizeHistory
from tiger_cli.dashboard.service import DashboardService


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def tiger(clock: FrozenClock) -> TaskTiger:
    return TaskTiger(store=MemoryTaskStore(), locks=MemoryLockStore(), clock=clock)


@pytest.fixture
def service(tiger: TaskTiger) -> DashboardService:
    return DashboardService(tiger, page_size=3)


@pytest.fixture
def history(clock: FrozenClock) -> SizeHistory:
    return SizeHistory(clock.now())


@pytest.fixture
def app(service: DashboardService, history: SizeHistory) -> Flask:
    return create_app(service, history)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
