"""Company links: parent/subsidiary and project-company relations between companies
(`kzinvest/data/company_links.csv`: parent, child, kind, source; sources in SOURCES.md).

Resolution uses them so that a group and its subsidiary reporting the same plant ("ERG" and
"ССГПО", the Rudny pellet plant) or an investor and the company it set up for the project
("Svevind" and ТОО «Hyrasia One») are compared as one investor side, and the project's
investors get their roles (parent, project company).

Names are matched on company keys (kzinvest.normalise.names), through the extractor's
company reference list when it knows the name, so every alias of a linked company links.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kzinvest.normalise.names import company_key, known_company

KINDS = ("subsidiary", "project_company")
# Reference-list roles that never make a company an investor side (a sovereign fund or a
# development bank "owning" a plant would tie every one of its portfolio's projects).
NOT_A_PARENT = ("agency", "financier", "media")


@dataclass(frozen=True)
class Link:
    parent: str
    child: str
    kind: str
    source: str


@lru_cache(maxsize=131072)
def name_keys(name: str) -> frozenset[str]:
    """Every key a name is known by: its own key and, when the company reference list knows
    the name, the keys of its canonical name and all its aliases."""
    keys = {company_key(name)}
    known = known_company(name)
    if known is not None and getattr(known, "role", "company") not in NOT_A_PARENT:
        keys.add(company_key(known.name))
        keys.update(company_key(a) for a in known.aliases)
    keys.discard("")
    return frozenset(keys)


@lru_cache(maxsize=1)
def all_links() -> tuple[Link, ...]:
    from kzinvest.datafiles import read_rows
    try:
        rows = read_rows("company_links.csv")
    except FileNotFoundError:      # pragma: no cover - the file ships with the package
        return ()
    out = []
    for r in rows:
        kind = (r.get("kind") or "").strip()
        if kind in KINDS and r.get("parent") and r.get("child"):
            out.append(Link(r["parent"].strip(), r["child"].strip(), kind,
                            (r.get("source") or "").strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[frozenset[str], str, Link], ...]]:
    """child key -> ((parent keys, kind, link), ...)."""
    idx: dict[str, list] = {}
    for link in all_links():
        parent = known_company(link.parent)
        if parent is not None and getattr(parent, "role", "company") in NOT_A_PARENT:
            continue
        pkeys = name_keys(link.parent)
        for ck in name_keys(link.child):
            idx.setdefault(ck, []).append((pkeys, link.kind, link))
    return {k: tuple(v) for k, v in idx.items()}


@lru_cache(maxsize=1)
def group_keys() -> frozenset[str]:
    """Keys of every company linked above two or more companies (a group with several
    undertakings of its own: КазМунайГаз, Самрук-Энерго, ERG). Sharing such a name says
    little about sharing a project; resolution treats it as a hub's name."""
    children: dict[str, set[str]] = {}
    for link in all_links():
        parent = known_company(link.parent)
        if parent is not None and getattr(parent, "role", "company") in NOT_A_PARENT:
            continue
        children.setdefault(link.parent, set()).add(company_key(link.child))
    out: set[str] = set()
    for name, kids in children.items():
        if len(kids) >= 2:
            out |= name_keys(name)
    return frozenset(out)


def parents_of(keys) -> frozenset[str]:
    """Keys of every company linked above a company known by `keys`."""
    idx = _index()
    out: set[str] = set()
    for k in keys:
        for pkeys, _kind, _link in idx.get(k, ()):
            out |= pkeys
    return frozenset(out - set(keys))


def relation(child_keys, parent_keys) -> str | None:
    """"subsidiary" or "project_company" when the company known by `child_keys` is linked
    under the one known by `parent_keys`, else None."""
    idx = _index()
    parent_keys = set(parent_keys)
    for k in child_keys:
        for pkeys, kind, _link in idx.get(k, ()):
            if pkeys & parent_keys:
                return kind
    return None


def links_of(name: str) -> dict[str, list[dict]]:
    """For the company pages: {"parents": [...], "children": [...]} with kind and source."""
    keys = name_keys(name)
    parents, children = [], []
    for link in all_links():
        if name_keys(link.child) & name_keys(link.parent):
            continue            # the reference list knows the child as the parent's alias
        if name_keys(link.child) & keys:
            parents.append({"name": link.parent, "kind": link.kind, "source": link.source})
        if name_keys(link.parent) & keys:
            children.append({"name": link.child, "kind": link.kind, "source": link.source})
    return {"parents": parents, "children": children}
