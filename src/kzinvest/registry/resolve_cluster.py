"""The whole-picture resolution (rebuild.py) on a Dask cluster: after a distributed load
(bulk.resolve_stored) and for `kzinvest resolve --rebuild --dask/--workers`.

    client (this process, beside the database)     workers (any hosts)
    read the mentions, a page of documents ─────▶ keys_task: features and blocking keys
    union-find over the keys: blocks     ◀─keys── (64-bit hashes per mention)
    read a group of whole blocks        ───────▶ cluster_task: cluster each block, and
    write the projects, set-based SQL    ◀─────── aggregate the clusters that are new projects

The workers get plain rows (the mention columns, the JSON columns as text, the document's
hash, date, address and title), the blocking keys, the analysts' constraints and the model,
and read nothing else: clustering a block depends on its mentions only (registry/cluster.py),
and a new project's fields, investors and events on its mentions and its companies' aliases
(aggregate.project_fields). So the outcome is rebuild()'s, written by the same
Resolver.write: the registry is the one a single-process ingest builds
(tests/scale/test_distributed.py). Projects that keep their id (a rebuild of a resolved
registry) are recomputed in the client, where their analysts' overrides are. Only the
client writes: the keys with COPY on PostgreSQL, then per group of blocks one transaction
(new projects in one multi-row insert with their fields, mentions in one UPDATE ... FROM
unnest(...), investors and events in multi-row inserts).
"""
from __future__ import annotations

import itertools
import pickle
import time
from collections import deque

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, cast, func, select

from kzinvest.registry import aggregate, audit, decisions
from kzinvest.registry.bulk import WriterThreads, copy_rows
from kzinvest.registry.cluster import cluster, components
from kzinvest.registry.features import document_keys, features, stable_hash
from kzinvest.registry.mention_rows import (COLUMNS, NAMES, Member, member_fields, pack,
                                           rows_of)
from kzinvest.registry.models import CompanyAlias, Document, Mention, MentionKey, Project
from kzinvest.registry.rebuild import (IN_LIST, RebuildSummary, _block_chunks, _link,
                                      start_rebuild, union_find)
from kzinvest.registry.resolution import _by_hash, assign
from kzinvest.registry.split_block import SplitBlock

_M, _D, _K = Mention.__table__, Document.__table__, MentionKey.__table__
_A = CompanyAlias.__table__
_SEL_DOC_RANGE = (select(*COLUMNS).join(_D, _D.c.id == _M.c.document_id)
                  .where(_M.c.document_id > bindparam("lo"), _M.c.document_id <= bindparam("hi"))
                  .order_by(_M.c.document_id, _M.c.ordinal))
_SEL_ROWS = (select(*COLUMNS).join(_D, _D.c.id == _M.c.document_id)
             .where(_M.c.id.in_(bindparam("ids", expanding=True))))
_SEL_ALIASES = (select(_A.c.company_id, _A.c.alias)
                .where(_A.c.company_id.in_(bindparam("ids", expanding=True))).order_by(_A.c.id))
# PostgreSQL: the ids as one array parameter (a list of 10,000 parameters costs the driver
# more to send than the server to answer)
_IDS_ARRAY = any_(cast(bindparam("ids"), ARRAY(BigInteger)))
_PG_ROWS = (select(*COLUMNS).join(_D, _D.c.id == _M.c.document_id).where(_M.c.id == _IDS_ARRAY))
_PG_ALIASES = (select(_A.c.company_id, _A.c.alias).where(_A.c.company_id == _IDS_ARRAY)
               .order_by(_A.c.id))
DOCS_PER_TASK = 1000      # documents per keys task
MENTIONS_PER_TASK = 1500  # mentions per clustering task (whole blocks) and write transaction
SPLIT_AT = 3 * MENTIONS_PER_TASK   # a block this large is clustered in parts (split_block.py)


# -- on the workers ---------------------------------------------------------------------------

def keys_task(payload: bytes) -> tuple[list[tuple[int, tuple[int, ...]]], float]:
    """([(mention id, its blocking keys' hashes)], seconds) for the mentions of whole documents, rows in
    (document, ordinal) order (some keys depend on the other records of the article).
    Arguments travel pickled (bytes): Dask does not walk through them."""
    t0 = time.perf_counter()
    raw = pickle.loads(payload)
    by_doc: dict[int, list] = {}
    for r in rows_of(raw):
        by_doc.setdefault(r.document_id, []).append(features(r, r.doc_hash))
    out = []
    for feats in by_doc.values():
        for mid, keys in document_keys(feats).items():
            out.append((mid, tuple(sorted({stable_hash(k) for k in keys}))))
    return out, time.perf_counter() - t0


def cluster_task(payload: bytes, model) -> dict:
    """Cluster whole blocks; the fields of every cluster that becomes a new project.
    Returns plain data: members (id, project_id, block, doc hash, ordinal, sector),
    clusters (member positions), uncertain pairs, and `ready` (cluster -> fields,
    investors, events)."""
    t0 = time.perf_counter()
    raw, keys_of, must, cannot, aliases = pickle.loads(payload)
    rows = rows_of(raw)
    feats = [features(r, r.doc_hash) for r in rows]
    row_of = {r.id: r for r in rows}
    keys = {mid: set(ks) for mid, ks in keys_of.items()}
    clusters, uncertain, block_of = [], [], {}
    for comp in components(feats, keys):
        block = min(f.id for f in comp)
        res = cluster(comp, keys, model, must, cannot)
        clusters += res.clusters
        uncertain += [(a.id, b.id, s, m, block) for a, b, s, m in res.uncertain]
        for f in comp:
            block_of[f.id] = block
    pid_of = assign(clusters)
    ready = {i: aggregate.project_fields([row_of[f.id] for f in members], {}, aliases)
             for i, members in enumerate(clusters) if pid_of[i] is None}
    pos = {f.id: n for n, f in enumerate(feats)}
    return {"members": [member_fields(f) for f in feats],
            "clusters": [[pos[f.id] for f in members] for members in clusters],
            "block_of": [block_of[f.id] for f in feats],
            "uncertain": uncertain, "ready": ready, "seconds": time.perf_counter() - t0}


# -- in the client ----------------------------------------------------------------------------

def rebuild_on_cluster(store, client, who: str | None = None, progress=None,
                       chunk: int | None = None) -> RebuildSummary:
    """rebuild.rebuild with the keys and the clustering on the workers of `client`."""
    chunk = chunk or MENTIONS_PER_TASK
    from distributed import as_completed
    out = RebuildSummary()
    t0 = time.perf_counter()
    window = 2 * max(1, sum(client.nthreads().values()))
    model = client.scatter(store.resolver.model, broadcast=True)
    with store.read() as s:
        out.projects_before = s.scalar(select(func.count()).select_from(Project))
        doc_ids = list(s.scalars(select(Document.id).order_by(Document.id)))
    parent: dict[int, int] = {}
    first: dict[int, int] = {}
    keys_of: dict[int, tuple] = {}
    clock = {"wait": 0.0, "keys": 0.0, "largest": 0.0}   # client waiting; worker seconds
    find = union_find(parent)

    # On a first load into PostgreSQL the keys and the clustered blocks are written by
    # writer threads (_Writes) while this thread reads and dispatches; otherwise here, the
    # keys in the transaction that cleared them.
    writes = _Writes(store, out, parallel=out.projects_before == 0)
    threaded = writes.threads is not None
    try:
        if threaded:
            with store.write() as s:
                rows_d, wanted = start_rebuild(s.connection())
        with (store.read() if threaded else store.write()) as s:
            conn = s.connection()
            if not threaded:
                rows_d, wanted = start_rebuild(conn)
            decided: list = []
            pending: deque = deque()

            def take(fut) -> None:
                tw = time.perf_counter()
                got, secs = fut.result()
                clock["wait"] += time.perf_counter() - tw
                clock["keys"] += secs
                pairs = [(k, mid) for mid, ks in got for k in ks]
                fut.release()
                for mid, ks in (x for x in _group(pairs)):
                    keys_of[mid] = ks
                    parent.setdefault(mid, mid)
                _link(pairs, parent, first, find)
                writes.keys(pairs, conn)

            for start in range(0, len(doc_ids), DOCS_PER_TASK):
                page = doc_ids[start:start + DOCS_PER_TASK]
                raw = [tuple(r) for r in conn.execute(_SEL_DOC_RANGE,
                                                      {"lo": page[0] - 1, "hi": page[-1]})]
                out.mentions += len(raw)
                for t in raw:
                    parent.setdefault(t[0], t[0])
                if wanted:
                    rows = [r for r in rows_of(raw) if r.doc_hash in wanted]
                    decided += [(r, features(r, r.doc_hash)) for r in rows]
                if raw:
                    pending.append(client.submit(keys_task, pack(raw), pure=False))
                while len(pending) >= window:
                    take(pending.popleft())
            while pending:
                take(pending.popleft())
            _, _, merge_keys = decisions.constraints(rows_d, _by_hash(decided))
            extra = [(stable_hash(k), mid) for mid, ks in merge_keys.items() for k in ks]
            _link(extra, parent, first, find)
            writes.keys(extra, conn)
            for k, mid in extra:
                keys_of[mid] = tuple(sorted(set(keys_of.get(mid, ())) | {k}))
        out.seconds["keys"] = round(time.perf_counter() - t0, 2)

        t1 = time.perf_counter()
        chunks = _block_chunks(parent, first, find, chunk, out)
        # the largest first (a block can hold most of the mentions: it must not start last),
        # written as they finish, at most `window` in flight
        chunks.sort(key=lambda ids: (-len(ids), ids[0]))
        ac = as_completed()
        worker_s = 0.0
        split_at = max(SPLIT_AT, 2 * chunk)     # so that such a chunk is one block
        jobs: dict = {}                          # future key -> SplitBlock
        for ids in (ids for ids in chunks if len(ids) >= split_at):
            job = SplitBlock(client, model, store.resolver.model, ids, _chunk_inputs(store, ids),
                             {mid: keys_of[mid] for mid in ids if mid in keys_of}, chunk)
            for fut in job.futures:
                jobs[fut.key] = job
                ac.add(fut)
        todo = iter([ids for ids in chunks if len(ids) < split_at])
        for ids in itertools.islice(todo, window):
            ac.add(_submit_chunk(store, client, model, ids, keys_of))
        ac_iter = iter(ac)
        while True:
            tw = time.perf_counter()
            fut = next(ac_iter, None)
            if fut is not None:
                fut.result()
            clock["wait"] += time.perf_counter() - tw
            if fut is None:
                break
            job = jobs.pop(fut.key, None)
            if job is not None:             # a stage of a large block
                for more in job.advance(fut):
                    jobs[more.key] = job
                    ac.add(more)
                if job.result is not None:
                    worker_s += job.result["seconds"]
                    clock["largest"] = max(clock["largest"], *job.task_seconds)
                    writes.add(job.result)
                continue
            res = fut.result()
            fut.release()
            writes.add(res)
            secs = res["seconds"]
            worker_s += secs
            clock["largest"] = max(clock["largest"], secs)
            ids = next(todo, None)
            if ids is not None:
                ac.add(_submit_chunk(store, client, model, ids, keys_of))
        writes.finish()
    finally:
        writes.close()        # after an error: the writers stop, nothing waits
    out.seconds["cluster_and_write"] = round(time.perf_counter() - t1, 2)
    # where the time went: summed over the workers' tasks, the longest clustering task (a
    # block clusters on one worker), and the client's own time (the serial part)
    out.seconds["workers_keys"] = round(clock["keys"], 2)
    out.seconds["workers_cluster"] = round(worker_s, 2)
    out.seconds["largest_task"] = round(clock["largest"], 2)
    out.seconds["client_wait"] = round(clock["wait"] + writes.waited, 2)
    out.seconds["writes"] = round(writes.seconds, 2)     # summed over the writers
    with store.write() as s:
        out.projects_after = s.scalar(select(func.count()).select_from(Project))
        out.seconds["total"] = round(time.perf_counter() - t0, 2)
        out.seconds["client_busy"] = round(out.seconds["total"] - clock["wait"], 2)
        audit.record(s.connection(), who, "rebuild", None,
                     {"mentions": out.mentions, "blocks": out.blocks,
                      "projects_before": out.projects_before,
                      "projects_after": out.projects_after,
                      "mentions_moved": out.mentions_moved, "seconds": out.seconds,
                      "workers": len(client.nthreads())})
    return out


def _group(pairs):
    by: dict[int, list[int]] = {}
    for k, mid in pairs:
        by.setdefault(mid, []).append(k)
    return ((mid, tuple(ks)) for mid, ks in by.items())


def _chunk_inputs(store, ids: list[int]) -> tuple:
    """(rows, must-links, cannot-links, company aliases) of a group of whole blocks."""
    with store.read() as s:
        conn = s.connection()
        raw = _read(conn, _PG_ROWS, _SEL_ROWS, ids)
        hashes = {t[NAMES.index("doc_hash")] for t in raw}
        decided = decisions.load(conn, hashes)
        must, cannot = [], set()
        if decided:
            rows = rows_of(raw)
            must, cannot, _ = decisions.constraints(
                decided, _by_hash((r, features(r, r.doc_hash)) for r in rows))
        cids = sorted({t[NAMES.index("company_id")] for t in raw} - {None})
        aliases: dict[int, list[str]] = {}
        for cid, alias in _read(conn, _PG_ALIASES, _SEL_ALIASES, cids):
            aliases.setdefault(cid, []).append(alias)
    return raw, must, cannot, aliases


def _submit_chunk(store, client, model, ids: list[int], keys_of: dict):
    """Read a group of whole blocks and submit its clustering; the future."""
    raw, must, cannot, aliases = _chunk_inputs(store, ids)
    keys = {mid: keys_of[mid] for mid in ids if mid in keys_of}
    return client.submit(cluster_task, pack((raw, keys, must, cannot, aliases)), model,
                         pure=False)


def _read(conn, pg_stmt, stmt, ids: list[int]) -> list[tuple]:
    """Rows of a statement over many ids: one array parameter on PostgreSQL, else IN
    lists of IN_LIST ids."""
    if not ids:
        return []
    if conn.dialect.name == "postgresql":
        return [tuple(r) for r in conn.execute(pg_stmt, {"ids": ids})]
    out = []
    for part in range(0, len(ids), IN_LIST):
        out += [tuple(r) for r in conn.execute(stmt, {"ids": ids[part:part + IN_LIST]})]
    return out


class _Writes:
    """Each clustered group of blocks written in a transaction of its own. On a first load
    into PostgreSQL (no project yet, so no two groups touch one project) WRITERS threads
    write them, and the blocking keys, each on its own connection while the client goes on
    reading and dispatching: the database's work is divided among its cores instead of the
    client waiting on it; at most 2 x WRITERS writes wait. Elsewhere (SQLite, a rebuild of
    projects that keep their ids) they are written in turn, as they finish."""

    def __init__(self, store, out: RebuildSummary, parallel: bool) -> None:
        self.store, self.out = store, out
        self.seconds = 0.0
        parallel = parallel and store.dialect == "postgresql"
        self.threads = WriterThreads("kzinvest-write", lambda fut, _: self._count(fut.result())) \
            if parallel else None

    @property
    def waited(self) -> float:
        return self.threads.waited if self.threads is not None else 0.0

    def add(self, res: dict) -> None:
        if self.threads is None:
            self._count(_write_result(self.store, res))
        else:
            self.threads.submit(_write_result, self.store, res, True)

    def keys(self, pairs: list[tuple[int, int]], conn) -> None:
        """Blocking keys: by a writer thread, or on `conn` (the transaction that cleared
        them) when there are none."""
        if self.threads is None:
            copy_keys(conn, pairs)
        else:
            self.threads.submit(_write_keys, self.store, pairs)

    def finish(self) -> None:
        if self.threads is not None:
            self.threads.finish()

    def close(self) -> None:
        if self.threads is not None:
            self.threads.close()

    def _count(self, done: tuple[int, int, float]) -> None:
        moved, pairs, seconds = done
        self.out.mentions_moved += moved
        self.out.review_pairs += pairs
        self.seconds += seconds


def _write_result(store, res: dict, shared: bool = False) -> tuple[int, int, float]:
    """Write one clustered group of blocks (one transaction; `shared`: beside the other
    writers, see Store.write): (mentions moved, review pairs, seconds)."""
    t0 = time.perf_counter()
    members = [Member(*m) for m in res["members"]]
    clusters = [[members[i] for i in c] for c in res["clusters"]]
    block_of = {m.id: b for m, b in zip(members, res["block_of"])}
    by_id = {m.id: m for m in members}
    uncertain = [(by_id[a], by_id[b], s, merged, blk) for a, b, s, merged, blk in res["uncertain"]]
    before = {m.id: m.project_id for m in members}
    with store.write(shared=shared) as s:
        done = store.resolver.write(s.connection(), members, clusters, uncertain, block_of, (),
                                    {p for p in before.values() if p}, recompute_all=True,
                                    ready=res["ready"])
    moved = sum(1 for mid, pid in done.assigned.items() if before.get(mid) != pid)
    return moved, len(uncertain), time.perf_counter() - t0


def _write_keys(store, pairs: list[tuple[int, int]]) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    with store.write(shared=True) as s:
        copy_keys(s.connection(), pairs)
    return 0, 0, time.perf_counter() - t0


def copy_keys(conn, pairs: list[tuple[int, int]]) -> None:
    """Insert (key, mention id) rows: COPY on PostgreSQL, else a multi-row insert."""
    copy_rows(conn, _K.insert(), [{"key": k, "mention_id": m} for k, m in pairs])
