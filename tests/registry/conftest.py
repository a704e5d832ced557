"""Every storage test runs on SQLite (a temp file) and on PostgreSQL (KZINVEST_TEST_PG).

PostgreSQL: one fresh database per test session (kzinvest_test_<random>), migrated once,
emptied (TRUNCATE) before each test and dropped at the end. Without KZINVEST_TEST_PG the
PostgreSQL cases are skipped, unless KZINVEST_REQUIRE_ALL=1 (CI), where they fail.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kzinvest.model import Document, Record
from kzinvest.registry.store import normalise_url, open_store

TODAY = "2026-01-01"


@pytest.fixture(scope="session")
def pg_url():
    base = os.environ.get("KZINVEST_TEST_PG")
    if not base:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("KZINVEST_TEST_PG is not set but KZINVEST_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL tests need KZINVEST_TEST_PG")
    admin_url = make_url(normalise_url(base))
    name = f"kzinvest_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    open_store(url).close()        # migrate once
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


TABLES = ("audit_log", "review_pairs", "resolution_decisions", "project_investors",
          "mention_keys", "overrides", "project_events", "mentions", "indicators", "projects",
          "company_aliases", "companies", "documents")


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db"
    url = request.getfixturevalue("pg_url")
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    eng.dispose()
    return url


@pytest.fixture
def store(db_url):
    s = open_store(db_url, today=TODAY)
    yield s
    s.close()


# --- hand-made articles ------------------------------------------------------------------------

_counter = iter(range(1, 1_000_000))


def article(store, *records: dict, published: str | None = None, url: str | None = None,
            text_: str | None = None, title: str | None = None):
    """Store one article holding `records` (dicts of Record fields); returns the outcome."""
    n = next(_counter)
    body = text_ or f"Статья {n}. " + " ".join(r.get("evidence", [""])[0] if r.get("evidence")
                                               else "" for r in records)
    doc = Document(source=f"article-{n}.txt", text=body, url=url, published=published,
                   title=title)
    recs = [Record(source=doc.source, **r) for r in records]
    return store.add_document(doc, records=recs)
