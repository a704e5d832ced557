"""Whole-article behaviours of the assembler, on short articles written for these tests."""
from __future__ import annotations

from kzinvest import extract_text


def projects(text: str):
    return [r for r in extract_text(text) if r.kind == "project"]


def test_one_investor_two_undertakings_keep_their_own_amounts():
    text = ("Узбекская компания Artel построит в области Жетісу завод бытовой техники стоимостью 25 млн долларов.\n"
            "Кроме того, Artel откроет в Алматы сервисный центр и склад. В этот объект компания вложит "
            "полмиллиарда тенге.")
    found = sorted(projects(text), key=lambda r: r.amount or 0)
    assert len(found) == 2
    assert {r.amount for r in found} == {25e6, 5e8}
    assert {r.region for r in found} == {"KZ-33", "KZ-75"}


def test_contractor_supplier_and_lender_are_not_investors():
    text = ("Инициатор проекта — ТОО «Жаркын Энерджи» — построит солнечную электростанцию под Балхашем "
            "стоимостью 40 млн долларов. Генеральным подрядчиком выступает китайская компания, а основное "
            "оборудование поставит компания Solar Panels Ltd. Проект финансирует Европейский банк "
            "реконструкции и развития.")
    found = projects(text)
    assert [r.investor for r in found] == ["Жаркын Энерджи"]
    assert found[0].investor_country == "KZ" and found[0].region == "KZ-35"


def test_meeting_place_does_not_place_the_plant():
    text = ("Премьер-министр в Астане встретился с руководством японской компании Sojitz Corporation. "
            "Стороны обсудили планы компании построить завод удобрений.")
    found = projects(text)
    assert [(r.investor, r.investor_country, r.region) for r in found] == [("Sojitz Corporation", "JP", None)]


def test_project_abroad_is_not_a_project_in_kazakhstan():
    text = "Казахстанская компания «Агро Трейд» построит мукомольный завод в Узбекистане за 10 млн долларов."
    assert projects(text) == []


def test_background_paragraph_does_not_lend_its_stage():
    text = ("Компания Tekstil Group готова вложить $10 млн в текстильную фабрику в Туркестанской области.\n\n"
            "Напомним, в 2020 году в Туркестане открылась другая текстильная фабрика. "
            "Объём инвестиций в неё составил 700 млн тенге.")
    found = projects(text)
    assert [(r.investor, r.stage, r.amount) for r in found] == [("Tekstil Group", "negotiation", 10e6)]


def test_byline_outlet_is_not_an_investor():
    text = ("Kapital.kz | 21 марта 2023\n"
            "Эмиратская компания Al Dahra подписала меморандум о строительстве завода кормов в Туркестанской "
            "области стоимостью 100 млн долларов.")
    found = projects(text)
    assert [(r.investor, r.investor_country, r.stage) for r in found] == [("Al Dahra", "AE", "memorandum")]


def test_permanent_jobs_not_construction_jobs():
    text = ("ТОО «Qazaq Steel» строит в Темиртау прокатный стан стоимостью 200 млн долларов. На пике стройки "
            "будут заняты 1 200 человек, а после запуска постоянную работу получат 300 человек.")
    [record] = projects(text)
    assert record.jobs == 300 and record.stage == "construction" and record.sector == "metallurgy"


def test_akimat_list_keeps_each_described_investor_apart():
    text = ("О ходе реализации инвестиционных проектов района.\n"
            "ТОО «Семей Тері» возобновило работу кожевенного цеха. Вложено 1,1 млрд тенге.\n"
            "Местный предприниматель строит гостевой комплекс в Кокпектинском районе. Объем инвестиций – "
            "600 млн тенге.")
    found = {(r.investor, r.investor_country, r.sector, r.amount) for r in projects(text)}
    assert ("Семей Тері", "KZ", "consumer_goods", 1.1e9) in found
    assert (None, "KZ", "tourism", 6e8) in found


def test_project_outside_kazakhstan_is_dropped_even_with_kazakh_assets_named():
    text = ("Группа Медь Холдинг получила кредит на строительство горно-обогатительного комбината на Чукотке "
            "стоимостью $8 млрд. Это первый крупный проект группы за пределами Казахстана, где компания "
            "управляет Актогаем.")
    assert projects(text) == []


def test_a_project_in_kazakhstan_beside_the_investor_s_foreign_ones_is_kept():
    """The investor's projects in Russia (a foreign region) are named in the same breath;
    the one it invests in "в Казахстане" stays a project here, the rest do not."""
    text = ("Компания Zoloto Corp сосредоточится на новом проекте в Казахстане, куда нужно "
            "вложить до $640 млн. Компания не планирует расширять добычу на руднике «Ключ» "
            "(Свердловская область).")
    assert [(r.investor, r.amount) for r in projects(text)] == [("Zoloto Corp", 640e6)]
    abroad = "Компания Zoloto Corp не планирует расширять добычу на руднике «Ключ» (Свердловская область)."
    assert projects(abroad) == []


def test_a_first_plant_outside_the_investors_own_country_is_kept():
    """"за пределами Республики Корея" says where the investor had never built, not that
    this plant is abroad."""
    text = ("Автозавод Kia появится в Костанае\n\nКомпания Kia Corporation построит в Костанае "
            "завод стоимостью 90 млрд тенге, будет создано 1500 рабочих мест. Kia впервые "
            "строит завод за пределами Республики Корея.")
    assert [(r.investor, r.region) for r in projects(text)] == [("Kia Corporation", "KZ-39")]


def test_region_press_office_places_an_unplaced_project():
    text = ("Меморандум о строительстве кампуса центров обработки данных подписали ТОО «Дата Парк» и ТОО "
            "«Цифра», сообщила пресс-служба акимата Акмолинской области. Стоимость проекта – 50 млрд тенге.")
    assert {r.region for r in projects(text)} == {"KZ-11"}


def test_plural_memoranda_with_a_sum_are_an_aggregate():
    text = ("Область подписала с китайскими партнёрами меморандумы на 300 млн долларов.\n"
            "Китайская компания Sino Roads построит объездную дорогу вокруг Туркестана.")
    [record] = projects(text)
    assert record.amount is None and record.sector == "logistics"
