"""A JSON-RPC client for the auditor: raw answers, in batches, errors raised with their method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3 import HTTPProvider

from next_audit.errors import RpcError

__all__ = ["BATCH", "Rpc", "RpcError"]

BATCH = 200  # calls per HTTP request: large enough to amortise the round trip, small enough for any node


class Rpc:
    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self.provider = HTTPProvider(url, request_kwargs={"timeout": timeout})

    def call(self, method: str, *params: Any) -> Any:
        return self.batch([(method, list(params))])[0]

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The results of `calls`, in order, `BATCH` per request."""
        results: list[Any] = []
        for start in range(0, len(calls), BATCH):
            chunk = calls[start : start + BATCH]
            try:
                responses = self.provider.make_batch_request(list(chunk))  # type: ignore[arg-type]
            except Exception as error:
                raise RpcError("audit.rpc.silent", url=self.url, error=error) from error
            if not isinstance(responses, list):  # the whole batch was refused
                raise RpcError(
                    "audit.rpc.refused_batch", url=self.url, method=chunk[0][0], error=responses.get("error")
                )
            for (method, params), response in zip(chunk, responses, strict=True):
                if "error" in response:
                    raise RpcError(
                        "audit.rpc.refused",
                        call=f"{method}{tuple(params)!r}",
                        error=response["error"].get("message", response["error"]),
                    )
                results.append(response["result"])
        return results
