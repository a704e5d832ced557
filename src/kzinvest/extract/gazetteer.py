"""Shared helpers for dictionary look-ups in Russian text.

* ``norm_text`` folds characters that vary between news sites (ё, typographic
  quotes, dashes, non-breaking spaces) to one form **without changing the
  length of the string**, so offsets found in the folded text are valid in
  the original.
* ``noun_cases`` / ``adj_cases`` / ``phrase_forms`` produce Russian case forms
  of proper names with a small suffix scheme (no dictionary, cheap enough to
  run when an automaton is first built).  Over-generation is harmless for
  look-up keys; what matters is that real forms are produced.
* ``Automaton`` wraps pyahocorasick: keys are added once, the automaton is
  compiled lazily and ``find`` returns whole-word matches.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ahocorasick

# ---------------------------------------------------------------- folding

_FOLD = {
    "ё": "е", "Ё": "Е",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‟": '"', "‹": '"', "›": '"',
    "″": '"', "'": '"', "’": '"', "‘": '"', "`": '"',
    "–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ", "\n": " ", "\r": " ",
}
_FOLD_TABLE = str.maketrans(_FOLD)


def norm_text(text: str) -> str:
    """Fold ё/quotes/dashes/odd spaces; the result has the same length."""
    return text.translate(_FOLD_TABLE)


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# ---------------------------------------------------------------- inflection

CASES = ("nom", "gen", "dat", "acc", "ins", "pre")
_CONS = set("бвгджзклмнпрстфхцчшщ")
_VELAR_SIB = set("гкхжшчщ")
_SIB = set("жшчщц")
_KAZ_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def _cyr(word: str) -> bool:
    return any("а" <= c.lower() <= "я" or c in "ёЁ" for c in word)


def noun_cases(word: str, plural: bool = False) -> dict[str, list[str]]:
    """Case forms of a (proper) noun by its ending; last hyphen part inflects."""
    out = {c: [word] for c in CASES}
    if not word or not _cyr(word) or word[-1] in _KAZ_LETTERS:
        return out
    lw = word.lower()
    last = lw[-1]
    up = word.isupper() and len(word) > 1  # abbreviation: КАМАЗ -> КАМАЗа
    if up and last in "аяоеиыуюэ":
        return out  # ОАЭ, США, ЕАЭС... indeclinable
    if plural:
        s = word[:-1]
        out["gen"] = [s + "ов", s, s + "ей"]
        out["dat"] = [s + "ам"]
        out["ins"] = [s + "ами"]
        out["pre"] = [s + "ах"]
        return out
    if up:
        out["gen"] = [word + "а"]
        out["dat"] = [word + "у"]
        out["ins"] = [word + "ом", word + "ем"]
        out["pre"] = [word + "е"]
        return out
    if lw.endswith("ия"):
        s = word[:-1]
        out.update(gen=[s + "и"], dat=[s + "и"], acc=[s + "ю"], ins=[s + "ей"], pre=[s + "и"])
    elif last == "я":
        s = word[:-1]
        out.update(gen=[s + "и"], dat=[s + "е"], acc=[s + "ю"], ins=[s + "ей"], pre=[s + "е"])
    elif last == "а":
        s = word[:-1]
        gen = s + ("и" if s and s[-1].lower() in _VELAR_SIB else "ы")
        ins = [s + "ой"] + ([s + "ей"] if s and s[-1].lower() in _SIB else [])
        out.update(gen=[gen], dat=[s + "е"], acc=[s + "у"], ins=ins, pre=[s + "е"])
    elif last == "й":
        s = word[:-1]
        out.update(gen=[s + "я"], dat=[s + "ю"], ins=[s + "ем"], pre=[s + "е"])
    elif last == "ь":
        s = word[:-1]
        out.update(gen=[s + "я", s + "и"], dat=[s + "ю", s + "и"], ins=[s + "ем", s + "ью"],
                   pre=[s + "е", s + "и"])
    elif last in _CONS:
        ins = [word + ("ем" if last in _SIB else "ом")]
        if lw.endswith(("ов", "ев", "ин", "ын")):
            ins.append(word + "ым")  # surnames: Рыскуловым, Майлиным
        out.update(gen=[word + "а"], dat=[word + "у"], ins=ins, pre=[word + "е"])
    return out


_ADJ = {
    # gender -> case -> endings for hard stems (ы becomes и after г к х ж ш ч щ)
    "m": {"gen": ["ого"], "dat": ["ому"], "ins": ["ым"], "pre": ["ом"]},
    "f": {"nom": ["ая"], "gen": ["ой"], "dat": ["ой"], "acc": ["ую"], "ins": ["ой", "ою"],
          "pre": ["ой"]},
    "n": {"nom": ["ое"], "gen": ["ого"], "dat": ["ому"], "acc": ["ое"], "ins": ["ым"], "pre": ["ом"]},
    "p": {"nom": ["ые"], "gen": ["ых"], "dat": ["ым"], "acc": ["ые"], "ins": ["ыми"],
          "pre": ["ых"]},
}


def adj_gender(word: str) -> str | None:
    lw = word.lower()
    if len(lw) <= 4 or not _cyr(lw):
        return None
    if lw.endswith(("ый", "ий", "ой")):
        return "m"
    if lw.endswith(("ая", "яя")):
        return "f"
    if lw.endswith(("ое", "ее")):
        return "n"
    if lw.endswith(("ые", "ие")):
        return "p"
    return None


def adj_cases(word: str, gender: str | None = None) -> dict[str, list[str]]:
    """Case forms of an adjective in the given gender ("m", "f", "n", "p")."""
    g = adj_gender(word)
    if g is None:
        return {c: [word] for c in CASES}
    stem = word[:-2]
    soft = stem[-1:].lower() in _VELAR_SIB
    gender = gender or g
    table = dict(_ADJ[gender])
    if gender == "m":
        table["nom"] = ["ий" if soft else "ый"]
        table["acc"] = table["nom"]
    out: dict[str, list[str]] = {}
    for case in CASES:
        forms = []
        for e in table[case]:
            if soft and e.startswith("ы"):
                e = "и" + e[1:]
            forms.append(stem + e)
        if gender == g and case in ("nom", "acc") and (gender != "f" or case == "nom"):
            forms = [word] if case == "nom" or gender != "f" else forms
        out[case] = forms
    return out


def adj_all_forms(word: str) -> set[str]:
    """All gender/case forms of an adjective given as masculine nominative."""
    forms: set[str] = set()
    for g in "mfnp":
        for fs in adj_cases(word, g).values():
            forms.update(fs)
    return forms


def word_cases(word: str, plural: bool = False) -> dict[str, list[str]]:
    if adj_gender(word) and word[:1].isalpha():
        return adj_cases(word)
    return noun_cases(word, plural)


def phrase_forms(phrase: str, mode: str = "all", plural: bool = False,
                 indeclinable: bool = False) -> set[str]:
    """Forms of a multi-word name in each of the six cases.

    mode "all": every word inflects (Новая Бухтарма, Турар Рыскулов);
    mode "head": leading adjectives and the first noun inflect, the rest stays
    (Республика Корея, Соединённые Штаты Америки).
    """
    if indeclinable:
        return {phrase}
    words = phrase.split(" ")
    per_word: list[dict[str, list[str]]] = []
    head_done = False
    for w in words:
        if head_done or (not w[:1].isupper() and len(w) <= 3) or w.lower() in ("и", "де", "да"):
            per_word.append({c: [w] for c in CASES})
            continue
        wc = word_cases(w, plural)
        per_word.append(wc)
        if mode == "head" and not adj_gender(w):
            head_done = True
    out: set[str] = set()
    for case in CASES:
        combos = [""]
        for wc in per_word:
            combos = [(c + " " + f).strip() for c in combos for f in wc[case]]
            if len(combos) > 16:
                combos = combos[:16]
        out.update(combos)
    out.add(phrase)
    return out


def capitalize_first(s: str) -> str:
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------- automaton

class Automaton:
    """Aho–Corasick automaton over keys -> list of payloads, built lazily.

    With a ``cache`` name the compiled automaton is also kept on disk (see
    ``kzinvest.cache``): generating the inflected forms of 100k place keys costs half
    a second at every start of the command line, reading them back a tenth of that.
    """

    def __init__(self, loader: Callable[[], Iterable[tuple[str, Any]]], cache: str | None = None):
        self._loader = loader
        self._cache = cache
        self._auto: ahocorasick.Automaton | None = None

    def _build(self) -> ahocorasick.Automaton:
        auto = ahocorasick.Automaton()
        store: dict[str, list[Any]] = {}
        for key, payload in self._loader():
            if not key:
                continue
            lst = store.setdefault(key, [])
            if payload not in lst:
                lst.append(payload)
        for key, lst in store.items():
            auto.add_word(key, (len(key), tuple(lst)))
        auto.make_automaton()
        return auto

    @property
    def automaton(self) -> ahocorasick.Automaton:
        if self._auto is None:
            if self._cache:
                from kzinvest.cache import cached, extraction_inputs
                self._auto = cached(self._cache, self._build, extraction_inputs)
            else:
                self._auto = self._build()
        return self._auto

    def __contains__(self, key: str) -> bool:
        return key in self.automaton

    def get(self, key: str, default=None):
        a = self.automaton
        if key in a:
            return a.get(key)[1]
        return default

    def iter_matches(self, text: str) -> Iterator[tuple[int, int, tuple]]:
        """Whole-word matches (start, end, payloads) of ``text`` (already folded)."""
        n = len(text)
        for end_idx, (length, payloads) in self.automaton.iter(text):
            start = end_idx - length + 1
            end = end_idx + 1
            if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
                continue
            if end < n and is_word_char(text[end]) and is_word_char(text[end - 1]):
                continue
            yield start, end, payloads


def longest_non_overlapping(matches: Iterable[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Greedy selection: longer matches win, then earlier ones; sorted by start."""
    ms = sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0]))
    taken: list[tuple[int, int, Any]] = []
    occupied = bytearray(max((m[1] for m in ms), default=0) + 1)   # linear, even on huge texts
    for m in ms:
        s, e = m[0], m[1]
        if any(occupied[s:e]):
            continue
        occupied[s:e] = b"\x01" * (e - s)
        taken.append(m)
    taken.sort(key=lambda m: m[0])
    return taken


# ---------------------------------------------------------------- transliteration

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}


def translit(s: str) -> str:
    """Lower-case Cyrillic (Russian and Kazakh letters) to plain Latin."""
    return "".join(_TRANSLIT.get(c, c) for c in s.lower())
