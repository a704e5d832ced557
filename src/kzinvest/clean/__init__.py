"""Cleaning stage: HTML to text, page furniture out, title and date in.

    >>> from kzinvest.clean import clean_document
    >>> doc = clean_document("a.txt", "Заголовок статьи про завод\\n\\nТекст.")
"""
from kzinvest.clean.html import html_to_text
from kzinvest.clean.junk import junk_spans, strip_junk
from kzinvest.clean.meta import clean_document, normalise_date

__all__ = ["clean_document", "html_to_text", "strip_junk", "junk_spans", "normalise_date"]
