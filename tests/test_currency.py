"""Currency normalisation: NBK monthly table for KZT (and RUB/CNY), ECB data otherwise."""
import csv
from importlib import resources

import pytest

from kzinvest.normalise.currency import kzt_per_usd, to_usd


def test_table_shipped():
    path = resources.files("kzinvest").joinpath("data/rates/kzt_monthly.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["month"] == "2010-01"
    assert len(rows) >= 200


@pytest.mark.parametrize("date,rate", [
    ("2022-03-15", 498.66913),           # month mean recomputed from the daily series
    ("2022-03-01", 498.66913),
    ("2010-01-20", 148.129524),
    ("2005-06-01", 148.129524),          # before the table: the earliest month
    (None, 441.385),                     # no date: the latest month
    ("2099-01-01", 441.385),             # after the table: the latest month
])
def test_kzt_per_usd(date, rate):
    assert kzt_per_usd(date) == pytest.approx(rate)


def test_kzt_per_usd_year_and_month_forms():
    assert kzt_per_usd("2022-03") == pytest.approx(498.66913)
    assert 440 < kzt_per_usd("2022") < 480        # mean over 2022's months
    assert kzt_per_usd(2010) == kzt_per_usd("2010")
    assert kzt_per_usd("2024-12-12T19:59") == kzt_per_usd("2024-12-01")


def test_kzt_per_usd_plausible_over_time():
    assert 140 < kzt_per_usd("2013-06-01") < 160     # before the 2014 devaluation
    assert 300 < kzt_per_usd("2016-06-01") < 360     # after the 2015 float
    assert 400 < kzt_per_usd("2024-06-01") < 500


def test_kzt_to_usd():
    assert to_usd(498.66913e6, "KZT", "2022-03-10") == pytest.approx(1e6)
    assert to_usd(103e9, "KZT", "2024-06-03") == pytest.approx(103e9 / kzt_per_usd("2024-06-03"))


def test_usd_identity():
    assert to_usd(5e6, "USD", "2020-01-01") == 5e6
    assert to_usd(5e6, "usd", None) == 5e6


def test_eur_via_ecb():
    v = to_usd(120e6, "EUR", "2023-10-19")
    assert 120e6 * 1.0 < v < 120e6 * 1.15
    assert to_usd(1e6, "EUR", "2023-10-21") == pytest.approx(to_usd(1e6, "EUR", "2023-10-20"), rel=0.01)


def test_other_currencies():
    assert 1.1e6 < to_usd(1e6, "GBP", "2020-01-15") < 1.4e6
    assert 8_000 < to_usd(1e6, "JPY", "2019-05-06") < 10_000
    assert 600 < to_usd(1e6, "KRW", "2022-06-01") < 1_000
    assert to_usd(3.6725e6, "AED", None) == pytest.approx(1e6)
    assert to_usd(1e6, "EUR", None) > 0


def test_rub_cny_via_nbk():
    # 2022-11: KZT per RUB / KZT per USD
    v = to_usd(13e9, "RUB", "2022-11-15")
    assert 150e6 < v < 260e6
    assert 130_000 < to_usd(1e6, "CNY", "2024-01-10") < 150_000


def test_unknown_currency():
    assert to_usd(1e6, "XYZ", "2020-01-01") is None
    assert to_usd(1e6, "", None) is None
