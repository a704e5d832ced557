"""`kzinvest backup` and `kzinvest restore`: the whole registry in one portable file.

The file is gzip-compressed JSON Lines, the same for SQLite and PostgreSQL (a backup of
one restores into the other):

    {"kzinvest_backup": 1, "revision": "0003", "dialect": "sqlite", "created": "...", ...}
    {"table": "documents", "columns": [["id", "int"], ["title", "str"], ...], "rows": 38}
    [1, "Заголовок", ...]                      one JSON array per row
    ...
    {"end": true, "tables": 14, "rows": 1234}

* Consistent: every table is read in ONE read transaction (SQLite: a WAL snapshot;
  PostgreSQL: REPEATABLE READ), so a backup taken while an ingest runs holds whole
  documents or none, like the database itself.
* Atomic: written to FILE.partial, flushed to disk, then renamed; an interrupted backup
  never leaves a file that looks complete. A truncated or corrupt file is refused on
  restore (gzip CRC, the end line, the row counts).
* Restore runs in one write transaction (the store's writer lock): the target ends as the
  backup or, on any error, as it was. It refuses a database that already holds data unless
  `--replace` is given, and a backup from another schema revision. Derived data comes back
  by itself: SQLite's full-text tables through their triggers, PostgreSQL's generated
  tsvector columns, and sequences are moved past the restored ids.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Iterator, Optional


FORMAT = 1
CHUNK = 1000
# Derived tables (SQLite FTS5 and its shadow tables) and the migration bookkeeping.
_SKIP = re.compile(r"^(alembic_version|sqlite_.*|.*_fts(_(data|idx|content|docsize|config))?)$")


class BackupError(Exception):
    """A backup or restore that cannot go on; str() is one line for the user."""


def _revision(conn) -> str | None:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(conn).get_current_revision()


def _tables(conn) -> list:
    """The registry's tables in foreign-key order (parents first), reflected from `conn`."""
    from sqlalchemy import MetaData, inspect  # lazy: the extract command never needs it
    names = [n for n in inspect(conn).get_table_names() if not _SKIP.match(n)]
    meta = MetaData()
    meta.reflect(conn, only=names)
    return list(meta.sorted_tables)


def _kind(col) -> str:
    from sqlalchemy import types as satypes
    t = col.type
    if col.computed is not None:
        return "computed"
    for cls, name in ((satypes.DateTime, "datetime"), (satypes.Date, "date"),
                      (satypes.LargeBinary, "bytes"), (satypes.JSON, "json"),
                      (satypes.Boolean, "bool"), (satypes.Integer, "int"),
                      (satypes.Float, "float"), (satypes.Numeric, "float")):
        if isinstance(t, cls):
            return name
    return "str"


def _out(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (bytes, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    return v


def _in(v: Any, kind: str) -> Any:
    if v is None:
        return None
    if kind == "datetime" and isinstance(v, str):
        return dt.datetime.fromisoformat(v)
    if kind == "date" and isinstance(v, str):
        return dt.date.fromisoformat(v[:10])
    if kind == "bytes" and isinstance(v, str):
        return base64.b64decode(v)
    if kind == "bool":
        return bool(v)
    return v


def _snapshot(store):
    """A connection in one read transaction that sees a single consistent state."""
    if store.dialect == "postgresql":
        conn = store.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    else:
        conn = store.engine.connect()
    return conn


def backup(store, path: str | os.PathLike) -> dict:
    """Write the whole registry to `path` (see the module docstring); returns the summary."""
    from sqlalchemy import select, text  # lazy: the extract command never needs it
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    summary: dict[str, Any] = {"tables": {}, "rows": 0}
    conn = _snapshot(store)
    try:
        with conn.begin():
            revision = _revision(conn)
            tables = _tables(conn)
            counts = {t.name: conn.scalar(select(text("count(*)")).select_from(t)) for t in tables}
            with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                def line(obj) -> None:
                    gz.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

                line({"kzinvest_backup": FORMAT, "revision": revision, "dialect": store.dialect,
                      "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                      "counts": counts})
                for t in tables:
                    cols = [c for c in t.columns if _kind(c) != "computed"]
                    line({"table": t.name, "columns": [[c.name, _kind(c)] for c in cols],
                          "rows": counts[t.name]})
                    order = list(t.primary_key.columns) or cols[:1]
                    result = conn.execution_options(yield_per=CHUNK).execute(
                        select(*cols).order_by(*order))
                    n = 0
                    for row in result:
                        line([_out(v) for v in row])
                        n += 1
                    if n != counts[t.name]:
                        raise BackupError(f"{t.name}: read {n} rows, counted {counts[t.name]}")
                    summary["tables"][t.name] = n
                    summary["rows"] += n
                line({"end": True, "tables": len(tables), "rows": summary["rows"]})
                gz.flush()
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    summary["revision"] = revision
    summary["bytes"] = path.stat().st_size
    return summary


def _read(path: Path) -> Iterator[Any]:
    try:
        with gzip.open(path, "rb") as gz:
            for raw in gz:
                yield json.loads(raw)
    except (OSError, EOFError, ValueError) as exc:      # gzip CRC/EOF, bad JSON or UTF-8
        msg = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise BackupError(f"{path}: damaged backup ({type(exc).__name__}: {msg})") from None


def _holds_data(conn, tables) -> bool:
    from sqlalchemy import select, text  # lazy: the extract command never needs it
    return any(conn.execute(select(text("1")).select_from(t).limit(1)).first() for t in tables)


def _empty(conn, tables, dialect: str) -> None:
    from sqlalchemy import text  # lazy: the extract command never needs it
    if not tables:
        return
    if dialect == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for t in reversed(tables):
            conn.execute(t.delete())


def _reset_sequences(conn, tables) -> None:
    from sqlalchemy import text  # lazy: the extract command never needs it
    for t in tables:
        for col in t.primary_key.columns:
            if _kind(col) != "int":
                continue
            seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                              {"t": t.name, "c": col.name})
            if seq:
                conn.execute(text(f'SELECT setval(:s, coalesce((SELECT max("{col.name}") '
                                  f'FROM "{t.name}"), 0) + 1, false)'), {"s": seq})


def restore(store, path: str | os.PathLike, replace: bool = False) -> dict:
    """Load a backup into `store` in one transaction (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    items = _read(path)
    head = next(items, None)
    if not isinstance(head, dict) or head.get("kzinvest_backup") != FORMAT:
        raise BackupError(f"{path}: not a kzinvest backup")
    summary: dict[str, Any] = {"tables": {}, "rows": 0, "revision": head.get("revision"),
                               "from": head.get("dialect")}
    with store.write() as s:
        conn = s.connection()
        here = _revision(conn)
        if head.get("revision") != here:
            raise BackupError(f"{path}: backup of schema revision {head.get('revision')}, this "
                              f"database is at {here}: restore it with the kzinvest that made it")
        tables = {t.name: t for t in _tables(conn)}
        if _holds_data(conn, tables.values()):
            if not replace:
                raise BackupError("the database already holds data; give --replace to "
                                  "overwrite it with the backup")
            _empty(conn, list(tables.values()), store.dialect)
        table, cols, batch, expected = None, [], [], 0

        def flush() -> None:
            if batch:
                conn.execute(table.insert(), [dict(zip([c for c, _ in cols], r)) for r in batch])
                summary["rows"] += len(batch)
                summary["tables"][table.name] = summary["tables"].get(table.name, 0) + len(batch)
                batch.clear()

        ended = False
        for item in items:
            if isinstance(item, list):
                if table is None:
                    raise BackupError(f"{path}: row before any table")
                batch.append([_in(v, k) for v, (_, k) in zip(item, cols)])
                if len(batch) >= CHUNK:
                    flush()
            elif isinstance(item, dict) and "table" in item:
                flush()
                _check_count(path, table, summary, expected)
                if item["table"] not in tables:
                    raise BackupError(f"{path}: table {item['table']} does not exist here")
                table, expected = tables[item["table"]], item.get("rows", 0)
                missing = [c for c, _ in item["columns"] if c not in table.columns]
                if missing:
                    raise BackupError(f"{path}: {item['table']}: no column {', '.join(missing)} here")
                cols = [(c, k) for c, k in item["columns"]]
            elif isinstance(item, dict) and item.get("end"):
                flush()
                _check_count(path, table, summary, expected)
                if item.get("rows") != summary["rows"]:
                    raise BackupError(f"{path}: {summary['rows']} rows read, {item.get('rows')} written")
                ended = True
                break
        if not ended:
            raise BackupError(f"{path}: truncated backup (no end line)")
        if store.dialect == "postgresql":
            _reset_sequences(conn, tables.values())
    return summary


def _check_count(path: Path, table, summary: dict, expected: int) -> None:
    if table is not None and summary["tables"].get(table.name, 0) != expected:
        raise BackupError(f"{path}: {table.name}: {summary['tables'].get(table.name, 0)} rows, "
                          f"the backup says {expected}")


# --- CLI ------------------------------------------------------------------------------------------

import typer  # noqa: E402  (the CLI half of this module)

Db = Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL (default $KZINVEST_DB, "
                                           "else sqlite:///data/kzinvest.db).")]


def _open(db):
    from kzinvest.registry.store import open_store
    try:
        return open_store(db)
    except Exception as exc:
        typer.echo(f"{db or 'database'}: cannot open: {exc}", err=True)
        raise typer.Exit(2)


def backup_cmd(file: Annotated[Path, typer.Argument(help="The backup file to write (gzip JSON "
                                                    "Lines; replaced atomically).")],
               db: Db = None) -> None:
    """Write the whole registry to one file, consistent even while an ingest runs."""
    store = _open(db)
    try:
        s = backup(store, file)
    except Exception as exc:
        first = (str(exc).splitlines() or [""])[0][:300]
        typer.echo(f"{file}: backup failed: {type(exc).__name__}: {first}", err=True)
        raise typer.Exit(1)
    finally:
        store.close()
    typer.echo(f"{file}: {s['rows']:,} rows from {len(s['tables'])} tables "
               f"(schema {s['revision']}), {s['bytes']:,} bytes")


def restore_cmd(file: Annotated[Path, typer.Argument(help="A file written by kzinvest backup.")],
                replace: Annotated[bool, typer.Option(
                    "--replace", help="Overwrite a database that already holds data.")] = False,
                db: Db = None) -> None:
    """Load a backup into an empty database (SQLite or PostgreSQL, either way round)."""
    store = _open(db)
    try:
        s = restore(store, file, replace=replace)
    except BackupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1)
    except Exception as exc:        # e.g. the database refusing a row: nothing was changed
        first = (str(exc).splitlines() or [""])[0][:300]
        typer.echo(f"{file}: restore failed, database unchanged: {type(exc).__name__}: {first}",
                   err=True)
        raise typer.Exit(1)
    finally:
        store.close()
    typer.echo(f"{file}: restored {s['rows']:,} rows into {len(s['tables'])} tables "
               f"(backup of {s['from']}, schema {s['revision']})")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
