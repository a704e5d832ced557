"""Project assembly: from the mentions found in one article to project and indicator records.

The article is read as a sequence of sentences. Each investor (named, or described as
"турецкая компания") owns the sentences that mention it and those that follow until another
investor is named; background sentences ("Напомним, ...") stand apart. Within what an
investor owns, separate undertakings (a list of four plants, "Кроме того, ... в сельское
хозяйство") become separate projects, and each project takes the amount, jobs, place,
sector and stage of its own sentences only, so one project's figures never leak onto another.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from kzinvest.extract import cues
from kzinvest.extract.companies import normalize_company_name
from kzinvest.extract.countries import find_countries
from kzinvest.extract.dates import find_publication_date
from kzinvest.extract.facilities import facility_ends, has_facility
from kzinvest.extract.jobs import find_jobs
from kzinvest.extract.money import find_money
from kzinvest.extract.ner import ner_org_spans
from kzinvest.extract.orgs import OrgMention, add_ner_orgs, find_orgs
from kzinvest.extract.places import find_places
from kzinvest.extract.sectors import best_sector, sector_scores
from kzinvest.extract.sentences import Sentence, split_sentences
from kzinvest.extract.stages import furthest, stage_of
from kzinvest.model import Document, Record
from kzinvest.normalise.currency import to_usd

MIN_AMOUNT = 100_000          # below this a "project amount" is a ticker, a price or a typo
PRECISE_KINDS = {"city": 3, "zone": 3, "district": 2, "region": 1}


@dataclass
class SentenceInfo:
    sent: Sentence
    money: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    places: list = field(default_factory=list)
    orgs: list[OrgMention] = field(default_factory=list)
    countries: list = field(default_factory=list)
    stage: str | None = None
    background: bool = False
    meeting: bool = False
    aggregate: bool = False
    facility: bool = False
    past: bool = False            # speaks only of years before the article's


@dataclass
class Entity:
    key: str
    mentions: list[OrgMention]
    described: bool = False
    introduced_as_another: bool = False   # first named in "Также ..." / "Кроме того, ..."
    ids: set[int] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)   # matching keys of every name and alias seen

    def __post_init__(self) -> None:
        mentions, self.mentions = self.mentions, []
        for m in mentions:
            self.add(m)

    def add(self, mention: OrgMention) -> None:
        if id(mention) not in self.ids:
            self.ids.add(id(mention))
            self.mentions.append(mention)
            self.keys |= {normalize_company_name(x) for x in [mention.name, *mention.aliases]}

    def has(self, mention: OrgMention) -> bool:
        return id(mention) in self.ids

    @property
    def name(self) -> str | None:
        if self.described:
            return None
        named = [m for m in self.mentions if not m.described]
        # The fullest written form is the one readers (and registries) recognise.
        if not named:
            return None
        return max(named, key=lambda m: (len(m.name.split()), len(m.name))).name


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
    infos = _analyse(text, countries)
    _mark_past(infos, date)
    _intent_only(infos, text)
    entities, owner, others, owner_all = _attribute(infos)
    article_place = _article_place(infos)
    local_only = not any(m.country not in (None, "KZ") for i in infos for m in i.orgs) and \
        all(c.country == "KZ" for c in countries)
    candidates = []
    undertakings = [(u, True) for u in _undertakings(entities, owner, infos)]
    undertakings += [(u, False) for u in _undertakings(others, owner_all, infos)]
    for undertaking, rule_investor in undertakings:
        record = _project_record(doc, undertaking, date, infos, article_place)
        if record is None:
            continue
        if record.investor and record.investor_country is None and local_only:
            record.investor_country = "KZ"   # no foreign party anywhere in the article: a local firm
        candidates.append(Candidate(record, undertaking, infos, rule_investor))
    owners = Counter(i.sent.index for c in candidates for i in c.undertaking.sentences)
    for c in candidates:
        c.siblings, c.sentence_owners = len(candidates), owners
    indicators = _indicator_records(doc, infos, owner, date)
    if doc.path and doc.path != doc.source:
        for r in [c.record for c in candidates] + indicators:
            r.source, r.document = doc.path, doc.source
    return candidates, indicators


def _intent_only(infos: list[SentenceInfo], text: str) -> None:
    """In an article about a "соглашение о намерениях", a bare "соглашение" is that agreement
    of intent, not a binding contract."""
    if not re.search(r"соглашени\w* о намерениях", text, re.I):
        return
    for info in infos:
        if info.stage == "agreement" and not re.search(r"инвестиц|контракт|договор", info.sent.text, re.I):
            info.stage = "memorandum"


# ---------------------------------------------------------------- sentence analysis

def _analyse(text: str, countries) -> list[SentenceInfo]:
    sentences = split_sentences(text)
    infos = [SentenceInfo(s) for s in sentences]
    orgs = find_orgs(text)
    named = sorted((o.start, o.end) for o in orgs if not o.described)
    places = [p for p in find_places(text) if not _inside_org(p, named) and not _quoted_name(text, p)
              and not _compound_word(text, p)]
    # The neural tagger is the slow part: run it only where a project could be stated, the rules
    # found no organisation, and some capitalised word is not a place, a country or an office.
    known = sorted([(o.start, o.end) for o in orgs] + [(p.start, p.end) for p in places] +
                   [(c.start, c.end) for c in countries])
    org_starts = sorted(o.start for o in orgs)
    candidates = [i.sent for i in infos if _could_hold_project(i.sent.text) and
                  not _any_between(org_starts, i.sent.start, i.sent.end) and
                  _unexplained_capital(text, i.sent, known)]
    add_ner_orgs(text, orgs, ner_org_spans(text, candidates))
    _distribute(infos, find_money(text), "money")
    _distribute(infos, find_jobs(text), "jobs")
    _distribute(infos, places, "places")
    _distribute(infos, [o for o in orgs if not _in_dateline(text, o)], "orgs")
    _distribute(infos, countries, "countries")
    paragraph_start: dict[int, int] = {}
    for info in infos:
        paragraph_start.setdefault(info.sent.paragraph, info.sent.start)
        for m in info.orgs:
            m.paragraph = info.sent.paragraph
            m.opens_paragraph = m.start - paragraph_start[info.sent.paragraph] < 25
    for info in infos:
        low = info.sent.text.lower()
        info.stage = stage_of(info.sent.text)
        info.background = bool(cues.BACKGROUND.search(info.sent.text))
        info.meeting = bool(cues.MEETING.search(low)) or _dateline(info.sent.text)
        info.aggregate = bool(cues.AGGREGATE.search(low))
        info.facility = has_facility(low)
    for prev, info in zip(infos, infos[1:]):
        # "Напомним, ..." colours the rest of its paragraph until a company is named again.
        if prev.background and info.sent.paragraph == prev.sent.paragraph and not info.orgs:
            info.background = True
    return infos


def _in_dateline(text: str, org) -> bool:
    """"Kapital.kz | 21 марта 2023": the outlet's name in a byline is not an investor."""
    start = text.rfind("\n", 0, org.start) + 1
    end = text.find("\n", org.end)
    return _dateline(text[start:end if end != -1 else len(text)].strip())


def _dateline(sentence: str) -> bool:
    """"Астана, 3 июня 2024", "НУР-СУЛТАН, 8 июн — Sputnik.": the place and outlet an agency
    files from, not a project's place or investor."""
    return len(sentence) < 50 and bool(_YEAR.search(sentence) or _DAY_MONTH.search(sentence))


_DAY_MONTH = re.compile(r"\b\d{1,2}\s+(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)", re.I)


_MIDDLE_CAPITAL = re.compile(r"(?<=[\s«\"(])[A-ZА-ЯЁ][\w-]+")
# Capitalised words of officialdom and the calendar: no company behind them.
_OFFICIAL_WORDS = re.compile(
    r"(Президент|Глав|Премьер|Правительств|Министр|Министерств|Аким|Парламент|Сенат|Мажилис|"
    r"Республик|Казахстан|Государств|Национальн|Совет|Посол|Посольств|ЕАЭС|СНГ|ЕС|РК|СЭЗ|"
    r"Январ|Феврал|Март|Апрел|Май|Мая|Июн|Июл|Август|Сентябр|Октябр|Ноябр|Декабр)")


def _unexplained_capital(text: str, sent, known: list[tuple[int, int]]) -> bool:
    """`known` is sorted by start. Where spans of different finders overlap a word may be missed
    as explained, which only costs one more NER call."""
    for m in _MIDDLE_CAPITAL.finditer(text, sent.start + 1, sent.end):
        if _OFFICIAL_WORDS.match(m.group()):
            continue
        i = bisect.bisect_right(known, (m.start(), float("inf"))) - 1
        if i >= 0 and known[i][0] <= m.start() < known[i][1]:
            continue
        return True
    return False


def _any_between(starts: list[int], lo: int, hi: int) -> bool:
    i = bisect.bisect_left(starts, lo)
    return i < len(starts) and starts[i] < hi


def _could_hold_project(sentence: str) -> bool:
    if len(sentence) <= 30 or not cues.INVEST_VERB.search(sentence):
        return False
    return has_facility(sentence)


def _distribute(infos: list[SentenceInfo], items: list, attr: str) -> None:
    i = 0
    for item in sorted(items, key=lambda x: x.start):
        while i < len(infos) and infos[i].sent.end <= item.start:
            i += 1
        if i < len(infos) and infos[i].sent.start <= item.start:
            getattr(infos[i], attr).append(item)


def _quoted_name(text: str, place) -> bool:
    """«Акмола» as a programme's or a station's name says nothing about location."""
    return place.kind in ("city", "region") and text[max(0, place.start - 1):place.start] in "«\"“" \
        and text[place.end:place.end + 1] in "»\"”"


def _compound_word(text: str, place) -> bool:
    """"Шу-Сарысуский бассейн" names a basin, not the town of Шу."""
    return bool(re.match(r"-\w", text[place.end:place.end + 2])) or \
        bool(re.search(r"\w-$", text[max(0, place.start - 2):place.start]))


def _inside_org(place, named: list[tuple[int, int]]) -> bool:
    """`named`: sorted, disjoint spans of named organisations."""
    i = bisect.bisect_right(named, (place.start, float("inf"))) - 1
    return i >= 0 and named[i][0] <= place.start and place.end <= named[i][1]


# ---------------------------------------------------------------- who owns which sentence

def _attribute(infos: list[SentenceInfo]):
    """Which investors own which sentences. Two passes: organisations that turn out not to be
    investors (a shareholder, an official's employer) must not interrupt their neighbours."""
    entities: dict[str, Entity] = {}
    # "ТОО X, дочерняя компания группы Y": wherever Y is named, X is meant.
    for info in infos:
        for m in info.orgs:
            if m.parent and m.role is None:
                child = _entity_for(m, entities)
                entities.setdefault(_key(m.parent), child)
    for info in infos:   # names first, so a description in the headline can find its name
        for m in info.orgs:
            if not m.described and m.role in (None, "employer"):
                known = len(entities)
                entity = _entity_for(m, entities)
                if len(entities) > known and cues.TRANSITION.search(info.sent.text):
                    entity.introduced_as_another = True
    mentioned = {info.sent.index: _entities_in(info, entities) for info in infos}
    unique = list({id(e): e for e in entities.values()}.values())   # a parent's key points at its child
    owner = _own(infos, mentioned, set(map(id, unique)))
    owner_all = owner
    investors = [e for e in unique if _is_investor(e, infos, owner)]
    owner = _own(infos, mentioned, set(map(id, investors)))
    for extra in {id(e): e for owners in owner.values() for e in owners}.values():
        if extra not in investors and _is_investor(extra, infos, owner):
            investors.append(extra)
    others = [e for e in unique if e not in investors]
    # Organisations the context gives another role ("генподрядчик X", "акционером является X",
    # "финансирование ТОО X со стороны банка") are candidates too, each owning what it would own
    # beside the investors: whether the role is right is for the candidate model to judge.
    roled = _roled_entities(infos, unique)
    if roled:
        with_roled = {i.sent.index: mentioned[i.sent.index] + [e for e in roled if _mentions(i, e)] for i in infos}
        owner_roled = _own(infos, with_roled, set(map(id, investors)) | set(map(id, roled)))
        others += roled
        owner_all = {k: owner_all.get(k, []) + [e for e in owner_roled.get(k, []) if e in roled]
                     for k in set(owner_all) | set(owner_roled)}
    return investors, owner, others, owner_all


_NEVER_INVESTORS = {"agency", "media", "event", "place", "parent", "employer", None}


def _roled_entities(infos: list[SentenceInfo], known: list[Entity]) -> list[Entity]:
    roled: dict[str, Entity] = {}
    for info in infos:
        for m in info.orgs:
            if m.role in _NEVER_INVESTORS or m.described:
                continue
            key = _key(m.name)
            if any(_same_company(key, e.key, m, e) for e in known):
                continue
            roled.setdefault(key, Entity(key, [])).add(m)
    return list(roled.values())


def _own(infos, mentioned, allowed: set[int]) -> dict[int, list[Entity]]:
    owner: dict[int, list[Entity]] = {}
    paragraphs: dict[int, list[SentenceInfo]] = {}
    for info in infos:
        paragraphs.setdefault(info.sent.paragraph, []).append(info)
    current: list[Entity] = []
    for number, members in paragraphs.items():
        in_paragraph: list[Entity] = []
        for info in members:
            for e in mentioned[info.sent.index]:
                if id(e) in allowed and e not in in_paragraph and not info.background:
                    in_paragraph.append(e)
        anonymous = None
        if not in_paragraph and cues.TRANSITION.search(members[0].sent.text) and \
                not re.match(r"\s*\w+\s+этап", members[0].sent.text) and \
                any(i.money and not i.aggregate for i in members) and any(i.facility for i in members):
            # "Третий меморандум предусматривает ..." — an undertaking whose investor is not named.
            anonymous = Entity(f"~anon{number}", [], described=True)
        for info in members:
            here = [e for e in mentioned[info.sent.index] if id(e) in allowed]
            if here:
                owner[info.sent.index] = here
                if not info.background:
                    current = here
            elif info.background:
                owner[info.sent.index] = []
            elif anonymous is not None:
                owner[info.sent.index] = [anonymous]
            elif len(in_paragraph) == 1:
                owner[info.sent.index] = list(in_paragraph)
            else:
                owner[info.sent.index] = list(current)
        if len(in_paragraph) == 1:
            current = list(in_paragraph)
        elif anonymous is not None:
            current = [anonymous]
    # Sentences before the first investor (headline, lead) describe the main project — the
    # first investor named for what it does, not a company whose director met an official.
    first = next((i for i, info in enumerate(infos) if owner[info.sent.index] and
                  any(m.role != "employer" for e in owner[info.sent.index] for m in e.mentions)), None)
    if first is not None:
        for info in infos[:first]:
            if not info.background:
                owner[info.sent.index] = list(owner[infos[first].sent.index])
    return owner


def _entities_in(info: SentenceInfo, entities: dict[str, Entity]) -> list[Entity]:
    found: list[Entity] = []
    named = [m for m in info.orgs if m.role is None and not m.described]
    for m in info.orgs:
        if m.role == "parent":
            key = _key(m.name)
            if key in entities and entities[key] not in found:
                found.append(entities[key])
            continue
        if m.role is not None and m.role != "employer":
            continue
        if m.described:
            if info.aggregate:
                continue   # the crowd of "китайские инвесторы" behind a total
            near = [n for n in info.orgs if not n.described and 0 <= n.start - m.end < 40]
            if near:       # "с китайской стороны выступает компания X": the description of X
                near[0].country = near[0].country or m.country
                continue
            target = _named_for_described(m, named, entities)
            if target is None:
                key = f"~{m.country or '??'}"
                target = entities.setdefault(key, Entity(key, [], described=True))
            target.add(m)
        else:
            target = _entity_for(m, entities)
        if target not in found:
            found.append(target)
    return found


def _entity_for(m: OrgMention, entities: dict[str, Entity]) -> Entity:
    key = _key(m.name)
    if key in entities and not entities[key].described:
        entities[key].add(m)
        return entities[key]
    for entity in entities.values():
        if not entity.described and _same_company(key, entity.key, m, entity):
            entity.add(m)
            return entity
    entity = entities[key] = Entity(key, [m])
    return entity


def _key(name: str) -> str:
    return normalize_company_name(name) or name.lower()


def _same_company(key: str, other: str, m: OrgMention, entity: Entity) -> bool:
    a, b = set(key.split()), set(other.split())
    if not a or not b:
        return False
    if a <= b or b <= a:
        return True
    mine = {key} | {normalize_company_name(x) for x in m.aliases}
    return bool(mine & entity.keys)


def _named_for_described(m: OrgMention, named_here: list[OrgMention], entities: dict[str, Entity]):
    """"Китайская компания PENG SHENG": a description next to a name is that name."""
    for n in named_here:
        if abs(n.start - m.end) < 40 and (n.country in (None, m.country)):
            n.country = n.country or m.country
            return _entity_for(n, entities)
    # "Также представители Toyota ..." names another party, not the company described before.
    same_country = [e for e in {id(x): x for x in entities.values()}.values() if not e.described and
                    not e.introduced_as_another and _entity_country(e) == m.country]
    if len(same_country) != 1:
        return None
    entity = same_country[0]
    named = [x for x in entity.mentions if not x.described]
    # "Местный предприниматель строит ..." opening a paragraph of its own after a named local
    # company is another investor (akimat lists); elsewhere a description refers to the name.
    if named and m.start > named[0].start and m.opens_paragraph and \
            m.paragraph not in {x.paragraph for x in named}:
        return None
    return entity


def _is_investor(entity: Entity, infos: list[SentenceInfo], owner) -> bool:
    """An organisation invests when a sentence it owns states a concrete undertaking in a
    paragraph that names it, or before it is first named (the headline and lead given to it) —
    a buyer or a competitor named in passing owns the sentences after it too, but is not the
    subject of any of them."""
    own = [i for i in infos if entity in owner[i.sent.index] and (not i.aggregate or _mentions(i, entity))]
    if not entity.mentions:
        return any(_states_undertaking(i) for i in own)    # "Третий меморандум ..." (anonymous)
    named = [i for i in infos if _mentions(i, entity)]
    if not named:
        return False
    first = named[0].sent.index
    paragraphs = {i.sent.paragraph for i in named}
    return any(_states_undertaking(i) and (i.sent.paragraph in paragraphs or i.sent.index < first)
               for i in own)


def _states_undertaking(info: SentenceInfo) -> bool:
    if cues.NOT_INVESTMENT.search(info.sent.text):
        return False
    return bool((info.facility or _strong_sector(info.sent.text)) and _acts(info))


def _acts(info: SentenceInfo) -> bool:
    return bool(cues.INVEST_VERB.search(info.sent.text) or info.money or info.jobs or info.stage)


# ---------------------------------------------------------------- one investor, several undertakings

def _undertakings(entities: list[Entity], owner, infos: list[SentenceInfo]) -> list[Undertaking]:
    out: list[Undertaking] = []
    for entity in entities:
        own = [i for i in infos if entity in owner[i.sent.index]]
        segments: list[list[SentenceInfo]] = []
        current_sector = None
        named_yet = False
        for info in own:
            named_yet = named_yet or _mentions(info, entity)
            sector = _strong_sector(info.sent.text) if named_yet or entity.described else None
            if not segments or _starts_undertaking(info, entity, sector, current_sector):
                segments.append([])
                current_sector = sector or current_sector
            elif sector and current_sector is None:
                current_sector = sector
            segments[-1].append(info)
        for segment in segments:
            out.extend(_split_lists(entity, segment))
    return out


def _mentions(info: SentenceInfo, entity: Entity) -> bool:
    return any(entity.has(m) for m in info.orgs)


def _starts_undertaking(info: SentenceInfo, entity: Entity, sector: str | None, current: str | None) -> bool:
    """Whether a sentence opens another undertaking of the investor that owns it."""
    if info.aggregate:
        return False
    named = _mentions(info, entity)
    transition = bool(cues.TRANSITION.search(info.sent.text))
    facility_sector = _facility_sector(info.sent.text) if named and current else None
    if facility_sector and facility_sector != current:
        return True   # "BazisWest собирается возвести ... жилой дом" after its hotel
    if transition and named and info.facility:
        return True   # "Кроме того, Artel откроет в Алматы сервисный центр"
    # "Кроме того, инвестор ... вложить $20 млн в сельское хозяйство"
    return bool(transition and sector and current and (info.money or named or entity.described)
                and (sector != current or entity.described))


def _strong_sector(text: str) -> str | None:
    scores = sector_scores(text)
    if not scores:
        return None
    sector, score = scores.most_common(1)[0]
    return sector if score >= 3 else None


def _facility_sector(text: str) -> str | None:
    """The strong sector of a facility the sentence names ("жилой дом", "завод кирпича") —
    not of a company's description ("дочерняя компания нефтегазовой группы")."""
    # ", которой принадлежит рудник", ", где ... ведёт добычу": what the company already has.
    main = _RELATIVE_CLAUSE.sub("", text)
    for item in _ITEM_SPLIT.split(main):
        if item and has_facility(item):
            sector = _strong_sector(item)
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
            if count or info.facility and _mentions(info, entity):
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
    used: set[int] = {i.sent.index for i in sents if _mentions(i, entity)}
    sector = _sector(u)
    amount, currency, amount_sent = _amount(sents)
    jobs, jobs_sent = _jobs(sents)
    region, city, place_sent = _place(u, infos)
    if region is None and _abroad(u) or any(_OUTSIDE_KZ.search(i.sent.text) for i in sents):
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
    country = _entity_country(entity)
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


_OUTSIDE_KZ = re.compile(r"за пределами (Казахстана|страны|республики)|проект\w* за рубежом", re.I)


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


def _entity_country(entity: Entity) -> str | None:
    votes = Counter(m.country for m in entity.mentions if m.country)
    if votes:
        return votes.most_common(1)[0][0]
    if any(m.legal in ("ТОО", "АО", "ПАО", "НАО", "LLP", "АО НК") and m.legal != "ПАО" for m in entity.mentions):
        return "KZ"   # a Kazakh legal form with no foreign parent named
    named = [m for m in entity.mentions if not m.described]
    if named and all(not m.aliases and re.search(r"[А-ЯЁа-яёӘәҒғҚқҢңӨөҰұҮүҺһІі]", m.name) for m in named):
        return "KZ"   # a Cyrillic name the registry of foreign firms does not know: a local company
    return None


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
        named = _facility_sector(info.sent.text) if info.facility and _acts(info) else None
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


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _mark_past(infos: list[SentenceInfo], date: str | None) -> None:
    if not date:
        return
    year = int(date[:4])
    for info in infos:
        years = [int(y) for y in _YEAR.findall(info.sent.text)]
        info.past = bool(years) and max(years) < year and info.sent.index > 1


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
