"""Test hosts in network namespaces of the test's own: one per validator, on a bridge, with a real
partition (each side's routes to the other blackholed: packets dropped, connections broken, as a
cut cable would). Needs root, as CI has; everything made here is removed at the end."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


def _ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", "netns", "exec", netns, "ip", *args] if netns else ["ip", *args]
    subprocess.run(command, check=True, capture_output=True, text=True)


class Hosts:
    """`count` hosts 10.78.S.1..count on a bridge; the test process (root namespace) is 10.78.S.254."""

    def __init__(self, count: int) -> None:
        tag = f"{os.getpid() % 100_000}"
        self.subnet = 100 + os.getpid() % 150  # one subnet per test process (xdist workers run side by side)
        self.bridge = f"nxb{tag}"
        self.names = [f"nx{tag}h{i}" for i in range(count)]
        self.addresses = [f"10.78.{self.subnet}.{i + 1}" for i in range(count)]
        self.cut: list[tuple[int, int]] = []

    def up(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"10.78.{self.subnet}.254/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for name, address in zip(self.names, self.addresses, strict=True):
            _ip("netns", "add", name)
            _ip("link", "add", f"v{name}", "type", "veth", "peer", "name", "eth0", "netns", name)
            _ip("link", "set", f"v{name}", "master", self.bridge, "up")
            _ip("addr", "add", f"{address}/24", "dev", "eth0", netns=name)
            _ip("link", "set", "eth0", "up", netns=name)
            _ip("link", "set", "lo", "up", netns=name)

    def split(self, minority: list[int]) -> None:
        """Cuts the hosts of `minority` from the others, both ways (the test still reaches all)."""
        majority = [i for i in range(len(self.names)) if i not in minority]
        for a in minority:
            for b in majority:
                for here, there in ((a, b), (b, a)):
                    _ip("route", "add", "blackhole", f"{self.addresses[there]}/32", netns=self.names[here])
                    self.cut.append((here, there))

    def heal(self) -> None:
        for here, there in self.cut:
            _ip("route", "del", "blackhole", f"{self.addresses[there]}/32", netns=self.names[here])
        self.cut = []

    def down(self) -> None:
        for name in self.names:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


@contextmanager
def namespaces(count: int) -> Iterator[Hosts]:
    hosts = Hosts(count)
    try:
        hosts.up()
        yield hosts
    finally:
        hosts.down()
