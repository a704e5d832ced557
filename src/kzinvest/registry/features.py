"""What resolution knows about one mention, and the blocking keys it is found by.

Everything here is computed from the mention's own row (and its document's content hash),
never from what else is stored or in which order it came: the same mention always has the
same features and keys, which is what makes resolution independent of ingestion order.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kzinvest.model import STAGES
from kzinvest.normalise.names import company_key
from kzinvest.registry import links

# Russian case endings, transliterated ("kamaza" -> "kamaz"): one more key per name so that
# an inflected spelling still meets its nominative in a block.
_ENDINGS = ("ami", "om", "oi", "ei", "ov", "a", "u", "e", "i", "o")
# First words that name no company by themselves (the fuzzy-spelling key skips them).
_GENERIC = frozenset("""
kazahstan kazakhstan kazakh kazah kaz kazak kazaks kazakstan qazaq kazakhstanskaia
kitai khina kitaiskaia china chinese xinjiang ksinjiang sinsian shinsian rossia russia
national natsionalnaia international internesnl global grup group holding kompani company
energi energy invest investment investments develop development industrial industri
respublika republic east vostok zapad west sever north iug south tsentr central
""".split())
_QUOTED = re.compile(r"[«\"“„]([^«»\"“”„\n]{2,60})[»\"”“]")
# Quoted names that are places, programmes or outlets, not undertakings.
_NOT_A_TAG = re.compile(r"(?i)(СЭЗ|ИЗ|СПК|зон[аыеу]|индустриальн\w*|программ\w*|форум\w*|"
                        r"газет\w*|агентств\w*|портал\w*|сайт\w*|издани\w*|телеканал\w*|"
                        r"нацпроект\w*|акци\w+|конкурс\w*)\s*$")
_WORD = re.compile(r"[^\W\d_]{5,}")
_STOP = frozenset("""
проек компа строи котор также будет будут котор более этого котор своей такие
казах респу облас район город милли милли долла тенге рубле евро объем стоим
инвес новог новые новый сумму суммы соста соглашен рамка рамка годов работ рабоч
""".split())


def stable_hash(s: str) -> int:
    """A signed 64-bit hash that is the same in every process (Python's hash() is not)."""
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(),
                          "big", signed=True)


@dataclass(slots=True, eq=False)
class Feat:
    id: int
    doc: int
    canon: tuple            # (document content hash, ordinal): identity free of ids
    names: frozenset        # company keys of every name the mention gives its investor
    lead: str               # the investor's own key ('' when only described)
    parents: frozenset      # keys of companies linked above it (company_links.csv)
    country: str | None
    region: str | None
    city: str | None        # key
    sector: str | None      # None for 'other'
    usd: float | None
    jobs: int | None
    day: int | None         # date as a day number
    rank: int               # stage order
    tags: frozenset         # quoted names in the evidence: «Мирный», «Hyrasia One»
    stems: frozenset        # content words of the evidence (5-letter stems)
    words: frozenset        # every evidence word as a company-key token (names in passing)
    squash: str             # the investor's key without spaces ("kazminerals")
    sentences: frozenset    # hashes of the evidence sentences
    groups: frozenset = frozenset()     # its names of a group with several undertakings
    project_id: int | None = None
    block: int | None = None
    company_id: int | None = None
    carry: int | None = None   # the project a re-extracted record fed before
    partners: frozenset = frozenset()   # names of its article's joint-venture partners
    district: str | None = None         # the town's district (places.csv), when known
    hubs: frozenset = frozenset()       # its names that are partners in several ventures
    project_tags: frozenset | None = None   # tags that name no company of its block


@lru_cache(maxsize=65536)
def _name_info(name: str) -> tuple[frozenset, frozenset, bool]:
    """(keys, parents' keys, whether it names a group of several undertakings)."""
    raw = links.name_keys(name)
    keys = _inflected(raw)
    return keys, links.parents_of(keys), bool(raw & links.group_keys())


def _inflected(keys) -> frozenset:
    """Keys plus their forms without a Russian case ending ("kazmunaigaza" -> "kazmunaigaz")."""
    out = set(keys)
    for k in keys:
        for end in _ENDINGS:
            if k.endswith(end) and len(k) - len(end) >= 4:
                out.add(k[: -len(end)])
                break
    return frozenset(out)


@lru_cache(maxsize=262144)
def _word(w: str) -> str:
    return company_key(w)


@lru_cache(maxsize=131072)
def _key(name: str) -> str:
    return company_key(name)


@lru_cache(maxsize=65536)
def _place(city: str) -> str:
    return company_key(city)


@lru_cache(maxsize=1)
def _districts() -> dict[tuple[str, str], str]:
    """(region, town key) -> district, from the gazetteer's places.csv (GeoNames towns with
    their geokz district): "Актогай" and "Аягоз" are both in the Аягозский district."""
    from kzinvest.datafiles import read_rows, split_list
    out: dict[tuple[str, str], str] = {}
    for row in read_rows("places", "places.csv"):
        if row["kind"] != "city" or not row["district"]:
            continue
        for name in [row["name"], row["city"], *split_list(row["aliases"])]:
            if name:
                out.setdefault((row["region"], _place(name)), row["district"])
    return out


def district_of(city: str | None, region: str | None) -> str | None:
    if not city or not region:
        return None
    return _districts().get((region, _place(city)))


@lru_cache(maxsize=65536)
def _day(d: str) -> int | None:
    try:
        return date.fromisoformat(d[:10]).toordinal()
    except ValueError:
        return None


_TOKEN = re.compile(r"[^\W_]{3,}")


@lru_cache(maxsize=65536)
def _sentence(text: str) -> tuple[frozenset, frozenset, int, frozenset]:
    """(tags, stems, hash, folded words) of one evidence sentence."""
    tags = set()
    for m in _QUOTED.finditer(text):
        raw = m.group(1).strip()
        if not raw or not (raw[0].isupper() or raw[0].isdigit()):
            continue
        if _NOT_A_TAG.search(text[max(0, m.start() - 30):m.start()]):
            continue
        key = _key(raw)
        if key and len(key) >= 3 and not (links.name_keys(raw) and _is_agency(raw)):
            tags |= _inflected({key})
    stems = {w[:5] for w in _WORD.findall(text.lower())}
    words = set()
    for w in _TOKEN.findall(text):
        if not (w[0].isupper() or w[0].isdigit()):   # names in passing are capitalised
            continue
        k = _word(w)
        if k:
            words.add(k)
            words |= _inflected({k})
    return (frozenset(tags), frozenset(stems - _STOP), stable_hash(" ".join(text.split())),
            frozenset(words))


@lru_cache(maxsize=16384)
def _is_agency(name: str) -> bool:
    from kzinvest.normalise.names import known_company
    known = known_company(name)
    return known is not None and getattr(known, "role", "company") in links.NOT_A_PARENT


def record_names(row) -> list[str]:
    """The investor and every other name the record gives it (aliases, co-investors are
    not names of the investor and are left out)."""
    extra = _get(row, "extra") or {}
    names = [row_investor] if (row_investor := _get(row, "investor")) else []
    names += [a for a in extra.get("investor_aliases") or [] if a and a not in names]
    return names


def _get(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def features(row, doc_hash: str) -> Feat:
    """Features of a mention row (a mapping or a row object with the mentions columns)."""
    names, parents, groups = set(), set(), set()
    for n in record_names(row):
        k, p, g = _name_info(n)
        names |= k
        parents |= p
        if g:
            groups |= k
    investor = _get(row, "investor")
    lead = _key(investor) if investor else ""
    tags, stems, sentences, words = set(), set(), set(), set()
    for ev in _get(row, "evidence") or []:
        text = ev.get("text") if isinstance(ev, dict) else ev
        if text:
            t, s, h, w = _sentence(text)
            tags |= t
            stems |= s
            sentences.add(h)
            words |= w
    own_words = {w[:5] for n in record_names(row) for w in _WORD.findall(n.lower())}
    tags -= names
    city = _get(row, "city")
    sector = _get(row, "sector")
    d = _get(row, "date")
    stage = _get(row, "stage")
    return Feat(
        id=_get(row, "id"), doc=_get(row, "document_id"),
        canon=(doc_hash, _get(row, "ordinal")), names=frozenset(names), lead=lead,
        parents=frozenset(parents - names), country=_get(row, "investor_country"),
        region=_get(row, "region"), city=_place(city) if city else None,
        sector=sector if sector and sector != "other" else None,
        usd=_get(row, "amount_usd") or None, jobs=_get(row, "jobs") or None,
        day=_day(d) if d else None, rank=STAGES.index(stage) if stage in STAGES else 0,
        tags=frozenset(tags), stems=frozenset(stems - own_words), words=frozenset(words),
        squash=lead.replace(" ", ""), district=district_of(city, _get(row, "region")),
        sentences=frozenset(sentences), groups=frozenset(groups),
        project_id=_get(row, "project_id"),
        block=_get(row, "block"), company_id=_get(row, "company_id"))


# --- blocking keys -------------------------------------------------------------------------

def first_token(lead: str, min_len: int = 5) -> str | None:
    """The first word of a company key that names it (not "kazakhstan", "group" ...)."""
    for tok in lead.split():
        if tok not in _GENERIC:
            return tok if len(tok) >= min_len else None
    return None


def squash_keys(lead: str) -> set[str]:
    """The company key without spaces, whole and of its first two words: "KAZ Minerals",
    "KAZMinerals" and "KAZ Minerals Aktogay" all give "kazminerals". Exact keys, not
    prefixes, so that unrelated names never chain blocks together."""
    toks = lead.split()
    out = {"".join(toks)} if len("".join(toks)) >= 5 else set()
    if len(toks) > 2 and toks[0] not in _GENERIC and len("".join(toks[:2])) >= 6:
        out.add("".join(toks[:2]))
    # a run-together group name before the local firm's place ("KAZMinerals Aktogay"):
    # its first word alone is the group's squashed key ("KAZ Minerals" -> "kazminerals")
    if len(toks) > 1 and toks[0] not in _GENERIC and len(toks[0]) >= 8:
        out.add(toks[0])
    return out


def own_keys(f: Feat) -> set[str]:
    """Keys of one mention by itself: its company names and their parents, a distinctive
    first word (spelling variants), quoted names with the sector, and for an investor known
    only by description its country, region and sector."""
    keys: set[str] = set()
    if f.names:
        keys |= {"n:" + k for k in f.names | f.parents}
        # spelling variants and a company's local firm ("KAZ Minerals Aktogay"), within a
        # sector: across sectors they are hardly ever one undertaking, and these keys are broad
        tok = first_token(f.lead, 6)
        if tok:
            keys.add(f"f:{tok}|{f.sector or '-'}")
        keys |= {"s:" + k for k in squash_keys(f.lead)}
    elif f.country and f.region and f.sector:
        keys.add(f"u:{f.country}|{f.region}|{f.sector}")
    # Quoted names with the sector; a mention's own names join them, so that an article
    # quoting «СИБУР» meets SIBUR's own mentions in that sector.
    for t in f.tags | f.names:
        keys.add(f"t:{t}|{f.sector or '-'}")
    return keys


def joint_venture_groups(feats: list[Feat]) -> list[list[Feat]]:
    """Records of one article that look like one undertaking reported once per partner
    (different investors, and the same evidence sentence, amount or jobs): they get a key
    of their own so that they are compared, without tying every company an article names
    into one block."""
    named = sorted((f for f in feats if f.names), key=lambda f: f.canon)
    parent = {f.id: f.id for f in named}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(named):
        for b in named[i + 1:]:
            if a.names & b.names:
                continue
            alike = bool(a.sentences & b.sentences) or (
                a.usd is not None and a.usd == b.usd) or (a.jobs is not None and a.jobs == b.jobs)
            if alike:
                parent[find(a.id)] = find(b.id)
    groups: dict[int, list[Feat]] = {}
    for f in named:
        groups.setdefault(find(f.id), []).append(f)
    return [g for g in groups.values() if len(g) > 1]


def assign_partners(feats: list[Feat]) -> None:
    """Set each mention's `partners`: the names of the other investors its article reports
    on the same undertaking (joint_venture_groups). Partners always share a block, so the
    mentions of any union of blocks give every mention its partners."""
    by_doc: dict[int, list[Feat]] = {}
    companies = frozenset().union(*(f.names for f in feats)) if feats else frozenset()
    for f in feats:
        f.partners = frozenset()
        f.hubs = f.groups
        # a quoted company name («КазМунайГаз», «КазМунайГаза») is no project name
        f.project_tags = frozenset(t for t in f.tags if t not in companies
                                   and not (_inflected({t}) & companies))
        by_doc.setdefault(f.doc, []).append(f)
    for doc_feats in by_doc.values():
        if len(doc_feats) < 2:
            continue
        for group in joint_venture_groups(doc_feats):
            for f in group:
                f.partners = frozenset().union(*(g.names for g in group if g is not f))
    # A company reported as a partner in two ventures with different partners (a national
    # company in many) is a hub: sharing its name says little about sharing a project.
    seen: dict[str, list[frozenset]] = {}
    for f in feats:
        if f.partners:
            for k in f.names:
                seen.setdefault(k, []).append(f.partners)
    hubs = {k for k, ps in seen.items()
            if any(not (p & q) for i, p in enumerate(ps) for q in ps[i + 1:])}
    if hubs:
        for f in feats:
            f.hubs = f.groups | (f.names & hubs)


def document_keys(feats: list[Feat]) -> dict[int, set[str]]:
    """Keys of every mention of ONE document (its own keys plus joint-venture keys)."""
    out = {f.id: own_keys(f) for f in feats}
    for group in joint_venture_groups(feats):
        key = f"j:{group[0].canon[0]}:{min(f.canon[1] for f in group)}"
        for f in group:
            out[f.id].add(key)
    return out
