"""Merging a block component by component (cluster.split_pairs, as cluster() and the
cluster's split_block.py do) gives the clusters of merging the whole block at once:
Hypothesis draws registries of look-alike mentions (few investors, regions, sectors and
amounts, so that blocks are large and pairs cross)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from kzinvest.registry import cluster as C
from kzinvest.registry.features import document_keys, features, stable_hash
from kzinvest.registry.scoring import load_model

INVESTORS = ["Alpha Chem", "Alpha Chemicals", "Beta Group", "Gamma Nat", "КазХим", None]
REGIONS = ["KZ-23", "KZ-31", "KZ-75"]
SECTORS = ["chemicals", "energy", "agri_food"]
MODEL = load_model()

mention = st.fixed_dictionaries({
    "investor": st.sampled_from(INVESTORS),
    "investor_country": st.sampled_from(["KZ", "CN", None]),
    "region": st.sampled_from(REGIONS),
    "sector": st.sampled_from(SECTORS),
    "amount_usd": st.sampled_from([None, 50e6, 52e6, 300e6]),
    "jobs": st.sampled_from([None, 250, 900]),
    "stage": st.sampled_from(["memorandum", "construction", "launched"]),
    "date": st.sampled_from(["2021-06-01", "2023-05-01", "2024-09-01"]),
})


def _feats(docs: list[list[dict]]):
    feats, keys = [], {}
    mid = 0
    for d, recs in enumerate(docs):
        doc_feats = []
        for ordinal, r in enumerate(recs):
            mid += 1
            row = {**r, "id": mid, "document_id": d + 1, "ordinal": ordinal, "city": None,
                   "evidence": [f"{r['investor'] or 'Инвестор'} построит завод «Шу Сода»."]
                   if ordinal == 0 and d % 3 == 0 else [],
                   "extra": {}, "project_id": None, "block": None, "company_id": None}
            doc_feats.append(features(row, f"doc{d:04d}"))
        for m, ks in document_keys(doc_feats).items():
            keys[m] = {stable_hash(k) for k in ks}
        feats += doc_feats
    return feats, keys


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(mention, min_size=1, max_size=3), min_size=2, max_size=25))
def test_merging_by_components_equals_merging_the_block(docs):
    feats, keys = _feats(docs)
    for block in C.components(feats, keys):
        whole = C.prepare(block)
        scored, contradicted = C.score_pairs(whole, C.candidate_pairs(whole, keys), MODEL)
        at_once = C.merge(whole, scored, contradicted, MODEL)
        in_parts = C.cluster(block, keys, MODEL)
        assert [[f.id for f in m] for m in in_parts.clusters] == \
               [[f.id for f in m] for m in at_once.clusters]
        assert sorted((a.id, b.id, round(s, 9), merged)
                      for a, b, s, merged in in_parts.uncertain) == \
               sorted((a.id, b.id, round(s, 9), merged)
                      for a, b, s, merged in at_once.uncertain)
