"""The audit log: who changed what and when (analysts' edits, review decisions, rebuilds)."""
from __future__ import annotations

import os

from sqlalchemy import insert, select

from kzinvest.registry.models import AuditEntry, utcnow

_A = AuditEntry.__table__
_INS = insert(_A)


def who_or_default(who: str | None) -> str:
    return (who or os.environ.get("USER") or "unknown")[:200]


def record(conn, who: str | None, action: str, target: str | None = None,
           detail: dict | None = None) -> None:
    conn.execute(_INS, {"at": utcnow(), "who": who_or_default(who), "action": action,
                        "target": target, "detail": detail or {}})


def entries(store, limit: int = 100, offset: int = 0, action: str | None = None) -> list[dict]:
    stmt = select(_A).order_by(_A.c.at.desc(), _A.c.id.desc()).limit(limit).offset(offset)
    if action:
        stmt = stmt.where(_A.c.action == action)
    with store.read() as s:
        return [{"id": r.id, "at": r.at.isoformat(timespec="seconds"), "who": r.who,
                 "action": r.action, "target": r.target, "detail": r.detail or {}}
                for r in s.execute(stmt)]
