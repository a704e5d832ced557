"""The registry store: one database (SQLite or PostgreSQL), migrated by Alembic.

Write discipline, the basis of crash safety and concurrency:
- every document is written in ONE transaction (document, its mentions and indicators,
  and every project they touch), so a killed ingest leaves whole documents or nothing;
- extraction runs before that transaction, so the write lock is held for milliseconds;
- writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
  advisory lock), because resolution must see every project committed before it;
- SQLite runs in WAL mode with a busy timeout, so readers never see "database is locked".
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import bindparam, create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from kzinvest.model import Document as InDocument, Record
from kzinvest.registry import aggregate
from kzinvest.registry.models import (Company, CompanyAlias, Document, Indicator, Mention,
                                      Override, Project, utcnow)
from kzinvest.registry.resolve import (CompanyIndex, candidate_projects, choose_project,
                                       resolve_company)

DEFAULT_URL = "sqlite:///data/kzinvest.db"
DEFAULT_STALLED_MONTHS = 18
SQLITE_MMAP_BYTES = 1 << 30       # address space only; pages come from the OS page cache
SQLITE_CACHE_KIB = 8 * 1024       # per connection (pages read through mmap need no copy)
_ADVISORY_KEY = 7_301_947   # arbitrary: "kzinvest writer" lock id on PostgreSQL
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|yclid|_openstat|from|ref)$")


# --- identities of a document -------------------------------------------------------------

def content_hash(text_: str) -> str:
    """Hash of the text with whitespace and Unicode form normalised (re-crawls that only
    differ in spacing are the same article)."""
    norm = " ".join(unicodedata.normalize("NFC", text_).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def canonical_url(url: str | None) -> str | None:
    """https, lower-case host without www., no fragment, no tracking parameters, sorted
    query, no trailing slash: two spellings of one page compare equal."""
    if not url or not re.match(r"(?i)^https?://", url.strip()):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))[:2000]


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


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (a no-op when it is there already)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    ini = resources.files("kzinvest.registry") / "alembic.ini"
    cfg = Config(str(ini))
    cfg.set_main_option("script_location", str(resources.files("kzinvest.registry") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    write = engine.execution_options(kz_write=True)
    with write.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# --- the store ---------------------------------------------------------------------------

# Write statements, built once (building and cache-keying a statement per call costs more
# than executing it; see docs/registry-status.md, ingest overhead).
_DOC = Document.__table__
_DUP_HASH = select(_DOC.c.id).where(_DOC.c.content_hash == bindparam("h")).limit(1)
_DUP_HASH_OR_URL = select(_DOC.c.id).where((_DOC.c.content_hash == bindparam("h"))
                                          | (_DOC.c.canonical_url == bindparam("curl"))).limit(1)
_INS_DOCUMENT = insert(_DOC)
_PROJECT_EXISTS = select(Project.__table__.c.id).where(Project.__table__.c.id == bindparam("pid"))
_INS_PROJECTS = insert(Project.__table__).returning(Project.__table__.c.id,
                                                    sort_by_parameter_order=True)
_INS_MENTIONS = insert(Mention.__table__)
_INS_INDICATORS = insert(Indicator.__table__)

@dataclass
class DocOutcome:
    status: str                      # "new" | "duplicate"
    document_id: int | None = None
    records: int = 0
    indicators: int = 0
    projects_new: set[int] = field(default_factory=set)
    projects_touched: set[int] = field(default_factory=set)
    # (record, project id) for every project record, in order (re-extraction uses it to
    # follow a project whose records moved elsewhere)
    assigned: list[tuple[Record, int]] = field(default_factory=list)


class CountCache:
    """Counts of filtered project lists, valid for one data version (Store.data_version):
    the first write anywhere empties it. Bounded; thread-safe."""

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


class Store:
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
    def write(self) -> Iterator[Session]:
        """One serialised write transaction; commits on success, rolls back on error."""
        s = self._WriteSession()
        try:
            s.begin()
            if self.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            self.companies.refresh(s)
            yield s
            s.commit()
        except BaseException:
            s.rollback()
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

    def add_document(self, doc: InDocument,
                     extract: Callable[[InDocument], list[Record]] | None = None,
                     records: list[Record] | None = None) -> DocOutcome:
        """Store one document with its records; a duplicate is skipped before extraction."""
        if not (doc.text or "").strip():
            raise ValueError("no article text")
        h, curl = content_hash(doc.text), canonical_url(doc.url)
        with self.read() as s:
            if (dup := self.find_duplicate(s, h, curl)) is not None:
                return DocOutcome("duplicate", dup)
        if records is None:
            records = (extract or _default_extract)(doc)
        with self.write() as s:
            if (dup := self.find_duplicate(s, h, curl)) is not None:   # a racing writer won
                return DocOutcome("duplicate", dup)
            now = utcnow()
            values = dict(source=doc.source, url=doc.url, content_hash=h, canonical_url=curl,
                          title=doc.title, published=doc.published, text=doc.text,
                          raw_text=doc.raw_text, content_type=doc.content_type or "text",
                          encoding=doc.encoding, ingested_at=now, extracted_at=now)
            doc_id = s.connection().execute(_INS_DOCUMENT, values).inserted_primary_key[0]
            row = Document(id=doc_id, **values)      # transient: never added to the session
            out = self.attach_records(s, row, records)
            out.status = "new"
            return out

    def attach_records(self, s: Session, doc: Document, records: list[Record],
                       prefer: dict[str, int] | None = None) -> DocOutcome:
        """Store `records` of `doc` as mentions/indicators and fold them into projects.
        `prefer` maps a company key to the project it fed before (re-extraction keeps ids)."""
        with s.no_autoflush:   # flushes happen where ids are needed, not on every query
            s.flush()
            return self._attach(s, doc, records, prefer)

    def _attach(self, s: Session, doc: Document, records: list[Record],
                prefer: dict[str, int] | None) -> DocOutcome:
        """Core statements only, a fixed handful per document: resolve every record first,
        then one insert each for new projects, mentions and indicators, then one batched
        recompute of the projects fed (benchmarks/registry_bench.py)."""
        conn = s.connection()
        out = DocOutcome("new", doc.id)
        fed: set[int] = set()
        indicators: list[dict] = []
        mentions: list[dict] = []
        creating: list[tuple[int, dict]] = []     # (index into mentions, new project row)
        for ordinal, rec in enumerate(records):
            if rec.kind == "indicator":
                indicators.append(dict(document_id=doc.id, ordinal=ordinal, region=rec.region,
                                       sector=rec.sector, amount=rec.amount,
                                       currency=rec.currency, amount_usd=_usd(rec, doc.published),
                                       jobs=rec.jobs, date=rec.date or doc.published,
                                       evidence=evidence_spans(doc.text, rec)))
                out.indicators += 1
                continue
            m = mention_row(doc, ordinal, rec)
            mv = SimpleNamespace(**m)
            cid = resolve_company(s, self.companies, rec.investor, rec.investor_aliases,
                                  rec.investor_country)
            pid = None
            if prefer and rec.investor:
                from kzinvest.normalise.names import company_key
                p = prefer.get(company_key(rec.investor) + "|" + (rec.sector or ""))
                if p is not None and p not in fed and conn.scalar(
                        _PROJECT_EXISTS, {"pid": p}) is not None:
                    pid = p
            # A company created by this very document has no projects yet.
            if pid is None and not (cid is not None and cid in self.companies.created):
                pid = choose_project(mv, candidate_projects(conn, mv, cid), cid is not None, fed)
            if pid is None:
                now = utcnow()
                creating.append((len(mentions), dict(
                    company_id=cid, investor=rec.investor, sector=rec.sector or "other",
                    stage=rec.stage or "negotiation", stage_rank=0, health=0.0,
                    sources_count=0, mentions_count=0, conflicts={}, search_text="",
                    created_at=now, updated_at=now)))
            else:
                fed.add(pid)
            m["project_id"] = pid
            mentions.append(m)
            out.assigned.append((rec, pid))
            out.records += 1
        if creating:
            new_ids = conn.execute(_INS_PROJECTS, [row for _, row in creating]).scalars().all()
            for (i, _), pid in zip(creating, new_ids):
                mentions[i]["project_id"] = pid
                out.assigned[i] = (out.assigned[i][0], pid)
                out.projects_new.add(pid)
                fed.add(pid)
        if mentions:
            conn.execute(_INS_MENTIONS, mentions)
        if indicators:
            conn.execute(_INS_INDICATORS, indicators)
        aggregate.recompute_many(conn, fed)
        out.projects_touched = fed
        return out

    def _aliases_of_project(self, s: Session, pid: int) -> list[str]:
        cid = s.scalar(select(Project.company_id).where(Project.id == pid))
        if cid is None:
            return []
        return list(s.scalars(select(CompanyAlias.alias).where(CompanyAlias.company_id == cid)
                              .order_by(CompanyAlias.id)))

    # -- analysts' corrections ------------------------------------------------------------
    def edit(self, project_id: int, field_: str, value, who: str | None = None) -> dict:
        if field_ not in aggregate.EDITABLE:
            raise ValueError(f"cannot edit {field_!r}; editable: {', '.join(aggregate.EDITABLE)}")
        value = parse_value(field_, value)
        with self.write() as s:
            if s.scalar(select(Project.id).where(Project.id == project_id)) is None:
                raise KeyError(project_id)
            s.add(Override(project_id=project_id, field=field_, value=value,
                           who=who or os.environ.get("USER") or "unknown", created_at=utcnow()))
            s.flush()
            aggregate.recompute(s, project_id, keep_empty=True)
        return {"project_id": project_id, "field": field_, "value": value}

    # -- bulk operations live in ingest.py ----------------------------------------------
    def ingest(self, inputs, progress: bool = False, **kw):
        from kzinvest.registry.ingest import ingest
        return ingest(self, inputs, progress=progress, **kw)

    def reextract(self, progress: bool = False, **kw):
        from kzinvest.registry.ingest import reextract
        return reextract(self, progress=progress, **kw)

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func
        with self.read() as s:
            return {name: s.scalar(select(func.count()).select_from(model)) for name, model in
                    (("documents", Document), ("mentions", Mention), ("projects", Project),
                     ("companies", Company), ("indicators", Indicator))}


# Project fields that always have a value (NOT NULL columns): they can be corrected, never
# cleared.
REQUIRED = ("sector", "stage")


def parse_value(field_: str, value):
    """CLI strings to typed values; "", "null" and "none" clear a field (ValueError for a
    field that cannot be empty)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none")):
        if field_ in REQUIRED:
            from kzinvest.model import SECTORS, STAGES
            allowed = STAGES if field_ == "stage" else SECTORS
            raise ValueError(f"{field_} cannot be cleared (null); give one of "
                             f"{', '.join(allowed)}")
        return None
    kind = aggregate.EDITABLE[field_]
    if kind is float:
        return float(str(value).replace(" ", "").replace(",", "."))
    if kind is int:
        return int(float(str(value).replace(" ", "")))
    value = str(value).strip()
    if field_ == "stage":
        from kzinvest.model import STAGES
        if value not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}")
    if field_ == "sector":
        from kzinvest.model import SECTORS
        if value not in SECTORS:
            raise ValueError(f"sector must be one of {', '.join(SECTORS)}")
    if field_ == "date":
        date.fromisoformat(value)
    return value


def _usd(rec: Record, published: str | None = None) -> float | None:
    """The record's USD amount; converted here when the extractor left it out."""
    if rec.amount_usd is not None:
        return rec.amount_usd
    if rec.amount is None or not rec.currency:
        return None
    if rec.currency == "USD":
        return rec.amount
    try:
        from kzinvest.normalise.currency import to_usd
        return to_usd(rec.amount, rec.currency, rec.date or published)
    except Exception:
        return None


def evidence_spans(text_: str, rec: Record) -> list[dict]:
    """Evidence sentences with offsets into the stored text (the extractor's spans when it
    gives them, else the first occurrence of the sentence)."""
    out = []
    for i, sentence in enumerate(rec.evidence or []):
        start = end = None
        if i < len(rec.evidence_spans or []):
            start, end = rec.evidence_spans[i]
        elif sentence:
            pos = text_.find(sentence)
            if pos >= 0:
                start, end = pos, pos + len(sentence)
        out.append({"text": sentence, "start": start, "end": end})
    return out


def mention_row(doc: Document, ordinal: int, rec: Record) -> dict:
    """The `mentions` row of one project record (a dict for a Core insert)."""
    extra = {k: v for k, v in (("product", rec.product), ("capacity", rec.capacity),
                                ("investor_aliases", rec.investor_aliases)) if v}
    return dict(document_id=doc.id, project_id=None, ordinal=ordinal, investor=rec.investor,
                investor_country=rec.investor_country, region=rec.region,
                city=rec.city, sector=rec.sector or "other", amount=rec.amount,
                currency=rec.currency, amount_usd=_usd(rec, doc.published), jobs=rec.jobs,
                stage=rec.stage or "negotiation", date=rec.date or doc.published,
                confidence=float(rec.confidence if rec.confidence is not None else 0.5),
                evidence=evidence_spans(doc.text, rec), extra=extra)


def mention_from_record(doc: Document, ordinal: int, rec: Record) -> Mention:
    return Mention(**mention_row(doc, ordinal, rec))


def _default_extract(doc: InDocument) -> list[Record]:
    # Looked up at call time so a replaced pipeline (tests, plugins) takes effect.
    from kzinvest import pipeline
    return pipeline.extract_document(doc)


def resolve_url(url: str | None = None) -> str:
    return url or os.environ.get("KZINVEST_DB") or DEFAULT_URL


def open_store(url: str | None = None, migrate: bool = True, **kw) -> Store:
    """Open (and migrate) the registry: url -> $KZINVEST_DB -> sqlite:///data/kzinvest.db."""
    store = Store(resolve_url(url), **kw)
    if migrate:
        store.migrate()
    return store
