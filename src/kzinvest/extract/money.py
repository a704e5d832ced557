"""Money amounts in Russian-language news: "185,6 млрд тенге", "$1,5 млрд",
"от 10 до 15 млрд тенге", "полтора миллиарда долларов", "USD 50 million".

The grammar is written as compiled regular expressions rather than a yargy
parser, to stay well inside the 3 ms per 5 KB article budget.  Its pieces,
in yargy terms:

    AMOUNT   = NUMBER [MULTIPLIER [DIGITS MULTIPLIER]]   # "1 млрд 250 млн"
             | HALF_MULTIPLIER                           # "полмиллиарда"
             | BARE_MULTIPLIER                           # "миллиард"
    MONEY    = [от] [PREFIX_CURRENCY] AMOUNT [RANGE_SEP [PREFIX_CURRENCY] AMOUNT] [SUFFIX_CURRENCY]
               with at least one currency, the qualifier read from the words before.

Only windows around a currency word or symbol are scanned (cheap prefilter).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kzinvest.extract.numbers import (
    DIGITS, HALF_MULTIPLIER, MULTIPLIER, NUMBER, SP,
    multiplier_value, parse_number,
)


@dataclass(frozen=True)
class Money:
    start: int
    end: int
    text: str
    amount: float
    amount_max: float | None
    currency: str
    qualifier: str | None


# --- currencies ---------------------------------------------------------------
# (ISO code, suffix regex, prefix regex or None).  Suffix forms follow the amount
# ("50 млн долларов США"), prefix forms precede it ("$200 млн", "USD 50 million").
_S = r"[\s\u00a0\u202f]+"
_CURRENCIES: list[tuple[str, str, str | None]] = [
    ("KZT", r"(?:казахстанских" + _S + r")?тенге|тңг|тг\.?|₸|KZT", r"₸|KZT"),
    ("USD", r"(?:(?:американских|амер\.)" + _S + r")?(?:доллар[а-я]*|долл\.?)(?:" + _S + r"США)?"
            r"|USD|US\$|\$|(?:US" + _S + r")?dollars?",
     r"US\$|USD|\$"),
    ("EUR", r"евро|EUR|€|euros?", r"EUR|€"),
    ("RUB", r"(?:российских" + _S + r")?(?:рубл[а-я]*|руб\.?)|RUB|₽|roubles?|rubles?", r"RUB|₽"),
    ("CNY", r"(?:китайских" + _S + r")?юан[а-я]*|CNY|RMB|yuan", r"CNY|RMB|¥"),
    ("GBP", r"(?:британских" + _S + r")?фунт[а-я]*" + _S + r"стерлинг[а-я]*|фунт[а-я]*|GBP|£|pounds?", r"GBP|£"),
    ("JPY", r"(?:японских" + _S + r")?[иий]ен[аыуой]?|JPY|yen", r"JPY"),
    ("KRW", r"(?:южнокорейских" + _S + r")?вон|KRW", r"KRW"),
    ("TRY", r"(?:турецких" + _S + r")?лир[а-я]*|TRY", r"TRY"),
    ("AED", r"(?:эмиратских" + _S + r")?дирхам[а-я]*|AED", r"AED"),
    ("UZS", r"(?:узбекских" + _S + r")?сум(?:ов|а|ы)?|UZS", r"UZS"),
    ("KGS", r"(?:кыргызских" + _S + r")?сом(?:ов|а|ы)?|KGS", r"KGS"),
    ("CHF", r"(?:швейцарских" + _S + r")?франк[а-я]*|CHF", r"CHF"),
    ("INR", r"(?:индийских" + _S + r")?рупи[а-я]*|INR", r"INR"),
    ("SAR", r"(?:саудовских" + _S + r")?риал[а-я]*|SAR", r"SAR"),
]
_SUFFIX = r"(?:" + "|".join(
    r"(?P<s_%s>%s)" % (iso, rx) for iso, rx, _ in _CURRENCIES) + r")(?![\w])"
_PREFIX = r"(?:" + "|".join(
    r"(?P<p_%s>%s)" % (iso, rx) for iso, _, rx in _CURRENCIES if rx) + r")"

# "миллиард долларов" without a number: full words in the singular only, so that
# "десятки миллиардов" stays out.
_BARE_MULT = r"(?<![\w-])(?:миллиард|миллион|триллион)а?(?![\w])"

_AMOUNT = (
    r"(?:" + NUMBER + r"(?:" + SP + r"*" + MULTIPLIER
    + r"(?:" + SP + r"+" + DIGITS + SP + r"*" + MULTIPLIER + r")?)?"
    r"|" + HALF_MULTIPLIER + r"|" + _BARE_MULT + r")"
)
_DASH = r"[-‐‑–—]"

MONEY_RE = re.compile(
    r"(?<![\w])(?=[\dоодтчпшсвмнUERKCGJTASI$€₸₽£¥~])"
    r"(?P<ot>(?<![\w])от" + _S + r")?"
    r"(?:(?P<pre>" + _PREFIX + r")" + SP + r"?)?"
    r"(?P<a1>" + _AMOUNT + r")"
    r"(?:(?P<sep>(?(ot)(?:" + SP + r"*" + _DASH + SP + r"*|" + _S + r"до" + _S + r")|"
    + SP + r"*" + _DASH + SP + r"*))"
    r"(?:" + _PREFIX.replace("(?P<p_", "(?P<q_") + SP + r"?)?"
    r"(?P<a2>" + _AMOUNT + r"))?"
    r"(?(pre)|(?:" + SP + r"{0,2}(?P<suf>" + _SUFFIX + r"))?)",
    re.I,
)

_AMOUNT_PARTS = re.compile(
    r"(?P<num>" + NUMBER + r")(?:" + SP + r"*(?P<mult>" + MULTIPLIER + r")"
    r"(?:" + SP + r"+(?P<num2>" + DIGITS + r")" + SP + r"*(?P<mult2>" + MULTIPLIER + r"))?)?"
    r"|(?P<half>" + HALF_MULTIPLIER + r")|(?P<bare>" + _BARE_MULT + r")",
    re.I,
)

# Cheap prefilter: anything that could be a currency.
_TRIGGER = re.compile(
    r"[$€£¥₽₸]|(?<![\w])(?=[тдерюфийвлсмкuecrgjtaisdypk])(?:"
    r"тенге|тңг|тг\b|доллар|долл\.|евро|рубл|руб\.|юан|фунт|[ий]ен|вон\b|лир|дирхам"
    r"|(?:сум|сом)(?:ов|а|ы)?\b|франк|рупи|риал"
    r"|kzt|usd|eur|rub|cny|rmb|gbp|jpy|krw|try|aed|uzs|kgs|chf|inr|sar"
    r"|dollar|euro|yuan|rouble|ruble|pound)",
    re.I,
)

_QUAL_APPROX = re.compile(
    r"(?:(?<![\w])(?:около|порядка|примерно|приблизительно|ориентировочно|почти|свыше\s+чем"
    r"|about|around|approximately|some|nearly)|~|≈)\s*$", re.I)
_QUAL_OVER = re.compile(
    r"(?<![\w])(?:более(?:\s+чем)?|свыше|больше|не\s+менее|минимум|превы[сш][а-я]*"
    r"|over|more\s+than|at\s+least)\s*$", re.I)
_QUAL_UPTO = re.compile(
    r"(?<![\w])(?:до|вплоть\s+до|не\s+более|не\s+больше|максимум|up\s+to)\s*$", re.I)

# Exchange-rate tickers: "USD 449,50 ▲  EUR 486,12 ▼", "$ 61,20  € 63,45  ₸ 0,13".
_TICKER_PAIR = re.compile(
    r"(?:\b(?:USD|EUR|RUB|CNY|KZT|GBP)\b|[$€₸₽£¥])" + SP + r"?\d+[.,]\d+")
_TICKER_MARK = re.compile(r"[▲▼△▽↑↓]")


_SENTENCE_AFTER = re.compile(r"\s*(?:$|[A-ZА-ЯЁ«\"\n(])")


def _amount_value(s: str, scale_hint: float | None = None) -> tuple[float, float | None] | None:
    """-> (value, multiplier used or None)."""
    m = _AMOUNT_PARTS.match(s.strip())
    if not m:
        return None
    if m.group("half"):
        return multiplier_value(m.group("half")), None
    if m.group("bare"):
        return multiplier_value(m.group("bare").rstrip("аА")), None
    mult = multiplier_value(m.group("mult")) if m.group("mult") else None
    num = parse_number(m.group("num"), has_multiplier=bool(mult or scale_hint))
    if num is None:
        return None
    value = num * (mult or 1.0)
    if m.group("num2"):
        mult2 = multiplier_value(m.group("mult2"))
        num2 = parse_number(m.group("num2"), has_multiplier=True)
        if mult2 and mult and mult2 < mult and num2 is not None:
            value += num2 * mult2
    return value, mult


def _currency(m: re.Match) -> str | None:
    for key, val in m.groupdict().items():
        if val and key[:2] in ("s_", "p_", "q_"):
            return key[2:]
    return None


def _qualifier(text: str, start: int) -> str | None:
    before = text[max(0, start - 30):start]
    if _QUAL_APPROX.search(before):
        return "approx"
    if _QUAL_OVER.search(before):
        return "over"
    if _QUAL_UPTO.search(before):
        return "upto"
    return None


def _is_ticker(text: str, start: int, end: int) -> bool:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    line = text[ls:le if le >= 0 else len(text)]
    if _TICKER_MARK.search(line):
        return True
    return len(_TICKER_PAIR.findall(line)) >= 2


def _windows(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for t in _TRIGGER.finditer(text):
        a, b = max(0, t.start() - 70), min(len(text), t.end() + 50)
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _build(text: str, m: re.Match) -> Money | None:
    cur = _currency(m)
    if cur is None:
        return None
    a1 = _amount_value(m.group("a1"))
    if a1 is None:
        return None
    low, mult1 = a1
    high = None
    if m.group("a2"):
        a2 = _amount_value(m.group("a2"), scale_hint=1.0)
        if a2 is None:
            return None
        high, mult2 = a2
        if mult1 is None and mult2:
            # "10-15 млн": the scale word is shared
            low_num = parse_number(_AMOUNT_PARTS.match(m.group("a1")).group("num") or "",
                                   has_multiplier=True)
            low = (low_num or 0) * mult2
        if high < low:
            return None
    start, end = m.start(), m.end()
    if text[end - 1] == "." and _SENTENCE_AFTER.match(text, end):
        end -= 1          # "... $1,5 млрд." : the dot closes the sentence
    if not m.group("ot"):
        start = m.start("pre") if m.group("pre") else m.start("a1")
    has_mult = bool(re.search(MULTIPLIER, m.group(0), re.I)) or bool(
        re.search(HALF_MULTIPLIER + "|" + _BARE_MULT, m.group(0), re.I))
    if not m.group("suf") and not has_mult and _is_ticker(text, start, end):
        return None
    if not m.group("suf") and not has_mult and m.group("pre") and m.group("pre").isalpha():
        # "USD 449,50" followed by a rate sign or another code: a ticker, not money
        after = text[end:end + 12]
        if re.match(r"\s*(?:[▲▼+\-−–|]|[A-Z]{3}\b)", after):
            return None
    qualifier = "approx" if m.group("a2") else None
    if m.group("ot") and not m.group("a2"):
        qualifier = "over"
    if qualifier is None or not m.group("a2"):
        qualifier = _qualifier(text, start) or qualifier
    return Money(start=start, end=end, text=text[start:end], amount=float(low),
                 amount_max=float(high) if high is not None else None,
                 currency=cur, qualifier=qualifier if not m.group("a2") else None)


def find_money(text: str) -> list[Money]:
    """All money amounts in ``text``, sorted by position, non-overlapping."""
    out: list[Money] = []
    last_end = -1
    for a, b in _windows(text):
        pos = max(a, last_end)
        while pos < b:
            m = MONEY_RE.search(text, pos, b)
            if not m:
                break
            if m.end() == m.start():
                pos = m.end() + 1
                continue
            if not (m.group("pre") or m.group("suf") or _currency(m)):
                pos = m.end()
                continue
            money = _build(text, m)
            if money is None and m.group("a2"):
                # "итоги 2024 — 5 млн долларов": no range; read again from the second number
                pos = m.start("a2")
                continue
            if money is not None and money.start >= last_end:
                out.append(money)
                last_end = money.end
            pos = m.end()
    return out
