"""Sector of a project from what it makes or does (cue table: data/lexicon/sectors.csv)."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
import re

from kzinvest.extract.lexicon import alternation, table


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[str, int, re.Pattern], ...]:
    """Stems of one sector and weight joined into one alternation (about 40 searches, not 260)."""
    rows: dict[tuple[str, int], list[re.Pattern]] = {}
    for pattern, (sector, weight) in table("sectors.csv"):
        rows.setdefault((sector, int(weight)), []).append(pattern)
    return tuple((sector, weight, alternation(patterns)) for (sector, weight), patterns in rows.items())


def sector_scores(text: str, weight: float = 1.0) -> Counter:
    """Sector -> score of the cues in ``text``. At weight 1 the cached Counter itself comes
    back (asked tens of thousands of times a run): read it, never change it."""
    if weight == 1.0:
        return _unit_scores(text)
    return Counter({k: v * weight for k, v in _unit_scores(text).items()})


@lru_cache(maxsize=16384)
def _unit_scores(text: str) -> Counter:
    """Scores at weight 1, cached: the assembler asks about the same sentence several times."""
    scores: Counter = Counter()
    low = text.lower()
    for sector, weight, pattern in _groups():
        hits = len(pattern.findall(low))
        if hits:
            scores[sector] += hits * weight
    return scores


def best_sector(scores: Counter) -> str:
    return scores.most_common(1)[0][0] if scores else "other"
