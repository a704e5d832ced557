"""Proofs with real processes: SIGKILL halfway through an ingest, and ingest while other
processes read (SQLite WAL / PostgreSQL) or write, on both backends."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from kzinvest.registry import aggregate
from kzinvest.registry.models import Document, Mention, Project
from kzinvest.registry.store import open_store

from . import fake_extract

HERE = Path(__file__).parent
RUN_CLI = HERE / "run_cli.py"
N_DOCS, N_COMPANIES = 200, 20


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    for i in range(N_DOCS):
        (d / f"doc{i:04d}.txt").write_text(fake_extract.article_text(i, N_COMPANIES),
                                           encoding="utf-8")
    return d


def _env(**extra):
    env = dict(os.environ)
    env.pop("KZINVEST_TEST_SLOW_EXTRACT_MS", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def ingest_cmd(folder, db_url):
    return [sys.executable, str(RUN_CLI), "ingest", str(folder), "--db", db_url, "--no-progress"]


def count(engine, model) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar()


def assert_consistent(db_url):
    """No duplicates, no mention without its project, no project out of step with its
    mentions (what a half-written transaction would leave)."""
    store = open_store(db_url)
    with store.read() as s:
        dup = s.execute(select(Document.content_hash).group_by(Document.content_hash)
                        .having(func.count() > 1)).all()
        assert dup == []
        docs = s.scalar(select(func.count()).select_from(Document))
        mentions = s.scalar(select(func.count()).select_from(Mention))
        assert mentions == docs                       # one record per generated article
        assert s.scalar(select(func.count()).select_from(Mention)
                        .where(Mention.project_id.is_(None))) == 0
        for p in s.scalars(select(Project)):
            ms = s.scalars(select(Mention).where(Mention.project_id == p.id)).all()
            assert p.mentions_count == len(ms) > 0
            assert p.last_seen == max(m.date for m in ms)
            assert len({m.document_id for m in ms}) == len(ms)
        projects = s.scalar(select(func.count()).select_from(Project))
    store.close()
    return docs, mentions, projects


def test_sigkill_halfway_then_rerun_completes_without_duplicates(db_url, folder):
    open_store(db_url).close()                        # migrate before the clock starts
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    proc = subprocess.Popen(ingest_cmd(folder, db_url),
                            env=_env(KZINVEST_TEST_SLOW_EXTRACT_MS=15),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while count(engine, Document) < N_DOCS // 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine.dispose()
    docs, _, _ = assert_consistent(db_url)
    assert N_DOCS // 3 <= docs < N_DOCS

    rerun = subprocess.run(ingest_cmd(folder, db_url), env=_env(), capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{N_DOCS - docs} new, {docs} duplicate, 0 failed" in rerun.stdout
    docs, mentions, projects = assert_consistent(db_url)
    assert (docs, mentions, projects) == (N_DOCS, N_DOCS, N_COMPANIES)


READER = textwrap.dedent("""
    import json, sys, time
    from typer.testing import CliRunner
    from kzinvest.registry.cli import make_app
    db, stop_file = sys.argv[1], sys.argv[2]
    app, runner = make_app(), CliRunner()
    runs = fails = 0
    import os
    while not os.path.exists(stop_file):
        for args in (["projects", "--json", "--region", "KZ-35"], ["projects", "--json",
                     "--q", "фирма1"], ["stats", "--json"]):
            res = runner.invoke(app, args + ["--db", db])
            runs += 1
            if res.exit_code != 0:
                fails += 1
                print("FAIL", res.output, repr(res.exception), file=sys.stderr)
            else:
                json.loads(res.stdout)
    print(json.dumps({"runs": runs, "fails": fails}))
""")


def test_reads_during_ingest_never_see_database_is_locked(db_url, folder, tmp_path):
    open_store(db_url).close()
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, db_url, str(stop)], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    writer = subprocess.run(ingest_cmd(folder, db_url), env=_env(KZINVEST_TEST_SLOW_EXTRACT_MS=2),
                            capture_output=True, text=True, timeout=120)
    stop.touch()
    results = [r.communicate(timeout=60) for r in readers]
    assert writer.returncode == 0, writer.stderr
    assert "locked" not in writer.stderr
    for out, errs in results:
        assert "locked" not in errs and "FAIL" not in errs, errs
        stats = __import__("json").loads(out.strip().splitlines()[-1])
        assert stats["fails"] == 0 and stats["runs"] >= 3
    assert assert_consistent(db_url) == (N_DOCS, N_DOCS, N_COMPANIES)


def test_two_concurrent_ingests_of_the_same_folder(db_url, folder):
    open_store(db_url).close()
    procs = [subprocess.Popen(ingest_cmd(folder, db_url), env=_env(KZINVEST_TEST_SLOW_EXTRACT_MS=1),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, errs) in zip(procs, outs):
        assert p.returncode == 0, errs
    assert assert_consistent(db_url) == (N_DOCS, N_DOCS, N_COMPANIES)
