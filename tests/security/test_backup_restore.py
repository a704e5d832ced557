"""`kzinvest backup` / `kzinvest restore`: SQLite and PostgreSQL, each way round, through the
CLI; the restored registry answers every query exactly as the original did."""
from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kzinvest.cli import app
from kzinvest.model import Document, Record
from kzinvest.registry import query
from kzinvest.registry.store import open_store

FAKE_CLI = Path(__file__).with_name("fake_cli.py")
HOSTILE = "Заголовок «с кавычками» \"и\" 'апострофами', \\обратной\\ чертой, 🏭, \u202eRTL\u202c, %_"


def fill(url: str) -> None:
    """A registry with projects, a timeline, companies with aliases, an indicator and an edit."""
    store = open_store(url, today="2026-01-01")
    try:
        for i in range(12):
            c = i % 4
            ev = f"Компания Фирма{c} построит завод номер {i} стоимостью {c + 1} млн долларов."
            doc = Document(source=f"a{i}.txt", text=f"{ev}\n\n{HOSTILE} {i}.", published=f"2024-0{1 + i % 9}-01",
                           title=f"{HOSTILE} {i}", url=f"https://news.example/{i}?q=%25")
            recs = [Record(source=doc.source, investor=f"Фирма{c}", investor_country="CN",
                           region="KZ-75", city="Алматы", sector="energy", amount=(c + 1) * 1e6,
                           currency="USD", amount_usd=(c + 1) * 1e6, jobs=10 + i,
                           stage=("memorandum", "construction", "launched")[i % 3],
                           date=f"2024-0{1 + i % 9}-01", evidence=[ev], investor_aliases=[f"Firma{c}"])]
            if i == 5:
                recs.append(Record(source=doc.source, kind="indicator", region="KZ-75", sector="other",
                                   amount=5e9, currency="KZT", amount_usd=1e7, date="2024-06-01",
                                   evidence=[ev]))
            store.add_document(doc, records=recs)
        pid = query.list_projects(store, query.ProjectFilter(limit=1, offset=0))["items"][0]["id"]
        query.edit_project(store, pid, "jobs", 999, "analyst")
    finally:
        store.close()


def snapshot(url: str) -> dict:
    """Everything a user can read from the registry."""
    store = open_store(url, today="2026-01-01")
    try:
        projects = query.list_projects(store, query.ProjectFilter(limit=500, offset=0))
        out = {"projects": projects, "companies": query.list_companies(store, limit=500),
               "indicators": query.list_indicators(store, limit=500),
               "search": query.list_projects(store, query.ProjectFilter(q="фирма1", limit=500, offset=0)),
               "detail": [query.get_project(store, p["id"]) for p in projects["items"]],
               "documents": [query.get_document(store, i) for i in range(1, 14)],
               "counts": store.counts()}
    finally:
        store.close()
    return _plain(out)


def _plain(x):
    """Timestamps differ in precision between backends; compare them to the second."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, str) and len(x) >= 19 and x[4] == "-" and x[10] in "T " and x[13] == ":":
        return x[:19].replace("T", " ")
    return x


def cli(*args: str):
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


@pytest.mark.parametrize("target", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_backup_and_restore_both_ways(db_url, target, tmp_path, request):
    fill(db_url)
    before = snapshot(db_url)
    assert before["counts"]["documents"] == 12 and before["counts"]["projects"] == 4
    backup = tmp_path / "registry.kzb"
    code, out = cli("backup", str(backup), "--db", db_url)
    assert code == 0, out
    assert "rows from" in out and backup.stat().st_size > 0
    dest = (f"sqlite:///{tmp_path / 'restored.db'}" if target == "sqlite"
            else request.getfixturevalue("pg_databases")())
    code, out = cli("restore", str(backup), "--db", dest)
    assert code == 0, out
    assert snapshot(dest) == before
    # New writes go on from the restored ids (sequences moved past them on PostgreSQL).
    store = open_store(dest)
    try:
        doc = Document(source="new.txt", text="Компания Новая построит завод.", published="2025-01-01")
        out_ = store.add_document(doc, records=[Record(source="new.txt", investor="Новая", sector="energy",
                                                       evidence=["Компания Новая построит завод."])])
        assert out_.document_id == 13
    finally:
        store.close()
    # A database holding data is not overwritten unless asked to.
    code, out = cli("restore", str(backup), "--db", dest)
    assert code == 1 and "already holds data" in out
    code, out = cli("restore", str(backup), "--db", dest, "--replace")
    assert code == 0, out
    assert snapshot(dest) == before


def test_damaged_backups_are_refused_and_change_nothing(tmp_path):
    src = f"sqlite:///{tmp_path / 'a.db'}"
    fill(src)
    backup = tmp_path / "a.kzb"
    assert cli("backup", str(backup), "--db", src)[0] == 0
    data = gzip.decompress(backup.read_bytes())
    cases = {
        "truncated.kzb": gzip.compress(data[: len(data) // 2]),
        "cut-gzip.kzb": backup.read_bytes()[:-20],
        "no-end.kzb": gzip.compress(b"\n".join(data.splitlines()[:-1]) + b"\n"),
        "not-a-backup.kzb": gzip.compress(b'{"hello": 1}\n'),
        "plain.kzb": b"not gzip at all",
    }
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        dest = f"sqlite:///{tmp_path / (name + '.db')}"
        code, out = cli("restore", str(tmp_path / name), "--db", dest)
        assert code == 1, (name, out)
        assert len(out.strip().splitlines()) == 1, out
        assert open_store(dest).counts()["documents"] == 0, name


def test_backup_during_an_ingest_is_consistent(db_url, tmp_path):
    """A backup taken while an ingest writes holds whole documents: restored, every
    document has its mention and every project its mentions."""
    folder = tmp_path / "in"
    folder.mkdir()
    from .fake_cli import article
    for i in range(150):
        (folder / f"{i:03d}.txt").write_text(article(i), encoding="utf-8")
    open_store(db_url).close()
    env = {**os.environ, "KZINVEST_TEST_SLOW_EXTRACT_MS": "10"}
    proc = subprocess.Popen([sys.executable, str(FAKE_CLI), "ingest", str(folder), "--db", db_url,
                             "--no-progress"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while open_store(db_url).counts()["documents"] < 30:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        backup = tmp_path / "mid.kzb"
        assert cli("backup", str(backup), "--db", db_url)[0] == 0
    finally:
        proc.wait(timeout=120)
    dest = f"sqlite:///{tmp_path / 'mid.db'}"
    assert cli("restore", str(backup), "--db", dest)[0] == 0
    counts = open_store(dest).counts()
    assert 30 <= counts["documents"] <= 150
    assert counts["mentions"] == counts["documents"]          # one record per article, never half


def test_killed_backup_leaves_no_file_that_looks_complete(tmp_path):
    src = f"sqlite:///{tmp_path / 'a.db'}"
    fill(src)
    backup = tmp_path / "k.kzb"
    code = ("import sys, os, signal, kzinvest.backup as b\n"
            "real = b._out\n"
            "n = [0]\n"
            "def slow(v):\n"
            "    n[0] += 1\n"
            "    if n[0] == 50: os.kill(os.getpid(), signal.SIGKILL)\n"
            "    return real(v)\n"
            "b._out = slow\n"
            "from kzinvest.registry.store import open_store\n"
            f"b.backup(open_store({src!r}), {str(backup)!r})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert not backup.exists()                       # only k.kzb.partial, never k.kzb
    assert cli("restore", str(backup) + ".partial", "--db", f"sqlite:///{tmp_path / 'b.db'}")[0] == 1
