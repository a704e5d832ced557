"""uvicorn's HTTP protocol with TCP_NODELAY on every connection.

With `--workers N`, uvicorn binds the listening socket itself (`socket.socket(family)`,
protocol number 0), and asyncio then skips TCP_NODELAY on the connections it accepts: a
response written in two pieces (head, body) waits for the client's delayed ACK, about 40 ms
per request. Measured with benchmarks/load.py: p50 44 ms for a 1 ms request. Setting the
option when the connection is made costs nothing and fixes it in every mode.
"""
from __future__ import annotations

import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol   # httptools when installed, else h11


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        super().connection_made(transport)
