"""Hostile inputs for decoding, cleaning and extraction: Hypothesis strategies and the checks
every input must pass. Shared by tests/security/test_fuzz.py (2,000 inputs in CI) and
benchmarks/fuzz.py (100,000 and more).

The checks: nothing but a reported InputError ever comes out of a stage (no other
exception); every record's evidence is verbatim in the text it was extracted from, with
spans that point at it; amounts and jobs are finite and sane; a small input never comes
near the per-document time limit.
"""
from __future__ import annotations

import codecs
import math
import time

from hypothesis import strategies as st

from kzinvest.limits import TimeLimitExceeded
from kzinvest.model import SECTORS, STAGES
from kzinvest.sources.errors import InputError

# Fragments that steer generated text into the extractor's interesting paths.
NEWS = [
    "Китайская компания", "ТОО «Астана Агро»", "АО \"КазМунайГаз\"", "построит завод", "в Семее",
    "Туркестанской области", "стоимостью 50 млн долларов", "1,5 млрд тенге", "₸2 трлн",
    "создано 300 рабочих мест", "меморандум", "подписали соглашение", "Напомним,", "Кроме того,",
    "Alstom Co., Ltd.", "€120 млн", "полтора миллиарда", "Читайте также", "запустили", "в 2024 году",
    "12 марта 2025 года", "от 100 до 200 млн долларов", "$1.2bn", "Xinjiang Shutu Tecnology Co",
    "турецкая компания", "Министерство энергетики", "СЭЗ «Хоргос»", "г. Алматы", "Шымкент",
    "около тысячи человек", "инвестиции составят", "проект стоимостью", "Популярное",
]
PUNCT = [".", "\n", "\n\n", ", ", " — ", "«", "»", "(", ")", ";", ":", "...", "!", "?", "\"", "'"]
ODD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",            # zero-width, soft hyphen
    "\u202e", "\u202d", "\u202a", "\u202c", "\u2066", "\u2069", "\u200f", "\u200e",   # bidi
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u05e2\u05d1\u05e8\u05d9\u05ea",    # Arabic, Hebrew
    "株式会社", "中国", "한국어", "Ελλάδα", "ﷺ", "𝔄𝔩𝔭𝔥𝔞", "🏭", "👨‍👩‍👧", "e\u0301\u0301\u0301",
    "Қазақстан", "Өскемен", "ҮҢҒ", "\x00", "\x07", "\x1b[31m", "\r", "\t", "\u2028", "\u2029",
    "\ud7ff", "\U0010ffff", "�", "&nbsp;", "&#x202e;", "&amp;", "&lt;script&gt;",
]


def big_number(digits: int = 400) -> st.SearchStrategy[str]:
    """A number of up to `digits` digits, plain or grouped with spaces, commas or dots."""
    return st.tuples(st.integers(min_value=1, max_value=digits),
                     st.sampled_from(["", " ", ",", ".", "\u00a0"]),
                     st.sampled_from(["", " млн", " млрд тенге", " долларов", " рабочих мест", "%"])
                     ).map(lambda t: _group("9" * t[0], t[1]) + t[2])


def _group(digits: str, sep: str) -> str:
    if not sep:
        return digits
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


atom = st.one_of(st.sampled_from(NEWS), st.sampled_from(PUNCT), st.sampled_from(ODD),
                 big_number(), st.text(max_size=12))
soup = st.lists(atom, max_size=48).map(" ".join)

# Whole sentences the extractor turns into records, then damaged: hostile characters and
# huge numbers dropped in at random places, so records (and their evidence) do come out.
SENTENCES = [
    "Китайская компания Xinjiang Shutu Tecnology Co построит завод в Семее.",
    "Стоимость проекта составляет 50 миллионов долларов США.",
    "Будет создано 500 рабочих мест.",
    "Турецкая компания «Alsera KZ» строит в Шымкенте тепличный комплекс стоимостью 322 млрд тенге.",
    "ТОО «Астана Агро» запустило в Акмолинской области молочную ферму за 4,5 млрд тенге, создано 120 рабочих мест.",
    "Меморандум о строительстве ветровой электростанции мощностью 1 ГВт подписали с компанией China Power.",
    "В 2025 году в экономику региона привлечено 1,7 трлн тенге инвестиций.",
    "Напомним, ранее немецкая компания Linde объявила о проекте стоимостью €120 млн в Павлодаре.",
]


def _damage(t: tuple[list[str], list[tuple[int, str]]]) -> str:
    text = "\n".join(t[0])
    for pos, junk in t[1]:
        pos %= len(text) + 1
        text = text[:pos] + junk + text[pos:]
    return text


news = st.tuples(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
                 st.lists(st.tuples(st.integers(0, 2000),
                                    st.one_of(st.sampled_from(ODD), big_number())),
                          max_size=6)).map(_damage)
texts = st.one_of(soup, news)

TAGS = ["p", "div", "span", "b", "i", "a href=\"javascript:alert(1)\"", "article", "script",
        "style", "table", "td", "li", "h1", "br", "nav", "footer", "iframe", "svg", "math",
        "template", "noscript", "title", "meta charset=\"koi8-r\"", "![CDATA[", "!--", "?xml"]


def _wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(TAGS), st.lists(children, max_size=4), st.booleans()).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}" + (f"</{t[0].split()[0]}>" if t[2] else ""))


html = st.one_of(
    st.recursive(texts, _wrap, max_leaves=12),
    st.tuples(st.integers(1, 3000), texts).map(lambda t: "<div>" * t[0] + t[1] + "</div>" * t[0]),
    st.tuples(st.integers(1, 3000), texts).map(lambda t: "<b>" * t[0] + t[1]),   # never closed
    st.lists(st.sampled_from(["<", ">", "</", "<!--", "-->", "&", ";", "\"", "=", "<p>", "x"]),
             max_size=60).map("".join),
)

ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "koi8-r", "cp866", "mac-cyrillic", "iso-8859-5",
             "utf-16", "utf-16-le", "utf-16-be", "utf-32"]


def _encode(t: tuple[str, str, int, bytes]) -> bytes:
    text, enc, cut, junk = t
    data = codecs.encode(text, enc, errors="replace")
    if cut:
        data = data[:max(0, len(data) - cut)]            # truncated mid-character
    return data + junk


raw_bytes = st.one_of(
    st.binary(max_size=3000),
    st.tuples(st.one_of(texts, html), st.sampled_from(ENCODINGS), st.integers(0, 3),
              st.binary(max_size=8)).map(_encode),
    st.sampled_from([b"\x1f\x8b\x08", b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf",
                     b"%PDF-", b"\x00\x00\xfe\xff"]).flatmap(
        lambda head: st.binary(max_size=500).map(lambda b: head + b)),
)


class TooSlow(AssertionError):
    pass


def check_decode(data: bytes) -> str | None:
    """decode_bytes: text or a reported InputError, nothing else."""
    from kzinvest.sources.decode import decode_bytes
    try:
        text, enc = decode_bytes(data)
    except InputError:
        return None
    assert isinstance(text, str) and isinstance(enc, str) and enc
    return text


def check_clean(raw: str, content_type: str):
    """clean_document: a Document whose text is a str, or a reported InputError."""
    from kzinvest.clean.meta import clean_document
    try:
        doc = clean_document("fuzz", raw, content_type)
    except InputError as err:
        assert err.source == "fuzz" and err.reason and "\n" not in err.reason
        return None
    assert isinstance(doc.text, str)
    assert doc.title is None or isinstance(doc.title, str)
    assert doc.published is None or (len(doc.published) == 10 and doc.published[4] == "-")
    return doc


def check_extract(doc) -> int:
    """Extraction: records whose evidence is verbatim in the text; a reported failure at worst."""
    from kzinvest.pipeline import extract_document
    try:
        records = extract_document(doc)
    except TimeLimitExceeded:
        raise TooSlow(f"extraction hit the time limit on {len(doc.text)} characters")
    text = doc.text
    for r in records:
        assert r.kind in ("project", "indicator")
        assert r.sector in SECTORS and r.stage in STAGES
        assert r.evidence, "every record carries evidence"
        spans = r.evidence_spans or [None] * len(r.evidence)
        for sentence, span in zip(r.evidence, spans, strict=True):
            assert sentence and sentence in text, f"evidence not verbatim: {sentence!r}"
            if span is not None:
                assert text[span[0]:span[1]] == sentence
        for v in (r.amount, r.amount_usd):
            assert v is None or (math.isfinite(v) and v > 0)
        assert r.jobs is None or 0 < r.jobs < 10**9
        assert r.date is None or len(r.date) == 10
    return len(records)


def check_pipeline(data: bytes | str, content_type: str = "text", limit_s: float = 10.0) -> str:
    """Bytes (or text) through decode, clean and extract; returns how it ended. More than
    `limit_s` seconds of CPU (not wall time: a busy machine must not make a fast input
    look slow) is a failure: small inputs must be nowhere near the per-document limit."""
    t0 = time.process_time()
    text = check_decode(data) if isinstance(data, bytes) else data
    if text is None:
        return "refused"
    doc = check_clean(text, content_type)
    if doc is None:
        return "refused"
    if not doc.text.strip():
        return "empty"
    n = check_extract(doc)
    took = time.process_time() - t0
    if took > limit_s:
        raise TooSlow(f"{took:.1f} s of CPU for {len(text)} characters")
    return "records" if n else "no records"
