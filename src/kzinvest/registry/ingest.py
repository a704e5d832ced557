"""Bulk ingestion: inputs of every kind, documents written (registry/documents.py) one per
transaction, or `batch` per transaction.

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

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry import faults
from kzinvest.registry.documents import add_documents
from kzinvest.registry.records import default_extract

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


def progress_bar(enabled: bool):
    if not enabled:
        return None
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)
    import sys
    from rich.console import Console
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                    TimeElapsedColumn(), console=Console(file=sys.stderr), transient=False)


def _count(summary, outs, created: set, updated: set) -> None:
    for out in outs:
        if out.status == "duplicate":
            summary.documents_duplicate += 1
        else:
            summary.documents_new += 1
            summary.records += out.records
            summary.indicators += out.indicators
            created.update(out.projects_new)
            updated.update(out.projects_touched - out.projects_new)


def ingest(store, inputs: Iterable[str], progress: bool = False,
           extract: Callable[[InDocument], list[Record]] | None = None,
           on_error: Callable[[str, str], None] | None = None,
           workers: int = 1, engine: str = "local", batch: int = 1) -> "IngestSummary":
    """Ingest every input; each document in its own transaction (or `batch` documents per
    transaction: fewer commits, the same projects). In this process: on a Dask cluster,
    the store's ingest calls registry/distributed.py instead (`workers`, `engine` are
    accepted here for the callers of the old in-process engine and ignored)."""
    summary = IngestSummary()
    t0 = time.perf_counter()
    created: set[int] = set()
    updated: set[int] = set()
    items = iter_inputs(inputs)
    bar = progress_bar(progress)
    task = None
    if bar:
        bar.start()
        task = bar.add_task("ingest", total=None, status="")
    buffer: list[tuple[InDocument, list[Record] | None]] = []

    def write(*args):              # waits out a database restart; stops on a full disk
        return faults.write_patiently(add_documents, *args,
                                      stored=lambda: summary.documents_new)

    def fail(source, exc) -> None:
        summary.documents_failed += 1
        err = _error(source, f"{type(exc).__name__}: {faults.one_line(exc)}"
                     if not isinstance(exc, ValueError) else exc)
        summary.errors.append(err)
        if on_error:
            on_error(*err)

    def flush() -> None:
        if not buffer:
            return
        try:
            outs = write(store, buffer, extract)
        except faults.StorageStop:
            summary.documents_failed += len(buffer)
            buffer.clear()
            raise
        except Exception as exc:
            for doc, _ in buffer:
                fail(doc.source, exc)
            outs = []
        _count(summary, outs, created, updated)
        buffer.clear()
        if bar:
            bar.update(task, advance=len(outs), status=f"{summary.documents_new} new, "
                       f"{summary.documents_duplicate} dup, {summary.documents_failed} failed")

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
            if batch <= 1:
                try:
                    buffer.append((item, records))
                    outs = write(store, buffer, extract)
                except faults.StorageStop:
                    summary.documents_failed += 1
                    raise
                except Exception as exc:
                    buffer.clear()
                    fail(item.source, exc)
                    continue
                buffer.clear()
                _count(summary, outs, created, updated)
                if bar:
                    bar.update(task, advance=1, status=f"{summary.documents_new} new, "
                               f"{summary.documents_duplicate} dup, "
                               f"{summary.documents_failed} failed")
                continue
            if records is None:            # extracted here so one bad article fails alone
                try:
                    if not (item.text or "").strip():
                        raise ValueError("no article text")
                    records = (extract or default_extract)(item)
                except Exception as exc:
                    fail(item.source, exc)
                    continue
            buffer.append((item, records))
            if len(buffer) >= batch:
                flush()
        flush()
    except faults.StorageStop as stop:             # registry/faults.py: one line, then stop
        summary.errors.append(("database", str(stop)))
        if on_error:
            on_error("database", str(stop))
    finally:
        if bar:
            bar.stop()
    if created:
        created &= store.existing_projects(created)
    summary.projects_new = len(created)
    summary.new_project_ids = sorted(created)
    summary.projects_updated = len(updated - created)
    summary.seconds = time.perf_counter() - t0
    return summary
