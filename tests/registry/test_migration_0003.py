"""Migration 0003 upgrades a registry written at 0002: projects get a confidence column,
filled from their mentions, with its index, and nothing else is lost (the SQLite FTS
triggers on projects survive the batch alter). Both backends, each a fresh database."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from kzinvest.model import Document, Record
from kzinvest.registry.db import make_engine, migrate
from kzinvest.registry.query import ProjectFilter, list_projects
from kzinvest.registry.store import normalise_url, open_store


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    base = os.environ.get("KZINVEST_TEST_PG")
    if not base:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("KZINVEST_TEST_PG is not set but KZINVEST_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL tests need KZINVEST_TEST_PG")
    admin_url = make_url(normalise_url(base))
    name = f"kzinvest_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


NOW = "2024-01-01 00:00:00"


def _write_0002_registry(url: str) -> None:
    """A registry as 0002 wrote it: two projects with mentions, one kept without any."""
    engine = make_engine(url)
    migrate(engine, "0002")
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO documents (id, source, content_hash, text, content_type, ingested_at) "
            "VALUES (1, 'a.txt', 'h1', 'КАМАЗ построит завод.', 'text', :now), "
            "(2, 'b.txt', 'h2', 'Agro Invest построит теплицы.', 'text', :now)"), {"now": NOW})
        for pid, investor, search in ((1, "КАМАЗ", "КАМАЗ завод"),
                                      (2, "Agro Invest", "Agro Invest теплицы"),
                                      (3, "Orphan Ltd", "Orphan")):
            c.execute(text(
                "INSERT INTO projects (id, investor, sector, stage, stage_rank, health, "
                "sources_count, mentions_count, conflicts, search_text, created_at, updated_at) "
                "VALUES (:id, :inv, 'automotive', 'memorandum', 1, 0.5, 1, 1, '{}', :st, :now, "
                ":now)"), {"id": pid, "inv": investor, "st": search, "now": NOW})
        for mid, doc, pid, ordinal, conf in ((1, 1, 1, 0, 0.4), (2, 2, 1, 1, 0.9),
                                            (3, 2, 2, 0, 0.3)):
            c.execute(text(
                "INSERT INTO mentions (id, document_id, project_id, ordinal, investor, sector, "
                "stage, confidence, evidence, extra) VALUES (:id, :doc, :pid, :o, 'x', "
                "'automotive', 'memorandum', :conf, '[]', '{}')"),
                {"id": mid, "doc": doc, "pid": pid, "o": ordinal, "conf": conf})
        if c.dialect.name == "postgresql":
            for table in ("documents", "projects", "mentions"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table}))"))
        assert "confidence" not in {col["name"] for col in inspect(c).get_columns("projects")}
    engine.dispose()


def test_0002_registry_upgrades_to_0003(fresh_url):
    _write_0002_registry(fresh_url)
    store = open_store(fresh_url, today="2026-01-01")       # migrates to head
    try:
        with store.engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
            got = dict(c.execute(text("SELECT id, confidence FROM projects")).all())
            indexes = {ix["name"] for ix in inspect(c).get_indexes("projects")}
            if c.dialect.name == "sqlite":
                triggers = set(c.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
                assert {"projects_fts_ai", "projects_fts_ad", "projects_fts_au"} <= triggers
        assert got == {1: pytest.approx(0.9), 2: pytest.approx(0.3), 3: None}
        assert "ix_projects_confidence" in indexes
        assert {"ix_projects_region_usd", "ix_projects_investor"} <= indexes   # kept
        names = lambda **f: {p["investor"] for p in list_projects(  # noqa: E731
            store, ProjectFilter(limit=100, **f))["items"]}
        assert names(min_confidence=0.5) == {"КАМАЗ"}
        assert names(q="Orphan") == {"Orphan Ltd"}           # full-text search still works
        # the upgraded registry takes new articles, and keeps confidence current
        text_ = "Tekstil Yatirim открыла фабрику в Шымкенте."
        store.add_document(Document(source="c.txt", text=text_, published="2024-02-10"),
                           records=[Record(source="c.txt", investor="Tekstil Yatirim",
                                           investor_country="TR", region="KZ-79",
                                           sector="consumer_goods", stage="launched",
                                           evidence=[text_], confidence=0.85,
                                           spans={"investor": [0, 15]})])
        assert names(min_confidence=0.8) == {"КАМАЗ", "Tekstil Yatirim"}
        assert names(q="Шымкенте") == {"Tekstil Yatirim"}
    finally:
        store.close()
