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
from kzinvest.registry import links
from kzinvest.registry.models import (CompanyAlias, Document, Mention, Override, Project,
                                      ProjectEvent, ProjectInvestor, utcnow)


def stage_rank(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else 0

# Fields an analyst may override, with the type a value is parsed into.
EDITABLE = {
    "investor": str, "investor_country": str, "region": str, "city": str, "sector": str,
    "amount": float, "currency": str, "amount_usd": float, "jobs": int, "stage": str,
    "date": str, "company_id": int,
}
# Fields whose disagreement between sources is worth showing (the investor's country only
# among the lead investor's own mentions: partners come from different countries). Amounts
# and jobs that change over time are revisions (the latest wins), not conflicts.
CONFLICT_FIELDS = ("region", "city", "sector")
ROLES = ("investor", "partner", "project_company", "parent")
COMPLETENESS_FIELDS = ("investor", "investor_country", "region", "city", "sector", "amount",
                       "jobs", "date")


@dataclass
class Seen:
    """One mention as the aggregator sees it."""
    mention: Mention
    date: str | None
    source_key: str          # what makes two sources independent: the site, else the file
    title: str | None
    canon: tuple = ("", 0)   # (document content hash, ordinal): ties never depend on ids

    @property
    def order(self) -> tuple:
        return (self.date or "", self.canon)


def best_value(seen: list[Seen], get) -> object:
    """Most frequent non-null value; ties go to the one seen latest."""
    counts: Counter = Counter()
    latest: dict = {}
    for s in seen:
        v = get(s.mention)
        if v is None:
            continue
        counts[v] += 1
        latest[v] = max(latest.get(v, ("", ("", -1))), s.order)   # same shape as order: no date
                                                                  # must not compare int and tuple
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


def latest(seen: list[Seen], get) -> object:
    """The value of the latest mention that states one (revisions: the latest wins); on one
    date, the value most mentions of that date give."""
    dated = [s for s in seen if get(s.mention) is not None]
    if not dated:
        return None
    last = max(s.date or "" for s in dated)
    return best_value([s for s in dated if (s.date or "") == last], get)


def aggregate(seen: list[Seen]) -> dict:
    """Project fields from its mentions (no overrides)."""
    out: dict = {}
    for f in ("region", "city"):
        out[f] = best_value(seen, lambda m, f=f: getattr(m, f))
    out["jobs"] = latest(seen, lambda m: m.jobs)
    # 'other' is the extractor's "don't know": a real sector outvotes it.
    out["sector"] = best_value(seen, lambda m: m.sector if m.sector != "other" else None) or "other"
    # Amount, currency and its USD value travel together; a revised amount replaces the
    # earlier one (the history stays in the mentions: query.py shows it as revisions).
    pick = latest(seen, lambda m: (m.amount, m.currency) if m.amount is not None else None)
    if pick is None:
        out.update(amount=None, currency=None, amount_usd=latest(seen, lambda m: m.amount_usd))
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
    out["investors"] = investors(seen)
    lead = out["investors"][0] if out["investors"] else None
    out["investor"] = lead["name"] if lead else None
    out["company_id"] = lead["company_id"] if lead else None
    out["investor_country"] = (lead["country"] if lead else
                               best_value(seen, lambda m: m.investor_country))
    if lead and len(lead["countries"]) > 1:
        conflicts["investor_country"] = lead["countries"]
    out["sources_count"] = len({s.source_key for s in seen})
    out["mentions_count"] = len(seen)
    out["confidence"] = confidence(seen)
    return out


def confidence(seen: list[Seen]) -> float | None:
    """The highest confidence of the project's mentions: a project is as real as the
    surest article that reports it."""
    values = [float(s.mention.confidence) for s in seen if s.mention.confidence is not None]
    return max(values) if values else None


def _names(m) -> list[str]:
    extra = m.extra or {}
    return [n for n in [m.investor, *(extra.get("investor_aliases") or [])] if n]


def investors(seen: list[Seen]) -> list[dict]:
    """Every investor the project's articles name, lead first, each with its role:
    `parent` when the company-links registry puts it above another investor of the project
    (ERG above ССГПО), `project_company` when it is the company another investor set up for
    the project (ТОО «Hyrasia One»), `investor` for the lead (most mentions, then earliest),
    `partner` for the others (a joint venture reported under either partner)."""
    groups: dict = {}
    for s in seen:
        m = s.mention
        if not m.investor:
            continue
        from kzinvest.normalise.names import company_key
        ident = ("c", m.company_id) if m.company_id else ("k", company_key(m.investor))
        g = groups.setdefault(ident, {"seen": [], "names": set()})
        g["seen"].append(s)
        g["names"].update(_names(m))
    for s in seen:       # co-investors an extractor names beside the investor (optional)
        for co in (s.mention.extra or {}).get("co_investors") or \
                (s.mention.extra or {}).get("partners") or []:
            name = co.get("name") if isinstance(co, dict) else co
            if not name:
                continue
            from kzinvest.normalise.names import company_key
            keys = links.name_keys(name)
            if any(keys & links.name_keys(n) for g in groups.values() for n in g["names"]):
                continue
            g = groups.setdefault(("k", company_key(name)), {"seen": [], "names": set(),
                                                            "co": []})
            g["names"].add(name)
            g.setdefault("co", []).append((s, co))
    out = []
    for ident, g in groups.items():
        ss = g["seen"]
        keys = frozenset().union(*(links.name_keys(n) for n in g["names"]))
        if ss:
            name = best_value(ss, lambda m: m.investor)
            countries = distinct(ss, lambda m: m.investor_country)
            country = best_value(ss, lambda m: m.investor_country)
            first = min(s.order for s in ss)
        else:                                   # only named beside another investor
            s0, co = g["co"][0]
            name = co.get("name") if isinstance(co, dict) else co
            country = co.get("country") if isinstance(co, dict) else None
            countries = [country] if country else []
            first = s0.order
        out.append({"name": name, "company_id": ident[1] if ident[0] == "c" else None,
                    "country": country, "countries": countries, "mentions": len(ss),
                    "role": None, "_keys": keys, "_first": first})
    for x in out:
        for y in out:
            if x is y:
                continue
            kind = links.relation(y["_keys"], x["_keys"])      # y under x?
            if kind == "subsidiary":
                x["role"] = "parent"
            elif kind == "project_company":
                y["role"] = "project_company"
    free = [x for x in out if x["role"] is None] or list(out)
    if free:
        lead = min(free, key=lambda x: (-x["mentions"], x["_first"], x["name"]))
        lead["role"] = "investor"
    for x in out:
        x["role"] = x["role"] or "partner"
    out.sort(key=lambda x: (ROLES.index(x["role"]), -x["mentions"], x["_first"], x["name"]))
    for x in out:
        del x["_keys"], x["_first"]
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
    for s in sorted(seen, key=lambda s: (s.date or "9999-99-99", s.canon)):
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
    parts += [i["name"] for i in fields.get("investors") or []]
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
           "health", "sources_count", "mentions_count", "conflicts", "search_text", "company_id",
           "confidence")


def recompute(s: Session, project_id: int, keep_empty: bool = False) -> bool:
    """Rewrite project `project_id` from its mentions; delete it when none are left
    (unless `keep_empty`). Returns whether the project still exists."""
    s.flush()
    return project_id in recompute_many(s.connection(), [project_id], keep_empty=keep_empty)


_P, _M, _D = Project.__table__, Mention.__table__, Document.__table__
_I = ProjectInvestor.__table__
_IDS = bindparam("ids", expanding=True)
# Built once: building and cache-keying statements costs more than running them.
_SEL_CURRENT = select(_P.c.id, *[_P.c[f] for f in WRITTEN]).where(_P.c.id.in_(_IDS))
_SEL_MENTIONS = (select(_M, _D.c.published.label("doc_published"), _D.c.url.label("doc_url"),
                        _D.c.title.label("doc_title"), _D.c.content_hash.label("doc_hash"))
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
_DEL_INVESTORS = delete(_I).where(_I.c.project_id.in_(_IDS))
_INS_INVESTORS = insert(_I)


def project_fields(rows, overrides: dict, by_company: dict) -> tuple[dict, list, list]:
    """(the WRITTEN columns, investors in order, events) of a project whose mentions are
    `rows` (mention columns plus doc_published, doc_url, doc_title, doc_hash), with its
    analysts' `overrides` (field -> value, latest last) and `by_company` (company id -> its
    aliases). Reads nothing: the workers of a cluster resolution run it too."""
    seen = [Seen(m, m.date or m.doc_published, source_key(m.document_id, m.doc_url),
                 m.doc_title, (m.doc_hash, m.ordinal)) for m in rows]
    fields = aggregate(seen)
    for f, v in overrides.items():
        if f in EDITABLE:
            fields[f] = v
    fields["stage_rank"] = stage_rank(fields["stage"])
    fields["health"] = health(fields)
    aliases = [a for c in sorted({m.company_id for m in rows if m.company_id})
               for a in by_company.get(c, [])]
    fields["search_text"] = search_text(fields, seen, aliases)
    invs = fields.pop("investors")
    return fields, invs, timeline(seen)


def recompute_many(conn, project_ids, keep_empty: bool = False, keep=()) -> set[int]:
    """recompute() for several projects in a fixed handful of Core statements (not a
    handful per project): resolution calls it once per document. `conn` is the
    transaction's Connection; `keep`: ids kept even when left without mentions (they hold
    analysts' overrides). Returns the ids that still exist."""
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
    cids = sorted({m.company_id for rows in rows_of.values() for m in rows if m.company_id})
    by_company: dict[int, list[str]] = {}
    if cids:
        for cid, alias in conn.execute(_SEL_ALIASES, {"ids": cids}):
            by_company.setdefault(cid, []).append(alias)
    alive, dead, events, investor_rows = [], [], [], []
    now = utcnow()
    for pid, cur in current.items():
        rows = rows_of[pid]
        if not rows:
            if not (keep_empty or pid in keep):
                dead.append(pid)
            continue
        alive.append(pid)
        fields, invs, evs = project_fields(rows, overrides[pid], by_company)
        investor_rows += [{"project_id": pid, "position": n, **inv} for n, inv in enumerate(invs)]
        changed = {f: v for f, v in fields.items() if getattr(cur, f) != v}
        if changed:
            conn.execute(_UPDATE, {"_pid": pid, **changed, "updated_at": now})
        events += [{"project_id": pid, **ev} for ev in evs]
    if dead:
        conn.execute(_DEL_PROJECTS, {"ids": dead})
    if alive:
        conn.execute(_DEL_EVENTS, {"ids": alive})
        conn.execute(_DEL_INVESTORS, {"ids": alive})
    if events:
        conn.execute(_INS_EVENTS, events)
    if investor_rows:
        conn.execute(_INS_INVESTORS, investor_rows)
    return set(alive) | (set(current) - set(dead))
