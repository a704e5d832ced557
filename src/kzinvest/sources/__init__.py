"""Input stage: paths to decoded, cleaned Documents (or InputErrors).

    >>> from kzinvest.sources import iter_documents, InputError
    >>> for item in iter_documents(["articles/"]):
    ...     if isinstance(item, InputError):
    ...         print(item)          # "articles/bad.txt: binary file"
"""
from kzinvest.sources.decode import decode_bytes
from kzinvest.sources.errors import InputError
from kzinvest.sources.files import iter_documents, looks_like_html

__all__ = ["decode_bytes", "InputError", "iter_documents", "looks_like_html"]
