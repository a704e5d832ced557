"""Registry of companies known to invest (or to steer investment) in Kazakhstan.

Data: ``kzinvest/data/companies.csv`` with columns name, country (ISO2, empty
for multilateral lenders), aliases ("|"-separated, Cyrillic and Latin),
sector (SPEC sector list) and role:

* ``company``   an ordinary company, a possible investor;
* ``national``  a state-owned national company (КМГ, КТЖ, Казатомпром) — can invest;
* ``agency``    a development institution or agency (Kazakh Invest, Самрук-Казына,
  Байтерек, БРК...) — it arranges or funds, it is never the investor;
* ``financier`` a lender or fund (ЕБРР, АБР, Silk Road Fund...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kzinvest.datafiles import read_rows, split_list

from .gazetteer import (
    Automaton,
    longest_non_overlapping,
    norm_text,
    noun_cases,
    translit,
)

__all__ = ["KnownCompany", "lookup_company", "find_known_companies", "normalize_company_name",
           "all_companies"]


@dataclass(frozen=True)
class KnownCompany:
    name: str
    country: str | None
    aliases: tuple[str, ...]
    sector: str | None
    role: str = "company"

    @property
    def is_agency(self) -> bool:
        """True for development institutions, agencies, lenders and news outlets: never the investor."""
        return self.role in ("agency", "financier", "media")


# ------------------------------------------------------------------ normalisation

_LEGAL_PHRASES = [
    "товарищество с ограниченной ответственностью", "акционерное общество",
    "публичное акционерное общество", "открытое акционерное общество",
    "закрытое акционерное общество", "общество с ограниченной ответственностью",
    "группа компаний", "limited liability partnership", "limited liability company",
    "joint stock company", "public joint stock company", "co ltd", "company limited",
]
_LEGAL_WORDS = {
    "тоо", "ао", "пао", "оао", "зао", "ооо", "ип", "нао", "ано", "гк", "нк", "ак", "тнк", "нак",
    "ук", "чк", "филиал", "компания", "корпорация", "холдинг", "группа", "концерн",
    "llp", "llc", "ltd", "co", "inc", "corp", "corporation", "company", "limited", "group",
    "holding", "holdings", "plc", "gmbh", "ag", "sa", "spa", "srl", "bv", "nv", "kft", "as",
    "ab", "oy", "oyj", "jsc", "pjsc", "ojsc", "cjsc", "berhad", "bhd", "sdn", "pte", "pty",
    "kk", "se", "sas", "sarl", "asa", "international", "incorporated", "the", "и", "and",
    "s", "p", "a", "b", "v", "n",
}
_SPLIT_RE = re.compile(r"[^0-9a-zа-яёәғқңөұүһі]+")


def _tokens(name: str) -> list[str]:
    s = norm_text(name).lower().replace("&", " ")
    for ph in _LEGAL_PHRASES:
        s = s.replace(ph, " ")
    toks = [t for t in _SPLIT_RE.split(s) if t]
    kept = [t for t in toks if t not in _LEGAL_WORDS]
    return kept or toks


@lru_cache(maxsize=65536)
def normalize_company_name(name: str) -> str:
    """Matching key: lower case, Latin letters, no quotes or legal forms.

    "ТОО «Казцинк»" -> "kaztsink"; "Proton Holdings Berhad" -> "proton".
    """
    return " ".join(translit(t) for t in _tokens(name))


_SQUASH = [("dzh", "zh"), ("j", "zh"), ("kh", "h"), ("ph", "f"), ("x", "ks"), ("w", "v"),
           ("q", "k"), ("ck", "k"), ("ts", "c"), ("c", "k"), ("yu", "u"), ("ya", "a"), ("y", "i"),
           ("ee", "i"), ("ou", "u"), ("ye", "e")]


def _squash(key: str) -> str:
    s = key.replace(" ", "").replace("-", "")
    for a, b in _SQUASH:
        s = s.replace(a, b)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


# ------------------------------------------------------------------ data

@lru_cache(maxsize=1)
def all_companies() -> tuple[KnownCompany, ...]:
    rows = read_rows("companies.csv")
    return tuple(
        KnownCompany(
            name=r["name"].strip(),
            country=(r["country"] or "").strip() or None,
            aliases=tuple(split_list(r["aliases"])),
            sector=(r["sector"] or "").strip() or None,
            role=(r.get("role") or "company").strip() or "company",
        )
        for r in rows
    )


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, KnownCompany], dict[str, KnownCompany]]:
    exact: dict[str, KnownCompany] = {}
    squashed: dict[str, KnownCompany] = {}
    for c in all_companies():
        for n in (c.name, *c.aliases):
            k = normalize_company_name(n)
            if not k:
                continue
            exact.setdefault(k, c)
            sq = _squash(k)
            if len(sq) >= 3:
                squashed.setdefault(sq, c)
    return exact, squashed


_CASE_ENDINGS = ["ами", "ями", "ом", "ем", "ой", "ей", "ою", "ах", "ях", "ов", "ев",
                 "ам", "ям", "а", "я", "у", "ю", "е", "ы", "и"]
_NOM_ENDINGS = ["", "а", "я", "ь", "й", "о"]
_CYR_END = re.compile(r"[а-яё]$", re.IGNORECASE)


def _nominative_candidates(name: str) -> list[str]:
    """Guesses at the nominative of an inflected name: "КАМАЗа" -> "КАМАЗ", "Р-Фармы" -> "Р-Фарма"."""
    s = norm_text(name).strip().strip('"').strip()
    out = [s]
    if not _CYR_END.search(s):
        return out
    low = s.lower()
    for e in _CASE_ENDINGS:
        if low.endswith(e) and len(s) - len(e) >= 2:
            stem = s[: len(s) - len(e)]
            for ne in _NOM_ENDINGS:
                cand = stem + ne
                if cand not in out:
                    out.append(cand)
    return out


def lookup_company(name: str) -> KnownCompany | None:
    """The registry entry for a company name as written in text, or None."""
    if not name or not name.strip():
        return None
    exact, squashed = _index()
    cands = _nominative_candidates(name)
    for cand in cands:
        k = normalize_company_name(cand)
        if k in exact:
            return exact[k]
    for cand in cands:
        sq = _squash(normalize_company_name(cand))
        if len(sq) >= 3 and sq in squashed:
            return squashed[sq]
    # longest known prefix: "China Gezhouba Group Cement Co Ltd" -> China Gezhouba
    toks = normalize_company_name(cands[0]).split(" ")
    for n in range(len(toks) - 1, 0, -1):
        k = " ".join(toks[:n])
        if len(k) >= 3 and k in exact:
            return exact[k]
    return None


# ------------------------------------------------------------------ mentions in text

_CYR_WORD = re.compile(r"[А-Яа-яЁё]+$")


def _surface_forms(n: str) -> set[str]:
    n = norm_text(n)
    forms = {n}
    last = n.split(" ")[-1]
    if _CYR_WORD.search(last) and len(last) >= 3:
        head = n[: len(n) - len(last)]
        # inflect the last hyphen part only: Р-Фарма -> Р-Фармы
        for fs in noun_cases(last).values():
            for f in fs:
                forms.add(head + f)
    if len(n) >= 4 and not n.isupper():
        forms.add(n.upper())
    return forms


def _keys():
    for c in all_companies():
        for n in (c.name, *c.aliases):
            if len(n) < 2:
                continue
            if len(n) == 2 and not n.isupper():
                continue
            for f in _surface_forms(n):
                yield f, c


_AUTO = Automaton(_keys)


def find_known_companies(text: str) -> list[tuple[int, int, KnownCompany]]:
    """Known companies named in ``text``: (start, end, company), non-overlapping, by start."""
    if not text:
        return []
    folded = norm_text(text)
    found = [(s, e, payloads[0]) for s, e, payloads in _AUTO.iter_matches(folded)]
    return [(s, e, c) for s, e, c in longest_non_overlapping(found)]
