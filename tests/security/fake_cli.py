"""The kzinvest CLI with a deterministic stand-in for the extractor, for subprocess tests.

Each line "@project key=value; ..." of a document becomes one Record. Environment:
KZINVEST_TEST_SLOW_EXTRACT_MS sleeps in every extraction (so a test can act halfway);
KZINVEST_TEST_SQLITE_MAX_PAGES caps every SQLite database at that many pages, so writes
beyond it fail exactly as on a full disk ("database or disk is full")."""
from __future__ import annotations

import os
import sys
import time

from kzinvest.model import Document, Record

NUMERIC = {"amount": float, "amount_usd": float, "jobs": int}


def fake_extract(doc: Document) -> list[Record]:
    delay = float(os.environ.get("KZINVEST_TEST_SLOW_EXTRACT_MS", "0") or 0)
    if delay:
        time.sleep(delay / 1000)
    out = []
    for line in doc.text.splitlines():
        if not line.startswith("@project"):
            continue
        fields: dict = {"evidence": [line]}
        for part in line.partition(" ")[2].split(";"):
            if "=" in part:
                k, v = (x.strip() for x in part.split("=", 1))
                fields[k] = NUMERIC[k](v) if k in NUMERIC else v
        out.append(Record(source=doc.source, **fields))
    return out


def article(i: int, companies: int = 10) -> str:
    c = i % companies
    return (f"Новость {i}. Компания Фирма{c} объявила о проекте.\n"
            f"@project investor=Фирма{c}; investor_country=CN; region=KZ-{10 + 5 * (c % 5)}; "
            f"sector=energy; amount_usd={(c + 1) * 1e6}; stage=memorandum; date=2024-{1 + i % 12:02d}-01\n")


def main() -> None:
    import kzinvest.pipeline
    kzinvest.pipeline.extract_document = fake_extract
    pages = os.environ.get("KZINVEST_TEST_SQLITE_MAX_PAGES")
    if pages:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def _cap(dbapi_conn, _rec):
            if type(dbapi_conn).__module__.startswith("sqlite3"):
                dbapi_conn.execute(f"PRAGMA max_page_count = {int(pages)}")

    from kzinvest.cli import app
    sys.argv[0] = "kzinvest"
    app()


if __name__ == "__main__":
    main()
