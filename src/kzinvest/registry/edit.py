"""Analysts' corrections of project fields: stored as overrides (the latest per field
wins over extraction, always) and written to the audit log."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kzinvest.registry import aggregate, audit
from kzinvest.registry.models import Override, Project, utcnow

# Project fields that always have a value (NOT NULL columns): they can be corrected, never
# cleared.
REQUIRED = ("sector", "stage")


def edit(store, project_id: int, field_: str, value, who: str | None = None) -> dict:
    if field_ not in aggregate.EDITABLE:
        raise ValueError(f"cannot edit {field_!r}; editable: {', '.join(aggregate.EDITABLE)}")
    value = parse_value(field_, value)
    who = audit.who_or_default(who)
    with store.write() as s:
        if s.scalar(select(Project.id).where(Project.id == project_id)) is None:
            raise KeyError(project_id)
        s.add(Override(project_id=project_id, field=field_, value=value, who=who,
                       created_at=utcnow()))
        s.flush()
        audit.record(s.connection(), who, "edit", f"project:{project_id}",
                     {"field": field_, "value": value})
        aggregate.recompute(s, project_id, keep_empty=True)
    return {"project_id": project_id, "field": field_, "value": value}


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
