"""Fetching one URL politely and safely.

An honest User-Agent, connect/read timeouts plus an overall deadline (a server that
trickles bytes forever is cut off), and a size cap enforced while streaming: a 1 GB
response is abandoned after `max_bytes`, never read whole.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Iterator

import httpx

from kzinvest.model import Document
from kzinvest.sources.errors import InputError

USER_AGENT = "kzinvest/0.1 (+https://github.com/kzinvest)"
MAX_BYTES = 10 * 1024 * 1024
DEADLINE_S = 60.0


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


def fetch(url: str, *, max_bytes: int = MAX_BYTES, timeout: httpx.Timeout | float | None = None,
          deadline_s: float = DEADLINE_S, client: httpx.Client | None = None) -> Fetched:
    """GET `url`; raises FetchError(url, reason) for timeouts, HTTP errors, oversize bodies."""
    own = client is None
    client = client or httpx.Client(headers={"User-Agent": USER_AGENT},
                                    timeout=timeout or default_timeout(),
                                    follow_redirects=True, max_redirects=5)
    started = time.monotonic()
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(url, f"response too large ({int(declared):,} bytes, "
                                      f"limit {max_bytes:,})")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(url, f"response too large (over {max_bytes:,} bytes)")
                if time.monotonic() - started > deadline_s:
                    raise FetchError(url, f"timed out (no complete response in {deadline_s:g} s)")
                chunks.append(chunk)
            ctype = resp.headers.get("content-type", "")
            m = _CHARSET.search(ctype)
            return Fetched(str(resp.url), resp.status_code, ctype.split(";")[0].strip().lower(),
                           m.group(1) if m else None, b"".join(chunks))
    except FetchError:
        raise
    except httpx.TimeoutException as exc:
        raise FetchError(url, f"timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"cannot fetch: {exc or type(exc).__name__}") from None
    finally:
        if own:
            client.close()


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
        yield from iter_feed_bytes(url, f.body)
        return
    try:
        yield page_document(url, f)
    except InputError as err:
        yield err if err.source else err.with_source(url)
