"""Faults during ingest (registry/faults.py): a full disk (injected on SQLite and PostgreSQL,
and a real tmpfs where this machine lets us mount one) stops the run with one line, and the
same command run again ends with every document stored exactly once and every project
consistent with its mentions; a PostgreSQL server restarted mid-run is waited for and the run
ends complete. (SIGKILL halfway through an ingest: tests/registry/test_proof.py.)"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from kzinvest.registry.models import Document, Mention, Project
from kzinvest.registry.store import open_store

from .fake_cli import article

FAKE_CLI = Path(__file__).with_name("fake_cli.py")
N_DOCS, N_COMPANIES = 120, 10


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    for i in range(N_DOCS):
        (d / f"doc{i:04d}.txt").write_text(article(i, N_COMPANIES), encoding="utf-8")
    return d


def ingest(folder, db_url, timeout=180, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("KZINVEST_TEST_")}
    e.update({k: str(v) for k, v in env.items()})
    return subprocess.run([sys.executable, str(FAKE_CLI), "ingest", str(folder), "--db", db_url,
                           "--no-progress"], env=e, capture_output=True, text=True, timeout=timeout)


def consistent(db_url) -> tuple[int, int, int]:
    """(documents, mentions, projects), after checking that nothing is half-written or
    duplicated: one mention per document, none without its project, every project's counts
    and dates in step with its mentions."""
    store = open_store(db_url)
    try:
        with store.read() as s:
            assert s.execute(select(Document.content_hash).group_by(Document.content_hash)
                             .having(func.count() > 1)).all() == []
            docs = s.scalar(select(func.count()).select_from(Document))
            mentions = s.scalar(select(func.count()).select_from(Mention))
            assert mentions == docs
            assert s.scalar(select(func.count()).select_from(Mention)
                            .where(Mention.project_id.is_(None))) == 0
            for p in s.scalars(select(Project)):
                ms = s.scalars(select(Mention).where(Mention.project_id == p.id)).all()
                assert p.mentions_count == len(ms) > 0
                assert p.last_seen == max(m.date for m in ms)
            projects = s.scalar(select(func.count()).select_from(Project))
    finally:
        store.close()
    return docs, mentions, projects


def test_a_server_that_stays_away_stops_the_run_with_one_line(folder, tmp_path):
    from kzinvest.registry import faults
    import sqlalchemy.exc as saexc

    class Gone(Exception):
        sqlstate = "08006"

    calls = []

    def down(*_):
        calls.append(1)
        raise saexc.OperationalError("INSERT ...", {}, Gone("server closed the connection"))

    os.environ["KZINVEST_DB_RETRY_SECONDS"] = "1"
    try:
        t0 = time.monotonic()
        with pytest.raises(faults.StorageStop, match=r"unreachable for 1 s \(server closed the connection\)"):
            faults.write_patiently(down)
        assert 0.9 < time.monotonic() - t0 < 3 and len(calls) > 2
    finally:
        del os.environ["KZINVEST_DB_RETRY_SECONDS"]


def resumed(folder, db_url, stored_before: int) -> None:
    rerun = ingest(folder, db_url)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{N_DOCS - stored_before} new, {stored_before} duplicate, 0 failed" in rerun.stdout
    assert consistent(db_url) == (N_DOCS, N_DOCS, N_COMPANIES)


def _full_disk_run(folder, db_url, why: str, **env) -> int:
    run = ingest(folder, db_url, **env)
    assert run.returncode == 1
    docs, _, _ = consistent(db_url)
    assert 0 < docs < N_DOCS
    # One line, then the batch stops (not one failure per remaining document).
    assert run.stderr.strip().splitlines() == [
        f"database: cannot write ({why}); stopped after {docs} new documents: free space, "
        "then run the same command again (stored documents are skipped)"], run.stderr[-2000:]
    assert f"documents: {docs} new, 0 duplicate, 1 failed" in run.stdout
    return docs


def test_full_disk_injected_on_sqlite(folder, tmp_path):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    open_store(db).close()
    pages = os.path.getsize(tmp_path / "r.db") // 4096
    # SQLite's own "database or disk is full" once the file would pass this many pages.
    docs = _full_disk_run(folder, db, "database or disk is full",
                          KZINVEST_TEST_SQLITE_MAX_PAGES=pages + 20)
    resumed(folder, db, docs)


@pytest.mark.pg
def test_full_disk_injected_on_postgresql(folder, pg_db):
    open_store(pg_db).close()
    eng = create_engine(pg_db)
    with eng.begin() as c:     # PostgreSQL's disk_full error (SQLSTATE 53100) from the 40th document on
        c.execute(text("""CREATE FUNCTION kz_full() RETURNS trigger AS $$ BEGIN
            IF (SELECT count(*) FROM documents) >= 40 THEN
              RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device'
                USING ERRCODE = 'disk_full';
            END IF; RETURN NEW; END $$ LANGUAGE plpgsql"""))
        c.execute(text("CREATE TRIGGER kz_full BEFORE INSERT ON documents "
                       "FOR EACH ROW EXECUTE FUNCTION kz_full()"))
    docs = _full_disk_run(folder, pg_db, 'could not extend file "base/1/2": No space left on device')
    assert docs == 40
    with eng.begin() as c:                 # space freed
        c.execute(text("DROP TRIGGER kz_full ON documents"))
    eng.dispose()
    resumed(folder, pg_db, docs)


def test_full_disk_for_real_on_a_small_tmpfs(folder, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("this machine does not let tests mount a tmpfs (the injected tests cover it)")
    try:
        db = f"sqlite:///{mnt / 'r.db'}"
        open_store(db).close()
        big = tmp_path / "big"           # articles large enough to fill 1 MB part way through
        big.mkdir()
        for f in sorted(folder.iterdir()):
            (big / f.name).write_text(f.read_text(encoding="utf-8") + "Текст. " * 1500, encoding="utf-8")
        docs = _full_disk_run(big, db, "database or disk is full")
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        resumed(big, db, docs)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


# --- PostgreSQL restarted during an ingest --------------------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture
def private_pg(pg_admin):
    """A PostgreSQL server of our own (initdb on a free port), so restarting it disturbs
    nobody else; skipped where the server binaries or the postgres user are missing."""
    bindir = _pg_bin()
    if bindir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries not found")
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="kzinvest-pg-"))   # pytest's tmp is private to root
    os.chmod(root, 0o755)
    data = root / "pgdata"
    sock = root / "pgsock"
    sock.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(sock, "postgres")
        data.mkdir()
        shutil.chown(data, "postgres")
    init = subprocess.run(as_pg + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                                   "postgres", "--no-sync"], capture_output=True, text=True)
    if init.returncode:
        pytest.skip(f"initdb failed: {init.stderr[-300:]}")
    ctl = as_pg + [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"),
                   "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"]
    subprocess.run(ctl + ["start"], check=True, capture_output=True)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    try:
        yield url, (lambda: subprocess.run(ctl + ["restart", "-m", "fast"], check=True,
                                           capture_output=True))
    finally:
        subprocess.run(ctl + ["stop", "-m", "immediate"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.pg
def test_postgresql_restarted_during_ingest(folder, private_pg):
    url, restart = private_pg
    open_store(url).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZINVEST_TEST_")}
    env["KZINVEST_TEST_SLOW_EXTRACT_MS"] = "25"
    proc = subprocess.Popen([sys.executable, str(FAKE_CLI), "ingest", str(folder), "--db", url,
                             "--no-progress"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    eng = create_engine(url, pool_pre_ping=True)
    deadline = time.monotonic() + 60
    while True:
        with eng.connect() as c:
            if c.scalar(select(func.count()).select_from(Document)) >= N_DOCS // 4:
                break
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    eng.dispose()
    restart()                                   # the server goes away and comes back
    out, errs = proc.communicate(timeout=180)
    # The run waited for the server and went on: complete, nothing failed, nothing twice.
    assert proc.returncode == 0, errs[-2000:]
    assert f"documents: {N_DOCS} new, 0 duplicate, 0 failed" in out, out + errs[-2000:]
    assert consistent(url) == (N_DOCS, N_DOCS, N_COMPANIES)
    resumed(folder, url, N_DOCS)
