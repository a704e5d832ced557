"""Sentence analysis: what each sentence of an article holds (money, jobs, places, organisations,
countries, stage) and what kind of sentence it is (background, meeting, aggregate, facility, past).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kzinvest.extract import cues
from kzinvest.extract.facilities import has_facility
from kzinvest.extract.jobs import find_jobs
from kzinvest.extract.money import find_money
from kzinvest.extract.ner import ner_org_spans
from kzinvest.extract.orgs import OrgMention, add_ner_orgs, find_orgs
from kzinvest.extract.places import find_places
from kzinvest.extract.sentences import Sentence, split_sentences
from kzinvest.extract.stages import stage_of


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


def intent_only(infos: list[SentenceInfo], text: str) -> None:
    """In an article about a "соглашение о намерениях", a bare "соглашение" is that agreement
    of intent, not a binding contract."""
    if not re.search(r"соглашени\w* о намерениях", text, re.I):
        return
    for info in infos:
        if info.stage == "agreement" and not re.search(r"инвестиц|контракт|договор", info.sent.text, re.I):
            info.stage = "memorandum"


# ---------------------------------------------------------------- sentence analysis

def analyse(text: str, countries) -> list[SentenceInfo]:
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


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def mark_past(infos: list[SentenceInfo], date: str | None) -> None:
    if not date:
        return
    year = int(date[:4])
    for info in infos:
        years = [int(y) for y in _YEAR.findall(info.sent.text)]
        info.past = bool(years) and max(years) < year and info.sent.index > 1
