"""Clustering mentions into projects, deterministically.

Input: the mentions of some blocks (features.Feat), their blocking keys, the analysts'
constraints (must-link, cannot-link). Output: clusters, and the uncertain decisions for
the review queue.

1. Candidate pairs: mentions sharing a blocking key (a key held by more than BUCKET_CAP
   mentions pairs each only with its WINDOW nearest in (sector, region, date) order).
2. Pairs are scored (scoring.Model), the block is cut into the components that merging
   never looks across (split_pairs), and in each the pairs are visited best first; two
   groups merge when their linkage reaches the threshold: linkage = prior + the best
   identity evidence between them (some investor or project name in common) + the MEAN
   context evidence over all pairs across them (place, sector, amount, dates agree); a
   pair across them that cannot be one project (two records of one article by one
   investor, an analyst's "keep apart", a hard contradiction:
   scoring.hard_contradiction) blocks the merge.
3. Everything is ordered by the mentions' canonical identity (document content hash,
   record ordinal), never by database ids: the same mentions give the same clusters in
   whatever order they were stored. Blocks are resolved independently (no pair crosses
   two blocks), so resolving a union of blocks gives the union of their clusterings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kzinvest.registry.features import Feat, assign_partners
from kzinvest.registry.scoring import Model

BUCKET_CAP = 120
WINDOW = 30
LINK_CAP = 60          # members of a group compared in a linkage (the first, canonically)
PASSES = 3


@dataclass
class Result:
    clusters: list[list[Feat]]
    # (a, b, linkage, merged): decisions within the review band
    uncertain: list[tuple[Feat, Feat, float, bool]] = field(default_factory=list)


def candidate_pairs(feats: list[Feat], keys_of: dict[int, set]) -> list[tuple[int, int]]:
    """Index pairs (into `feats`, sorted canonically) of mentions sharing a key."""
    buckets: dict = {}
    for i, f in enumerate(feats):
        for k in keys_of.get(f.id, ()):
            buckets.setdefault(k, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        if len(members) <= BUCKET_CAP:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
            continue
        order = sorted(members, key=lambda i: (feats[i].sector or "", feats[i].region or "",
                                               feats[i].day or 0, feats[i].canon))
        for x in range(len(order)):
            for y in range(x + 1, min(len(order), x + 1 + WINDOW)):
                a, b = order[x], order[y]
                pairs.add((a, b) if a < b else (b, a))
    return sorted(pairs)


def components(feats: list[Feat], keys_of: dict[int, set]) -> list[list[Feat]]:
    """Connected groups of mentions (two are connected when they share a key)."""
    parent = list(range(len(feats)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict = {}
    for i, f in enumerate(feats):
        for k in keys_of.get(f.id, ()):
            j = first.setdefault(k, i)
            if j != i:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[Feat]] = {}
    for i, f in enumerate(feats):
        groups.setdefault(find(i), []).append(f)
    return list(groups.values())


def cluster(feats: list[Feat], keys_of: dict[int, set], model: Model,
            must: list[tuple[int, int]] = (), cannot: set[tuple[int, int]] = frozenset()
            ) -> Result:
    """Cluster `feats` (any order, ONE block: see assign_partners); `must`/`cannot` hold
    pairs of mention ids."""
    feats = prepare(feats)
    banned = banned_pairs(feats, cannot)
    scored, contradicted = score_pairs(feats, candidate_pairs(feats, keys_of), model, banned)
    out = Result([])
    for comp, sc, co in split_pairs([f.id for f in feats], scored, contradicted, model, must):
        res = merge_component(feats, comp, sc, co, model, must, banned)
        out.clusters += res.clusters
        out.uncertain += res.uncertain
    out.clusters.sort(key=lambda members: members[0].canon)   # canonical, as merge() sorts
    return out


def prepare(feats: list[Feat]) -> list[Feat]:
    """The block's mentions in canonical order, with their partners (assign_partners)."""
    feats = sorted(feats, key=lambda f: f.canon)
    assign_partners(feats)
    return feats


def banned_pairs(feats: list[Feat], cannot) -> set[tuple[int, int]]:
    """`cannot` (pairs of mention ids) as index pairs into `feats`."""
    pos = {f.id: i for i, f in enumerate(feats)}
    return {(min(pos[a], pos[b]), max(pos[a], pos[b])) for a, b in cannot
            if a in pos and b in pos}


def score_pairs(feats: list[Feat], pairs, model: Model, banned=frozenset()
                ) -> tuple[list[tuple[float, int, int]], list[tuple[float, int, int]]]:
    """(scored, contradicted) of candidate index pairs: (-score, i, j) of the pairs that
    may merge, (score, i, j) of those kept apart by a hard contradiction only. A pure
    function of the pairs given: any split of the pairs gives the parts of the whole."""
    scored, contradicted = [], []
    for i, j in pairs:
        if (i, j) in banned:
            continue
        c = model.compare(feats[i], feats[j])
        if c is None:
            continue
        score = model.prior + c[0] + c[1]
        if not c[3]:
            scored.append((-score, i, j))
        elif c[2] and score >= model.threshold:     # kept apart by a contradiction only
            contradicted.append((score, i, j))
    return scored, contradicted


def split_pairs(ids: list[int], scored, contradicted, model: Model, must=()
                ) -> list[tuple[list[int], list, list]]:
    """The block cut where merge() never looks across: (component, its scored pairs, its
    contradicted pairs) for the prepared mentions whose ids are `ids`, the components in
    canonical order (by their first member's index). Two mentions are in one component
    when a chain of pairs joins them that merge() may act on: a pair scored at or above the
    review band's floor, a contradicted pair (offered for review) or an analyst's
    must-link. merge() only joins groups over such pairs and only compares the members of
    the groups it joins, so merging each component by itself gives the clusters and the
    review pairs of merging the whole block: the big block of a national archive is merged
    in parts, on several workers (resolve_cluster.py)."""
    n = len(ids)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    lo = model.threshold + model.band[0]
    for neg, i, j in scored:
        if -neg >= lo:
            join(i, j)
    for _, i, j in contradicted:
        join(i, j)
    pos = {mid: i for i, mid in enumerate(ids)}
    for a, b in must:
        if a in pos and b in pos:
            join(pos[a], pos[b])
    comps: dict[int, list[int]] = {}
    for i in range(n):
        comps.setdefault(find(i), []).append(i)
    sc: dict[int, list] = {}
    co: dict[int, list] = {}
    for t in scored:
        if -t[0] >= lo:
            sc.setdefault(find(t[1]), []).append(t)
    for t in contradicted:
        co.setdefault(find(t[1]), []).append(t)
    return [(comps[r], sc.get(r, []), co.get(r, [])) for r in sorted(comps)]


def merge_component(feats: list[Feat], comp: list[int], scored, contradicted, model: Model,
                    must=(), banned=frozenset()) -> Result:
    """merge() of one component of split_pairs (indices into the prepared `feats`)."""
    if len(comp) == 1:
        return Result([[feats[comp[0]]]])
    local = {g: n for n, g in enumerate(comp)}
    sub = [feats[g] for g in comp]
    return merge(sub, [(s, local[i], local[j]) for s, i, j in scored],
                 [(s, local[i], local[j]) for s, i, j in contradicted], model, must,
                 {(local[i], local[j]) for i, j in banned if i in local and j in local})


def merge(feats: list[Feat], scored, contradicted, model: Model,
          must: list[tuple[int, int]] = (), banned=frozenset()) -> Result:
    """Greedy best-first merging of prepared `feats` over their scored pairs (any order:
    sorted here)."""
    n = len(feats)
    pos = {f.id: i for i, f in enumerate(feats)}
    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    full: dict[tuple[int, int], tuple | None] = {}

    def compare(i: int, j: int):
        key = (i, j) if i < j else (j, i)
        if key not in full:
            full[key] = None if key in banned else model.compare(feats[key[0]], feats[key[1]])
        return full[key]

    def pair(i: int, j: int):
        """(identity, context, support) or None (never one project, or contradicting)."""
        c = compare(i, j)
        return None if c is None or c[3] else c

    def union(ri: int, rj: int) -> int:
        root, other = (ri, rj) if ri < rj else (rj, ri)
        parent[other] = root
        members[root] += members.pop(other)
        return root

    def linkage(ri: int, rj: int) -> float | None:
        a, b = members[ri][:LINK_CAP], members[rj][:LINK_CAP]
        best, total = float("-inf"), 0.0
        named_a, named_b = set(), set()
        for i in a:
            for j in b:
                p = pair(i, j)
                if p is None or p[1] < model.veto:
                    return None
                best = max(best, p[0])
                total += p[1]
                if p[2]:
                    named_a.add(i)
                    named_b.add(j)
        # every mention of one side names (or is named by) the other side: a partner's own
        # article joins its joint venture, but two ventures that merely share a partner
        # (a national company in many) stay apart
        if len(named_a) < len(a) and len(named_b) < len(b):
            return None
        return model.prior + best + total / (len(a) * len(b))

    for a, b in must:
        if a in pos and b in pos:
            ri, rj = find(pos[a]), find(pos[b])
            if ri != rj and not any((min(i, j), max(i, j)) in banned
                                    for i in members[ri] for j in members[rj]):
                union(ri, rj)

    scored = sorted(scored)
    lo = model.threshold + model.band[0]
    merged_at: list[tuple[float, int, int]] = []
    for _ in range(PASSES):
        changed = False
        tried: set = set()
        for neg, i, j in scored:
            if -neg < lo:
                break
            ri, rj = find(i), find(j)
            if ri == rj:
                continue
            key = (min(ri, rj), max(ri, rj), len(members[ri]), len(members[rj]))
            if key in tried:
                continue
            tried.add(key)
            link = linkage(ri, rj)
            if link is not None and link >= model.threshold:
                union(ri, rj)
                merged_at.append((link, i, j))
                changed = True
        if not changed:
            break

    uncertain: list[tuple[Feat, Feat, float, bool]] = []
    hi = model.threshold + model.band[1]
    for link, i, j in merged_at:
        if link < hi:
            uncertain.append((feats[i], feats[j], link, True))
    seen: set = set()
    for neg, i, j in scored:           # best pair first: the representative of two groups
        if -neg < lo:                  # (split_pairs relies on this floor)
            break
        ri, rj = find(i), find(j)
        if ri == rj or (min(ri, rj), max(ri, rj)) in seen:
            continue
        seen.add((min(ri, rj), max(ri, rj)))
        link = linkage(ri, rj)
        if link is not None and lo <= link < model.threshold:
            uncertain.append((feats[i], feats[j], link, False))
    # Pairs that look like one project but for one hard contradiction (an extractor that put
    # the same wind farm in two regions): an analyst should see them.
    for soft, i, j in sorted(contradicted, key=lambda x: (-x[0], x[1], x[2])):
        ri, rj = find(i), find(j)
        key = (min(ri, rj), max(ri, rj))
        if ri != rj and key not in seen and soft >= model.threshold:
            seen.add(key)
            uncertain.append((feats[i], feats[j], soft, False))
    clusters = [[feats[i] for i in sorted(m)] for _, m in sorted(members.items())]
    return Result(clusters, uncertain)
