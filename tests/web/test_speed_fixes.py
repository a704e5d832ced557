"""The /api/projects speed fixes keep behaviour: the list is rendered straight from the
registry's answer, totals follow writes, and the server freezes its start-up heap."""
from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor

import httpx

from kzinvest.registry.query import ProjectFilter, list_projects
from kzinvest.web.app import create_app

from . import dataset
from .conftest import LiveServer


def test_api_projects_is_exactly_the_registry_answer(client, web_store):
    for params, flt in (({}, ProjectFilter()),
                        ({"region": "KZ-10", "sort": "date", "limit": 2, "offset": 1},
                         ProjectFilter(region="KZ-10", sort="date", limit=2, offset=1)),
                        ({"stalled": "true", "sort": "-jobs"},
                         ProjectFilter(stalled=True, sort="-jobs"))):
        r = client.get("/api/projects", params=params)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == list_projects(web_store, flt)


def test_totals_follow_a_write_through_the_api(writable):
    headers = {"Authorization": f"Bearer {dataset.TOKEN}"}
    with httpx.Client(base_url=writable.url, timeout=30) as c:
        everything = c.get("/api/projects", params={"limit": 500}).json()["items"]
        pid = next(p["id"] for p in everything if p["region"] != "KZ-11")
        before = c.get("/api/projects", params={"region": "KZ-11"}).json()["total"]
        assert c.get("/api/projects", params={"region": "KZ-11"}).json()["total"] == before
        r = c.patch(f"/api/projects/{pid}", json={"field": "region", "value": "KZ-11"},
                    headers=headers)
        assert r.status_code == 200
        after = c.get("/api/projects", params={"region": "KZ-11"}).json()
        assert after["total"] == before + 1 and pid in [p["id"] for p in after["items"]]


def _start_and_stop(app) -> int:
    """Run the app's lifespan (start-up and shutdown); the freeze count seen inside."""
    async def run():
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()
    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_server_start_freezes_the_heap(web_store, monkeypatch):
    gc.unfreeze()
    try:
        assert _start_and_stop(create_app(web_store, tokens=[])) > 0
        gc.unfreeze()
        monkeypatch.setenv("KZINVEST_GC_FREEZE", "0")
        assert _start_and_stop(create_app(web_store, tokens=[])) == 0
    finally:
        gc.unfreeze()


def test_live_server_without_lifespan_still_answers(web_store):
    with LiveServer(create_app(web_store, tokens=[])) as srv:
        assert httpx.get(srv.url + "/api/projects?limit=1").json()["total"] >= 1
