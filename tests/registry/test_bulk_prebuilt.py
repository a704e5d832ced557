"""The cluster ingest's workers build each document's rows (bulk.prebuild); the client only
fills in the ids. Whatever built them, a batch's rows are the same."""
from __future__ import annotations

from kzinvest.model import Document, Record
from kzinvest.registry import bulk

DOCS = [
    (Document(source="a.txt", text="ТОО «Альфа» построит завод в Семее за 5 млн долларов. Рабочих мест 200.",
              url="https://www.example.kz/news/1?utm_source=x", published="2024-05-01"),
     [Record(source="a.txt", investor="Альфа", investor_country="KZ", region="KZ-10", sector="metallurgy",
             amount=5e6, currency="USD", jobs=200, stage="negotiation",
             evidence=["ТОО «Альфа» построит завод в Семее за 5 млн долларов."]),
      Record(source="a.txt", kind="indicator", region="KZ-10", amount=1e9, currency="KZT",
             evidence=["Рабочих мест 200."])]),
    (Document(source="b.txt", text="Компания Beta Ltd откроет цех в Актобе.", published="2024-06-02"),
     [Record(source="b.txt", investor="Beta Ltd", investor_aliases=["Beta"], sector="chemicals",
             stage="launched", evidence=["Компания Beta Ltd откроет цех в Актобе."])]),
]


def test_prebuilt_rows_are_the_rows_of_a_single_process_ingest(tmp_path):
    """The rows a batch writes from the workers' rows are those records.mention_row builds
    for the stored document (what documents.add_documents writes), ids filled in."""
    from kzinvest.registry.records import content_hash, evidence_spans, mention_row, usd_of
    from kzinvest.registry.store import Store
    store = Store(f"sqlite:///{tmp_path}/r.db")
    store.migrate()
    items = [(d, r, bulk.prebuild(d, r)) for d, r in DOCS]
    with store.write() as s:
        out, rows = bulk.prepare_batch(store, s, items)
    store.close()
    assert (out.new, out.records, out.indicators) == (2, 2, 1)
    ids = sorted({m["document_id"] for m in rows.mentions} | {i["document_id"] for i in rows.indicators})
    expected = []
    for doc_id, (doc, recs) in zip(ids, DOCS):
        ref = bulk._Ref(doc_id, doc.text, doc.published)
        expected += [mention_row(ref, n, rec) for n, rec in enumerate(recs) if rec.kind == "project"]
    assert all(m.pop("company_id") for m in rows.mentions)
    assert rows.mentions == [{k: v for k, v in m.items() if k != "company_id"} for m in expected]
    doc, recs = DOCS[0]
    assert rows.indicators == [dict(document_id=ids[0], ordinal=1, region="KZ-10", sector="other", amount=1e9,
                                    currency="KZT", amount_usd=usd_of(recs[1], doc.published), jobs=None,
                                    date=doc.published, evidence=evidence_spans(doc.text, recs[1]))]
    assert rows.keys == {content_hash(d.text) for d, _ in DOCS} | {"https://example.kz/news/1"}


def test_a_duplicate_is_skipped_whoever_built_its_rows(tmp_path):
    from kzinvest.registry.store import Store
    store = Store(f"sqlite:///{tmp_path}/r.db")
    store.migrate()
    doc, recs = DOCS[0]
    bulk.store_batch(store, [(doc, recs)])
    out = bulk.store_batch(store, [(doc, recs, bulk.prebuild(doc, recs))])
    assert (out.new, out.duplicate) == (0, 1)
    store.close()
