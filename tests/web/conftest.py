"""Web tests run against a real uvicorn server on a free port, over a real registry store
(SQLite file) filled with hand-made records (tests/web/dataset.py)."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from kzinvest.registry.store import open_store
from kzinvest.web.app import create_app

from . import dataset

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a background thread; ``.url`` is its base URL."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def make_store(tmp: Path):
    url = f"sqlite:///{tmp / 'web.db'}"
    store = open_store(url, today=dataset.TODAY)
    ids = dataset.build(store)
    return store, ids


@pytest.fixture(scope="session")
def web_store(tmp_path_factory):
    store, ids = make_store(tmp_path_factory.mktemp("webdb"))
    store.ids = ids
    yield store
    store.close()


@pytest.fixture(scope="session")
def ids(web_store) -> dict[str, int]:
    return web_store.ids


@pytest.fixture(scope="session")
def live(web_store):
    """A read-only server (no tokens) shared by the read tests."""
    with LiveServer(create_app(web_store, tokens=[])) as srv:
        yield srv


@pytest.fixture(scope="session")
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def pg_web_store():
    """The same hand-made registry on PostgreSQL (KZINVEST_TEST_PG): a fresh database for the
    session, dropped at the end. Skipped without a server unless KZINVEST_REQUIRE_ALL=1."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from kzinvest.registry.store import normalise_url

    base = os.environ.get("KZINVEST_TEST_PG")
    if not base:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("KZINVEST_TEST_PG is not set but KZINVEST_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL tests need KZINVEST_TEST_PG")
    admin_url = make_url(normalise_url(base))
    name = f"kzinvest_web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(admin_url.set(database=name).render_as_string(hide_password=False),
                       today=dataset.TODAY)
    store.ids = dataset.build(store)
    yield store
    store.close()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_live(pg_web_store):
    """A read-only server over the PostgreSQL registry."""
    with LiveServer(create_app(pg_web_store, tokens=[])) as srv:
        srv.ids = pg_web_store.ids
        yield srv


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def any_live(request):
    """The read-only server on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        srv = request.getfixturevalue("live")
        srv.ids = request.getfixturevalue("ids")
        return srv
    return request.getfixturevalue("pg_live")


@pytest.fixture
def writable(tmp_path):
    """A fresh store and a server with a token, for tests that change data."""
    store, ids = make_store(tmp_path)
    store.ids = ids
    with LiveServer(create_app(store, tokens=[dataset.TOKEN], cache_ttl=30)) as srv:
        srv.store = store
        srv.ids = ids
        yield srv
    store.close()


def chromium_path() -> str | None:
    for cand in (os.environ.get("KZINVEST_CHROMIUM"), "/usr/bin/chromium"):
        if cand and Path(cand).exists():
            return cand
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("Chromium not found (KZINVEST_CHROMIUM or /usr/bin/chromium) and KZINVEST_REQUIRE_ALL=1")
        pytest.skip("browser tests need Chromium (/usr/bin/chromium or KZINVEST_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("playwright is not installed and KZINVEST_REQUIRE_ALL=1")
        pytest.skip("playwright is not installed")
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=path, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True,
                              locale="ru-RU")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
