"""Job counts: "будет создано более 180 постоянных рабочих мест",
"постоянную работу получат около 150 человек", "на стройке будет занято 300 рабочих".

Grammar (compiled regular expressions, yargy-like pieces):

    COUNT    = NUMBER [тыс.|тысяч] | тысяча/тысячи/тысячу
    PLACES   = COUNT ADJ{0,3} рабочих мест                      # always jobs
    PEOPLE   = COUNT ADJ{0,2} (человек|специалистов|сотрудников|работников|рабочих|строителей)
               accepted only with an employment word near it (работа, занят,
               трудоустроить, трудиться, задействовать, обслуживать, штат ...)
    GROWTH   = (число|количество|численность) ... (рабочих мест|работников|сотрудников|персонала)
               ... (вырастет|увеличится|достигнет|составит) [до] COUNT

The kind (permanent / construction / unknown) is read from cue words in the
same sentence, the nearest cue winning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kzinvest.extract.numbers import NUMBER, SP, parse_number


@dataclass(frozen=True)
class Jobs:
    start: int
    end: int
    text: str
    count: int
    kind: str            # "permanent" | "construction" | "unknown"
    qualifier: str | None


_S = r"[\s\u00a0\u202f]+"
_THOUSAND = r"(?:тыс\.?|тысяч[а-я]*)(?![\w])"
_COUNT = (
    r"(?P<num>" + NUMBER + r")(?:" + SP + r"*(?P<mult>" + _THOUSAND + r"))?"
    r"|(?<![\w])(?P<bare>тысяч[аиу]|тысяч)(?![\w])"
)
_ADJ = r"(?:[а-яё-]+(?:ых|ые|ое|ого|ым|ими|ыми)" + _S + r")"
_PEOPLE_NOUN = (
    r"(?:человек[а]?|специалист[а-я]*|сотрудник[а-я]*|работник[а-я]*|работающих"
    r"|рабоч(?:их|ие|ими)(?!" + _S + r"мест)|строител[ея][а-я]*|инженер[а-я]*"
    r"|жител[а-я]*|казахстанц[а-я]*|граждан[а-я]*)(?![\w])"
)

_GATE = r"(?<![\w])(?=[\dодтчпшсв])"
PLACES_RE = re.compile(
    _GATE + r"(?:" + _COUNT + r")" + _S + r"(?:" + _ADJ + r"){0,3}"
    r"рабоч(?:их|ие|ее|ими|им|ая)" + _S + r"мест[а-я]*(?![\w])",
    re.I,
)
PEOPLE_RE = re.compile(
    _GATE + r"(?:" + _COUNT + r")" + _S + r"(?:" + _ADJ + r"){0,2}" + _PEOPLE_NOUN,
    re.I,
)
GROWTH_RE = re.compile(
    r"(?<![\w])(?=[чк])(?:числ[а-я]*|количеств[а-я]*|численност[а-я]*)" + _S
    + r"(?:[а-яё]+" + _S + r"){0,2}?"
    r"(?:рабочих" + _S + r"мест|работник[а-я]*|сотрудник[а-я]*|персонал[а-я]*|работающих|занятых)"
    + r"(?:[\s,]+[а-яё]+){0,4}?" + _S
    + r"(?:вырастет|выросло|вырос|возрастет|возрастёт|увеличи[а-я]*|достигнет|достигло|достиг"
    r"|состав[а-я]*|будет)"
    + _S + r"(?P<qual>(?:до|более|свыше|около|порядка|почти)" + _S + r")?"
    r"(?P<count>" + _COUNT + r")(?:" + _S + r"(?:человек|единиц|рабочих" + _S + r"мест))?(?![\w])",
    re.I,
)

# an employment word must stand near a PEOPLE count
_EMPLOY = re.compile(
    r"работ(?:у|ой|ают|ает|ать|ало|али|ающих|ы|е)?(?![\w])|заня[а-я]*|трудоустр[а-я]*|труд(?:и|я)[а-я]*"
    r"|задейств[а-я]*|обслужива[а-я]*|штат[а-я]*|персонал[а-я]*|вакан[а-я]*|рабочи[ех]\s+мест",
    re.I,
)
_NOT_EMPLOY = re.compile(
    r"участ|делегац|посетил|гост|погиб|пострада|зрител|слушател|прожива|насел",
    re.I,
)
_INDIRECT = re.compile(r"косвенн|смежн|опосредован", re.I)
_TRIGGER = re.compile(
    r"рабоч|человек|специалист|сотрудник|работник|строител|персонал|работающ|инженер|жител|граждан|казахстанц",
    re.I,
)

_PERMANENT = re.compile(
    r"постоянн|после(?:" + _S + r"[а-яё]+){0,1}" + _S
    + r"(?:запуска|пуска|ввода|завершения|окончания|выхода|открытия|строительства)"
    r"|эксплуатаци|обслужива|на\s+предприятии\s+будут\s+работать",
    re.I,
)
_CONSTRUCTION = re.compile(
    r"строител(?!ьн)|стройк|строительств|временн|монтаж|сооружени",
    re.I,
)
_QUAL_APPROX = re.compile(r"(?<![\w])(?:около|порядка|примерно|приблизительно|почти|~)\s*$", re.I)
_QUAL_OVER = re.compile(r"(?<![\w])(?:более(?:\s+чем)?|свыше|больше|не\s+менее|превы[сш][а-я]*)\s*$",
                        re.I)
_QUAL_UPTO = re.compile(r"(?<![\w])(?:до|не\s+более|вплоть\s+до)\s*$", re.I)
_SENT_END = re.compile(r"[.!?…]\s|\n")
_CLAUSE_SEP = re.compile(r"[,;]\s+(?:а|но|после|тогда|ещё|еще|однако|на пике|во время|в период|при том что|тогда как|хотя)\s|;", re.I)


# No single project employs more (the whole workforce of Kazakhstan is about 9 million); a
# larger figure is a misread, and would overflow a 32-bit column in PostgreSQL.
MAX_JOBS = 10_000_000


def _count(m: re.Match) -> int | None:
    if m.group("bare"):
        return 1000
    mult = 1000.0 if m.group("mult") else 1.0
    num = parse_number(m.group("num"), has_multiplier=bool(m.group("mult")))
    if num is None or not num * mult <= MAX_JOBS:     # also NaN/inf from 400-digit numbers
        return None
    return int(round(num * mult))


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    a = max(0, start - 200)
    s0 = a
    for sm in _SENT_END.finditer(text, a, start):
        s0 = sm.end()
    em = _SENT_END.search(text, end, min(len(text), end + 200))
    s1 = em.start() + 1 if em else min(len(text), end + 200)
    return s0, s1


def _kind(text: str, start: int, end: int) -> str:
    span = text[start:end]
    if re.search(r"постоянн", span, re.I):
        return "permanent"
    if re.search(r"временн|строител", span, re.I):
        return "construction"
    s0, s1 = _sentence(text, start, end)
    for cm in _CLAUSE_SEP.finditer(text, s0, start):
        s0 = cm.start() + 1
    cm = _CLAUSE_SEP.search(text, end, s1)
    if cm:
        s1 = cm.start()
    cues: list[tuple[int, str]] = []
    perm_spans = []
    for cm in _PERMANENT.finditer(text, s0, s1):
        perm_spans.append((cm.start(), cm.end()))
        cues.append((cm.start(), "permanent"))
    for cm in _CONSTRUCTION.finditer(text, s0, s1):
        if any(a <= cm.start() < b for a, b in perm_spans):
            continue
        cues.append((cm.start(), "construction"))
    if not cues:
        return "unknown"

    def dist(pos: int) -> int:
        return start - pos if pos < start else (pos - end) + 10  # a cue before weighs more

    return min(cues, key=lambda c: dist(c[0]))[1]


def _qualifier(text: str, start: int) -> str | None:
    before = text[max(0, start - 25):start]
    if _QUAL_APPROX.search(before):
        return "approx"
    if _QUAL_OVER.search(before):
        return "over"
    if _QUAL_UPTO.search(before):
        return "upto"
    return None


def _windows(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for t in _TRIGGER.finditer(text):
        a, b = max(0, t.start() - 160), min(len(text), t.end() + 40)
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _is_year(m: re.Match, count: int) -> bool:
    raw = (m.group("num") or "").strip()
    return raw.isdigit() and len(raw) == 4 and 1990 <= count <= 2100 and not m.group("mult")


def find_jobs(text: str) -> list[Jobs]:
    """Job counts in ``text``, sorted by position, non-overlapping."""
    found: list[Jobs] = []
    for a, b in _windows(text):
        for m in PLACES_RE.finditer(text, a, b):
            n = _count(m)
            if n is None or n <= 0:
                continue
            found.append(Jobs(m.start(), m.end(), m.group(0), n,
                              _kind(text, m.start(), m.end()), _qualifier(text, m.start())))
        for m in GROWTH_RE.finditer(text, a, b):
            n = _count(m)
            if n is None or n <= 0 or _is_year(m, n):
                continue
            s, e = m.start("count"), m.end()
            q = m.group("qual")
            qual = None
            if q and q.strip().lower() in ("более", "свыше"):
                qual = "over"
            elif q and q.strip().lower() in ("около", "порядка", "почти"):
                qual = "approx"
            found.append(Jobs(s, e, text[s:e], n, _kind(text, s, e), qual))
        for m in PEOPLE_RE.finditer(text, a, b):
            n = _count(m)
            if n is None or n <= 0 or _is_year(m, n):
                continue
            s0, s1 = _sentence(text, m.start(), m.end())
            before = text[max(s0, m.start() - 90):m.start()]
            after = text[m.end():min(s1, m.end() + 40)]
            if not (_EMPLOY.search(before) or _EMPLOY.search(after)):
                continue
            if (_NOT_EMPLOY.search(before[-50:]) or _NOT_EMPLOY.search(m.group(0))
                    or _INDIRECT.search(after[:30])):
                continue
            found.append(Jobs(m.start(), m.end(), m.group(0), n,
                              _kind(text, m.start(), m.end()), _qualifier(text, m.start())))
    found.sort(key=lambda j: (j.start, -(j.end - j.start)))
    out: list[Jobs] = []
    for j in found:
        if out and j.start < out[-1].end:
            continue
        out.append(j)
    return out
