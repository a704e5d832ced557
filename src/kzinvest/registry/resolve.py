"""Entity resolution: which company a mention names, and which project it belongs to.

Companies are matched on name keys (kzinvest.normalise.names): case, quotes, legal forms,
Cyrillic/Latin spelling and Russian case endings disappear, rapidfuzz catches the rest.
Projects of one company are told apart by place, sector and amount: a mention joins a
project only when nothing known contradicts it (a missing value never contradicts), so
"same company, second plant in another region" becomes a second project while "same plant,
amount revised" stays one. Investors known only by description ("турецкая компания") are
joined much more cautiously: same country, sector, region and a close amount, all known.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from kzinvest.model import STAGES
from kzinvest.normalise.names import company_key, display_name, keys_match, known_company
from kzinvest.registry.models import Company, CompanyAlias, Mention, Project, utcnow

# Amounts of one project may be revised (100 -> 150 mln); a factor beyond this means a
# different undertaking.
NAMED_AMOUNT_RATIO = 3.0
UNNAMED_AMOUNT_RATIO = 1.5


def stage_rank(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else 0


def place_key(city: str | None) -> str:
    return company_key(city) if city else ""


def amounts_close(a_usd, b_usd, a_amt, a_cur, b_amt, b_cur, ratio: float) -> bool | None:
    """True/False when the two amounts can be compared, None when they cannot."""
    if a_usd and b_usd:
        x, y = sorted((float(a_usd), float(b_usd)))
    elif a_amt and b_amt and a_cur and a_cur == b_cur:
        x, y = sorted((float(a_amt), float(b_amt)))
    else:
        return None
    return x > 0 and y / x <= ratio


@dataclass
class Candidate:
    """What a project looks like to the matcher (its best-supported values)."""
    id: int
    investor_country: str | None
    region: str | None
    city: str | None
    sector: str | None
    amount: float | None
    currency: str | None
    amount_usd: float | None


def match_score(m: Mention, p: Candidate, named: bool) -> int | None:
    """How well mention `m` fits project `p`; None when something known contradicts it."""
    score = 0
    if m.region and p.region:
        if m.region != p.region:
            return None
        score += 2
    if m.city and p.city:
        if not keys_match(place_key(m.city), place_key(p.city)):
            return None
        score += 2
    if m.sector not in (None, "other") and p.sector not in (None, "other"):
        if m.sector != p.sector:
            return None
        score += 1
    ratio = NAMED_AMOUNT_RATIO if named else UNNAMED_AMOUNT_RATIO
    close = amounts_close(m.amount_usd, p.amount_usd, m.amount, m.currency, p.amount,
                          p.currency, ratio)
    if close is False:
        return None
    if close:
        score += 1
    if not named:
        # Nothing but the description ties these together: demand every field agree.
        if not (m.investor_country and m.investor_country == p.investor_country
                and m.region and m.sector not in (None, "other") and close):
            return None
    return score


_C, _A, _P = Company.__table__, CompanyAlias.__table__, Project.__table__
_SEL_NEW_ALIASES = (select(_A.c.id, _A.c.key, _A.c.company_id, _C.c.country, _A.c.alias)
                    .join(_C, _C.c.id == _A.c.company_id).where(_A.c.id > bindparam("after")))
_INS_COMPANY = insert(_C)
_SET_COUNTRY = (update(_C).where(_C.c.id == bindparam("_cid"), _C.c.country.is_(None))
                .values(country=bindparam("_country")))
_INS_ALIASES = insert(_A)
_CAND_COLS = (_P.c.id, _P.c.investor_country, _P.c.region, _P.c.city, _P.c.sector,
              _P.c.amount, _P.c.currency, _P.c.amount_usd)
_CAND_NAMED = select(*_CAND_COLS).where(_P.c.company_id == bindparam("cid")).order_by(_P.c.id)
_CAND_UNNAMED = (select(*_CAND_COLS)
                 .where(_P.c.company_id.is_(None), _P.c.investor_country == bindparam("country"),
                        _P.c.region == bindparam("region"), _P.c.sector == bindparam("sector"))
                 .order_by(_P.c.id))


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
                    aliases: list[str] | None, country: str | None) -> int | None:
    """The company id for a mention's investor, creating the company when new."""
    names = record_names(investor, aliases)
    if not names:
        return None
    # A company the reference list knows brings its canonical name, aliases (both
    # scripts) and country: "Хендай" then finds "Hyundai".
    for n in list(names):
        known = known_company(n)
        if known is not None and not getattr(known, "is_agency", False):
            if country is None or known.country in (None, country):
                names = [known.name] + [a for a in (*names, *known.aliases) if a != known.name]
                country = country or known.country
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
    if new_aliases:
        conn.execute(_INS_ALIASES, new_aliases)
    for a in new_aliases:
        index.add(a["key"], cid, company_country, a["alias"])
    if cid in index.created and not new_aliases:
        index.country[cid] = company_country
    return cid


def candidate_projects(s, m, company_id: int | None) -> list[Candidate]:
    """`s`: a Session or a Connection; `m`: anything with a mention's attributes."""
    if company_id is not None:
        rows = s.execute(_CAND_NAMED, {"cid": company_id})
    else:
        if not (m.investor_country and m.region and m.sector not in (None, "other")):
            return []
        rows = s.execute(_CAND_UNNAMED, {"country": m.investor_country, "region": m.region,
                                         "sector": m.sector})
    return [Candidate(*row) for row in rows.all()]


def choose_project(m: Mention, candidates: list[Candidate], named: bool,
                   exclude: set[int]) -> int | None:
    """The best compatible project, or None. `exclude`: projects this document already
    feeds (one article's records are separate projects by SPEC.md)."""
    best: tuple[int, int] | None = None
    for cand in candidates:
        if cand.id in exclude:
            continue
        score = match_score(m, cand, named)
        if score is None:
            continue
        key = (score, cand.id)  # ties go to the newest project
        if best is None or key > best:
            best = key
    return best[1] if best else None
