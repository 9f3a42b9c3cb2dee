"""Reading the Lua scripts shipped in ``lua/`` and registering them on a client.

A script may start a line with ``-- include: lib/<name>.lua``: that library is
prepended when the script is loaded, so rules shared by several atomic operations
(such as deleting a finished task's data) are written once. Files are read when a
store is constructed, never at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

import redis
from redis.commands.core import Script

_INCLUDE = "-- include: "


def script_source(name: str) -> str:
    """Return the source of ``lua/<name>.lua`` with its included libraries first."""
    folder = resources.files(__package__ or "tiger_adapters.redis") / "lua"
    body = (folder / f"{name}.lua").read_text(encoding="utf-8")
    libraries = [
        (folder / line[len(_INCLUDE) :].strip()).read_text(encoding="utf-8")
        for line in body.splitlines()
        if line.startswith(_INCLUDE)
    ]
    return "\n".join([*libraries, body])


def register_scripts(client: redis.Redis, names: Iterable[str]) -> dict[str, Script]:
    """Register each named script on ``client`` (redis-py reloads it on NOSCRIPT)."""
    return {name: client.register_script(script_source(name)) for name in names}
