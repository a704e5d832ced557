"""Server-rendered dashboard pages (Jinja2, autoescaped), Russian by default, ?lang=en switches."""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kzinvest.model import SECTORS, STAGES
from kzinvest.web.api import norm_date
from kzinvest.web.app import WebContext, get_ctx
from kzinvest.web.i18n import Translator, pick_lang, region_codes

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.autoescape = True          # every template, whatever its extension
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.tests["http_url"] = lambda v: isinstance(v, str) and re.match(r"(?i)^https?://", v) is not None
# Below this confidence a project is flagged "?" in lists (the extractor doubts it is one).
LOW_CONFIDENCE = 0.5
templates.env.globals["LOW_CONFIDENCE"] = LOW_CONFIDENCE

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGE_SIZE = 50
SORT_OPTIONS = (("-amount_usd", "sort_amount_desc"), ("amount_usd", "sort_amount_asc"),
                ("-last_seen", "sort_last_desc"), ("-date", "sort_date_desc"), ("date", "sort_date_asc"),
                ("-jobs", "sort_jobs_desc"), ("investor", "sort_investor"))
SORT_VALUES = {s for s, _ in SORT_OPTIONS}


# --- helpers --------------------------------------------------------------------------

def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang") or request.cookies.get("lang"))


def url_with(request: Request, **changes: Any) -> str:
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    qs = urlencode(params)
    return request.url.path + ("?" + qs if qs else "")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    t = Translator(lang_of(request))
    other = "en" if t.lang == "ru" else "ru"
    context.update(request=request, t=t, lang=t.lang, path=request.url.path,
                   lang_url=url_with(request, lang=other), url_with=lambda **kw: url_with(request, **kw))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, status=status, detail=detail)


def page_filter(request: Request) -> dict[str, Any]:
    """Lenient filter parsing for pages: values that make no sense are dropped, never a 500."""
    qp = request.query_params
    out: dict[str, Any] = {}
    if qp.get("region") in region_codes():
        out["region"] = qp["region"]
    if qp.get("sector") in SECTORS:
        out["sector"] = qp["sector"]
    if re.fullmatch(r"[A-Za-z]{2}", qp.get("country", "")):
        out["country"] = qp["country"].upper()
    if qp.get("stage") in STAGES:
        out["stage"] = qp["stage"]
    for key, end in (("since", False), ("until", True)):
        if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", qp.get(key, "")):
            out[key] = norm_date(qp[key], end)
    try:
        v = float(qp.get("min_usd", "").replace(" ", "").replace(",", "."))
        if math.isfinite(v) and 0 < v < 1e15:
            out["min_usd"] = v
    except ValueError:
        pass
    if qp.get("stalled") in ("1", "true", "on"):
        out["stalled"] = True
    try:
        v = float(qp.get("min_confidence", "").replace(",", "."))
        if math.isfinite(v) and 0 < v <= 1:
            out["min_confidence"] = v
    except ValueError:
        pass
    q = (qp.get("q") or "").strip()[:200]
    if q:
        out["q"] = q
    return out


def _int(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(value or default)))
    except ValueError:
        return default


def highlight(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Cut ``text`` into (piece, is_evidence) runs; overlapping/adjacent spans merge,
    spans outside the text are ignored. The template escapes every piece."""
    n = len(text)
    good = sorted((max(0, s), min(n, e)) for s, e in spans
                  if isinstance(s, int) and isinstance(e, int) and 0 <= s < e and s < n)
    merged: list[list[int]] = []
    for s, e in good:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < n:
        out.append((text[pos:], False))
    return out


# Fields whose supporting characters the project page marks in the article text, and the
# span each row of its fields table points at (amount_usd: the amount the article states).
SPAN_FIELDS = ("investor", "investor_country", "region", "city", "sector", "amount", "jobs",
               "stage")
ROW_SPAN = {**{f: f for f in SPAN_FIELDS}, "amount_usd": "amount"}
_FIELD_NAME = re.compile(r"[a-z_]{1,40}")


def _valid_span(start: Any, end: Any, n: int) -> tuple[int, int] | None:
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) \
            or isinstance(end, bool) or not 0 <= start < end or start >= n:
        return None
    return start, min(end, n)


def segments(text: str, evidence: list[tuple[int, int]],
             fields: list[tuple[str, Any, Any]]) -> list[tuple[bool, list[tuple[str, tuple[str, ...]]]]]:
    """Cut ``text`` into runs (is_evidence, parts) as highlight() does, and each run into
    parts (piece, fields) where ``fields`` are the names of the field spans covering every
    character of the piece, in SPAN_FIELDS order (empty: none). Runs never overlap, so each
    evidence run is one <mark> and the field spans nest inside it; a field span crossing
    an evidence boundary is cut there. Field spans outside the text, empty or not made of
    integers are ignored; ends past the text are clipped. The template escapes every piece."""
    n = len(text)
    order = {f: i for i, f in enumerate(SPAN_FIELDS)}
    good = []
    for name, start, end in fields:
        span = _valid_span(start, end, n)
        if span is not None and isinstance(name, str) and _FIELD_NAME.fullmatch(name):
            good.append((name, *span))
    cuts = sorted({c for _, s, e in good for c in (s, e)})
    out, pos = [], 0
    for piece, is_ev in highlight(text, evidence):
        start, end = pos, pos + len(piece)
        pos = end
        bounds = [start, *(c for c in cuts if start < c < end), end]
        parts: list[tuple[str, tuple[str, ...]]] = []
        for a, b in zip(bounds, bounds[1:]):
            names = tuple(sorted({f for f, s, e in good if s <= a and b <= e},
                                 key=lambda f: (order.get(f, len(order)), f)))
            if parts and parts[-1][1] == names:
                parts[-1] = (parts[-1][0] + text[a:b], names)
            else:
                parts.append((text[a:b], names))
        out.append((is_ev, parts))
    return out


@lru_cache(maxsize=1)
def map_shapes() -> dict[str, Any]:
    return json.loads((HERE / "static" / "kz_regions.json").read_text(encoding="utf-8"))


PALETTE = ("#e3eef9", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#f1f1ef"


def choropleth(by_region: list[dict], t: Translator) -> dict[str, Any]:
    """Fill colours on a log scale of announced USD, one class per palette step."""
    vals = {r["key"]: r for r in by_region if r.get("key")}
    pos = [r["usd"] for r in vals.values() if r.get("usd")]
    lo, hi = (min(pos), max(pos)) if pos else (1, 1)
    llo, lhi = math.log10(lo), math.log10(hi)
    steps = len(PALETTE)

    def cls(v: float | None) -> int | None:
        if not v:
            return None
        if lhi == llo:
            return steps - 1
        return min(steps - 1, int((math.log10(v) - llo) / (lhi - llo) * steps))

    shapes = map_shapes()
    regions = []
    for r in shapes["regions"]:
        row = vals.get(r["code"], {})
        c = cls(row.get("usd"))
        regions.append({**r, "fill": EMPTY if c is None else PALETTE[c], "usd": row.get("usd"),
                        "projects": row.get("projects", 0), "name": t.region(r["code"]),
                        "dark": c is not None and c >= 4})
    legend = []
    if pos:
        for i, colour in enumerate(PALETTE):
            a = 10 ** (llo + (lhi - llo) * i / steps)
            legend.append((colour, t.money(a)))
    return {"w": shapes["width"], "h": shapes["height"], "regions": regions, "legend": legend,
            "attribution": shapes["attribution"]}


def bars(rows: list[dict], label, value_key: str = "usd", href=None, limit: int | None = None,
         fmt=None) -> list[dict]:
    rows = [r for r in rows if r.get(value_key)]
    rows.sort(key=lambda r: r[value_key], reverse=True)
    if limit:
        rows = rows[:limit]
    top = max((r[value_key] for r in rows), default=0) or 1
    return [{"label": label(r["key"]), "value": r[value_key], "pct": 100.0 * r[value_key] / top,
             "text": fmt(r[value_key]) if fmt else r[value_key], "projects": r.get("projects", 0),
             "href": href(r["key"]) if href and r["key"] is not None else None} for r in rows]


def funnel(by_stage: list[dict]) -> list[dict]:
    at = {r["key"]: r.get("projects", 0) for r in by_stage}
    total = sum(at.values()) or 1
    out = []
    for i, s in enumerate(STAGES):
        reached = sum(at.get(x, 0) for x in STAGES[i:])
        out.append({"stage": s, "reached": reached, "at": at.get(s, 0), "pct": 100.0 * reached / total})
    return out


# --- pages ------------------------------------------------------------------------------

def _overview_data(ctx: WebContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        flt = ctx.make_filter()
        return {
            "totals": ctx.totals(flt),
            "region": ctx.stats(flt, "region"),
            "sector": ctx.stats(flt, "sector"),
            "country": ctx.stats(flt, "country"),
            "year": ctx.stats(flt, "year"),
            "stage": ctx.stats(flt, "stage"),
            "latest": ctx.q.list_projects(ctx.store, ctx.make_filter(sort="-last_seen", limit=10, offset=0))["items"],
        }
    return ctx.cache.get(("overview",), compute)


@router.get("/")
def overview(request: Request, ctx: WebContext = Depends(get_ctx)):
    t = Translator(lang_of(request))
    d = _overview_data(ctx)
    tot = d["totals"]
    years = sorted((r for r in d["year"] if r.get("key") not in (None, "")), key=lambda r: int(r["key"]))
    ymax = max((r.get("usd") or 0 for r in years), default=0) or 1
    return render(
        request, "overview.html", totals=tot,
        stalled_share=(tot.get("stalled") or 0) / tot["projects"] if tot.get("projects") else None,
        map=choropleth(d["region"], t),
        sectors=bars(d["sector"], t.sector, href=lambda k: f"/projects?sector={k}", fmt=t.money),
        countries=bars(d["country"], t.country, href=lambda k: f"/projects?country={k}", limit=12, fmt=t.money),
        regions=bars(d["region"], t.region, href=lambda k: f"/regions/{k}", fmt=t.money),
        years=[{"year": r["key"], "usd": r.get("usd") or 0, "projects": r.get("projects", 0),
                "pct": 100.0 * (r.get("usd") or 0) / ymax} for r in years],
        funnel=funnel(d["stage"]), latest=d["latest"])


@router.get("/projects")
def projects(request: Request, ctx: WebContext = Depends(get_ctx)):
    flt_kw = page_filter(request)
    sort = request.query_params.get("sort")
    sort = sort if sort in SORT_VALUES else "-amount_usd"
    page = _int(request.query_params.get("page"), 1, 1, 100_000)
    res = ctx.q.list_projects(ctx.store, ctx.make_filter(**flt_kw, sort=sort, limit=PAGE_SIZE,
                                                           offset=(page - 1) * PAGE_SIZE))
    pages = max(1, math.ceil(res["total"] / PAGE_SIZE))
    countries = ctx.stats(ctx.make_filter(), "country")
    export_qs = urlencode({k: v for k, v in request.query_params.items()
                           if k in ("region", "sector", "country", "stage", "since", "until", "min_usd", "q")
                           and v} | ({"stalled": "true"} if flt_kw.get("stalled") else {})
                          | {k: flt_kw[k] for k in ("min_confidence",) if k in flt_kw}
                          | ({"sort": sort}))
    return render(request, "projects.html", items=res["items"], total=res["total"], page=page, pages=pages,
                  f=flt_kw, raw=request.query_params, sort=sort, sort_options=SORT_OPTIONS,
                  regions=region_codes(), sectors=SECTORS, stages=STAGES,
                  countries=sorted(r["key"] for r in countries if r.get("key")),
                  confidence_options=_confidence_options(flt_kw.get("min_confidence")),
                  export_qs=export_qs, feed_qs=urlencode({k: v for k, v in flt_kw.items()
                                                          if k in ("region", "sector", "country", "stage", "q",
                                                                   "min_confidence")}))


def _confidence_options(current: float | None) -> list[float]:
    """The choices of the filter form's confidence control (the current one among them)."""
    options = [LOW_CONFIDENCE, 0.8]
    if current is not None and current not in options:
        options = sorted([*options, current])
    return options


@router.get("/projects/{project_id}")
def project(project_id: str, request: Request, ctx: WebContext = Depends(get_ctx)):
    pid = _int(project_id, 0, 0, 2**31 - 1) if project_id.isdigit() else 0
    p = ctx.q.get_project(ctx.store, pid) if pid else None
    if p is None:
        return error_page(request, 404, Translator(lang_of(request))("not_found"))
    docs, spanned = [], set()
    for src in (p.get("sources") or [])[:20]:
        doc = ctx.q.get_document(ctx.store, src["document_id"]) if src.get("document_id") else None
        evidence = [(ev.get("start"), ev.get("end")) for ev in src.get("evidence") or []]
        fields = [(name, *span) for name, span in (src.get("spans") or {}).items()
                  if name in SPAN_FIELDS and isinstance(span, (list, tuple)) and len(span) == 2]
        parts = segments(doc["text"], evidence, fields) if doc and doc.get("text") else []
        spanned |= {f for _, run in parts for _, names in run for f in names}
        docs.append({"src": src, "doc": doc, "segments": parts})
    company = None
    if p.get("company_id"):
        company = ctx.q.get_company(ctx.store, p["company_id"])
    return render(request, "project.html", p=p, docs=docs, company=company, spanned=spanned,
                  row_span=ROW_SPAN,
                  fields=("investor", "investor_country", "region", "city", "sector", "amount", "amount_usd",
                          "jobs", "stage", "status", "first_seen", "last_seen", "health", "confidence",
                          "product", "capacity"))


@router.get("/companies")
def companies(request: Request, ctx: WebContext = Depends(get_ctx)):
    q = (request.query_params.get("q") or "").strip()[:200] or None
    page = _int(request.query_params.get("page"), 1, 1, 100_000)
    res = ctx.q.list_companies(ctx.store, q=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "companies.html", items=res["items"], total=res["total"], page=page,
                  pages=max(1, math.ceil(res["total"] / PAGE_SIZE)), q=q or "")


@router.get("/companies/{company_id}")
def company(company_id: str, request: Request, ctx: WebContext = Depends(get_ctx)):
    cid = _int(company_id, 0, 0, 2**31 - 1) if company_id.isdigit() else 0
    c = ctx.q.get_company(ctx.store, cid) if cid else None
    if c is None:
        return error_page(request, 404, Translator(lang_of(request))("not_found"))
    projects = c.get("projects") or []
    usd = sum(p.get("amount_usd") or 0 for p in projects)
    return render(request, "company.html", c=c, projects=projects, usd=usd)


@router.get("/regions")
def regions(request: Request, ctx: WebContext = Depends(get_ctx)):
    t = Translator(lang_of(request))
    by_region = ctx.stats(ctx.make_filter(), "region")
    rows = {r["key"]: r for r in by_region}
    table = [{"code": c, **rows.get(c, {"projects": 0, "usd": 0, "kzt": 0, "jobs": 0})} for c in region_codes()]
    table.sort(key=lambda r: r.get("usd") or 0, reverse=True)
    return render(request, "regions.html", map=choropleth(by_region, t), table=table,
                  unplaced=rows.get(None))


@router.get("/regions/{code}")
def region(code: str, request: Request, ctx: WebContext = Depends(get_ctx)):
    t = Translator(lang_of(request))
    if code not in region_codes():
        return error_page(request, 404, t("not_found"))
    flt = ctx.make_filter(region=code)
    tot = ctx.totals(flt)
    page = _int(request.query_params.get("page"), 1, 1, 100_000)
    res = ctx.q.list_projects(ctx.store, ctx.make_filter(region=code, sort="-amount_usd", limit=PAGE_SIZE,
                                                           offset=(page - 1) * PAGE_SIZE))
    ind = ctx.q.list_indicators(ctx.store, region=code, limit=20, offset=0)
    m = choropleth([{"key": code, "usd": 1, "projects": 1}], t)    # a locator map: this region only
    m["legend"] = []
    for r in m["regions"]:
        r["usd"], r["projects"] = None, 0
    return render(request, "region.html", code=code, totals=tot, items=res["items"], total=res["total"],
                  page=page, pages=max(1, math.ceil(res["total"] / PAGE_SIZE)),
                  sectors=bars(ctx.stats(flt, "sector"), t.sector,
                               href=lambda k: f"/projects?region={code}&sector={k}", fmt=t.money),
                  countries=bars(ctx.stats(flt, "country"), t.country, limit=10,
                                 href=lambda k: f"/projects?region={code}&country={k}", fmt=t.money),
                  funnel=funnel(ctx.stats(flt, "stage")), indicators=ind["items"], map=m,
                  stalled_share=(tot.get("stalled") or 0) / tot["projects"] if tot.get("projects") else None)


@router.get("/indicators")
def indicators(request: Request, ctx: WebContext = Depends(get_ctx)):
    region = request.query_params.get("region")
    region = region if region in region_codes() else None
    page = _int(request.query_params.get("page"), 1, 1, 100_000)
    res = ctx.q.list_indicators(ctx.store, region=region, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "indicators.html", items=res["items"], total=res["total"], page=page,
                  pages=max(1, math.ceil(res["total"] / PAGE_SIZE)), region=region, regions=region_codes())


@router.get("/docs")
def api_docs(request: Request):
    """A local, script-free rendering of /openapi.json (FastAPI's Swagger UI needs a CDN)."""
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "desc": p.get("description", ""), "schema": _schema_text(p.get("schema", {}))}
                      for p in op.get("parameters", [])]
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "secured": bool(op.get("security")),
                        "body": "requestBody" in op})
    return render(request, "docs.html", ops=ops, info=schema.get("info", {}))


def _schema_text(s: dict) -> str:
    if "anyOf" in s:
        return " | ".join(_schema_text(x) for x in s["anyOf"] if x.get("type") != "null")
    if "$ref" in s:
        return s["$ref"].rsplit("/", 1)[-1]
    if "enum" in s:
        vals = s["enum"]
        return "|".join(map(str, vals[:6])) + ("|…" if len(vals) > 6 else "")
    return s.get("type", "")
