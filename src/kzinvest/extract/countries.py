"""Countries in Russian text: names in any case, adjectives, demonyms.

Data: ``kzinvest/data/countries/countries.csv`` (mledoze + CLDR names, copied
from shared data) and ``adjectives.csv`` (hand-made: adjectives, demonyms and
extra names per ISO 3166-1 alpha-2 code).  Adjectives are inflected in code
with the regular Russian endings (-ий/-ая/-ое/-ие/-ого/-ой/-ому/-ую/-им/-их/
-ими/-ом), demonyms with a few noun patterns.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kzinvest.datafiles import read_rows, split_list

from .gazetteer import Automaton, adj_all_forms, longest_non_overlapping, norm_text, phrase_forms

__all__ = ["CountryMention", "find_countries", "country_name_ru", "country_by_adjective"]


@dataclass(frozen=True)
class CountryMention:
    start: int
    end: int
    text: str
    country: str  # ISO 3166-1 alpha-2


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, str]]:
    return {r["cca2"]: r for r in read_rows("countries", "countries.csv")}


@lru_cache(maxsize=1)
def _adjectives() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in read_rows("countries", "adjectives.csv")}


_PREFERRED_RU = {"KR": "Южная Корея", "KP": "КНДР", "US": "США", "AE": "ОАЭ", "GB": "Великобритания",
                 "CZ": "Чехия", "MK": "Северная Македония", "CD": "ДР Конго", "CG": "Республика Конго"}


def country_name_ru(code: str) -> str:
    """Short Russian name of a country: "CN" -> "Китай"."""
    code = code.upper()
    if code in _PREFERRED_RU:
        return _PREFERRED_RU[code]
    row = _countries().get(code)
    if row is None:
        raise KeyError(code)
    return row["name_ru_cldr"] or row["name_ru_common"]


# Bare names too close to common words or too rare to be worth the risk.
_NAME_STOP = {"Того", "Мэн", "Чад", "Гренада", "Джерси", "Гернси", "Доминика", "Мали", "Нигер",
              "Куба", "Панама", "Грузия", "Джорджия", "Остров Мэн", "Сальвадор", "Монтсеррат", "Святой Елены"}
_PLURAL = {"Нидерланды", "Филиппины", "Мальдивы", "Багамы", "Сейшелы", "Коморы", "Эмираты",
           "Штаты"}
_NONE_KEYS = ["европейский союз", "евросоюз", "евразийский экономический союз", "европа", "азия",
              "центральная азия", "евразия", "африка", "латинская америка", "ближний восток",
              "средняя азия", "юго-восточная азия", "снг", "содружество независимых государств"]


def _demonym_forms(pl: str) -> set[str]:
    forms = {pl}
    if pl.endswith("цы"):
        s = pl[:-1]  # китайц
        forms |= {pl[:-2] + "ев", s + "ев", s + "ам", s + "ами", s + "ах",
                  pl[:-2] + "ец", s + "а", s + "у", s + "ем", s + "е"}
    elif pl.endswith(("ане", "яне")):
        s = pl[:-1]  # россиян
        forms |= {s, s + "ам", s + "ами", s + "ах", s + "ин", s + "ина", s + "ину", s + "ином", s + "ине"}
    elif pl.endswith(("ие", "ые")):
        forms |= adj_all_forms(pl[:-2] + ("ий" if pl.endswith("ие") else "ый"))
    elif pl.endswith(("ы", "и")):
        s = pl[:-1]
        forms |= {s + "ов", s + "ам", s + "ами", s + "ах", s, s + "а", s + "у", s + "ом", s + "е"}
        if s.endswith("к"):
            forms.add(s[:-1] + "ок")  # турки -> турок
    return forms


def _keys():
    """(key, (code|None, mode)); mode: "lower" any case, "cap" capitalised, "upper" exact
    upper-case, "prefix" (казахстанско-) must be followed by a hyphen."""
    seen_names: set[str] = set()
    for code, r in _adjectives().items():
        for adj in split_list(r["adjectives"]):
            for f in adj_all_forms(adj):
                yield f, (code, "lower")
            yield adj[:-2] + "о", (code, "prefix")  # китайско-казахстанский
        for dem in split_list(r["demonyms"]):
            for f in _demonym_forms(dem):
                yield f, (code, "lower")
        for name in split_list(r["names"]):
            seen_names.add(name)
            yield from _name_keys(name, code)
    for code, r in _countries().items():
        for col in ("name_ru_common", "name_ru_official", "name_ru_cldr", "name_ru_cldr_alt"):
            for name in split_list(r[col]):
                name = norm_text(name)
                if name in seen_names or name in _NAME_STOP:
                    continue
                seen_names.add(name)
                yield from _name_keys(name, code)
    for k in _NONE_KEYS:
        for f in phrase_forms(k, mode="head"):
            yield f, (None, "lower")
    yield "ес", (None, "upper")
    yield "еаэс", (None, "upper")


def _name_keys(name: str, code: str):
    name = norm_text(name)
    if name.isupper() and len(name) <= 5:
        yield name.lower(), (code, "upper")
        return
    plural = any(w in _PLURAL for w in name.split(" ")) or name in _PLURAL
    for f in phrase_forms(name, mode="head", plural=plural):
        yield f.lower(), (code, "cap")


_AUTO = Automaton(lambda: _keys())


def find_countries(text: str) -> list[CountryMention]:
    """Countries mentioned in ``text`` (non-overlapping, longest first, sorted by start)."""
    if not text:
        return []
    folded = norm_text(text)
    low = folded.lower()
    found = []
    for s, e, payloads in _AUTO.iter_matches(low):
        ok = []
        seg = folded[s:e]
        for code, mode in payloads:
            if mode == "cap" and not seg[:1].isupper():
                continue
            if mode == "upper" and not seg.isupper():
                continue
            if mode == "prefix" and not (e < len(folded) and folded[e] == "-"):
                continue
            ok.append(code)
        if ok:
            found.append((s, e, ok))
    out = []
    for s, e, codes in longest_non_overlapping(found):
        code = codes[0]
        if code is None:
            continue
        out.append(CountryMention(s, e, text[s:e], code))
    return out


def country_by_adjective(word: str) -> str | None:
    """ISO2 for a single adjective/demonym/name in any form ("малайзийская" -> "MY")."""
    ms = find_countries(word.strip())
    if len(ms) == 1 and ms[0].start == 0 and ms[0].end == len(word.strip()):
        return ms[0].country
    return None
