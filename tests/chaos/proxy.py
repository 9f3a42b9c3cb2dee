"""A fault-injecting TCP proxy on loopback, between workers and Redis.

Bytes are forwarded both ways unchanged. The client side is parsed into RESP
commands; when one matches (for CLAIM-RETRY: the claim script, as EVALSHA of its
sha or EVAL of its source) and the fault budget allows, the command still reaches
Redis, which runs it, but its reply never reaches the client: the proxy closes both
sockets as soon as Redis answers with a reply naming ids. The client sees the
connection drop after its command was executed, the case a retry policy cannot
tell apart from a command that never arrived.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from collections.abc import Callable

from tests.chaos.redis_server import LOOPBACK
from tiger_adapters.redis.lua_files import script_source

Matcher = Callable[[list[bytes]], bool]


def claim_matcher() -> Matcher:
    """Match a call of ``claim_tasks.lua`` by its sha (EVALSHA) or source (EVAL)."""
    source = script_source("claim_tasks").encode()
    sha = hashlib.sha1(source, usedforsecurity=False).hexdigest().encode()

    def match(head: list[bytes]) -> bool:
        name = head[0].upper() if head else b""
        return (name == b"EVALSHA" and head[1:2] == [sha]) or (
            name == b"EVAL" and head[1:2] == [source]
        )

    return match


def _command(buf: bytearray, pos: int) -> tuple[int, list[bytes]] | None:
    """The end of the RESP command at ``pos`` and its first two parts (or None)."""
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        return None
    if buf[pos : pos + 1] != b"*":  # an inline command
        return eol + 2, bytes(buf[pos:eol]).split()[:2]
    head: list[bytes] = []
    count, pos = int(buf[pos + 1 : eol]), eol + 2
    for index in range(count):
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        start = eol + 2
        end = start + int(buf[pos + 1 : eol]) + 2
        if end > len(buf):
            return None
        if index < 2:
            head.append(bytes(buf[start : end - 2]))
        pos = end
    return pos, head


class FaultProxy:
    """Forward ``127.0.0.1:<port>`` to Redis; drop the reply of matching commands.

    Args:
        upstream: Redis's loopback port.
        match: tells a command (its first two parts) whose reply may be dropped.
        drops: the most replies dropped in all.
        gap: matching commands let through after each drop (so a retry passes).
    """

    def __init__(self, upstream: int, match: Matcher, drops: int, gap: int) -> None:
        self.upstream, self.match, self.budget, self.gap = upstream, match, drops, gap
        self.seen = self.dropped = 0
        self._next = 0  # drop only once `seen` reaches it
        self._lock = threading.Lock()
        self._listener = socket.create_server((LOOPBACK, 0))
        self.port: int = self._listener.getsockname()[1]
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop accepting and close every proxied connection."""
        self._closed.set()
        for sock in [self._listener, *self._sockets]:
            _close(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection((LOOPBACK, self.upstream))
            except OSError:
                if self._closed.is_set():
                    return
                continue
            self._sockets += [client, server]
            doomed = threading.Event()
            args = (client, server, doomed)
            threading.Thread(target=self._requests, args=args, daemon=True).start()
            threading.Thread(target=self._replies, args=args, daemon=True).start()

    def _requests(
        self, client: socket.socket, server: socket.socket, doomed: threading.Event
    ) -> None:
        buf = bytearray()
        while data := _recv(client):
            buf += data
            pos = 0
            while (parsed := _command(buf, pos)) is not None:
                pos, head = parsed
                if self.match(head):
                    with self._lock:
                        self.seen += 1
                        if self.dropped < self.budget and self.seen >= self._next:
                            doomed.set()  # before Redis can answer
            del buf[:pos]
            if not _send(server, data):
                break
        _close(server)

    def _replies(
        self, client: socket.socket, server: socket.socket, doomed: threading.Event
    ) -> None:
        while data := _recv(server):
            if doomed.is_set():
                doomed.clear()
                if b"$" in data:  # the reply names claimed ids: lose it
                    with self._lock:
                        self.dropped += 1
                        self._next = self.seen + self.gap + 1
                    break
            if not _send(client, data):
                break
        _close(client)
        _close(server)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
