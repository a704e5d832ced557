"""`kzinvest resolve --rebuild`: resolve every stored mention again, from scratch.

1. Keys: every mention's blocking keys are computed again (document by document: some keys
   depend on the other records of the article; analysts' merge decisions add theirs) and
   the blocks (connected groups) found with a union-find, in one transaction.
2. Blocks are clustered (registry/cluster.py) and written (resolution.Resolver.write) in
   chunks of whole blocks, one transaction each: a crash between chunks leaves every block
   either as it was or resolved again, both consistent.
Project ids are kept where a project's mentions stay together (the project most of a
cluster's mentions fed keeps its id), and analysts' overrides follow their mentions.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, func, select

from kzinvest.registry import audit, decisions
from kzinvest.registry.cluster import cluster, components
from kzinvest.registry.features import document_keys, features, stable_hash
from kzinvest.registry.models import (Document, Mention, MentionKey, Project,
                                      ResolutionDecision, ReviewPair)
from kzinvest.registry.resolution import _ROW_COLS, _by_hash

_M, _D, _K = Mention.__table__, Document.__table__, MentionKey.__table__
_IDS = bindparam("ids", expanding=True)
_SEL_DOC_RANGE = (select(*_ROW_COLS).join(_D, _D.c.id == _M.c.document_id)
                  .where(_M.c.document_id > bindparam("lo"), _M.c.document_id <= bindparam("hi"))
                  .order_by(_M.c.document_id, _M.c.ordinal))
_SEL_ROWS = select(*_ROW_COLS).join(_D, _D.c.id == _M.c.document_id).where(_M.c.id.in_(_IDS))
_SEL_KEYS = select(_K.c.mention_id, _K.c.key).where(_K.c.mention_id.in_(_IDS))
DOCS_PER_PAGE = 5000
CHUNK = 20000            # mentions per write transaction (whole blocks)
IN_LIST = 10000          # ids per IN (...) list (PostgreSQL takes at most 65,535 parameters)


@dataclass
class RebuildSummary:
    mentions: int = 0
    blocks: int = 0
    projects_before: int = 0
    projects_after: int = 0
    mentions_moved: int = 0           # mentions now in another project than before
    review_pairs: int = 0
    seconds: dict = field(default_factory=dict)
    largest_block: int = 0            # mentions of the largest group clustered at once


def rebuild(store, who: str | None = None, progress=None, chunk: int = CHUNK) -> RebuildSummary:
    out = RebuildSummary()
    resolver = store.resolver
    t0 = time.perf_counter()
    with store.read() as s:
        out.projects_before = s.scalar(select(func.count()).select_from(Project))
        doc_ids = list(s.scalars(select(Document.id).order_by(Document.id)))
    parent: dict[int, int] = {}
    first: dict[int, int] = {}
    find = union_find(parent)

    with store.write() as s:
        conn = s.connection()
        rows_d, wanted = start_rebuild(conn)
        decided: list = []                       # (row, feat) of documents decisions name
        for start in range(0, len(doc_ids), DOCS_PER_PAGE):
            page = doc_ids[start:start + DOCS_PER_PAGE]
            rows = conn.execute(_SEL_DOC_RANGE, {"lo": page[0] - 1, "hi": page[-1]}).all()
            by_doc: dict[int, list] = {}
            for r in rows:
                by_doc.setdefault(r.document_id, []).append(r)
            batch = []
            for doc_rows in by_doc.values():
                # not through the resolver's cache: pass 2 reads the mentions block by block
                feats = [features(r, r.doc_hash) for r in doc_rows]
                if doc_rows[0].doc_hash in wanted:
                    decided += list(zip(doc_rows, feats))
                for mid, keys in document_keys(feats).items():
                    batch += [(stable_hash(k), mid) for k in keys]
            _link(batch, parent, first, find)
            if batch:
                conn.execute(_K.insert(), [{"key": k, "mention_id": m} for k, m in batch])
            out.mentions += len(rows)
            for r in rows:
                parent.setdefault(r.id, r.id)
        _, _, merge_keys = decisions.constraints(rows_d, _by_hash(decided))
        extra = [(stable_hash(k), mid) for mid, ks in merge_keys.items() for k in ks]
        _link(extra, parent, first, find)
        if extra:
            conn.execute(_K.insert(), [{"key": k, "mention_id": m} for k, m in extra])
    out.seconds["keys"] = round(time.perf_counter() - t0, 2)

    t1 = time.perf_counter()
    chunks = _block_chunks(parent, first, find, chunk, out)
    for ids in chunks:
        with store.write() as s:
            conn = s.connection()
            rows, keys_of = [], {}
            for part in range(0, len(ids), IN_LIST):   # bound parameters per statement
                some = ids[part:part + IN_LIST]
                rows += conn.execute(_SEL_ROWS, {"ids": some}).all()
                for mid, k in conn.execute(_SEL_KEYS, {"ids": some}):
                    keys_of.setdefault(mid, set()).add(k)
            feats = [resolver.feat(r) for r in rows]
            decided = decisions.load(conn, {r.doc_hash for r in rows})
            must, cannot = [], set()
            if decided:
                must, cannot, _ = decisions.constraints(decided, _by_hash(zip(rows, feats)))
            before = {f.id: f.project_id for f in feats}
            clusters, uncertain, block_of = [], [], {}
            for comp in components(feats, keys_of):
                block = min(f.id for f in comp)
                res = cluster(comp, keys_of, resolver.model, must, cannot)
                clusters += res.clusters
                uncertain += [(a, b, sc, m, block) for a, b, sc, m in res.uncertain]
                for f in comp:
                    block_of[f.id] = block
            done = resolver.write(conn, feats, clusters, uncertain, block_of, (),
                                  {p for p in before.values() if p}, recompute_all=True)
            out.mentions_moved += sum(1 for mid, pid in done.assigned.items()
                                      if before.get(mid) != pid)
            out.review_pairs += len(uncertain)
    out.seconds["cluster_and_write"] = round(time.perf_counter() - t1, 2)
    with store.write() as s:
        out.projects_after = s.scalar(select(func.count()).select_from(Project))
        out.seconds["total"] = round(time.perf_counter() - t0, 2)
        audit.record(s.connection(), who, "rebuild", None,
                     {"mentions": out.mentions, "blocks": out.blocks,
                      "projects_before": out.projects_before,
                      "projects_after": out.projects_after,
                      "mentions_moved": out.mentions_moved, "seconds": out.seconds})
    return out


def union_find(parent: dict[int, int]):
    """The root lookup (with path compression) of the union-find held in `parent`."""
    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root
    return find


def start_rebuild(conn) -> tuple[list, set]:
    """Clear the blocking keys and the review queue; the analysts' decisions, and the content
    hashes of the documents they name (whose mentions the rebuild must keep at hand)."""
    conn.execute(delete(_K))
    conn.execute(delete(ReviewPair.__table__))
    rows_d = conn.execute(select(ResolutionDecision.__table__)).all()
    wanted = {r.a_hash for r in rows_d} | {r.b_hash for r in rows_d if r.b_hash}
    for ref in (x for r in rows_d for x in (r.apart or [])):
        wanted.add(ref.get("hash"))
    return rows_d, wanted


def _block_chunks(parent: dict, first: dict, find, chunk: int, out) -> list[list[int]]:
    """The union-find's blocks as lists of mention ids, whole blocks packed into chunks of
    about `chunk` mentions (in root order), a block of `chunk` or more alone; records the
    block count and the largest block on `out`, and empties the union-find."""
    groups: dict[int, list[int]] = {}
    for mid in parent:
        groups.setdefault(find(mid), []).append(mid)
    out.blocks = len(groups)
    out.largest_block = max(map(len, groups.values()), default=0)
    parent.clear()
    first.clear()
    chunks, current = [], []
    for root in sorted(groups):
        if len(groups[root]) >= chunk:      # alone: a chunk this large is one block
            chunks.append(groups[root])
            continue
        current += groups[root]
        if len(current) >= chunk:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _link(pairs, parent: dict, first: dict, find) -> None:
    """Union-find: mentions sharing a key join one block."""
    for k, mid in pairs:
        parent.setdefault(mid, mid)
        other = first.setdefault(k, mid)
        if other != mid:
            a, b = find(mid), find(other)
            if a != b:
                if a < b:
                    parent[b] = a
                else:
                    parent[a] = b
