"""Project exports: CSV, XLSX, JSON (array of project objects), GeoJSON (points)."""
from __future__ import annotations

import csv
import io
import json

from kzinvest.registry.filters import SPEC_FIELDS, ProjectFilter
from kzinvest.registry.listing import iter_projects
from kzinvest.registry.refdata import locate

FORMATS = ("csv", "xlsx", "json", "geojson")
# Flat columns for the spreadsheet formats; nested sources/events become counts and URLs.
FLAT = ("id", *SPEC_FIELDS, "investors", "status", "company_id", "first_seen", "last_seen",
        "health", "confidence", "sources_count", "conflicts", "revisions", "source_urls")


def investors_text(p: dict) -> str:
    """"China Power (CN, investor); Visor (KZ, partner)": every investor with its role."""
    return "; ".join(f"{i['name']} ({', '.join(x for x in (i.get('country'), i['role']) if x)})"
                     for i in p.get("investors") or [])


def _flat(p: dict) -> dict:
    row = {k: p.get(k) for k in FLAT}
    row["investors"] = investors_text(p)
    row["revisions"] = "; ".join(f"{r['date']}: {r['previous']} -> {r['amount']} {r['currency']}"
                                 for r in p.get("revisions") or [])
    row["conflicts"] = "; ".join(f"{k}: {' | '.join(map(str, v))}"
                                 for k, v in (p.get("conflicts") or {}).items())
    row["source_urls"] = " ".join(s.get("url") or s.get("source") or "" for s in p["sources"])
    return row


def to_csv(projects) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FLAT, lineterminator="\n")
    w.writeheader()
    for p in projects:
        w.writerow(_flat(p))
    return buf.getvalue().encode("utf-8-sig")   # the BOM makes Excel read UTF-8 Cyrillic


def to_xlsx(projects) -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("projects")
    ws.append(list(FLAT))
    for p in projects:
        ws.append([_flat(p)[k] for k in FLAT])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_json(projects) -> bytes:
    return json.dumps(list(projects), ensure_ascii=False, indent=1, default=str).encode("utf-8")


def to_geojson(projects) -> bytes:
    features = []
    for p in projects:
        pt = locate(p.get("city"), p.get("region"))
        if pt is None:
            continue   # a project the articles do not place cannot go on a map
        props = {k: p.get(k) for k in ("id", *SPEC_FIELDS, "status", "health",
                                           "confidence")}
        props["investors"] = [{k: i.get(k) for k in ("name", "country", "role")}
                              for i in p.get("investors") or []]
        props["located"] = pt[2]
        features.append({"type": "Feature", "geometry": {"type": "Point",
                                                         "coordinates": [pt[0], pt[1]]},
                         "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode("utf-8")


def export(store, flt: ProjectFilter, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    projects = iter_projects(store, flt)
    return {"csv": to_csv, "xlsx": to_xlsx, "json": to_json, "geojson": to_geojson}[fmt](projects)
