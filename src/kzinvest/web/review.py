"""The analyst's review queue in the web app, behind the write token.

Pages: GET /review (the queue; a token form when not signed in), POST /review/login (the
token, kept in an HttpOnly SameSite=Strict cookie scoped to /review), POST /review/decide
(merge, keep apart, split: a form with a per-token CSRF value), GET /review/log (decisions
and the audit log), POST /review/logout.
API: GET /api/review, POST /api/review/decisions, GET /api/audit (Bearer token).
Without a configured token everything here answers 403, as the write API does.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from kzinvest.web.api import AUTH_ERRORS, NOT_FOUND, Error, require_token
from kzinvest.web.app import UTF8JSONResponse, WebContext, get_ctx

pages_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(prefix="/api", default_response_class=UTF8JSONResponse)
COOKIE = "kz_review"
PAGE_SIZE = 25


def _who(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:8]


def _valid(ctx: WebContext, given: str | None) -> str | None:
    """The configured token equal to `given` (constant time over every token), or None."""
    if not given:
        return None
    found = None
    for tok in ctx.tokens:
        if hmac.compare_digest(given.encode(), tok.encode()):
            found = tok
    return found


def _csrf(token: str) -> str:
    return hmac.new(token.encode(), b"kzinvest-review", hashlib.sha256).hexdigest()[:32]


def _page_token(request: Request, ctx: WebContext) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return _valid(ctx, auth[7:].strip())
    return _valid(ctx, request.cookies.get(COOKIE))


def _render(request: Request, name: str, status_code: int = 200, token: str | None = None,
            **kw: Any) -> HTMLResponse:
    from kzinvest.web.pages import render
    response = render(request, name, status_code=status_code, **kw)
    response.headers["Cache-Control"] = "no-store"
    if token is not None:
        # Sets the session cookie again: besides keeping it alive, a response that sets a
        # cookie is never kept by a shared response cache (web/microcache.py), which keys
        # on the path and not on this cookie.
        _set_cookie(response, request, token)
    return response


def _set_cookie(response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/review",
                        secure=request.url.scheme == "https")


def _disabled(request: Request) -> HTMLResponse:
    from kzinvest.web.pages import error_page
    return error_page(request, 403, "The write API is disabled: no token is configured on this "
                                    "server (start it with --token or set KZINVEST_TOKENS).")


@pages_router.get("/review")
def review_page(request: Request, ctx: WebContext = Depends(get_ctx)):
    if not ctx.tokens:
        return _disabled(request)
    token = _page_token(request, ctx)
    if token is None:
        return _render(request, "review_login.html", status_code=401, failed=False)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    res = _queue(ctx.store, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-res["total"] // PAGE_SIZE))
    return _render(request, "review.html", token=token, items=res["items"], total=res["total"],
                   page=page, pages=pages, csrf=_csrf(token), who=_who(token),
                   done=request.query_params.get("done"))


def _queue(store, limit: int, offset: int) -> dict:
    from kzinvest.registry.review import queue
    return queue(store, limit=limit, offset=offset)


@pages_router.post("/review/login")
def review_login(request: Request, token: str = Form("", max_length=500),
                 ctx: WebContext = Depends(get_ctx)):
    if not ctx.tokens:
        return _disabled(request)
    if _valid(ctx, token.strip()) is None:
        return _render(request, "review_login.html", status_code=401, failed=True)
    response = RedirectResponse("/review", status_code=303)
    _set_cookie(response, request, token.strip())
    return response


@pages_router.post("/review/logout")
def review_logout():
    response = RedirectResponse("/review", status_code=303)
    response.delete_cookie(COOKIE, path="/review")
    return response


@pages_router.post("/review/decide")
def review_decide(request: Request, action: str = Form(..., max_length=10),
                  a: int = Form(..., ge=1, le=2**31 - 1), b: int | None = Form(None, ge=1, le=2**31 - 1),
                  note: str = Form("", max_length=1000), name: str = Form("", max_length=100),
                  csrf: str = Form("", max_length=100), ctx: WebContext = Depends(get_ctx)):
    if not ctx.tokens:
        return _disabled(request)
    token = _page_token(request, ctx)
    if token is None:
        return _render(request, "review_login.html", status_code=401, failed=False)
    if not hmac.compare_digest(csrf.encode(), _csrf(token).encode()):
        raise HTTPException(403, "stale or foreign form (CSRF check failed)")
    who = _who(token) + (f" ({name.strip()})" if name.strip() else "")
    result = _decide(ctx, action, a, b, who, note.strip() or None)
    return RedirectResponse(f"/review?done={result['decision']}", status_code=303)


@pages_router.get("/review/log")
def review_log(request: Request, ctx: WebContext = Depends(get_ctx)):
    if not ctx.tokens:
        return _disabled(request)
    token = _page_token(request, ctx)
    if token is None:
        return _render(request, "review_login.html", status_code=401, failed=False)
    from kzinvest.registry import audit
    return _render(request, "review_log.html", token=token,
                   entries=audit.entries(ctx.store, limit=200))


def _decide(ctx: WebContext, action: str, a: int, b: int | None, who: str,
            note: str | None) -> dict:
    with ctx.write_lock:
        try:
            result = ctx.store.decide(action, a, b, who=who, note=note)
        except KeyError as exc:
            raise HTTPException(404, f"mention {exc.args[0]} not found")
        except ValueError as exc:
            raise HTTPException(422, str(exc))
    ctx.invalidate()
    return result


# --- API -------------------------------------------------------------------------------------

class DecisionIn(BaseModel):
    action: Literal["merge", "apart", "split"]
    a: int = Field(ge=1, le=2**31 - 1, description="a mention id (from GET /api/review)")
    b: int | None = Field(None, ge=1, le=2**31 - 1, description="the other mention (merge, apart)")
    note: str | None = Field(None, max_length=1000)


@api_router.get("/review", responses={**AUTH_ERRORS}, summary="The review queue: pairs the resolver was unsure about "
                "(token required)")
def api_review(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000),
               who: str = Depends(require_token), ctx: WebContext = Depends(get_ctx)):
    return _queue(ctx.store, limit, offset)


@api_router.post("/review/decisions", responses={**AUTH_ERRORS, **NOT_FOUND,
                 422: {"model": Error, "description": "malformed decision"}}, summary="Merge two mentions, keep them apart, or split "
                 "one out of its project (token required)")
def api_decide(body: DecisionIn, who: str = Depends(require_token),
               ctx: WebContext = Depends(get_ctx)):
    if body.action != "split" and body.b is None:
        raise HTTPException(422, f"{body.action} needs two mentions (a and b)")
    return _decide(ctx, body.action, body.a, body.b, who, body.note)


@api_router.get("/audit", responses={**AUTH_ERRORS}, summary="The audit log: edits, review decisions, rebuilds "
                "(token required)")
def api_audit(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
              who: str = Depends(require_token), ctx: WebContext = Depends(get_ctx)):
    from kzinvest.registry import audit
    return {"items": audit.entries(ctx.store, limit=limit, offset=offset)}
