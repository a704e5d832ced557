"""Loads the small cue tables in data/lexicon/ (one CSV per concept) as compiled regexes."""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources


def _rows(name: str) -> list[list[str]]:
    path = resources.files("kzinvest") / "data" / "lexicon" / name
    with path.open(encoding="utf-8") as f:
        return [row for row in csv.reader(line for line in f if line.strip() and not line.startswith("#"))]


@lru_cache(maxsize=None)
def table(name: str) -> tuple[tuple[re.Pattern, tuple[str, ...]], ...]:
    """Each row: a stem matched at a word start in lower-cased text, then its values."""
    return tuple(
        (re.compile(WORD_START + row[0].strip()), tuple(v.strip() for v in row[1:]))
        for row in _rows(name)
    )


WORD_START = r"(?<![\w-])"


def alternation(patterns: list[re.Pattern]) -> re.Pattern:
    """Many table rows as one regex, the word-start check made once per position rather than once
    per row (the same matches, several times faster on long tables)."""
    bodies = [p.pattern[len(WORD_START):] if p.pattern.startswith(WORD_START) else p.pattern for p in patterns]
    return re.compile(WORD_START + "(?:" + "|".join(f"(?:{b})" for b in bodies) + ")")
