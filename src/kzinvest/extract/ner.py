"""slovnet NER, loaded once and run only on the sentences that could hold a project.

Running the neural tagger on every sentence of every article is what makes a plain
natasha pipeline slow; menus, tickers and quotes rarely name an investor.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _tagger():
    from natasha import NewsEmbedding, NewsNERTagger
    return NewsNERTagger(NewsEmbedding())


def ner_org_spans(text: str, sentences) -> list[tuple[int, int]]:
    """ORG spans (offsets into text) found by slovnet in the given sentences."""
    if not sentences:
        return []
    tagger = _tagger()
    out = []
    chunks = [s.text for s in sentences]
    for sent, markup in zip(sentences, tagger.map(chunks)):
        for span in markup.spans:
            if span.type == "ORG":
                out.append((sent.start + span.start, sent.start + span.stop))
    return out
