"""Connecting to a node's JSON-RPC."""

from __future__ import annotations

import requests
from web3 import HTTPProvider, Web3


def connect(url: str, *, timeout: float = 10.0, trust_env: bool = True) -> Web3:
    """A web3 client for `url` that caches what cannot change (eth_chainId above all: web3's
    validation middleware asks for it before every call and transaction, which would otherwise
    double the round trips). `trust_env=False` skips proxy settings, for loopback nodes."""
    session = requests.Session()
    session.trust_env = trust_env
    provider = HTTPProvider(url, request_kwargs={"timeout": timeout}, session=session, cache_allowed_requests=True)
    return Web3(provider)
