"""One raw input to one cleaned `Document`: main text, junk removal, title, date.

`clean_document` is the single entry point the input stage calls for every input:
HTML goes through `html_to_text`, every text through `strip_junk`; the title is
the one given, else the page's headline, else the first headline-like line; the
publication date is the one given (normalised to YYYY-MM-DD), else the page's
metadata, else a dateline found in the text.
"""
from __future__ import annotations

import re
from datetime import date

from kzinvest.clean.html import html_to_text
from kzinvest.clean.junk import has_date, strip_junk
from kzinvest.limits import TimeLimitExceeded, run_with_limit
from kzinvest.model import Document

__all__ = ["clean_document", "normalise_date", "find_dateline"]

_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "авг": 8, "сен": 9, "окт": 10, "ноя": 11,
    "дек": 12,
}
_MONTH_RE = (r"(январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|"
             r"сентябр[яь]|октябр[яь]|ноябр[яь]|декабр[яь])")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_WORDY = re.compile(r"(?<!\d)(\d{1,2})\s+" + _MONTH_RE + r",?\s+((?:19|20)\d{2})(?!\d)", re.I)
_WORDY_US = re.compile(_MONTH_RE.replace("ма[яй]", "ма[яй]|май") + r"\s+(\d{1,2}),?\s+((?:19|20)\d{2})", re.I)


def _month(word: str) -> int | None:
    w = word.lower()
    for stem in sorted(_MONTHS, key=len, reverse=True):
        if w.startswith(stem):
            return _MONTHS[stem]
    return None


def _ymd(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def normalise_date(value: str | None) -> str | None:
    """'2024-12-12T19:59+05:00', '12.12.2024', '12 декабря 2024' -> '2024-12-12'."""
    if not value:
        return None
    value = str(value).strip()
    m = _ISO.search(value)
    if m:
        return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC.search(value)
    if m:
        return _ymd(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _WORDY.search(value)
    if m:
        mon = _month(m.group(2))
        return _ymd(int(m.group(3)), mon, int(m.group(1))) if mon else None
    m = _WORDY_US.search(value)
    if m:
        mon = _month(m.group(1))
        return _ymd(int(m.group(3)), mon, int(m.group(2))) if mon else None
    return None


def find_dateline(text: str) -> str | None:
    """Fallback dateline finder: the first short line near the top of the text that
    holds a full date ("28.02.2024 19:42", "Тараз, 19 апреля 2021")."""
    for i, line in enumerate(text.splitlines()):
        if i > 25:
            break
        words = re.findall(r"\w+", line)
        if line.strip() and len(words) <= 12 and has_date(line):
            found = normalise_date(line)
            if found:
                return found
    return None


def _publication_date(text: str) -> str | None:
    try:
        from kzinvest.extract.dates import find_publication_date
    except ImportError:
        return find_dateline(text)
    try:
        found = find_publication_date(text)
    except Exception:  # a bug over there must not lose the document
        found = None
    if found is not None and not isinstance(found, str):
        found = getattr(found, "isoformat", lambda: None)()
    return normalise_date(found) if found else find_dateline(text)


def _is_dateline(line: str) -> bool:
    rest = re.sub(r"\d{1,2}[.:/-]\d{1,2}(?:[.:/-]\d{2,4})?|\b\d+\b|" + _MONTH_RE, " ", line, flags=re.I)
    return has_date(line) and len(re.findall(r"[^\W\d_]+", rest)) <= 4


_SITE_LINE = re.compile(r"\w\.(kz|ru|com|org|net|uz|kg|info|tv)\b|\s\|\s", re.I)


def guess_title(text: str) -> str | None:
    """The first headline-like line: 3+ words, not a dateline, not a full sentence
    paragraph."""
    first = None
    for line in text.splitlines()[:15]:
        s = line.strip()
        if not s or _is_dateline(s):
            continue
        if first is None:
            first = s
        words = re.findall(r"[^\W\d_]+", s)
        if _SITE_LINE.search(s):
            continue   # "Tengrinews.kz — Бизнес", "Главная | Новости": the outlet, not the headline
        if len(words) >= 3 and len(s) <= 250 and not s.endswith("."):
            return s
    if first and len(first) <= 250:
        return first
    return None


def clean_document(source: str, raw: str, content_type: str = "text", title: str | None = None,
                   url: str | None = None, published: str | None = None,
                   encoding: str | None = None) -> Document:
    """Clean one decoded input into a Document (see the module docstring).

    Runs under the per-document time limit (kzinvest.limits): a page that takes longer
    raises InputError(source, "cleaning took longer than ...")."""
    from kzinvest.sources.errors import InputError   # (sources imports this module)
    try:
        return run_with_limit(_clean, source, raw, content_type, title, url, published,
                              encoding, what="cleaning")
    except TimeLimitExceeded as exc:
        raise InputError(source, str(exc)) from None
    except RecursionError:
        raise InputError(source, "document too deeply nested") from None


def _clean(source: str, raw: str, content_type: str, title: str | None, url: str | None,
           published: str | None, encoding: str | None) -> Document:
    meta: dict = {}
    if content_type == "html":
        main, meta = html_to_text(raw, url)
    else:
        main = raw.lstrip("\ufeff")
    text = strip_junk(main).strip("\n")
    doc_title = (title.strip() if isinstance(title, str) and title.strip() else None) \
        or meta.get("title") or guess_title(text)
    doc_date = normalise_date(published) or meta.get("date") or _publication_date(text)
    return Document(
        source=source, text=text, title=doc_title, url=url or meta.get("url"),
        published=doc_date, raw_text=raw, content_type=content_type, encoding=encoding)
