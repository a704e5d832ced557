"""A project's fields, timeline and health, recomputed from all of its mentions.

Recomputing from scratch (rather than patching the row) keeps the project a pure function
of its mentions and overrides: re-ingesting, re-extracting or editing can never leave it
in a state no sequence of articles would produce.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kzinvest.model import STAGES
from kzinvest.registry.models import (CompanyAlias, Document, Mention, Override, Project,
                                      ProjectEvent, utcnow)
from kzinvest.registry.resolve import stage_rank

# Fields an analyst may override, with the type a value is parsed into.
EDITABLE = {
    "investor": str, "investor_country": str, "region": str, "city": str, "sector": str,
    "amount": float, "currency": str, "amount_usd": float, "jobs": int, "stage": str,
    "date": str, "company_id": int,
}
# Fields whose disagreement between sources is worth showing.
CONFLICT_FIELDS = ("investor_country", "region", "city", "sector", "amount", "amount_usd", "jobs")
COMPLETENESS_FIELDS = ("investor", "investor_country", "region", "city", "sector", "amount",
                       "jobs", "date")


@dataclass
class Seen:
    """One mention as the aggregator sees it."""
    mention: Mention
    date: str | None
    source_key: str          # what makes two sources independent: the site, else the file
    title: str | None

    @property
    def order(self) -> tuple[str, int]:
        return (self.date or "", self.mention.id or 0)


def best_value(seen: list[Seen], get) -> object:
    """Most frequent non-null value; ties go to the one seen latest."""
    counts: Counter = Counter()
    latest: dict = {}
    for s in seen:
        v = get(s.mention)
        if v is None:
            continue
        counts[v] += 1
        latest[v] = max(latest.get(v, ("", -1)), s.order)
    if not counts:
        return None
    return max(counts, key=lambda v: (counts[v], latest[v]))


def distinct(seen: list[Seen], get) -> list:
    out: list = []
    for s in sorted(seen, key=lambda s: s.order):
        v = get(s.mention)
        if v is not None and v not in out:
            out.append(v)
    return out


def source_key(doc_id: int, url: str | None) -> str:
    if url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.") or f"doc:{doc_id}"
    return f"doc:{doc_id}"


def aggregate(seen: list[Seen]) -> dict:
    """Project fields from its mentions (no overrides)."""
    out: dict = {}
    for f in ("investor", "investor_country", "region", "city", "jobs"):
        out[f] = best_value(seen, lambda m, f=f: getattr(m, f))
    # 'other' is the extractor's "don't know": a real sector outvotes it.
    out["sector"] = best_value(seen, lambda m: m.sector if m.sector != "other" else None) or "other"
    # Amount, currency and its USD value travel together.
    pick = best_value(seen, lambda m: (m.amount, m.currency) if m.amount is not None else None)
    if pick is None:
        usd = best_value(seen, lambda m: m.amount_usd)
        out.update(amount=None, currency=None, amount_usd=usd)
    else:
        out["amount"], out["currency"] = pick
        usd = [s.mention.amount_usd for s in sorted(seen, key=lambda s: s.order, reverse=True)
               if (s.mention.amount, s.mention.currency) == pick and s.mention.amount_usd]
        out["amount_usd"] = usd[0] if usd else (pick[0] if pick[1] == "USD" else None)
    out["stage"] = STAGES[max(stage_rank(s.mention.stage) for s in seen)]
    dates = sorted(s.date for s in seen if s.date)
    out["first_seen"] = dates[0] if dates else None
    out["last_seen"] = dates[-1] if dates else None
    out["date"] = out["last_seen"]
    conflicts = {}
    for f in CONFLICT_FIELDS:
        vals = distinct(seen, lambda m, f=f: getattr(m, f) if not (f == "sector" and
                                                               m.sector == "other") else None)
        if len(vals) > 1:
            conflicts[f] = vals
    out["conflicts"] = conflicts
    out["sources_count"] = len({s.source_key for s in seen})
    out["mentions_count"] = len(seen)
    return out


def health(fields: dict) -> float:
    """AidData-style record health: independent sources (up to 3) and completeness."""
    filled = sum(1 for f in COMPLETENESS_FIELDS
                 if fields.get(f) not in (None, "") and not (f == "sector" and fields[f] == "other"))
    return round(0.5 * min(fields.get("sources_count", 0), 3) / 3
                 + 0.5 * filled / len(COMPLETENESS_FIELDS), 3)


def timeline(seen: list[Seen]) -> list[dict]:
    """Stage changes in date order: an event each time the project reaches a further stage."""
    events, reached = [], -1
    for s in sorted(seen, key=lambda s: (s.date or "9999-99-99", s.mention.id or 0)):
        rank = stage_rank(s.mention.stage)
        if rank > reached:
            events.append({"stage": s.mention.stage, "date": s.date,
                           "document_id": s.mention.document_id, "mention_id": s.mention.id})
            reached = rank
    return events


def latest_overrides(s: Session, project_id: int) -> dict:
    rows = s.scalars(select(Override).where(Override.project_id == project_id)
                     .order_by(Override.created_at, Override.id)).all()
    return {o.field: o.value for o in rows}


def search_text(fields: dict, seen: list[Seen], aliases: list[str]) -> str:
    parts = [fields.get("investor"), fields.get("city"), fields.get("region"),
             fields.get("sector"), fields.get("investor_country")]
    parts += aliases
    for s in seen:
        m = s.mention
        parts += [m.investor, m.city, (m.extra or {}).get("product"), s.title]
        parts += [e.get("text") for e in m.evidence or []]
    uniq = list(dict.fromkeys(p for p in parts if p))
    return "\n".join(uniq)


# Project columns recompute() writes (compared first: unchanged columns are not written, so
# the SQLite FTS trigger on search_text only fires when the text really changed).
WRITTEN = ("investor", "investor_country", "region", "city", "sector", "amount", "currency",
           "amount_usd", "jobs", "stage", "stage_rank", "date", "first_seen", "last_seen",
           "health", "sources_count", "mentions_count", "conflicts", "search_text", "company_id")


def recompute(s: Session, project_id: int, aliases: list[str] | None = None,
              keep_empty: bool = False) -> bool:
    """Rewrite project `project_id` from its mentions; delete it when none are left
    (unless `keep_empty`). Returns whether the project still exists."""
    s.flush()
    given = {project_id: aliases} if aliases is not None else None
    return project_id in recompute_many(s.connection(), [project_id], given, keep_empty)


_P, _M, _D = Project.__table__, Mention.__table__, Document.__table__
_IDS = bindparam("ids", expanding=True)
# Built once: building and cache-keying statements costs more than running them.
_SEL_CURRENT = select(_P.c.id, *[_P.c[f] for f in WRITTEN]).where(_P.c.id.in_(_IDS))
_SEL_MENTIONS = (select(_M, _D.c.published.label("doc_published"), _D.c.url.label("doc_url"),
                        _D.c.title.label("doc_title"))
                 .join(_D, _D.c.id == _M.c.document_id).where(_M.c.project_id.in_(_IDS)))
_SEL_OVERRIDES = (select(Override.__table__.c.project_id, Override.__table__.c.field,
                         Override.__table__.c.value)
                  .where(Override.__table__.c.project_id.in_(_IDS))
                  .order_by(Override.__table__.c.created_at, Override.__table__.c.id))
_SEL_ALIASES = (select(CompanyAlias.__table__.c.company_id, CompanyAlias.__table__.c.alias)
                .where(CompanyAlias.__table__.c.company_id.in_(_IDS))
                .order_by(CompanyAlias.__table__.c.id))
_UPDATE = update(_P).where(_P.c.id == bindparam("_pid"))
_DEL_PROJECTS = delete(_P).where(_P.c.id.in_(_IDS))
_DEL_EVENTS = delete(ProjectEvent.__table__).where(ProjectEvent.__table__.c.project_id.in_(_IDS))
_INS_EVENTS = insert(ProjectEvent.__table__)


def recompute_many(conn, project_ids, aliases: dict[int, list[str]] | None = None,
                   keep_empty: bool = False) -> set[int]:
    """recompute() for several projects in a fixed handful of Core statements (not a
    handful per project): the store calls it once per document. `conn` is the
    transaction's Connection. Returns the ids that still exist."""
    ids = sorted({int(p) for p in project_ids if p is not None})
    if not ids:
        return set()
    current = {r.id: r for r in conn.execute(_SEL_CURRENT, {"ids": ids})}
    if not current:
        return set()
    found = list(current)
    rows_of: dict[int, list] = {pid: [] for pid in current}
    for row in conn.execute(_SEL_MENTIONS, {"ids": found}):
        rows_of[row.project_id].append(row)
    overrides: dict[int, dict] = {pid: {} for pid in current}
    for pid, field, value in conn.execute(_SEL_OVERRIDES, {"ids": found}):
        overrides[pid][field] = value
    if aliases is None:
        cids = sorted({r.company_id for r in current.values() if r.company_id is not None})
        by_company: dict[int, list[str]] = {}
        if cids:
            for cid, alias in conn.execute(_SEL_ALIASES, {"ids": cids}):
                by_company.setdefault(cid, []).append(alias)
        aliases = {pid: by_company.get(r.company_id, []) for pid, r in current.items()}
    alive, dead, events = [], [], []
    now = utcnow()
    for pid, cur in current.items():
        rows = rows_of[pid]
        if not rows:
            if not keep_empty:
                dead.append(pid)
            continue
        alive.append(pid)
        seen = [Seen(m, m.date or m.doc_published, source_key(m.document_id, m.doc_url),
                     m.doc_title) for m in rows]
        fields = aggregate(seen)
        for f, v in overrides[pid].items():
            if f in EDITABLE:
                fields[f] = v
        fields["stage_rank"] = stage_rank(fields["stage"])
        fields["health"] = health(fields)
        fields["search_text"] = search_text(fields, seen, aliases.get(pid) or [])
        changed = {f: v for f, v in fields.items() if getattr(cur, f) != v}
        conn.execute(_UPDATE, {"_pid": pid, **changed, "updated_at": now})
        events += [{"project_id": pid, **ev} for ev in timeline(seen)]
    if dead:
        conn.execute(_DEL_PROJECTS, {"ids": dead})
    if alive:
        conn.execute(_DEL_EVENTS, {"ids": alive})
    if events:
        conn.execute(_INS_EVENTS, events)
    return set(alive) | (set(current) - set(dead))
