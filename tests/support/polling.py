"""Waiting for something that happens in another process or thread (a block, an indexed row, a
gateway's answer): polled, with a deadline that fails the test in words, never a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], timeout: float = 30.0, every: float = 0.1, message: str = "not within the time allowed"
) -> T:
    """Polls `condition` until it is truthy and returns its value; fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{message} ({timeout:g} s)")
        time.sleep(every)
    return result
