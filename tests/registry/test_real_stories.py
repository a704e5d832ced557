"""Resolution on the real multi-article stories (tests/real/stories), as the hidden set is
ingested: JSON Lines with text, url and published, the real extractor, a fresh registry.
The texts are local (tests/real/texts, git-ignored): without them the test skips, saying so.
Figures and how they were fitted: benchmarks/resolution_fit.py, docs/registry-resolution.md."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fit_script():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import resolution_fit
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return resolution_fit


def test_shipped_weights_name_their_corpus_and_scores():
    from kzinvest.registry.scoring import load_model
    model = load_model()
    assert model.meta["corpus"]["path"] == "tests/real/stories"
    assert {"cross_validated", "end_to_end"} <= set(model.meta["scores"])
    assert model.weights["name"]["same"] > 0 > model.weights["name"]["other"]


@pytest.mark.slow
def test_real_stories_end_to_end(fit_script):
    pages, missing = fit_script.load()
    if not pages:
        pytest.skip("the story texts are not here (tests/real/texts; see "
                    "tests/real/stories/README.md to collect them)")
    from kzinvest.registry.scoring import load_model
    e = fit_script.end_to_end(pages, load_model())
    # pairwise merge precision over the records matched to gold: wrong merges are rare
    assert e["precision"] >= 0.9, e
    # recall is held back by extraction (a plant's sector read differently by two
    # articles) and by investors only outside knowledge ties together (NEH Eurasia for
    # Svevind, KAMAZ for KamLit KZ, Steward Engineers for Orda Glass): measured 0.87
    assert e["recall"] >= 0.8, e
    assert e["projects"] <= 1.5 * e["gold_projects"], e
