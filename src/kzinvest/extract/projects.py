"""Project assembly: from the mentions found in one article to project and indicator records.

The article is read as a sequence of sentences. Each investor (named, or described as
"турецкая компания") owns the sentences that mention it and those that follow until another
investor is named; background sentences ("Напомним, ...") stand apart. Within what an
investor owns, separate undertakings (a list of four plants, "Кроме того, ... в сельское
хозяйство") become separate projects, and each project takes the amount, jobs, place,
sector and stage of its own sentences only, so one project's figures never leak onto another.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kzinvest.extract import cues
from kzinvest.extract.analysis import SentenceInfo, analyse, intent_only, mark_past
from kzinvest.extract.attribution import Entity, acts, attribute, entity_country, mentions, strong_sector
from kzinvest.extract.countries import find_countries
from kzinvest.extract.dates import find_publication_date
from kzinvest.extract.facilities import facility_ends, has_facility
from kzinvest.extract.sectors import best_sector, sector_scores
from kzinvest.extract.stages import furthest
from kzinvest.model import Document, Record
from kzinvest.normalise.currency import to_usd

MIN_AMOUNT = 100_000          # below this a "project amount" is a ticker, a price or a typo
PRECISE_KINDS = {"city": 3, "zone": 3, "district": 2, "region": 1}


@dataclass
class Undertaking:
    entity: Entity
    sentences: list[SentenceInfo]
    place_hint: object | None = None
    item_text: str | None = None


@dataclass
class Candidate:
    """A project the rules can see, with what the learned decisions need to judge it."""
    record: Record
    undertaking: Undertaking
    infos: list[SentenceInfo]
    rule_investor: bool            # the rules' own verdict: this organisation invests here
    siblings: int = 1              # candidates in the article
    sentence_owners: Counter = field(default_factory=Counter)   # sentence -> candidates it serves
    peers: list = field(default_factory=list, repr=False)       # the article's candidates, self included


def extract_records(doc: Document) -> list[Record]:
    from kzinvest.extract.decide import decide
    candidates, indicators = extract_candidates(doc)
    return _dedupe(decide(candidates) + indicators)


def extract_candidates(doc: Document) -> tuple[list[Candidate], list[Record]]:
    """Every undertaking of every organisation that could invest (the rules' investors and the
    others), each as a record with the rules' fields; and the article's indicator records."""
    text = doc.text
    if not text.strip():
        return [], []
    date = doc.published or find_publication_date(text)
    countries = find_countries(text)
    infos = analyse(text, countries)
    mark_past(infos, date)
    intent_only(infos, text)
    entities, owner, others, owner_all = attribute(infos)
    article_place = _article_place(infos)
    local_only = not any(m.country not in (None, "KZ") for i in infos for m in i.orgs) and \
        all(c.country == "KZ" for c in countries)
    candidates = []
    undertakings = [(u, True) for u in _undertakings(entities, owner, infos)]
    undertakings += [(u, False) for u in _undertakings(others, owner_all, infos)]
    if not undertakings:
        undertakings = _unnamed_undertaking(infos)
    for undertaking, rule_investor in undertakings:
        record = _project_record(doc, undertaking, date, infos, article_place)
        if record is None:
            continue
        if record.investor and record.investor_country is None and local_only:
            record.investor_country = "KZ"   # no foreign party anywhere in the article: a local firm
        candidates.append(Candidate(record, undertaking, infos, rule_investor))
    owners = Counter(i.sent.index for c in candidates for i in c.undertaking.sentences)
    for c in candidates:
        c.siblings, c.sentence_owners, c.peers = len(candidates), owners, candidates
    indicators = _indicator_records(doc, infos, owner, date)
    if doc.path and doc.path != doc.source:
        for r in [c.record for c in candidates] + indicators:
            r.source, r.document = doc.path, doc.source
    return candidates, indicators


def _unnamed_undertaking(infos: list[SentenceInfo]) -> list[tuple[Undertaking, bool]]:
    """"Солнечную электростанцию запустили в Жетысайском районе": a page that reports a plant
    and names nobody behind it still reports a project. Its sentences that say what is built,
    for how much or how far it has gone become one candidate with no investor, for the
    candidate model to judge (the feature `unnamed`)."""
    own = [i for i in infos if not i.background and not i.aggregate]
    if not any(i.facility and (i.money or i.jobs or i.stage) for i in own):
        return []
    return [(Undertaking(Entity("~unnamed", [], described=True), own), False)]


# ---------------------------------------------------------------- one investor, several undertakings

def _undertakings(entities: list[Entity], owner, infos: list[SentenceInfo]) -> list[Undertaking]:
    out: list[Undertaking] = []
    for entity in entities:
        own = [i for i in infos if entity in owner[i.sent.index]]
        segments: list[list[SentenceInfo]] = []
        current_sector = None
        named_yet = False
        for info in own:
            named_yet = named_yet or mentions(info, entity)
            sector = strong_sector(info.sent.text) if named_yet or entity.described else None
            if not segments or _starts_undertaking(info, entity, sector, current_sector):
                segments.append([])
                current_sector = sector or current_sector
            elif sector and current_sector is None:
                current_sector = sector
            segments[-1].append(info)
        for segment in segments:
            out.extend(_split_lists(entity, segment))
    return out


def _starts_undertaking(info: SentenceInfo, entity: Entity, sector: str | None, current: str | None) -> bool:
    """Whether a sentence opens another undertaking of the investor that owns it."""
    if info.aggregate:
        return False
    named = mentions(info, entity)
    transition = bool(cues.TRANSITION.search(info.sent.text))
    facility_sector = _facility_sector(info.sent.text) if named and current else None
    if facility_sector and facility_sector != current:
        return True   # "BazisWest собирается возвести ... жилой дом" after its hotel
    if transition and named and info.facility:
        return True   # "Кроме того, Artel откроет в Алматы сервисный центр"
    # "Кроме того, инвестор ... вложить $20 млн в сельское хозяйство"
    return bool(transition and sector and current and (info.money or named or entity.described)
                and (sector != current or entity.described))




def _facility_sector(text: str) -> str | None:
    """The strong sector of a facility the sentence names ("жилой дом", "завод кирпича") —
    not of a company's description ("дочерняя компания нефтегазовой группы")."""
    # ", которой принадлежит рудник", ", где ... ведёт добычу": what the company already has.
    main = _RELATIVE_CLAUSE.sub("", text)
    for item in _ITEM_SPLIT.split(main):
        if item and has_facility(item):
            sector = strong_sector(item)
            if sector:
                return sector
    return None


_RELATIVE_CLAUSE = re.compile(r",\s*(котор\w+|где|куда|откуда|чей|чья|чьи)\b[^,.;!?]*")
_ITEM_SPLIT = re.compile(r",\s+(?:а\s+)?|\s+и\s+|;\s*|\s+—\s+")


def _split_lists(entity: Entity, segment: list[SentenceInfo]) -> list[Undertaking]:
    """"четыре предприятия: кожевенный завод, ... и фабрика" -> one undertaking per item."""
    count = 0
    for info in segment:
        m = cues.COUNT_FACILITY.search(info.sent.text)
        if m:
            count = max(count, cues.COUNT_WORDS.get(m.group(1).lower(), 0))
    for info in segment:
        items = [x for x in _ITEM_SPLIT.split(_RELATIVE_CLAUSE.sub("", info.sent.text)) if x]
        with_facility = [x for x in items if has_facility(x) and sector_scores(x)]
        sectors = {best_sector(sector_scores(x)) for x in with_facility}
        if len(with_facility) >= 2 and (count == len(with_facility) or len(sectors) == len(with_facility) >= 2):
            if count or info.facility and mentions(info, entity):
                return [Undertaking(entity, segment, item_text=x) for x in with_facility]
        places = [p for p in info.places if p.kind in ("city", "region") and p.region]
        if count >= 2 and len(places) == count and cues.COUNT_FACILITY.search(info.sent.text):
            return [Undertaking(entity, segment, place_hint=p) for p in places]
    return [Undertaking(entity, segment)]


# ---------------------------------------------------------------- fields of one project

def _project_record(doc: Document, u: Undertaking, date, infos, article_place) -> Record | None:
    lead_stage = furthest([i.stage for i in infos[:3]]) if any(i.stage for i in infos[:3]) else None
    sents = u.sentences
    if not sents:
        return None
    entity = u.entity
    used: set[int] = {i.sent.index for i in sents if mentions(i, entity)}
    sector = _sector(u)
    amount, currency, amount_sent = _amount(sents)
    jobs, jobs_sent = _jobs(sents)
    region, city, place_sent = _place(u, infos)
    abroad = region is None and _abroad(u) and not _in_kazakhstan(u)
    if abroad or any(_OUTSIDE_KZ.search(i.sent.text) for i in sents):
        return None          # a Kazakh investor's project in Kyrgyzstan is not a project here
    if region is None and article_place is not None:
        region, city = article_place
    stage = furthest([i.stage for i in sents if not i.aggregate and not i.past])
    if stage == "negotiation":
        stage = furthest([i.stage for i in sents if not i.aggregate])
    if not any(i.stage for i in sents) and lead_stage in ("memorandum", "agreement"):
        # "Область подписала меморандумы по трём проектам": what the headline says of all of them.
        stage = lead_stage
    for idx in (amount_sent, jobs_sent, place_sent):
        if idx is not None:
            used.add(idx)
    used |= {i.sent.index for i in sents if i.stage == stage and i.stage}
    if not used:
        used = {sents[0].sent.index}
    evidence_infos = [i for i in infos if i.sent.index in used]
    country = entity_country(entity)
    record = Record(
        source=doc.source, kind="project", investor=entity.name, investor_country=country,
        region=region, city=city, sector=sector, amount=amount, currency=currency,
        amount_usd=usd_of(amount, currency, date), jobs=jobs, stage=stage, date=date,
        evidence=[i.sent.text for i in evidence_infos],
        evidence_spans=[(i.sent.start, i.sent.end) for i in evidence_infos],
        investor_aliases=sorted({m.name for m in entity.mentions if m.name} - {entity.name or ""}),
        product=u.item_text, title=doc.title, url=doc.url,
    )
    record.confidence = _confidence(record)
    return record


# "за пределами Республики Корея" is where KIA had never invested before, not where this is
_OUTSIDE_KZ = re.compile(r"за пределами (Казахстана|страны|республики(?!\s+(?!Казахстан)(?-i:[А-ЯЁ])))|"
                         r"проект\w* за рубежом", re.I)
_IN_KZ = re.compile(r"\b(в|на\s+территории)\s+(Республик[еи]\s+)?Казахстан[еа]\b")


def _in_kazakhstan(u: Undertaking) -> bool:
    """A sentence of the undertaking that invests or builds "в Казахстане": the foreign places
    around it are the investor's other projects, not this one's."""
    return any(_IN_KZ.search(i.sent.text) and (i.facility or i.money or cues.INVEST_VERB.search(i.sent.text))
               for i in u.sentences)


def _abroad(u: Undertaking) -> bool:
    """A plant in a foreign town, or "в Румынии": the project is not in Kazakhstan."""
    return any(_located_abroad(info) for info in u.sentences)


def _located_abroad(info: SentenceInfo) -> bool:
    """The sentence puts an undertaking abroad: a foreign town, "в Румынии" (where — not "в
    Китай", whither exports go), "в Навоийской области Узбекистана"."""
    if info.meeting or info.aggregate or not (info.facility or cues.INVEST_VERB.search(info.sent.text)):
        return False
    if any(p.kind == "foreign" for p in info.places):
        return True
    text = info.sent.text
    for c in info.countries:
        offset = c.start - info.sent.start
        before = text[max(0, offset - 12):offset]
        if c.country == "KZ" or not c.text[:1].isupper():
            continue   # a country's name, not an adjective ("китайская сторона")
        if c.text[-1:] in "еи" and re.search(r"(^|\s)(в|во|на)\s+$", before) or \
                re.search(r"(област\w*|провинци\w*|регион\w*|город\w*)\s+$", before):
            return True
    return False




def _sector(u: Undertaking) -> str:
    if u.item_text:
        return best_sector(sector_scores(u.item_text))
    scores = Counter()
    for info in u.sentences:
        weight = 2.0 if info.facility else 1.0
        if (info.money or info.jobs) and info.facility:
            weight = 3.0      # the plant the money and the jobs are for
        if info.aggregate or info.meeting and not info.facility:
            weight = 0.5
        scores.update(sector_scores(info.sent.text, weight))
        named = _facility_sector(info.sent.text) if info.facility and acts(info) else None
        if named:
            scores[named] += 3   # "строительство дата-центра": the facility itself says the sector
    return best_sector(scores)


def _amount(sents: list[SentenceInfo]):
    best, best_score = None, None
    for order, info in enumerate(sents):
        if info.aggregate or info.background or _located_abroad(info):
            continue
        low = info.sent.text.lower()
        for position, money in enumerate(info.money):
            if money.amount < MIN_AMOUNT:
                continue
            score = 1.0
            if cues.STRONG_AMOUNT.search(low):
                score += 2
            if cues.TOTAL_AMOUNT.search(low):
                score += 1
            if cues.PARTIAL_AMOUNT.search(low):
                score -= 1.5
            if cues.PAST_CUMULATIVE.search(low):
                score -= 2
            if info.past:
                score -= 1.5
            score -= 0.01 * order + 0.3 * position   # first figure of "103 млрд тенге ($203,7 млн)"
            if best_score is None or score > best_score:
                best, best_score = (money, info.sent.index), score
    if best is None:
        return None, None, None
    money, index = best
    return money.amount, money.currency, index


def _jobs(sents: list[SentenceInfo]):
    found = [(j, i.sent.index) for i in sents if not i.aggregate and not i.background for j in i.jobs]
    for kind in ("permanent", "unknown"):
        of_kind = [(j, idx) for j, idx in found if j.kind == kind]
        if of_kind:
            return of_kind[0][0].count, of_kind[0][1]
    return None, None


def _place(u: Undertaking, infos):
    if u.place_hint is not None:
        p = u.place_hint
        return p.region, p.city, None
    votes: Counter = Counter()
    cities: dict[str, Counter] = {}
    where: dict[str, int] = {}
    for info in u.sentences:
        if info.aggregate and not info.facility:
            continue
        relative = [(m.start() + info.sent.start, m.end() + info.sent.start)
                    for m in _RELATIVE_CLAUSE.finditer(info.sent.text)]
        for p in info.places:
            if not p.region or p.kind == "foreign":
                continue
            if info.meeting and not after_facility(info, p):
                continue
            if any(a <= p.start < b for a, b in relative):
                continue   # ", где компания управляет Актогаем": existing assets, not this project
            weight = PRECISE_KINDS.get(p.kind, 1) * (2 if info.facility else 1)
            if u.item_text and p.text in u.item_text:
                weight *= 3
            votes[p.region] += weight
            where.setdefault(p.region, info.sent.index)
            if p.city:
                cities.setdefault(p.region, Counter())[p.city] += weight
    if not votes:
        return None, None, None
    region = votes.most_common(1)[0][0]
    city = cities[region].most_common(1)[0][0] if region in cities else None
    return region, city, where[region]


def _article_place(infos: list[SentenceInfo]):
    """The one Kazakh region an article is about, if it is about one: for projects whose own
    sentences name no place ("Проект разместят в индустриальной зоне района")."""
    votes: Counter = Counter()
    cities: Counter = Counter()
    for info in infos:
        if info.background:
            continue
        for p in info.places:
            if info.meeting and not (after_facility(info, p) or _authority_of(info, p)):
                continue
            if p.region and p.kind != "foreign":
                weight = 2 if info.sent.index == 0 else 1
                votes[p.region] += weight
                if p.city:
                    cities[(p.region, p.city)] += weight
    if not votes:
        return None
    region, top = votes.most_common(1)[0]
    if top < 0.7 * sum(votes.values()):
        return None
    in_region = [(c, n) for (r, c), n in cities.items() if r == region]
    city = max(in_region, key=lambda x: x[1])[0] if len(in_region) == 1 else None
    return region, city


def _authority_of(info: SentenceInfo, place) -> bool:
    """"пресс-служба акимата Акмолинской области": a regional authority speaks for its region."""
    offset = place.start - info.sent.start
    return place.kind == "region" and bool(re.search(r"(акимат\w*|аким|управлени\w+)\s+$",
                                                      info.sent.text[max(0, offset - 20):offset], re.I))


def after_facility(info: SentenceInfo, place) -> bool:
    """In "встреча в Астане ... завод в Семее" only Семей places the plant."""
    offset = place.start - info.sent.start
    window = info.sent.text[max(0, offset - 70):offset].lower()
    hits = facility_ends(window)
    hits += [m.end() for m in _PLACING_VERB.finditer(window)]
    if not hits:
        return False
    between = window[max(hits):]
    return not cues.MEETING.search(between) and "," not in between


_PLACING_VERB = re.compile(r"открыть|построить|разместить|запустить|возвести|создать|наладить")


def usd_of(amount, currency, date):
    if amount is None or not currency:
        return None
    value = to_usd(amount, currency, date)
    return round(value, 2) if value is not None else None


def _confidence(r: Record) -> float:
    score = 0.4 + 0.15 * bool(r.investor) + 0.1 * bool(r.investor_country) + 0.1 * bool(r.region)
    score += 0.1 * bool(r.amount) + 0.05 * bool(r.jobs) + 0.1 * (r.sector != "other")
    return round(min(score, 0.95), 2)


# ---------------------------------------------------------------- indicators and tidy-up

def _indicator_records(doc: Document, infos, owner, date) -> list[Record]:
    out = []
    for info in infos:
        if not info.aggregate or not info.money:
            continue
        money = max(info.money, key=lambda m: m.amount)
        if money.amount < MIN_AMOUNT:
            continue
        region = next((p.region for p in info.places if p.region and p.kind != "foreign"), None)
        out.append(Record(
            source=doc.source, kind="indicator", region=region, amount=money.amount,
            currency=money.currency, amount_usd=usd_of(money.amount, money.currency, date),
            jobs=info.jobs[0].count if info.jobs else None, stage="negotiation", date=date,
            evidence=[info.sent.text], evidence_spans=[(info.sent.start, info.sent.end)],
            confidence=0.6, title=doc.title, url=doc.url,
        ))
    return out


def _dedupe(records: list[Record]) -> list[Record]:
    seen, out = set(), []
    for r in records:
        key = (r.kind, r.investor, r.sector, r.region, r.amount, r.product, tuple(r.evidence))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
