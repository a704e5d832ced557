"""Which addresses a fetch may connect to, checked where the connection is made.

Anyone who can make kzinvest fetch a URL (the CLI, a feed item's link, the token-guarded
`POST /api/ingest`) could otherwise reach services that only this machine can see: the
loopback interface, the private network, a cloud provider's metadata address. So every
outgoing connection goes through `GuardedBackend`, the network backend of the HTTP client
in `sources/web.py`:

* the host name is resolved once (getaddrinfo, so every spelling of an address counts:
  ``2130706433``, ``0x7f000001``, ``127.1``, ``[::ffff:127.0.0.1]``, a DNS name);
* every address it resolves to is checked; if any is forbidden the fetch is refused (a
  name that answers with one public and one private address is not trusted either);
* the socket connects to the checked address itself (no second lookup that a DNS server
  could answer differently), and its peer address is checked again once connected;
* redirects open new connections, so every hop passes the same check.

Forbidden: loopback, private (RFC 1918, unique-local fc00::/7), link-local, multicast,
reserved, unspecified, carrier-grade NAT (100.64/10) and every other address that is not
globally routable; IPv4 addresses inside IPv6 (::ffff:a.b.c.d, 6to4 2002::/16, NAT64
64:ff9b::/96, IPv4-compatible ::a.b.c.d) are judged by the IPv4 address they carry.
`KZINVEST_FETCH_ALLOW` (comma-separated CIDR blocks, e.g. ``10.1.0.0/16,::1/128``) lets an
operator open chosen blocks, e.g. an intranet news mirror.

The connection also carries the fetch's deadline: every read and write waits at most
until the deadline, so a server that trickles one byte every few seconds is cut off on time.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import time
from typing import Iterable

import httpcore
from httpcore._backends.sync import SyncBackend

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_ENV = "KZINVEST_FETCH_ALLOW"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class AddressRefused(Exception):
    """A connection the policy forbids; ``str()`` is the reason, one line."""


def allowed_networks(value: str | None = None) -> tuple[Network, ...]:
    """The CIDR blocks of ``KZINVEST_FETCH_ALLOW`` (or `value`); a bad entry is an error."""
    if value is None:
        value = os.environ.get(ALLOW_ENV, "")
    nets = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{ALLOW_ENV}: {part!r} is not an IP network (e.g. 10.0.0.0/8)") from None
    return tuple(nets)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:          # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def classify(ip: Address) -> str | None:
    """Why `ip` is forbidden ("a loopback address", ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped (link-local) address"
        inner = _embedded_v4(ip)
        if inner is not None:
            why = classify(inner)
            return f"{why} inside an IPv6 address" if why else None
    for test, why in (("is_unspecified", "an unspecified address"),
                      ("is_loopback", "a loopback address"),
                      ("is_link_local", "a link-local address"),
                      ("is_multicast", "a multicast address"),
                      ("is_reserved", "a reserved address"),
                      ("is_private", "a private address")):
        if getattr(ip, test):
            return why
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "a non-public address"
    return None


def forbidden(ip: Address | str, allow: Iterable[Network] = ()) -> str | None:
    """Why connecting to `ip` is refused under the allow-list ("a loopback address"), or None."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    why = classify(ip)
    if why is None:
        return None
    plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    if any(plain in net or ip in net for net in allow):
        return None
    return why


def problem(ip: Address | str, allow: Iterable[Network] = ()) -> str | None:
    """The refusal reason for connecting to `ip` ("127.0.0.1 is a loopback address"), or None."""
    why = forbidden(ip, allow)
    return f"{ip} is {why}" if why else None


def resolve(host: str, port: int, allow: Iterable[Network] = ()) -> list[tuple[int, tuple]]:
    """(family, sockaddr) for every address of `host`, or AddressRefused if any is forbidden."""
    name = host.strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {name}: {exc}") from None
    out, seen = [], set()
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6) or sockaddr in seen:
            continue
        seen.add(sockaddr)
        ip = ipaddress.ip_address(sockaddr[0])
        why = forbidden(ip, allow)
        if why:
            shown = sockaddr[0]
            raise AddressRefused(f"{shown} is {why}" if _is_literal(name)
                                 else f"{name} resolves to {shown}, {why}")
        out.append((family, sockaddr))
    if not out:
        raise httpcore.ConnectError(f"cannot resolve {name}: no IPv4 or IPv6 address")
    return out


def _is_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never wait past a fixed deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float | None):
        self._inner = inner
        self._deadline = deadline

    def _timeout(self, timeout: float | None, exc: type[Exception]) -> float | None:
        if self._deadline is None:
            return timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise exc("the fetch's total time limit was reached")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._timeout(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class GuardedBackend(SyncBackend):
    """httpcore's synchronous backend, connecting only to addresses the policy allows
    (see the module docstring)."""

    def __init__(self, allow: Iterable[Network] = (), deadline: float | None = None):
        self.allow = tuple(allow)
        self.deadline = deadline

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = resolve(host, port, self.allow)
        last: Exception | None = None
        for family, sockaddr in addresses:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise httpcore.ConnectTimeout("the fetch's total time limit was reached")
                timeout = left if timeout is None else min(timeout, left)
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                if local_address:
                    sock.bind((local_address, 0))
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
                peer = sock.getpeername()[0]
                why = problem(peer, self.allow)        # what we are really talking to
                if why:
                    raise AddressRefused(f"connected to {why}")
            except AddressRefused:
                sock.close()
                raise
            except socket.timeout as exc:
                sock.close()
                last = httpcore.ConnectTimeout(str(exc) or "connect timed out")
                continue
            except OSError as exc:
                sock.close()
                last = httpcore.ConnectError(str(exc))
                continue
            stream = httpcore._backends.sync.SyncStream(sock)
            return DeadlineStream(stream, self.deadline)
        raise last or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(self, *a, **kw):  # pragma: no cover - never used for URLs
        raise AddressRefused("unix sockets are not fetched")
