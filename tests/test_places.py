"""Table tests for the Kazakhstan gazetteer (kzinvest.extract.places)."""
from pathlib import Path

import pytest

from kzinvest.extract.places import (
    REGIONS, PlaceMention, city_coords, city_region, find_places, region_centroid, region_name,
)


def first(text):
    ps = [p for p in find_places(text) if p.kind != "foreign"]
    return (ps[0].region, ps[0].city) if ps else None


PLACES = [
    # regions, full and short forms, all cases
    ("Завод построят в Туркестанской области.", ("KZ-61", None)),
    ("Туркестанская область привлекла инвестиции.", ("KZ-61", None)),
    ("проект в области Абай", ("KZ-10", None)),
    ("Область Абай стала лидером", ("KZ-10", None)),
    ("в области Жетісу", ("KZ-33", None)),
    ("в области Жетысу", ("KZ-33", None)),
    ("в области Улытау", ("KZ-62", None)),
    ("в Алматинской области", ("KZ-19", None)),
    ("Восточно-Казахстанской областью", ("KZ-63", None)),
    ("предприятия ВКО", ("KZ-63", None)),
    ("в Южно-Казахстанской области (2015)", ("KZ-61", None)),
    ("Семипалатинской области", ("KZ-10", None)),
    ("в Мангистауской области", ("KZ-47", None)),
    ("Павлодарский регион", ("KZ-55", None)),
    ("Карагандинского региона", ("KZ-35", None)),
    ("в Северо-Казахстанской области", ("KZ-59", None)),
    ("в Мангистау", ("KZ-47", None)),
    # republican cities, old names
    ("в Алматы", ("KZ-75", "Алматы")),
    ("в Алма-Ате", ("KZ-75", "Алматы")),
    ("в городе Нур-Султане", ("KZ-71", "Астана")),
    ("в Целинограде", ("KZ-71", "Астана")),
    ("в Астане", ("KZ-71", "Астана")),
    ("в Чимкенте", ("KZ-79", "Шымкент")),
    ("Шымкента", ("KZ-79", "Шымкент")),
    # towns with inflection
    ("в Семее", ("KZ-10", "Семей")),
    ("Семея", ("KZ-10", "Семей")),
    ("город Семей", ("KZ-10", "Семей")),
    ("в Семипалатинске", ("KZ-10", "Семей")),
    ("в городе Шу", ("KZ-31", "Шу")),
    ("в Сарани", ("KZ-35", "Сарань")),
    ("в Костанае", ("KZ-39", "Костанай")),
    ("в Усть-Каменогорске", ("KZ-63", "Усть-Каменогорск")),
    ("в Талдыкоргане", ("KZ-33", "Талдыкорган")),
    ("на Актогае", ("KZ-10", "Актогай")),
    ("в селе Бадам", ("KZ-61", "Бадам")),
    ("в Ногайбае", ("KZ-31", "Ногайбай")),
    ("в Тоболе", ("KZ-39", "Тобол")),
    ("в Ескене", ("KZ-23", "Ескене")),
    ("в Жайреме", ("KZ-62", "Жайрем")),
    ("в Алатау", ("KZ-19", "Алатау")),
    ("в Рудном", ("KZ-39", "Рудный")),
    ("в Экибастузе", ("KZ-55", "Экибастуз")),
    ("в Уральске", ("KZ-27", "Уральск")),
    ("в Петропавловске", ("KZ-59", "Петропавловск")),
    ("в Кокшетау", ("KZ-11", "Кокшетау")),
    ("в Конаеве", ("KZ-19", "Конаев")),
    ("в Капчагае", ("KZ-19", "Конаев")),
    ("в Жезказгане", ("KZ-62", "Жезказган")),
    ("в Темиртау", ("KZ-35", "Темиртау")),
    ("в Актау", ("KZ-47", "Актау")),
    ("в Кульсарах", ("KZ-23", "Кульсары")),
    # districts
    ("Келесский район", ("KZ-61", None)),
    ("в Келесском районе", ("KZ-61", None)),
    ("района Беимбета Майлина", ("KZ-39", None)),
    ("в Тупкараганском районе", ("KZ-47", None)),
    ("в Карасайском районе", ("KZ-19", None)),
    ("Бухар-Жырауского района", ("KZ-35", None)),
    ("в Медеуском районе", ("KZ-75", "Алматы")),
    ("в районе Биржан сал", ("KZ-11", None)),
    # zones
    ("в СЭЗ «Павлодар»", ("KZ-55", "Павлодар")),
    ("на территории СЭЗ «Сарыарка»", ("KZ-35", "Караганда")),
    ("специальной экономической зоны «Хоргос – Восточные ворота»", ("KZ-33", "Хоргос")),
    ("в СЭЗ \"Химический парк Тараз\"", ("KZ-31", "Тараз")),
    ("в индустриальной зоне «Сарань»", ("KZ-35", "Сарань")),
    ("индустриальной зоны «Талдыкорган»", ("KZ-33", "Талдыкорган")),
    ("в СЭЗ «Астана – новый город»", ("KZ-71", "Астана")),
    ("на месторождении Тенгиз", ("KZ-23", None)),
]


@pytest.mark.parametrize("text,expected", PLACES)
def test_place(text, expected):
    assert first(text) == expected


ZONE_NAMES = [
    ("в СЭЗ «Павлодар»", "СЭЗ «Павлодар»"),
    ("в индустриальной зоне «Сарань»", "индустриальная зона «Сарань»"),
    ("на территории СЭЗ «Сарыарка»", "СЭЗ «Сарыарка»"),
]


@pytest.mark.parametrize("text,name", ZONE_NAMES)
def test_zone_name(text, name):
    ps = find_places(text)
    assert ps and ps[0].kind == "zone" and ps[0].name == name


NEGATIVE = [
    "Мир и дружба",
    "Абай Кунанбаев писал стихи",
    "по проспекту Абая",
    "Победа была близка",
    "Заря нового дня",
    "Октябрь выдался тёплым",
    "Береке и бережливость",
    "Казахстан и Китай подписали соглашение",
    "Шумный город",
    "Это тенге",
    "ФК «Тобол» выиграл матч",
    "выставочный центр «Атакент»",
    "Нура Ахметова рассказала",
    "улица Сатпаева",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_no_kazakh_place(text):
    assert [p for p in find_places(text) if p.kind != "foreign"] == []


FOREIGN = [
    ("китайский город Алтай", "Алтай"),
    ("в китайском городе Хоргос", "Хоргос"),
    ("в Москве", "Москва"),
    ("на Иссык-Куле", "Иссык-Куль"),
    ("в Ташкенте", "Ташкент"),
    ("в Бишкеке", "Бишкек"),
    ("Ферганской долины", "Фергана"),
    ("в Алтайском крае", "Алтайский край"),
]


@pytest.mark.parametrize("text,name", FOREIGN)
def test_foreign(text, name):
    ps = find_places(text)
    assert ps and ps[0].kind == "foreign" and ps[0].region is None
    assert ps[0].name == name


def test_offsets_and_text():
    text = "Новый завод откроют в Семее и в Туркестанской области."
    ps = find_places(text)
    assert [p.text for p in ps] == ["Семее", "Туркестанской области"]
    for p in ps:
        assert text[p.start:p.end] == p.text
        assert isinstance(p, PlaceMention)


def test_context_disambiguates_district():
    # Абайский район exists in three regions; the region named nearby decides
    ps = find_places("В Карагандинской области, в Абайском районе, построят завод.")
    assert ps[-1].kind == "district" and ps[-1].region == "KZ-35"


def test_regions_table():
    assert len(REGIONS) == 20
    assert set(REGIONS) == {"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33",
                            "KZ-35", "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62",
                            "KZ-63", "KZ-71", "KZ-75", "KZ-79"}
    assert region_name("KZ-10") == "область Абай"
    assert region_name("KZ-10", "en") == "Abai Region"
    assert region_name("KZ-61") == "Туркестанская область"
    assert REGIONS[0].kk == "Абай облысы"
    lon, lat = region_centroid("KZ-71")
    assert 71 < lon < 72 and 50.9 < lat < 51.4
    lon, lat = region_centroid("KZ-63")
    assert 80 < lon < 87 and 47 < lat < 51


def test_city_lookups():
    lon, lat = city_coords("Семей")
    assert 80 < lon < 81 and 50 < lat < 51
    assert city_coords("Семипалатинск") == city_coords("Семей")
    assert city_coords("Атлантида") is None
    assert city_region("Шу") == "KZ-31"
    assert city_region("Талдыкорган") == "KZ-33"


DEV = Path(__file__).resolve().parents[2] / "shared" / "dev" / "articles"


@pytest.mark.skipif(not DEV.is_dir(), reason="shared dev articles absent")
def test_dev_articles_do_not_crash():
    for p in sorted(DEV.glob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        for m in find_places(text):
            assert text[m.start:m.end] == m.text


def test_foreign_homonym_stays_foreign_in_the_same_text():
    ps = find_places("Делегация посетила китайский город Алтай. В Алтае работает завод.")
    assert [p.kind for p in ps] == ["foreign", "foreign"]


GOLD = DEV.parent / "gold.jsonl"


def _read_article(path):
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        texts = [raw.decode(enc, errors="replace") for enc in ("cp1251", "koi8-r")]
        return max(texts, key=lambda t: sum(t.count(c) for c in "оеа"))


@pytest.mark.skipif(not GOLD.is_file(), reason="shared dev gold absent")
def test_gold_cities_are_found_with_their_region():
    import json

    misses = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        city, region, f = rec.get("city"), rec.get("region"), rec.get("file")
        if not city or not isinstance(region, str) or not f or not (DEV / f).is_file():
            continue
        text = _read_article(DEV / f)
        got = {(m.city, m.region) for m in find_places(text)}
        if (city, region) not in got:
            misses.append((f, city, region))
    assert misses == []


@pytest.mark.parametrize("text,region", [
    ("В Сайрам ауданы Түркістан облысы построят теплицы.", "KZ-61"),
    ("Ферма в Әулиекөл ауданында начала работу.", "KZ-39"),
])
def test_kazakh_district_forms(text, region):
    districts = [p for p in find_places(text) if p.kind == "district"]
    assert districts and districts[0].region == region
