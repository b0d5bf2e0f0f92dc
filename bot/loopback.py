"""Servers the demo and the tests start on this machine: the loopback address and a port nobody holds."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port free now on `host` (the OS picks it); the caller binds it at once, before anyone else."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
