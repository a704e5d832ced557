"""Sector of a project from what it makes or does (cue table: data/lexicon/sectors.csv)."""
from __future__ import annotations

from collections import Counter

from kzinvest.extract.lexicon import table


def sector_scores(text: str, weight: float = 1.0) -> Counter:
    scores: Counter = Counter()
    low = text.lower()
    for pattern, (sector, w) in table("sectors.csv"):
        hits = len(pattern.findall(low))
        if hits:
            scores[sector] += hits * int(w) * weight
    return scores


def best_sector(scores: Counter) -> str:
    return scores.most_common(1)[0][0] if scores else "other"
