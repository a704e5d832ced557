"""Stage of a project: the furthest stage its sentences report (data/lexicon/stages.csv)."""
from __future__ import annotations

import re
from functools import lru_cache

from kzinvest.extract.lexicon import alternation, table
from kzinvest.model import STAGES

# A cue inside a clause about plans ("планируется ввести", "будет запущен") is a promise.
_FUTURE = re.compile(r"\b(планиру\w*|намерен\w*|будет|будут|предполага\w*|рассчитыва\w*|"
                     r"готов\w*|долж(ен|н\w*)|может|могут|в случае|после запуска|после ввода|собира\w*|"
                     r"намеч\w*|запланир\w*|ожида\w*)\b")


@lru_cache(maxsize=1)
def _by_stage() -> tuple[tuple[str, re.Pattern], ...]:
    """One alternation per stage, furthest stage first: five searches a sentence, not eighty."""
    rows: dict[str, list[re.Pattern]] = {}
    for pattern, (stage,) in table("stages.csv"):
        rows.setdefault(stage, []).append(pattern)
    return tuple((stage, alternation(rows[stage])) for stage in reversed(STAGES) if stage in rows)


def stage_of(text: str) -> str | None:
    """The furthest stage a sentence states as a fact, or None."""
    low = text.lower()
    for stage, pattern in _by_stage():
        for m in pattern.finditer(low):
            if stage in ("launched", "construction", "agreement") and _future_near(low, m.start()):
                continue
            return stage
    return None


def _future_near(low: str, pos: int) -> bool:
    clause_start = max(low.rfind(",", 0, pos), low.rfind("—", 0, pos), low.rfind(";", 0, pos))
    window = low[max(clause_start, pos - 60, 0):pos + 25]
    return bool(_FUTURE.search(window))


def furthest(stages: list[str | None]) -> str:
    known = [s for s in stages if s]
    return max(known, key=STAGES.index) if known else "negotiation"
