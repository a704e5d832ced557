"""Money grammar (yargy): natasha's money grammar knows neither the tenge nor
"трлн", so this one is written from scratch for Kazakh/Russian news.

    NUMBER   = DIGITS | NUMBER_WORDS{1,3}
    DIGITS   = INT{1-3} (NUMSPACE INT{3})+ [, INT]       # 2 500 000,5
             | INT{1-3} (, INT{3}){2,} [. INT]          # 1,000,000.50
             | INT{1-3} (. INT{3}){2,} [, INT]          # 1.500.000
             | INT [,|. INT]                            # 185,6  1,000  2.5
    AMOUNT   = NUMBER [MULTIPLIER [DIGITS MULTIPLIER]]  # 1 млрд 250 млн
             | HALF_MULTIPLIER                          # полмиллиарда
             | BARE_MULTIPLIER                          # миллиард (singular only)
    MONEY    = [QUALIFIER] [от] PREFIX AMOUNT [SEP [PREFIX] AMOUNT]
             | [QUALIFIER] [от] AMOUNT SEP PREFIX AMOUNT [SUFFIX]
             | [QUALIFIER] [от] AMOUNT [SEP AMOUNT] SUFFIX
    SEP      = dash, or "до" after "от"

The tokenizer is yargy's, with three changes: Kazakh letters belong to RU
words, and a "." / "," or a single space between two digits is a token of
its own (NUMSEP, NUMSPACE), so the grammar can tell "1,568" from "2023, 5"
and "2 500" from "2024\\n500".

Facts keep their token spans: the caller reads the numbers back from the
original text with kzinvest.extract.numbers.
"""
from __future__ import annotations

from yargy import and_, or_, rule
from yargy.interpretation import fact
from yargy.predicates import (
    caseless, dictionary, eq, in_, in_caseless, length_eq, lte, normalized, type,
)
from yargy.morph import CachedMorphAnalyzer, Form, Grams, MorphAnalyzer
from yargy.tokenizer import EOL, INT, LATIN, OTHER, PUNCT, MorphTokenizer, TokenRule

from kzinvest.extract.numbers import SPACE_CHARS, WORD_VALUE

__all__ = ["MONEY", "TOKENIZER", "Amount", "Currency", "MoneyFact"]

# --- tokenizer ----------------------------------------------------------------
NUMSEP = "NUMSEP"        # "." or "," glued between two digits
NUMSPACE = "NUMSPACE"    # one space char between two digits: thousands groups

# The grammar's dictionary()/normalized() lemmas (tests/test_money.py checks the list is
# whole). Only a word that may be one of their forms is given to pymorphy2: the rest of a
# window's words ("компания", "построит", ...) need no analysis, and analysing each new word
# cost a third of the time spent on money.
MORPH_LEMMAS = (
    "американский", "британский", "дирхам", "доллар", "иена", "индийский", "йена",
    "казахстанский", "китайский", "кыргызский", "лира", "миллиард", "миллион", "превысить",
    "превышать", "риал", "российский", "рубль", "рупия", "саудовский", "стерлинг", "триллион",
    "турецкий", "тысяча", "узбекский", "франк", "фунт", "швейцарский", "эмиратский", "юань",
    "южнокорейский", "японский")


class _LemmaMorph(CachedMorphAnalyzer):
    """pymorphy2 for words that share their first three letters with a lemma of MORPH_LEMMAS
    (every form of such a lemma does); the word itself as its only form otherwise."""

    PREFIXES = frozenset(lemma[:3] for lemma in MORPH_LEMMAS)

    def __init__(self):
        # The dictionary's path given, pymorphy2 skips its entry-point search through the
        # deprecated pkg_resources (a tenth of a second at every start, and a warning).
        import pymorphy2
        import pymorphy2_dicts_ru
        MorphAnalyzer.__init__(self, pymorphy2.MorphAnalyzer(path=pymorphy2_dicts_ru.get_path(),
                                                             lang="ru"))

    def __call__(self, word):
        if word[:3].lower() in self.PREFIXES:
            return CachedMorphAnalyzer.__call__(self, word)
        return [Form(word.lower(), Grams(set()))]


TOKENIZER = MorphTokenizer(morph=_LemmaMorph(), rules=[
    TokenRule("RU", r"[а-яёәғқңөұүһі]+"),
    TokenRule(LATIN, r"[a-z]+"),
    TokenRule(INT, r"\d+"),
    TokenRule(NUMSEP, r"(?<=\d)[.,](?=\d)"),
    TokenRule(NUMSPACE, r"(?<=\d)[" + SPACE_CHARS + r"](?=\d)"),
    TokenRule(PUNCT, r"[-\\/!#$%&()\[\]\*\+,\.:;<=>?@^_`{|}~№…\"'«»„“ʼʻ”]"),
    TokenRule(EOL, r"[\n\r]+"),
    TokenRule(OTHER, r"\S"),
])

# --- facts --------------------------------------------------------------------
Currency = fact("Currency", ["code"])
Amount = fact("Amount", ["number", "multiplier", "number2", "multiplier2", "half", "bare"])
MoneyFact = fact("MoneyFact", ["qualifier", "ot", "pre", "low", "pre2", "high", "suf"])

DOT = eq(".")
DASH = in_({"-", "‐", "‑", "–", "—"})

# --- numbers ------------------------------------------------------------------
INT_ = type(INT)
HEAD = and_(INT_, lte(999))
GROUP = and_(INT_, length_eq(3))
SEP_COMMA = and_(type(NUMSEP), eq(","))
SEP_DOT = and_(type(NUMSEP), eq("."))

DIGITS = or_(
    rule(HEAD, or_(
        rule(rule(type(NUMSPACE), GROUP).repeatable(), rule(SEP_COMMA, INT_).optional()),
        rule(rule(SEP_COMMA, GROUP).repeatable(min=2), rule(SEP_DOT, INT_).optional()),
        rule(rule(SEP_DOT, GROUP).repeatable(min=2), rule(SEP_COMMA, INT_).optional()),
    )),
    rule(INT_, rule(type(NUMSEP), INT_).optional()),
)

NUMBER_WORDS = rule(in_caseless(set(WORD_VALUE))).repeatable(max=3)

NUMBER = or_(DIGITS, NUMBER_WORDS)

# --- multipliers ----------------------------------------------------------------
MULTIPLIER = or_(
    rule(in_caseless({"трлн", "млрд", "млн", "тыс"}), rule(DOT).optional()),
    rule(dictionary({"триллион", "миллиард", "миллион", "тысяча"})),
    rule(in_caseless({
        "trillion", "trillions", "trln", "tn", "billion", "billions", "bln", "bn",
        "million", "millions", "mln", "mn", "thousand", "thousands"})),
)

_HALF_OF = {"миллиарда", "миллиона", "триллиона"}
HALF_MULTIPLIER = or_(
    rule(in_caseless({"пол" + w for w in _HALF_OF})),
    rule(caseless("пол"), eq("-"), in_caseless(_HALF_OF)),
)
# "миллиард долларов": singular only, so that "десятки миллиардов" stays out
BARE_MULTIPLIER = rule(in_caseless({"миллиард", "миллиарда", "миллион", "миллиона",
                                    "триллион", "триллиона"}))

AMOUNT = or_(
    rule(
        NUMBER.interpretation(Amount.number),
        rule(
            MULTIPLIER.interpretation(Amount.multiplier),
            rule(DIGITS.interpretation(Amount.number2),
                 MULTIPLIER.interpretation(Amount.multiplier2)).optional(),
        ).optional(),
    ),
    HALF_MULTIPLIER.interpretation(Amount.half),
    BARE_MULTIPLIER.interpretation(Amount.bare),
).interpretation(Amount)


# --- currencies -----------------------------------------------------------------
def _adj(word):
    """An optional adjective before the currency word: "американских долларов"."""
    return rule(normalized(word)).optional()


def _currency(code, *rules):
    return or_(*rules).interpretation(Currency.code.const(code))


def _codes(*codes):
    return rule(in_(set(codes)))


# after the amount: "50 млн долларов США", "5,7 млрд тг", "20 million euro"
SUFFIX_CURRENCY = or_(
    _currency(
        "KZT",
        rule(_adj("казахстанский"), in_caseless({"тенге", "теңге"})),
        rule(in_caseless({"тңг"})),
        rule(caseless("тг"), rule(DOT).optional()),
        _codes("₸", "KZT"),
    ),
    _currency(
        "USD",
        rule(
            or_(rule(normalized("американский")), rule(caseless("амер"), DOT)).optional(),
            or_(rule(normalized("доллар")), rule(caseless("долл"), rule(DOT).optional())),
            rule(eq("США")).optional(),
        ),
        _codes("USD", "$"),
        rule(eq("US"), eq("$")),
        rule(rule(eq("US")).optional(), in_caseless({"dollar", "dollars"})),
    ),
    _currency("EUR", rule(in_caseless({"евро", "euro", "euros"})), _codes("EUR", "€")),
    _currency(
        "RUB",
        rule(_adj("российский"),
             or_(rule(normalized("рубль")), rule(caseless("руб"), rule(DOT).optional()))),
        _codes("RUB", "₽"),
        rule(in_caseless({"rouble", "roubles", "ruble", "rubles"})),
    ),
    _currency("CNY", rule(_adj("китайский"), normalized("юань")),
              _codes("CNY", "RMB"), rule(caseless("yuan"))),
    _currency(
        "GBP",
        rule(_adj("британский"), normalized("фунт"), rule(normalized("стерлинг")).optional()),
        _codes("GBP", "£"),
        rule(in_caseless({"pound", "pounds"})),
    ),
    _currency("JPY", rule(_adj("японский"), dictionary({"иена", "йена"})),
              _codes("JPY"), rule(caseless("yen"))),
    _currency("KRW", rule(_adj("южнокорейский"), caseless("вон")), _codes("KRW")),
    _currency("TRY", rule(_adj("турецкий"), normalized("лира")), _codes("TRY")),
    _currency("AED", rule(_adj("эмиратский"), normalized("дирхам")), _codes("AED")),
    _currency("UZS", rule(_adj("узбекский"), in_caseless({"сум", "сумов", "сума", "сумы"})),
              _codes("UZS")),
    _currency("KGS", rule(_adj("кыргызский"), in_caseless({"сом", "сомов", "сома", "сомы"})),
              _codes("KGS")),
    _currency("CHF", rule(_adj("швейцарский"), normalized("франк")), _codes("CHF")),
    _currency("INR", rule(_adj("индийский"), normalized("рупия")), _codes("INR")),
    _currency("SAR", rule(_adj("саудовский"), normalized("риал")), _codes("SAR")),
).interpretation(Currency)

# before the amount: "$200 млн", "USD 50 million", "₸2 млрд"
PREFIX_CURRENCY = or_(
    _currency("KZT", _codes("₸", "KZT")),
    _currency("USD", _codes("USD", "$"), rule(eq("US"), eq("$"))),
    _currency("EUR", _codes("EUR", "€")),
    _currency("RUB", _codes("RUB", "₽")),
    _currency("CNY", _codes("CNY", "RMB", "¥")),
    _currency("GBP", _codes("GBP", "£")),
    *[_currency(code, _codes(code))
      for code in ("JPY", "KRW", "TRY", "AED", "UZS", "KGS", "CHF", "INR", "SAR")],
).interpretation(Currency)

# --- qualifiers -----------------------------------------------------------------
APPROX = or_(
    rule(in_caseless({"около", "порядка", "примерно", "приблизительно", "ориентировочно",
                      "почти", "about", "around", "approximately", "some", "nearly"})),
    rule(caseless("свыше"), caseless("чем")),
    rule(in_({"~", "≈"})),
)
OVER = or_(
    rule(in_caseless({"более", "свыше", "больше", "минимум", "over"})),
    rule(caseless("более"), caseless("чем")),
    rule(caseless("не"), caseless("менее")),
    rule(dictionary({"превысить", "превышать"})),
    rule(caseless("more"), caseless("than")),
    rule(caseless("at"), caseless("least")),
)
UPTO = or_(
    rule(in_caseless({"до", "максимум"})),
    rule(caseless("вплоть"), caseless("до")),
    rule(caseless("не"), in_caseless({"более", "больше"})),
    rule(caseless("up"), caseless("to")),
)
QUALIFIER = or_(
    APPROX.interpretation(MoneyFact.qualifier.const("approx")),
    OVER.interpretation(MoneyFact.qualifier.const("over")),
    UPTO.interpretation(MoneyFact.qualifier.const("upto")),
)

# --- money ----------------------------------------------------------------------
OT = rule(caseless("от")).interpretation(MoneyFact.ot.const(True))
PRE = PREFIX_CURRENCY.interpretation(MoneyFact.pre)
PRE2 = PREFIX_CURRENCY.interpretation(MoneyFact.pre2)
LOW = AMOUNT.interpretation(MoneyFact.low)
HIGH = AMOUNT.interpretation(MoneyFact.high)
SUF = SUFFIX_CURRENCY.interpretation(MoneyFact.suf)

# "от 10 до 15", "от 10 — 15"; without "от" only a dash: "10-15"
OT_SEP = or_(rule(DASH), rule(caseless("до")))
SEP = rule(DASH)


def _prefix_tail(sep):
    """After "$10": an optional second amount, "$10-15 млн", "$10 — $15 млн"."""
    return rule(sep, PRE2.optional(), HIGH).optional()


def _suffix_tail(sep):
    """After an amount with no prefix: the currency, perhaps after a second
    amount: "10-15 млн долларов", "10 - $15 млн", "от 10 до 15 млрд тенге"."""
    return or_(
        rule(sep, or_(rule(PRE2, HIGH, SUF.optional()), rule(HIGH, SUF))),
        SUF,
    )


# The order of the parts is fixed; the factoring keeps the Earley chart small.
BODY = or_(
    rule(OT, or_(rule(PRE, LOW, _prefix_tail(OT_SEP)), rule(LOW, _suffix_tail(OT_SEP)))),
    rule(PRE, LOW, _prefix_tail(SEP)),       # a prefix currency: no suffix after it
    rule(LOW, _suffix_tail(SEP)),
)
MONEY = or_(rule(QUALIFIER, BODY), BODY).interpretation(MoneyFact)
