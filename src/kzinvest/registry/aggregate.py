"""A project's fields, timeline and health, recomputed from all of its mentions.

Recomputing from scratch (rather than patching the row) keeps the project a pure function
of its mentions and overrides: re-ingesting, re-extracting or editing can never leave it
in a state no sequence of articles would produce.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kzinvest.model import STAGES
from kzinvest.registry.models import Document, Mention, Override, Project, ProjectEvent, utcnow
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


def recompute(s: Session, project_id: int, aliases: list[str] | None = None) -> bool:
    """Rewrite project `project_id` from its mentions; delete it when none are left.
    Returns whether the project still exists."""
    rows = s.execute(select(Mention, Document.published, Document.url, Document.title)
                     .join(Document, Document.id == Mention.document_id)
                     .where(Mention.project_id == project_id)).all()
    project = s.get(Project, project_id)
    if project is None:
        return False
    if not rows:
        s.delete(project)
        return False
    seen = [Seen(m, m.date or pub, source_key(m.document_id, url), title)
            for m, pub, url, title in rows]
    fields = aggregate(seen)
    for f, v in latest_overrides(s, project_id).items():
        if f in EDITABLE:
            fields[f] = v
    fields["stage_rank"] = stage_rank(fields["stage"])
    fields["health"] = health(fields)
    fields["search_text"] = search_text(fields, seen, aliases or [])
    for f, v in fields.items():
        if getattr(project, f) != v:
            setattr(project, f, v)
    project.updated_at = utcnow()
    s.execute(delete(ProjectEvent).where(ProjectEvent.project_id == project_id))
    for ev in timeline(seen):
        s.add(ProjectEvent(project_id=project_id, **ev))
    return True
