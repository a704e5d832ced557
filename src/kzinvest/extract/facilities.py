"""Nouns that name a concrete undertaking — завод, фабрика, электростанция, депо ...
(data/lexicon/facilities.csv), compiled once into a single pattern."""
from __future__ import annotations

import re
from functools import lru_cache

from kzinvest.extract.lexicon import table


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    stems = "|".join(p.pattern.removeprefix(r"(?<![\w-])") for p, _ in table("facilities.csv"))
    return re.compile(rf"(?<![\w-])(?:{stems})")


@lru_cache(maxsize=16384)
def has_facility(text: str) -> bool:
    """Cached: the assembler asks about the same sentence for every organisation it holds."""
    return _pattern().search(text.lower()) is not None


def facility_ends(text: str) -> list[int]:
    """Where each facility noun's stem ends, for "which came last" questions."""
    return [m.end() for m in _pattern().finditer(text.lower())]
