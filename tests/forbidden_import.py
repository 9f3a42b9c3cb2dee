"""A module the import-allowlist tests must never import.

Importing it appends an ``imported`` line to the chaos recorder file (when one is
set) so that a test in another process can see it happened; it also defines the
names those tests point stored fields at.
"""

from __future__ import annotations

import json
import os

_RECORDS = os.environ.get("TIGER_CHAOS_RECORDS")
if _RECORDS:
    with open(_RECORDS, "a") as _out:
        _out.write(json.dumps({"event": "imported", "key": __name__}) + "\n")


def run(*args: object) -> None:
    """A task function that must never run."""
    raise AssertionError(f"forbidden task ran with {args!r}")


def retry(attempt: int) -> float:
    """A retry function that must never run."""
    raise AssertionError(f"forbidden retry function ran ({attempt})")


class Boom(Exception):
    """An exception class that must never be imported."""
