"""Company resolution: which company a mention's investor names (the `companies` table,
its aliases and the company pages). Which mentions are one PROJECT is decided elsewhere,
from all the evidence at once (registry/resolution.py).

Companies are matched on name keys (kzinvest.normalise.names): case, quotes, legal forms,
Cyrillic/Latin spelling and Russian case endings disappear, rapidfuzz catches the rest.
"""
from __future__ import annotations

from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from kzinvest.normalise.names import company_key, display_name, keys_match, known_company
from kzinvest.registry.models import Company, CompanyAlias, utcnow

_C, _A = Company.__table__, CompanyAlias.__table__
_SEL_NEW_ALIASES = (select(_A.c.id, _A.c.key, _A.c.company_id, _C.c.country, _A.c.alias)
                    .join(_C, _C.c.id == _A.c.company_id).where(_A.c.id > bindparam("after")))
_INS_COMPANY = insert(_C)
_SET_COUNTRY = (update(_C).where(_C.c.id == bindparam("_cid"), _C.c.country.is_(None))
                .values(country=bindparam("_country")))
_INS_ALIASES = insert(_A)


class CompanyIndex:
    """In-memory index of company alias keys, refreshed from the database per transaction.

    It is per process and append-only: each write transaction first loads the aliases
    committed since the last refresh (by any process), so lookups see every company.
    Aliases added inside a transaction go to `pending` and are dropped on rollback.
    The index also keeps each company's aliases and country, so resolving a mention of a
    known company costs no query at all (ingest speed: docs/registry-status.md).
    """

    def __init__(self) -> None:
        self.by_key: dict[str, set[int]] = {}
        self.country: dict[int, str | None] = {}
        self.aliases: dict[int, set[str]] = {}
        self.max_alias_id = 0
        self.pending: list[tuple[str, int, str | None]] = []
        self.created: set[int] = set()      # companies created in the current transaction

    def refresh(self, s: Session) -> None:
        self.pending.clear()
        self.created.clear()
        rows = s.connection().execute(_SEL_NEW_ALIASES, {"after": self.max_alias_id}).all()
        for alias_id, key, cid, country, alias in rows:
            self.by_key.setdefault(key, set()).add(cid)
            self.aliases.setdefault(cid, set()).add(alias)
            self.country[cid] = country
            self.max_alias_id = max(self.max_alias_id, alias_id)

    def reset(self) -> None:
        self.__init__()

    def add(self, key: str, cid: int, country: str | None, alias: str | None = None) -> None:
        self.pending.append((key, cid, country))
        self.by_key.setdefault(key, set()).add(cid)
        self.country[cid] = country or self.country.get(cid)
        if alias is not None:
            self.aliases.setdefault(cid, set()).add(alias)

    def rollback(self) -> None:
        # Drop pending entries: their rows were rolled back. A full reload is simplest.
        if self.pending or self.created:
            self.reset()

    def lookup(self, keys: list[str], country: str | None) -> int | None:
        votes: dict[int, float] = {}
        for key in keys:
            if not key:
                continue
            hits = {cid: 100.0 for cid in self.by_key.get(key, ())}
            if not hits:
                for cand, score, _ in process.extract(key, self.by_key.keys(),
                                                      scorer=fuzz.ratio, score_cutoff=80,
                                                      limit=10):
                    if keys_match(key, cand):
                        for cid in self.by_key[cand]:
                            hits[cid] = max(hits.get(cid, 0.0), score)
            for cid, score in hits.items():
                other = self.country.get(cid)
                if country and other and country != other:
                    continue  # a Russian "Proton" is not the Malaysian one
                votes[cid] = max(votes.get(cid, 0.0), score)
        if not votes:
            return None
        return max(votes.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def record_names(investor: str | None, aliases: list[str] | None) -> list[str]:
    names = [investor] if investor else []
    names += [a for a in aliases or [] if a and a not in names]
    return names


def resolve_company(s: Session, index: CompanyIndex, investor: str | None,
                    aliases: list[str] | None, country: str | None,
                    sector: str | None = None, later: list | None = None) -> int | None:
    """The company id for a mention's investor, creating the company when new. `later`:
    new alias rows are appended to it, for the caller to insert at once (insert_aliases)
    before its transaction ends, instead of one statement per mention."""
    names = record_names(investor, aliases)
    if not names:
        return None
    # A company the reference list knows brings its canonical name, aliases (both
    # scripts) and country: "Хендай" then finds "Hyundai". An article that gives it another
    # country ("немецкая Svevind") still names it when the sector agrees: the company keeps
    # its country and the project shows the disagreement; a namesake in another country
    # and sector (a Russian "Протон" in energy) is another company.
    for n in list(names):
        known = known_company(n)
        if known is not None and not getattr(known, "is_agency", False):
            same_country = country is None or known.country in (None, country)
            if same_country or (sector and sector == getattr(known, "sector", None)):
                names = [known.name] + [a for a in (*names, *known.aliases) if a != known.name]
                country = known.country or country
            break
    keys = [company_key(n) for n in names]
    cid = index.lookup(keys, country)
    conn = s.connection()   # Core statements: the ORM unit of work costs more than the SQL
    if cid is None:
        cid = conn.execute(_INS_COMPANY, dict(
            name=display_name(names[0]), key=keys[0], country=country,
            created_at=utcnow())).inserted_primary_key[0]
        index.created.add(cid)
        company_country = country
    else:
        company_country = index.country.get(cid)
        if company_country is None and country:
            conn.execute(_SET_COUNTRY, {"_cid": cid, "_country": country})
            company_country = country
    known = index.aliases.get(cid, set())
    new_aliases: list[dict] = []
    for name, key in zip(names, keys):
        alias = display_name(name)[:500]
        if alias and key and alias not in known and all(a["alias"] != alias for a in new_aliases):
            new_aliases.append({"company_id": cid, "alias": alias, "key": key})
    if new_aliases and later is not None:
        later.extend(new_aliases)
    elif new_aliases:
        conn.execute(_INS_ALIASES, new_aliases)
    for a in new_aliases:
        index.add(a["key"], cid, company_country, a["alias"])
    if cid in index.created and not new_aliases:
        index.country[cid] = company_country
    return cid


def insert_aliases(s: Session, rows: list[dict]) -> None:
    """Insert alias rows resolve_company left for later."""
    if rows:
        s.connection().execute(_INS_ALIASES, rows)
