"""Proof of the cluster ingest against the real PostgreSQL server: the same 200 documents
through one process and through a 2-worker LocalCluster give identical projects, events
and companies; a worker SIGKILLed in the middle of a run leaves a complete registry; a
client killed halfway is resumed by running it again, which skips what is stored."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from kzinvest.registry.distributed import ingest_distributed
from kzinvest.registry.models import Document, Mention
from kzinvest.registry.store import open_store

from .conftest import TODAY
from .slow_extract import slow_extract
from .snapshot import ids, snapshot

pytestmark = pytest.mark.pg
HERE = Path(__file__).parent
N = 200


@pytest.fixture(scope="module")
def reference(pg_admin, corpus200):
    """The registry of a single-process ingest of the corpus."""
    db = pg_admin()
    store = open_store(db, today=TODAY)
    s = store.ingest([str(corpus200 / "articles")])
    store.close()
    assert s.documents_new == N and not s.errors
    return db, snapshot(db), s


def assert_same_registry(db, reference) -> None:
    ref_db, ref, _ = reference
    got = snapshot(db)
    assert got["documents"] == ref["documents"]
    for part in ("companies", "projects", "events", "investors", "mentions", "indicators"):
        assert got[part] == ref[part], (part, _first_difference(got[part], ref[part]))
    assert len(ref["projects"]) > 40 and len(ref["events"]) > len(ref["projects"])


def _first_difference(a, b):
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                x, y = a.get(k) or {}, b.get(k) or {}
                return k, {f: (x.get(f), y.get(f)) for f in set(x) | set(y) if x.get(f) != y.get(f)}
    return [(x, y) for x, y in zip(a, b) if x != y][:1] or (len(a), len(b))


def test_two_workers_give_the_registry_of_one_process(pg_admin, corpus200, cluster, reference):
    client, _ = cluster
    db = pg_admin()
    store = open_store(db, today=TODAY)
    s = ingest_distributed(store, [str(corpus200 / "articles")], client=client, batch=20,
                           lines_per_unit=25)
    store.close()
    assert (s.documents_new, s.documents_failed, s.units) == (N, 0, 8)
    assert len(s.worker_pids) == 2                      # both workers extracted
    assert s.projects_new == reference[2].projects_new
    assert_same_registry(db, reference)
    assert ids(db) == ids(reference[0])                 # documents written in input order


def test_a_worker_killed_mid_run_leaves_a_complete_registry(pg_admin, corpus200, cluster,
                                                            reference):
    client, _ = cluster
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_busiest(summary) -> None:
        if killed or summary.documents_new < 40:
            return
        busy, held = client.processing(), client.has_what()
        addr = max(busy, key=lambda a: (len(busy[a]), len(held.get(a, ()))))
        assert busy[addr] or held.get(addr), "nothing on the worker to lose"
        os.kill(pids[addr], signal.SIGKILL)
        killed.append(pids[addr])

    db = pg_admin()
    store = open_store(db, today=TODAY)
    s = ingest_distributed(store, [str(corpus200 / "articles")], client=client, batch=10,
                           lines_per_unit=10, on_batch=kill_busiest, extract=slow_extract)
    store.close()
    assert killed, "the run ended before a worker could be killed"
    assert (s.documents_new, s.documents_duplicate, s.documents_failed) == (N, 0, 0)
    assert_same_registry(db, reference)
    client.wait_for_workers(2, timeout=60)              # the nanny restarted it
    assert killed[0] not in client.run(os.getpid).values()


def test_an_interrupted_ingest_resumes_and_skips_what_is_stored(pg_admin, corpus200, cluster,
                                                                reference):
    client, lc = cluster
    client.wait_for_workers(2, timeout=60)
    db = pg_admin()
    cmd = [sys.executable, str(HERE / "run_ingest.py"), db, lc.scheduler_address,
           str(corpus200 / "articles")]
    engine = create_engine(db)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90

    def stored() -> int:
        with engine.connect() as c:
            return c.execute(select(func.count()).select_from(Document)).scalar()

    while stored() < 50:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    first = stored()
    engine.dispose()
    assert 50 <= first < N, first

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout.strip().splitlines()[-1])
    assert (s["documents_new"], s["documents_duplicate"], s["documents_failed"]) == (N - first, first, 0)
    assert s["extracted"] == N - first                  # stored documents were not extracted again
    assert_same_registry(db, reference)


def test_a_rebuild_on_the_workers_equals_one_in_process(pg_admin, corpus200, cluster):
    """`resolve --rebuild` on the workers (registry/resolve_cluster.py) leaves the registry a
    rebuild in this process leaves, analysts' work included: an override on a project that
    keeps its id, a merge and a keep-apart decision."""
    client, _ = cluster
    snaps = []
    for on_workers in (False, True):
        db = pg_admin()
        store = open_store(db, today=TODAY)
        ingest_distributed(store, [str(corpus200 / "articles")], client=client, batch=50)
        # The analysts' decisions name the same mentions in both runs: by what they are
        # (document content, ordinal), not by ids, which follow the order batches came back in.
        with store.read() as s:
            rows = s.connection().execute(
                select(Mention.id, Mention.project_id).join(Document, Document.id == Mention.document_id)
                .order_by(Document.content_hash, Mention.ordinal)).all()
        by_project: dict[int, list[int]] = {}
        for mid, pid in rows:
            by_project.setdefault(pid, []).append(mid)
        big = [ms for ms in by_project.values() if len(ms) >= 2]
        store.edit(rows[0].project_id, "stage", "launched", who="test")
        store.decide("merge", rows[1].id, rows[-1].id, who="test")
        store.decide("apart", big[0][0], big[0][1], who="test")
        before = snapshot(db)
        out = store.rebuild(who="test", client=client if on_workers else None)
        store.close()
        assert out.mentions == len(rows) and out.projects_after == out.projects_before
        snaps.append((before, snapshot(db)))
    (before_a, after_a), (before_b, after_b) = snaps
    for part in ("documents", "companies", "projects", "events", "investors", "mentions", "indicators"):
        assert before_a[part] == before_b[part], (part, _first_difference(before_a[part], before_b[part]))
    for part in ("projects", "events", "investors", "mentions"):
        assert after_b[part] == after_a[part], (part, _first_difference(after_b[part],
                                                                        after_a[part]))


def test_a_block_too_large_for_a_task_is_clustered_in_parts(pg_admin, corpus200, cluster,
                                                            reference, monkeypatch):
    """With tiny task sizes every block of 4 mentions or more is clustered in parts
    (split_block.py: features, candidate pairs, scoring and merging as tasks of their own):
    the load gives the registry of one process, and a rebuild with analysts' decisions the
    registry a rebuild in process gives."""
    from kzinvest.registry import resolve_cluster, split_block
    monkeypatch.setattr(resolve_cluster, "MENTIONS_PER_TASK", 2)   # the corpus's blocks
    monkeypatch.setattr(resolve_cluster, "SPLIT_AT", 4)            # hold up to 11 mentions
    monkeypatch.setattr(split_block, "PAIRS_PER_TASK", 5)
    split = []

    class Recorded(split_block.SplitBlock):
        def __init__(self, client, model, local, ids, *a):
            split.append(len(ids))
            super().__init__(client, model, local, ids, *a)

    monkeypatch.setattr(resolve_cluster, "SplitBlock", Recorded)
    client, _ = cluster
    db = pg_admin()
    store = open_store(db, today=TODAY)
    s = ingest_distributed(store, [str(corpus200 / "articles")], client=client, batch=50)
    assert s.resolved == "rebuild" and len(split) >= 3 and max(split) >= 8
    assert_same_registry(db, reference)
    with store.read() as s:
        rows = s.connection().execute(
            select(Mention.id, Mention.project_id).order_by(Mention.id)).all()
    store.decide("merge", rows[1].id, rows[-1].id, who="test")
    store.decide("apart", rows[2].id, rows[3].id, who="test")
    split.clear()
    store.rebuild(who="test", client=client)
    assert split
    on_workers = snapshot(db)
    store.rebuild(who="test")
    store.close()
    in_process = snapshot(db)
    for part in ("projects", "events", "investors", "mentions"):
        assert on_workers[part] == in_process[part], (
            part, _first_difference(on_workers[part], in_process[part]))
