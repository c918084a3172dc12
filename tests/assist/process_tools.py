"""Linux process and socket inspection for the local model tests."""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Return whether ``pid`` runs; a zombie waiting to be reaped counts as gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    for line in status.splitlines():
        if line.startswith("State:"):
            return "Z" not in line.split()[1]
    return True


def wait_until_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return not process_alive(pid)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _decode_address(hex_address: str, family: int) -> str:
    raw = bytes.fromhex(hex_address)
    if family == socket.AF_INET:
        return socket.inet_ntop(family, struct.pack("<I", int(hex_address, 16)))
    words = struct.unpack("<4I", raw)
    return socket.inet_ntop(family, struct.pack(">4I", *words))


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """Return the (address, port) pairs on which ``pid`` listens for TCP."""
    inodes = _socket_inodes(pid)
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:
                continue
            address, port = local.split(":")
            found.append((_decode_address(address, family), int(port, 16)))
    return found
