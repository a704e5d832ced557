"""Shared number parsing for the money, jobs and date grammars.

Numbers in Kazakh/Russian news come in several shapes:

* digits with Russian decimal comma: ``185,6`` -> 185.6
* digits with thousands separators: ``2 500`` (space, NBSP, narrow NBSP),
  ``1,000,000`` (English comma), ``1.000.000`` (dot)
* number words: ``два``, ``полтора``, ``двадцать пять``, ``тысячи``
* multipliers: ``тыс.``, ``млн``, ``миллиардов``, ``трлн``, ``million``, ``bn``

Everything here is plain compiled regular expressions: the grammars are used
on every sentence of every article, so they must stay cheap.
"""
from __future__ import annotations

import re

# --- separators ---------------------------------------------------------------
# ordinary space, NBSP, narrow NBSP, thin space, figure space
SPACE_CHARS = " \u00a0\u202f\u2009\u2007"
SP = "[" + SPACE_CHARS + "]"          # exactly one separator char
WS = r"[\s\u00a0\u202f\u2009\u2007]"  # any whitespace, incl. newline

# --- digit numbers ------------------------------------------------------------
# Order matters: the longest/most specific shapes first.
DIGITS = (
    r"(?<![\d.,])(?:"
    r"\d{1,3}(?:" + SP + r"\d{3})+(?:,\d+)?"          # 2 500 / 1 000 000,5
    r"|\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?"               # 1,000,000(.5)
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"               # 1.000.000(,5)
    r"|\d+(?:[.,]\d+)?"                               # 185,6 / 1.5 / 1,000 / 42
    r")(?![\d])"
)

_SEP_GROUPS = re.compile(r"^\d{1,3}(?:[" + SPACE_CHARS + r"]\d{3})+(?:,\d+)?$")


def parse_digits(s: str, has_multiplier: bool = False) -> float:
    """Parse one number written with digits.

    ``has_multiplier`` tells whether a scale word (млн, тыс., billion ...)
    follows: then a single ``,ddd`` / ``.ddd`` group is a decimal fraction
    ("1,568 млрд" = 1.568e9); without one it is a thousands separator
    ("1,000 рабочих мест" = 1000).
    """
    s = s.strip()
    for ch in SPACE_CHARS:
        s = s.replace(ch, " ")
    if " " in s:                      # space thousands, comma decimal
        s = s.replace(" ", "").replace(",", ".")
        return float(s)
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        # 1,000,000.5 (English) or 1.000.000,5 (continental)
        if s.rfind(".") > s.rfind(","):
            return float(s.replace(",", ""))
        return float(s.replace(".", "").replace(",", "."))
    if commas > 1:
        return float(s.replace(",", ""))
    if dots > 1:
        return float(s.replace(".", ""))
    sep = "," if commas else ("." if dots else None)
    if sep is None:
        return float(s)
    head, tail = s.split(sep)
    if len(tail) == 3 and not has_multiplier and head != "0":
        return float(head + tail)     # thousands separator
    return float(head + "." + tail)   # decimal fraction


# --- number words -------------------------------------------------------------
def _forms(*words: str) -> list[str]:
    return list(words)


# value -> inflected forms (nominative, genitive, dative, instrumental, prepositional)
_WORD_VALUES: dict[float, list[str]] = {
    1: _forms("один", "одна", "одно", "одного", "одной", "одному", "одну", "одним", "одном"),
    2: _forms("два", "две", "двух", "двум", "двумя"),
    3: _forms("три", "трех", "трёх", "трем", "трём", "тремя"),
    4: _forms("четыре", "четырех", "четырёх", "четырем", "четырём", "четырьмя"),
    5: _forms("пять", "пяти", "пятью"),
    6: _forms("шесть", "шести", "шестью"),
    7: _forms("семь", "семи", "семью"),
    8: _forms("восемь", "восьми", "восемью", "восьмью"),
    9: _forms("девять", "девяти", "девятью"),
    10: _forms("десять", "десяти", "десятью"),
    11: _forms("одиннадцать", "одиннадцати"),
    12: _forms("двенадцать", "двенадцати"),
    13: _forms("тринадцать", "тринадцати"),
    14: _forms("четырнадцать", "четырнадцати"),
    15: _forms("пятнадцать", "пятнадцати"),
    16: _forms("шестнадцать", "шестнадцати"),
    17: _forms("семнадцать", "семнадцати"),
    18: _forms("восемнадцать", "восемнадцати"),
    19: _forms("девятнадцать", "девятнадцати"),
    20: _forms("двадцать", "двадцати"),
    30: _forms("тридцать", "тридцати"),
    40: _forms("сорок", "сорока"),
    50: _forms("пятьдесят", "пятидесяти"),
    60: _forms("шестьдесят", "шестидесяти"),
    70: _forms("семьдесят", "семидесяти"),
    80: _forms("восемьдесят", "восьмидесяти"),
    90: _forms("девяносто", "девяноста"),
    100: _forms("сто", "ста", "сотню", "сотня"),
    200: _forms("двести", "двухсот", "двумстам"),
    300: _forms("триста", "трехсот", "трёхсот"),
    400: _forms("четыреста", "четырехсот", "четырёхсот"),
    500: _forms("пятьсот", "пятисот"),
    600: _forms("шестьсот", "шестисот"),
    700: _forms("семьсот", "семисот"),
    800: _forms("восемьсот", "восьмисот"),
    900: _forms("девятьсот", "девятисот"),
    1.5: _forms("полтора", "полторы", "полутора"),
}
WORD_VALUE: dict[str, float] = {f: v for v, forms in _WORD_VALUES.items() for f in forms}

_WORD_ALT = "|".join(sorted(WORD_VALUE, key=len, reverse=True))
# one to three number words: "двадцать пять", "сто пятьдесят", "полтора"
NUMBER_WORDS = (
    r"(?<![\w-])(?:" + _WORD_ALT + r")(?:" + SP + r"+(?:" + _WORD_ALT + r")){0,2}(?![\w-])"
)


def parse_number_words(s: str) -> float | None:
    total = 0.0
    for w in s.lower().replace("ё", "е").split():
        v = WORD_VALUE.get(w) or WORD_VALUE.get(w.replace("е", "ё"))
        if v is None:
            return None
        total += v
    return total or None


# --- multipliers ----------------------------------------------------------------
# (regex, value).  Abbreviations may carry a dot; full words any case ending.
_MULTIPLIERS: list[tuple[str, float]] = [
    (r"трлн\.?|триллион[а-я]*|trillions?|trln|tn", 1e12),
    (r"млрд\.?|миллиард[а-я]*|billions?|bln|bn", 1e9),
    (r"млн\.?|миллион[а-я]*|millions?|mln|mn", 1e6),
    (r"тыс\.?|тысяч[а-я]*|thousands?", 1e3),
]
MULTIPLIER = r"(?:" + "|".join(
    r"(?:" + rx + r")" for rx, _ in _MULTIPLIERS) + r")(?![\w])"
_MULT_RES = [(re.compile(r"^(?:" + rx + r")$", re.I), v) for rx, v in _MULTIPLIERS]
# "полмиллиарда", "полмиллиона", "пол-миллиарда"
HALF_MULTIPLIER = r"(?<![\w-])пол-?(?:миллиард|миллион|триллион)а(?![\w])"


def multiplier_value(s: str) -> float | None:
    s = s.strip().lower()
    if s.startswith("пол") and not s.startswith("полтор"):
        v = multiplier_value(s[3:].lstrip("-"))
        return v / 2 if v else None
    for rx, v in _MULT_RES:
        if rx.match(s):
            return v
    return None


# Any number: digits or words.
NUMBER = r"(?:" + DIGITS + r"|" + NUMBER_WORDS + r")"


def parse_number(s: str, has_multiplier: bool = False) -> float | None:
    s = s.strip()
    if not s:
        return None
    if s[0].isdigit():
        try:
            return parse_digits(s, has_multiplier)
        except ValueError:
            return None
    return parse_number_words(s)
