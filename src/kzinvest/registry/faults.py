"""Storage faults during an ingest, told apart from bad documents.

* The database server goes away (a restart, a failover, a dropped connection): the write is
  retried, with growing pauses, until the server answers again or `KZINVEST_DB_RETRY_SECONDS`
  (default 60) have passed; every document is written once, in one transaction, so a retry
  never doubles anything (a commit whose answer was lost comes back as a duplicate).
* The database cannot store anything more (disk full, an I/O error): retrying is useless and
  every later document would fail the same way, so the batch stops with one line saying so.
  The documents stored so far are whole; the same command run again skips them (content
  hash) and goes on from there.
* Anything else (a value a column refuses...) is that document's own failure.
"""
from __future__ import annotations

import os
import time
from typing import Callable, TypeVar

T = TypeVar("T")


class StorageStop(Exception):
    """The batch cannot go on; str() is one line for the user."""


def one_line(exc: BaseException) -> str:
    """The first line of an error (SQLAlchemy appends the statement and its parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def classify(exc: BaseException) -> str | None:
    """"full" (nothing more can be stored), "gone" (the server is unreachable) or None."""
    from sqlalchemy import exc as saexc
    if not isinstance(exc, saexc.DBAPIError):
        return None
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR"):
        return "full"
    state = getattr(orig, "sqlstate", None) or ""
    if state[:2] in ("53", "58"):                     # insufficient resources, system/I-O error
        return "full"
    if exc.connection_invalidated or state[:2] == "08" or state in ("57P01", "57P02", "57P03"):
        return "gone"
    if (not state and type(orig).__module__.startswith("psycopg")
            and isinstance(exc, saexc.OperationalError)):
        return "gone"                                 # "connection failed: ... refused"
    return None


def retry_seconds() -> float:
    try:
        return float(os.environ.get("KZINVEST_DB_RETRY_SECONDS", "60"))
    except ValueError:
        return 60.0


def write_patiently(fn: Callable[..., T], *args, stored: Callable[[], int] = lambda: 0) -> T:
    """fn(*args), retried while the database server is away; StorageStop when the
    database cannot store more or stays away. `stored` says how many documents the batch
    has stored so far (for the message)."""
    deadline = None
    pause = 0.2
    while True:
        try:
            return fn(*args)
        except Exception as exc:
            kind = classify(exc)
            if kind is None:
                raise
            if kind == "full":
                raise StorageStop(f"cannot write ({one_line(exc)}); stopped after "
                                  f"{stored()} new documents: free space, then run the same "
                                  "command again (stored documents are skipped)") from exc
            now = time.monotonic()
            deadline = deadline or now + retry_seconds()
            if now >= deadline:
                raise StorageStop(f"unreachable for {retry_seconds():g} s ({one_line(exc)}); "
                                  f"stopped after {stored()} new documents: run the same "
                                  "command again when it is back") from exc
            time.sleep(min(pause, max(0.0, deadline - now)))
            pause = min(pause * 2, 2.0)
