"""A micro-cache for anonymous GET responses (plain ASGI), the cheapest answer to load.

Fifty clients asking for the same few pages each second need those pages computed about once
a second, not fifty times. Every successful GET that carries no credentials (no Authorization
header, no cookie but the language one) is kept for `ttl` seconds
(KZINVEST_WEB_RESPONSE_CACHE, default 1; 0 turns it off), keyed by path, query, Host and the
language cookie; while one request computes a response, the others asking for
the same thing wait for it instead of computing it again. A write through this server (edit,
ingest) empties the cache at once; a write by another process (the CLI) shows within `ttl`
seconds. Responses that set cookies, say Cache-Control private/no-store, are not 200 or are
larger than 2 MB are never kept.
"""
from __future__ import annotations

import asyncio
import os
import time
from typing import Callable

MAX_BODY = 2 * 1024 * 1024


def ttl_from_env() -> float:
    try:
        return float(os.environ.get("KZINVEST_WEB_RESPONSE_CACHE", "1"))
    except ValueError:
        return 1.0


class ResponseCache:
    """The shared store: the app's write paths call clear()."""

    def __init__(self, ttl: float, max_items: int = 2048):
        self.ttl = ttl
        self.max_items = max_items
        self.data: dict[tuple, tuple[float, int, int, list, bytes]] = {}
        self.generation = 0
        self.hits = self.misses = 0

    def clear(self) -> None:
        self.generation += 1        # entries of an older generation are never served
        self.data = {}

    def get(self, key: tuple):
        hit = self.data.get(key)
        if hit and hit[1] == self.generation and time.monotonic() - hit[0] < self.ttl:
            return hit
        return None

    def put(self, key: tuple, generation: int, status: int, headers: list, body: bytes) -> None:
        if generation != self.generation:
            return
        if len(self.data) >= self.max_items:
            self.data = {}
        self.data[key] = (time.monotonic(), generation, status, headers, body)


class MicroCacheMiddleware:
    def __init__(self, app: Callable, cache: ResponseCache):
        self.app = app
        self.cache = cache
        self.inflight: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        cache = self.cache
        if scope["type"] != "http" or scope["method"] != "GET" or cache.ttl <= 0:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        cookies = _cookies(headers.get(b"cookie", b""))
        if b"authorization" in headers or set(cookies) - {b"lang"}:
            # Credentials of any kind (a token, a session cookie): this answer is personal.
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""), headers.get(b"host", b""),
               cookies.get(b"lang", b""))
        for _ in range(2):
            hit = cache.get(key)
            if hit:
                cache.hits += 1
                await _replay(send, hit)
                return
            waiting = self.inflight.get(key)
            if waiting is None:
                break
            await waiting.wait()            # another request is computing it: share its answer
        cache.misses += 1
        event = self.inflight[key] = asyncio.Event()
        generation = cache.generation
        captured: dict = {"status": 0, "headers": [], "body": [], "size": 0, "ok": True}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers") or ())
                if message["status"] != 200 or any(
                        k.lower() == b"set-cookie" or (k.lower() == b"cache-control" and (
                            b"private" in v.lower() or b"no-store" in v.lower()))
                        for k, v in captured["headers"]):
                    captured["ok"] = False
            elif message["type"] == "http.response.body" and captured["ok"]:
                body = message.get("body", b"")
                captured["size"] += len(body)
                if captured["size"] > MAX_BODY:
                    captured["ok"] = False
                else:
                    captured["body"].append(body)
            await send(message)

        try:
            await self.app(scope, receive, capture)
            if captured["ok"] and captured["status"] == 200:
                cache.put(key, generation, 200, captured["headers"], b"".join(captured["body"]))
        finally:
            event.set()
            if self.inflight.get(key) is event:
                del self.inflight[key]


def _cookies(cookie: bytes) -> dict[bytes, bytes]:
    out = {}
    for part in cookie.split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name:
            out[name] = value
    return out


async def _replay(send: Callable, hit: tuple) -> None:
    _, _, status, headers, body = hit
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
