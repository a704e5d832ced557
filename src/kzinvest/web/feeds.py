"""Atom feed of new and updated projects for any filter: /feeds/projects.atom?region=KZ-10&sector=energy"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode
import re
from xml.sax.saxutils import escape as _xml_escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from kzinvest.web.api import FilterParams, filter_params
from kzinvest.web.app import WebContext, get_ctx
from kzinvest.web.i18n import Translator, pick_lang

router = APIRouter(prefix="/feeds")


def _ts(day: str | None) -> str:
    if day and len(day) >= 10:
        return f"{day[:10]}T00:00:00Z"
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(s: str) -> str:
    return _xml_escape(_BAD_XML.sub("", s))


def _attr(s: str) -> str:
    return _xml_escape(_BAD_XML.sub("", s), {'"': "&quot;"})


@router.get("/projects.atom", response_class=Response, summary="Atom feed of new and updated projects",
            responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom 1.0"}})
def projects_feed(request: Request, f: FilterParams = Depends(filter_params),
                  limit: int = Query(50, ge=1, le=200),
                  lang: str | None = Query(None, pattern="^(ru|en)$"),
                  ctx: WebContext = Depends(get_ctx)):
    t = Translator(pick_lang(lang or request.cookies.get("lang")))
    flt = ctx.make_filter(**f.as_kwargs(), sort="-last_seen", limit=limit, offset=0)
    items = ctx.q.list_projects(ctx.store, flt)["items"]
    base = str(request.base_url).rstrip("/")
    qs = urlencode(f.as_kwargs())
    self_url = f"{base}/feeds/projects.atom" + (f"?{qs}" if qs else "")
    title_bits = [t.region(f.region)] if f.region else []
    if f.sector:
        title_bits.append(t.sector(f.sector))
    if f.country:
        title_bits.append(t.country(f.country))
    title = t("app_title") + (": " + ", ".join(title_bits) if title_bits else "")
    updated = max((_ts(p.get("last_seen")) for p in items), default=_ts(None))
    host = request.url.hostname or "localhost"

    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{t.lang}">',
           f"<id>tag:{escape(host)},2024:kzinvest:feed:{escape(qs or 'all')}</id>",
           f"<title>{escape(title)}</title>",
           f"<updated>{updated}</updated>",
           f'<link rel="self" type="application/atom+xml" href="{_attr(self_url)}"/>',
           f'<link rel="alternate" type="text/html" href="{_attr(base + "/projects" + ("?" + qs if qs else ""))}"/>',
           "<generator>kzinvest</generator>"]
    for p in items:
        pid = p["id"]
        names = [i["name"] for i in p.get("investors") or []] or [p.get("investor") or t("unknown")]
        head = ", ".join(names)
        place = ", ".join(x for x in (p.get("city"), t.region(p.get("region")) if p.get("region") else None) if x)
        etitle = f"{head}: {t.sector(p.get('sector'))}" + (f" — {place}" if place else "") + f" ({t.stage(p.get('stage'))})"
        summary = " · ".join(x for x in (
            t.money(p.get("amount_usd")) if p.get("amount_usd") else None,
            f"{t('jobs')}: {t.num(p['jobs'])}" if p.get("jobs") else None,
            f"{t('status')}: {t.status(p.get('status'))}" if p.get("status") else None,
        ) if x)
        link = f"{base}/projects/{pid}"
        out += ["<entry>",
                f"<id>tag:{escape(host)},2024:kzinvest:project:{pid}</id>",
                f"<title>{escape(etitle)}</title>",
                f"<updated>{_ts(p.get('last_seen') or p.get('date'))}</updated>",
                f"<published>{_ts(p.get('first_seen') or p.get('date'))}</published>",
                f'<link rel="alternate" type="text/html" href="{_attr(link)}"/>',
                *[f"<author><name>{escape(n)}</name></author>" for n in names],
                f"<category term=\"{_attr(p.get('sector') or 'other')}\"/>",
                f"<summary>{escape(summary or etitle)}</summary>",
                "</entry>"]
    out.append("</feed>")
    return Response("\n".join(out).encode("utf-8"), media_type="application/atom+xml; charset=utf-8")
