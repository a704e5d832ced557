"""A registry's content in a canonical form: what must be equal between two ingests of the
same documents, whatever the engine, the batching or the order in which work finished.

Projects are named by their mentions' stable identities (document content hash, record
ordinal), never by database ids; companies by name, key, country and aliases; events by
their project, stage, date and document. `ids()` gives the raw ids too, for reporting.
"""
from __future__ import annotations

from sqlalchemy import create_engine, text

SKIP = {"id", "created_at", "updated_at", "company_id", "search_text", "search_tsv"}


def snapshot(url: str) -> dict:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return _snapshot(c)
    finally:
        eng.dispose()


def _rows(c, sql: str):
    return [dict(r._mapping) for r in c.execute(text(sql))]


def _snapshot(c) -> dict:
    docs = {r["id"]: r for r in _rows(c, "SELECT id, content_hash, source, canonical_url, title, "
                                          "published FROM documents")}
    mentions = _rows(c, "SELECT id, document_id, ordinal, project_id, company_id, investor, "
                        "region, sector, amount_usd, jobs, stage, date FROM mentions")
    ref = {m["id"]: (docs[m["document_id"]]["content_hash"], m["ordinal"]) for m in mentions}
    members: dict[int, list] = {}
    for m in mentions:
        members.setdefault(m["project_id"], []).append(ref[m["id"]])
    pkey = {pid: tuple(sorted(refs)) for pid, refs in members.items()}
    aliases: dict[int, list] = {}
    for a in _rows(c, "SELECT company_id, alias, key FROM company_aliases"):
        aliases.setdefault(a["company_id"], []).append((a["alias"], a["key"]))
    companies = {r["id"]: (r["name"], r["key"], r["country"], tuple(sorted(aliases.get(r["id"], []))))
                 for r in _rows(c, "SELECT id, name, key, country FROM companies")}
    projects = {}
    for p in _rows(c, "SELECT * FROM projects"):
        fields = {k: v for k, v in p.items() if k not in SKIP}
        fields["company"] = companies.get(p["company_id"])
        # the searchable words (their positions follow the order rows come back in)
        fields["words"] = sorted(set(str(p.get("search_text") or "").split()))
        projects[pkey.get(p["id"], ("empty", p["id"]))] = fields
    events = sorted((pkey.get(e["project_id"]), e["stage"], e["date"] or "",
                     docs[e["document_id"]]["content_hash"] if e["document_id"] else "",
                     ref.get(e["mention_id"]))
                    for e in _rows(c, "SELECT project_id, stage, date, document_id, mention_id "
                                      "FROM project_events"))
    investors = sorted((pkey.get(i["project_id"]), i["name"], i["country"] or "", i["role"],
                        i["mentions"], i["position"], companies.get(i["company_id"]))
                       for i in _rows(c, "SELECT * FROM project_investors"))
    mention_view = sorted((ref[m["id"]], pkey.get(m["project_id"]), companies.get(m["company_id"]),
                           m["investor"], m["region"], m["sector"], m["amount_usd"], m["jobs"],
                           m["stage"], m["date"]) for m in mentions)
    indicators = sorted((docs[i["document_id"]]["content_hash"], i["ordinal"], i["region"] or "",
                         i["amount_usd"] or 0.0)
                        for i in _rows(c, "SELECT document_id, ordinal, region, amount_usd "
                                          "FROM indicators"))
    return {"documents": sorted((d["content_hash"], d["source"], d["canonical_url"] or "",
                                 d["title"] or "", d["published"] or "") for d in docs.values()),
            "companies": sorted(companies.values()), "projects": projects, "events": events,
            "investors": investors, "mentions": mention_view, "indicators": indicators}


def ids(url: str) -> dict:
    """Raw ids in storage order, to report whether they match too (they need not)."""
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return {t: [r[0] for r in c.execute(text(f"SELECT id FROM {t} ORDER BY id"))]
                    for t in ("documents", "companies", "projects")}
    finally:
        eng.dispose()
