"""Cleaning: junk lines and blocks, HTML main text and metadata, clean_document."""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kzinvest.clean import clean_document, html_to_text, junk_spans, normalise_date, strip_junk
from kzinvest.clean.meta import find_dateline, guess_title
from kzinvest.sources.decode import decode_bytes

SHARED = Path(__file__).parents[2] / "shared" / "dev" / "articles"
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared seed articles absent")

BODY_A = ("Китайская компания намерена вложить 50 млрд тенге в строительство четырёх заводов "
          "в Туркестанской области, сообщили в акимате.")
BODY_B = ("На предприятиях планируется создать около 600 постоянных рабочих мест, запуск "
          "первой очереди намечен на 2026 год.")

# One line each: page furniture that must go wherever it stands.
JUNK_LINES = [
    "Главная | Новости | Экономика | Регионы | Спорт",
    "Новости  Политика  Экономика  Общество  Регионы",
    "Главная » Промышленность » Горнодобыча",
    "Новости › Регион",
    "Главная / Экономика / Промышленность",
    "ЭКОНОМИКА    ЦИФРОВИЗАЦИЯ    АКМОЛИНСКАЯ ОБЛАСТЬ",
    "КАЗ | РУС",
    "☰ Меню   Поиск   Вход",
    "USD 449,50 ▲  EUR 486,12 ▼  RUB 4,91 ▼",
    "Курс: USD 512,30 | EUR 596,75 | RUB 6,52",
    "$ 61,20  € 63,45  ₸ 0,13",
    "USD 427,15  −0,62 | EUR 510,40  +1,05",
    "Шымкент +9  Туркестан +11",
    "Астана  Сейчас −4  Завтра +2",
    "Караганда −12°",
    "Просмотров: 862",
    "👁 1 204",
    "2 117 просмотров",
    "👁 956   💬 4",
    "1973",
    "Поделиться: VK | Telegram",
    "Поделиться   WhatsApp   Telegram   Facebook",
    "VK | Telegram | WhatsApp",
    "Фото: пресс-служба Правительства РК",
    "Фото из открытых источников",
    "Главный редактор: Мадина Жатканбаева",
    "Редакция: +7 (7252) 00-00-00 | info@example.kz",
    "+7 777 000 00 00",
    "editor@example.kz",
    "© 2024. Перепечатка материалов только с активной ссылкой на источник.",
    "© Свидетельство о постановке на учет сетевого издания №KZ00VPY00000000 выдано 01.01.2020",
    "Перепечатка материалов без согласия редакции запрещена",
    "Подписывайтесь на наш Telegram-канал!",
    "ПОДПИСЫВАЙТЕСЬ НА НАС В TELEGRAM Узнавайте о новостях первыми",
    "Подписаться",
    "Подпишитесь на наш Telegram канал! Узнавайте о новостях первыми",
    "Реклама · Купить квартиру от застройщика",
    "  • [[year]]",
    "Гость_117: а дорогу когда сделают?",
    "Нашли ошибку? Выделите текст и нажмите Ctrl+Enter",
    "Источник: МИС «Мясная отрасль СНГ»",
    "Зарина Жумагалиева",
    "Газета выходит с 1991 года. Учредитель: ТОО «Пример Медиа».",
    "Оставить комментарий может только зарегистрированный пользователь.",
    "Подписка на рассылку новостей отрасли →",
    "━━━━━━━━━━━━━━━━━━━━",
    "Курсы валют | Погода | Контакты редакции",
    "Теги: инвестиции, Китай, Келес",
    "EURASIA NEWS — новости Центральной Азии",
]

# Body prose that looks a little like furniture but must stay.
PROSE_LINES = [
    "Все четыре производства инвестор планирует разместить в Келесском районе.",
    "Учредитель и директор завода Серикбай Ажмагамбетов рассказал о планах компании.",
    "Источником финансирования станут собственные средства компании и заём банка.",
    "Подписание соглашения состоялось в Астане в присутствии министра.",
    "Поделиться опытом готовы турецкие инвесторы, которые уже построили завод в Шымкенте.",
    "Стоимость проекта — 120 млн USD, или около 54 млрд тенге по текущему курсу.",
    "Курс на индустриализацию региона сохранится, заверил аким области.",
    "Фотоэлектрическая станция мощностью 100 МВт заработает в следующем году.",
    "Популярное у туристов озеро Алаколь получит пять новых гостиниц.",
    "Читайте внимательно условия программы, предупредили в Минпромстрое.",
    "Загрузка мощностей завода составит 80% уже в первый год работы.",
    "Комментировать ситуацию в акимате отказались.",
    "По словам акима, зимой в регионе бывает до −35°, поэтому теплицы утеплят.",
    "Реклама и маркетинг займут небольшую часть бюджета компании, добавил директор.",
    "Текст соглашения пока не опубликован, но стороны назвали сумму в 30 млн долларов.",
]


def _ctx(line: str) -> str:
    return f"{BODY_A}\n\n{line}\n\n{BODY_B}\n"


@pytest.mark.parametrize("line", JUNK_LINES)
def test_junk_line_removed(line):
    out = strip_junk(_ctx(line))
    assert line.strip() not in out.splitlines()
    assert BODY_A in out and BODY_B in out


@pytest.mark.parametrize("line", PROSE_LINES)
def test_prose_line_kept(line):
    out = strip_junk(_ctx(line))
    assert line in out.splitlines()


HEADINGS = [
    "Популярное", "Популярное на сайте:", "Популярное за неделю", "Читайте также",
    "Читайте по теме:", "ЧИТАЙТЕ ТАКЖЕ", "Смотрите также:", "Также в разделе:",
    "Материалы раздела:", "Архив", "Все", "Комментарии (3)", "Самое читаемое",
    "━━━ Читайте также ━━━",
]
HEADLINES = [
    "Турецкий инвестор откроет в Шымкенте фабрику по выпуску ковров",
    "• Китайская компания построит в Сайраме тепличный комплекс",
    "— Узбекская компания вложит $15 млн в швейную фабрику",
    "1. Застройщикам Актау запретили сдавать дома без подключения к сетям",
    "▸ Российская компания построит в Балхаше завод медной катанки",
    "Как изменятся тарифы на газ с 1 мая?",
]


@pytest.mark.parametrize("heading", HEADINGS)
def test_headline_block_removed(heading):
    text = f"{BODY_A}\n\n{heading}\n" + "\n".join(HEADLINES) + f"\n\n{BODY_B}\n"
    out = strip_junk(text)
    assert BODY_A in out and BODY_B in out
    for h in [heading, *HEADLINES]:
        assert h not in out


def test_block_runs_across_blank_lines_to_end():
    text = BODY_A + "\n\nПопулярное\n\nВсе\nЗавод построят в Таразе\nЦены на хлопок выросли\n\nАрхив\n"
    assert strip_junk(text) == BODY_A


def test_inline_heading_with_headline():
    text = f"{BODY_A}\nЧитайте также: Китайская компания построит завод в Таразе\n{BODY_B}"
    out = strip_junk(text)
    assert "Таразе" not in out and BODY_B in out


def test_dateline_with_counter_is_kept():
    text = f"Заголовок статьи про завод в Таразе\n28.02.2024 19:42   👁 1 204\n\n{BODY_A}"
    assert "28.02.2024 19:42" in strip_junk(text)


def test_only_whole_lines_deleted_and_spans():
    text = "Главная | Новости\r\n" + BODY_A + "\r\nПросмотров: 5\r\n" + BODY_B
    out, spans = strip_junk(text, spans=True)
    assert [text[s:e] for s, e in spans] == [BODY_A, BODY_B]
    assert out == BODY_A + "\n\n" + BODY_B
    assert junk_spans(text) == spans


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(JUNK_LINES + PROSE_LINES + HEADINGS + HEADLINES + ["", "  "]),
                max_size=25))
def test_kept_lines_are_verbatim_input_lines(lines):
    text = "\n".join(lines)
    out, spans = strip_junk(text, spans=True)
    src_lines = set(text.splitlines())
    for line in out.splitlines():
        assert line == "" or line in src_lines
    for s, e in spans:
        assert text[s:e] in src_lines


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_strip_junk_never_crashes(text):
    out = strip_junk(text)
    for line in out.splitlines():
        assert line == "" or line in text


# --------------------------------------------------------------------- seeds
_SEED_HEADINGS = re.compile(
    r"^\W*(Популярное|Читайте также|Читайте по теме|Также в разделе|Материалы раздела|"
    r"Смотрите также)\b", re.I)


def _seed_texts():
    if not SHARED.is_dir():
        return []
    return sorted(SHARED.glob("*.txt"))


def _body_sentences(text: str) -> list[str]:
    """Paragraph lines that are plainly article prose: 10+ words, sentence end."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if (len(re.findall(r"\w+", s)) >= 10 and re.search(r"[.!?»\"]$", s)
                and not s.startswith("©") and not _SEED_HEADINGS.match(s)):
            out.append(s)
    return out


@needs_shared
@pytest.mark.parametrize("path", _seed_texts(), ids=lambda p: p.name)
def test_seed_blocks_removed_and_body_kept(path):
    text, _ = decode_bytes(path.read_bytes())
    out = strip_junk(text)
    out_lines = {x.strip() for x in out.splitlines()}
    lines = text.splitlines()
    first = next((i for i, l in enumerate(lines) if _SEED_HEADINGS.match(l.strip())), None)
    if first is not None:
        for line in lines[first:]:
            assert line.strip() == "" or line.strip() not in out_lines, line
        body = _body_sentences("\n".join(lines[:first]))
    else:
        body = _body_sentences(text)
    assert body, path.name
    for sentence in body:
        assert sentence in out, (path.name, sentence)


@needs_shared
def test_seed_html_main_text():
    html = (SHARED / "dev-133.html").read_text(encoding="utf-8")
    doc = clean_document("dev-133.html", html, "html")
    assert "ASMA INDUSTRIAL" in doc.text
    assert "8,5 млрд тенге" in doc.text
    for sidebar in ("Текели", "Ушарале", "Алаколе", "Снегопад", "Подпишитесь", "Поделиться",
                    "Теги", "Главный редактор", "USD", "Фото: Акорда"):
        assert sidebar not in doc.text
    assert doc.published == "2024-12-12"
    assert doc.title == "Президент посетил завод промышленных аккумуляторов в Талдыкоргане"
    visible = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    for para in doc.text.split("\n\n"):
        assert para in visible


@needs_shared
@pytest.mark.parametrize("name,date", [
    ("dev-101.txt", "2024-02-28"), ("dev-102.txt", "2021-04-19"), ("dev-116.txt", "2026-02-12"),
    ("dev-132.txt", "2012-04-18"), ("004_e13554015c643617.txt", "2025-05-21"),
])
def test_seed_publication_dates(name, date):
    text, enc = decode_bytes((SHARED / name).read_bytes())
    assert clean_document(name, text, "text", encoding=enc).published == date


# ---------------------------------------------------------------------- HTML
def test_fixture_html():
    html = (FIXTURES / "page.html").read_text(encoding="utf-8")
    text, meta = html_to_text(html)
    assert meta["date"] == "2023-09-14"
    assert meta["url"] == "https://example.kz/news/1"
    assert meta["title"] == "Китайский инвестор построит завод стекла в Кызылорде"
    assert "45 млн долларов" in text  # &nbsp; unescaped and normalised
    doc = clean_document("page.html", html, "html")
    assert "Фото:" not in doc.text and "Узбекская компания" not in doc.text
    assert "250 рабочих мест" in doc.text
    assert doc.text.startswith("Китайский инвестор построит завод стекла в Кызылорде\n\n")


@pytest.mark.parametrize("html", [
    "", "<", "<<<>>>", "<html><body><p>Завод построят в Таразе.", "<p>a &amp; b",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>Завод в Таразе стоит 5 млрд тенге.</p></body></html>",
    "<html><head><title>Только заголовок</title>", "<div><div><div><p>" * 300,
    "<p>Незакрытый <b>тег <i>текст про завод</p></div></span>",
    "\x00\x01<p>x</p>", "<script>alert(1)</script><p>Текст после скрипта про завод.</p>",
])
def test_malformed_html_does_not_crash(html):
    text, meta = html_to_text(html)
    assert isinstance(text, str) and set(meta) >= {"title", "date", "url"}
    assert "alert(1)" not in text


@needs_shared
@pytest.mark.parametrize("cut", [200, 1500, 2600, 3600, 5000])
def test_truncated_seed_html(cut):
    html = (SHARED / "dev-133.html").read_text(encoding="utf-8")[:cut]
    doc = clean_document("t.html", html, "html")
    assert isinstance(doc.text, str)


# ---------------------------------------------------------------- metadata
@pytest.mark.parametrize("value,expected", [
    ("2024-12-12T19:59:00+05:00", "2024-12-12"), ("12.12.2024", "2024-12-12"),
    ("3 июня 2024", "2024-06-03"), ("Тараз, 19 апреля 2021", "2021-04-19"),
    ("Май 21, 2025", "2025-05-21"), ("31.02.2024", None), ("вчера", None), (None, None),
])
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


def test_find_dateline_ignores_body_dates_far_down():
    body = "\n".join([BODY_A] * 30) + "\nДокумент подписан 01.02.2020."
    assert find_dateline("Заголовок о заводе\n\n" + body) is None
    assert find_dateline("Заголовок о заводе\nАстана, 3 июня 2024\n\n" + BODY_A) == "2024-06-03"


def test_guess_title_skips_datelines():
    assert guess_title("10 марта 2026, 18:20 | Просмотров: 3 418\n\nАким отчитался перед Президентом\n\n"
                       + BODY_A) == "Аким отчитался перед Президентом"


def test_clean_document_given_values_win():
    doc = clean_document("a.txt", "Заголовок про завод в Таразе\n\n" + BODY_A, "text",
                         title="Мой заголовок", url="https://x.kz/1", published="01.02.2023",
                         encoding="cp1251")
    assert (doc.title, doc.url, doc.published, doc.encoding) == (
        "Мой заголовок", "https://x.kz/1", "2023-02-01", "cp1251")
    assert doc.raw_text.startswith("Заголовок") and doc.content_type == "text"


def test_fixture_text_article():
    raw = (FIXTURES / "article.txt").read_text(encoding="utf-8")
    doc = clean_document("article.txt", raw, "text")
    assert doc.title == "Турецкая компания построит в Таразе фабрику по выпуску обуви"
    assert doc.published == "2025-03-05"
    for gone in ("Главная |", "USD", "Фото:", "Читайте также", "В Шу откроют", "Поделиться", "©"):
        assert gone not in doc.text
    assert "Турецкая компания Demo Ayakkabi намерена вложить 12 млрд тенге" in doc.text
    assert "320 постоянных рабочих мест" in doc.text


def test_title_skips_the_outlet_line():
    from kzinvest.clean.meta import guess_title
    text = "Tengrinews.kz — Бизнес\n27 октября 2022\nКомпания построит завод в Актау\nТекст статьи."
    assert guess_title(text) == "Компания построит завод в Актау"
