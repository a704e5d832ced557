"""Mention rows as the Dask workers get them: plain tuples of the mentions' columns and
their document's (hash, date, address, title), the JSON columns as text, pickled once
(Dask does not walk through bytes); and what the workers send back of each clustered
mention (member_fields, Member)."""
from __future__ import annotations

import json
import pickle
from types import SimpleNamespace

from sqlalchemy import Text, cast

from kzinvest.registry.models import Document, Mention

_M, _D = Mention.__table__, Document.__table__
_JSON = ("evidence", "extra")
COLUMNS = ([cast(c, Text).label(c.name) if c.name in _JSON else c for c in _M.c]
           + [_D.c.content_hash.label("doc_hash"), _D.c.published.label("doc_published"),
              _D.c.url.label("doc_url"), _D.c.title.label("doc_title")])
NAMES = tuple(c.name for c in COLUMNS)


def rows_of(raw: list[tuple]) -> list[SimpleNamespace]:
    """Plain tuples (NAMES) as rows with attributes, the JSON columns decoded."""
    out = []
    for t in raw:
        r = SimpleNamespace(**dict(zip(NAMES, t)))
        r.evidence = json.loads(r.evidence) if r.evidence else []
        r.extra = json.loads(r.extra) if r.extra else {}
        out.append(r)
    return out


def pack(obj) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def member_fields(f) -> tuple:
    """What the client's Resolver.write needs of a clustered mention (a features.Feat), as
    plain data: (id, project_id, block, doc hash, ordinal, sector)."""
    return f.id, f.project_id, f.block, f.canon[0], f.canon[1], f.sector


class Member:
    """A mention as Resolver.write takes it, rebuilt from member_fields (a Feat without the
    features)."""
    __slots__ = ("id", "project_id", "block", "carry", "canon", "sector")

    def __init__(self, mid, project_id, block, doc_hash, ordinal, sector) -> None:
        self.id, self.project_id, self.block, self.carry = mid, project_id, block, None
        self.canon, self.sector = (doc_hash, ordinal), sector
