"""Table tests for country mentions (kzinvest.extract.countries)."""
import pytest

from kzinvest.extract.countries import country_by_adjective, country_name_ru, find_countries


def codes(text):
    return [m.country for m in find_countries(text)]


COUNTRIES = [
    ("малайзийская компания", ["MY"]),
    ("китайской компанией", ["CN"]),
    ("южнокорейские инвесторы", ["KR"]),
    ("турецкого производителя", ["TR"]),
    ("инвестор из Турции", ["TR"]),
    ("компания (Узбекистан)", ["UZ"]),
    ("казахстанский завод", ["KZ"]),
    ("узбекский производитель", ["UZ"]),
    ("французская Alstom", ["FR"]),
    ("американской Wabtec", ["US"]),
    ("итальянскому холдингу", ["IT"]),
    ("немецкая компания", ["DE"]),
    ("германским концерном", ["DE"]),
    ("британских инвесторов", ["GB"]),
    ("канадская Ivanhoe", ["CA"]),
    ("польские фермеры", ["PL"]),
    ("чешская компания", ["CZ"]),
    ("испанская Talgo", ["ES"]),
    ("российского КАМАЗа", ["RU"]),
    ("японских", ["JP"]),
    ("индийская фирма", ["IN"]),
    ("эмиратская Masdar", ["AE"]),
    ("катарский фонд", ["QA"]),
    ("саудовская ACWA Power", ["SA"]),
    ("корейская компания", ["KR"]),
    ("в Китае", ["CN"]),
    ("из Китая", ["CN"]),
    ("с Республикой Корея", ["KR"]),
    ("из Южной Кореи", ["KR"]),
    ("в США", ["US"]),
    ("из ОАЭ", ["AE"]),
    ("из Нидерландов", ["NL"]),
    ("из России", ["RU"]),
    ("КНР", ["CN"]),
    ("итальянцы и турки", ["IT", "TR"]),
    ("китайцы", ["CN"]),
    ("немцы", ["DE"]),
    ("казахстанско-китайское предприятие", ["KZ", "CN"]),
    ("Европейского союза", []),
    ("того же года", []),
    ("перу", []),
]


@pytest.mark.parametrize("text,expected", COUNTRIES)
def test_countries(text, expected):
    assert codes(text) == expected


def test_offsets():
    text = "Инвестор из Турции построит завод."
    ms = find_countries(text)
    assert len(ms) == 1 and text[ms[0].start:ms[0].end] == "Турции" == ms[0].text


@pytest.mark.parametrize("code,name", [("CN", "Китай"), ("TR", "Турция"), ("KR", "Южная Корея"), ("US", "США"),
                                       ("MY", "Малайзия")])
def test_country_name_ru(code, name):
    assert country_name_ru(code) == name


def test_country_by_adjective():
    assert country_by_adjective("малайзийская") == "MY"
    assert country_by_adjective("шведскими") == "SE"
    assert country_by_adjective("зелёная") is None
