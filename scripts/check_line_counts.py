"""Fail when any Python file under the given directories is too long.

Usage: ``python scripts/check_line_counts.py [--max N] [DIR ...]``
(defaults: ``--max 400`` and the directories ``src`` and ``tests``).
Exits with status 1 and lists the offending files if any file exceeds the limit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

DEFAULT_MAX_LINES = 400
DEFAULT_ROOTS = ("src", "tests")


def count_lines(path: Path) -> int:
    """Return the number of lines in ``path``."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def find_long_files(roots: Iterable[Path], max_lines: int) -> list[tuple[Path, int]]:
    """Return ``(path, line_count)`` for each ``.py`` file over ``max_lines``."""
    offenders: list[tuple[Path, int]] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lines = count_lines(path)
            if lines > max_lines:
                offenders.append((path, lines))
    return offenders


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check and return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", default=list(DEFAULT_ROOTS))
    parser.add_argument("--max", type=int, default=DEFAULT_MAX_LINES, dest="max_lines")
    args = parser.parse_args(argv)

    roots = [Path(root) for root in args.roots]
    missing = [str(root) for root in roots if not root.is_dir()]
    if missing:
        print(f"warning: not a directory, skipped: {', '.join(missing)}")
    offenders = find_long_files((r for r in roots if r.is_dir()), args.max_lines)
    for path, lines in offenders:
        print(f"{path}: {lines} lines (max {args.max_lines})")
    if offenders:
        print(f"{len(offenders)} file(s) over {args.max_lines} lines", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
