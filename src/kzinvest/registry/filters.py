"""Project filters and list plans (docs/registry-contract.md): one ProjectFilter for the CLI,
the REST API and the dashboard, applied identically everywhere."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields as dc_fields

from sqlalchemy import String, and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from kzinvest.model import STAGES
from kzinvest.registry.models import Document, Mention, Project, ProjectInvestor

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
    # Only projects at least this likely to be real (Project.confidence, 0..1): 0.8 keeps
    # projects of which about nine in ten are real; projects without one are left out.
    min_confidence: float | None = None
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


def confidence_bound(v) -> float:
    """A min_confidence value checked: a finite number in [0, 1]."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"min_confidence must be a number between 0 and 1, not {v!r}")
    if not math.isfinite(x) or not 0 <= x <= 1:
        raise ValueError(f"min_confidence must be between 0 and 1, not {v!r}")
    return x


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
        # every project the company invests in, whatever its role (lead, partner, parent)
        stmt = stmt.where(Project.id.in_(select(ProjectInvestor.project_id).where(
            ProjectInvestor.company_id == int(flt.company_id))))
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
    if flt.min_confidence is not None:
        conf = (_no_index(Project.confidence) if no_index and keep != "confidence"
                else Project.confidence)
        stmt = stmt.where(conf >= confidence_bound(flt.min_confidence))
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
        flt.stalled, flt.q, flt.company_id, flt.min_confidence))


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
    if flt.min_usd is None:
        return "confidence", "sort"       # ix_projects_confidence holds the amount too
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


