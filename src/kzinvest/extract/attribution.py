"""Who owns which sentence: organisations become entities (a name, its aliases, a description
that refers to it), and each sentence is owned by the investors it speaks of, or by the one
spoken of before it, until another is named.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from kzinvest.extract import cues
from kzinvest.extract.analysis import SentenceInfo
from kzinvest.extract.companies import normalize_company_name
from kzinvest.extract.orgs import OrgMention
from kzinvest.extract.sectors import sector_scores


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


# ---------------------------------------------------------------- who owns which sentence

def attribute(infos: list[SentenceInfo]):
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
        with_roled = {i.sent.index: mentioned[i.sent.index] + [e for e in roled if mentions(i, e)] for i in infos}
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
                    not e.introduced_as_another and entity_country(e) == m.country]
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
    own = [i for i in infos if entity in owner[i.sent.index] and (not i.aggregate or mentions(i, entity))]
    if not entity.mentions:
        return any(_states_undertaking(i) for i in own)    # "Третий меморандум ..." (anonymous)
    named = [i for i in infos if mentions(i, entity)]
    if not named:
        return False
    first = named[0].sent.index
    paragraphs = {i.sent.paragraph for i in named}
    return any(_states_undertaking(i) and (i.sent.paragraph in paragraphs or i.sent.index < first)
               for i in own)


def _states_undertaking(info: SentenceInfo) -> bool:
    if cues.NOT_INVESTMENT.search(info.sent.text):
        return False
    return bool((info.facility or strong_sector(info.sent.text)) and acts(info))


def acts(info: SentenceInfo) -> bool:
    return bool(cues.INVEST_VERB.search(info.sent.text) or info.money or info.jobs or info.stage)


def mentions(info: SentenceInfo, entity: Entity) -> bool:
    return any(entity.has(m) for m in info.orgs)



@lru_cache(maxsize=16384)
def strong_sector(text: str) -> str | None:
    scores = sector_scores(text)
    if not scores:
        return None
    sector, score = scores.most_common(1)[0]
    return sector if score >= 3 else None

def entity_country(entity: Entity) -> str | None:
    votes = Counter(m.country for m in entity.mentions if m.country)
    if votes:
        return votes.most_common(1)[0][0]
    if any(m.legal in ("ТОО", "АО", "ПАО", "НАО", "LLP", "АО НК") and m.legal != "ПАО" for m in entity.mentions):
        return "KZ"   # a Kazakh legal form with no foreign parent named
    named = [m for m in entity.mentions if not m.described]
    if named and all(not m.aliases and re.search(r"[А-ЯЁа-яёӘәҒғҚқҢңӨөҰұҮүҺһІі]", m.name) for m in named):
        return "KZ"   # a Cyrillic name the registry of foreign firms does not know: a local company
    return None
