"""Word vectors for the sector decision: products that no lexicon lists still land near their
kin, and text with no known word gives no vector."""
import numpy as np
import pytest

from kzinvest.extract.vectors import DIM, mean_vector, word_vector


def cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.mark.parametrize("word, kin, stranger", [
    ("кирпич", "цемент", "банк"),
    ("молоко", "сыр", "локомотив"),
    ("электростанция", "подстанция", "мука"),
    ("удобрения", "аммиак", "гостиница"),
])
def test_kin_closer_than_stranger(word, kin, stranger):
    assert cos(word_vector(word), word_vector(kin)) > cos(word_vector(word), word_vector(stranger))


def test_unknown_words_give_nothing():
    assert word_vector("zzqqxx") is None
    assert mean_vector("zzqqxx 123 —") is None


def test_mean_vector_is_unit_length():
    v = mean_vector("Завод по производству кирпича в Семее")
    assert v.shape == (DIM,)
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5
