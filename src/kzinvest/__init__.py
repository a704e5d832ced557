"""kzinvest: investment projects in Kazakhstan, extracted from the news.

    >>> from kzinvest import extract_text
    >>> records = extract_text("Китайская компания ... построит завод в Семее ...")
"""
import os

# slovnet's NER multiplies small matrices, where OpenBLAS threads cost more than they save
# (measured: about 2x slower extraction with the default thread pool on 2 cores). A user's own
# setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from kzinvest.model import Document, Record, SECTORS, STAGES  # noqa: E402

__all__ = ["Document", "Record", "SECTORS", "STAGES", "extract_text", "extract_document"]
__version__ = "0.1.0"


def extract_text(text: str, source: str = "<text>", published: str | None = None) -> list[Record]:
    """Extract project and indicator records from one article's plain text."""
    from kzinvest.pipeline import extract_text as _extract_text
    return _extract_text(text, source=source, published=published)


def extract_document(doc: Document) -> list[Record]:
    """Extract records from an already decoded and cleaned Document."""
    from kzinvest.pipeline import extract_document as _extract_document
    return _extract_document(doc)
