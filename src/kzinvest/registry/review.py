"""The analyst's review queue and decisions.

The queue holds the pairs of mentions the resolver was unsure about: two groups of mentions
whose linkage (log2 odds of being one project) fell within the review band around the merge
threshold, merged or not (docs/registry-resolution.md). An analyst decides:
- merge A B: A and B are one project (whatever the score says);
- apart A B: A and B are never one project;
- split A: A leaves its project (kept apart from every mention it was with).
Decisions are stored with stable references to the mentions (registry/decisions.py), so
they survive re-extraction and `resolve --rebuild`; each goes to the audit log with who
and when, and the blocks concerned are resolved again at once.
"""
from __future__ import annotations

from sqlalchemy import func, insert, select

from kzinvest.registry import audit
from kzinvest.registry.decisions import ACTIONS, reference
from kzinvest.registry.features import stable_hash
from kzinvest.registry.models import (Document, Mention, MentionKey, ResolutionDecision,
                                      ReviewPair, utcnow)

_M, _D = Mention.__table__, Document.__table__
_RD = ResolutionDecision.__table__


def _mention(conn, mid: int):
    return conn.execute(select(_M.c.id, _M.c.project_id, _M.c.investor, _M.c.sector,
                               _M.c.ordinal, _D.c.content_hash)
                        .join(_D, _D.c.id == _M.c.document_id).where(_M.c.id == mid)).first()


def _ref(row) -> dict:
    return reference(row.investor, row.sector, row.content_hash, row.ordinal)


def decide(store, action: str, a: int, b: int | None = None, who: str | None = None,
           note: str | None = None) -> dict:
    """Record a decision and resolve the blocks concerned again. Raises KeyError for an
    unknown mention, ValueError for a malformed decision."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if action in ("merge", "apart") and (b is None or int(b) == int(a)):
        raise ValueError(f"{action} needs two different mentions")
    who = audit.who_or_default(who)
    with store.write() as s:
        conn = s.connection()
        ra = _mention(conn, int(a))
        if ra is None:
            raise KeyError(a)
        rb = None
        if action != "split":
            rb = _mention(conn, int(b))
            if rb is None:
                raise KeyError(b)
        apart = []
        seeds, projects = [ra.id], {ra.project_id}
        if action == "split":
            mates = conn.execute(select(_M.c.id, _M.c.investor, _M.c.sector, _M.c.ordinal,
                                        _D.c.content_hash)
                                 .join(_D, _D.c.id == _M.c.document_id)
                                 .where(_M.c.project_id == ra.project_id, _M.c.id != ra.id)).all()
            apart = [_ref(m) for m in mates]
        else:
            seeds.append(rb.id)
            projects.add(rb.project_id)
        did = conn.execute(insert(_RD).returning(_RD.c.id), {
            "action": action, "a_hash": ra.content_hash, "a_ref": _ref(ra),
            "b_hash": rb.content_hash if rb is not None else None,
            "b_ref": _ref(rb) if rb is not None else None, "apart": apart, "who": who,
            "note": note, "created_at": utcnow()}).scalar_one()
        if action == "merge":
            key = stable_hash(f"m:{did}")
            conn.execute(insert(MentionKey.__table__),
                         [{"key": key, "mention_id": ra.id}, {"key": key, "mention_id": rb.id}])
        audit.record(conn, who, f"review.{action}", f"decision:{did}",
                     {"a": _ref(ra), "b": _ref(rb) if rb is not None else None,
                      "apart": len(apart), "projects_before": sorted(p for p in projects if p),
                      "note": note})
        res = store.resolver.resolve(conn, seeds, projects={p for p in projects if p})
    return {"decision": did, "action": action, "who": who,
            "projects": {m: res.assigned.get(m) for m in seeds}}


def queue(store, limit: int = 50, offset: int = 0) -> dict:
    """The pairs to review, most uncertain first: {"items": [...], "total": n}."""
    with store.read() as s:
        total = s.scalar(select(func.count()).select_from(ReviewPair))
        rows = s.execute(
            select(ReviewPair.id, ReviewPair.score, ReviewPair.merged, ReviewPair.a_mention,
                   ReviewPair.b_mention)
            .order_by(func.abs(ReviewPair.score), ReviewPair.id)
            .limit(limit).offset(offset)).all()
        ids = {r.a_mention for r in rows} | {r.b_mention for r in rows}
        info = {m["id"]: m for m in mentions(s, ids)}
    threshold = store.resolver.model.threshold
    items = [{"id": r.id, "score": r.score, "probability": _prob(r.score),
              "threshold": threshold, "merged": bool(r.merged),
              "a": info.get(r.a_mention), "b": info.get(r.b_mention)} for r in rows]
    return {"items": items, "total": total}


def mentions(s, ids) -> list[dict]:
    """Mentions as the review shows them: the record, its project and its article."""
    ids = sorted(ids)
    if not ids:
        return []
    rows = s.execute(select(Mention, Document.title, Document.url, Document.source,
                            Document.published)
                     .join(Document, Document.id == Mention.document_id)
                     .where(Mention.id.in_(ids))).all()
    out = []
    for m, title, url, source, published in rows:
        out.append({"id": m.id, "project_id": m.project_id, "investor": m.investor,
                    "investor_country": m.investor_country, "region": m.region,
                    "city": m.city, "sector": m.sector, "amount": m.amount,
                    "currency": m.currency, "amount_usd": m.amount_usd, "jobs": m.jobs,
                    "stage": m.stage, "date": m.date, "document_id": m.document_id,
                    "title": title, "url": url, "source": source, "published": published,
                    "evidence": [e.get("text") for e in m.evidence or []][:3]})
    return out


def history(store, limit: int = 100) -> list[dict]:
    """Decisions, newest first."""
    with store.read() as s:
        rows = s.execute(select(_RD).order_by(_RD.c.created_at.desc(), _RD.c.id.desc())
                         .limit(limit)).all()
    return [{"id": r.id, "action": r.action, "a": r.a_ref, "b": r.b_ref,
             "apart": len(r.apart or []), "who": r.who, "note": r.note,
             "at": r.created_at.isoformat(timespec="seconds")} for r in rows]


def _prob(score: float) -> float:
    return round(1.0 / (1.0 + 2.0 ** (-score)), 3)

