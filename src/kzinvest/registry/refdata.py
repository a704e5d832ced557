"""Coordinates and exchange rates for exports and stats.

The extractor's gazetteer (kzinvest.extract.places) and the currency module
(kzinvest.normalise.currency) are used when present; the small tables below are the
fallback, derived from shared/data (kz_adm1_regions.csv: administrative centres, geokz,
CC BY 4.0; kzt_official_rates_monthly.csv: yearly means of the NBK official rate).
"""
from __future__ import annotations

# ISO 3166-2:KZ -> (lon, lat) of the region's administrative centre.
REGION_POINTS = {
    "KZ-10": (80.23234, 50.41716), "KZ-11": (69.38147, 53.28521), "KZ-15": (57.21246, 50.27964),
    "KZ-19": (77.04006, 43.84405), "KZ-23": (51.92445, 47.10534), "KZ-27": (51.37342, 51.22238),
    "KZ-31": (71.37693, 42.90159), "KZ-33": (78.37918, 45.01641), "KZ-35": (73.10266, 49.81613),
    "KZ-39": (63.63261, 53.21466), "KZ-43": (65.50362, 44.84268), "KZ-47": (51.158, 43.65206),
    "KZ-55": (76.96464, 52.28398), "KZ-59": (69.1335, 54.86681), "KZ-61": (68.26296, 43.29869),
    "KZ-62": (67.70603, 47.80088), "KZ-63": (82.61192, 49.95649), "KZ-71": (71.4576, 51.16579),
    "KZ-75": (76.97452, 43.17712), "KZ-79": (69.60278, 42.33532),
}

# Yearly mean KZT per USD (NBK official rate).
KZT_PER_USD_YEAR = {
    2010: 147.35, 2011: 146.62, 2012: 149.12, 2013: 152.13, 2014: 179.17, 2015: 221.93,
    2016: 341.85, 2017: 326.05, 2018: 344.79, 2019: 382.82, 2020: 413.31, 2021: 425.92,
    2022: 460.3, 2023: 456.89, 2024: 468.99, 2025: 521.08, 2026: 474.59,
}


def kzt_per_usd(when: str | None) -> float:
    """KZT per USD at a 'YYYY[-MM[-DD]]' date (None -> latest known)."""
    try:
        from kzinvest.normalise.currency import kzt_per_usd as other
        rate = other(when)
        if rate:
            return float(rate)
    except Exception:
        pass
    years = sorted(KZT_PER_USD_YEAR)
    year = int(when[:4]) if when and when[:4].isdigit() else years[-1]
    year = min(max(year, years[0]), years[-1])
    return KZT_PER_USD_YEAR[year]


def point_for(city: str | None, region: str | None) -> tuple[float, float] | None:
    located = locate(city, region)
    return located[:2] if located else None


def locate(city: str | None, region: str | None) -> tuple[float, float, str] | None:
    """(lon, lat, "city"|"region"): the city when the gazetteer knows it, else the
    region's centre."""
    try:
        from kzinvest.extract import places
    except Exception:
        places = None
    if city and places is not None and hasattr(places, "city_coords"):
        try:
            pt = places.city_coords(city)
            if pt:
                return (*_lon_lat(pt), "city")
        except Exception:
            pass
    if region and places is not None and hasattr(places, "region_centroid"):
        try:
            pt = places.region_centroid(region)
            if pt:
                return (*_lon_lat(pt), "region")
        except Exception:
            pass
    if region in REGION_POINTS:
        return (*REGION_POINTS[region], "region")
    return None


def _lon_lat(pt) -> tuple[float, float]:
    # Accept (lon, lat), (lat, lon) or an object/dict with lat/lon; Kazakhstan's longitudes
    # (46..88) are always larger than its latitudes (40..56), which disambiguates tuples.
    if isinstance(pt, dict):
        return float(pt["lon"]), float(pt["lat"])
    if hasattr(pt, "lat") and hasattr(pt, "lon"):
        return float(pt.lon), float(pt.lat)
    a, b = float(pt[0]), float(pt[1])
    return (a, b) if a > b else (b, a)
