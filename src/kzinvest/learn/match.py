"""Which extracted record is which gold record: the labels the models learn from.

The rules follow the project's scorer (../shared/tools/score.py): names compare after
transliteration with legal forms dropped, one name's words within the other's is a match;
an unnamed gold project matches on sector, country and region. Each record and each gold
record are used at most once, best pairs first.
"""
from __future__ import annotations

import re
import unicodedata

from rapidfuzz.fuzz import ratio

_LEGAL = {"too", "ao", "pao", "oao", "zao", "ooo", "tdo", "llp", "llc", "ltd", "co", "inc", "corp",
          "jsc", "plc", "gmbh", "ag", "sa", "kompaniya", "company", "korporatsiya", "the"}
# GOST-like romanisation of Russian and Kazakh letters.
_ROMAN = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya a g k n o u u h i".split()))
_ROMAN = {k: ("" if v == "-" else v) for k, v in _ROMAN.items()}


def name_key(name: str | None) -> str:
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name).lower()
    s = "".join(_ROMAN.get(ch, ch) for ch in s)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    return " ".join(sorted(t for t in re.split(r"[^a-z0-9]+", s) if t and t not in _LEGAL))


def name_similarity(a: str | None, b: str | None) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    ta, tb = set(ka.split()), set(kb.split())
    if ta <= tb or tb <= ta:
        return 1.0
    return ratio(ka, kb) / 100


def options(gold: dict, field: str) -> list:
    value = gold.get(field)
    return value if isinstance(value, list) else [value]


def pair_score(record: dict, gold: dict) -> float:
    names = [n for n in [gold.get("investor"), *gold.get("aliases", [])] if n]
    if names:
        if not record.get("investor"):
            return 0.0
        best = max(name_similarity(record["investor"], n) for n in names)
        return best if best >= 0.75 else 0.0
    if record.get("sector") not in options(gold, "sector"):
        return 0.0
    countries = [c for c in options(gold, "investor_country") if c]
    if countries and record.get("investor_country") not in countries:
        return 0.0
    regions = options(gold, "region")
    if record.get("region") is not None and record.get("region") not in regions:
        return 0.0
    return 0.5 + 0.1 * bool(countries) + 0.05 * (record.get("region") in regions)


def match(records: list[dict], golds: list[dict]) -> dict[int, int]:
    """record index -> gold index, best pairs first (required gold records win ties)."""
    pairs = []
    for i, r in enumerate(records):
        for j, g in enumerate(golds):
            s = pair_score(r, g)
            if s > 0:
                pairs.append((s + (0 if g.get("optional") else 0.001), i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    out, used = {}, set()
    for _, i, j in pairs:
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


def field_matches(field: str, value, gold: dict, currency: str | None = None) -> bool:
    """Whether a value is one the gold record accepts (amounts within 1 %, same currency)."""
    for want in options(gold, field):
        if value is None or want is None:
            if value is None and want is None:
                return True
            continue
        if field == "amount":
            if currency in options(gold, "currency") and abs(float(value) - float(want)) <= 0.01 * abs(float(want)):
                return True
        elif field == "jobs":
            if int(value) == int(want):
                return True
        elif str(value) == str(want):
            return True
    return False
