"""The registry database: engine, migrations, sessions and the write discipline.

Write discipline, the basis of crash safety and concurrency:
- every document is written in ONE transaction (document, its mentions and indicators,
  and every project they touch), so a killed ingest leaves whole documents or nothing;
- extraction runs before that transaction, so the write lock is held for milliseconds;
- writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
  advisory lock), because resolution must see every project committed before it;
- SQLite runs in WAL mode with a busy timeout, so readers never see "database is locked".

Layering (no module imports one above it): models <- db <- records, features, scoring,
cluster <- resolution <- ingest, reextract, review, edit <- store (the facade the CLI, the
web app and the tests open); listing <- export <- query on the read side.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Iterator

from sqlalchemy import bindparam, create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from kzinvest.registry.models import Company, Document, Indicator, Mention, Project
from kzinvest.registry.resolve import CompanyIndex

DEFAULT_URL = "sqlite:///data/kzinvest.db"
DEFAULT_STALLED_MONTHS = 18
SQLITE_MMAP_BYTES = 1 << 30       # address space only; pages come from the OS page cache
SQLITE_CACHE_KIB = 8 * 1024       # per connection (pages read through mmap need no copy)
ADVISORY_KEY = 7_301_947   # arbitrary: "kzinvest writer" lock id on PostgreSQL

_DOC = Document.__table__
_DUP_HASH = select(_DOC.c.id).where(_DOC.c.content_hash == bindparam("h")).limit(1)
_DUP_HASH_OR_URL = select(_DOC.c.id).where((_DOC.c.content_hash == bindparam("h"))
                                          | (_DOC.c.canonical_url == bindparam("curl"))).limit(1)


# --- engine ------------------------------------------------------------------------------

def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here (the driver we ship), not psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _rec):
        # Take transaction control from the driver: we issue BEGIN ourselves (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        # Reads of a large registry are page lookups: memory-mapped I/O and a bigger page
        # cache spare a system call and a copy per page (filtered list at 100k projects).
        cur.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front: a deferred transaction that later upgrades
        # can fail with SQLITE_BUSY immediately instead of waiting on busy_timeout.
        immediate = conn.get_execution_options().get("kz_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the latest revision, or to `revision` (tests build databases of
    an earlier one); a no-op when it is there already."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    ini = resources.files("kzinvest.registry") / "alembic.ini"
    cfg = Config(str(ini))
    cfg.set_main_option("script_location", str(resources.files("kzinvest.registry") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head() if revision == "head" else revision
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    write = engine.execution_options(kz_write=True)
    with write.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class CountCache:
    """Values valid for one data version (Store.data_version): counts of filtered project
    lists, a list's project dicts. The first write anywhere empties it. Bounded; thread-safe."""

    def __init__(self, max_items: int = 2048) -> None:
        self.max_items = max_items
        self._lock = threading.Lock()
        self._version = None
        self._data: dict = {}

    def get(self, version, key):
        with self._lock:
            if version is None or version != self._version:
                return None
            return self._data.get(key)

    def put(self, version, key, value) -> None:
        if version is None:
            return
        with self._lock:
            if version != self._version:
                self._version, self._data = version, {}
            if len(self._data) >= self.max_items:
                self._data.clear()
            self._data[key] = value


def _today() -> date:
    override = os.environ.get("KZINVEST_TODAY")   # for reproducible reports and tests
    return date.fromisoformat(override) if override else date.today()

class Database:
    """Engine, sessions, the reference date and the cheap data version; the Store facade
    (store.py) adds the operations."""

    def __init__(self, url: str, stalled_months: int | None = None,
                 today: date | str | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._write_engine = self.engine.execution_options(kz_write=True)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self._WriteSession = sessionmaker(self._write_engine, expire_on_commit=False)
        env_months = os.environ.get("KZINVEST_STALLED_MONTHS")
        self.stalled_months = int(stalled_months if stalled_months is not None
                                  else env_months or DEFAULT_STALLED_MONTHS)
        self._today = date.fromisoformat(today) if isinstance(today, str) else today
        self.companies = CompanyIndex()
        self._version_lock = threading.Lock()
        self._version_conn = None
        self.count_cache = CountCache()
        # A list's project dicts, by project id, for one data version (listing.list_projects).
        self.item_cache = CountCache(max_items=4096)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- time ---------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today or _today()

    @today.setter
    def today(self, value: date | str | None) -> None:
        self._today = date.fromisoformat(value) if isinstance(value, str) else value

    def stalled_cutoff(self) -> str:
        """Projects with no news since this date (and no binding stage) are stalled."""
        t = self.today
        months = t.year * 12 + (t.month - 1) - self.stalled_months
        y, m = divmod(months, 12)
        day = min(t.day, 28)
        return f"{y:04d}-{m + 1:02d}-{day:02d}"

    # -- sessions -----------------------------------------------------------------------
    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.Session() as s:
            yield s

    @contextmanager
    def write(self, shared: bool = False) -> Iterator[Session]:
        """One serialised write transaction; commits on success, rolls back on error.
        `shared` (PostgreSQL): the writer lock is taken shared, so such transactions run
        side by side and only exclude the ordinary ones; for writers of rows no other
        shared writer touches and of no company (the parallel resolution of a first
        load)."""
        s = self._WriteSession()
        try:
            s.begin()
            if self.dialect == "postgresql":
                lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
                s.execute(text(f"SELECT {lock}(:k)"), {"k": ADVISORY_KEY})
            if not shared:          # shared writers create no company: the cache is not theirs
                self.companies.refresh(s)
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            if not shared:
                self.companies.rollback()
            raise
        finally:
            s.close()

    def close(self) -> None:
        with self._version_lock:
            if self._version_conn is not None:
                self._version_conn.close()
                self._version_conn = None
        self.engine.dispose()

    def data_version(self):
        """A value that changes whenever anyone (this process or another) commits a write,
        or None when there is no cheap way to tell (then nothing is cached on it).

        SQLite: PRAGMA data_version on a connection of our own that never writes: it
        changes on every commit made by any other connection, in any process."""
        if self.dialect != "sqlite":
            return None
        path = make_url(self.url).database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        import sqlite3
        with self._version_lock:
            try:
                if self._version_conn is None:
                    self._version_conn = sqlite3.connect(path, check_same_thread=False,
                                                         isolation_level=None, timeout=60)
                return self._version_conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                return None

    # -- documents ----------------------------------------------------------------------
    def find_duplicate(self, s: Session, h: str, curl: str | None) -> int | None:
        if curl:
            return s.connection().scalar(_DUP_HASH_OR_URL, {"h": h, "curl": curl})
        return s.connection().scalar(_DUP_HASH, {"h": h})

    def counts(self) -> dict[str, int]:
        with self.read() as s:
            return {name: s.scalar(select(func.count()).select_from(model)) for name, model in
                    (("documents", Document), ("mentions", Mention), ("projects", Project),
                     ("companies", Company), ("indicators", Indicator))}


def resolve_url(url: str | None = None) -> str:
    return url or os.environ.get("KZINVEST_DB") or DEFAULT_URL
