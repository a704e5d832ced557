"""A small, hand-made registry for the web tests: real Store, hand-written Records.

Records are given directly (no extractor involved), so the web tests do not move when the
extractor changes. Evidence sentences are verbatim substrings of each article's text; the
store computes their offsets. `spans_of` names, per field, the phrase that supports it (its
first occurrence becomes the record's `spans`); `confidence` is 0.5 unless given (КАМАЗ and
China Power sure, Agro Invest and DP World doubtful).
"""
from __future__ import annotations

from kzinvest.model import Document, Record

TODAY = "2026-01-01"
TOKEN = "test-token-1234"

XSS_SCRIPT = "<script>window.__xss = 1; alert('xss')</script>"
XSS_IMG = '<img src="x" onerror="window.__xss = 2; alert(2)">'
XSS_INVESTOR = '<b onmouseover="window.__xss=3">Evil</b> Metals "Corp"'

# (key, article text, published, title, url, [records as dicts])
ARTICLES = [
    ("hyrasia_2021",
     "Немецкая компания Svevind Energy подписала меморандум о строительстве комплекса зелёного "
     "водорода в Мангистауской области. Предварительная оценка стоимости проекта — порядка "
     "50 млрд долларов. Документ носит рамочный характер.",
     "2021-10-27", "Немецкий девелопер построит комплекс водорода", "https://example.kz/news/hyrasia-2021",
     [dict(investor="Svevind Energy", investor_country="DE", region="KZ-47", city="Актау",
           sector="energy", amount=50e9, currency="USD", amount_usd=50e9, jobs=3000,
           stage="memorandum", date="2021-10-27",
           evidence=["Немецкая компания Svevind Energy подписала меморандум о строительстве комплекса "
                     "зелёного водорода в Мангистауской области.",
                     "Предварительная оценка стоимости проекта — порядка 50 млрд долларов."])]),
    ("hyrasia_2022",
     "Правительство Казахстана и Svevind Energy подписали инвестиционное соглашение по проекту "
     "зелёного водорода в Мангистауской области. Стоимость проекта оценивается в 50 млрд долларов.",
     "2022-12-01", "Подписано соглашение по водородному проекту", "https://example.kz/news/hyrasia-2022",
     [dict(investor="Svevind Energy", investor_country="DE", region="KZ-47", city="Актау",
           sector="energy", amount=50e9, currency="USD", amount_usd=50e9, jobs=3000,
           stage="agreement", date="2022-12-01",
           evidence=["Правительство Казахстана и Svevind Energy подписали инвестиционное соглашение "
                     "по проекту зелёного водорода в Мангистауской области."])]),
    ("mirny",
     "Французская компания Total Eren завершила строительство ветровой электростанции «Мирный» "
     "в Жамбылской области. Инвестиции составили 1,1 млрд долларов, создано 150 рабочих мест.",
     "2024-06-15", "ВЭС «Мирный» запущена", None,
     [dict(investor="Total Eren", investor_country="FR", region="KZ-31", city="Мирный",
           sector="energy", amount=1.1e9, currency="USD", amount_usd=1.1e9, jobs=150,
           stage="launched", date="2024-06-15",
           evidence=["Французская компания Total Eren завершила строительство ветровой электростанции "
                     "«Мирный» в Жамбылской области."])]),
    ("kpi",
     "Kazakhstan Petrochemical Industries запустила завод по производству полипропилена в Атырауской "
     "области. Стоимость проекта составила 2,6 млрд долларов, на заводе работают 650 человек.",
     "2022-11-20", "Завод полипропилена запущен", None,
     [dict(investor="Kazakhstan Petrochemical Industries", investor_country="KZ", region="KZ-23",
           city="Атырау", sector="chemicals", amount=2.6e9, currency="USD", amount_usd=2.6e9, jobs=650,
           stage="launched", date="2022-11-20",
           evidence=["Kazakhstan Petrochemical Industries запустила завод по производству полипропилена "
                     "в Атырауской области."])]),
    ("kamaz",
     "ПАО «КАМАЗ» и акимат Костанайской области подписали меморандум о строительстве завода "
     "грузовых автомобилей. Объём инвестиций — 185,6 млрд тенге, планируется 1 200 рабочих мест.",
     "2021-03-10", "КАМАЗ построит завод в Костанае", None,
     [dict(investor="КАМАЗ", investor_country="RU", region="KZ-39", city="Костанай",
           sector="automotive", amount=185.6e9, currency="KZT", amount_usd=440e6, jobs=1200,
           stage="memorandum", date="2021-03-10", confidence=0.93,
           spans_of={"investor": "КАМАЗ", "amount": "185,6 млрд тенге",
                     "jobs": "1 200 рабочих мест", "region": "Костанайской области",
                     "city": "Костанайской области",
                     "stage": "акимат Костанайской области подписали меморандум",
                     "sector": "завода грузовых автомобилей"},
           evidence=["ПАО «КАМАЗ» и акимат Костанайской области подписали меморандум о строительстве "
                     "завода грузовых автомобилей."])]),
    ("semey_energy",
     "Китайская компания China Power построит угольную ТЭЦ в Семее. Стоимость проекта — "
     "300 млн долларов. Переговоры с акиматом Абайской области продолжаются.",
     "2025-03-01", "Китайцы построят ТЭЦ в Семее", None,
     [dict(investor="China Power", investor_country="CN", region="KZ-10", city="Семей",
           sector="energy", amount=300e6, currency="USD", amount_usd=300e6, jobs=400,
           stage="negotiation", date="2025-03-01", confidence=0.88,
           spans_of={"investor": "China Power", "amount": "300 млн долларов", "city": "Семее"},
           evidence=["Китайская компания China Power построит угольную ТЭЦ в Семее."])]),
    ("semey_solar",
     "В Абайской области началось строительство солнечной электростанции мощностью 100 МВт. "
     "Инвестор — казахстанская компания Samruk-Green Energy, вложения составят 90 млн долларов.",
     "2025-05-20", "Солнечная станция в области Абай", None,
     [dict(investor="Samruk-Green Energy", investor_country="KZ", region="KZ-10", city="Аягоз",
           sector="energy", amount=90e6, currency="USD", amount_usd=90e6, jobs=60,
           stage="construction", date="2025-05-20",
           evidence=["В Абайской области началось строительство солнечной электростанции мощностью 100 МВт."])]),
    ("semey_meat",
     "Турецкая компания Anatolia Food запустила мясокомбинат в Семее стоимостью 25 млн долларов.",
     "2024-09-01", "Мясокомбинат в Семее", None,
     [dict(investor="Anatolia Food", investor_country="TR", region="KZ-10", city="Семей",
           sector="agri_food", amount=25e6, currency="USD", amount_usd=25e6, jobs=200,
           stage="launched", date="2024-09-01",
           evidence=["Турецкая компания Anatolia Food запустила мясокомбинат в Семее стоимостью 25 млн долларов."])]),
    ("shymkent_textile",
     "В Шымкенте турецкая компания Tekstil Yatirim открыла текстильную фабрику. "
     "Объём инвестиций — 45 млн долларов, создано 800 рабочих мест.",
     "2024-02-10", "Текстильная фабрика в Шымкенте", None,
     [dict(investor="Tekstil Yatirim", investor_country="TR", region="KZ-79", city="Шымкент",
           sector="consumer_goods", amount=45e6, currency="USD", amount_usd=45e6, jobs=800,
           stage="launched", date="2024-02-10",
           evidence=["В Шымкенте турецкая компания Tekstil Yatirim открыла текстильную фабрику."])]),
    ("turkistan_agro",
     "Узбекская компания Agro Invest подписала соглашение о строительстве тепличного комплекса "
     "в Туркестанской области на 12 млн долларов.",
     "2023-07-05", "Теплицы в Туркестанской области", None,
     [dict(investor="Agro Invest", investor_country="UZ", region="KZ-61", city="Туркестан",
           sector="agri_food", amount=12e6, currency="USD", amount_usd=12e6, jobs=120,
           stage="agreement", date="2023-07-05", confidence=0.3,
           evidence=["Узбекская компания Agro Invest подписала соглашение о строительстве тепличного "
                     "комплекса в Туркестанской области на 12 млн долларов."])]),
    ("almaty_electronics",
     "Корейская LG Electronics строит в Алматы завод бытовой электроники за 80 млн долларов.",
     "2025-08-12", "LG строит завод в Алматы", None,
     [dict(investor="LG Electronics", investor_country="KR", region="KZ-75", city="Алматы",
           sector="electronics", amount=80e6, currency="USD", amount_usd=80e6, jobs=500,
           stage="construction", date="2025-08-12",
           evidence=["Корейская LG Electronics строит в Алматы завод бытовой электроники за 80 млн долларов."])]),
    ("astana_logistics",
     "Компания DP World из ОАЭ подписала меморандум о создании логистического хаба в Астане "
     "стоимостью 500 млн долларов.",
     "2024-10-01", "DP World построит хаб в Астане", None,
     [dict(investor="DP World", investor_country="AE", region="KZ-71", city="Астана",
           sector="logistics", amount=500e6, currency="USD", amount_usd=500e6, jobs=None,
           stage="memorandum", date="2024-10-01", confidence=0.45,
           evidence=["Компания DP World из ОАЭ подписала меморандум о создании логистического хаба в "
                     "Астане стоимостью 500 млн долларов."])]),
    ("indicator",
     "По итогам года в экономику Абайской области привлечено 55 млрд тенге инвестиций.",
     "2025-01-15", "Итоги года", None,
     [dict(kind="indicator", region="KZ-10", sector="other", amount=55e9, currency="KZT",
           amount_usd=110e6, date="2025-01-15",
           evidence=["По итогам года в экономику Абайской области привлечено 55 млрд тенге инвестиций."])]),
    ("xss",
     "Китайская компания Evil Metals построит ферросплавный завод в Павлодаре за 150 млн долларов. "
     f"Вредный код {XSS_SCRIPT} и картинка {XSS_IMG} должны показаться как текст. "
     "Проект обсуждается с акиматом.",
     "2025-11-01", f"Заголовок {XSS_SCRIPT}", "javascript:window.__xss=4",
     [dict(investor=XSS_INVESTOR, investor_country="CN", region="KZ-55",
           city='Павлодар"><script>window.__xss=5</script>', sector="metallurgy",
           amount=150e6, currency="USD", amount_usd=150e6, jobs=300, stage="negotiation",
           date="2025-11-01", spans_of={"amount": "150 млн долларов", "sector": XSS_SCRIPT,
                                        "jobs": XSS_IMG},
           evidence=["Китайская компания Evil Metals построит ферросплавный завод в Павлодаре за 150 млн долларов.",
                     f"Вредный код {XSS_SCRIPT} и картинка {XSS_IMG} должны показаться как текст."])]),
]


def spans_of(text: str, phrases: dict[str, str]) -> dict[str, list[int]]:
    """{field: phrase} -> {field: [start, end]} of the phrase's first occurrence."""
    return {f: [text.index(ph), text.index(ph) + len(ph)] for f, ph in phrases.items()}


def build(store) -> dict[str, int]:
    """Store every article; returns {key: project id (or document id for indicators)}."""
    ids: dict[str, int] = {}
    for key, text, published, title, url, recs in ARTICLES:
        doc = Document(source=f"{key}.txt", text=text, title=title, url=url, published=published)
        records = [Record(source=doc.source, spans=spans_of(text, r.get("spans_of", {})),
                          **{k: v for k, v in r.items() if k != "spans_of"}) for r in recs]
        out = store.add_document(doc, records=records)
        touched = sorted(out.projects_touched)
        ids[key] = touched[0] if touched else out.document_id
        ids["doc:" + key] = out.document_id
    return ids
