"""Build the small map and name assets the dashboard ships with.

Run once at build time (the output is committed, so user machines need neither
``../shared`` nor any GIS library)::

    python -m kzinvest.web.build_map [--data ../shared/data] [--tolerance 0.02]

Inputs (from ``shared/data``):
  * ``kz_adm1_2024.geojson`` - the 20 regions of Kazakhstan (geokz, A. Rodionov, CC BY 4.0);
  * ``kz_adm1_regions.csv``  - their names in Russian and English and their centres;
  * ``countries_ru.csv``     - country names in Russian and English.

Outputs (in ``src/kzinvest/web/static/``):
  * ``kz_regions.json``  - per region: ISO code, names, an SVG path, a label point;
  * ``countries.json``   - ISO alpha-2 -> [Russian name, English name].

Simplification keeps shared borders identical: every ring is cut into arcs at the
vertices where the set of rings sharing a vertex changes (like TopoJSON does), each
distinct arc is simplified once with Douglas-Peucker, and the rings are put back
together from the simplified arcs. Neighbours therefore still meet exactly and no
slivers appear. Pure Python, no numpy/shapely.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[2].parent / "shared" / "data"   # <repo>/../shared/data
OUT_DIR = HERE / "static"
ATTRIBUTION = "geokz, A. Rodionov, https://github.com/arodionoff/geokz, CC BY 4.0"

Pt = tuple[float, float]


# --- Douglas-Peucker --------------------------------------------------------------

def _seg_dist(p: Pt, a: Pt, b: Pt) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(points: list[Pt], tol: float) -> list[Pt]:
    """Iterative Douglas-Peucker; keeps both end points."""
    n = len(points)
    if n <= 2:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist(points[k], points[i], points[j])
            if d > best:
                best, idx = d, k
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(points, keep) if k]


# --- topology-preserving simplification --------------------------------------------

def _ring_area(ring: list[Pt]) -> float:
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        s += x1 * y2 - x2 * y1
    return s / 2


def simplify_features(features: list[dict], tol: float, min_island: float) -> list[list[list[list[Pt]]]]:
    """Return, per feature, a list of polygons, each a list of rings (open, no repeat)."""
    rings: list[list[Pt]] = []
    layout: list[list[list[int]]] = []       # feature -> polygon -> ring ids
    for f in features:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        fl = []
        for poly in polys:
            pl = []
            for ring in poly:
                pts = [(float(x), float(y)) for x, y in ring]
                if len(pts) > 1 and pts[0] == pts[-1]:
                    pts = pts[:-1]
                pl.append(len(rings))
                rings.append(pts)
            fl.append(pl)
        layout.append(fl)

    owners: dict[Pt, set[int]] = {}
    for rid, ring in enumerate(rings):
        for p in ring:
            owners.setdefault(p, set()).add(rid)
    fixed: set[Pt] = set()
    for ring in rings:
        n = len(ring)
        for k, p in enumerate(ring):
            o = owners[p]
            if len(o) >= 3 or o != owners[ring[k - 1]] or o != owners[ring[(k + 1) % n]]:
                fixed.add(p)

    cache: dict[tuple, list[Pt]] = {}

    def simplify_arc(arc: list[Pt]) -> list[Pt]:
        fwd, rev = tuple(arc), tuple(reversed(arc))
        key, flipped = (fwd, False) if fwd <= rev else (rev, True)
        if key not in cache:
            cache[key] = douglas_peucker(list(key), tol)
        out = cache[key]
        return list(reversed(out)) if flipped else list(out)

    simple: list[list[Pt]] = []
    for ring in rings:
        n = len(ring)
        cuts = [k for k, p in enumerate(ring) if p in fixed]
        if not cuts:
            # A ring shared whole (an enclave and its hole) or by nobody: cut it at points that
            # do not depend on where the ring starts, so both copies simplify the same way.
            first = min(range(n), key=lambda k: ring[k])
            far = max(range(n), key=lambda k: (math.hypot(ring[k][0] - ring[first][0],
                                                          ring[k][1] - ring[first][1]), ring[k]))
            cuts = sorted({first, far})
        out: list[Pt] = []
        for a, b in zip(cuts, cuts[1:] + [cuts[0] + n]):
            arc = [ring[k % n] for k in range(a, b + 1)]
            out.extend(simplify_arc(arc)[:-1])
        simple.append(out)

    result = []
    for fl in layout:
        polys = []
        for pl in fl:
            outer = simple[pl[0]]
            private = all(len(owners[p]) == 1 for p in rings[pl[0]])
            if private and (len(outer) < 3 or abs(_ring_area(outer)) < min_island):
                continue                          # a tiny island nobody borders
            ring_list = [outer] + [simple[r] for r in pl[1:] if len(simple[r]) >= 3]
            polys.append(ring_list)
        result.append(polys)
    return result


# --- projection --------------------------------------------------------------------

class Projection:
    """Equirectangular with the x axis scaled by cos(mean latitude): good enough for
    a country this size, and keeps shared borders shared."""

    def __init__(self, bbox: tuple[float, float, float, float], width: float = 1000.0, pad: float = 10.0):
        lon0, lat0, lon1, lat1 = bbox
        self.k = math.cos(math.radians((lat0 + lat1) / 2))
        self.lon0, self.lat1 = lon0, lat1
        self.scale = (width - 2 * pad) / ((lon1 - lon0) * self.k)
        self.pad = pad
        self.width = width
        self.height = (lat1 - lat0) * self.scale + 2 * pad

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.pad + (lon - self.lon0) * self.k * self.scale
        y = self.pad + (self.lat1 - lat) * self.scale
        return round(x, 1), round(y, 1)


def _fmt(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def svg_path(polys: list[list[list[Pt]]], proj: Projection) -> str:
    parts = []
    for poly in polys:
        for ring in poly:
            pts = []
            last = None
            for lon, lat in ring:
                xy = proj(lon, lat)
                if xy != last:
                    pts.append(xy)
                    last = xy
            if len(pts) < 3:
                continue
            parts.append("M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in pts) + "Z")
    return "".join(parts)


def _label_point(polys: list[list[list[Pt]]]) -> Pt:
    """Area centroid of the largest outer ring."""
    ring = max((p[0] for p in polys), key=lambda r: abs(_ring_area(r)))
    a = _ring_area(ring)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        c = x1 * y2 - x2 * y1
        cx += (x1 + x2) * c
        cy += (y1 + y2) * c
    return cx / (6 * a), cy / (6 * a)


def build(data_dir: Path, out_dir: Path, tol: float = 0.02) -> dict[str, int]:
    gj = json.loads((data_dir / "kz_adm1_2024.geojson").read_text(encoding="utf-8"))
    feats = gj["features"]
    names = {r["iso_3166_2"]: r for r in csv.DictReader(open(data_dir / "kz_adm1_regions.csv", encoding="utf-8"))}
    simplified = simplify_features(feats, tol, min_island=(tol * 2) ** 2)

    xs = [p[0] for f in simplified for poly in f for ring in poly for p in ring]
    ys = [p[1] for f in simplified for poly in f for ring in poly for p in ring]
    proj = Projection((min(xs), min(ys), max(xs), max(ys)))

    regions = []
    for f, polys in zip(feats, simplified):
        code = f["properties"]["ISO3166_2_OFFICIAL"]
        n = names[code]
        is_city = n["type"] == "city"
        if is_city:
            lx, ly = proj(float(n["centre_lon"]), float(n["centre_lat"]))
        else:
            lx, ly = proj(*_label_point(polys))
        regions.append({
            "code": code,
            "type": n["type"],
            "name_ru": n["name_ru"] if is_city else n["name_ru_full"],
            "name_ru_short": n["name_ru"],
            "name_en": n["name_en"] if is_city else f"{n['name_en']} Region",
            "centre_ru": n["centre_ru"],
            "centre_en": n["centre_en"],
            "centre_lon": float(n["centre_lon"]),
            "centre_lat": float(n["centre_lat"]),
            "label": [lx, ly],
            "path": svg_path(polys, proj),
        })
    regions.sort(key=lambda r: r["code"])
    doc = {
        "attribution": ATTRIBUTION,
        "tolerance_deg": tol,
        "width": round(proj.width, 1),
        "height": round(proj.height, 1),
        "regions": regions,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "kz_regions.json").write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    countries = {}
    for r in csv.DictReader(open(data_dir / "countries_ru.csv", encoding="utf-8")):
        ru = r["name_ru_cldr_alt"] if r["cca2"] in ("US", "GB", "HK") and r["name_ru_cldr_alt"] else r["name_ru_cldr"] or r["name_ru_common"]
        countries[r["cca2"]] = [ru, r["name_en_common"]]
    (out_dir / "countries.json").write_text(json.dumps(countries, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    return {
        "kz_regions.json": (out_dir / "kz_regions.json").stat().st_size,
        "countries.json": (out_dir / "countries.json").stat().st_size,
        "vertices": sum(p.count("L") + 1 for p in (r["path"] for r in regions)),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the shared data (default: ../shared/data)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--tolerance", type=float, default=0.02, help="Douglas-Peucker tolerance in degrees")
    a = ap.parse_args(argv)
    print(build(a.data, a.out, a.tolerance))


if __name__ == "__main__":
    main()
