"""Re-run the extractor over every stored document and resolve its new records again.

Documents are replayed in publication order, each in one transaction: its old mentions go,
its new records are written and resolved (registry/resolution.py). A new record of the same
investor (and sector) carries the project its old record fed, so project ids, and the
analysts' overrides and decisions attached to them, survive; decisions name mentions by
stable references (registry/decisions.py) and apply to the new records. When a project with
overrides is left without mentions, its overrides move to the project that took most of
its records, or stay on it (kept) when its records went nowhere. Both are reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import delete, func, select

from kzinvest.model import Document as InDocument, Record
from kzinvest.normalise.names import company_key
from kzinvest.registry.documents import Pending, resolve_pending, write_records
from kzinvest.registry.models import Document, Indicator, Mention, Project, utcnow
from kzinvest.registry.records import default_extract


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


def _progress(enabled: bool, total: int):
    if not enabled:
        return None, None
    from kzinvest.registry.ingest import progress_bar
    bar = progress_bar(True)
    return bar, bar.add_task("reextract", total=total, status="")


def reextract(store, progress: bool = False,
              extract: Callable[[InDocument], list[Record]] | None = None) -> ReextractSummary:
    extract = extract or default_extract
    out = ReextractSummary()
    with store.read() as s:
        out.projects_before = s.scalar(select(func.count()).select_from(Project))
        doc_ids = list(s.scalars(select(Document.id).order_by(
            Document.published.is_(None), Document.published, Document.id)))
    bar, task = _progress(progress, len(doc_ids))
    if bar:
        bar.start()
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
                s.execute(delete(Mention).where(Mention.document_id == doc_id))
                s.execute(delete(Indicator).where(Indicator.document_id == doc_id))
                pending = Pending()
                pending.fresh = False
                pending.projects = {pid for _, _, pid in old if pid}
                res = write_records(store, s, row, records, pending, carry=_carrier(old, records))
                row.extracted_at = utcnow()
                s.flush()
                resolve_pending(store, s, pending)
                done = pending.result
                for pid, dest in (done.overrides_moved if done else {}).items():
                    out.overrides_reattached[pid] = dest
                for pid in (done.overrides_kept if done else []):
                    if pid not in out.overrides_kept:
                        out.overrides_kept.append(pid)
            out.documents += 1
            out.records += res.records
            if bar:
                bar.update(task, advance=1)
    finally:
        if bar:
            bar.stop()
    with store.read() as s:
        out.projects_after = s.scalar(select(func.count()).select_from(Project))
        if out.overrides_kept:   # a kept project may have been fed again by a later document
            refed = set(s.scalars(select(Mention.project_id)
                                  .where(Mention.project_id.in_(out.overrides_kept))))
            out.overrides_kept = [p for p in out.overrides_kept if p not in refed]
        alive = set(s.scalars(select(Project.id).where(
            Project.id.in_(list(out.overrides_reattached.values()) or [0]))))
    # a chain old -> mid -> new reports where the overrides ended up
    for pid, dest in list(out.overrides_reattached.items()):
        seen = {pid}
        while dest not in alive and dest in out.overrides_reattached and dest not in seen:
            seen.add(dest)
            dest = out.overrides_reattached[dest]
        out.overrides_reattached[pid] = dest
    return out


def _carrier(old, records) -> Callable[[Record], int | None]:
    """Which project a new record of a document carries over from its old records: the
    same investor and sector, else the same investor, else the document's only project
    when it had one and now has one record."""
    by_key_sector, by_key = {}, {}
    for inv, sector, pid in old:
        if inv and pid:
            key = company_key(inv)
            by_key_sector.setdefault((key, sector or "other"), pid)
            by_key.setdefault(key, pid)
    old_projects = {pid for _, _, pid in old if pid}
    n_projects = sum(1 for r in records if r.kind != "indicator")
    lone = next(iter(old_projects)) if len(old_projects) == 1 and n_projects == 1 else None

    def carry(rec: Record) -> int | None:
        if rec.investor:
            key = company_key(rec.investor)
            pid = by_key_sector.get((key, rec.sector or "other")) or by_key.get(key)
            if pid is not None:
                return pid
        return lone
    return carry
