"""Table tests for the company registry (kzinvest.extract.companies)."""
import csv
from importlib import resources

import pytest

from kzinvest.extract.companies import (
    all_companies, find_known_companies, lookup_company, normalize_company_name,
)

LOOKUPS = [
    ("КАМАЗа", "KAMAZ", "RU"),
    ("ПАО «КАМАЗ»", "KAMAZ", "RU"),
    ("KAMAZ", "KAMAZ", "RU"),
    ("Протон", "Proton", "MY"),
    ("Proton Holdings", "Proton", "MY"),
    ("Р-Фармы", "R-Pharm", "RU"),
    ("R-Pharm", "R-Pharm", "RU"),
    ("ТОО «Казцинк»", "Казцинк", "KZ"),
    ("Kazzinc LLP", "Казцинк", "KZ"),
    ("Хендай", "Hyundai", "KR"),
    ("Hyundai Motor Company", "Hyundai", "KR"),
    ("Алстом", "Alstom", "FR"),
    ("Вабтек", "Wabtec", "US"),
    ("Хевел", "Хевел", "RU"),
    ("Patentes Talgo", "Talgo", "ES"),
    ("Лотте", "Lotte", "KR"),
    ("Лакталис", "Lactalis", "FR"),
    ("Меггле", "Meggle", "DE"),
    ("Кремонини", "Cremonini", "IT"),
    ("China Gezhouba Group Cement Co Ltd", "China Gezhouba Group", "CN"),
    ("Chery Automobile Co., Ltd.", "Chery", "CN"),
    ("Кока-Колы", "Coca-Cola", "US"),
    ("Ivanhoe Mines Ltd.", "Ivanhoe Mines", "CA"),
    ("АрселорМиттал Темиртау", "Qarmet", "KZ"),
    ("Астана Моторс", "Astana Motors", "KZ"),
    ("КТЖ", "Казахстан темир жолы", "KZ"),
]


@pytest.mark.parametrize("query,name,country", LOOKUPS)
def test_lookup(query, name, country):
    c = lookup_company(query)
    assert c is not None, query
    assert (c.name, c.country) == (name, country)


@pytest.mark.parametrize("query", ["Kazakh Invest", "АО «НК «Kazakh Invest»", "Самрук-Казыны", "Байтерек",
                                   "ЕБРР", "Банк развития Казахстана"])
def test_agencies_are_not_investors(query):
    c = lookup_company(query)
    assert c is not None and c.is_agency


@pytest.mark.parametrize("query", ["Неизвестная компания", "Monterra Qasaqstan", "", "ТОО"])
def test_unknown(query):
    assert lookup_company(query) is None


@pytest.mark.parametrize("raw,key", [
    ("ТОО «Казцинк»", "kaztsink"),
    ("Proton Holdings Berhad", "proton"),
    ("KAMAZ", "kamaz"),
    ("ПАО «КАМАЗ»", "kamaz"),
])
def test_normalize(raw, key):
    assert normalize_company_name(raw) == key


def test_find_known_companies():
    text = "Соглашение подписали ПАО «КАМАЗ», Kazakh Invest и представители Хевела."
    found = find_known_companies(text)
    assert [c.name for _, _, c in found] == ["KAMAZ", "Kazakh Invest", "Хевел"]
    for s, e, _c in found:
        assert text[s:e] in ("КАМАЗ", "ПАО \u00abКАМАЗ\u00bb", "Kazakh Invest", "Хевела")


def test_registry_size_and_columns():
    comps = all_companies()
    assert len(comps) >= 300
    sectors = {"automotive", "rail", "machinery", "metallurgy", "mining", "oil_gas", "chemicals", "energy",
               "electronics", "construction_materials", "agri_food", "consumer_goods", "pharma", "logistics",
               "utilities", "it", "tourism", "real_estate", "other"}
    for c in comps:
        assert c.sector in sectors, c
        assert c.role in {"company", "national", "agency", "financier", "media"}, c
        assert c.country is None or (len(c.country) == 2 and c.country.isupper()), c
    path = resources.files("kzinvest").joinpath("data", "companies.csv")
    with path.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["name", "country", "aliases", "sector", "role"]
