"""Company names reduced to matching keys.

"ПАО «КАМАЗ»", "KAMAZ" and "КАМАЗа" must all land on one company; "Proton Holdings" and
"Протон" too. A key is the name without quotes and legal forms, transliterated to Latin
and folded so that common spelling differences between the two scripts disappear.
Keys are for matching only; the display name stays as the article wrote it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

try:  # the extractor's own key (legal forms, quotes, transliteration) is reused when present
    from kzinvest.extract.companies import normalize_company_name as _extractor_key
except Exception:  # pragma: no cover - depends on another module
    _extractor_key = None

# Legal forms and generic corporate words: they differ between articles about the same
# company ("ТОО X" / "X LLP" / "X Holdings") and never identify it.
LEGAL_WORDS = frozenset("""
тоо ао пао оао зао ооо нао ип ук тк пк фирма компания компании компанией корпорация
корпорации холдинг холдинга холдингом групп группа группы концерн
llp llc ltd limited co corp corporation inc incorporated jsc pjsc ojsc cjsc plc gmbh ag
sa sas spa bv nv kg oy ab as company holding holdings group concern
""".split())

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kazakh letters
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}

# Folding applied to the Latin form of both scripts: "Wabtec"/"Вабтек" -> "vabtek".
_FOLDS = (
    ("dzh", "j"), ("kh", "h"), ("ph", "f"), ("ck", "k"), ("w", "v"), ("q", "k"),
    ("x", "ks"), ("c", "k"), ("y", "i"), ("ts", "s"), ("zh", "j"),
)
_QUOTES = "«»\"'“”„‘’`´"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_REPEAT = re.compile(r"(.)\1+")


def display_name(name: str) -> str:
    """The name as shown: the extractor's normalisation if available, whitespace tidied."""
    out = " ".join(name.split())
    # Drop quotes wrapping the whole name ("«КАМАЗ»"), keep those inside (ПАО «КАМАЗ»).
    while len(out) > 2 and out[0] in _QUOTES and out[-1] in _QUOTES:
        out = out[1:-1].strip()
    return out


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text)


def name_tokens(name: str) -> list[str]:
    """Lower-cased word tokens without quotes and legal forms."""
    text = unicodedata.normalize("NFKC", name).lower()
    for q in _QUOTES:
        text = text.replace(q, " ")
    tokens = [t for t in _TOKEN.findall(text) if t not in LEGAL_WORDS]
    return tokens


@lru_cache(maxsize=65536)      # a pure function of the token; names repeat across articles
def _fold(token: str) -> str:
    out = transliterate(token)
    out = unicodedata.normalize("NFKD", out)
    out = "".join(ch for ch in out if not unicodedata.combining(ch))
    for a, b in _FOLDS:
        out = out.replace(a, b)
    return _REPEAT.sub(r"\1", out)


def company_key(name: str | None) -> str:
    """Matching key: "ПАО «КАМАЗ»" -> "kamaz", "Proton Holdings" -> "proton"."""
    if not name:
        return ""
    if _extractor_key is not None:
        try:
            base = _extractor_key(name)
            if base:
                return " ".join(_fold(t) for t in base.split())
        except Exception:
            pass
    tokens = name_tokens(name)
    if not tokens:  # a name made only of legal words: keep them rather than nothing
        tokens = _TOKEN.findall(name.lower())
    return " ".join(_fold(t) for t in tokens)


# Russian case endings, transliterated and folded: "КАМАЗа", "КАМАЗом", "Протону".
_ENDINGS = ("ami", "ah", "om", "oi", "ei", "ov", "a", "u", "e", "i", "o")


def keys_match(a: str, b: str, threshold: float = 90.0) -> bool:
    """Whether two keys name the same company (exact, inflected, or a near spelling)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    # Inflection: the longer key is the shorter plus a case ending ("kamaza" / "kamaz").
    if len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _ENDINGS:
        return True
    if len(short) < 5:  # short names: only exact or inflected matches are safe
        return False
    return fuzz.ratio(a, b) >= threshold


def known_company(name: str):
    """The extractor's reference entry for a company name (canonical name, country,
    aliases), or None when unknown or the reference is not available."""
    try:
        from kzinvest.extract.companies import lookup_company
        return lookup_company(name)
    except Exception:
        return None
