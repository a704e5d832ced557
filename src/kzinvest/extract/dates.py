"""Full dates (day, month and year) in Russian, Kazakh and English news text.

    "21 мая, 2025"  "Май 21, 2025"  "21.05.2025"  "2025-05-21"  "13 декабря 2022 года"
    "5 ақпан 2020"  "2020 жылғы 5 ақпан"  "May 21, 2025"  "18.12.2023 14:33"

Partial dates ("31 июля", "в декабре 2018 года") are not returned.
"""
from __future__ import annotations

import datetime as _dt
import re

_MONTHS: list[tuple[int, str]] = [
    # Russian (any case ending, abbreviations), Kazakh, English
    (1, r"январ[а-яё]*|янв\.?|қаңтар[а-яәіңғүұқөһ]*|january|jan\.?"),
    (2, r"феврал[а-яё]*|фев\.?|февр\.?|ақпан[а-яәіңғүұқөһ]*|february|feb\.?"),
    (3, r"март[а-яё]*|мар\.?|наурыз[а-яәіңғүұқөһ]*|march|mar\.?"),
    (4, r"апрел[а-яё]*|апр\.?|сәуір[а-яәіңғүұқөһ]*|april|apr\.?"),
    (5, r"ма[йяе]|мамыр[а-яәіңғүұқөһ]*|may"),
    (6, r"июн[ьяе]|июн\.?|маусым[а-яәіңғүұқөһ]*|june|jun\.?"),
    (7, r"июл[ьяе]|июл\.?|шілде[а-яәіңғүұқөһ]*|july|jul\.?"),
    (8, r"август[а-яё]*|авг\.?|тамыз[а-яәіңғүұқөһ]*|august|aug\.?"),
    (9, r"сентябр[а-яё]*|сент?\.?|қыркүйек[а-яәіңғүұқөһ]*|september|sept?\.?"),
    (10, r"октябр[а-яё]*|окт\.?|қазан[а-яәіңғүұқөһ]*|october|oct\.?"),
    (11, r"ноябр[а-яё]*|нояб?\.?|қараша[а-яәіңғүұқөһ]*|november|nov\.?"),
    (12, r"декабр[а-яё]*|дек\.?|желтоқсан[а-яәіңғүұқөһ]*|december|dec\.?"),
]
_MONTH_RES = [(n, re.compile(r"^(?:" + rx + r")$", re.I)) for n, rx in _MONTHS]
_MONTH = r"(?:" + "|".join(rx for _, rx in _MONTHS) + r")"
_S = r"[\s\u00a0\u202f]+"
_END = r"(?![\w])"

DATE_RE = re.compile(
    # 21 мая 2025, 21 мая, 2025, 13 декабря 2022 года, 5 ақпан 2020
    r"(?<![\w.])(?P<d1>[0-3]?\d)" + _S + r"(?P<m1>" + _MONTH + r")" + r",?" + _S
    + r"(?P<y1>(?:19|20)\d\d)" + _END
    # Май 21, 2025 / May 21, 2025
    + r"|(?<![\w])(?P<m2>" + _MONTH + r")" + _S + r"(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?" + _S
    + r"(?P<y2>(?:19|20)\d\d)" + _END
    # 2020 жылғы 5 ақпан
    + r"|(?<![\w])(?P<y5>(?:19|20)\d\d)" + _S + r"ж(?:ылғы|\.)" + _S + r"(?P<d5>[0-3]?\d)" + _S
    + r"(?P<m5>" + _MONTH + r")" + _END
    # 21.05.2025, 21/05/2025
    + r"|(?<![\w.,/])(?P<d3>[0-3]?\d)(?P<sep>[./])(?P<m3>[01]?\d)(?P=sep)(?P<y3>(?:19|20)\d\d)(?![\w.,]\d)"
    # 2025-05-21, 2024-12-12T19:59
    + r"|(?<![\w.-])(?P<y4>(?:19|20)\d\d)-(?P<m4>[01]\d)-(?P<d4>[0-3]\d)(?![\d])",
    re.I,
)

_TRIGGER = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _month_num(s: str) -> int | None:
    s = s.strip()
    for n, rx in _MONTH_RES:
        if rx.match(s):
            return n
    return None


def _iso(y: str, m: int | str | None, d: str) -> str | None:
    try:
        month = int(m) if isinstance(m, str) else m
        if month is None:
            return None
        return _dt.date(int(y), month, int(d)).isoformat()
    except (ValueError, TypeError):
        return None


def _from_match(m: re.Match) -> str | None:
    if m.group("d1"):
        return _iso(m.group("y1"), _month_num(m.group("m1")), m.group("d1"))
    if m.group("m2"):
        return _iso(m.group("y2"), _month_num(m.group("m2")), m.group("d2"))
    if m.group("y5"):
        return _iso(m.group("y5"), _month_num(m.group("m5")), m.group("d5"))
    if m.group("d3"):
        return _iso(m.group("y3"), m.group("m3"), m.group("d3"))
    if m.group("y4"):
        return _iso(m.group("y4"), m.group("m4"), m.group("d4"))
    return None


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "YYYY-MM-DD") for every full date in ``text``."""
    if not _TRIGGER.search(text):
        return []
    # every full date holds a year: scan only the windows around the years
    spans: list[list[int]] = []
    for y in _TRIGGER.finditer(text):
        a, b = max(0, y.start() - 40), min(len(text), y.end() + 32)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    out: list[tuple[int, int, str]] = []
    for a, b in spans:
        for m in DATE_RE.finditer(text, a, b):
            if out and m.start() < out[-1][1]:
                continue
            iso = _from_match(m)
            if iso:
                out.append((m.start(), m.end(), iso))
    return out


def parse_date(s: str) -> str | None:
    """One date string in any common form -> ISO "YYYY-MM-DD" (None if no full date)."""
    if not s:
        return None
    found = find_dates(s.strip())
    return found[0][2] if found else None


# --- publication date ---------------------------------------------------------
_WEEKDAYS = (r"понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
             r"|дүйсенбі|сейсенбі|сәрсенбі|бейсенбі|жұма|сенбі|жексенбі"
             r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday")
_TIME = re.compile(r"^[\s,|·•—–-]*(?:в\s+)?(?:T|\s)?\d{1,2}:\d\d(?::\d\d)?", re.I)
_LABEL = re.compile(
    r"(?:" + _WEEKDAYS + r"|опубликовано|опубликован[оа]?|дата(?:\s+публикации)?|обновлено"
    r"|published|updated|posted|просмотр[а-я]*|общество|новости|[а-яё]+\s*/\s*[а-яё]+)",
    re.I,
)
_PREP_BEFORE = re.compile(r"(?:^|\s)(?:в|во|с|со|до|от|по|на|к|за|из|с\s+)\s*$", re.I)


def _dateline_ok(text: str, start: int, end: int) -> bool:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    before, after = text[ls:start], text[end:le]
    if _PREP_BEFORE.search(before):
        return False
    tm = _TIME.match(after)
    if tm:
        after = after[tm.end():]
    after = re.sub(r"^\s*г(?:ода|\.)?(?![\w])", "", after)
    rest = _LABEL.sub("", before + " " + after)
    letters = sum(ch.isalpha() for ch in rest)
    if letters <= 45:
        return True
    # "Тараз, 19 апреля 2021 — ..." : a place name then the date at the head of a line
    return bool(tm) and letters <= 80


def find_publication_date(text: str, window: int = 600) -> str | None:
    """The article's own date: the first full date in the first ``window``
    characters that stands like a dateline (its own line, or with a place,
    time, weekday or a 'views' counter), not one inside a sentence."""
    head = text[:window]
    for start, end, iso in find_dates(head):
        if _dateline_ok(text, start, end):
            return iso
    return None
