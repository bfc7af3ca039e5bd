"""Connecting to a node's JSON-RPC."""

from __future__ import annotations

import requests
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

NEVER_CHANGING = {RPCEndpoint("eth_chainId"), RPCEndpoint("net_version"), RPCEndpoint("web3_clientVersion")}


def connect(url: str, *, timeout: float = 10.0, trust_env: bool = True) -> Web3:
    """A web3 client for `url` that caches what cannot change (eth_chainId above all: web3's
    validation middleware asks for it before every call and transaction, which would otherwise
    double the round trips). Only that: web3's default list also caches blocks by number and
    transactions by hash, which a chain that reorganises (clique) replaces, and whose pending
    form (no block number yet) web3's cache validation fails on. `trust_env=False` skips proxy
    settings, for loopback nodes."""
    session = requests.Session()
    session.trust_env = trust_env
    provider = HTTPProvider(
        url,
        request_kwargs={"timeout": timeout},
        session=session,
        cache_allowed_requests=True,
        cacheable_requests=NEVER_CHANGING,
    )
    return Web3(provider)
