"""Write endpoints (token-protected) and webhooks, against a fresh store per test."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from kzinvest.model import Record
from kzinvest.web import webhooks

from . import dataset

AUTH = {"Authorization": f"Bearer {dataset.TOKEN}"}


def test_token_required(writable):
    pid = writable.ids["mirny"]
    with httpx.Client(base_url=writable.url) as c:
        assert c.patch(f"/api/projects/{pid}", json={"field": "jobs", "value": 10}).status_code == 401
        bad = c.patch(f"/api/projects/{pid}", json={"field": "jobs", "value": 10},
                      headers={"Authorization": "Bearer wrong"})
        assert bad.status_code == 401
        assert bad.headers["www-authenticate"] == "Bearer"
        assert c.post("/api/ingest", data={"url": "http://127.0.0.1:9/"}).status_code == 401
        # reads stay open
        assert c.get(f"/api/projects/{pid}").status_code == 200


def test_patch_project_field_overrides_and_refreshes_aggregates(writable):
    pid = writable.ids["mirny"]
    with httpx.Client(base_url=writable.url) as c:
        before = c.get("/api/stats", params={"by": "sector"}).json()
        r = c.patch(f"/api/projects/{pid}", json={"field": "jobs", "value": 175}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["jobs"] == 175
        assert c.get(f"/api/projects/{pid}").json()["jobs"] == 175
        r = c.patch(f"/api/projects/{pid}", json={"field": "sector", "value": "utilities"}, headers=AUTH)
        assert r.json()["sector"] == "utilities"
        after = c.get("/api/stats", params={"by": "sector"}).json()      # cache dropped on write
        assert {x["key"] for x in after["items"]} - {x["key"] for x in before["items"]} == {"utilities"}
        # the page shows the corrected value too
        assert "ЖКХ" in c.get(f"/projects/{pid}").text


@pytest.mark.parametrize("body", [
    {"field": "stage", "value": "finished"}, {"field": "sector", "value": "x"},
    {"field": "region", "value": "KZ-00"}, {"field": "jobs", "value": "many"},
    {"field": "amount", "value": -5}, {"field": "password", "value": "x"}, {"field": "date", "value": "2024/01/01"},
])
def test_patch_validation(writable, body):
    with httpx.Client(base_url=writable.url) as c:
        r = c.patch(f"/api/projects/{writable.ids['kpi']}", json=body, headers=AUTH)
        assert r.status_code == 422, r.text
        assert c.patch("/api/projects/99999", json={"field": "jobs", "value": 1}, headers=AUTH).status_code == 404


class Receiver:
    """A local HTTP server that records what webhooks POST to it."""

    def __init__(self, status: int = 200):
        self.calls: list[dict] = []
        self.event = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(n)
                outer.calls.append({"path": self.path, "headers": dict(self.headers), "raw": raw,
                                    "body": json.loads(raw)})
                self.send_response(status)
                self.end_headers()
                outer.event.set()

            def log_message(self, *a):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _fake_extract(doc):
    sentence = "Компания Nordwind Solar построит солнечную электростанцию в Семее."
    return [Record(source=doc.source, investor="Nordwind Solar", investor_country="DE", region="KZ-10",
                   city="Семей", sector="energy", amount=70e6, currency="USD", amount_usd=70e6,
                   stage="agreement", date="2025-12-01", evidence=[sentence])]


def test_ingest_upload_creates_project_and_fires_matching_webhook(writable, receiver, monkeypatch, tmp_path):
    from kzinvest import pipeline
    monkeypatch.setattr(pipeline, "extract_document", _fake_extract)
    app_ctx_hooks = [
        webhooks.Webhook(url=receiver.url + "/energy-abai", filter={"region": "KZ-10", "sector": "energy"},
                         secret="s3"),
        webhooks.Webhook(url=receiver.url + "/mining", filter={"sector": "mining"}),
    ]
    writable.server.config.app.state.kz.webhooks = app_ctx_hooks
    text = "12 декабря 2025. Компания Nordwind Solar построит солнечную электростанцию в Семее. Конец."
    with httpx.Client(base_url=writable.url, timeout=30) as c:
        c.get("/api/stats", params={"by": "region"})                          # warm the cache
        r = c.post("/api/ingest", files={"file": ("nordwind.txt", text.encode(), "text/plain")}, headers=AUTH)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["summary"]["documents_new"] == 1
        assert len(out["new_projects"]) == 1
        pid = out["new_projects"][0]
        assert c.get(f"/api/projects/{pid}").json()["investor"] == "Nordwind Solar"
        kz10 = c.get("/api/stats", params={"by": "region", "sector": "energy"}).json()
        assert {r["key"]: r["projects"] for r in kz10["items"]}["KZ-10"] == 3      # cache was dropped
        # the same file again is a duplicate and fires nothing new
        again = c.post("/api/ingest", files={"file": ("nordwind.txt", text.encode(), "text/plain")},
                       headers=AUTH).json()
        assert again["summary"]["documents_duplicate"] == 1 and again["new_projects"] == []
    assert receiver.event.wait(10)
    assert [c["path"] for c in receiver.calls] == ["/energy-abai"]
    call = receiver.calls[0]
    assert call["body"]["event"] == "projects.new"
    assert [p["id"] for p in call["body"]["projects"]] == [pid]
    import hashlib
    import hmac
    expected = hmac.new(b"s3", call["raw"], hashlib.sha256).hexdigest()
    assert call["headers"]["X-Kzinvest-Signature"] == "sha256=" + expected


def test_ingest_url_from_local_server(writable, monkeypatch):
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.1/32")    # refused by default
    from kzinvest import pipeline
    monkeypatch.setattr(pipeline, "extract_document", _fake_extract)

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            body = ("<html><head><title>Nordwind</title></head><body><article><p>Компания Nordwind Solar "
                    "построит солнечную электростанцию в Семее. Это первый проект компании в регионе, "
                    "сообщили в акимате области.</p></article></body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with httpx.Client(base_url=writable.url, timeout=60) as c:
            r = c.post("/api/ingest", data={"url": f"http://127.0.0.1:{httpd.server_port}/news/1"}, headers=AUTH)
            assert r.status_code == 200, r.text
            out = r.json()
            assert out["summary"]["documents_new"] == 1 and len(out["new_projects"]) == 1
            p = c.get(f"/api/projects/{out['new_projects'][0]}").json()
            assert p["investor"] == "Nordwind Solar"
            assert p["sources"][0]["url"].startswith("http://127.0.0.1:")
            assert c.post("/api/ingest", data={"url": "ftp://x/y"}, headers=AUTH).status_code == 422
            assert c.post("/api/ingest", data={}, headers=AUTH).status_code == 422
    finally:
        httpd.shutdown()


def test_webhook_config_and_matching(receiver):
    hooks = webhooks.load_webhooks({"KZINVEST_WEBHOOKS": json.dumps(
        [{"url": receiver.url + "/a", "filter": {"country": "cn", "min_usd": 1e8}}])})
    assert len(hooks) == 1
    assert webhooks.load_webhooks({"KZINVEST_WEBHOOKS": "not json"}) == []
    assert webhooks.load_webhooks({"KZINVEST_WEBHOOKS": json.dumps([{"url": "x"}])}) == []
    projects = [{"id": 1, "investor_country": "CN", "amount_usd": 2e8, "sector": "energy"},
                {"id": 2, "investor_country": "CN", "amount_usd": 5e7, "sector": "energy"},
                {"id": 3, "investor_country": "TR", "amount_usd": 9e8, "sector": "energy"}]
    out = webhooks.notify_new_projects(projects, hooks)
    assert [(d.status, d.projects) for d in out] == [(200, [1])]
    assert receiver.calls[0]["body"]["projects"][0]["id"] == 1
    # a dead receiver is reported, not raised
    dead = webhooks.Webhook(url="http://127.0.0.1:9/", timeout=1)
    (d,) = webhooks.notify_new_projects(projects, [dead])
    assert d.status is None and d.error


def test_webhook_config_file(tmp_path):
    f = tmp_path / "hooks.json"
    f.write_text(json.dumps({"webhooks": [{"url": "https://example.org/h", "filter": {"region": "KZ-10"}}]}))
    (h,) = webhooks.load_webhooks({"KZINVEST_WEBHOOKS_FILE": str(f)})
    assert h.filter == {"region": "KZ-10"}
    assert webhooks.project_matches({"region": "KZ-10", "date": "2024-01-01"}, {"region": "KZ-10", "since": "2023-01-01"})
    assert not webhooks.project_matches({"region": "KZ-10", "date": "2022-01-01"}, {"since": "2023-01-01"})
    assert webhooks.project_matches({"investor": "China Power", "city": "Семей"}, {"q": "семей power"})
