"""What every response carries and every request is held to, as one plain ASGI middleware
(no per-request task or stream copy, unlike Starlette's BaseHTTPMiddleware):

* security headers: a Content-Security-Policy on every response (pages: scripts and styles
  from this origin only; everything else: nothing at all), frame-ancestors 'none' and
  X-Frame-Options DENY (no clickjacking), X-Content-Type-Options nosniff, Referrer-Policy
  no-referrer (the dashboard's filters never leak to the news sites it links to),
  Cross-Origin-Opener-Policy same-origin;
* request size limits: a declared Content-Length over the limit is answered 413 before
  the body is read; a body without one (chunked) is counted as it arrives and answered
  413 as soon as it passes the limit. `POST /api/ingest` may carry an upload
  (KZINVEST_MAX_UPLOAD plus 1 MB of form overhead) when it presents a valid token (checked
  here, before the body is read, so nobody without a token can make the server spool
  50 MB); every other request 1 MB;
* the language cookie: `?lang=ru|en` is remembered for the next pages.
"""
from __future__ import annotations

import json
from typing import Callable
from urllib.parse import parse_qsl

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]
DEFAULT_BODY_LIMIT = 1024 * 1024
LANGS = ("ru", "en")


class TooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: Callable, upload_limit: int, body_limit: int = DEFAULT_BODY_LIMIT,
                 upload_paths: tuple[str, ...] = ("/api/ingest",),
                 authorized: Callable[[bytes], bool] = lambda header: False):
        self.app = app
        self.upload_limit = upload_limit
        self.body_limit = body_limit
        self.upload_paths = upload_paths
        self.authorized = authorized          # Authorization header value -> a valid token?

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        limit = self.body_limit
        if scope.get("path", "") in self.upload_paths and self.authorized(
                headers.get(b"authorization", b"")):
            limit = self.upload_limit + (1 << 20)
        declared = headers.get(b"content-length", b"").strip()
        if declared:
            if not declared.isdigit():
                await _plain(send, 400, "bad Content-Length")
                return
            if int(declared) > limit:
                await _plain(send, 413, f"request body larger than {limit:,} bytes")
                return
        lang = _lang_to_set(scope, headers)
        state = {"seen": 0, "over": False, "started": False, "replaced": False}

        async def limited_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    state["over"] = True
                    raise TooLarge
            return message

        async def guarded_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                if state["over"]:                   # whatever the app made of a cut body
                    state["replaced"] = True
                    await _plain(send, 413, f"request body larger than {limit:,} bytes")
                    return
                state["started"] = True
                message = dict(message)
                message["headers"] = _with_headers(list(message.get("headers") or ()), lang)
            elif state["replaced"]:
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except TooLarge:
            if not state["started"] and not state["replaced"]:
                await _plain(send, 413, f"request body larger than {limit:,} bytes")
        except Exception:
            if state["over"] and not state["started"]:
                if not state["replaced"]:
                    await _plain(send, 413, f"request body larger than {limit:,} bytes")
                return
            raise


def _lang_to_set(scope: dict, headers: dict) -> str | None:
    qs = scope.get("query_string", b"")
    if b"lang=" not in qs:
        return None
    lang = dict(parse_qsl(qs.decode("latin-1"))).get("lang")
    if lang not in LANGS:
        return None
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    if f"lang={lang}" in [c.strip() for c in cookie.split(";")]:
        return None
    return lang


def _with_headers(raw: list[tuple[bytes, bytes]], lang: str | None) -> list[tuple[bytes, bytes]]:
    names = {k.lower() for k, _ in raw}
    ctype = next((v for k, v in raw if k.lower() == b"content-type"), b"")
    out = list(raw)
    for k, v in COMMON:
        if k not in names:
            out.append((k, v))
    if b"content-security-policy" not in names:
        out.append((b"content-security-policy",
                    (PAGE_CSP if ctype.startswith(b"text/html") else DATA_CSP).encode()))
    if lang:
        out.append((b"set-cookie", f"lang={lang}; Max-Age={365 * 86400}; Path=/; HttpOnly; "
                                   "SameSite=lax".encode()))
    return out


async def _plain(send: Callable, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": _with_headers([(b"content-type", b"application/json"),
                                          (b"content-length", str(len(body)).encode()),
                                          (b"connection", b"close")], None)})
    await send({"type": "http.response.body", "body": body})


__all__ = ["GuardMiddleware", "PAGE_CSP", "DATA_CSP"]
