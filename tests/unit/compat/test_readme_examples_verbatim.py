"""The README example files are TaskTiger's README text but for their imports.

Compares every file of ``tests.readme_examples`` (except the harness modules) with
the README shipped in PyPI TaskTiger 0.26.3's metadata (``.venv-tasktiger``; the
test is skipped without it): once the header comments and the ``tiger_adapters`` /
``tests.readme_examples`` import lines are removed, each remaining run of lines is
in one of the README's code blocks (IPython ``In [n]:`` prompts removed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.readme_examples.harness import EXAMPLES_DIR

REPO = Path(__file__).resolve().parents[3]
NOT_EXAMPLES = {"__init__.py", "context.py", "harness.py"}
HEADER_END = "# fmt: off"
CHANGED_IMPORTS = re.compile(
    r"^(from (tiger_adapters|tests\.readme_examples)[. ]|import tiger_adapters)"
)


def readme_code() -> str:
    """TaskTiger 0.26.3's README, code blocks unindented and prompts removed."""
    found = sorted(REPO.glob(".venv-tasktiger/lib/*/site-packages/tasktiger-0.26.3*"))
    if not found:
        pytest.skip("needs .venv-tasktiger (make tasktiger-venv)")
    text = (found[0] / "METADATA").read_text()
    lines = [re.sub(r"^  (In \[\d+\]: )?", "", line) for line in text.splitlines()]
    return "\n".join(lines)


def unchanged_runs(example: Path) -> list[str]:
    """The runs of lines of ``example`` between its changed import lines."""
    lines = example.read_text().splitlines()
    body = lines[lines.index(HEADER_END) + 1 :]
    runs: list[list[str]] = [[]]
    for line in body:
        if CHANGED_IMPORTS.match(line):
            runs.append([])
        else:
            runs[-1].append(line)
    texts = ["\n".join(run).strip("\n") for run in runs]
    return [text for text in texts if text]


@pytest.mark.parametrize(
    "example",
    sorted(p for p in EXAMPLES_DIR.glob("*.py") if p.name not in NOT_EXAMPLES),
    ids=lambda p: p.stem,
)
def test_example_is_the_readme_text_but_for_its_imports(example: Path) -> None:
    """Every unchanged run of lines of the example is verbatim in the README."""
    readme = readme_code()

    missing = [run for run in unchanged_runs(example) if run not in readme]

    assert [] == missing
