"""Sector of a project from what it makes or does (cue table: data/lexicon/sectors.csv)."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from kzinvest.extract.lexicon import table


def sector_scores(text: str, weight: float = 1.0) -> Counter:
    scores = Counter({k: v * weight for k, v in _unit_scores(text).items()})
    return scores


@lru_cache(maxsize=4096)
def _unit_scores(text: str) -> Counter:
    """Scores at weight 1, cached: the assembler asks about the same sentence several times."""
    scores: Counter = Counter()
    weight = 1
    low = text.lower()
    for pattern, (sector, w) in table("sectors.csv"):
        hits = len(pattern.findall(low))
        if hits:
            scores[sector] += hits * int(w) * weight
    return scores


def best_sector(scores: Counter) -> str:
    return scores.most_common(1)[0][0] if scores else "other"
