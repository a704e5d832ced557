"""Ingest on a Dask cluster: `kzinvest ingest ... --dask tcp://HOST:8786` (a running
scheduler with workers on any hosts) or `--workers N` (a distributed.LocalCluster here).

    client (this process)                       workers (any hosts)
    plan units (registry/units.py) ──submit──▶ read_task: read, decode, clean
                                  ◀─ident──── ident_task: content hashes, canonical URLs
    check the registry: stored?   ──submit──▶ extract_task: extract what is not stored,
    store in input order, `batch` ◀─results── documents, records, their rows (no ids yet)
    documents per transaction (bulk.store_batch), then resolve once (bulk.resolve_stored:
    the whole picture on the workers, registry/resolve_cluster.py)

- Only the client writes, in the order of the inputs, the same rows a single-process
  ingest writes (companies are resolved in that order too), `batch` documents at a time
  in a few statements: on PostgreSQL its main thread checks duplicates, draws the ids,
  resolves the companies and fills them into the rows the workers built
  (bulk.prepare_batch) and WRITERS threads copy the rows
  (bulk.copy_batch), each batch in a transaction of its own. Resolution runs once, after
  the load: the whole-picture resolution when the load at least doubles the registry,
  with blocking keys and clustering on the workers (registry/resolve_cluster.py), else the
  incremental one over the new mentions, in the client. Projects depend only on the stored
  mentions (registry/resolution.py), so the registry holds the same projects, events and companies
  as a single-process ingest of the same inputs (tests/scale/test_distributed.py).
  While the load runs, its documents are stored but not yet in projects.
- Faults: tasks are pure, so a task the scheduler runs again after its worker died
  returns the same documents, and the client stores each document once (content hash,
  canonical URL). A batch's rows are one transaction: a client killed at any point leaves
  whole documents, and running the ingest again skips what is stored before extracting
  it (ident_task) and resolves whatever the killed run left unresolved.
- At most `window` units are in flight; results that arrive early wait for their turn,
  so the client's memory is bounded by the window, not the archive.
- Workers load the extractor once each (parallel.ExtractorPlugin). Progress: the CLI's
  bar, and the scheduler's dashboard (task groups kzinvest-read, kzinvest-extract).
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import bindparam, select

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry.bulk import (WriterThreads, copy_batch, prepare_batch, resolve_stored,
                                   store_batch)
from kzinvest.registry.ingest import IngestSummary, _error, progress_bar
from kzinvest.registry.models import Document
from kzinvest.registry.units import FILES_PER_UNIT, LINES_PER_UNIT, Unit, attach_bytes, plan

BATCH = 100                  # documents per write transaction
_D = Document.__table__
_SEL_HASHES = select(_D.c.content_hash).where(_D.c.content_hash.in_(bindparam("h", expanding=True)))
_SEL_URLS = select(_D.c.canonical_url).where(_D.c.canonical_url.in_(bindparam("u", expanding=True)))


@dataclass
class ClusterSummary(IngestSummary):
    """IngestSummary plus where the time went (the benchmark's per-stage costs)."""
    workers: int = 0
    units: int = 0
    extracted: int = 0               # documents extracted (stored ones are not)
    worker_pids: set = field(default_factory=set)        # processes that extracted
    read_s: float = 0.0              # summed over tasks: read, decode, clean
    extract_s: float = 0.0           # summed over tasks: extraction
    write_s: float = 0.0             # client: database writes (its own part of them)
    store_threads_s: float = 0.0     # summed over the store's writer threads (PostgreSQL)
    store_wait_s: float = 0.0        # client: waiting for the writer threads
    check_s: float = 0.0             # client: which documents are stored already
    resolve_s: float = 0.0           # client: resolution after the load
    resolved: str = "none"           # how: "rebuild" (whole picture) or "incremental"
    resolve_detail: dict = field(default_factory=dict)   # the whole picture's figures
    worker_memory: dict = field(default_factory=dict)    # worker -> resident bytes
    dashboard: str | None = None


@contextmanager
def connect(address: str | None = None, workers: int = 2, dashboard: bool = True):
    """A distributed.Client: to the scheduler at `address`, or to a LocalCluster of
    `workers` single-threaded worker processes started (and stopped) here."""
    from distributed import Client, LocalCluster
    if address:
        client = Client(address, timeout="30s")
        try:
            yield client
        finally:
            client.close()
        return
    # ":0": any free port (the dashboard needs bokeh; without it only /health is served)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0" if dashboard else None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def ingest_distributed(store, inputs: Iterable[str], address: str | None = None,
                       workers: int = 2, client=None, progress: bool = False,
                       extract: Callable[[InDocument], list[Record]] | None = None,
                       on_error: Callable[[str, str], None] | None = None,
                       batch: int = BATCH, window: int | None = None,
                       on_batch: Callable[[ClusterSummary], None] | None = None,
                       lines_per_unit: int = LINES_PER_UNIT, files_per_unit: int = FILES_PER_UNIT,
                       **_ignored) -> ClusterSummary:
    """Ingest `inputs` on a cluster (see the module docstring); `client` reuses a
    connected distributed.Client, else `address` or a LocalCluster of `workers`.
    `on_batch(summary)` is called after each write transaction."""
    units = plan([str(i) for i in inputs], files_per_unit=files_per_unit,
                 lines_per_unit=lines_per_unit)
    args = (store, units, progress, extract, on_error, batch, window, on_batch)
    if client is not None:
        return _run(client, *args)
    with connect(address, workers) as c:
        return _run(c, *args)


def _run(client, store, units, progress, extract, on_error, batch, window, on_batch):
    from distributed import as_completed
    from kzinvest.registry.parallel import (ExtractorPlugin, extract_task, ident_task,
                                            read_task, sees_files, worker_memory)
    summary = ClusterSummary()
    t0 = time.perf_counter()
    client.register_plugin(ExtractorPlugin(warm=extract is None, env=_worker_env()))
    threads = sum(client.nthreads().values()) or 1
    summary.workers = len(client.nthreads())
    summary.dashboard = getattr(client, "dashboard_link", None)
    window = window or max(4, 3 * threads)
    units = list(units)
    summary.units = len(units)
    sample = [(p, os.path.getsize(p)) for u in units if u.kind in ("files", "lines", "warc")
              for p in u.paths[:1] if os.path.isfile(p)][:50]
    ship = bool(sample) and not all(client.run(sees_files, sample).values())
    run = uuid.uuid4().hex[:8]
    writer = _Writer(store, summary, on_error, batch, on_batch)
    bar = progress_bar(progress)
    task = bar.add_task("ingest", total=len(units), status="") if bar else None
    if bar:
        bar.start()
        if summary.dashboard:
            bar.console.print(f"Dask dashboard: {summary.dashboard}", markup=False)
    ac = as_completed()
    reads: dict[int, object] = {}
    stage: dict[object, tuple[str, Unit]] = {}
    done: dict[int, dict] = {}
    todo = iter(units)
    in_flight = 0
    next_to_write = 0

    def submit_next() -> bool:
        nonlocal in_flight
        u = next(todo, None)
        if u is None:
            return False
        if ship:
            attach_bytes(u)
        r = client.submit(read_task, u, key=f"kzinvest-read-{run}-{u.number}")
        i = client.submit(ident_task, r, key=f"kzinvest-ident-{run}-{u.number}")
        u.data = None                 # the client keeps no bytes once submitted
        reads[u.number] = r
        stage[i] = ("ident", u)
        ac.add(i)
        in_flight += 1
        return True

    try:
        while in_flight < window and submit_next():
            pass
        for fut in ac:
            kind, u = stage.pop(fut)
            if kind == "ident":
                try:
                    idents = fut.result()
                except Exception as exc:
                    done[u.number] = _unit_failed(u, exc)
                    reads.pop(u.number, None)
                else:
                    tc = time.perf_counter()
                    stored = stored_items(store, idents)
                    summary.check_s += time.perf_counter() - tc
                    e = client.submit(extract_task, reads[u.number], stored, extract,
                                      key=f"kzinvest-extract-{run}-{u.number}")
                    stage[e] = ("extract", u)
                    ac.add(e)
                    fut.release()
                    continue
            else:
                reads.pop(u.number, None)
                try:
                    done[u.number] = fut.result()
                except Exception as exc:
                    done[u.number] = _unit_failed(u, exc)
            fut.release()
            while next_to_write in done:
                res = done.pop(next_to_write)
                summary.read_s += res.get("read_s", 0.0)
                summary.extract_s += res.get("extract_s", 0.0)
                summary.extracted += sum(1 for x in res["items"] if x[0] == "doc")
                if "pid" in res:
                    summary.worker_pids.add(res["pid"])
                writer.take(res["items"])
                next_to_write += 1
                in_flight -= 1
                if bar:
                    bar.update(task, advance=1, status=writer.status())
                submit_next()
        writer.flush()
    finally:
        if bar:
            bar.stop()
        for f in reads.values():
            f.release()
    try:
        summary.worker_memory = dict(client.run(worker_memory))
    except Exception:
        pass
    writer.finish(client)
    summary.seconds = time.perf_counter() - t0
    return summary


def _worker_env() -> dict[str, str]:
    """The client's kzinvest settings (fetch policy, timeouts, limits) for the workers;
    not the API tokens nor the webhooks, which workers have no use for."""
    private = ("KZINVEST_TOKENS", "KZINVEST_WEBHOOKS")
    return {k: v for k, v in os.environ.items()
            if k.startswith("KZINVEST_") and not k.startswith(private)}


def _unit_failed(u: Unit, exc: BaseException) -> dict:
    """A unit whose tasks failed for good (e.g. its worker died too often: KilledWorker)."""
    return {"items": [("error", u.label, f"{type(exc).__name__}: {exc}")]}


def _copy_batch(store, rows) -> float:
    t0 = time.perf_counter()
    with store.write(shared=True) as tx:
        copy_batch(tx.connection(), rows)
    return time.perf_counter() - t0


def stored_items(store, idents: list) -> frozenset[int]:
    """Positions of the items whose document the registry already holds."""
    hashes = sorted({x[0] for x in idents if x})
    urls = sorted({x[1] for x in idents if x and x[1]})
    if not hashes:
        return frozenset()
    with store.read() as s:
        conn = s.connection()
        have_h = set(conn.scalars(_SEL_HASHES, {"h": hashes}))
        have_u = set(conn.scalars(_SEL_URLS, {"u": urls})) if urls else set()
    return frozenset(n for n, x in enumerate(idents)
                     if x and (x[0] in have_h or (x[1] and x[1] in have_u)))


class _Writer:
    """Items in input order to the registry, `batch` documents per transaction
    (registry/bulk.py), resolved at the end."""

    def __init__(self, store, summary: ClusterSummary, on_error, batch, on_batch):
        self.store, self.summary = store, summary
        self.on_error, self.batch, self.on_batch = on_error, max(1, batch), on_batch
        self.buffer: list[tuple] = []     # (document, records[, bulk.Prebuilt])
        # PostgreSQL: this thread checks duplicates, draws the ids in input order and
        # resolves the companies (bulk.prepare_batch); WRITERS threads copy the rows, each
        # batch in a transaction of its own beside the others (Store.write(shared=True)).
        # A batch prepared but not yet written holds back its documents' hashes and URLs
        # (`in_flight`), so a later copy of one is still a duplicate.
        self.writers = (WriterThreads("kzinvest-store", self._copied)
                        if store.dialect == "postgresql" else None)
        self.in_flight: set[str] = set()

    def status(self) -> str:
        s = self.summary
        return (f"{s.documents_new} new, {s.documents_duplicate} dup, "
                f"{s.documents_failed} failed")

    def fail(self, source, reason) -> None:
        self.summary.documents_failed += 1
        err = _error(source, reason)
        self.summary.errors.append(err)
        if self.on_error:
            self.on_error(*err)

    def take(self, items) -> None:
        for item in items:
            if item[0] == "doc":
                self.buffer.append(item[1:])
                if len(self.buffer) >= self.batch:
                    self.flush()
            elif item[0] == "stored":
                self.summary.documents_duplicate += 1
            else:
                self.fail(item[1], item[2])

    def flush(self) -> None:
        if not self.buffer:
            return
        s = self.summary
        t0 = time.perf_counter()
        out = rows = None
        try:
            if self.writers is None:
                out = store_batch(self.store, self.buffer)
            else:
                with self.store.write() as tx:
                    out, rows = prepare_batch(self.store, tx, self.buffer, self.in_flight)
        except Exception as exc:
            for doc, *_ in self.buffer:
                self.fail(doc.source, f"{type(exc).__name__}: {exc}")
        else:
            s.documents_new += out.new
            s.documents_duplicate += out.duplicate
            s.records += out.records
            s.indicators += out.indicators
        s.write_s += time.perf_counter() - t0
        if rows is not None:
            self.in_flight |= rows.keys
            self.writers.submit(_copy_batch, self.store, rows, context=(out, rows))
            s.store_wait_s = self.writers.waited
        self.buffer.clear()
        if self.on_batch:
            self.on_batch(s)

    def _copied(self, fut, context) -> None:
        """A batch the writer threads wrote; one that failed there is reported document by
        document, as one failing here is."""
        s = self.summary
        out, rows = context
        try:
            s.store_threads_s += fut.result()
        except Exception as exc:
            s.documents_new -= out.new
            s.records -= out.records
            s.indicators -= out.indicators
            for doc in rows.documents:
                self.fail(doc["source"], f"{type(exc).__name__}: {exc}")
        finally:
            self.in_flight -= rows.keys

    def drain(self) -> None:
        """Wait for every batch in the writer threads, and stop them."""
        if self.writers is None:
            return
        try:
            self.writers.finish()
        finally:
            self.writers.close()
            self.summary.store_wait_s = self.writers.waited

    def finish(self, client=None) -> None:
        """Resolve what this run (and any run killed before it) stored, on the workers
        of `client` when the whole picture is resolved."""
        s = self.summary
        self.drain()
        res = resolve_stored(self.store, client=client)
        s.resolve_s, s.resolved, s.resolve_detail = res.seconds, res.how, res.detail
        s.projects_new = len(res.projects_new)
        s.new_project_ids = sorted(res.projects_new)
        s.projects_updated = len(res.projects_updated)
