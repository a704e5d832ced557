"""Table-driven tests for the sector and stage cue tables. Sentences written for these tests."""
import pytest

from kzinvest.extract.sectors import best_sector, sector_scores
from kzinvest.extract.stages import furthest, stage_of

SECTORS = [
    ("Завод будет выпускать грузовые автомобили и автобусы.", "automotive"),
    ("Компания построит депо по ремонту локомотивов и вагонов.", "rail"),
    ("Запущен цех по сборке тракторов и комбайнов.", "machinery"),
    ("Медеплавильный завод выпустит катодную медь.", "metallurgy"),
    ("Начата добыча руды на новом руднике.", "mining"),
    ("Газоперерабатывающий завод переработает 1 млрд кубометров газа.", "oil_gas"),
    ("Производство удобрений и полиэтилена откроют в химическом парке.", "chemicals"),
    ("Ветровая электростанция мощностью 100 МВт.", "energy"),
    ("Завод будет выпускать аккумуляторы и трансформаторы.", "electronics"),
    ("Цементный завод мощностью 1 млн тонн цемента.", "construction_materials"),
    ("Тепличный комплекс будет выращивать овощи.", "agri_food"),
    ("Текстильная фабрика выпускает пряжу и ткани.", "consumer_goods"),
    ("Фармацевтический завод по выпуску лекарств.", "pharma"),
    ("Логистический хаб с контейнерным терминалом.", "logistics"),
    ("Мусороперерабатывающий завод утилизирует отходы.", "utilities"),
    ("Кампус центров обработки данных.", "it"),
    ("Пятизвёздочный отель на берегу озера.", "tourism"),
    ("Жилой комплекс на 500 квартир.", "real_estate"),
    ("Компания рассказала о своих планах.", "other"),
]


@pytest.mark.parametrize("text,sector", SECTORS)
def test_sector(text, sector):
    assert best_sector(sector_scores(text)) == sector


STAGES = [
    ("Стороны обсудили возможность строительства завода.", None),
    ("Подписан меморандум о строительстве завода.", "memorandum"),
    ("Подписано соглашение о намерениях.", "memorandum"),
    ("Правительство одобрило инвестиционное соглашение с компанией.", "agreement"),
    ("Стороны заключили контракт на строительство.", "agreement"),
    ("В Актобе стартовало строительство завода.", "construction"),
    ("Строительство цеха уже идёт.", "construction"),
    ("На площадке заложили капсулу времени.", "construction"),
    ("Холдинг приступил к возведению квартала.", "construction"),
    ("Завод введён в эксплуатацию в апреле.", "launched"),
    ("Предприятие начало работу.", "launched"),
    ("Компания начала промышленную добычу урана.", "launched"),
    ("Ввести завод в эксплуатацию планируется в 2026 году.", None),
    ("Завод будет запущен в следующем году.", None),
    ("Первый этап его строительства уже завершён.", "launched"),
    ("Стороны намерены подписать инвестиционное соглашение.", None),
    ("В акимате подписан договор о строительстве завода.", "agreement"),
]


@pytest.mark.parametrize("text,stage", STAGES)
def test_stage(text, stage):
    assert stage_of(text) == stage


def test_furthest_stage_wins():
    assert furthest(["memorandum", None, "construction", "agreement"]) == "construction"
    assert furthest([None, None]) == "negotiation"
