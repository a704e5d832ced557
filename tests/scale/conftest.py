"""Fixtures of the scale tests: fresh PostgreSQL databases (KZINVEST_TEST_PG), one
2-worker distributed.LocalCluster for the module, and a generated corpus with gold
(benchmarks/make_corpus.py)."""
from __future__ import annotations

import importlib.util
import logging
import os
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kzinvest.registry.store import normalise_url, open_store

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-01-01"


def load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "benchmarks" / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", mod)       # its dataclasses look themselves up
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def pg_admin():
    base = os.environ.get("KZINVEST_TEST_PG")
    if not base:
        if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
            pytest.fail("KZINVEST_TEST_PG is not set but KZINVEST_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL tests need KZINVEST_TEST_PG")
    url = make_url(normalise_url(base))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new_db() -> str:
        name = f"kzinvest_scale_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        db = url.set(database=name).render_as_string(hide_password=False)
        open_store(db).close()            # migrated
        return db

    yield new_db
    with admin.connect() as c:
        for name in made:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def cluster():
    """(client, LocalCluster): 2 single-threaded worker processes, no dashboard."""
    from distributed import Client, LocalCluster
    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL)
    client = Client(lc)
    yield client, lc
    client.close()
    lc.close()


@pytest.fixture(scope="session")
def corpus200(tmp_path_factory) -> Path:
    """200 generated articles in two JSON Lines shards of 100, with gold.jsonl beside."""
    out = tmp_path_factory.mktemp("corpus200")
    load_make_corpus().write_corpus(out, 200, seed=11, fmt="jsonl", per_shard=100)
    return out
