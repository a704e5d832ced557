"""Bulk loading for the cluster ingest: store many documents per transaction in a handful
of statements, and resolve once after the load.

`store_batch` writes a batch of extracted documents exactly as documents.add_documents
does (same rows: documents.py's values, records.mention_row, the company of each mention
resolved in input order by resolve.resolve_company), but with one duplicate query, one
COPY each for documents (their ids drawn from the sequence first), mentions and indicators
on PostgreSQL (multi-row inserts elsewhere), and no resolution: the new mentions stay
unresolved (`block` is NULL) until `resolve_stored`. It is two steps: `prepare_batch`
(duplicates, ids, companies: serial, in input order) and `copy_batch` (the rows, which no
other batch touches); the cluster ingest runs the second in writer threads
(registry/distributed.py), and its workers build each document's rows beforehand as far as
they can without the registry (`prebuild`), so the client only fills in the ids.

`resolve_stored` resolves every unresolved mention in the registry, whoever stored it
(an ingest killed before its end leaves some; the next one resolves them):
- when they are at least as many as the resolved ones, with the whole-picture resolution
  (rebuild.rebuild: keys, blocks by union-find, clustering per block, in chunks; on the
  workers of a Dask cluster when given one: registry/resolve_cluster.py);
- otherwise incrementally, `CHUNK` mentions per transaction, through the same
  Resolver.index/resolve that a single-process ingest runs per document.
Either way the projects are the registry's function of its mentions
(registry/resolution.py), so they equal a single-process ingest's.
"""
from __future__ import annotations

import json
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import JSON, bindparam, func, insert, or_, select, text

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry.models import Document, Indicator, Mention, Project, utcnow
from kzinvest.registry.records import (canonical_url, content_hash, evidence_spans,
                                       mention_row, usd_of)
from kzinvest.registry.resolve import insert_aliases, resolve_company

CHUNK = 5000
WRITERS = 3     # connections writing at once on PostgreSQL (the load's copies, resolution)
_D, _M, _P = Document.__table__, Mention.__table__, Project.__table__
_INS_DOCS = insert(_D).returning(_D.c.id, sort_by_parameter_order=True)
_INS_MENTIONS = insert(_M)
_INS_INDICATORS = insert(Indicator.__table__)
_SEL_DUPS = select(_D.c.content_hash, _D.c.canonical_url).where(
    or_(_D.c.content_hash.in_(bindparam("h", expanding=True)),
        _D.c.canonical_url.in_(bindparam("u", expanding=True))))
_SEL_UNRESOLVED = select(_M.c.id).where(_M.c.block.is_(None)).order_by(_M.c.id)


@dataclass
class Stored:
    new: int = 0
    duplicate: int = 0
    records: int = 0
    indicators: int = 0


@dataclass
class Resolved:
    mentions: int = 0
    how: str = "none"                 # "rebuild" | "incremental" | "none"
    projects_new: set[int] = field(default_factory=set)
    projects_updated: set[int] = field(default_factory=set)
    seconds: float = 0.0
    detail: dict = field(default_factory=dict)   # the whole-picture resolution's figures


def store_batch(store, items: list[tuple]) -> Stored:
    """Store the documents (duplicates skipped) and their records in one transaction."""
    with store.write() as s:
        out, rows = prepare_batch(store, s, items)
        copy_batch(s.connection(), rows)
    return out


@dataclass
class BatchRows:
    """A batch's rows, the documents' ids drawn: what copy_batch writes."""
    documents: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)     # content hashes and canonical URLs


@dataclass
class Prebuilt:
    """A document's rows as far as they can be built without the registry (no document or
    company id yet): what a cluster's worker builds beside the extraction, so that the
    client, which alone writes, only checks duplicates, draws ids and resolves companies."""
    content_hash: str
    canonical_url: str | None
    mentions: list[dict]            # mention rows of the project records, in order
    indicators: list[dict]          # indicator rows


def prebuild(doc: InDocument, recs: list[Record], keys: tuple[str, str | None] | None = None) -> Prebuilt:
    """The rows of one document's records; `keys`: its (content hash, canonical URL) when
    already computed."""
    h, curl = keys or (content_hash(doc.text), canonical_url(doc.url))
    ref = _Ref(None, doc.text, doc.published)
    mentions, indicators = [], []
    for ordinal, rec in enumerate(recs):
        if rec.kind == "indicator":
            indicators.append(dict(
                document_id=None, ordinal=ordinal, region=rec.region,
                sector=rec.sector, amount=rec.amount, currency=rec.currency,
                amount_usd=usd_of(rec, doc.published), jobs=rec.jobs,
                date=rec.date or doc.published, evidence=evidence_spans(doc.text, rec)))
        else:
            mentions.append(mention_row(ref, ordinal, rec))
    return Prebuilt(h, curl, mentions, indicators)


def prepare_batch(store, s, items: list[tuple],
                  in_flight: set[str] = frozenset()) -> tuple[Stored, BatchRows]:
    """In the writer transaction `s`: skip the documents stored already (or in `in_flight`:
    hashes and URLs of batches prepared but not yet written), draw the others' ids from
    the sequence in input order, resolve each mention's company (created when new), and
    complete every row. Items are (document, records) or (document, records, Prebuilt).
    What is left to write (copy_batch) touches no row another batch touches, so it may
    run in a transaction of its own beside the others."""
    out, batch = Stored(), BatchRows()
    keyed = []
    for item in items:
        doc, recs = item[0], item[1]
        pre = item[2] if len(item) > 2 else None
        if pre is not None:
            h, curl = pre.content_hash, pre.canonical_url
        else:
            h, curl = content_hash(doc.text), canonical_url(doc.url)
        keyed.append(((doc, recs, pre), h, curl))
    conn = s.connection()
    hashes = sorted({k[1] for k in keyed})
    urls = sorted({k[2] for k in keyed if k[2]}) or [""]
    seen: set[str] = set()
    for h, u in conn.execute(_SEL_DUPS, {"h": hashes, "u": urls}):
        seen.add(h)
        if u:
            seen.add(u)
    todo, rows = [], []
    now = utcnow()
    for (doc, recs, pre), h, curl in keyed:
        if h in seen or h in in_flight or (curl and (curl in seen or curl in in_flight)):
            out.duplicate += 1
            continue
        seen.add(h)
        batch.keys.add(h)
        if curl:
            seen.add(curl)
            batch.keys.add(curl)
        rows.append(dict(source=doc.source, url=doc.url, content_hash=h, canonical_url=curl,
                         title=doc.title, published=doc.published, text=doc.text,
                         raw_text=doc.raw_text, content_type=doc.content_type or "text",
                         encoding=doc.encoding, ingested_at=now, extracted_at=now))
        todo.append((doc, recs, pre or prebuild(doc, recs, (h, curl))))
    if not rows:
        return out, batch
    aliases: list[dict] = []             # new company aliases, inserted at once
    ids = draw_ids(conn, _D.name, len(rows))
    if ids is None:                      # SQLite: inserted here, their ids returned
        ids = insert_with_ids(conn, _INS_DOCS, rows)
    else:
        batch.documents = [{"id": i, **r} for i, r in zip(ids, rows)]
    for doc_id, (doc, recs, pre) in zip(ids, todo):
        out.new += 1
        for row in pre.indicators:
            batch.indicators.append({**row, "document_id": doc_id})
        out.indicators += len(pre.indicators)
        for rec, row in zip((r for r in recs if r.kind != "indicator"), pre.mentions):
            cid = resolve_company(s, store.companies, rec.investor, rec.investor_aliases,
                                  rec.investor_country, rec.sector, later=aliases)
            batch.mentions.append({**row, "document_id": doc_id, "company_id": cid})
            out.records += 1
    insert_aliases(s, aliases)
    return out, batch


def copy_batch(conn, batch: BatchRows) -> None:
    """Write a prepared batch: its documents, then their mentions and indicators."""
    if batch.documents:
        copy_rows(conn, _INS_DOCS, batch.documents)
    copy_rows(conn, _INS_MENTIONS, batch.mentions)
    copy_rows(conn, _INS_INDICATORS, batch.indicators)


def draw_ids(conn, table: str, n: int) -> list[int] | None:
    """n ids drawn from the table's sequence in one statement (PostgreSQL); None elsewhere,
    where the rows get theirs as they are inserted."""
    if conn.dialect.name != "postgresql":
        return None
    return sorted(conn.scalars(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                                    "FROM generate_series(1, :n)"), {"n": n}))


def insert_with_ids(conn, ins_returning, rows: list[dict]) -> list[int]:
    """Insert rows (the same keys each, every column with a client-side default given);
    their ids in order. On PostgreSQL the ids are drawn from the table's sequence in one
    statement and the rows copied with them (COPY); elsewhere `ins_returning` (an insert
    returning the ids in the order of the rows)."""
    ids = draw_ids(conn, ins_returning.table.name, len(rows))
    if ids is None:
        return conn.execute(ins_returning, rows).scalars().all()
    copy_rows(conn, ins_returning, [{"id": i, **r} for i, r in zip(ids, rows)])
    return ids


def copy_rows(conn, ins, rows: list[dict]) -> None:
    """Insert rows (dicts with the same keys, the id optional): with COPY on
    PostgreSQL (one round trip, no statement to build; JSON values as JSON text), else
    the multi-row insert `ins`. Ids follow the order of the rows either way."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(ins, rows)
        return
    table = ins.table
    cols = list(rows[0])
    as_json = [isinstance(table.c[c].type, JSON) for c in cols]
    sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN"
    with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as cp:
        for r in rows:
            cp.write_row([json.dumps(r[c]) if j else r[c]
                          for c, j in zip(cols, as_json)])


class WriterThreads:
    """WRITERS threads writing on connections of their own while the caller goes on; at
    most 2 x WRITERS writes wait. `on_done(future, context)` takes each result in the
    order of submission (and may raise); `waited` is the caller's time spent waiting."""

    def __init__(self, name: str, on_done) -> None:
        self.pool = ThreadPoolExecutor(WRITERS, name)
        self.on_done = on_done
        self.pending: deque = deque()
        self.waited = 0.0

    def submit(self, fn, *args, context=None) -> None:
        self.pending.append((self.pool.submit(fn, *args), context))
        while len(self.pending) > 2 * WRITERS:
            self.take()

    def take(self) -> None:
        fut, context = self.pending.popleft()
        t0 = time.perf_counter()
        try:
            self.on_done(fut, context)
        finally:
            self.waited += time.perf_counter() - t0

    def finish(self) -> None:
        while self.pending:
            self.take()

    def close(self) -> None:
        """Stop the threads (after an error: what has not started is dropped)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Ref:
    """What mention_row needs of a stored document."""
    id: int
    text: str
    published: str | None


def resolve_stored(store, chunk: int = CHUNK, client=None) -> Resolved:
    """Resolve every unresolved mention (see the module docstring); the whole-picture
    resolution on the workers of `client` (a distributed.Client) when given."""
    out = Resolved()
    t0 = time.perf_counter()
    with store.read() as s:
        todo = list(s.scalars(_SEL_UNRESOLVED))
        resolved = s.scalar(select(func.count()).select_from(_M).where(_M.c.block.is_not(None)))
        before = set(s.scalars(select(_P.c.id)))
    out.mentions = len(todo)
    if not todo:
        return out
    if len(todo) >= resolved:
        out.how = "rebuild"
        r = store.rebuild(who="ingest", client=client)
        out.detail = {"seconds": r.seconds, "blocks": r.blocks, "largest_block": r.largest_block,
                      "workers": len(client.nthreads()) if client is not None else 0}
        with store.read() as s:
            out.projects_new = set(s.scalars(select(_P.c.id))) - before
            for start in range(0, len(todo), 10000):
                out.projects_updated |= set(s.scalars(
                    select(_M.c.project_id).distinct().where(
                        _M.c.id.in_(todo[start:start + 10000]))))
        out.projects_updated &= before
    else:
        out.how = "incremental"
        for start in range(0, len(todo), chunk):
            ids = todo[start:start + chunk]
            with store.write() as s:
                conn = s.connection()
                keys = store.resolver.index(conn, ids)
                res = store.resolver.resolve(conn, ids, new_keys=keys)
            out.projects_new |= res.projects_new
            out.projects_updated |= res.projects_touched - res.projects_new
            out.projects_new -= res.removed
            out.projects_updated -= res.removed
        out.projects_updated -= out.projects_new
    out.seconds = time.perf_counter() - t0
    return out
