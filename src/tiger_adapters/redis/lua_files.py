"""Reading the Lua scripts shipped in ``lua/`` and running them on a client.

A script may start a line with ``-- include: lib/<name>.lua``: that library is
prepended when the script is loaded, so rules shared by several atomic operations
(such as deleting a finished task's data) are written once. Files are read when a
store is constructed, never at import.

:class:`LuaScript` runs a script by its sha (EVALSHA). When the server does not
know the sha (``SCRIPT FLUSH``, a restart, a failover) it sends the source itself
with EVAL, which runs the script and caches it in one step. Loading the script and
sending EVALSHA again, as redis-py's ``Script`` does, leaves a window in which a
second flush fails the call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import Any

import redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError

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


class LuaScript:
    """One Lua script bound to a client: its ``script`` source and ``sha``.

    Args:
        client: the client that runs it unless a call names another.
        source: the Lua source.
    """

    __slots__ = ("_client", "script", "sha")

    def __init__(self, client: redis.Redis, source: str) -> None:
        self._client = client
        self.script = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    def __call__(
        self,
        keys: Sequence[Any] = (),
        args: Sequence[Any] = (),
        client: redis.Redis | None = None,
    ) -> Any:
        """Run the script over ``keys`` and ``args``; return its reply.

        On a pipeline the call is queued as EVAL: its reply comes at ``execute``,
        too late to send the source after a ``NOSCRIPT``.
        """
        target = self._client if client is None else client
        run: Callable[..., Any] = target.execute_command
        if isinstance(target, Pipeline):
            return run("EVAL", self.script, len(keys), *keys, *args)
        try:
            return run("EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return run("EVAL", self.script, len(keys), *keys, *args)


def register_scripts(client: redis.Redis, names: Iterable[str]) -> dict[str, LuaScript]:
    """Read each named script and bind it to ``client``."""
    return {name: LuaScript(client, script_source(name)) for name in names}
