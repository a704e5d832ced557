"""The Alembic migrations and the SQLAlchemy models describe the same schema; migrating
is idempotent; the store's SQLite settings are in force."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from kzinvest.registry.models import Base
from kzinvest.registry.store import canonical_url, content_hash, open_store


def _include(obj, name, type_, reflected, compare_to):
    # FTS shadow tables (SQLite) and generated tsvector columns/indexes (PostgreSQL) are
    # created by raw DDL in the migration and have no model counterpart.
    if name and ("_fts" in name or "search_tsv" in name):
        return False
    return True


def test_models_match_migrations(store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": _include,
                                                     "compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_migrate_twice_is_a_noop(db_url):
    open_store(db_url).close()
    s = open_store(db_url)
    with s.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
    s.close()


def test_sqlite_runs_in_wal_with_busy_timeout(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/x.db")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_env_default_url(tmp_path, monkeypatch):
    monkeypatch.setenv("KZINVEST_DB", f"sqlite:///{tmp_path}/env/k.db")
    s = open_store()
    assert (tmp_path / "env" / "k.db").exists()
    s.close()
    monkeypatch.delenv("KZINVEST_DB")
    monkeypatch.chdir(tmp_path)
    s = open_store()
    assert (tmp_path / "data" / "kzinvest.db").exists()
    s.close()


def test_document_identities():
    assert content_hash("a  b\n c") == content_hash("a b c")
    assert canonical_url("HTTP://WWW.Example.kz/news/1/?utm_source=x&b=2&a=1#top") == \
        canonical_url("https://example.kz/news/1?a=1&b=2")
    assert canonical_url("file.txt") is None
