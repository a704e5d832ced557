"""The pipeline end to end: Document -> records.

Extraction of one document runs under the per-document time limit (kzinvest.limits,
KZINVEST_DOC_TIMEOUT): a pathological text raises TimeLimitExceeded, which every batch
reports as that document's failure."""
from __future__ import annotations

from kzinvest.limits import run_with_limit
from kzinvest.model import Document, Record


def extract_document(doc: Document) -> list[Record]:
    from kzinvest.extract.projects import extract_records
    return run_with_limit(extract_records, doc, what="extraction")


def extract_text(text: str, source: str = "<text>", published: str | None = None) -> list[Record]:
    return extract_document(Document(source=source, text=text, published=published))
