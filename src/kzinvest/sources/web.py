"""Fetching one URL politely and safely.

* Only http and https; at most `MAX_REDIRECTS` redirects, each one checked again.
* Only public addresses (sources/netguard.py): the address actually connected to is
  checked, for the first request and every redirect; `KZINVEST_FETCH_ALLOW` opens chosen
  blocks. A refusal is a `FetchRefused` ("URL: refused: ...") and nothing is fetched.
* An honest User-Agent, connect/read timeouts and an overall deadline that every read and
  write obeys (a server that trickles bytes forever is cut off on time).
* Size caps enforced while streaming: `max_bytes` on the bytes received and `max_decoded`
  on the body after gzip/deflate decompression, which is done here in bounded steps, so a
  gzip bomb costs at most `max_decoded` bytes of memory, never its full size.
* No proxies from the environment: every connection is direct and checked.
"""
from __future__ import annotations

import os
import re
import time
import zlib
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlsplit

import httpx

from kzinvest.model import Document
from kzinvest.sources import netguard
from kzinvest.sources.errors import InputError

USER_AGENT = "kzinvest/0.1 (+https://github.com/kzinvest)"
MAX_BYTES = 10 * 1024 * 1024          # bytes on the wire
MAX_DECODED = 20 * 1024 * 1024        # bytes after decompression
DEADLINE_S = 60.0
MAX_REDIRECTS = 5


def default_timeout() -> httpx.Timeout:
    """20 s read / 10 s connect; KZINVEST_HTTP_TIMEOUT (seconds) sets both."""
    env = os.environ.get("KZINVEST_HTTP_TIMEOUT")
    if env:
        return httpx.Timeout(float(env))
    return httpx.Timeout(20.0, connect=10.0)


_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)


@dataclass
class Fetched:
    url: str                 # after redirects
    status: int
    content_type: str        # lower-cased media type without parameters
    charset: str | None
    body: bytes


class FetchError(InputError):
    pass


class FetchRefused(FetchError):
    """The URL is not fetched at all: a scheme, an address or a redirect the policy forbids."""


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over netguard.GuardedBackend: checked addresses, one deadline."""

    def __init__(self, allow=(), deadline: float | None = None):
        super().__init__(trust_env=False)
        import httpcore
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=4,
            max_keepalive_connections=2, network_backend=netguard.GuardedBackend(allow, deadline))


def guarded_client(timeout: httpx.Timeout | float | None = None, deadline: float | None = None,
                   allow=None) -> httpx.Client:
    """An httpx.Client that only connects to allowed addresses and follows no redirects
    by itself (fetch() follows them, checking each)."""
    allow = netguard.allowed_networks() if allow is None else tuple(allow)
    return httpx.Client(headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                        timeout=timeout or default_timeout(), follow_redirects=False,
                        trust_env=False, transport=GuardedTransport(allow, deadline))


def _check_scheme(url: str, original: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        where = "" if url == original else f" (redirect to {url[:200]})"
        raise FetchRefused(original, f"refused: only http and https URLs are fetched{where}")


class _Decoder:
    """Content-Encoding undone in bounded steps (never more than `limit` bytes out)."""

    def __init__(self, encoding: str, limit: int):
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ValueError(f"unsupported content encoding {encoding!r}")
        self.coding = codings[0] if codings else None
        self.limit = limit
        self.size = 0
        self._z = self._new() if self.coding else None
        self._first = True

    def _new(self):
        # gzip: 16+MAX_WBITS; deflate: zlib-wrapped (MAX_WBITS), raw deflate tried on error.
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self.coding != "deflate" else zlib.MAX_WBITS)

    def _take(self, out: bytes) -> bytes:
        self.size += len(out)
        if self.size > self.limit:
            raise OverflowError
        return out

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._take(data)
        parts = []
        while data:
            try:
                out = self._z.decompress(data, self.limit - self.size + 1)
            except zlib.error:
                if self.coding == "deflate" and self._first:
                    self._z, self._first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise
            self._first = False
            parts.append(self._take(out))
            if self._z.unconsumed_tail:
                data = self._z.unconsumed_tail
            elif self._z.eof and self._z.unused_data[:2] == b"\x1f\x8b":   # another gzip member
                data = self._z.unused_data
                self._z = self._new()
            else:
                data = b""
        return b"".join(parts)

    def flush(self) -> bytes:
        return self._take(self._z.flush()) if self._z is not None else b""


def fetch(url: str, *, max_bytes: int = MAX_BYTES, max_decoded: int = MAX_DECODED,
          timeout: httpx.Timeout | float | None = None, deadline_s: float = DEADLINE_S,
          allow=None, max_redirects: int = MAX_REDIRECTS) -> Fetched:
    """GET `url`; raises FetchRefused(url, reason) when the policy forbids it and
    FetchError(url, reason) for timeouts, HTTP errors, oversize bodies. `allow` replaces
    KZINVEST_FETCH_ALLOW (CIDR blocks); every connection is made by guarded_client()."""
    _check_scheme(url, url)
    deadline = time.monotonic() + deadline_s
    try:
        client = guarded_client(timeout, deadline, allow)
    except ValueError as exc:                 # a bad KZINVEST_FETCH_ALLOW
        raise FetchRefused(url, f"refused: {exc}") from None
    try:
        current = url
        for hop in range(max_redirects + 1):
            with client.stream("GET", current) as resp:
                if resp.is_redirect and resp.next_request is not None:
                    if hop == max_redirects:
                        raise FetchRefused(url, f"refused: more than {max_redirects} redirects")
                    current = str(resp.next_request.url)
                    _check_scheme(current, url)
                    continue
                return _read(url, resp, max_bytes, max_decoded, deadline, deadline_s)
        raise AssertionError("unreachable")   # pragma: no cover
    except FetchError:
        raise
    except netguard.AddressRefused as exc:
        raise FetchRefused(url, f"refused: {exc} (not fetched; {netguard.ALLOW_ENV} "
                                "can allow a network)") from None
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise FetchError(url, f"timed out (no complete response in {deadline_s:g} s)") from None
        raise FetchError(url, f"timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"cannot fetch: {exc or type(exc).__name__}") from None
    finally:
        client.close()


def _read(url: str, resp: httpx.Response, max_bytes: int, max_decoded: int,
          deadline: float, deadline_s: float) -> Fetched:
    if resp.status_code >= 400:
        raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
    if resp.is_redirect:
        raise FetchError(url, f"HTTP {resp.status_code}: redirect without a usable Location")
    declared = resp.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response too large ({int(declared):,} bytes, "
                              f"limit {max_bytes:,})")
    try:
        decoder = _Decoder(resp.headers.get("content-encoding", ""), max_decoded)
    except ValueError as exc:
        raise FetchError(url, str(exc)) from None
    chunks, size = [], 0
    try:
        for chunk in resp.iter_raw():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(url, f"response too large (over {max_bytes:,} bytes)")
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out (no complete response in {deadline_s:g} s)")
            chunks.append(decoder.feed(chunk))
        chunks.append(decoder.flush())
    except OverflowError:
        raise FetchError(url, f"response too large when decompressed (over {max_decoded:,} "
                              "bytes)") from None
    except zlib.error as exc:
        raise FetchError(url, f"broken {decoder.coding} body: {exc}") from None
    ctype = resp.headers.get("content-type", "")
    m = _CHARSET.search(ctype)
    return Fetched(str(resp.url), resp.status_code, ctype.split(";")[0].strip().lower(),
                   m.group(1) if m else None, b"".join(chunks))


def looks_like_feed(f: Fetched) -> bool:
    if any(t in f.content_type for t in ("rss", "atom", "/xml", "+xml")):
        return True
    head = f.body[:2048].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head)


def page_document(source: str, f: Fetched, title: str | None = None,
                  published: str | None = None) -> Document:
    """A fetched page as a cleaned Document."""
    from kzinvest.clean.meta import clean_document
    from kzinvest.sources.decode import decode_bytes
    text, enc = decode_bytes(f.body, f.charset)
    html = "html" in f.content_type or text.lstrip()[:1] == "<"
    doc = clean_document(source, text, "html" if html else "text", title=title, url=f.url,
                         published=published, encoding=enc)
    if not doc.text.strip():
        raise InputError(source, "no article text found")
    return doc


def iter_url(url: str, **kw) -> Iterator[Document | InputError]:
    """One URL: a page yields its Document; a feed yields its items' Documents."""
    try:
        f = fetch(url, **kw)
    except InputError as err:
        yield err
        return
    if looks_like_feed(f):
        from kzinvest.sources.feeds import iter_feed_bytes
        yield from iter_feed_bytes(url, f.body, **kw)
        return
    try:
        yield page_document(url, f)
    except InputError as err:
        yield err if err.source else err.with_source(url)
