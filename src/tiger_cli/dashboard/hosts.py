"""Which listen addresses and Host headers are the loopback (no Flask needed)."""

from __future__ import annotations

import ipaddress

#: Host names accepted as the loopback (besides loopback IP addresses).
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP, maybe bracketed) is the loopback."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
