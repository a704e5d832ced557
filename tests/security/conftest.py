"""Databases for the fault and backup tests: a SQLite file, and a fresh PostgreSQL database
per test (KZINVEST_TEST_PG; skipped without it, a failure under KZINVEST_REQUIRE_ALL=1)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.fixture
def pg_admin():
    from kzinvest.registry.store import normalise_url
    base = os.environ.get("KZINVEST_TEST_PG")
    if not base:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("KZINVEST_TEST_PG is not set but KZINVEST_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL tests need KZINVEST_TEST_PG")
    return make_url(normalise_url(base))


@pytest.fixture
def pg_databases(pg_admin):
    """make() -> the URL of a fresh, empty PostgreSQL database (not migrated); all dropped
    afterwards."""
    made: list[str] = []
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"kzinvest_sec_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return pg_admin.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as c:
        for name in made:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_db(pg_databases):
    return pg_databases()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("pg_db")
