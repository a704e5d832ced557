"""The pipeline end to end: Document -> records. (Assembler being written; see extract/.)"""
from __future__ import annotations

from kzinvest.model import Document, Record


def extract_document(doc: Document) -> list[Record]:
    from kzinvest.extract.projects import extract_records
    return extract_records(doc)


def extract_text(text: str, source: str = "<text>", published: str | None = None) -> list[Record]:
    return extract_document(Document(source=source, text=text, published=published))
