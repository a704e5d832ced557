"""Money amounts in Russian-language news: "185,6 млрд тенге", "$1,5 млрд",
"от 10 до 15 млрд тенге", "полтора миллиарда долларов", "USD 50 million".

The grammar is a yargy grammar of our own (kzinvest.extract.grammars.money):
natasha's money grammar knows no tenge and no "трлн".  yargy's Earley parser
is pure Python, so it runs only on windows of text around a currency word or
symbol, found by a cheap regex prefilter, with a parser that predicts with
one token of lookahead (grammars.parser); a 5 KB article costs about 1 ms
(benchmarks/money_bench.py).  Parses are cached per window text.

Here the yargy matches are checked and turned into ``Money`` records:
numbers are read back from the original text (kzinvest.extract.numbers),
ranges must grow ("2024 — 5 млн долларов" is no range: read again from "5"),
exchange-rate tickers are dropped ("USD 449,50 ▲  EUR 486,12 ▼").
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from kzinvest.extract.numbers import SPACE_CHARS, multiplier_value, parse_number


@dataclass(frozen=True)
class Money:
    start: int
    end: int
    text: str
    amount: float
    amount_max: float | None
    currency: str
    qualifier: str | None


# Cheap prefilter: anything that could be a currency.
_TRIGGER = re.compile(
    r"[$€£¥₽₸]|(?<![\w])(?=[тдерюфийвлсмкuecrgjtaisdypk])(?:"
    r"тенге|теңге|тңг|тг\b|доллар|долл\.|евро|рубл|руб\.|юан|фунт|[ий]ен|вон\b|лир|дирхам"
    r"|(?:сум|сом)(?:ов|а|ы)?\b|франк|рупи|риал"
    r"|kzt|usd|eur|rub|cny|rmb|gbp|jpy|krw|try|aed|uzs|kgs|chf|inr|sar"
    r"|dollar|euro|yuan|rouble|ruble|pound)",
    re.I,
)
_BEFORE, _AFTER = 55, 35      # window around a trigger, in characters

# Exchange-rate tickers: "USD 449,50 ▲  EUR 486,12 ▼", "$ 61,20  € 63,45  ₸ 0,13".
_SP = "[" + SPACE_CHARS + "]"
_TICKER_PAIR = re.compile(
    r"(?:\b(?:USD|EUR|RUB|CNY|KZT|GBP)\b|[$€₸₽£¥])" + _SP + r"?\d+[.,]\d+")
_TICKER_MARK = re.compile(r"[▲▼△▽↑↓]")
_TICKER_AFTER = re.compile(r"\s*(?:[▲▼+\-−–|]|[A-Z]{3}\b)")
_SENTENCE_AFTER = re.compile(r"\s*(?:$|[A-ZА-ЯЁ«\"\n(])")

_parser = None


def _get_parser():
    global _parser
    if _parser is None:
        with warnings.catch_warnings():      # pymorphy2 imports pkg_resources
            warnings.simplefilter("ignore")
            from kzinvest.extract.grammars.money import MONEY, TOKENIZER
            from kzinvest.extract.grammars.parser import LookaheadParser
        _parser = LookaheadParser(MONEY, tokenizer=TOKENIZER)
    return _parser


# --- reading facts back ---------------------------------------------------------
def _token_spans(obj):
    """Token spans under a raw interpretation result.  (yargy's own ``.spans``
    fails on const-normalised attributes, so the walk is done here.)"""
    span = getattr(obj, "span", None)
    if span is not None:                          # a token
        yield span
    elif hasattr(obj, "tokens"):                  # Chain
        for token in obj.tokens:
            yield token.span
    elif hasattr(obj, "items"):                   # InterpretatorInput
        for item in obj.items:
            yield from _token_spans(item)
    elif hasattr(obj, "input"):                   # NormalizerResult
        yield from _token_spans(obj.input)
    elif hasattr(obj, "fact"):                    # FactResult
        yield from _token_spans(obj.fact)
    elif hasattr(obj, "attributes"):              # InterpretatorFact
        for key in obj.modified:
            yield from _token_spans(obj.attributes[key])
    elif hasattr(obj, "value"):                   # AttributeResult
        yield from _token_spans(obj.value)


def _span(result) -> tuple[int, int]:
    spans = list(_token_spans(result))
    return min(s.start for s in spans), max(s.stop for s in spans)


def _part(raw, key):
    """The interpreted value of ``key`` in a raw yargy fact, or None."""
    return raw.attributes[key] if key in raw.modified else None


def _amount(raw, text: str, off: int, scale_hint: bool = False):
    """raw Amount fact -> (value, multiplier or None, bare number or None)."""
    def piece(key):
        res = _part(raw, key)
        if res is None:
            return None
        a, b = _span(res)
        return text[off + a:off + b]

    half = piece("half") or piece("bare")
    if half:
        return multiplier_value(half.lower().rstrip("а")), None, None
    mult_s = piece("multiplier")
    mult = multiplier_value(mult_s) if mult_s else None
    num_s = piece("number")
    num = parse_number(num_s, has_multiplier=bool(mult or scale_hint))
    if num is None:
        return None
    value = num * (mult or 1.0)
    num2_s, mult2_s = piece("number2"), piece("multiplier2")
    if num2_s and mult2_s:
        mult2 = multiplier_value(mult2_s)
        num2 = parse_number(num2_s, has_multiplier=True)
        if mult2 and mult and mult2 < mult and num2 is not None:
            value += num2 * mult2
    return value, mult, num_s


def _is_ticker(text: str, start: int, end: int) -> bool:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    line = text[ls:le if le >= 0 else len(text)]
    if _TICKER_MARK.search(line):
        return True
    return len(_TICKER_PAIR.findall(line)) >= 2


@lru_cache(maxsize=4096)
def _parse(window: str) -> tuple:
    """yargy matches in a window -> ((match end, raw fact), ...), offsets
    relative to the window.  Cached on the window text: boilerplate (rate
    tickers, repeated lines of syndicated news) is parsed once."""
    return tuple((match.span.stop, match.tree.interpret().fact)
                 for match in _get_parser().findall(window))


def _build(text: str, off: int, stop: int, raw) -> tuple[Money | None, int | None]:
    """A yargy match in ``text[off:...]`` -> (Money or None, retry offset).

    The retry offset is set for a range that does not hold ("2024 — 5 млн
    долларов"): the text is read again from the second amount."""
    pre, suf = _part(raw, "pre"), _part(raw, "suf")
    cur = pre or _part(raw, "pre2") or suf         # as written first
    low_res, high_res = _part(raw, "low"), _part(raw, "high")
    retry = off + _span(high_res)[0] if high_res is not None else None
    if cur is None:
        return None, None
    a1 = _amount(low_res.fact, text, off)
    if a1 is None:
        return None, retry
    low, mult1, low_num = a1
    high = None
    has_mult = mult1 is not None or low_num is None
    if high_res is not None:
        a2 = _amount(high_res.fact, text, off, scale_hint=True)
        if a2 is None:
            return None, retry
        high, mult2, high_num = a2
        has_mult = has_mult or mult2 is not None or high_num is None
        if mult1 is None and mult2 and low_num:
            # "10-15 млн": the scale word is shared
            low = (parse_number(low_num, has_multiplier=True) or 0) * mult2
        if high < low:
            return None, retry

    low_start = off + _span(low_res)[0]
    if text[low_start - 1:low_start] in (".", ",") and text[low_start].isdigit():
        return None, None       # "1.2.500 тенге": the tail of another number
    starts = [off + _span(r)[0] for r in (_part(raw, "ot"), pre) if r is not None]
    start, end = min(starts + [low_start]), off + stop
    if text[end - 1] == "." and _SENTENCE_AFTER.match(text, end):
        end -= 1          # "... $1,5 млрд." : the dot closes the sentence
    if not has_mult and _is_ticker(text, start, end):
        return None, None
    if suf is None and not has_mult and pre is not None and _TICKER_AFTER.match(text, end):
        a, b = _span(pre)
        if text[off + a:off + b].isalpha():
            # "USD 449,50" followed by a rate sign or another code: a ticker
            return None, None

    qualifier = None
    if high is None:
        qual = _part(raw, "qualifier")
        qualifier = qual.normalized if qual is not None else (
            "over" if _part(raw, "ot") is not None else None)
    return Money(start=start, end=end, text=text[start:end], amount=float(low),
                 amount_max=float(high) if high is not None else None,
                 currency=cur.normalized.code, qualifier=qualifier), None


# --- windows --------------------------------------------------------------------
def _snap_start(text: str, a: int) -> int:
    """Move a window start back to a word boundary outside a number."""
    lo = max(0, a - 30)
    while a > lo:
        c = text[a - 1]
        if c == "\n" or (c.isspace() and not (
                c in SPACE_CHARS and text[a - 2:a - 1].isdigit() and text[a:a + 1].isdigit())):
            break
        a -= 1
    return a


def _snap_end(text: str, b: int) -> int:
    hi = min(len(text), b + 30)
    while b < hi and not text[b].isspace():
        b += 1
    return b


def _windows(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    n = len(text)
    for t in _TRIGGER.finditer(text):
        a, b = max(0, t.start() - _BEFORE), min(n, t.end() + _AFTER)
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return [(_snap_start(text, a), _snap_end(text, b)) for a, b in spans]


def find_money(text: str) -> list[Money]:
    """All money amounts in ``text``, sorted by position, non-overlapping."""
    out: list[Money] = []
    last_end = -1
    for a, b in _windows(text):
        pos = max(a, last_end)
        while pos < b:
            retry = None
            for stop, raw in _parse(text[pos:b]):
                money, retry = _build(text, pos, stop, raw)
                if money is not None:
                    retry = None
                    if money.start >= last_end:
                        out.append(money)
                        last_end = money.end
                elif retry is not None:
                    break
            if retry is None or retry <= pos:
                break
            pos = retry
    return out
