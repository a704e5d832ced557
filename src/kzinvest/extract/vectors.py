"""Word vectors (natasha's navec, the same table the NER tagger already holds) for decisions
that must recognise products and verbs no lexicon lists: "кирпич" and "цемент" sit close
together whether or not a training page named either.

navec stores each 300-dimensional vector as 100 codes into 100 small codebooks (product
quantisation); a vector is rebuilt by picking each code's 3 numbers.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

DIM = 300
_WORD = re.compile(r"[а-яё]{3,}|[a-z]{3,}")


@lru_cache(maxsize=1)
def _table():
    from kzinvest.extract.ner import _tagger
    tagger = _tagger()
    emb = tagger.infer.model.emb.word
    vocab = tagger.infer.encoder.words_vocab
    codes = emb.codes.array                         # (100 codebooks, 256 codes, 3 numbers)
    return vocab.item_ids, vocab.unk_id, emb.indexes.array, codes, np.arange(codes.shape[0])


@lru_cache(maxsize=65536)
def word_vector(word: str):
    ids, unk, indexes, codes, rows = _table()
    i = ids.get(word, unk)
    if i == unk:
        return None
    return codes[rows, indexes[i]].reshape(-1)


def mean_vector(text: str):
    """The unit-length mean of the vectors of the words navec knows, or None."""
    vectors = [v for v in (word_vector(w) for w in _WORD.findall(text.lower())) if v is not None]
    if not vectors:
        return None
    mean = np.mean(vectors, axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None
