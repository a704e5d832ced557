"""Sentence segmentation with character offsets (razdel), paragraph-aware.

Headlines and datelines have no final full stop, so razdel would glue them to the
next line; splitting on line breaks first keeps every sentence inside its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from razdel import sentenize


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int


_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for paragraph, line in enumerate(_LINE.finditer(text)):
        base = line.start()
        for piece in sentenize(line.group()):
            body = piece.text.strip()
            if not body:
                continue
            start = base + piece.start + piece.text.index(body)
            out.append(Sentence(len(out), start, start + len(body), body, paragraph))
    return out
