"""Table-driven tests for organisation mentions and the roles their context gives them.

Sentences are written for these tests. A role of None means "could be the investor".
"""
import pytest

from kzinvest.extract.orgs import add_ner_orgs, find_orgs

CASES = [
    # (text, name, role, country)
    ("ТОО «Актау Агро» запустило птицефабрику.", "Актау Агро", None, None),
    ("Китайская компания PENG SHENG построит завод.", "PENG SHENG", None, "CN"),
    ("Малайзийская компания Proton Holdings планирует выпуск машин.", "Proton Holdings", None, "MY"),
    ("Компания Tricolor Textile (Узбекистан) откроет фабрику.", "Tricolor Textile", None, "UZ"),
    ("Партнёр — Jinxin (Xi'an) Seed Technology Co., Ltd. из Китая.", "Jinxin (Xi'an) Seed Technology Co., Ltd.", None, None),
    ("Меморандум подписан с национальной компанией Kazakh Invest.", "Kazakh Invest", "agency", None),
    ("Проект финансирует Европейский банк реконструкции и развития.", "Европейский банк реконструкции и развития", "lender", None),
    ("Основное оборудование поставит компания Risen Energy.", "Risen Energy", "contractor", None),
    ("Генеральным подрядчиком станет ТОО «Строй Сервис».", "Строй Сервис", "contractor", None),
    ("Завод будет выпускать автомобили марки Chery.", "Chery", "brand", None),
    ("Заказчиком проекта выступает ТОО «Медь Смелтинг», подрядчик выбран.", "Медь Смелтинг", None, None),
    ("Об этом NewsTime рассказали в управлении.", "NewsTime", "media", None),
    ("ПАВЛОДАР. KAZINFORM — Компания построит завод.", "KAZINFORM", "media", None),
    ("Аналитики Freedom Finance осторожны в оценках проекта.", "Freedom Finance", "media", None),
    ("Рынок цинка делят два игрока – «Казцинк» и Nova Zinc, разрабатывающая Акжал.", "Nova Zinc", "competitor", None),
    ("Проект реализует ТОО «Aktobe Gypsum» – дочерняя компания турецкой группы Anadolu Alci.",
     "Anadolu Alci", "parent", "TR"),
    ("Предприятие создано совместно АО «Казатомпром» и французской Orano.", "Казатомпром", "affiliate", None),
    ("Предприятие создано совместно АО «Казатомпром» и французской Orano.", "Orano", "affiliate", "FR"),
    ("Открыт завод ТОО «Редмет» — совместного предприятия национальной атомной компании «Казатомпром» и "
     "японской корпорации Sumitomo.", "Sumitomo", "affiliate", "JP"),
    ("Компания Anadolu Efes, турецкий производитель напитков, расширит завод.", "Anadolu Efes", None, "TR"),
    ("Компания Coca-Cola İçecek, турецкий разливщик напитков, открыла линию.", "Coca-Cola İçecek", None, "TR"),
    ("Открыт завод группы Allur. На предприятии ТОО «Сарыарка Авто» работают цеха.", "Allur", "parent", None),
    ("Аким встретился с директором компании Ivanhoe Mines на форуме.", "Ivanhoe Mines", "employer", None),
    ("На форуме представители компании Ivanhoe Mines сообщили, что планируют построить рудник.",
     "Ivanhoe Mines", None, None),
    # Small local firms named by what they are, with the name in quotes.
    ("Крестьянское хозяйство «Жанар ата» построило теплицу на два гектара.", "Жанар ата", None, None),
    ("Цех открыло товарищество с ограниченной ответственностью “Арал балығы”.", "Арал балығы", None, None),
    ("В районе запущен завод «Қызыл таң» по выпуску кирпича.", "Қызыл таң", None, None),
    ("Кооператив «Береке-Агро» открыл молочный цех в селе.", "Береке-Агро", None, None),
    # Legal forms of small firms; a legal form before a list; a name quoting a name.
    ("СХПК «Жетысу бақтары» заложит сад на 80 гектарах.", "Жетысу бақтары", None, None),
    ("КТ «Ержан и К» строит молочную ферму.", "Ержан и К", None, None),
    ("Это проекты ТОО «Алтын Дән», «Шығыс Құрылыс» и «Kazakh Pipes Service».",
     "Шығыс Құрылыс", None, None),
    ("Это проекты ТОО «Алтын Дән», «Шығыс Құрылыс» и «Kazakh Pipes Service».",
     "Kazakh Pipes Service", None, None),
    ("Начато строительство ТОО «Агрокомплекс «Береке» на 300 мест.", "Агрокомплекс «Береке»",
     None, None),
    # A person who invests.
    ("Предприниматель Ерлан Жумабаев откроет цех по розливу воды.", "Ерлан Жумабаев", None, None),
    ("Инвестор А.Смагулов сообщил, что достроит гостиницу.", "А.Смагулов", None, None),
    # "TOO" in Latin letters, and a name hyphenated by print.
    ("Инициатор проекта — директор TOO «Арман» Сакен Оспанов.", "Арман", None, None),
    ("Хозяин комплекса, ТОО «Дор¬строй», достроит гостиницу.", "Дорстрой", None, None),
    # A state co-financier named inside its own name, and a commission.
    ("Средства привлечены через АО \"Социально-предпринимательская корпорация \"Тараз\"\".", "Тараз",
     "lender", None),
]


@pytest.mark.parametrize("text", [
    "Инвесторы Туркестанской области вложат 5 млрд тенге.",   # a place, not a person
    "Предприниматели Казахстана обсудили налоги.",
])
def test_no_person_from_a_place(text):
    assert not [m for m in find_orgs(text) if not m.described]


@pytest.mark.parametrize("text,name,role,country", CASES)
def test_org_roles(text, name, role, country):
    found = {m.name: m for m in find_orgs(text) if not m.described}
    assert name in found, found
    assert found[name].role == role
    if country:
        assert found[name].country == country
    m = found[name]
    assert text[m.start:m.end] == m.text


def test_a_commission_found_by_ner_is_an_agency():
    text = "Соглашение подписали премьер и президент Европейской комиссии."
    start = text.index("Европейской")
    found: list = []
    add_ner_orgs(text, found, [(start, len(text) - 1)])
    assert [(m.name, m.role) for m in found] == [("Европейской комиссии", "agency")]


def test_a_development_fund_found_by_ner_is_a_lender():
    """State development funds lend to or subsidise a project; they do not own it."""
    from kzinvest.extract.orgs import add_ner_orgs
    text = "Проект «Мосты» утверждён Фондом развития промышленности, он получит заём."
    start = text.index("Фондом")
    mentions = []
    add_ner_orgs(text, mentions, [(start, start + len("Фондом развития промышленности"))])
    assert [(m.name, m.role) for m in mentions] == [("Фондом развития промышленности", "lender")]


DESCRIBED = [
    ("Отечественный предприниматель строит молочную ферму.", "KZ", None),
    ("Местный предприниматель открыл цех.", "KZ", None),
    ("Проект реализуется совместно с чешской компанией.", "CZ", None),
    ("Инвесторы из Турции вложат 6 млрд тенге.", "TR", None),
    ("Узбекский производитель наладил выпуск техники.", "UZ", None),
    ("Генеральным подрядчиком выступает китайская компания.", "CN", "contractor"),
    ("Заказчик – ТОО «Газ», генеральным подрядчиком – китайская инжиниринговая компания.", "CN", "contractor"),
    # A country that opens its clause and invests, or takes part: an investor left unnamed.
    ("Узбекистан построит в Туркестанской области текстильную фабрику.", "UZ", None),
    ("Рост товарооборота заметен. Китай инвестирует в завод 300 млн долларов.", "CN", None),
    ("В Костанае построят завод с участием России.", "RU", None),
]


@pytest.mark.parametrize("text", [
    "Экспорт в Китай вырос на 10 %.",                       # a destination, not an investor
    "Казахстан построит три новые ТЭЦ.",                   # the state at home is not an investor
    "Россия и Казахстан обсудили сотрудничество.",          # no investing verb
    "Поставки из Китая планирует увеличить компания.",      # not at the clause start
])
def test_countries_that_are_not_investors(text):
    assert [m for m in find_orgs(text) if m.described] == []


@pytest.mark.parametrize("text,country,role", DESCRIBED)
def test_described_investors(text, country, role):
    described = [m for m in find_orgs(text) if m.described]
    assert [(m.country, m.role) for m in described] == [(country, role)]


def test_kazakh_side_is_the_government_not_a_firm():
    assert [m for m in find_orgs("Трибунал согласился с доводами казахстанской стороны.") if m.described] == []


@pytest.mark.parametrize("text", [
    "Курс: USD 449,50 EUR 486,12.",
    "Мощность терминала — 240 тысяч TEU в год.",
    "Читайте нас в Telegram и WhatsApp.",
    "Фестиваль KGIR-2025 прошёл в Алматы.",
    "Вторсырьё пойдёт на предприятия Алматинской области.",
    "Цена\nNone\nАвтор\nNone\nПоделиться",
    "Инициатор проекта — TOO и его партнёры.",
    # The person who runs or owns a firm, named after the firm's head word.
    "Запуск запланирован на осень, - рассказывает генеральный директор предприятия Евгений Балашов.",
    "Главный учредитель компании Бинода Чаудхари посетил район.",
    "Как считает технолог предприятия Насипкали Джилкайдаров, запуск завода важен.",
    "Проекты ранее были анонсированы главой холдинга Шотой Абхазавой.",
])
def test_not_companies(text):
    assert [m.name for m in find_orgs(text) if not m.described] == []
