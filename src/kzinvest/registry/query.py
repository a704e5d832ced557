"""Read side of the registry (docs/registry-contract.md): the one API behind the CLI, the
REST API and the dashboard, so filters and shapes are identical everywhere. Filters live in
filters.py, project shapes in listing.py, exports in export.py; this module gathers them."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from kzinvest.registry import export as _export
from kzinvest.registry.filters import (SORTS, SPEC_FIELDS, STALLABLE, ProjectFilter,  # noqa: F401
                                       apply_filter, fts_query, stalled_condition,
                                       status_expr)
from kzinvest.registry.listing import (count_projects, get_project, iter_projects,  # noqa: F401
                                       list_projects, project_select)
from kzinvest.registry.models import (Company, CompanyAlias, Document, Indicator, Project,
                                      ProjectInvestor)
from kzinvest.registry.refdata import kzt_per_usd

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
        counts = dict(s.execute(
            select(ProjectInvestor.company_id,
                   func.count(ProjectInvestor.project_id.distinct()))
            .where(ProjectInvestor.company_id.in_(ids))
            .group_by(ProjectInvestor.company_id)).all())
    return [{"id": c.id, "name": c.name, "country": c.country, "aliases": aliases[c.id],
             "projects_count": counts.get(c.id, 0)} for c in companies]


def _contains(text_: str) -> str:
    """A LIKE pattern matching `text_` anywhere, its own wildcards escaped (escape "\\");
    NUL, which PostgreSQL text cannot hold, dropped."""
    text_ = text_.replace("\x00", "")
    return "%" + text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_companies(store, q: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    with store.read() as s:
        stmt = select(Company)
        if q:
            from kzinvest.normalise.names import company_key
            like = _contains(q.lower())        # "%" and "_" in q are literal characters
            key = company_key(q)
            matching = select(CompanyAlias.company_id).where(
                or_(func.lower(CompanyAlias.alias).like(like, escape="\\"),
                    CompanyAlias.key.like(_contains(key), escape="\\") if key else False))
            stmt = stmt.where(or_(Company.id.in_(matching),
                                  func.lower(Company.name).like(like, escape="\\")))
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.order_by(Company.name, Company.id).limit(limit).offset(offset)).all()
        return {"items": _company_dicts(s, list(rows)), "total": total}


def get_company(store, company_id: int) -> dict | None:
    with store.read() as s:
        c = s.get(Company, int(company_id))
        if c is None:
            return None
        d = _company_dicts(s, [c])[0]
    from kzinvest.registry.links import links_of
    d.update(links_of(c.name))              # parent and subsidiary companies, with sources
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
    return _export.export(store, flt or ProjectFilter(), fmt)


def edit_project(store, project_id: int, field: str, value, who: str | None = None) -> dict:
    return store.edit(int(project_id), field, value, who)
