"""The layering is enforced: import-linter breaks when the core reaches outward."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def run_lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports with the project's contracts over the sources in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the sources and the contracts."""
    shutil.copytree(ROOT / "src", tmp_path / "src")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_contracts_hold_on_the_real_tree(tree: Path) -> None:
    """The sources as committed keep every contract."""
    result = run_lint_imports(tree)

    assert 0 == result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["redis", "signal", "tiger_adapters.memory"])
def test_core_importing_infrastructure_breaks_the_contract(
    tree: Path, module: str
) -> None:
    """A core module that imports redis, process code or an adapter fails the lint."""
    (tree / "src" / "tiger_core" / "leak.py").write_text(
        f'"""Leak."""\n\nimport {module}\n'
    )

    result = run_lint_imports(tree)

    assert 0 != result.returncode
    assert "Core is pure" in result.stdout
    assert f"tiger_core.leak -> {module}" in result.stdout
