"""Analysts' resolution decisions as constraints: merge (must-link), keep apart and split
(cannot-link).

A decision names mentions by stable references, not by row ids (which re-extraction
replaces): the document's content hash, the record's ordinal, the investor's company key
and the sector. A reference finds its mention again after re-extraction or a rebuild:
same document and investor (the ordinal and sector break ties), else the same ordinal,
else the document's only record.
"""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select

from kzinvest.normalise.names import company_key
from kzinvest.registry.features import Feat
from kzinvest.registry.models import ResolutionDecision

ACTIONS = ("merge", "apart", "split")
_D = ResolutionDecision.__table__
_SEL = (select(_D.c.id, _D.c.action, _D.c.a_ref, _D.c.b_ref, _D.c.apart, _D.c.created_at)
        .where(or_(_D.c.a_hash.in_(bindparam("hashes", expanding=True)),
                   _D.c.b_hash.in_(bindparam("hashes2", expanding=True))))
        .order_by(_D.c.created_at, _D.c.id))


def reference(investor: str | None, sector: str | None, doc_hash: str, ordinal: int) -> dict:
    from kzinvest.registry.features import _key
    return {"hash": doc_hash, "ordinal": int(ordinal),
            "investor": _key(investor) if investor else "", "sector": sector or "other"}


def ref_of(f: Feat, investor: str | None, sector: str | None) -> dict:
    return reference(investor, sector, f.canon[0], f.canon[1])


def find(ref: dict | None, by_hash: dict[str, list[tuple[Feat, dict]]]) -> Feat | None:
    """The mention a reference names among `by_hash` (doc hash -> [(feat, its ref)])."""
    if not ref:
        return None
    cands = by_hash.get(ref.get("hash"), [])
    if not cands:
        return None
    same = [(f, r) for f, r in cands if r["investor"] == ref.get("investor")]
    if same:
        same.sort(key=lambda fr: (fr[1]["ordinal"] != ref.get("ordinal"),
                                  fr[1]["sector"] != ref.get("sector"), fr[1]["ordinal"]))
        return same[0][0]
    for f, r in cands:
        if r["ordinal"] == ref.get("ordinal") and not ref.get("investor"):
            return f
    return cands[0][0] if len(cands) == 1 else None


_ANY = select(_D.c.id).limit(1)
SLICE = 5000       # hashes per statement (SQLite takes at most 32,766 parameters)


def load(conn, hashes) -> list:
    """Decisions naming any of these documents, in the order they were made."""
    hashes = sorted(set(hashes))
    if not hashes or (len(hashes) > SLICE and conn.scalar(_ANY) is None):
        return []
    rows = {}
    for i in range(0, len(hashes), SLICE):
        part = hashes[i:i + SLICE]
        for r in conn.execute(_SEL, {"hashes": part, "hashes2": part}):
            rows[r.id] = r
    return sorted(rows.values(), key=lambda r: (r.created_at, r.id))


def constraints(rows, by_hash) -> tuple[list[tuple[int, int]], set[tuple[int, int]],
                                        dict[int, set[str]]]:
    """(must-link pairs, cannot-link pairs, merge keys per mention) of decision rows (in
    the order they were made: a later decision about the same two mentions wins)."""
    latest: dict[tuple[int, int], tuple[str, int]] = {}
    for row in rows:
        a = find(row.a_ref, by_hash)
        if a is None:
            continue
        if row.action == "split":
            for ref in row.apart or []:
                b = find(ref, by_hash)
                if b is not None and b.id != a.id:
                    latest[(min(a.id, b.id), max(a.id, b.id))] = ("apart", row.id)
            continue
        b = find(row.b_ref, by_hash)
        if b is None or b.id == a.id:
            continue
        latest[(min(a.id, b.id), max(a.id, b.id))] = (row.action, row.id)
    must, cannot, keys = [], set(), {}
    for pair, (action, did) in sorted(latest.items()):
        if action == "merge":
            must.append(pair)
            for m in pair:
                keys.setdefault(m, set()).add(f"m:{did}")
        else:
            cannot.add(pair)
    return must, cannot, keys
