"""Counting Redis commands: ``INFO commandstats`` and a MONITOR connection.

commandstats counts the commands run inside Lua scripts too; MONITOR tells them
apart (their lines carry ``[<db> lua]``), so both figures are reported.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from urllib.parse import urlparse

import redis

_IGNORED = {"info", "config|resetstat", "monitor", "flushall", "ping"}


def commandstats(client: redis.Redis) -> dict[str, int]:
    """Calls per command since the last CONFIG RESETSTAT (bookkeeping excluded)."""
    stats = client.info("commandstats")
    calls = {
        name.removeprefix("cmdstat_"): int(row["calls"]) for name, row in stats.items()
    }
    return {name: count for name, count in calls.items() if name not in _IGNORED}


class CommandMonitor:
    """Counts commands seen by MONITOR while the ``with`` block runs.

    Attributes:
        sent: commands sent by clients (a pipeline counts each command).
        scripted: commands run by Lua scripts.
    """

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self._address = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self.sent = 0
        self.scripted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._sock: socket.socket | None = None

    def __enter__(self) -> CommandMonitor:
        self._sock = socket.create_connection(self._address)
        self._sock.sendall(b"MONITOR\r\n")
        self._sock.settimeout(0.1)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        if self._sock is not None:
            self._sock.close()

    def _read(self) -> None:
        assert self._sock is not None
        buffer = b""
        while True:
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError:
                if self._stop.is_set():
                    return
                continue
            if not chunk:
                return
            *lines, buffer = (buffer + chunk).split(b"\r\n")
            for line in lines:
                self._count(line)

    def _count(self, line: bytes) -> None:
        if not line.startswith(b"+") or line == b"+OK":
            return
        command = line.split(b'"', 2)[1].lower() if b'"' in line else b""
        if command in {b"monitor", b"info", b"config"}:
            return
        if b" lua] " in line:
            self.scripted += 1
        else:
            self.sent += 1
