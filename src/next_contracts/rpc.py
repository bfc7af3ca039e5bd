"""Connecting to a node's JSON-RPC."""

from __future__ import annotations

from typing import Any

import msgspec
import requests
import requests.adapters
from web3 import HTTPProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, RPCResponse

POOL_SIZE = 64
NEVER_CHANGING = {RPCEndpoint("eth_chainId"), RPCEndpoint("net_version"), RPCEndpoint("web3_clientVersion")}


class JsonRpcProvider(HTTPProvider):
    """web3's HTTP provider, its responses parsed by msgspec rather than the standard library: an
    eth_getLogs of 100,000 payments is 76 MB of JSON, which json.loads parses in 0.8 s holding
    the GIL (the indexer parses the next range that way while it writes one), msgspec in 0.4 s."""

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        try:
            response: RPCResponse = msgspec.json.decode(raw_response)
        except (msgspec.DecodeError, UnicodeDecodeError) as error:  # ValueErrors, as web3's own raises
            raise ValueError(f"the node's response is not JSON: {error}; it began {raw_response[:80]!r}") from error
        return response


def connect(
    url: str,
    *,
    timeout: float = 10.0,
    trust_env: bool = True,
    retries: bool = True,
    provider_class: type[HTTPProvider] = JsonRpcProvider,
    **provider_options: Any,
) -> Web3:
    """A web3 client for `url` that caches what cannot change (eth_chainId above all: web3's
    validation middleware asks for it before every call and transaction, which would otherwise
    double the round trips). Only that: web3's default list also caches blocks by number and
    transactions by hash, which a chain that reorganises (clique) replaces, and whose pending
    form (no block number yet) web3's cache validation fails on. `trust_env=False` skips proxy
    settings, for loopback nodes. `retries=False` turns off web3's own retries (5, with back-off,
    of each read that met a connection error or a timeout): a caller that must answer in bounded
    time, or that retries itself, wants one attempt.

    Blocks of a proof-of-authority chain (geth's clique, Besu's QBFT) carry more than 32 bytes of
    extraData (the signers, the seals), which web3 refuses by default: the POA middleware moves
    them to `proofOfAuthorityData`."""
    session = requests.Session()
    session.trust_env = trust_env
    # As many kept-alive connections as a gateway's worker threads may use at once (requests keeps
    # 10: beyond, each call opened and dropped a connection, and urllib3 warned on every one).
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if not retries:
        provider_options["exception_retry_configuration"] = None
    provider = provider_class(
        url,
        request_kwargs={"timeout": timeout},
        session=session,
        cache_allowed_requests=True,
        cacheable_requests=NEVER_CHANGING,
        **provider_options,
    )
    w3 = Web3(provider)
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3
