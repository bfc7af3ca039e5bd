"""What keeps a node from attaching to a chain it did not start.

- one node per data directory: an exclusive flock on `node.lock`, held as long as the node (and
  its chain, which inherits the lock) lives; the file names their process ids;
- the RPC port must be free before the chain starts: a process already listening there (another
  node, an orphaned chain, anything) is refused in words, never taken for this node's chain;
- the chain dies with the node, whatever kills the node (Linux's parent-death signal).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from next_node.errors import NodeError

LOCK_FILE = "node.lock"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class DataDirInUseError(NodeError):
    """Another node runs on this data directory."""


class PortInUseError(NodeError):
    """Something already listens on the chain's RPC port."""


class DataDirLock:
    """An exclusive lock on a data directory; the holder's process ids are written in the file."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self.fd: int | None = None

    def acquire(self) -> int:
        """Takes the lock or raises DataDirInUseError; returns the file descriptor that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.holder()
            os.close(fd)
            who = f"next-node pid {holder.get('node')}, chain pid {holder.get('chain')}" if holder else "a process"
            raise DataDirInUseError(
                f"the data directory {self.path.parent} is in use by another node ({who}): "
                "stop it first, or choose another --data-dir"
            ) from None
        self.fd = fd
        os.ftruncate(fd, 0)  # what a stopped node left there names processes of the past
        self.record(node=os.getpid())
        return fd

    def record(self, **pids: int) -> None:
        """Writes the holders' process ids (for the refusal message, and for tests)."""
        if self.fd is None:
            return
        holders = {**self.holder(), **pids}  # read before the truncation, or each write drops the last
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(holders).encode(), 0)

    def holder(self) -> dict[str, int]:
        try:
            found = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # the chain, if still alive, holds its own copy until it exits
            self.fd = None


def ensure_port_free(host: str, port: int) -> None:
    """Raises PortInUseError if a process listens on host:port (connections of a stopped node
    lingering in TIME_WAIT do not count: the chain binds past them too)."""
    listen(host, port, "RPC port", "--rpc-port").close()


def listen(host: str, port: int, what: str = "API port", option: str = "--api-port") -> socket.socket:
    """A socket listening on host:port, for a server to take over: bound before the node says
    where it listens, so that a client told the address never finds it closed. PortInUseError,
    in words naming the option to change, if another process holds the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno != errno.EADDRINUSE:
            raise PortInUseError(f"cannot use the {what} {host}:{port}: {error.strerror}") from error
        raise PortInUseError(
            f"the {what} {host}:{port} is already in use by another process (another node, or a "
            f"chain left running?): stop it, or choose another {option}"
        ) from error
    sock.listen(2048)
    return sock


def die_with_parent() -> Callable[[], None]:
    """A preexec_fn making the child receive SIGKILL when the thread that started it ends (so start
    it from the main thread), even if the parent was killed with SIGKILL itself."""
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(126)

    return preexec


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM (a chain closes its database), then SIGKILL past the timeout; reaped either way."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
