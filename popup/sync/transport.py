"""One keep-alive HTTP connection to the storefront, with a timeout, speaking JSON.

The till syncs from a market stall, often over a phone's hotspot: round trips are long and the
network comes and goes. One persistent connection saves a TCP (and TLS) handshake per batch, which
over 100 ms of latency is most of the cost; any failure closes it, and the next request opens a new
one. Only the standard library is used, so the till needs nothing the storefront does not.

Every way the storefront can fail to answer (refused, unreachable, reset, too slow, a proxy's
HTML error page) becomes :class:`Unreachable` with a sentence for the status line: the sync client
treats them all the same way, by trying again later, and never marks anything synced.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit


class Unreachable(Exception):
    """The storefront did not give an answer this time; the message says what happened, in words."""


class Answer:
    """A status code and the body as bytes: what came back, before anyone decides what it means."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body


class Storefront:
    """A connection to ``base_url`` (``http://host:port`` or ``https://...``), opened on first use."""

    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the storefront address must start with http:// or https://, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self.round_trips = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self._timeout, context=ssl.create_default_context()
                )
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Storefront:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST ``body`` (JSON) and read the whole answer; :class:`Unreachable` if none came."""
        return self._request("POST", path, body, headers)

    def get(self, path: str, headers: dict[str, str]) -> Answer:
        return self._request("GET", path, None, headers)

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        sent: dict[str, Any] = {"Accept": "application/json", **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        conn = self._connection()
        self.round_trips += 1
        try:
            conn.request(method, self._prefix + path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        except TimeoutError:
            self.close()
            raise Unreachable(f"the storefront did not answer within {self._timeout:g} s") from None
        except ConnectionRefusedError:
            self.close()
            raise Unreachable(f"the storefront at {self.base_url} refused the connection") from None
        except (OSError, http.client.HTTPException, socket.gaierror) as exc:
            self.close()
            raise Unreachable(f"no answer from the storefront at {self.base_url} ({exc.__class__.__name__})") from None
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Answer(response.status, data)
