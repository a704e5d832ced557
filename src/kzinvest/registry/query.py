"""Read side of the registry (docs/registry-contract.md): the one API behind the CLI, the
REST API and the dashboard, so filters and shapes are identical everywhere."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, fields as dc_fields

from sqlalchemy import String, and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from kzinvest.model import STAGES
from kzinvest.registry.models import (Company, CompanyAlias, Document, Indicator, Mention,
                                      Project, ProjectEvent)
from kzinvest.registry.refdata import kzt_per_usd

SPEC_FIELDS = ("investor", "investor_country", "region", "city", "sector", "amount", "currency",
               "amount_usd", "jobs", "stage", "date")
SORTS = {"amount_usd": Project.amount_usd, "date": Project.date, "jobs": Project.jobs,
         "investor": Project.investor, "id": Project.id, "health": Project.health,
         "first_seen": Project.first_seen, "last_seen": Project.last_seen}
STALLABLE = STAGES.index("agreement")    # negotiation, memorandum, agreement can stall


@dataclass
class ProjectFilter:
    region: str | list[str] | None = None
    sector: str | list[str] | None = None
    country: str | list[str] | None = None
    stage: str | list[str] | None = None
    since: str | None = None
    until: str | None = None
    min_usd: float | None = None
    stalled: bool | None = None
    q: str | None = None
    company_id: int | None = None
    sort: str = "-amount_usd"
    limit: int = 50
    offset: int = 0

    @classmethod
    def from_dict(cls, d: dict) -> "ProjectFilter":
        names = {f.name for f in dc_fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


# --- filters -------------------------------------------------------------------------------

def _many(v) -> list[str] | None:
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return list(v)


def _until(v: str) -> str:
    # "2024" and "2024-05" mean the end of that year / month.
    return {4: v + "-12-31", 7: v + "-31"}.get(len(v), v)


def stalled_condition(store, no_index: bool = False):
    rank, last = Project.stage_rank, Project.last_seen
    if no_index:
        rank, last = _no_index(rank), _no_index(last)
    return and_(rank <= STALLABLE, Project.last_seen.is_not(None), last < store.stalled_cutoff())


def _no_index(col):
    """`col` wrapped so that SQLite cannot use an index on it (same value, NULLs kept).

    Without histograms SQLite guesses range selectivity; given an equality filter it
    sometimes walks a date or amount range instead and looks up tens of thousands of rows.
    When an equality filter is present, ranges are therefore evaluated on the rows it
    selects (p95 of the filtered list at 100k projects: 71 ms -> see benchmarks)."""
    if isinstance(col.type, String):
        return col.concat("")
    return col + 0


def status_expr(store):
    return case((stalled_condition(store), "stalled"), else_="active")


def fts_query(q: str, dialect: str) -> str | None:
    """User text -> a safe prefix query; words only (no operators reach the engine)."""
    words = re.findall(r"[^\W_]+", q.lower())
    if not words:
        return None
    if dialect == "postgresql":
        return " & ".join(f"{w}:*" for w in words)
    return " AND ".join(f'"{w}"*' for w in words)


def _fts_filter(store, q: str):
    query = fts_query(q, store.dialect)
    if query is None:
        return None
    if store.dialect == "postgresql":
        proj = text("projects.search_tsv @@ to_tsquery('simple', :fq)").bindparams(fq=query)
        doc_ids = select(Document.id).where(
            text("documents.search_tsv @@ to_tsquery('simple', :fq2)").bindparams(fq2=query))
    else:
        proj = Project.id.in_(select(text("rowid")).select_from(text("project_fts"))
                              .where(text("project_fts MATCH :fq").bindparams(fq=query)))
        doc_ids = select(text("rowid")).select_from(text("document_fts")).where(
            text("document_fts MATCH :fq2").bindparams(fq2=query))
    via_docs = Project.id.in_(select(Mention.project_id).where(Mention.document_id.in_(doc_ids)))
    return or_(proj, via_docs)


def apply_filter(store, stmt, flt: ProjectFilter, keep: str | None = None):
    """`stmt` restricted by `flt`. `keep` (SQLite, from _plan): the one column the planner
    may use an index on ("date", "amount_usd", "stalled", or a sort column); every other
    filter column is hidden from it (same values, see _no_index)."""
    equality = False
    hide = keep is not None and store.dialect == "sqlite"
    for value, col in ((flt.region, Project.region), (flt.sector, Project.sector),
                       (flt.country, Project.investor_country), (flt.stage, Project.stage_rank)):
        vals = _many(value)
        if vals and col is Project.stage_rank:
            # stage and stage_rank always agree; the rank shares an index with "stalled"
            bad = [v for v in vals if v not in STAGES]
            if bad:
                raise ValueError(f"unknown stage {bad[0]!r}; one of {', '.join(STAGES)}")
            vals = [STAGES.index(v) for v in vals]
        if vals:
            c = _no_index(col) if hide else col
            stmt = stmt.where(c == vals[0]) if len(vals) == 1 else stmt.where(c.in_(vals))
            equality = True
    if flt.company_id is not None:
        c = _no_index(Project.company_id) if hide else Project.company_id
        stmt = stmt.where(c == int(flt.company_id))
        equality = True
    if flt.q:
        cond = _fts_filter(store, flt.q)
        if cond is not None:
            stmt = stmt.where(cond)
            equality = True
    no_index = (equality or hide) and store.dialect == "sqlite"
    date = _no_index(Project.date) if no_index and keep != "date" else Project.date
    if flt.since:
        stmt = stmt.where(date >= str(flt.since))
    if flt.until:
        stmt = stmt.where(date <= _until(str(flt.until)))
    if flt.min_usd is not None:
        usd = (_no_index(Project.amount_usd) if no_index and keep != "amount_usd"
               else Project.amount_usd)
        stmt = stmt.where(usd >= float(flt.min_usd))
    if flt.stalled is not None:
        cond = stalled_condition(store, no_index and keep != "stalled")
        stmt = stmt.where(cond if flt.stalled else ~cond)
    return stmt


# Sorts SQLite can read in order from an index of their own.
INDEXED_SORTS = ("amount_usd", "date", "jobs", "investor", "id")
WALK_MARGIN = 2   # walk the sort index only when it looks at least this much cheaper


def _has_filter(flt: ProjectFilter) -> bool:
    return any(v not in (None, "", []) for v in (
        flt.region, flt.sector, flt.country, flt.stage, flt.since, flt.until, flt.min_usd,
        flt.stalled, flt.q, flt.company_id))


def _plan(store, s: Session, flt: ProjectFilter, total: int) -> tuple[str | None, str | None]:
    """SQLite only: how to read one page of a filtered, sorted list, as (keep, order):
    `keep` for apply_filter, `order` "walk" (read the sort index in order) or "sort"
    (find the matches first, then sort them); (None, None) leaves it all to the planner
    (PostgreSQL, which has column statistics; full-text queries; no filter).

    SQLite has no column statistics and guesses. With a broad filter it may sort tens of
    thousands of rows for a page of 50 (`stalled` + sort by investor: 60-75 ms at 100k
    projects); with a narrow one it may walk a sort index past most of the table; given
    two ranges it may pick the wide one and look up 80,000 rows (`until=2016&min_usd=1e6`
    sorted by date: 60 ms). The exact number of matches (`total`, counted anyway) decides:
    walking the sort index reads about (offset + limit) * N / total rows, the other plan
    reads the `total` matches and sorts them."""
    if store.dialect != "sqlite" or flt.q or not _has_filter(flt):
        return None, None
    sort = (flt.sort or "-amount_usd").lstrip("-+")
    if sort in INDEXED_SORTS and total > 0:
        n = s.scalar(select(func.max(Project.id))) or 0     # an upper bound of N, O(log N)
        page = max(1, int(flt.offset) + int(flt.limit))
        if WALK_MARGIN * page * n < total * total:
            return sort, "walk"
    equality = any(_many(v) for v in (flt.region, flt.sector, flt.country, flt.stage)) \
        or flt.company_id is not None
    if equality:
        return None, "sort"     # apply_filter lets the planner use the equality index only
    # Ranges only: expose one whose index holds every range column (ix_projects_date,
    # ix_projects_stage_last_seen), so the others are checked in the index and only the
    # matches are looked up; the amount index holds the amount alone, so it comes last.
    if flt.since or flt.until:
        return "date", "sort"
    if flt.stalled:
        return "stalled", "sort"
    return "amount_usd", "sort"


def _order(store, sort: str | None, hide_index: bool = False):
    sort = sort or "-amount_usd"
    desc = sort.startswith("-")
    col = SORTS.get(sort.lstrip("-+"))
    if col is None:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)} (prefix - for desc)")
    if hide_index and col is not Project.id:
        col = _no_index(col)          # filter first, then sort the matches (see _plan)
    if desc:
        # SQLite already puts NULLs last in DESC order; saying so would stop it from
        # walking the index.
        first = col.desc() if store.dialect == "sqlite" else col.desc().nulls_last()
        return [first, Project.id.desc()]
    return [col.asc().nulls_last(), Project.id.asc()]


# --- shapes ----------------------------------------------------------------------------------

# Columns a project dict is made of (never search_text: it can be long and is not shown).
PROJECT_COLS = [getattr(Project, f) for f in SPEC_FIELDS] + [
    Project.id, Project.company_id, Project.first_seen, Project.last_seen, Project.health,
    Project.conflicts, Project.sources_count, Project.mentions_count]


def project_select(store):
    return select(*PROJECT_COLS, status_expr(store).label("status"))


def _project_dicts(store, s: Session, rows) -> list[dict]:
    """Project rows (from project_select) with their sources and events, in two queries."""
    items = [dict(r._mapping) for r in rows]
    ids = [d["id"] for d in items]
    sources: dict[int, dict[int, dict]] = defaultdict(dict)
    events: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for m_pid, doc_id, ev, src, url, title, pub in s.execute(
                select(Mention.project_id, Mention.document_id, Mention.evidence, Document.source,
                       Document.url, Document.title, Document.published)
                .join(Document, Document.id == Mention.document_id)
                .where(Mention.project_id.in_(ids))
                .order_by(Document.published, Mention.id)).all():
            entry = sources[m_pid].setdefault(doc_id, {
                "document_id": doc_id, "source": src, "url": url, "title": title,
                "published": pub, "evidence": []})
            entry["evidence"].extend(ev or [])
        for pid, stage, date, doc_id in s.execute(
                select(ProjectEvent.project_id, ProjectEvent.stage, ProjectEvent.date,
                       ProjectEvent.document_id)
                .where(ProjectEvent.project_id.in_(ids))
                .order_by(ProjectEvent.date.is_(None), ProjectEvent.date, ProjectEvent.id)):
            events[pid].append({"stage": stage, "date": date, "document_id": doc_id})
    for d in items:
        d["conflicts"] = d["conflicts"] or {}
        d["sources"] = list(sources[d["id"]].values())
        d["events"] = events[d["id"]]
    return items


# --- the contract ----------------------------------------------------------------------------

def _count_key(store, flt: ProjectFilter) -> tuple:
    return (flt.region, flt.sector, flt.country, flt.stage, flt.since, flt.until, flt.min_usd,
            flt.stalled, flt.q, flt.company_id, store.stalled_cutoff())


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
        d = _project_dicts(store, s, [row])[0]
        from kzinvest.registry.models import Override
        d["overrides"] = [{"field": o.field, "value": o.value, "who": o.who,
                           "at": o.created_at.isoformat(timespec="seconds")}
                          for o in s.scalars(select(Override)
                                             .where(Override.project_id == int(project_id))
                                             .order_by(Override.created_at, Override.id))]
        return d


def get_document(store, document_id: int) -> dict | None:
    with store.read() as s:
        d = s.get(Document, int(document_id))
        if d is None:
            return None
        return {"id": d.id, "source": d.source, "url": d.url, "title": d.title,
                "published": d.published, "text": d.text}


def _company_dicts(s: Session, companies: list[Company]) -> list[dict]:
    ids = [c.id for c in companies]
    aliases: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = {}
    if ids:
        for cid, alias in s.execute(select(CompanyAlias.company_id, CompanyAlias.alias)
                                    .where(CompanyAlias.company_id.in_(ids))
                                    .order_by(CompanyAlias.id)):
            aliases[cid].append(alias)
        counts = dict(s.execute(select(Project.company_id, func.count(Project.id))
                                .where(Project.company_id.in_(ids))
                                .group_by(Project.company_id)).all())
    return [{"id": c.id, "name": c.name, "country": c.country, "aliases": aliases[c.id],
             "projects_count": counts.get(c.id, 0)} for c in companies]


def list_companies(store, q: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    with store.read() as s:
        stmt = select(Company)
        if q:
            from kzinvest.normalise.names import company_key
            like = f"%{q.lower()}%"
            key = company_key(q)
            matching = select(CompanyAlias.company_id).where(
                or_(func.lower(CompanyAlias.alias).like(like),
                    CompanyAlias.key.like(f"%{key}%") if key else False))
            stmt = stmt.where(or_(Company.id.in_(matching), func.lower(Company.name).like(like)))
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.order_by(Company.name, Company.id).limit(limit).offset(offset)).all()
        return {"items": _company_dicts(s, list(rows)), "total": total}


def get_company(store, company_id: int) -> dict | None:
    with store.read() as s:
        c = s.get(Company, int(company_id))
        if c is None:
            return None
        d = _company_dicts(s, [c])[0]
    d["projects"] = list(iter_projects(store, ProjectFilter(company_id=int(company_id),
                                                            sort="date")))
    return d


def list_indicators(store, region: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    with store.read() as s:
        stmt = select(Indicator)
        if region:
            stmt = stmt.where(Indicator.region == region)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.order_by(Indicator.date.desc(), Indicator.id.desc())
                         .limit(limit).offset(offset)).all()
        items = [{"id": i.id, "document_id": i.document_id, "region": i.region,
                  "amount": i.amount, "currency": i.currency, "amount_usd": i.amount_usd,
                  "jobs": i.jobs, "date": i.date, "evidence": i.evidence} for i in rows]
        return {"items": items, "total": total}


STAT_KEYS = {"region": Project.region, "sector": Project.sector,
             "country": Project.investor_country, "stage": Project.stage,
             "year": func.substr(Project.date, 1, 4)}


def stats(store, flt: ProjectFilter | None = None, by: str = "region") -> list[dict]:
    """Totals per group, in USD and KZT (KZT at the rate of each project's month; amounts
    written in tenge count as written)."""
    if by not in STAT_KEYS:
        raise ValueError(f"by must be one of {', '.join(STAT_KEYS)}")
    flt = flt or ProjectFilter()
    key = STAT_KEYS[by].label("k")
    month = func.substr(Project.date, 1, 7).label("ym")
    native = case((Project.currency == "KZT", 1), else_=0).label("native")
    stmt = apply_filter(store, select(key, month, native, func.count(Project.id),
                                      func.sum(Project.amount_usd), func.sum(Project.amount),
                                      func.sum(Project.jobs)), flt).group_by(key, month, native)
    groups: dict = {}
    with store.read() as s:
        for k, ym, nat, n, usd, amt, jobs in s.execute(stmt).all():
            if by == "year" and k is not None:
                k = int(k)
            g = groups.setdefault(k, {"key": k, "projects": 0, "usd": 0.0, "kzt": 0.0, "jobs": 0})
            rate = kzt_per_usd(ym)
            g["projects"] += n
            g["jobs"] += int(jobs or 0)
            if nat:
                g["kzt"] += float(amt or 0)
                g["usd"] += float(usd) if usd else float(amt or 0) / rate
            else:
                g["usd"] += float(usd or 0)
                g["kzt"] += float(usd or 0) * rate
    return sorted(groups.values(), key=lambda g: (-g["usd"], str(g["key"])))


def totals(store, flt: ProjectFilter | None = None) -> dict:
    flt = flt or ProjectFilter()
    rows = stats(store, flt, "stage")
    with store.read() as s:
        stalled = s.scalar(apply_filter(store, select(func.count(Project.id)), flt)
                           .where(stalled_condition(store)))
    return {"projects": sum(r["projects"] for r in rows), "usd": sum(r["usd"] for r in rows),
            "kzt": sum(r["kzt"] for r in rows), "jobs": sum(r["jobs"] for r in rows),
            "stalled": stalled}


def export_projects(store, flt: ProjectFilter | None = None, fmt: str = "json") -> bytes:
    from kzinvest.registry.export import export
    return export(store, flt or ProjectFilter(), fmt)


def edit_project(store, project_id: int, field: str, value, who: str | None = None) -> dict:
    return store.edit(int(project_id), field, value, who)
