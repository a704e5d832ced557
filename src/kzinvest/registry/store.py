"""The registry store: the facade the CLI, the web app and the tests open.

    from kzinvest.registry.store import open_store
    store = open_store()          # $KZINVEST_DB, else sqlite:///data/kzinvest.db; migrated
    store.ingest(["articles/"]); store.rebuild(); store.edit(7, "stage", "launched")

It only delegates: the database and the write discipline are db.py; a document's write
path documents.py; bulk ingestion ingest.py; re-extraction reextract.py; resolution
resolution.py (one place, called by all of them) and rebuild.py; analysts' corrections
edit.py and review.py. Nothing below imports this module.
"""
from __future__ import annotations

from typing import Callable

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry import documents as _documents
from kzinvest.registry.db import (DEFAULT_STALLED_MONTHS, DEFAULT_URL, CountCache,  # noqa: F401
                                  Database, make_engine, migrate, normalise_url, resolve_url)
from kzinvest.registry.documents import DocOutcome  # noqa: F401
from kzinvest.registry.edit import REQUIRED, parse_value  # noqa: F401
from kzinvest.registry.records import (canonical_url, content_hash, evidence_spans,  # noqa: F401
                                       mention_row)
from kzinvest.registry.resolution import Resolver


class Store(Database):
    def __init__(self, url: str, stalled_months: int | None = None, today=None,
                 resolver: Resolver | None = None) -> None:
        super().__init__(url, stalled_months=stalled_months, today=today)
        self.resolver = resolver or Resolver()

    # -- documents ----------------------------------------------------------------------
    def add_document(self, doc: InDocument,
                     extract: Callable[[InDocument], list[Record]] | None = None,
                     records: list[Record] | None = None) -> DocOutcome:
        """Store one document with its records and resolve; duplicates are skipped."""
        return _documents.add_document(self, doc, extract, records)

    def add_documents(self, items, extract=None) -> list[DocOutcome]:
        """Several (document, records or None) in one transaction, resolved once."""
        return _documents.add_documents(self, items, extract)

    def ingest(self, inputs, progress: bool = False, **kw):
        """In this process; on a Dask cluster (registry/distributed.py) with `dask=ADDRESS`,
        `engine="dask"` or `workers` > 1."""
        if kw.get("dask") or kw.get("engine") == "dask" or kw.get("workers", 1) > 1:
            from kzinvest.registry.distributed import ingest_distributed
            return ingest_distributed(self, inputs, address=kw.pop("dask", None),
                                      progress=progress, **kw)
        from kzinvest.registry.ingest import ingest
        kw.pop("dask", None)
        return ingest(self, inputs, progress=progress, **kw)

    def reextract(self, progress: bool = False, **kw):
        from kzinvest.registry.reextract import reextract
        return reextract(self, progress=progress, **kw)

    # -- resolution -----------------------------------------------------------------------
    def rebuild(self, who: str | None = None, client=None, **kw):
        """Resolve every stored mention again from scratch (`kzinvest resolve --rebuild`);
        with `client` (a distributed.Client) on its workers (registry/resolve_cluster.py)."""
        if client is not None:
            from kzinvest.registry.resolve_cluster import rebuild_on_cluster
            return rebuild_on_cluster(self, client, who=who, **kw)
        from kzinvest.registry.rebuild import rebuild
        return rebuild(self, who=who, **kw)

    def existing_projects(self, ids) -> set[int]:
        from sqlalchemy import select
        from kzinvest.registry.models import Project
        ids = sorted(set(ids))
        with self.read() as s:
            return set(s.scalars(select(Project.id).where(Project.id.in_(ids)))) if ids else set()

    # -- analysts -----------------------------------------------------------------------
    def edit(self, project_id: int, field_: str, value, who: str | None = None) -> dict:
        from kzinvest.registry.edit import edit
        return edit(self, project_id, field_, value, who)

    def decide(self, action: str, a: int, b: int | None = None, who: str | None = None,
               note: str | None = None) -> dict:
        """An analyst's resolution decision: merge a and b, keep them apart, or split a out
        of its project (registry/review.py)."""
        from kzinvest.registry.review import decide
        return decide(self, action, a, b, who=who, note=note)


def open_store(url: str | None = None, migrate: bool = True, **kw) -> Store:
    """Open (and migrate) the registry: url -> $KZINVEST_DB -> sqlite:///data/kzinvest.db."""
    store = Store(resolve_url(url), **kw)
    if migrate:
        store.migrate()
    return store
