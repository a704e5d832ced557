"""Entity resolution: which mentions are one undertaking. The one place that decides it,
called by ingest (new documents), re-extraction, analysts' decisions and `resolve --rebuild`.

Blocks. Every mention has blocking keys (features.py); mentions sharing a key are linked,
and a block is a connected group of linked mentions (stored in mentions.block, the keys in
mention_keys). Clustering a block depends only on the mentions in it (cluster.py), so:
- ingesting a document re-resolves exactly the blocks its mentions join (all of each,
  merged when the new mentions connect them): the same as resolving everything again;
- the projects are a function of the stored mentions alone, whatever the order or
  batching of ingestion (tests/registry/test_resolution_order.py), and `resolve --rebuild`
  (rebuild()) recomputes them from scratch.

Project ids. A cluster keeps the id of the project most of its mentions fed before; a
project no cluster keeps is removed, except that its analysts' overrides move to the
cluster that took most of its mentions, or stay on it (kept empty) when there is none.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, insert, or_, select, text, update

from kzinvest.registry import aggregate, decisions
from kzinvest.registry.bulk import copy_rows, insert_with_ids
from kzinvest.registry.cluster import cluster, components
from kzinvest.registry.features import Feat, document_keys, features, stable_hash
from kzinvest.registry.models import (Document, Mention, MentionKey, Override, Project,
                                      ReviewPair, utcnow)
from kzinvest.registry.scoring import Model, load_model

_M, _D, _K = Mention.__table__, Document.__table__, MentionKey.__table__
_P, _O, _R = Project.__table__, Override.__table__, ReviewPair.__table__
_IDS = bindparam("ids", expanding=True)
_BLOCKS = bindparam("blocks", expanding=True)
_ROW_COLS = (_M.c.id, _M.c.document_id, _M.c.ordinal, _M.c.investor, _M.c.investor_country,
             _M.c.region, _M.c.city, _M.c.sector, _M.c.amount_usd, _M.c.jobs, _M.c.stage,
             _M.c.date, _M.c.evidence, _M.c.extra, _M.c.project_id, _M.c.block,
             _M.c.company_id, _D.c.content_hash.label("doc_hash"))
_SEL_BY_ID = select(*_ROW_COLS).join(_D, _D.c.id == _M.c.document_id).where(_M.c.id.in_(_IDS))
_SEL_BY_BLOCK = (select(*_ROW_COLS).join(_D, _D.c.id == _M.c.document_id)
                 .where(or_(_M.c.block.in_(_BLOCKS), _M.c.id.in_(_IDS))))
_SEL_KEYS = (select(_K.c.mention_id, _K.c.key).join(_M, _M.c.id == _K.c.mention_id)
             .where(or_(_M.c.block.in_(_BLOCKS), _M.c.id.in_(_IDS))))
_SEL_BLOCKS_BY_KEY = (select(_M.c.block).distinct().join(_K, _K.c.mention_id == _M.c.id)
                      .where(_K.c.key.in_(bindparam("keys", expanding=True)),
                             _M.c.block.is_not(None)))
_SEL_BLOCKS_BY_PROJECT = (select(_M.c.block).distinct()
                          .where(_M.c.project_id.in_(_IDS), _M.c.block.is_not(None)))
_INS_KEYS = insert(_K)
_DEL_KEYS = delete(_K).where(_K.c.mention_id.in_(_IDS))
_UPD_MENTION = (update(_M).where(_M.c.id == bindparam("_id"))
                .values(project_id=bindparam("_pid"), block=bindparam("_block")))
_INS_PROJECTS = insert(_P).returning(_P.c.id, sort_by_parameter_order=True)
_SEL_WITH_OVERRIDES = select(_O.c.project_id).distinct().where(_O.c.project_id.in_(_IDS))
_MOVE_OVERRIDES = (update(_O).where(_O.c.project_id == bindparam("_old"))
                   .values(project_id=bindparam("_new")))
_DEL_REVIEW = delete(_R).where(_R.c.block.in_(_BLOCKS))
_INS_REVIEW = insert(_R)
FEATURE_CACHE = 50_000       # mentions whose features are kept between resolutions
MANY = 50                    # new projects from which they are copied (COPY), not inserted


@dataclass
class Outcome:
    assigned: dict[int, int] = field(default_factory=dict)        # mention id -> project id
    projects_new: set[int] = field(default_factory=set)
    projects_touched: set[int] = field(default_factory=set)       # changed or new, alive
    removed: set[int] = field(default_factory=set)
    overrides_moved: dict[int, int] = field(default_factory=dict)  # old project -> new
    overrides_kept: list[int] = field(default_factory=list)       # kept empty for them


def new_project_row(sector: str = "other", stage: str = "negotiation") -> dict:
    now = utcnow()
    return dict(company_id=None, investor=None, sector=sector, stage=stage, stage_rank=0,
                health=0.0, sources_count=0, mentions_count=0, conflicts={}, search_text="",
                created_at=now, updated_at=now)


class Resolver:
    """Resolution over one store's database; `model` is the pairwise score."""

    def __init__(self, model: Model | None = None) -> None:
        self.model = model or load_model()
        self._cache: dict[tuple, Feat] = {}

    # -- features ---------------------------------------------------------------------
    def feat(self, row) -> Feat:
        key = (row.id, row.document_id, row.ordinal, row.investor, row.investor_country,
               row.region, row.city, row.sector, row.amount_usd, row.jobs, row.stage,
               row.date, row.doc_hash)
        f = self._cache.get(key)
        if f is None:
            if len(self._cache) >= FEATURE_CACHE:
                self._cache.clear()
            f = self._cache[key] = features(row, row.doc_hash)
        f.project_id, f.block, f.company_id, f.carry = (row.project_id, row.block,
                                                        row.company_id, None)
        return f

    # -- keys -------------------------------------------------------------------------
    def index(self, conn, mention_ids, fresh: bool = False) -> dict[int, set[int]]:
        """Compute and store the blocking keys of new mentions (whole documents at a
        time: some keys depend on the other records of the article). `fresh`: documents
        stored just now (no decision can name them yet, no keys exist)."""
        ids = sorted(mention_ids)
        if not ids:
            return {}
        rows = conn.execute(_SEL_BY_ID, {"ids": ids}).all()
        by_doc: dict[int, list] = {}
        for r in rows:
            by_doc.setdefault(r.document_id, []).append(r)
        hashes = {r.doc_hash for r in rows}
        keys: dict[int, set[str]] = {}
        for doc_rows in by_doc.values():
            keys.update(document_keys([self.feat(r) for r in doc_rows]))
        decided = [] if fresh else decisions.load(conn, hashes)
        if decided:
            refs = _by_hash([(r, self.feat(r)) for r in rows])
            _, _, merge_keys = decisions.constraints(decided, refs)
            for mid, extra in merge_keys.items():
                if mid in keys:
                    keys[mid] |= extra
        hashed = {mid: {stable_hash(k) for k in ks} for mid, ks in keys.items()}
        if not fresh:
            conn.execute(_DEL_KEYS, {"ids": ids})
        rows_out = [{"key": k, "mention_id": mid} for mid, ks in hashed.items() for k in ks]
        if rows_out:
            conn.execute(_INS_KEYS, rows_out)
        return hashed

    # -- incremental ------------------------------------------------------------------
    def resolve(self, conn, seeds, projects=(), carry: dict[int, int] | None = None,
                new_keys: dict[int, set[int]] | None = None, fresh: bool = False) -> Outcome:
        """Re-resolve every block the mentions `seeds` belong to or are linked to, and the
        blocks of `projects` (projects that lost mentions). `carry`: mention id -> the
        project its record fed before re-extraction. `new_keys`: the seeds' keys when
        index() just computed them."""
        seeds = sorted(set(seeds))
        carry = carry or {}
        projects = set(projects) | set(carry.values())
        blocks: set[int] = set()
        if seeds:
            keys = set()
            if new_keys is None:
                for mid, k in conn.execute(
                        select(_K.c.mention_id, _K.c.key).where(_K.c.mention_id.in_(_IDS)),
                        {"ids": seeds}):
                    keys.add(k)
            else:
                for ks in new_keys.values():
                    keys |= ks
            if keys:
                blocks |= set(conn.scalars(_SEL_BLOCKS_BY_KEY, {"keys": sorted(keys)}))
            if not fresh:
                blocks |= {b for b in conn.scalars(
                    select(_M.c.block).where(_M.c.id.in_(_IDS)), {"ids": seeds})
                    if b is not None}
        if projects:
            blocks |= set(conn.scalars(_SEL_BLOCKS_BY_PROJECT, {"ids": sorted(projects)}))
        params = {"blocks": sorted(blocks), "ids": seeds}
        rows = conn.execute(_SEL_BY_BLOCK, params).all()
        keys_of: dict[int, set[int]] = {}
        for mid, k in conn.execute(_SEL_KEYS, params):
            keys_of.setdefault(mid, set()).add(k)
        return self._settle(conn, rows, keys_of, blocks, projects, carry,
                            undecided=fresh and not blocks)

    def _settle(self, conn, rows, keys_of, old_blocks, projects, carry,
                undecided: bool = False) -> Outcome:
        feats = [self.feat(r) for r in rows]
        for f in feats:
            f.carry = carry.get(f.id)
        must, cannot = [], set()
        decided = [] if undecided else decisions.load(conn, {r.doc_hash for r in rows})
        if decided:        # (only new documents: no decision names them)
            must, cannot, _ = decisions.constraints(decided, _by_hash(zip(rows, feats)))
        clusters, uncertain, block_of = [], [], {}
        for comp in components(feats, keys_of):
            block = min(f.id for f in comp)
            res = cluster(comp, keys_of, self.model, must, cannot)
            clusters += res.clusters
            uncertain += [(a, b, s, m, block) for a, b, s, m in res.uncertain]
            for f in comp:
                block_of[f.id] = block
        return self.write(conn, feats, clusters, uncertain, block_of, old_blocks, projects)

    # -- writing the outcome ----------------------------------------------------------
    def write(self, conn, feats, clusters, uncertain, block_of, old_blocks, projects,
              recompute: bool = True, recompute_all: bool = False,
              ready: dict | None = None) -> Outcome:
        """Write clusters (lists of Feat, or of anything with its id, project_id, block,
        carry, canon and sector) as projects. `ready`: cluster index -> (fields, investors,
        events) of aggregate.project_fields, computed elsewhere (a Dask worker) for clusters
        that become new projects: those are inserted whole and not recomputed here."""
        out = Outcome()
        old = {f.project_id for f in feats if f.project_id} | {f.carry for f in feats
                                                                if f.carry} | set(projects)
        pid_of = assign(clusters)
        creating = [i for i in range(len(clusters)) if pid_of.get(i) is None]
        ready = ready or {}
        whole: dict[int, int] = {}          # project id -> cluster index, inserted whole
        if creating:
            rows = [_ready_row(ready[i][0]) if i in ready else
                    new_project_row(_first_sector(clusters[i]), "negotiation") for i in creating]
            if ready and len(ready) < len(creating):     # one set of columns for every row
                blank = dict.fromkeys(aggregate.WRITTEN)
                rows = [{**blank, **r} for r in rows]
            ids = (insert_with_ids(conn, _INS_PROJECTS, rows) if len(rows) >= MANY else
                   conn.execute(_INS_PROJECTS, rows).scalars().all())
            for i, pid in zip(creating, ids):
                pid_of[i] = pid
                out.projects_new.add(pid)
                if i in ready:
                    whole[pid] = i
        updates, touched = [], set(out.projects_new)
        for i, members in enumerate(clusters):
            pid = pid_of[i]
            for f in members:
                out.assigned[f.id] = pid
                block = block_of[f.id]
                if f.project_id != pid or f.block != block:
                    updates.append({"_id": f.id, "_pid": pid, "_block": block})
                    touched.add(pid)
                    if f.project_id:
                        touched.add(f.project_id)
                    f.project_id, f.block = pid, block
        if updates:
            update_mentions(conn, updates)
        kept = set()
        orphans = sorted(old - set(pid_of.values()))
        if orphans:
            with_overrides = set(conn.scalars(_SEL_WITH_OVERRIDES, {"ids": orphans}))
            for pid in orphans:
                if pid not in with_overrides:
                    continue
                dest = successor(pid, clusters, pid_of)
                if dest is None:
                    kept.add(pid)
                    out.overrides_kept.append(pid)
                else:
                    conn.execute(_MOVE_OVERRIDES, {"_old": pid, "_new": dest})
                    out.overrides_moved[pid] = dest
                    touched.add(dest)
                    whole.pop(dest, None)        # it has overrides now: recomputed below
        if old_blocks:       # a new block's id is a new mention's: no review rows yet
            conn.execute(_DEL_REVIEW, {"blocks": sorted(set(old_blocks) | set(block_of.values()))})
        if uncertain:
            now = utcnow()
            conn.execute(_INS_REVIEW, [
                {"block": blk, "a_mention": a.id, "b_mention": b.id, "score": round(s, 3),
                 "merged": merged, "created_at": now} for a, b, s, merged, blk in uncertain])
        touched |= set(orphans)
        if recompute_all:
            touched |= set(pid_of.values())
        if whole:
            _insert_parts(conn, {pid: ready[i] for pid, i in whole.items()})
        if recompute and touched - set(whole):
            alive = aggregate.recompute_many(conn, touched - set(whole), keep_empty=False,
                                             keep=kept)
            out.removed = touched - set(whole) - alive
        out.projects_touched = (touched - out.removed) if recompute else touched
        return out


def _ready_row(fields: dict) -> dict:
    row = new_project_row()
    row.update(fields)
    return row


def _insert_parts(conn, parts: dict[int, tuple]) -> None:
    """Investors and events of projects inserted whole (pid -> project_fields' result)."""
    investors, events = [], []
    for pid in sorted(parts):
        _, invs, evs = parts[pid]
        investors += [{"project_id": pid, "position": n, **inv} for n, inv in enumerate(invs)]
        events += [{"project_id": pid, **ev} for ev in evs]
    copy_rows(conn, aggregate._INS_INVESTORS, investors)
    copy_rows(conn, aggregate._INS_EVENTS, events)


_UNNEST_UPDATE = text(
    "UPDATE mentions AS m SET project_id = v.pid, block = v.blk FROM "
    "(SELECT unnest(CAST(:ids AS integer[])) AS id, unnest(CAST(:pids AS integer[])) AS pid, "
    "unnest(CAST(:blks AS integer[])) AS blk) AS v WHERE m.id = v.id")


def update_mentions(conn, updates: list[dict]) -> None:
    """Set project and block of many mentions: on PostgreSQL one set-based statement (the
    values as three arrays), elsewhere one statement per row."""
    if conn.dialect.name == "postgresql":
        conn.execute(_UNNEST_UPDATE, {"ids": [u["_id"] for u in updates],
                                      "pids": [u["_pid"] for u in updates],
                                      "blks": [u["_block"] for u in updates]})
    else:
        conn.execute(_UPD_MENTION, updates)


def assign(clusters: list[list[Feat]]) -> dict[int, int | None]:
    """Project id per cluster: the project most of its mentions fed (a record carried over
    from re-extraction counts half), each id to one cluster; None for a new project."""
    votes = []
    for i, members in enumerate(clusters):
        count: dict[int, float] = {}
        for f in members:
            if f.project_id:
                count[f.project_id] = count.get(f.project_id, 0) + 1.0
            elif f.carry:
                count[f.carry] = count.get(f.carry, 0) + 0.5
        first = min(f.canon for f in members)
        votes += [(-n, pid, first, i) for pid, n in count.items()]
    votes.sort()
    out: dict[int, int | None] = {i: None for i in range(len(clusters))}
    used: set[int] = set()
    for _, pid, _, i in votes:
        if out[i] is None and pid not in used:
            out[i] = pid
            used.add(pid)
    return out


def successor(pid: int, clusters, pid_of) -> int | None:
    """The project that took most of project `pid`'s mentions (or carried records)."""
    best: tuple[float, int] | None = None
    for i, members in enumerate(clusters):
        n = sum(1.0 if f.project_id == pid else 0.5 if f.carry == pid else 0.0
                for f in members)
        if n and (best is None or (n, -pid_of[i]) > (best[0], -best[1])):
            best = (n, pid_of[i])
    return best[1] if best else None


def _first_sector(members: list[Feat]) -> str:
    return next((f.sector for f in members if f.sector), "other")


def _by_hash(pairs) -> dict[str, list]:
    """doc hash -> [(feat, reference)] for decisions.find."""
    out: dict[str, list] = {}
    for r, f in pairs:
        out.setdefault(r.doc_hash, []).append(
            (f, decisions.reference(r.investor, r.sector, r.doc_hash, r.ordinal)))
    return out
