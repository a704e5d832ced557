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


# razdel ends a sentence after "Co." or "Ltd."; a company name goes on past them.
_NAME_ABBREV = re.compile(r"(\b(Co|Ltd|LTD|CO|Inc|Corp|Int|Bros|St|Mr|Dr)\.|\b[A-Z]\.)$")


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for paragraph, line in enumerate(_LINE.finditer(text)):
        base = line.start()
        spans: list[list[int]] = []
        for piece in sentenize(line.group()):
            body = piece.text.strip()
            if not body:
                continue
            start = base + piece.start + piece.text.index(body)
            end = start + len(body)
            if spans and (_NAME_ABBREV.search(text[spans[-1][0]:spans[-1][1]]) or body[0].islower()
                          or body[0] in "(,;"):
                spans[-1][1] = end
            else:
                spans.append([start, end])
        for start, end in spans:
            out.append(Sentence(len(out), start, end, text[start:end], paragraph))
    return out
