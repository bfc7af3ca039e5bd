"""A JSON-RPC proxy on loopback in front of a real node, which injects faults on demand: JSON-RPC
errors, HTTP 500s, or an action run on the real node right before an answer goes back (to replace
the head between two of the indexer's requests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class RpcProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = "pass"  # "pass", "rpc-error" (every call answers an error) or "http-500"
        self.before_answer: dict[str, Callable[[], None]] = {}  # method -> action, run once
        # method -> how many of its calls pass; every later one answers an error (a chain that
        # stops answering at a chosen point, whatever the timing)
        self.pass_only: dict[str, int] = {}
        self.refused = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, body: bytes) -> tuple[int, bytes]:
        if self.mode == "http-500":
            return 500, b"injected fault: internal server error"
        payload: Any = json.loads(body)
        method = payload.get("method") if isinstance(payload, dict) else None
        if method in self.pass_only:
            self.pass_only[method] -= 1
            if self.pass_only[method] < 0:
                self.refused += 1
                error = {"code": -32603, "message": "injected fault"}
                return 200, json.dumps({"jsonrpc": "2.0", "id": payload.get("id"), "error": error}).encode()
        if self.mode == "rpc-error":
            calls = payload if isinstance(payload, list) else [payload]
            errors = [
                {"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": -32603, "message": "injected fault"}}
                for c in calls
            ]
            return 200, json.dumps(errors if isinstance(payload, list) else errors[0]).encode()
        response = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=10)
        action = self.before_answer.pop(method, None) if method else None
        if action is not None:
            action()
        return response.status_code, response.content


def _handler(proxy: RpcProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status, content = proxy.answer(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def rpc_proxy(upstream: str) -> Iterator[RpcProxy]:
    proxy = RpcProxy(upstream)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
