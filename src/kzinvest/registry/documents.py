"""The write path of a document: store it once (content hash, canonical URL), its records as
mentions and indicators, then resolve (registry/resolution.py) in the same transaction.

Core statements, a fixed handful per document (benchmarks/registry_bench.py): the
document, one batched insert each for mentions, indicators and blocking keys, then one
resolution of the blocks the new mentions join. Several documents can share one
transaction (`add_documents`); resolution then runs once for all of them, with the same
result as one at a time (it depends on the stored mentions only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry.models import Document, Indicator, Mention, utcnow
from kzinvest.registry.records import (canonical_url, content_hash, default_extract,
                                       evidence_spans, mention_row, usd_of)
from kzinvest.registry.resolve import resolve_company

_INS_DOCUMENT = insert(Document.__table__)
# RETURNING (id, ordinal) without a parameter order: one multi-row statement on SQLite too
_INS_MENTIONS = insert(Mention.__table__).returning(Mention.__table__.c.id,
                                                    Mention.__table__.c.ordinal)
_INS_INDICATORS = insert(Indicator.__table__)


@dataclass
class DocOutcome:
    status: str                      # "new" | "duplicate"
    document_id: int | None = None
    records: int = 0
    indicators: int = 0
    projects_new: set[int] = field(default_factory=set)
    projects_touched: set[int] = field(default_factory=set)
    # (record, project id) for every project record, in order
    assigned: list[tuple[Record, int]] = field(default_factory=list)
    overrides_moved: dict[int, int] = field(default_factory=dict)
    overrides_kept: list[int] = field(default_factory=list)


class Pending:
    """Mentions written in this transaction and not resolved yet."""

    def __init__(self) -> None:
        self.mention_ids: list[int] = []
        self.carry: dict[int, int] = {}          # mention id -> project it fed before
        self.projects: set[int] = set()          # projects that lost mentions
        self.outcomes: list[tuple[DocOutcome, list[tuple[Record, int]]]] = []
        self.result = None                       # resolution.Outcome once resolved
        self.fresh = True                        # only documents stored just now


def add_document(store, doc: InDocument,
                 extract: Callable[[InDocument], list[Record]] | None = None,
                 records: list[Record] | None = None) -> DocOutcome:
    """Store one document with its records; a duplicate is skipped before extraction."""
    return add_documents(store, [(doc, records)], extract)[0]


def add_documents(store, items: list[tuple[InDocument, list[Record] | None]],
                  extract: Callable[[InDocument], list[Record]] | None = None
                  ) -> list[DocOutcome]:
    """Store several documents in ONE transaction and resolve once. Items whose records
    are None are extracted first (outside the transaction); duplicates are skipped."""
    out: list[DocOutcome | None] = [None] * len(items)
    todo = []
    for n, (doc, records) in enumerate(items):
        if not (doc.text or "").strip():
            raise ValueError("no article text")
        h, curl = content_hash(doc.text), canonical_url(doc.url)
        with store.read() as s:
            if (dup := store.find_duplicate(s, h, curl)) is not None:
                out[n] = DocOutcome("duplicate", dup)
                continue
        if records is None:
            records = (extract or default_extract)(doc)
        todo.append((n, doc, records, h, curl))
    if not todo:
        return out
    with store.write() as s:
        pending = Pending()
        seen: dict[str, int] = {}            # hash / canonical URL -> document id
        for n, doc, records, h, curl in todo:
            twin = seen.get(h) or (seen.get(curl) if curl else None)
            if twin is not None or (twin := store.find_duplicate(s, h, curl)) is not None:
                out[n] = DocOutcome("duplicate", twin)
                continue
            now = utcnow()
            values = dict(source=doc.source, url=doc.url, content_hash=h, canonical_url=curl,
                          title=doc.title, published=doc.published, text=doc.text,
                          raw_text=doc.raw_text, content_type=doc.content_type or "text",
                          encoding=doc.encoding, ingested_at=now, extracted_at=now)
            doc_id = s.connection().execute(_INS_DOCUMENT, values).inserted_primary_key[0]
            seen[h] = doc_id
            if curl:
                seen[curl] = doc_id
            row = Document(id=doc_id, **values)      # transient: never added to the session
            out[n] = write_records(store, s, row, records, pending)
        resolve_pending(store, s, pending)
    return out


def write_records(store, s: Session, doc, records: list[Record], pending: Pending,
                  carry: Callable[[Record], int | None] | None = None) -> DocOutcome:
    """Insert `records` of `doc` as mentions and indicators (not resolved yet: see
    resolve_pending). `carry(record)` names the project a re-extracted record fed."""
    conn = s.connection()
    out = DocOutcome("new", doc.id)
    indicators, mentions, recs = [], [], []
    for ordinal, rec in enumerate(records):
        if rec.kind == "indicator":
            indicators.append(dict(document_id=doc.id, ordinal=ordinal, region=rec.region,
                                   sector=rec.sector, amount=rec.amount,
                                   currency=rec.currency, amount_usd=usd_of(rec, doc.published),
                                   jobs=rec.jobs, date=rec.date or doc.published,
                                   evidence=evidence_spans(doc.text, rec)))
            out.indicators += 1
            continue
        cid = resolve_company(s, store.companies, rec.investor, rec.investor_aliases,
                              rec.investor_country, rec.sector)
        mentions.append(mention_row(doc, ordinal, rec, company_id=cid))
        recs.append(rec)
        out.records += 1
    if mentions:
        id_of = {o: i for i, o in conn.execute(_INS_MENTIONS, mentions).all()}
        ids = [id_of[m["ordinal"]] for m in mentions]
        pending.mention_ids += ids
        if carry is not None:
            for mid, rec in zip(ids, recs):
                pid = carry(rec)
                if pid is not None:
                    pending.carry[mid] = pid
        pending.outcomes.append((out, list(zip(recs, ids))))
    if indicators:
        conn.execute(_INS_INDICATORS, indicators)
    return out


def resolve_pending(store, s: Session, pending: Pending) -> None:
    """Resolve everything written since `pending` began; fill in the outcomes."""
    if not pending.mention_ids and not pending.projects:
        return
    conn = s.connection()
    fresh = pending.fresh and not pending.projects and not pending.carry
    keys = store.resolver.index(conn, pending.mention_ids, fresh=fresh)
    res = store.resolver.resolve(conn, pending.mention_ids, projects=pending.projects,
                                 carry=pending.carry, new_keys=keys, fresh=fresh)
    for out, pairs in pending.outcomes:
        out.assigned = [(rec, res.assigned.get(mid)) for rec, mid in pairs]
        mine = {pid for _, pid in out.assigned if pid is not None}
        out.projects_new = mine & res.projects_new
        out.projects_touched = mine
        out.overrides_moved = res.overrides_moved
        out.overrides_kept = res.overrides_kept
    pending.result = res
