"""slovnet NER, loaded once and run only on the sentences that could hold a project.

Running the neural tagger on every sentence of every article is what makes a plain
natasha pipeline slow; menus, tickers and quotes rarely name an investor.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _tagger():
    # Building the tagger unpacks natasha's word vectors and precomputes their product
    # quantisation (0.75 s at every start); read back from the disk cache it takes 0.15 s.
    from pathlib import Path
    import natasha
    from kzinvest.cache import cached

    def build():
        return natasha.NewsNERTagger(natasha.NewsEmbedding())
    data = Path(natasha.__file__).parent / "data"
    return cached("ner-tagger", build, lambda: [data / "emb" / "navec_news_v1_1B_250K_300d_100q.tar",
                                               data / "model" / "slovnet_ner_news_v1.tar",
                                               Path(natasha.__file__)])


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
