"""One block too large for one task, clustered in parts on the Dask workers.

A national company chains most of an archive's mentions into one block (the generated
20,000 articles put 69 % of their mentions in one). Clustered in one task, that block
sets a floor under the resolution however many workers there are. cluster.cluster()
runs in stages, and each stage divides among workers:

    features_task ×N      features of slices of the block's rows
    prepare_task          canonical order, partners, candidate pairs (kept on its worker;
                          Dask copies it to the workers that score and merge)
    score_task ×N         scores of slices of the candidate pairs (score_pairs is a pure
                          function of the pairs it is given)
    (client)              split_pairs: the components merging never looks across
    merge_task ×N         merge and aggregate groups of whole components

The outcome is cluster()'s, stage for stage, so the registry is the one a single-process
rebuild gives (tests/scale/test_distributed.py). SplitBlock is a small state machine:
the client's loop hands it each of its futures as it finishes, so the stages run while
the workers and the client go on with the other blocks. What stays serial is
prepare_task (about a fifth of the block's work) and the client's part: reading the
rows, split_pairs, writing.
"""
from __future__ import annotations

import pickle
import time

from kzinvest.registry import aggregate
from kzinvest.registry.cluster import (banned_pairs, candidate_pairs, merge_component,
                                      prepare, score_pairs, split_pairs)
from kzinvest.registry.features import features
from kzinvest.registry.mention_rows import NAMES, member_fields, pack, rows_of

PAIRS_PER_TASK = 50_000      # candidate pairs per scoring task


# -- on the workers ---------------------------------------------------------------------------

def features_task(payload: bytes) -> tuple[list, float]:
    t0 = time.perf_counter()
    feats = [features(r, r.doc_hash) for r in rows_of(pickle.loads(payload))]
    return feats, time.perf_counter() - t0


def prepare_task(payload: bytes, *parts: tuple) -> tuple:
    """(feats in canonical order, candidate pairs, banned pairs, seconds) of the block."""
    t0 = time.perf_counter()
    keys, cannot = pickle.loads(payload)
    feats = prepare([f for part in parts for f in part[0]])
    return (feats, candidate_pairs(feats, keys), banned_pairs(feats, cannot),
            time.perf_counter() - t0)


def prepared_order(prepared: tuple) -> tuple[list[int], int, float]:
    """The block's mention ids in canonical order, its number of candidate pairs, and
    prepare_task's seconds: all the client needs of the prepared block."""
    return [f.id for f in prepared[0]], len(prepared[1]), prepared[3]


def score_task(prepared: tuple, start: int, stop: int, model) -> tuple:
    t0 = time.perf_counter()
    feats, pairs, banned, _ = prepared
    scored, contradicted = score_pairs(feats, pairs[start:stop], model, banned)
    return scored, contradicted, time.perf_counter() - t0


def merge_task(prepared: tuple, payload: bytes, model) -> dict:
    """Merge and aggregate a group of components; resolve_cluster.cluster_task's result for
    their mentions."""
    t0 = time.perf_counter()
    comps, must, raw, aliases, block = pickle.loads(payload)
    feats, _, banned, _ = prepared
    clusters, uncertain = [], []
    for comp, sc, co in comps:
        res = merge_component(feats, comp, sc, co, model, must, banned)
        clusters += res.clusters
        uncertain += [(a.id, b.id, s, m, block) for a, b, s, m in res.uncertain]
    row_of = {r.id: r for r in rows_of(raw)}
    # a cluster none of whose mentions fed a project is new, whatever the other groups hold
    # (the others get their project in Resolver.write, which sees the whole block)
    ready = {i: aggregate.project_fields([row_of[f.id] for f in members], {}, aliases)
             for i, members in enumerate(clusters)
             if not any(f.project_id or f.carry for f in members)}
    mine = [feats[i] for comp, _, _ in comps for i in comp]
    pos = {f.id: n for n, f in enumerate(mine)}
    return {"members": [member_fields(f) for f in mine],
            "clusters": [[pos[f.id] for f in members] for members in clusters],
            "uncertain": uncertain, "ready": ready, "seconds": time.perf_counter() - t0}


# -- in the client ----------------------------------------------------------------------------

class SplitBlock:
    """The stages of one block in flight. `futures` are those to watch; `advance(fut)` takes
    one that finished and returns the futures it submitted in turn; `result` is
    cluster_task's result once the last merge is in; `task_seconds` the tasks' seconds."""

    def __init__(self, client, model, resolver_model, ids: list[int], inputs: tuple,
                 keys: dict, chunk: int) -> None:
        raw, self.must, cannot, self.aliases = inputs
        self.client, self.model, self.local_model = client, model, resolver_model
        self.raw, self.chunk, self.block = raw, chunk, min(ids)
        self.result: dict | None = None
        self.task_seconds: list[float] = []
        step = -(-len(raw) // max(2, len(client.nthreads())))
        self.parts = [client.submit(features_task, pack(raw[a:a + step]), pure=False)
                      for a in range(0, len(raw), step)]
        self.prepared = client.submit(prepare_task, pack((keys, cannot)), *self.parts,
                                      pure=False)
        self.stage = "prepare"
        self.waiting = [client.submit(prepared_order, self.prepared, pure=False)]
        self.futures = list(self.waiting)
        self.order: list[int] = []                 # the block's ids, canonical order
        self.scored: list = []
        self.contradicted: list = []
        self.position: dict = {}                   # merge future key -> its group
        self.merged: dict[int, dict] = {}

    def advance(self, fut) -> list:
        got = fut.result()
        fut.release()
        self.waiting = [f for f in self.waiting if f.key != fut.key]
        new = []
        if self.stage == "prepare":
            self.order, npairs, secs = got
            self.task_seconds += [secs] + [p.result()[1] for p in self.parts]
            for p in self.parts:
                p.release()
            new = [self.client.submit(score_task, self.prepared, a, a + PAIRS_PER_TASK,
                                      self.model, pure=False)
                   for a in range(0, npairs, PAIRS_PER_TASK)]
            self.stage = "score"
        elif self.stage == "score":
            self.scored += got[0]
            self.contradicted += got[1]
            self.task_seconds.append(got[2])
        else:
            self.merged[self.position[fut.key]] = got
            self.task_seconds.append(got["seconds"])
        if self.stage == "score" and not self.waiting and not new:
            new = self._submit_merges()
            self.stage = "merge"
        elif self.stage == "merge" and not self.waiting and not new:
            self.prepared.release()
            self.result = self._combine()
        self.waiting += new
        return new

    def _submit_merges(self) -> list:
        comps = split_pairs(self.order, self.scored, self.contradicted, self.local_model,
                            self.must)
        self.scored = self.contradicted = None
        row_at = {t[0]: t for t in self.raw}
        company = NAMES.index("company_id")
        futures, group, size = [], [], 0
        for n, comp in enumerate(comps):
            group.append(comp)
            size += len(comp[0])
            if size >= self.chunk or n == len(comps) - 1:
                raw = [row_at[self.order[i]] for c, _, _ in group for i in c]
                cids = {t[company] for t in raw}
                payload = pack((group, self.must, raw,
                                {c: self.aliases[c] for c in cids if c in self.aliases},
                                self.block))
                futures.append(self.client.submit(merge_task, self.prepared, payload,
                                                  self.model, pure=False))
                group, size = [], 0
        self.raw = None
        self.position = {f.key: n for n, f in enumerate(futures)}
        return futures

    def _combine(self) -> dict:
        """One result, its clusters in canonical order (by their first member) as cluster()
        gives them."""
        members, clusters, uncertain = [], [], []
        for n in sorted(self.merged):
            res = self.merged[n]
            off = len(members)
            members += res["members"]
            clusters += [([off + i for i in c], res["ready"].get(k))
                         for k, c in enumerate(res["clusters"])]
            uncertain += res["uncertain"]
        clusters.sort(key=lambda c: members[c[0][0]][3:5])
        return {"members": members, "clusters": [c for c, _ in clusters],
                "block_of": [self.block] * len(members), "uncertain": uncertain,
                "ready": {k: r for k, (_, r) in enumerate(clusters) if r is not None},
                "seconds": sum(self.task_seconds)}
