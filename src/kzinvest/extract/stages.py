"""Stage of a project: the furthest stage its sentences report (data/lexicon/stages.csv)."""
from __future__ import annotations

import re

from kzinvest.extract.lexicon import table
from kzinvest.model import STAGES

# A cue inside a clause about plans ("планируется ввести", "будет запущен") is a promise.
_FUTURE = re.compile(r"\b(планиру\w*|намерен\w*|будет|будут|должн\w*|предполага\w*|рассчитыва\w*|"
                     r"готов\w*|может|могут|в случае|после запуска|после ввода|собира\w*)\b")


def stage_of(text: str) -> str | None:
    """The furthest stage a sentence states as a fact, or None."""
    low = text.lower()
    best = None
    for pattern, (stage,) in table("stages.csv"):
        for m in pattern.finditer(low):
            if stage in ("launched", "construction") and _future_near(low, m.start()):
                continue
            if best is None or STAGES.index(stage) > STAGES.index(best):
                best = stage
    return best


def _future_near(low: str, pos: int) -> bool:
    clause_start = max(low.rfind(",", 0, pos), low.rfind("—", 0, pos), low.rfind(";", 0, pos))
    window = low[max(clause_start, pos - 60, 0):pos + 25]
    return bool(_FUTURE.search(window))


def furthest(stages: list[str | None]) -> str:
    known = [s for s in stages if s]
    return max(known, key=STAGES.index) if known else "negotiation"
