"""Mention rows as the Dask workers get them: plain tuples of the mentions' columns and
their document's (hash, date, address, title), the JSON columns as text, pickled once
(Dask does not walk through bytes)."""
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
