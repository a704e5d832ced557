"""Projects as the contract shapes them (docs/registry-contract.md): lists with their
investors, sources, stage events, the full timeline of reports and amount revisions."""
from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Text, cast, func, select
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


_MENTION_COLS = (Mention.project_id, Mention.document_id, Mention.investor,
                 Mention.stage, Mention.date, Mention.amount, Mention.currency,
                 Mention.amount_usd, Mention.jobs, Mention.ordinal, Mention.confidence,
                 Document.source, Document.url, Document.title, Document.published,
                 Document.content_hash)

# A list carries each project's latest sources and reports only (`sources_count` and
# `mentions_count` say how many there are; get_project gives them all): a project reported by
# hundreds of articles would otherwise make every page of a list megabytes long and every
# request decode all their evidence (benchmarks/load.py: 42 ms for a page of 11 such projects).
LIST_SOURCES = 5
LIST_TIMELINE = 10


def _project_dicts(store, s: Session, rows, spans: bool = False, full: bool = False) -> list[dict]:
    """Project rows (from project_select) with their investors, sources, stage events,
    timeline and revisions: four queries for any number of projects. `spans`: each source
    also gets the spans of the fields it supports (one project's page). `full`: every source
    and report (one project's page, exports); else the latest LIST_SOURCES and LIST_TIMELINE."""
    items = [dict(r._mapping) for r in rows]
    ids = [d["id"] for d in items]
    titles: dict[int, dict[int, object]] = defaultdict(dict)   # project -> document -> a row
    reports: dict[int, list] = defaultdict(list)
    events: dict[int, list[dict]] = defaultdict(list)
    investors: dict[int, list[dict]] = defaultdict(list)
    shown: dict[int, list[dict]] = {}
    if ids:
        # Core, not ORM rows: a list reads thousands of mention rows.
        conn = s.connection()
        # Evidence (and spans) as their stored JSON text, decoded for the sources shown only.
        raw = [cast(Mention.evidence, Text).label("evidence_json")]
        if spans:
            raw.append(cast(Mention.extra, Text).label("extra_json"))
        mentions = conn.execute(select(*_MENTION_COLS, *raw)
                                .join(Document, Document.id == Mention.document_id)
                                .where(Mention.project_id.in_(ids))
                                .order_by(Mention.document_id, Mention.ordinal)).all()
        by_project: dict[int, list] = defaultdict(list)
        for m in mentions:
            by_project[m.project_id].append(m)
        for pid, rows_of in by_project.items():
            docs: dict[int, list] = {}           # document -> [first row, surest confidence]
            for m in rows_of:
                seen = docs.get(m.document_id)
                if seen is None:
                    docs[m.document_id] = [m, m.confidence]
                elif m.confidence is not None and (seen[1] is None or m.confidence > seen[1]):
                    seen[1] = m.confidence      # the surest of the article's records
            ordered = sorted(docs.values(), key=lambda x: (x[0].published or "", x[0].content_hash))
            titles[pid] = {m.document_id: m for m, _ in ordered}
            shown[pid] = [{"document_id": m.document_id, "source": m.source, "url": m.url,
                           "title": m.title, "published": m.published, "evidence": [],
                           **({"spans": {}} if spans else {}), "confidence": conf}
                          for m, conf in (ordered if full else ordered[-LIST_SOURCES:])]
            reports[pid] = rows_of
            _attach_evidence(rows_of, shown[pid], spans)
        for pid, stage, date, doc_id in conn.execute(
                select(ProjectEvent.project_id, ProjectEvent.stage, ProjectEvent.date,
                       ProjectEvent.document_id)
                .where(ProjectEvent.project_id.in_(ids))
                .order_by(ProjectEvent.date.is_(None), ProjectEvent.date, ProjectEvent.id)):
            events[pid].append({"stage": stage, "date": date, "document_id": doc_id})
        for inv in conn.execute(
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
        srcs = shown.get(pid, [])
        d["sources"] = srcs
        titled = titles[pid]
        d["events"] = [{**e, **{k: getattr(titled.get(e["document_id"]), k, None)
                                for k in ("url", "title", "source")}} for e in events[pid]]
        d["timeline"], d["revisions"] = timeline(reports[pid], None if full else LIST_TIMELINE)
    return items


def _attach_evidence(rows, shown: list[dict], spans: bool) -> None:
    """Evidence (and with `spans`, each field's supporting characters) of the sources shown,
    in record order: an article's first record that gives a span wins."""
    wanted = {x["document_id"]: x for x in shown}
    for row in rows:
        entry = wanted.get(row.document_id)
        if entry is None:
            continue
        for ev in (json.loads(row.evidence_json) if row.evidence_json else None) or []:
            if ev not in entry["evidence"]:      # partners of one article share it
                entry["evidence"].append(ev)
        extra = (json.loads(row.extra_json) if spans and row.extra_json else None) or {}
        if spans:
            for name, span in (extra.get("spans") or {}).items():
                entry["spans"].setdefault(name, span)


def timeline(reports: list, keep: int | None = None) -> tuple[list[dict], list[dict]]:
    """Every report (mention rows) in date order, one per record, or the latest `keep`; and
    the amount revisions: each time a later report gives another amount than the one before
    it (the latest wins)."""
    reports = sorted(reports, key=lambda m: (m.date or m.published or "", m.content_hash, m.ordinal))
    revisions, flags, last = [], [], None
    for m in reports:
        flag = False
        if m.amount is not None:
            if last is not None and (m.amount, m.currency) != (last.amount, last.currency) \
                    and (m.date or m.published or "") > (last.date or last.published or ""):
                flag = True
                revisions.append({"date": m.date or m.published, "amount": m.amount,
                                  "currency": m.currency, "amount_usd": m.amount_usd,
                                  "previous": last.amount, "previous_currency": last.currency,
                                  "document_id": m.document_id})
            last = m
        flags.append(flag)
    start = 0 if keep is None else max(0, len(reports) - keep)
    out = [{"date": m.date or m.published, "stage": m.stage, "investor": m.investor,
            "amount": m.amount, "currency": m.currency, "amount_usd": m.amount_usd,
            "jobs": m.jobs, "document_id": m.document_id, "url": m.url, "title": m.title,
            "source": m.source, "revision": flag}
           for m, flag in zip(reports[start:], flags[start:])]
    return out, revisions


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


def list_projects(store, flt: ProjectFilter | None = None, full: bool = False) -> dict:
    """A page of projects; each with its latest LIST_SOURCES sources and LIST_TIMELINE
    reports unless `full`."""
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
            version = None
        return {"items": _cached_dicts(store, s, rows, full, version), "total": total}


def _cached_dicts(store, s: Session, rows, full: bool, version) -> list[dict]:
    """Project dicts of a list, reused across lists while nothing is written anywhere (other
    filters, pages and sorts show the same projects; the dashboard's pages share them)."""
    cache = getattr(store, "item_cache", None)
    if cache is None or version is None:
        return _project_dicts(store, s, rows, full=full)
    out: dict[int, dict] = {}
    missing = []
    for r in rows:
        hit = cache.get(version, (r.id, full))
        if hit is None:
            missing.append(r)
        else:
            out[r.id] = dict(hit)
    fresh = _project_dicts(store, s, missing, full=full) if missing else []
    if store.data_version() == version:          # nothing written while computing them
        for d in fresh:
            cache.put(version, (d["id"], full), d)
    for d in fresh:
        out[d["id"]] = dict(d)
    return [out[r.id] for r in rows]


def iter_projects(store, flt: ProjectFilter | None = None, batch: int = 500):
    """Every project matching the filter (limit/offset ignored), in full, for exports."""
    flt = flt or ProjectFilter()
    last_offset = 0
    while True:
        page = ProjectFilter(**{**flt.__dict__, "limit": batch, "offset": last_offset})
        items = list_projects(store, page, full=True)["items"]
        yield from items
        if len(items) < batch:
            return
        last_offset += batch


def get_project(store, project_id: int) -> dict | None:
    with store.read() as s:
        row = s.execute(project_select(store).where(Project.id == int(project_id))).first()
        if row is None:
            return None
        d = _project_dicts(store, s, [row], spans=True, full=True)[0]
        from kzinvest.registry.models import Override
        d["overrides"] = [{"field": o.field, "value": o.value, "who": o.who,
                           "at": o.created_at.isoformat(timespec="seconds")}
                          for o in s.scalars(select(Override)
                                             .where(Override.project_id == int(project_id))
                                             .order_by(Override.created_at, Override.id))]
        return d

