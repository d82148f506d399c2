"""A loopback HTTP proxy that misbehaves on purpose: latency, lost answers, slowness, restarts.

The sync client must survive every way a market's network fails, and the only honest way to show
it is to put the real storefront behind something that fails those ways on cue. Each request is
forwarded to the upstream storefront unchanged; a *fault*, chosen per request by a policy, decides
what the till sees:

- ``pass``: the answer, after ``latency`` seconds each way (a round trip of ``2 x latency``);
- ``lose_answer``: the storefront receives and applies the request, but the till's connection is
  closed before any answer arrives (the acknowledgement is lost);
- ``stall``: the request is held for ``stall_seconds`` before it is forwarded (answers after the
  client's timeout);
- ``drop_request``: the connection is closed before forwarding (the storefront never sees it).

It counts the requests it saw, so a benchmark can report round trips.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Fault = Literal["pass", "lose_answer", "stall", "drop_request"]
Policy = Callable[[int, str], Fault]  # (request number from 1, path) -> fault

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def always_pass(_n: int, _path: str) -> Fault:
    return "pass"


class FaultProxy:
    """``with FaultProxy("127.0.0.1", 8000) as proxy:`` then point the client at ``proxy.url``."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        policy: Policy = always_pass,
        latency: float = 0.0,
        stall_seconds: float = 5.0,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.policy = policy
        self.latency = latency
        self.stall_seconds = stall_seconds
        self.requests = 0
        self.faults: list[Fault] = []
        self._count = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, path: str) -> Fault:
        with self._count:
            self.requests += 1
            fault = self.policy(self.requests, path)
            self.faults.append(fault)
        return fault

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._next(self.path)
                if fault == "drop_request":
                    self.close_connection = True
                    return
                if fault == "stall":
                    time.sleep(proxy.stall_seconds)
                time.sleep(proxy.latency)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                if fault == "lose_answer":
                    self.close_connection = True
                    return
                time.sleep(proxy.latency)
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _forward
            do_POST = _forward
            do_DELETE = _forward

        return Handler
