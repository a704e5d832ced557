"""Projects as the contract shapes them (docs/registry-contract.md): lists with their
investors, sources, stage events, the full timeline of reports and amount revisions."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kzinvest.registry.filters import (SPEC_FIELDS, ProjectFilter, _order, _plan,
                                       apply_filter, status_expr)
from kzinvest.registry.models import (Document, Mention, Override, Project, ProjectEvent,
                                      ProjectInvestor)

# --- shapes ----------------------------------------------------------------------------------

# Columns a project dict is made of (never search_text: it can be long and is not shown).
PROJECT_COLS = [getattr(Project, f) for f in SPEC_FIELDS] + [
    Project.id, Project.company_id, Project.first_seen, Project.last_seen, Project.health,
    Project.conflicts, Project.sources_count, Project.mentions_count, Project.confidence]


def project_select(store):
    return select(*PROJECT_COLS, status_expr(store).label("status"))


_MENTION_COLS = (Mention.project_id, Mention.document_id, Mention.evidence, Mention.investor,
                 Mention.stage, Mention.date, Mention.amount, Mention.currency,
                 Mention.amount_usd, Mention.jobs, Mention.ordinal, Mention.confidence,
                 Document.source, Document.url, Document.title, Document.published,
                 Document.content_hash)


def _project_dicts(store, s: Session, rows, spans: bool = False) -> list[dict]:
    """Project rows (from project_select) with their investors, sources, stage events,
    timeline and revisions: three queries for any number of projects. `spans`: each source
    also gets the spans of the fields it supports (one project's page; lists leave them
    out, which spares decoding every mention's extras)."""
    items = [dict(r._mapping) for r in rows]
    ids = [d["id"] for d in items]
    sources: dict[int, dict[int, dict]] = defaultdict(dict)
    reports: dict[int, list[dict]] = defaultdict(list)
    events: dict[int, list[dict]] = defaultdict(list)
    investors: dict[int, list[dict]] = defaultdict(list)
    if ids:
        cols = (*_MENTION_COLS, Mention.extra) if spans else _MENTION_COLS
        mentions = s.execute(select(*cols).join(Document, Document.id == Mention.document_id)
                             .where(Mention.project_id.in_(ids))).all()
        if spans:     # in record order: an article's first record that gives a span wins
            mentions = sorted(mentions, key=lambda r: (r.document_id, r.ordinal))
        for m in mentions:
            entry = sources[m.project_id].setdefault(m.document_id, {
                "document_id": m.document_id, "source": m.source, "url": m.url,
                "title": m.title, "published": m.published, "evidence": [],
                **({"spans": {}} if spans else {}), "confidence": m.confidence,
                "_order": (m.published or "", m.content_hash)})
            for ev in m.evidence or []:
                if ev not in entry["evidence"]:      # partners of one article share it
                    entry["evidence"].append(ev)
            # each field's supporting characters in this article (the first record that
            # gives one wins), and the surest of the article's records
            for name, span in (((m.extra or {}).get("spans") or {}) if spans else {}).items():
                entry["spans"].setdefault(name, span)
            if m.confidence is not None and (entry["confidence"] is None
                                             or m.confidence > entry["confidence"]):
                entry["confidence"] = m.confidence
            reports[m.project_id].append({
                "date": m.date or m.published, "stage": m.stage, "investor": m.investor,
                "amount": m.amount, "currency": m.currency, "amount_usd": m.amount_usd,
                "jobs": m.jobs, "document_id": m.document_id, "url": m.url,
                "title": m.title, "source": m.source,
                "_order": (m.date or m.published or "", m.content_hash, m.ordinal)})
        for pid, stage, date, doc_id in s.execute(
                select(ProjectEvent.project_id, ProjectEvent.stage, ProjectEvent.date,
                       ProjectEvent.document_id)
                .where(ProjectEvent.project_id.in_(ids))
                .order_by(ProjectEvent.date.is_(None), ProjectEvent.date, ProjectEvent.id)):
            events[pid].append({"stage": stage, "date": date, "document_id": doc_id})
        for inv in s.execute(
                select(ProjectInvestor.project_id, ProjectInvestor.name,
                       ProjectInvestor.company_id, ProjectInvestor.country,
                       ProjectInvestor.countries, ProjectInvestor.role,
                       ProjectInvestor.mentions)
                .where(ProjectInvestor.project_id.in_(ids))
                .order_by(ProjectInvestor.project_id, ProjectInvestor.position)):
            investors[inv.project_id].append({
                "name": inv.name, "company_id": inv.company_id, "country": inv.country,
                "role": inv.role, "mentions": inv.mentions,
                **({"countries": inv.countries} if len(inv.countries or []) > 1 else {})})
    for d in items:
        pid = d["id"]
        d["conflicts"] = d["conflicts"] or {}
        d["investors"] = investors[pid] or ([{"name": d["investor"], "company_id":
                                               d["company_id"], "country": d["investor_country"],
                                               "role": "investor", "mentions": 0}]
                                             if d.get("investor") else [])
        srcs = sorted(sources[pid].values(), key=lambda x: x.pop("_order"))
        d["sources"] = srcs
        by_doc = {x["document_id"]: x for x in srcs}
        d["events"] = [{**e, **{k: by_doc.get(e["document_id"], {}).get(k)
                                for k in ("url", "title", "source")}} for e in events[pid]]
        d["timeline"], d["revisions"] = timeline(reports[pid])
    return items


def timeline(reports: list[dict]) -> tuple[list[dict], list[dict]]:
    """Every report in date order (one per record), and the amount revisions: each time a
    later report gives another amount than the one before it (the latest wins)."""
    reports = sorted(reports, key=lambda r: r.pop("_order"))
    revisions, last = [], None
    for r in reports:
        r["revision"] = False
        if r["amount"] is None:
            continue
        value = (r["amount"], r["currency"])
        if last is not None and value != (last["amount"], last["currency"]) \
                and (r["date"] or "") > (last["date"] or ""):
            r["revision"] = True
            revisions.append({"date": r["date"], "amount": r["amount"],
                              "currency": r["currency"], "amount_usd": r["amount_usd"],
                              "previous": last["amount"], "previous_currency": last["currency"],
                              "document_id": r["document_id"]})
        last = r
    return reports, revisions


# --- the contract ----------------------------------------------------------------------------

def _count_key(store, flt: ProjectFilter) -> tuple:
    return (flt.region, flt.sector, flt.country, flt.stage, flt.since, flt.until, flt.min_usd,
            flt.stalled, flt.q, flt.company_id, flt.min_confidence, store.stalled_cutoff())


def count_projects(store, s: Session, flt: ProjectFilter) -> int:
    """Number of projects matching `flt`, cached until the next write anywhere (counting a
    broad filter reads most of an index: 5-15 ms at 100k projects)."""
    version = store.data_version() if hasattr(store, "data_version") else None
    cache = getattr(store, "count_cache", None)
    key = _count_key(store, flt)
    if cache is not None and version is not None:
        hit = cache.get(version, key)
        if hit is not None:
            return hit
    total = s.scalar(apply_filter(store, select(func.count(Project.id)), flt))
    # Cache only when no write landed while counting (the count is then that version's).
    if cache is not None and version is not None and store.data_version() == version:
        cache.put(version, key, total)
    return total


def list_projects(store, flt: ProjectFilter | None = None) -> dict:
    flt = flt or ProjectFilter()
    with store.read() as s:
        version = store.data_version() if hasattr(store, "data_version") else None
        total = count_projects(store, s, flt)
        keep, order = _plan(store, s, flt, total)
        base = apply_filter(store, project_select(store), flt, keep=keep)
        rows = s.execute(base.order_by(*_order(store, flt.sort, hide_index=order == "sort"))
                         .limit(max(0, int(flt.limit))).offset(max(0, int(flt.offset)))).all()
        if version is not None and store.data_version() != version:
            # A write landed meanwhile: count again, in this read's snapshot, so that
            # total and items always agree.
            total = s.scalar(apply_filter(store, select(func.count(Project.id)), flt))
        return {"items": _project_dicts(store, s, rows), "total": total}


def iter_projects(store, flt: ProjectFilter | None = None, batch: int = 500):
    """Every project matching the filter (limit/offset ignored), for exports."""
    flt = flt or ProjectFilter()
    last_offset = 0
    while True:
        page = ProjectFilter(**{**flt.__dict__, "limit": batch, "offset": last_offset})
        items = list_projects(store, page)["items"]
        yield from items
        if len(items) < batch:
            return
        last_offset += batch


def get_project(store, project_id: int) -> dict | None:
    with store.read() as s:
        row = s.execute(project_select(store).where(Project.id == int(project_id))).first()
        if row is None:
            return None
        d = _project_dicts(store, s, [row], spans=True)[0]
        from kzinvest.registry.models import Override
        d["overrides"] = [{"field": o.field, "value": o.value, "who": o.who,
                           "at": o.created_at.isoformat(timespec="seconds")}
                          for o in s.scalars(select(Override)
                                             .where(Override.project_id == int(project_id))
                                             .order_by(Override.created_at, Override.id))]
        return d

