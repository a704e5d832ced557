"""`kzinvest watch`: local HTTP feed servers (loopback allowed by KZINVEST_FETCH_ALLOW, as a
deployment would allow an intranet mirror), a webhook receiver, a feed that is down and
one that is too slow, a restart, an updated item, and SIGTERM."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kzinvest.registry.store import open_store
from kzinvest.watch import State, Watcher, parse_duration
from kzinvest.web.webhooks import Webhook

from .conftest import TODAY, load_make_corpus

mc = load_make_corpus()


def page_text(number: int, stage: str) -> str:
    """An article about undertaking `number` of the generated corpus, at `stage`."""
    u = mc.undertaking(5, number)
    sentences = mc._project_text(random.Random(number), u, stage)
    return " ".join(sentences)


class Site:
    """A news site: /feed.xml lists `items`; /page/N serves `pages[N]`; /slow.xml stalls."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.pages: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        self.hooks: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                if self.path == "/slow.xml":
                    time.sleep(3)
                if self.path == "/feed.xml":
                    body, ctype = site.rss().encode(), "application/rss+xml"
                elif self.path.startswith("/page/") and self.path in site.pages:
                    body = (f"<html><head><title>Новости</title></head><body><article><p>"
                            f"{site.pages[self.path]}</p></article></body></html>").encode()
                    ctype = "text/html; charset=utf-8"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def do_POST(self):
                site.hooks.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, n: int, text: str, updated: float) -> None:
        path = f"/page/{n}"
        self.pages[path] = text
        item = {"id": f"item-{n}", "title": f"Новость {n}", "link": self.url + path,
                "date": formatdate(updated)}
        self.items = [i for i in self.items if i["id"] != item["id"]] + [item]

    def rss(self) -> str:
        items = "".join(f"<item><guid>{i['id']}</guid><title>{i['title']}</title>"
                        f"<link>{i['link']}</link><pubDate>{i['date']}</pubDate></item>"
                        for i in self.items)
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Лента</title><link>{self.url}</link>{items}</channel></rss>")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.0/8")
    monkeypatch.setenv("KZINVEST_HTTP_TIMEOUT", "1")
    s = Site()
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_durations():
    assert parse_duration("15m") == 900 and parse_duration("30s") == 30
    assert parse_duration("1h") == 3600 and parse_duration("2.5") == 2.5
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_watch_ingests_notifies_survives_bad_feeds_and_remembers(site, tmp_path):
    day = 1_700_000_000
    site.publish(1, page_text(1, "negotiation"), day)
    site.publish(2, page_text(2, "memorandum"), day)
    down = f"http://127.0.0.1:{free_port()}/feed.xml"
    feeds = [site.url + "/feed.xml", down, site.url + "/slow.xml"]
    hooks = [Webhook(url=site.url + "/hook", filter={})]
    db = f"sqlite:///{tmp_path}/registry.db"
    state = tmp_path / "state.json"
    lines: list[str] = []

    store = open_store(db, today=TODAY)
    t0 = time.monotonic()
    first = Watcher(store, feeds, State(state), hooks=hooks, log=lines.append).poll()
    assert time.monotonic() - t0 < 20                     # the slow feed was cut off
    assert (first.items_new, first.documents_new, len(first.projects_new)) == (2, 2, 2)
    assert {e[0] for e in first.errors} == {down, site.url + "/slow.xml"}
    assert [h["event"] for h in site.hooks] == ["projects.new"]
    assert len(site.hooks[0]["projects"]) == 2
    store.close()

    # A restart: new watcher, same state file. Item 3 reports undertaking 1 further on;
    # item 2 was edited (fetched again; the registry keeps one version per URL); item 1
    # is unchanged and is not fetched again.
    site.publish(3, page_text(1, "construction"), day + 86400)
    site.publish(2, page_text(2, "memorandum") + " Работы начнутся весной.", day + 3600)
    site.hooks.clear()
    store = open_store(db, today=TODAY)
    second = Watcher(store, feeds[:1], State(state), hooks=hooks, log=lines.append).poll()
    store.close()
    assert (second.items_new, second.items_updated, second.documents_new,
            second.documents_duplicate) == (1, 1, 1, 1)
    assert site.hits["/page/1"] == 1 and site.hits["/page/2"] == 2 and site.hits["/page/3"] == 1
    events = {h["event"]: h["projects"] for h in site.hooks}
    assert set(events) == {"projects.updated"}, events
    assert any(p["id"] in first.projects_new and p["stage"] == "construction"
               for p in events["projects.updated"])                 # undertaking 1, further on
    assert not second.projects_new

    third = Watcher(open_store(db), feeds[:1], State(state), hooks=hooks, log=lines.append).poll()
    assert (third.items_new, third.items_updated, third.documents_new) == (0, 0, 0)


def test_loopback_is_refused_unless_allowed(site, tmp_path, monkeypatch):
    monkeypatch.delenv("KZINVEST_FETCH_ALLOW")
    site.publish(1, page_text(1, "negotiation"), 1_700_000_000)
    store = open_store(f"sqlite:///{tmp_path}/r.db")
    res = Watcher(store, [site.url + "/feed.xml"], State(tmp_path / "s.json"), hooks=[],
                  log=lambda _: None).poll()
    store.close()
    assert res.documents_new == 0 and "refused" in res.errors[0][1]
    assert "/feed.xml" not in site.hits


def test_watch_command_stops_cleanly_on_sigterm(site, tmp_path):
    site.publish(1, page_text(3, "agreement"), 1_700_000_000)
    state = tmp_path / "state.json"
    env = dict(os.environ, KZINVEST_FETCH_ALLOW="127.0.0.0/8", KZINVEST_WEBHOOKS="[]")
    proc = subprocess.Popen([sys.executable, "-m", "kzinvest.cli", "watch", site.url + "/feed.xml",
                             "--every", "1s", "--db", f"sqlite:///{tmp_path}/r.db",
                             "--state", str(state)],
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while sum("poll:" in line for line in lines) < 2:      # two polls: it sleeps between
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            assert time.monotonic() < deadline, "".join(lines)
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert "SIGTERM" in rest and "stopped" in rest
    assert "1 new and 0 updated items, 1 documents stored" in "".join(lines)
    assert "0 new and 0 updated items, 0 documents stored" in "".join(lines)
    assert json.loads(state.read_text())["feeds"][site.url + "/feed.xml"]
    assert site.hits["/page/1"] == 1
