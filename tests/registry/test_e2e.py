"""The real extractor over the sample articles, end to end (marked slow)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kzinvest.registry.query import ProjectFilter, get_document, iter_projects, list_companies

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [ROOT / "samples", Path("/work/shared/dev/articles")]


@pytest.mark.slow
def test_real_pipeline_over_samples(store):
    corpus = next((c for c in CORPORA if c.is_dir() and any(c.iterdir())), None)
    if corpus is None:
        pytest.skip("no sample articles")
    n_files = sum(1 for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    s = store.ingest([str(corpus)])
    assert s.errors == [] and s.documents_new == n_files
    again = store.ingest([str(corpus)])
    assert again.documents_new == 0 and again.documents_duplicate == n_files
    if s.records == 0:
        pytest.skip("the extractor returned no records (placeholder pipeline)")
    projects = list(iter_projects(store, ProjectFilter()))
    assert 0 < len(projects) <= s.records
    for p in projects:
        assert p["sources"] and p["events"]
        for src in p["sources"]:
            text = get_document(store, src["document_id"])["text"]
            for ev in src["evidence"]:
                if ev["start"] is not None:
                    assert text[ev["start"]:ev["end"]] == ev["text"]
    assert list_companies(store, q="КАМАЗ")["total"] <= 1
