"""Parallel extraction with dask.bag for large archives: documents are extracted in
worker processes chunk by chunk, and written back serially by the caller (one writer
keeps resolution deterministic and the single-writer rule of the store intact)."""
from __future__ import annotations

from itertools import islice
from typing import Callable, Iterator

from kzinvest.model import Document


def _default_extract(doc: Document):
    from kzinvest import pipeline
    return pipeline.extract_document(doc)


def _safe(extract, doc: Document):
    try:
        return doc, extract(doc)
    except Exception:
        return doc, None     # extracted again (and its error reported) by the writer


def extract_parallel(items: Iterator, extract: Callable | None, workers: int,
                     chunk: int | None = None, scheduler: str = "processes") -> Iterator:
    """Yield errors unchanged and documents as (document, records) pairs, in input order."""
    import dask.bag as db
    from functools import partial

    fn = partial(_safe, extract or _default_extract)
    chunk = chunk or workers * 16
    items = iter(items)
    while True:
        batch = list(islice(items, chunk))
        if not batch:
            return
        docs = [x for x in batch if isinstance(x, Document)]
        done = iter(db.from_sequence(docs, npartitions=min(workers, max(1, len(docs))))
                    .map(fn).compute(scheduler=scheduler, num_workers=workers)) if docs else iter(())
        for x in batch:
            if isinstance(x, Document):
                doc, records = next(done)
                yield (doc, records) if records is not None else doc
            else:
                yield x
