"""The registry commands end to end (fake extractor), on both backends."""
from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from kzinvest.registry.cli import make_app

from . import fake_extract

runner = CliRunner()


@pytest.fixture
def cli(db_url, monkeypatch):
    fake_extract.install_into = None
    monkeypatch.setattr("kzinvest.pipeline.extract_document", fake_extract.fake_extract)
    monkeypatch.setenv("KZINVEST_TODAY", "2026-01-01")
    app = make_app()

    def run(*args, ok=True):
        res = runner.invoke(app, [*map(str, args), "--db", db_url])
        if ok:
            assert res.exit_code == 0, res.output + str(res.exception)
        return res
    return run


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(30):
        (folder / f"a{i:03d}.txt").write_text(fake_extract.article_text(i, 10), encoding="utf-8")
    return folder


def test_ingest_reports_bad_inputs_and_counts(cli, corpus, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    res = cli("ingest", corpus, empty, tmp_path / "missing.txt", ok=False)
    assert res.exit_code == 1
    assert f"{empty}: " in res.stderr and f"{tmp_path / 'missing.txt'}: " in res.stderr
    assert "30 new, 0 duplicate, 2 failed" in res.stdout
    assert "records: 30" in res.stdout and "projects: 10 new" in res.stdout
    again = cli("ingest", corpus)
    assert "0 new, 30 duplicate, 0 failed" in again.stdout
    listing = json.loads(cli("projects", "--json", "--limit", "100").stdout)
    assert listing["total"] == 10
    assert all(p["mentions_count"] == 3 for p in listing["items"])


def test_jsonl_dump_and_updates_of_existing_projects(cli, corpus, tmp_path):
    cli("ingest", corpus)
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps({"text": fake_extract.article_text(i, 10) + "новое",
                                          "url": f"https://news.example/{i}"})
                              for i in range(100, 105)), encoding="utf-8")
    res = cli("ingest", dump)
    assert "5 new" in res.stdout and "projects: 0 new, 5 updated" in res.stdout


def test_filters_sort_search_and_show(cli, corpus):
    cli("ingest", corpus)
    got = json.loads(cli("projects", "--json", "--region", "KZ-35", "--sort", "amount_usd").stdout)
    assert got["total"] == 2 and all(p["region"] == "KZ-35" for p in got["items"])
    amounts = [p["amount_usd"] for p in got["items"]]
    assert amounts == sorted(amounts)
    got = json.loads(cli("projects", "--json", "--min-usd", "8e6").stdout)
    assert [p["amount_usd"] for p in got["items"]] == [10e6, 9e6, 8e6]
    got = json.loads(cli("projects", "--json", "--q", "фирма3").stdout)
    assert [p["investor"] for p in got["items"]] == ["Фирма3"]
    got = json.loads(cli("projects", "--json", "--sector", "energy,agri_food",
                         "--since", "2024-01", "--until", "2024").stdout)
    assert got["total"] == 5
    pid = got["items"][0]["id"]
    shown = cli("project", pid).stdout
    assert "Timeline" in shown and "Sources" in shown and "@" in shown
    assert cli("project", 99999, ok=False).exit_code == 1
    assert cli("projects", "--sort", "bogus", ok=False).exit_code == 2
    table = cli("projects").stdout
    assert "10 projects" in table


def test_edit_wins_and_survives_reextract(cli, corpus):
    cli("ingest", corpus)
    before = json.loads(cli("projects", "--json", "--limit", "100", "--sort", "id").stdout)
    pid = before["items"][0]["id"]
    cli("edit", pid, "amount_usd", "123456789", "--who", "analyst")
    cli("edit", pid, "stage", "launched", "--who", "analyst")
    assert cli("edit", pid, "stage", "finished", ok=False).exit_code == 1
    assert cli("edit", pid, "colour", "red", ok=False).exit_code == 1
    p = json.loads(cli("project", pid, "--json").stdout)
    assert p["amount_usd"] == 123456789 and p["stage"] == "launched"
    assert p["overrides"][0]["who"] == "analyst"
    res = cli("reextract")
    assert "documents: 30" in res.stdout and "projects: 10 -> 10" in res.stdout
    after = json.loads(cli("projects", "--json", "--limit", "100", "--sort", "id").stdout)
    assert [q["id"] for q in after["items"]] == [q["id"] for q in before["items"]]
    p = json.loads(cli("project", pid, "--json").stdout)
    assert p["amount_usd"] == 123456789 and p["stage"] == "launched"
    assert p["mentions_count"] == 3


def test_stats_and_exports(cli, corpus, tmp_path):
    cli("ingest", corpus)
    st = json.loads(cli("stats", "--by", "region", "--json").stdout)
    assert st["totals"]["projects"] == 10
    assert sum(r["projects"] for r in st["rows"]) == 10
    assert all(r["kzt"] > r["usd"] * 100 for r in st["rows"])
    years = json.loads(cli("stats", "--by", "year", "--json").stdout)["rows"]
    assert {r["key"] for r in years} == {2024}
    assert "total" in cli("stats", "--by", "sector").stdout
    assert cli("stats", "--by", "colour", ok=False).exit_code == 2

    data = json.loads(cli("export", "--format", "json").stdout)
    assert len(data) == 10
    for key in ("id", "status", "sources", "events", "investor", "amount_usd", "stage"):
        assert key in data[0]
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--region",
                                               "KZ-71").stdout.lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[0]["region"] == "KZ-71"
    xlsx = tmp_path / "out" / "p.xlsx"
    cli("export", "--format", "xlsx", "--out", xlsx)
    from openpyxl import load_workbook
    ws = load_workbook(xlsx).active
    assert ws.max_row == 11 and ws.cell(1, 1).value == "id"
    geo = json.loads(cli("export", "--format", "geojson").stdout)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 10
    lon, lat = geo["features"][0]["geometry"]["coordinates"]
    assert 46 < lon < 88 and 40 < lat < 56
    comp = json.loads(cli("companies", "--json", "--q", "фирма1").stdout)
    assert comp["total"] >= 1 and comp["items"][0]["projects_count"] >= 1


def test_dask_engine_extracts_in_parallel_and_writes_serially(store, corpus):
    s = store.ingest([str(corpus)], engine="dask", workers=2, extract=fake_extract.fake_extract)
    assert s.documents_new == 30 and s.records == 30 and s.projects_new == 10
    again = store.ingest([str(corpus)], engine="dask", workers=2, extract=fake_extract.fake_extract)
    assert again.documents_duplicate == 30


def test_ingest_posts_new_projects_to_a_matching_webhook(cli, corpus, monkeypatch):
    """KZINVEST_WEBHOOKS: a saved filter and a URL; the CLI ingest POSTs new matching projects."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        monkeypatch.setenv("KZINVEST_WEBHOOKS", json.dumps([{"url": url, "filter": {}}]))
        cli("ingest", corpus)
        assert len(received) == 1 and received[0]["event"] == "projects.new"
        first = {p["id"] for p in received[0]["projects"]}
        cli("ingest", corpus)                      # nothing new: no second POST
        assert len(received) == 1 and first
    finally:
        server.shutdown()


def test_ingest_nice_lowers_priority_before_work(cli, corpus, monkeypatch):
    """`ingest --nice N` (or $KZINVEST_INGEST_NICE) yields the CPU to a server on the same
    machine; without it the priority is left alone."""
    calls = []
    monkeypatch.setattr("os.nice", lambda n: calls.append(n) or n)
    cli("ingest", corpus, "--nice", "10")
    assert calls == [10]
    monkeypatch.setenv("KZINVEST_INGEST_NICE", "5")
    cli("ingest", corpus)
    assert calls == [10, 5]
    monkeypatch.delenv("KZINVEST_INGEST_NICE")
    cli("ingest", corpus)
    assert calls == [10, 5]
    assert cli("ingest", corpus, "--nice", "20", ok=False).exit_code == 2   # 0-19 only
    assert calls == [10, 5]
