"""The facade's option and inspection cases on a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from tests.compat_cases.inspection import InspectionCases
from tests.compat_cases.options import OptionsCases
from tests.unit.compat.support import FakeClock
from tiger_adapters.compat import TaskTiger


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class TestCompatOnRedis(OptionsCases, InspectionCases):
    """Every option and API of compat 1-4, on RedisTaskStore."""

    @pytest.fixture
    def make_tiger(
        self, redis_client: redis.Redis, clock: FakeClock
    ) -> Callable[..., TaskTiger]:
        def make(**config: Any) -> TaskTiger:
            return TaskTiger(connection=redis_client, config=config, clock=clock)

        return make

    @pytest.fixture
    def tiger(self, make_tiger: Callable[..., TaskTiger]) -> TaskTiger:
        return make_tiger()
