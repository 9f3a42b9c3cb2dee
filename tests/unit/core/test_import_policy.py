"""TASK_MODULES: names read from storage are imported only from allowed modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tiger_core.config import TigerConfig
from tiger_core.errors import ConfigError, TaskImportError
from tiger_core.functions import (
    import_attribute,
    import_exception_class,
    restrict_imports,
)
from tiger_core.policies.retry import exception_matches

FORBIDDEN = "tests.forbidden_import"


@pytest.fixture
def allow_tests_sample() -> Iterator[None]:
    """Restrict imports to ``tests.sample_tasks`` for one test, then restore."""
    previous = restrict_imports(["tests.sample_tasks"])
    sys.modules.pop(FORBIDDEN, None)
    try:
        yield
    finally:
        restrict_imports(previous)


@pytest.mark.usefixtures("allow_tests_sample")
@pytest.mark.parametrize(
    "name",
    [f"{FORBIDDEN}:run", f"{FORBIDDEN}:Boom", "os:system", "builtins:eval"],
)
def test_a_name_outside_the_allowlist_is_refused_before_any_import(name):
    """A refused name raises TaskImportError naming it, and its module is not loaded."""
    with pytest.raises(TaskImportError, match="not in TASK_MODULES") as caught:
        import_attribute(name)

    assert name in str(caught.value)
    assert FORBIDDEN not in sys.modules


@pytest.mark.usefixtures("allow_tests_sample")
def test_an_allowed_prefix_covers_its_submodules_and_tiger_is_always_allowed():
    """``tests.sample_tasks`` is allowed, and so are TaskTiger's retry functions."""
    import tests.sample_tasks as sample

    assert sample.add is import_attribute("tests.sample_tasks:add")
    assert callable(import_attribute("tasktiger.retry:fixed"))


@pytest.mark.usefixtures("allow_tests_sample")
def test_exception_classes_of_loaded_modules_resolve_without_imports():
    """``builtins:ValueError`` resolves; a non-class or unloaded module is refused."""
    assert ValueError is import_exception_class("builtins:ValueError")
    with pytest.raises(TaskImportError, match="not an exception class"):
        import_exception_class("os:system")
    with pytest.raises(TaskImportError, match="not in TASK_MODULES"):
        import_exception_class(f"{FORBIDDEN}:Boom")

    assert FORBIDDEN not in sys.modules


@pytest.mark.usefixtures("allow_tests_sample")
def test_retry_on_matching_keeps_subclasses_and_ignores_refused_names():
    """retry_on still matches builtin subclasses; refused names never match by class."""
    assert exception_matches("builtins:ZeroDivisionError", ["builtins:ArithmeticError"])
    assert not exception_matches(
        "builtins:ValueError", [f"{FORBIDDEN}:Boom", "os:system"]
    )

    assert FORBIDDEN not in sys.modules


def test_without_an_allowlist_anything_importable_is_imported():
    """The default (None) keeps TaskTiger's behaviour."""
    previous = restrict_imports(None)
    try:
        found = import_attribute("os.path:join")
    finally:
        restrict_imports(previous)

    import os.path

    assert os.path.join is found


def test_task_modules_config_must_be_a_list():
    """A bare string for TASK_MODULES is a config error naming the key."""
    with pytest.raises(ConfigError, match="TASK_MODULES"):
        TigerConfig.from_mapping({"TASK_MODULES": "myapp"})
