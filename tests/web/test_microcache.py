"""The micro-cache of anonymous GET responses (web/microcache.py)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from kzinvest.web.app import create_app

from . import dataset
from .conftest import LiveServer, make_store


def test_equal_gets_are_computed_once_and_writes_clear_them(tmp_path):
    store, ids = make_store(tmp_path)
    app = create_app(store, tokens=[dataset.TOKEN], response_ttl=30)
    ctx = app.state.kz
    calls = []
    real = ctx.q.list_projects

    class Counting:
        def __getattr__(self, name):
            return getattr(ctx.q.__wrapped__, name)

    def list_projects(*a, **kw):
        calls.append(threading.get_ident())
        time.sleep(0.2)                       # slow enough for the requests to overlap
        return real(*a, **kw)

    counting = Counting()
    counting.__wrapped__ = ctx.q
    counting.list_projects = list_projects
    ctx.q = counting
    try:
        with LiveServer(app) as srv:
            url = f"{srv.url}/api/projects?sector=energy"
            with ThreadPoolExecutor(20) as pool:
                bodies = list(pool.map(lambda _: httpx.get(url).text, range(20)))
            assert len(set(bodies)) == 1 and len(calls) == 1     # one computation, twenty answers
            assert httpx.get(url).text == bodies[0] and len(calls) == 1
            # With a token (a client that may write) the cache is bypassed.
            httpx.get(url, headers={"Authorization": f"Bearer {dataset.TOKEN}"})
            assert len(calls) == 2
            # Any other cookie (a session) bypasses it too; private answers are never kept.
            httpx.get(url, cookies={"session": "x"})
            assert len(calls) == 3
            # Another language cookie is another page.
            page = f"{srv.url}/projects"
            ru, en = httpx.get(page).text, httpx.get(page, cookies={"lang": "en"}).text
            assert ru != en and 'lang="en"' in en
            # A write through the server empties the cache: the next read is fresh.
            pid = ids["mirny"]
            before = httpx.get(f"{srv.url}/api/projects/{pid}").json()["jobs"]
            r = httpx.patch(f"{srv.url}/api/projects/{pid}", json={"field": "jobs", "value": before + 1},
                            headers={"Authorization": f"Bearer {dataset.TOKEN}"})
            assert r.status_code == 200
            assert httpx.get(f"{srv.url}/api/projects/{pid}").json()["jobs"] == before + 1
            n = len(calls)
            httpx.get(url)
            assert len(calls) == n + 1
            # Errors and responses that set cookies are never kept.
            assert httpx.get(f"{srv.url}/api/projects/999999").status_code == 404
            first = httpx.get(f"{srv.url}/?lang=en")
            assert "lang=en" in first.headers.get("set-cookie", "")
            assert "lang=en" in httpx.get(f"{srv.url}/?lang=en").headers.get("set-cookie", "")
            assert ctx.responses.hits >= 20
    finally:
        store.close()


def test_off_when_ttl_is_zero(tmp_path):
    store, _ = make_store(tmp_path)
    app = create_app(store, tokens=[], response_ttl=0)
    try:
        with LiveServer(app) as srv:
            for _ in range(3):
                assert httpx.get(f"{srv.url}/api/projects").status_code == 200
            assert app.state.kz.responses.hits == 0
    finally:
        store.close()
