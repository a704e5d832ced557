"""REST API under /api: the registry contract (docs/registry-contract.md) over HTTP."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from fastapi import (APIRouter, BackgroundTasks, Depends, File, Form, HTTPException, Path as PathParam,
                     Query, Request, UploadFile)
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kzinvest.model import SECTORS, STAGES
from kzinvest.web.app import UTF8JSONResponse, WebContext, get_ctx
from kzinvest.web.i18n import region_codes
# Response shapes (documentation for /openapi.json; the handlers return plain dicts).
from kzinvest.web.schemas import (NOT_FOUND, CompanyDetail, CompanyPage, DocumentOut,  # noqa: F401
                                  EditIn, Error, IndicatorPage, IngestOut, Project, ProjectPage,
                                  Stats)

router = APIRouter(prefix="/api", default_response_class=UTF8JSONResponse)

MAX_ID = 2**31 - 1          # ids are 32-bit integers on PostgreSQL: a larger one is a 404/422, not a 500
MAX_OFFSET = 10_000_000
MAX_LIMIT = 500
SORT_KEYS = ("amount_usd", "date", "last_seen", "first_seen", "jobs", "investor", "id", "health")
SORTS = tuple(p + k for k in SORT_KEYS for p in ("", "-"))
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"

Sector = Enum("Sector", {s: s for s in SECTORS}, type=str)
Stage = Enum("Stage", {s: s for s in STAGES}, type=str)
Region = Enum("Region", {c.replace("-", "_"): c for c in region_codes()}, type=str)
Sort = Enum("Sort", {s.replace("-", "desc_"): s for s in SORTS}, type=str)


# --- common parameters -------------------------------------------------------------

def norm_date(value: str | None, end: bool) -> str | None:
    """'2022' -> '2022-01-01' (since) / '2022-12-31' (until); '2022-03' likewise."""
    if not value:
        return None
    if len(value) == 4:
        return value + ("-12-31" if end else "-01-01")
    if len(value) == 7:
        return value + ("-31" if end else "-01")
    return value


@dataclasses.dataclass
class FilterParams:
    region: str | None = None
    sector: str | None = None
    country: str | None = None
    stage: str | None = None
    since: str | None = None
    until: str | None = None
    min_usd: float | None = None
    stalled: bool | None = None
    q: str | None = None
    company_id: int | None = None
    min_confidence: float | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None and v != ""}


def filter_params(
    region: Region | None = Query(None, description="ISO 3166-2:KZ code, e.g. KZ-10"),
    sector: Sector | None = Query(None),
    country: str | None = Query(None, pattern=r"^[A-Za-z]{2}$", description="investor country, ISO alpha-2"),
    stage: Stage | None = Query(None),
    since: str | None = Query(None, pattern=DATE_RE, description="YYYY, YYYY-MM or YYYY-MM-DD"),
    until: str | None = Query(None, pattern=DATE_RE, description="YYYY, YYYY-MM or YYYY-MM-DD"),
    min_usd: float | None = Query(None, ge=0, le=1e15, allow_inf_nan=False),
    stalled: bool | None = Query(None, description="true: only stalled projects; false: only active"),
    q: str | None = Query(None, max_length=200, description="full-text search"),
    company_id: int | None = Query(None, ge=1, le=MAX_ID),
    min_confidence: float | None = Query(None, ge=0, le=1, allow_inf_nan=False,
                                         description="only projects at least this likely to be "
                                                     "real (0..1; 0.8: about nine in ten are)"),
) -> FilterParams:
    return FilterParams(
        region=region.value if region else None,
        sector=sector.value if sector else None,
        country=country.upper() if country else None,
        stage=stage.value if stage else None,
        since=norm_date(since, end=False),
        until=norm_date(until, end=True),
        min_usd=min_usd,
        stalled=stalled,
        q=(q.strip() or None) if q else None,
        company_id=company_id,
        min_confidence=min_confidence,
    )


# --- read endpoints ------------------------------------------------------------------

@router.get("/projects", response_model=None, responses={200: {"model": ProjectPage}},
            summary="List projects (filters, full-text search, sorting, pagination)")
def projects(f: FilterParams = Depends(filter_params),
             sort: Sort = Query(Sort["desc_amount_usd"], description="field, '-' for descending"),
             limit: int = Query(50, ge=1, le=MAX_LIMIT),
             offset: int = Query(0, ge=0, le=MAX_OFFSET),
             ctx: WebContext = Depends(get_ctx)):
    flt = ctx.make_filter(**f.as_kwargs(), sort=sort.value, limit=limit, offset=offset)
    # Rendered straight to JSON: FastAPI's jsonable_encoder would walk every project,
    # source and evidence span first (about 10 ms for a page of 50).
    return UTF8JSONResponse(ctx.q.list_projects(ctx.store, flt))


@router.get("/projects/{project_id}", response_model=None, responses={200: {"model": Project}, **NOT_FOUND},
            summary="One project with its timeline, sources and evidence offsets")
def project(project_id: int = PathParam(ge=1, le=MAX_ID), ctx: WebContext = Depends(get_ctx)):
    p = ctx.q.get_project(ctx.store, project_id)
    if p is None:
        raise HTTPException(404, f"project {project_id} not found")
    return UTF8JSONResponse(p)      # straight to JSON: jsonable_encoder costs more than the query


@router.get("/companies", response_model=None, responses={200: {"model": CompanyPage}}, summary="List companies")
def companies(q: str | None = Query(None, max_length=200),
              limit: int = Query(50, ge=1, le=MAX_LIMIT),
              offset: int = Query(0, ge=0, le=MAX_OFFSET),
              ctx: WebContext = Depends(get_ctx)):
    return UTF8JSONResponse(ctx.q.list_companies(ctx.store, q=(q or "").strip() or None,
                                                 limit=limit, offset=offset))


@router.get("/companies/{company_id}", response_model=None,
            responses={200: {"model": CompanyDetail}, **NOT_FOUND}, summary="One company and its projects")
def company(company_id: int = PathParam(ge=1, le=MAX_ID), ctx: WebContext = Depends(get_ctx)):
    c = ctx.q.get_company(ctx.store, company_id)
    if c is None:
        raise HTTPException(404, f"company {company_id} not found")
    return UTF8JSONResponse(c)


@router.get("/indicators", response_model=None, responses={200: {"model": IndicatorPage}},
            summary="Aggregate figures (indicators) found in articles")
def indicators(region: Region | None = Query(None),
               limit: int = Query(50, ge=1, le=MAX_LIMIT),
               offset: int = Query(0, ge=0, le=MAX_OFFSET),
               ctx: WebContext = Depends(get_ctx)):
    return UTF8JSONResponse(ctx.q.list_indicators(ctx.store, region=region.value if region else None,
                                                  limit=limit, offset=offset))


@router.get("/stats", response_model=None, responses={200: {"model": Stats}},
            summary="Totals grouped by region, sector, investor country, stage or year (USD and KZT)")
def stats(by: Literal["region", "sector", "country", "stage", "year"] = Query("region"),
          f: FilterParams = Depends(filter_params),
          ctx: WebContext = Depends(get_ctx)):
    flt = ctx.make_filter(**f.as_kwargs())
    return UTF8JSONResponse({"by": by, "items": ctx.stats(flt, by), "totals": ctx.totals(flt)})


EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
    "geojson": ("application/geo+json", "geojson"),
}


@router.get("/export", response_class=Response, summary="Export the filtered projects",
            responses={200: {"description": "the file", "content": {t[0].split(";")[0]: {} for t in EXPORT_TYPES.values()}}})
def export(format: Literal["csv", "xlsx", "json", "geojson"] = Query("csv"),
           f: FilterParams = Depends(filter_params),
           sort: Sort = Query(Sort["desc_amount_usd"]),
           ctx: WebContext = Depends(get_ctx)):
    flt = ctx.make_filter(**f.as_kwargs(), sort=sort.value, limit=None, offset=0)
    body = ctx.q.export_projects(ctx.store, flt, format)
    ctype, ext = EXPORT_TYPES[format]
    return Response(body, media_type=ctype,
                    headers={"Content-Disposition": f'attachment; filename="kzinvest-projects.{ext}"'})


@router.get("/documents/{document_id}", response_model=None,
            responses={200: {"model": DocumentOut}, **NOT_FOUND}, summary="A stored document and its text")
def document(document_id: int = PathParam(ge=1, le=MAX_ID), ctx: WebContext = Depends(get_ctx)):
    d = ctx.q.get_document(ctx.store, document_id)
    if d is None:
        raise HTTPException(404, f"document {document_id} not found")
    return UTF8JSONResponse(d)


# --- write endpoints -----------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="a token from KZINVEST_TOKENS / --token")
AUTH_ERRORS = {401: {"model": Error, "description": "missing or wrong token"},
               403: {"model": Error, "description": "write API disabled (no token configured)"}}


def matching_token(given: str, tokens: list[str]) -> str | None:
    """The configured token equal to `given`, or None, in constant time: every token is
    compared (no early exit), each as a SHA-256 digest (equal lengths: not even a token's
    length leaks), with hmac.compare_digest."""
    digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    match = None
    for tok in tokens:
        if hmac.compare_digest(digest, hashlib.sha256(tok.encode()).digest()) and given:
            match = tok
    return match


def bearer_header_ok(header: bytes, tokens: list[str]) -> bool:
    """An `Authorization: Bearer <token>` header value naming a configured token."""
    scheme, _, value = header.decode("latin-1").strip().partition(" ")
    return scheme.lower() == "bearer" and matching_token(value.strip(), tokens) is not None


def require_token(creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                  ctx: WebContext = Depends(get_ctx)) -> str:
    """Returns who is writing ("token:<8 hex of its sha256>")."""
    if not ctx.tokens:
        raise HTTPException(403, "The write API is disabled: no token is configured on this server "
                                 "(start it with --token or set KZINVEST_TOKENS).")
    given = creds.credentials if creds and creds.scheme.lower() == "bearer" else ""
    match = matching_token(given, ctx.tokens)
    if match is not None:
        return "token:" + hashlib.sha256(match.encode()).hexdigest()[:8]
    raise HTTPException(401, "A valid 'Authorization: Bearer <token>' header is required.",
                        headers={"WWW-Authenticate": "Bearer"})


def _coerce(field: str, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none")):
        if field in ("stage", "sector"):
            raise HTTPException(422, f"{field} cannot be cleared")
        return None
    if field in ("amount", "amount_usd"):
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise HTTPException(422, f"{field} must be a number")
        if v != v or v in (float("inf"), float("-inf")) or v < 0:
            raise HTTPException(422, f"{field} must be a finite non-negative number")
        return v
    if field == "jobs":
        try:
            v = int(float(value))
        except (TypeError, ValueError, OverflowError):
            raise HTTPException(422, "jobs must be an integer")
        if not 0 <= v <= 10_000_000:
            raise HTTPException(422, "jobs out of range")
        return v
    value = str(value).strip()
    checks = {
        "sector": (lambda v: v in SECTORS, f"sector must be one of {', '.join(SECTORS)}"),
        "stage": (lambda v: v in STAGES, f"stage must be one of {', '.join(STAGES)}"),
        "region": (lambda v: v in region_codes(), "region must be an ISO 3166-2:KZ code (KZ-10 … KZ-79)"),
        "investor_country": (lambda v: re.fullmatch(r"[A-Z]{2}", v) is not None, "ISO 3166-1 alpha-2, upper case"),
        "currency": (lambda v: re.fullmatch(r"[A-Z]{3}", v) is not None, "ISO 4217, upper case"),
        "date": (lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None, "date must be YYYY-MM-DD"),
    }
    if field in checks and not checks[field][0](value):
        raise HTTPException(422, checks[field][1])
    if len(value) > 500:
        raise HTTPException(422, "value too long")
    return value


@router.patch("/projects/{project_id}", response_model=None,
              responses={200: {"model": Project}, **NOT_FOUND, **AUTH_ERRORS},
              summary="Correct one field of a project (stored as an analyst override)")
def edit(body: EditIn, project_id: int = PathParam(ge=1, le=MAX_ID),
         who: str = Depends(require_token), ctx: WebContext = Depends(get_ctx)):
    value = _coerce(body.field, body.value)
    if ctx.q.get_project(ctx.store, project_id) is None:
        raise HTTPException(404, f"project {project_id} not found")
    with ctx.write_lock:
        try:
            ctx.q.edit_project(ctx.store, project_id, body.field, value, who)
        except KeyError:
            raise HTTPException(404, f"project {project_id} not found")
        except ValueError as e:
            raise HTTPException(422, str(e))
    ctx.invalidate()
    return ctx.q.get_project(ctx.store, project_id)


MAX_UPLOAD = int(os.environ.get("KZINVEST_MAX_UPLOAD", str(50 * 1024 * 1024)))


@router.post("/ingest", response_model=None, responses={200: {"model": IngestOut}, **AUTH_ERRORS},
             summary="Ingest a URL (or feed) or an uploaded file (any format the extractor reads)")
def ingest(background: BackgroundTasks,
           url: str | None = Form(None, max_length=4000, description="an article, feed or archive URL"),
           file: UploadFile | None = File(None, description="an article file, JSONL dump, feed or WARC"),
           who: str = Depends(require_token), ctx: WebContext = Depends(get_ctx)):
    if bool(url) == bool(file and file.filename):
        raise HTTPException(422, "give exactly one of 'url' or 'file'")
    if url and not re.match(r"^https?://", url):
        raise HTTPException(422, "url must start with http:// or https://")
    with tempfile.TemporaryDirectory(prefix="kzinvest-upload-") as tmp:
        target = url
        if file is not None and file.filename:
            name = re.sub(r"[^\w.\-]+", "_", Path(file.filename).name)[-120:] or "upload"
            path = Path(tmp) / name
            size = 0
            with open(path, "wb") as out:
                while chunk := file.file.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_UPLOAD:
                        raise HTTPException(413, f"file larger than {MAX_UPLOAD} bytes")
                    out.write(chunk)
            target = str(path)
        with ctx.write_lock:
            before = _max_project_id(ctx)
            summary = ctx.store.ingest([target], progress=False)
            new_ids = _new_project_ids(ctx, summary, before)
    ctx.invalidate()
    from kzinvest.web import webhooks
    hooks = ctx.webhooks if ctx.webhooks is not None else webhooks.load_webhooks()
    if hooks and new_ids:
        background.add_task(webhooks.notify_new_project_ids, ctx.store, new_ids, hooks, ctx.q)
    return {"summary": _summary_dict(summary), "new_projects": new_ids, "webhooks": len(hooks) if new_ids else 0}


def _summary_dict(summary: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(summary):
        return dataclasses.asdict(summary)
    if isinstance(summary, dict):
        return summary
    return {k: v for k, v in vars(summary).items() if not k.startswith("_")}


def _max_project_id(ctx: WebContext) -> int:
    try:
        page = ctx.q.list_projects(ctx.store, ctx.make_filter(sort="-id", limit=1, offset=0))
        return max((p["id"] for p in page["items"]), default=0)
    except Exception:
        return 0


def _new_project_ids(ctx: WebContext, summary: Any, before: int) -> list[int]:
    for attr in ("new_project_ids", "project_ids_new", "projects_new_ids"):
        ids = getattr(summary, attr, None)
        if ids is not None:
            return sorted(int(i) for i in ids)
    try:
        page = ctx.q.list_projects(ctx.store, ctx.make_filter(sort="-id", limit=MAX_LIMIT, offset=0))
        return sorted(p["id"] for p in page["items"] if p["id"] > before)
    except Exception:
        return []
