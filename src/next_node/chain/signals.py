"""Every polite stop signal stops the node the way Ctrl-C does: state saved, anvil stopped.

Without this, SIGTERM (`kill`, systemd, docker stop) took Python's default action, death on the
spot, once uvicorn had shut down and re-raised it: no state saved and anvil left running. And
SIGHUP (the terminal closed) did the same at any time.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGINT goes to whoever handles it now: uvicorn shuts down gracefully while it serves,
    # and otherwise Python raises KeyboardInterrupt, the node's one way to stop.
    signal.raise_signal(signal.SIGINT)


@contextlib.contextmanager
def stop_signals_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP act as Ctrl-C (main thread only)."""
    previous = {sig: signal.signal(sig, _as_interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block (a clean stop under way), a second Ctrl-C, SIGTERM or SIGHUP is ignored:
    it must not cut the state save short. SIGKILL still ends everything, losing only what the
    last periodic save does not hold. (Signals are the main thread's: elsewhere, nothing changes.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
