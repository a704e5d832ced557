"""Scale benchmark of the cluster ingest, end to end against PostgreSQL.

    python benchmarks/scale_bench.py [--articles 20000] [--pg URL] [--workers 1,2]
                                     [--corpus DIR] [--out benchmarks/scale_results.json]

1. Generates the corpus (benchmarks/make_corpus.py: JSON Lines shards of 1,000 articles).
2. For each worker count: a fresh database, `ingest --workers N` (a distributed.LocalCluster:
   cluster start, reading, cleaning, extraction on the workers, database writes and
   resolution in the client, all included) and the figures: documents/s, each worker's
   resident memory, the client's database time (storing, and resolution apart) and its
   share of the wall time, the workers' CPU time per document, and the writer's cost per
   document as the registry grows (per batch).
3. Checks that the registries of the runs are identical (tests/scale/snapshot.py), and
   times `resolve --rebuild` (the whole-picture resolution from scratch) on the last one.
4. Extrapolates to 1,000,000 articles on 8 and 64 workers from the measured per-stage
   costs (see `extrapolate` for the model and its assumptions), and prints everything as
   JSON (also written to --out).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "scale"))


def fresh_db(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    name = f"kzinvest_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_db(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(db: str, articles: Path, workers: int, batch: int) -> dict:
    """One end-to-end ingest on a LocalCluster of `workers`; its figures."""
    from kzinvest.registry import distributed
    from kzinvest.registry.store import open_store

    series = []
    last = [0.0, 0]

    def on_batch(summary):
        series.append((summary.documents_new, summary.write_s - last[0],
                       summary.documents_new - last[1]))
        last[0], last[1] = summary.write_s, summary.documents_new

    store = open_store(db)
    t0 = time.perf_counter()
    try:
        with distributed.connect(None, workers, dashboard=False) as client:
            started = time.perf_counter() - t0
            s = distributed.ingest_distributed(store, [str(articles)], client=client,
                                               batch=batch, on_batch=on_batch)
    finally:
        store.close()
    wall = time.perf_counter() - t0
    docs = s.documents_new
    half = [x for x in series if x[0] <= docs // 2]
    rest = [x for x in series if x[0] > docs // 2]

    def per_doc(rows):
        n = sum(r[2] for r in rows)
        return sum(r[1] for r in rows) / n * 1000 if n else None

    return {
        "workers": workers, "documents": docs, "failed": s.documents_failed,
        "projects": s.projects_new, "records": s.records,
        "wall_s": round(wall, 1), "cluster_start_s": round(started, 1),
        "load_s": round(wall - started - s.resolve_s, 1), "resolve_s": round(s.resolve_s, 1),
        "resolved_by": s.resolved,
        "docs_per_s": round(docs / wall, 1),
        "docs_per_s_after_start": round(docs / (wall - started), 1),
        "worker_cpu_ms_per_doc": {"read_clean": round(s.read_s / docs * 1000, 2),
                                  "extract": round(s.extract_s / max(1, s.extracted) * 1000, 2)},
        "store_threads_ms_per_doc": round(s.store_threads_s / docs * 1000, 2),
        "store_wait_ms_per_doc": round(s.store_wait_s / docs * 1000, 2),
        "client_ms_per_doc": {"store": round(s.write_s / docs * 1000, 2),
                              "resolve": round(s.resolve_s / docs * 1000, 2),
                              "check_stored": round(s.check_s / docs * 1000, 2)},
        "store_ms_per_doc_first_half": round(per_doc(half) or 0, 2),
        "store_ms_per_doc_second_half": round(per_doc(rest) or 0, 2),
        "database_share_of_wall": round((s.write_s + s.resolve_s + s.check_s) / wall, 3),
        "worker_memory_mb": sorted(round(v / 2**20) for v in s.worker_memory.values()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "resolution": s.resolve_detail,
    }


def rebuild_cost(db: str) -> dict:
    from kzinvest.registry.store import open_store
    store = open_store(db)
    try:
        r = store.rebuild(who="scale_bench")
    finally:
        store.close()
    return {"mentions": r.mentions, "blocks": r.blocks, "seconds": r.seconds,
            "ms_per_mention": round(r.seconds["total"] / max(1, r.mentions) * 1000, 3),
            "projects_before": r.projects_before, "projects_after": r.projects_after}


def extrapolate(runs: list[dict], rebuild: dict, n: int = 1_000_000,
                workers=(8, 64)) -> dict:
    """Time for `n` articles on W workers, from the measured per-stage costs.

    Model: the load is a pipeline (workers extract while the client stores), so it takes
    the longer of workers = n x (read+clean+extract CPU per document, from the 1-worker
    run, where the worker had a core to itself) / W and store = n x the larger of the
    client's part of storing + the stored check per document (second half of the largest
    run) and the writer threads' copies per document / their number; then resolution runs
    once over everything: n x mentions per document x the cost per mention of the
    resolution that followed the load in the largest run (the whole-picture one, creating
    every project; a `resolve --rebuild` of the same registry afterwards, with the
    projects in place, is reported too), taken as linear (a company's mentions are compared within a window,
    cluster.py; the 1,000- and 20,000-article runs cost about the same per mention); plus
    the cluster start. With the resolution on the workers (runs that report its figures),
    resolution = the client's own time per mention x mentions + the largest of the
    workers' time / W, the database writes / the writer threads (runs that report
    "writes": registry/resolve_cluster.py's _Writes) and the longest single task (a large
    block is clustered in parts, registry/split_block.py, but one of its stages is one
    task; its share of the mentions taken as constant). Assumptions: one worker per core,
    workers see the inputs (shared storage), PostgreSQL on its own host with the client
    beside it and at least as many cores as writer threads, articles like the generated
    ones (about one project each, 1-2 kB of text)."""
    one = min(runs, key=lambda r: r["workers"])
    last = max(runs, key=lambda r: r["workers"])
    work = one["worker_cpu_ms_per_doc"]["read_clean"] + one["worker_cpu_ms_per_doc"]["extract"]
    store = last["store_ms_per_doc_second_half"] + last["client_ms_per_doc"]["check_stored"]
    from kzinvest.registry.bulk import WRITERS
    copies = last.get("store_threads_ms_per_doc", 0.0)      # the writer threads' copies
    mentions = rebuild["mentions"]
    mentions_per_doc = mentions / max(1, last["documents"])
    total_m = n * mentions_per_doc
    store_s = n * max(store, copies / WRITERS) / 1000
    res = last.get("resolution") or {}
    sec = res.get("seconds") or {}
    out = {"per_doc_ms": {"worker_cpu": round(work, 2), "client_store": round(store, 2),
                          "store_copies_in_threads": round(copies, 2),
                          "rebuild_again_per_mention": rebuild["ms_per_mention"]},
           "store_s": round(store_s), "cases": {}}
    if "client_busy" in sec:
        # resolution on the workers (registry/resolve_cluster.py): the client's own time
        # (reads, union-find, dispatch; the writes too where no writer threads wrote) is
        # serial; the workers' time (keys, clustering) divides among them, the writer
        # threads' among the writers, and the longest task (its block's share of the
        # mentions taken as constant) sets a floor. No overlap is assumed between the
        # client's time and the rest.
        from kzinvest.registry.bulk import WRITERS
        client_ms = sec["client_busy"] / mentions * 1000
        workers_ms = (sec["workers_keys"] + sec["workers_cluster"]) / mentions * 1000
        writes_ms = sec.get("writes", 0.0) / mentions * 1000
        share = res["largest_block"] / mentions
        largest_ms = sec["largest_task"] / max(1, res["largest_block"]) * 1000
        out["per_doc_ms"].update(resolution_client_per_mention=round(client_ms, 3),
                                 resolution_workers_per_mention=round(workers_ms, 3),
                                 resolution_writes_per_mention=round(writes_ms, 3),
                                 largest_block_share=round(share, 3),
                                 largest_task_per_block_mention=round(largest_ms, 3))

        def resolve_s(w: int) -> float:
            return (total_m * client_ms + max(total_m * workers_ms / w,
                                              total_m * writes_ms / WRITERS,
                                              total_m * share * largest_ms)) / 1000
    else:
        per_mention = last["resolve_s"] / max(1, mentions) * 1000
        out["per_doc_ms"]["resolution_per_mention"] = round(per_mention, 2)

        def resolve_s(w: int) -> float:
            return total_m * per_mention / 1000
    for w in workers:
        workers_s = n * work / 1000 / w
        r = resolve_s(w)
        total = max(workers_s, store_s) + r + one["cluster_start_s"]
        out["cases"][f"{w}_workers"] = {
            "workers_s": round(workers_s), "store_s": round(store_s), "resolve_s": round(r),
            "total_min": round(total / 60, 1),
            "load_bound_by": "client store" if store_s > workers_s else "workers"}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--pg", default=os.environ.get("KZINVEST_TEST_PG",
                                                   "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--corpus", type=Path, help="reuse a corpus made by make_corpus.py")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "scale_results.json")
    ap.add_argument("--from-results", type=Path, help="only redo the extrapolation of a "
                    "results file written before")
    a = ap.parse_args()
    if a.from_results:
        result = json.loads(a.from_results.read_text(encoding="utf-8"))
        result["extrapolation_1m"] = extrapolate(result["runs"], result["rebuild"])
        a.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(result["extrapolation_1m"], indent=1))
        return
    from make_corpus import write_corpus
    from snapshot import snapshot
    tmp = None
    corpus = a.corpus
    if corpus is None:
        tmp = tempfile.TemporaryDirectory(prefix="kzcorpus-")
        corpus = Path(tmp.name)
        t = time.perf_counter()
        write_corpus(corpus, a.articles, seed=7, fmt="jsonl", per_shard=1000)
        print(f"corpus: {a.articles} articles in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    runs, names, snaps = [], [], []
    try:
        for w in (int(x) for x in a.workers.split(",")):
            name, db = fresh_db(a.pg)
            names.append(name)
            r = run(db, corpus / "articles", w, a.batch)
            print(json.dumps(r), file=sys.stderr)
            runs.append(r)
            snaps.append(snapshot(db))
        same = all(s == snaps[0] for s in snaps[1:])
        rebuild = rebuild_cost(db)
        print(json.dumps({"rebuild": rebuild}), file=sys.stderr)
        one = min(runs, key=lambda r: r["workers"])
        result = {"articles": a.articles, "batch": a.batch, "cpus": os.cpu_count(),
                  "load_average": os.getloadavg(),
                  "runs": runs, "registries_identical": same, "rebuild": rebuild,
                  "speedup": {f"{r['workers']}_vs_{one['workers']}":
                              round(r["docs_per_s"] / one["docs_per_s"], 2) for r in runs},
                  "extrapolation_1m": extrapolate(runs, rebuild)}
        a.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=1))
    finally:
        for name in names:
            drop_db(a.pg, name)
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
