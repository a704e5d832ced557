"""The FastAPI application: REST API, dashboard pages and Atom feeds over one registry store.

    from kzinvest.web.app import create_app
    app = create_app()                       # opens $KZINVEST_DB (or the default SQLite file)
    app = create_app(store, tokens=["s3cret"])

Everything is read-only unless at least one token is configured (``tokens=`` or the
``KZINVEST_TOKENS`` environment variable, comma-separated); then the write endpoints accept
``Authorization: Bearer <token>``.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException


HERE = Path(__file__).resolve().parent

# Fields of ProjectFilter the web layer passes through (the registry contract).
FILTER_FIELDS = ("region", "sector", "country", "stage", "since", "until", "min_usd",
                 "stalled", "q", "company_id", "min_confidence")


class TTLCache:
    """A small thread-safe cache for aggregates (stats, totals, the overview's data).

    Aggregates over 100k projects cost tens of milliseconds each and the overview needs
    half a dozen, so values are kept ``ttl`` seconds. After that they are served stale
    while ONE background thread recomputes them (stale-while-revalidate), so a reader
    never waits on a recomputation unless the value is older than ``max_stale`` or absent.
    Writes through this app (ingest, edit) ``clear()`` everything at once; writes from
    other processes (the CLI) show up within ``ttl`` seconds (plus one refresh).
    """

    def __init__(self, ttl: float = 30.0, max_items: int = 512, max_stale: float | None = None):
        self.ttl = ttl
        self.max_items = max_items
        self.max_stale = max_stale if max_stale is not None else max(ttl * 20, 60.0)
        self._data: dict[Any, tuple[float, Any]] = {}      # key -> (computed at, value)
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}
        self._refreshing: set[Any] = set()
        self._generation = 0

    def _store(self, key: Any, value: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return                       # a write cleared the cache meanwhile: drop it
            if len(self._data) >= self.max_items and key not in self._data:
                self._data.clear()
            self._data[key] = (time.monotonic(), value)

    def _refresh(self, key: Any, compute: Callable[[], Any], generation: int) -> None:
        try:
            self._store(key, compute(), generation)
        except Exception:                    # keep serving the old value; next reader retries
            pass
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if self.ttl <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            generation = self._generation
            if hit:
                age = now - hit[0]
                if age < self.ttl:
                    return hit[1]
                if age < self.max_stale:
                    if key not in self._refreshing:
                        self._refreshing.add(key)
                        threading.Thread(target=self._refresh, args=(key, compute, generation),
                                         daemon=True).start()
                    return hit[1]
            klock = self._key_locks.setdefault(key, threading.Lock())
        with klock:                          # one computation per key at a time
            with self._lock:
                hit = self._data.get(key)
                if hit and time.monotonic() - hit[0] < self.ttl:
                    return hit[1]
                generation = self._generation
            value = compute()
            self._store(key, value, generation)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._generation += 1


def _parse_tokens(tokens: Iterable[str] | str | None) -> list[str]:
    if tokens is None:
        tokens = os.environ.get("KZINVEST_TOKENS", "")
    if isinstance(tokens, str):
        tokens = tokens.split(",")
    return [t.strip() for t in tokens if t and t.strip()]


class WebContext:
    """What every request handler needs: the store, the query API, tokens, the cache."""

    def __init__(self, store: Any, query: Any, tokens: list[str], cache: TTLCache,
                 webhooks: list | None):
        self.store = store
        self.q = query
        self.tokens = tokens
        self.cache = cache
        self.webhooks = webhooks      # None -> read from the environment when needed
        self.write_lock = threading.Lock()
        self.responses = None         # web/microcache.ResponseCache, set by create_app

    def invalidate(self) -> None:
        """After a write: drop every cached aggregate and response, and recompute the
        overview's aggregates in the background, so the next visitor does not pay for them."""
        self.cache.clear()
        if self.responses is not None:
            self.responses.clear()
        if self.cache.ttl > 0:
            threading.Thread(target=_warm_ctx, args=(self,), daemon=True).start()

    def make_filter(self, **kw: Any) -> Any:
        clean = {k: v for k, v in kw.items() if v is not None and v != ""}
        return self.q.ProjectFilter(**clean)

    @staticmethod
    def filter_key(flt: Any) -> tuple:
        return tuple((f, getattr(flt, f, None)) for f in FILTER_FIELDS)

    def stats(self, flt: Any, by: str) -> list[dict]:
        return self.cache.get(("stats", by, self.filter_key(flt)), lambda: self.q.stats(self.store, flt, by))

    def totals(self, flt: Any) -> dict:
        return self.cache.get(("totals", self.filter_key(flt)), lambda: self.q.totals(self.store, flt))


def get_ctx(request: Request) -> WebContext:
    return request.app.state.kz


class UTF8JSONResponse(JSONResponse):
    """JSON with Cyrillic kept readable and dates/decimals stringified."""

    def render(self, content: Any) -> bytes:
        import json
        return json.dumps(content, ensure_ascii=False, allow_nan=False, default=_json_default,
                          separators=(",", ":")).encode("utf-8")


def _json_default(o: Any) -> Any:
    import dataclasses
    import datetime as dt
    import decimal
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return float(o)
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)


def create_app(store: Any = None, tokens: Iterable[str] | str | None = None, *,
               query: Any = None, webhooks: list | None = None,
               cache_ttl: float | None = None, response_ttl: float | None = None) -> FastAPI:
    """Build the app.

    store     a ``kzinvest.registry.store.Store``; None opens ``open_store()`` ($KZINVEST_DB).
    tokens    bearer tokens for the write API; None reads $KZINVEST_TOKENS; empty = read-only.
    query     the query module (default ``kzinvest.registry.query``); tests may pass another.
    webhooks  a list of ``webhooks.Webhook``; None reads $KZINVEST_WEBHOOKS at ingest time.
    cache_ttl seconds aggregates are cached (default $KZINVEST_WEB_CACHE_TTL or 30).
    response_ttl seconds anonymous GET responses are cached (default
              $KZINVEST_WEB_RESPONSE_CACHE or 1; web/microcache.py).
    """
    if query is None:
        from kzinvest.registry import query as query  # noqa: PLW0127
    if store is None:
        from kzinvest.registry.store import open_store
        store = open_store()
    if cache_ttl is None:
        cache_ttl = float(os.environ.get("KZINVEST_WEB_CACHE_TTL", "30"))

    from kzinvest.web import api, feeds, pages, review

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        # Everything imported and built so far lives as long as the server: move it out of
        # the garbage collector's sight, or every full collection walks it again (70-100 ms
        # pauses in the middle of requests: benchmarks/api_bench.py, docs/web-status.md).
        _freeze_heap()
        # Compute the overview's aggregates in the background so the first visitor
        # does not pay for them.
        threading.Thread(target=_warm, args=(app,), daemon=True).start()
        _limit_threads()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="kzinvest API",
        version=_version(),
        description=(
            "Investment projects in Kazakhstan, extracted from Russian-language news.\n\n"
            "Read-only without a token. Write endpoints (`POST /api/ingest`, "
            "`PATCH /api/projects/{id}`) need `Authorization: Bearer <token>` and are "
            "disabled when the server has no token configured."
        ),
        docs_url=None,            # FastAPI's Swagger UI loads from a CDN: we serve our own page
        redoc_url=None,
        default_response_class=UTF8JSONResponse,
    )
    app.state.kz = WebContext(store, query, _parse_tokens(tokens), TTLCache(cache_ttl), webhooks)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.include_router(review.api_router)        # the review queue, behind the token
    app.include_router(review.pages_router)

    # Inner: the micro-cache (web/microcache.py). Outer, so that cached responses carry
    # them too: security headers, request size limits and the language cookie (web/guard.py).
    from kzinvest.web.guard import GuardMiddleware
    from kzinvest.web.microcache import MicroCacheMiddleware, ResponseCache, ttl_from_env
    ctx = app.state.kz
    ctx.responses = ResponseCache(ttl_from_env() if response_ttl is None else response_ttl)
    app.add_middleware(MicroCacheMiddleware, cache=ctx.responses)
    app.add_middleware(GuardMiddleware, upload_limit=api.MAX_UPLOAD,
                       authorized=lambda header: bool(ctx.tokens)
                       and api.bearer_header_ok(header, ctx.tokens))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(("/api/", "/feeds/", "/openapi")) or exc.status_code < 400:
            return UTF8JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                    headers=getattr(exc, "headers", None))
        return pages.error_page(request, exc.status_code, str(exc.detail))

    return app


def _limit_threads() -> None:
    """Handlers are CPU-bound Python: more threads than a few only fight over the GIL, and
    the event loop (which answers micro-cached requests itself) waits behind all of them.
    KZINVEST_WEB_THREADS (default 4) caps the handlers running at once per process
    (benchmarks/load.py: p50 under load about halves from anyio's default of 40)."""
    try:
        import anyio.to_thread
        n = int(os.environ.get("KZINVEST_WEB_THREADS", "4"))
        if n > 0:
            anyio.to_thread.current_default_thread_limiter().total_tokens = n
    except Exception:  # pragma: no cover - best effort
        logging.getLogger("kzinvest.web").exception("cannot limit handler threads")


def _freeze_heap() -> None:
    """gc.freeze() the start-up heap (modules, app, templates, the registry's caches).
    Off with KZINVEST_GC_FREEZE=0."""
    if os.environ.get("KZINVEST_GC_FREEZE", "1") == "0":
        return
    import gc
    gc.collect()
    gc.freeze()


def _warm(app: FastAPI) -> None:
    _warm_ctx(app.state.kz)
    _freeze_heap()        # what warming built (compiled SQL, templates) lives on too


def _warm_ctx(ctx: WebContext) -> None:
    from kzinvest.web import pages
    try:
        pages._overview_data(ctx)
    except Exception:  # pragma: no cover - warming is best effort
        logging.getLogger("kzinvest.web").exception("cache warm-up failed")


def _version() -> str:
    try:
        from kzinvest import __version__
        return __version__
    except Exception:  # pragma: no cover
        return "0"


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory kzinvest.web.app:app_from_env``."""
    return create_app()


__all__ = ["create_app", "app_from_env", "WebContext", "TTLCache", "HTMLResponse"]
