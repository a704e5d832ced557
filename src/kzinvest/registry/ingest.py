"""Bulk operations over a Store: ingest inputs of every kind, re-extract stored documents.

Inputs are dispatched by shape: http(s) URLs (a page or a feed), WARC/ARC archives, RSS/Atom
feed files, and everything else (files, folders, JSON/JSONL dumps) through
kzinvest.sources.files.iter_documents. A bad input is recorded as `(source, reason)` and
the batch goes on.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import delete, select

from kzinvest.model import Document as InDocument, Record

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
FEED_SUFFIXES = (".rss", ".atom", ".xml")


@dataclass
class IngestSummary:
    documents_new: int = 0
    documents_duplicate: int = 0
    documents_failed: int = 0
    records: int = 0
    indicators: int = 0
    projects_new: int = 0
    projects_updated: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    new_project_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def _error(source, reason) -> tuple[str, str]:
    return (str(source) if source is not None else "?", str(reason))


def iter_inputs(inputs: Iterable[str]) -> Iterator[InDocument | tuple[str, str]]:
    """Documents from every input, or (source, reason) for each thing that failed."""
    for item in inputs:
        item = str(item)
        try:
            if is_url(item):
                from kzinvest.sources.web import iter_url
                yield from _normalise(iter_url(item))
            elif item.lower().endswith(WARC_SUFFIXES):
                from kzinvest.sources.warc import iter_warc
                yield from _normalise(iter_warc(item))
            elif item.lower().endswith(FEED_SUFFIXES) and Path(item).is_file():
                from kzinvest.sources.feeds import iter_feed_file
                yield from _normalise(iter_feed_file(item))
            else:
                from kzinvest.sources.files import iter_documents
                yield from _normalise(iter_documents([item]))
        except Exception as exc:  # a source module failing must not stop the batch
            yield _error(item, f"{type(exc).__name__}: {exc}")


def _normalise(items) -> Iterator[InDocument | tuple[str, str]]:
    for it in items:
        if isinstance(it, InDocument):
            yield it
        else:  # InputError or anything with .source/.reason
            yield _error(getattr(it, "source", None), getattr(it, "reason", it))


def _progress(enabled: bool):
    if not enabled:
        return None
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)
    import sys
    from rich.console import Console
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                    TimeElapsedColumn(), console=Console(file=sys.stderr), transient=False)


def ingest(store, inputs: Iterable[str], progress: bool = False,
           extract: Callable[[InDocument], list[Record]] | None = None,
           on_error: Callable[[str, str], None] | None = None,
           workers: int = 1, engine: str = "local") -> "IngestSummary":
    """Ingest every input; each document in its own transaction."""
    summary = IngestSummary()
    t0 = time.perf_counter()
    created: set[int] = set()
    updated: set[int] = set()
    items = iter_inputs(inputs)
    if engine == "dask" and workers > 1:
        from kzinvest.registry.parallel import extract_parallel
        items = extract_parallel(items, extract, workers)
    bar = _progress(progress)
    task = None
    if bar:
        bar.start()
        task = bar.add_task("ingest", total=None, status="")
    try:
        for item in items:
            records = None
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], InDocument):
                item, records = item          # pre-extracted by the parallel engine
            if not isinstance(item, InDocument):
                summary.documents_failed += 1
                summary.errors.append(item)
                if on_error:
                    on_error(*item)
                continue
            try:
                out = store.add_document(item, extract=extract, records=records)
            except Exception as exc:
                summary.documents_failed += 1
                err = _error(item.source, f"{type(exc).__name__}: {exc}"
                             if not isinstance(exc, ValueError) else exc)
                summary.errors.append(err)
                if on_error:
                    on_error(*err)
                continue
            if out.status == "duplicate":
                summary.documents_duplicate += 1
            else:
                summary.documents_new += 1
                summary.records += out.records
                summary.indicators += out.indicators
                created |= out.projects_new
                updated |= out.projects_touched - out.projects_new
            if bar:
                bar.update(task, advance=1, status=f"{summary.documents_new} new, "
                           f"{summary.documents_duplicate} dup, {summary.documents_failed} failed")
    finally:
        if bar:
            bar.stop()
    summary.projects_new = len(created)
    summary.new_project_ids = sorted(created)
    summary.projects_updated = len(updated - created)
    summary.seconds = time.perf_counter() - t0
    return summary


@dataclass
class ReextractSummary:
    documents: int = 0
    records: int = 0
    projects_before: int = 0
    projects_after: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Analysts' overrides of projects left with no mentions: moved to the project their
    # records now feed ({old id: new id}), else kept on the emptied project ([ids]).
    overrides_reattached: dict[int, int] = field(default_factory=dict)
    overrides_kept: list[int] = field(default_factory=list)


def reextract(store, progress: bool = False,
              extract: Callable[[InDocument], list[Record]] | None = None) -> ReextractSummary:
    """Re-run the extractor over every stored document and rebuild mentions and projects.

    Documents are replayed in publication order, each in one transaction: its old mentions
    go, its new records are resolved again. A new record of the same company and sector
    goes back to the project its old mention fed, so project ids (and the analysts'
    overrides attached to them) survive; projects left without mentions are removed.
    Overrides are never lost: when a project with overrides is left without mentions, its
    overrides move to the project most of its records went to (the project "re-formed"
    under another id); when its records went nowhere, the project is kept with its
    overrides. Both are reported in the summary.
    """
    from collections import Counter, defaultdict
    from kzinvest.normalise.names import company_key
    from kzinvest.registry import aggregate
    from kzinvest.registry.models import Document, Indicator, Mention, Override, Project
    from kzinvest.registry.store import _default_extract

    extract = extract or _default_extract
    out = ReextractSummary()
    with store.read() as s:
        from sqlalchemy import func
        out.projects_before = s.scalar(select(func.count()).select_from(Project))
        doc_ids = list(s.scalars(select(Document.id).order_by(
            Document.published.is_(None), Document.published, Document.id)))
    bar = _progress(progress)
    task = bar.add_task("reextract", total=len(doc_ids), status="") if bar else None
    if bar:
        bar.start()
    moved: dict[int, Counter] = defaultdict(Counter)   # old project -> where its records went
    try:
        for doc_id in doc_ids:
            with store.read() as s:
                d = s.get(Document, doc_id)
                doc = InDocument(source=d.source, text=d.text, title=d.title, url=d.url,
                                 published=d.published, raw_text=d.raw_text,
                                 content_type=d.content_type, encoding=d.encoding)
            try:
                records = extract(doc)
            except Exception as exc:
                out.failed.append((doc.source, f"{type(exc).__name__}: {exc}"))
                continue
            with store.write() as s:
                row = s.get(Document, doc_id)
                old = s.execute(select(Mention.investor, Mention.sector, Mention.project_id)
                                .where(Mention.document_id == doc_id)).all()
                prefer = {company_key(inv) + "|" + (sec or ""): pid
                          for inv, sec, pid in old if inv and pid}
                old_projects = {pid for _, _, pid in old if pid}
                s.execute(delete(Mention).where(Mention.document_id == doc_id))
                s.execute(delete(Indicator).where(Indicator.document_id == doc_id))
                s.flush()
                res = store.attach_records(s, row, records, prefer=prefer)
                from kzinvest.registry.models import utcnow
                row.extracted_at = utcnow()
                # Follow the records that left an old project: same investor, else the
                # document's only project before and after.
                by_key = {company_key(rec.investor): pid for rec, pid in res.assigned
                          if rec.investor}
                lone = (next(iter(res.projects_touched))
                        if len(old_projects) == 1 and len(res.projects_touched) == 1 else None)
                for inv, _, pid in old:
                    if pid and pid not in res.projects_touched:
                        dest = by_key.get(company_key(inv)) if inv else None
                        if dest is not None or lone is not None:
                            moved[pid][dest if dest is not None else lone] += 1
                for pid in sorted(old_projects - res.projects_touched):
                    _settle(s, store, pid, moved.get(pid), out)
            out.documents += 1
            out.records += res.records
            if bar:
                bar.update(task, advance=1)
    finally:
        if bar:
            bar.stop()
    if out.overrides_kept:   # a kept project may have been fed again by a later document
        with store.read() as s:
            refed = set(s.scalars(select(Mention.project_id)
                                  .where(Mention.project_id.in_(out.overrides_kept))))
        out.overrides_kept = [p for p in out.overrides_kept if p not in refed]
    with store.read() as s:
        from sqlalchemy import func
        out.projects_after = s.scalar(select(func.count()).select_from(Project))
    return out


def _settle(s, store, pid: int, moved, out: ReextractSummary) -> None:
    """Recompute old project `pid`, which this document no longer feeds. When it is left
    with no mentions it goes, but its analysts' overrides stay (see reextract)."""
    from sqlalchemy import exists, update
    from kzinvest.registry import aggregate
    from kzinvest.registry.models import Mention, Override, Project

    empty = not s.scalar(select(exists().where(Mention.project_id == pid)))
    has_overrides = s.scalar(select(exists().where(Override.project_id == pid)))
    if not (empty and has_overrides):
        aggregate.recompute(s, pid)
        return
    for dest, _ in (moved.most_common() if moved else []):
        if dest != pid and s.scalar(select(Project.id).where(Project.id == dest)) is not None:
            s.execute(update(Override).where(Override.project_id == pid)
                      .values(project_id=dest))
            aggregate.recompute(s, dest)
            aggregate.recompute(s, pid)            # now empty and override-free: removed
            out.overrides_reattached[pid] = dest
            return
    aggregate.recompute(s, pid, keep_empty=True)    # nowhere to go: keep it, report it
    if pid not in out.overrides_kept:
        out.overrides_kept.append(pid)
