"""Russian (default) and English for the dashboard: words, names and number formats."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"
STATIC = Path(__file__).resolve().parent / "static"

NBSP = "\u00a0"

SECTOR_NAMES = {
    "automotive": ("Автопром", "Automotive"),
    "rail": ("Железнодорожное машиностроение", "Rail"),
    "machinery": ("Машиностроение", "Machinery"),
    "metallurgy": ("Металлургия", "Metallurgy"),
    "mining": ("Горнодобыча", "Mining"),
    "oil_gas": ("Нефть и газ", "Oil and gas"),
    "chemicals": ("Химия", "Chemicals"),
    "energy": ("Энергетика", "Energy"),
    "electronics": ("Электроника и электротехника", "Electronics"),
    "construction_materials": ("Стройматериалы", "Construction materials"),
    "agri_food": ("АПК и пищевая промышленность", "Agriculture and food"),
    "consumer_goods": ("Потребительские товары", "Consumer goods"),
    "pharma": ("Фармацевтика", "Pharmaceuticals"),
    "logistics": ("Транспорт и логистика", "Transport and logistics"),
    "utilities": ("ЖКХ и коммунальные услуги", "Utilities"),
    "it": ("ИТ и связь", "IT and telecom"),
    "tourism": ("Туризм", "Tourism"),
    "real_estate": ("Недвижимость", "Real estate"),
    "other": ("Прочее", "Other"),
}

STAGE_NAMES = {
    "negotiation": ("Переговоры", "Negotiation"),
    "memorandum": ("Меморандум", "Memorandum"),
    "agreement": ("Соглашение", "Agreement"),
    "construction": ("Строительство", "Construction"),
    "launched": ("Запущен", "Launched"),
}

STATUS_NAMES = {
    "active": ("активный", "active"),
    "stalled": ("заморожен", "stalled"),
}

FIELD_NAMES = {
    "investor": ("Инвестор", "Investor"),
    "investor_country": ("Страна инвестора", "Investor country"),
    "region": ("Регион", "Region"),
    "city": ("Населённый пункт", "City"),
    "sector": ("Отрасль", "Sector"),
    "amount": ("Сумма", "Amount"),
    "currency": ("Валюта", "Currency"),
    "amount_usd": ("Сумма, USD", "Amount, USD"),
    "jobs": ("Рабочие места", "Jobs"),
    "stage": ("Стадия", "Stage"),
    "date": ("Дата", "Date"),
    "status": ("Статус", "Status"),
    "first_seen": ("Первое упоминание", "First seen"),
    "last_seen": ("Последнее упоминание", "Last seen"),
    "health": ("Надёжность записи", "Record health"),
    "confidence": ("Уверенность извлечения", "Extraction confidence"),
    "product": ("Продукция", "Product"),
    "capacity": ("Мощность", "Capacity"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "app_title": ("Инвестпроекты Казахстана", "Kazakhstan investment projects"),
    "app_tagline": ("Мониторинг инвестиционных проектов по новостям", "Investment projects tracked from the news"),
    "nav_overview": ("Обзор", "Overview"),
    "nav_projects": ("Проекты", "Projects"),
    "nav_companies": ("Компании", "Companies"),
    "nav_regions": ("Регионы", "Regions"),
    "nav_indicators": ("Показатели", "Indicators"),
    "nav_api": ("API", "API"),
    "projects": ("Проекты", "Projects"),
    "project": ("Проект", "Project"),
    "announced_usd": ("Заявлено, USD", "Announced, USD"),
    "announced_kzt": ("Заявлено, KZT", "Announced, KZT"),
    "jobs": ("Рабочие места", "Jobs"),
    "stalled_share": ("Доля замороженных", "Stalled share"),
    "stalled_note": ("последнее событие — меморандум или соглашение, и давно нет новостей",
                     "last event is a memorandum or agreement with no news since"),
    "map_title": ("Заявленные инвестиции по регионам", "Announced investment by region"),
    "by_sector": ("По отраслям", "By sector"),
    "by_country": ("По странам инвесторов", "By investor country"),
    "by_year": ("По годам", "By year"),
    "by_region": ("По регионам", "By region"),
    "funnel": ("Воронка стадий", "Stage funnel"),
    "funnel_note": ("проекты, дошедшие как минимум до стадии", "projects that reached at least this stage"),
    "latest": ("Последние обновления", "Latest updates"),
    "all_projects": ("Все проекты", "All projects"),
    "no_data": ("Нет данных", "No data"),
    "no_projects": ("Проекты не найдены", "No projects found"),
    "filters": ("Фильтры", "Filters"),
    "search": ("Поиск", "Search"),
    "search_ph": ("компания, город, продукция…", "company, city, product…"),
    "any": ("все", "any"),
    "since": ("с", "since"),
    "until": ("по", "until"),
    "min_usd": ("от, USD", "min, USD"),
    "stalled_only": ("только замороженные", "stalled only"),
    "apply": ("Применить", "Apply"),
    "reset": ("Сбросить", "Reset"),
    "sort": ("Сортировка", "Sort"),
    "export": ("Экспорт", "Export"),
    "found": ("Найдено", "Found"),
    "page": ("Стр.", "Page"),
    "prev": ("← назад", "← previous"),
    "next": ("вперёд →", "next →"),
    "sort_amount_desc": ("сумма ↓", "amount ↓"),
    "sort_amount_asc": ("сумма ↑", "amount ↑"),
    "sort_last_desc": ("обновлено ↓", "updated ↓"),
    "sort_date_desc": ("дата ↓", "date ↓"),
    "sort_date_asc": ("дата ↑", "date ↑"),
    "sort_jobs_desc": ("рабочие места ↓", "jobs ↓"),
    "sort_investor": ("инвестор А→Я", "investor A→Z"),
    "fields": ("Сведения", "Details"),
    "timeline": ("Хронология", "Timeline"),
    "sources": ("Источники", "Sources"),
    "evidence": ("Подтверждающие фрагменты", "Evidence"),
    "article_text": ("Текст статьи", "Article text"),
    "conflicts": ("Расхождения в источниках", "Values that disagree across sources"),
    "company": ("Компания", "Company"),
    "companies": ("Компании", "Companies"),
    "aliases": ("Варианты написания", "Aliases"),
    "country": ("Страна", "Country"),
    "region": ("Регион", "Region"),
    "regions": ("Регионы", "Regions"),
    "sector": ("Отрасль", "Sector"),
    "stage": ("Стадия", "Stage"),
    "status": ("Статус", "Status"),
    "investor": ("Инвестор", "Investor"),
    "amount": ("Сумма", "Amount"),
    "updated": ("Обновлено", "Updated"),
    "indicators": ("Показатели", "Indicators"),
    "indicators_note": ("Агрегированные цифры из статей (не отдельные проекты)",
                        "Aggregate figures from articles (not individual projects)"),
    "document": ("Документ", "Document"),
    "open_source": ("оригинал", "original"),
    "not_found": ("Не найдено", "Not found"),
    "region_projects": ("Проекты в регионе", "Projects in the region"),
    "legend_none": ("нет проектов", "no projects"),
    "feed": ("Atom-лента", "Atom feed"),
    "footer_data": ("Границы регионов", "Region boundaries"),
    "lang_switch": ("English", "Русский"),
    "total": ("Итого", "Total"),
    "share": ("доля", "share"),
    "unknown": ("не указано", "not stated"),
    "edit_note": ("Правки аналитиков имеют приоритет над извлечёнными значениями.",
                  "Analysts' corrections take precedence over extracted values."),
    "api_docs": ("Документация API", "API documentation"),
    "investors": ("Инвесторы", "Investors"),
    "role_investor": ("инвестор", "investor"),
    "role_partner": ("партнёр", "partner"),
    "role_parent": ("материнская компания", "parent company"),
    "role_project_company": ("проектная компания", "project company"),
    "reports": ("Все сообщения", "Every report"),
    "revised": ("сумма пересмотрена", "amount revised"),
    "revisions": ("Пересмотры суммы", "Amount revisions"),
    "review": ("Проверка совпадений", "Review"),
    "review_note": ("Пары упоминаний, в которых система не уверена: один ли это проект. "
                    "Решение аналитика сохраняется и переживает повторное извлечение и пересборку.",
                    "Pairs of mentions the resolver was unsure about. An analyst's decision is kept "
                    "and survives re-extraction and rebuilds."),
    "review_login_note": ("Страница доступна по токену записи.",
                          "This page needs the write token."),
    "review_bad_token": ("Неверный токен.", "Wrong token."),
    "review_token": ("Токен", "Token"),
    "review_sign_in": ("Войти", "Sign in"),
    "review_sign_out": ("Выйти", "Sign out"),
    "review_signed_in": ("Вы вошли как", "Signed in as"),
    "review_log": ("Журнал изменений", "Audit log"),
    "review_done": ("Решение записано", "Decision recorded"),
    "review_score": ("Оценка", "Score"),
    "review_decide": ("Решение", "Decision"),
    "review_merged": ("сейчас объединены", "now merged"),
    "review_apart": ("сейчас раздельно", "now apart"),
    "review_note_field": ("Комментарий", "Note"),
    "review_name": ("Кто", "Who"),
    "review_who": ("Кто", "Who"),
    "review_action": ("Действие", "Action"),
    "review_merge": ("Объединить", "Merge"),
    "review_keep_apart": ("Разные проекты", "Keep apart"),
    "review_split": ("Вынести", "Split out"),
    "review_empty": ("Спорных пар нет.", "Nothing to review."),
    "mention": ("Упоминание", "Mention"),
    "low_confidence_note": ("Система сомневается, что это реальный инвестиционный проект: "
                            "уверенность извлечения ниже 50 %",
                            "The extractor doubts this is a real investment project: "
                            "its confidence is below 50%"),
    "confidence_filter": ("Уверенность", "Confidence"),
    "hide_doubtful": ("скрыть сомнительные", "hide doubtful"),
    "spans_note": ("Наведите на строку (или выберите её клавишей Tab), чтобы подсветить в тексте "
                   "статьи слова, из которых взято значение.",
                   "Point at a row (or reach it with Tab) to highlight the words of the article "
                   "the value comes from."),
    "span_row_note": ("подсветить в тексте статьи", "highlight in the article text"),
}


@lru_cache(maxsize=1)
def _regions() -> dict[str, dict[str, Any]]:
    doc = json.loads((STATIC / "kz_regions.json").read_text(encoding="utf-8"))
    return {r["code"]: r for r in doc["regions"]}


@lru_cache(maxsize=1)
def _countries() -> dict[str, list[str]]:
    return json.loads((STATIC / "countries.json").read_text(encoding="utf-8"))


def region_codes() -> list[str]:
    return sorted(_regions())


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG


def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


class Translator:
    """Everything a template needs to speak one language."""

    def __init__(self, lang: str = DEFAULT_LANG):
        self.lang = pick_lang(lang)
        self.i = 0 if self.lang == "ru" else 1

    def __call__(self, key: str) -> str:
        m = MESSAGES.get(key)
        return m[self.i] if m else key

    def sector(self, s: str | None) -> str:
        if s is None:
            return self("unknown")
        return SECTOR_NAMES.get(s, (s, s))[self.i]

    def stage(self, s: str | None) -> str:
        if s is None:
            return self("unknown")
        return STAGE_NAMES.get(s, (s, s))[self.i]

    def status(self, s: str | None) -> str:
        return STATUS_NAMES.get(s or "", (s or "", s or ""))[self.i]

    def field(self, f: str) -> str:
        return FIELD_NAMES.get(f, (f, f))[self.i]

    def region(self, code: str | None, short: bool = False) -> str:
        if not code:
            return self("unknown")
        r = _regions().get(code)
        if not r:
            return code
        if self.i:
            return r["name_en"]
        return r["name_ru_short"] if short else r["name_ru"]

    def country(self, code: str | None) -> str:
        if not code:
            return self("unknown")
        c = _countries().get(code.upper())
        return c[self.i] if c else code

    # -- numbers -------------------------------------------------------------------
    def num(self, v: float | int | None, digits: int = 0) -> str:
        if v is None:
            return "—"
        if digits == 0:
            return _group(int(round(v)), NBSP if self.i == 0 else ",")
        s = f"{v:,.{digits}f}"
        if self.i == 0:
            s = s.replace(",", NBSP).replace(".", ",")
        return s

    def pct(self, v: float | None) -> str:
        if v is None:
            return "—"
        s = f"{v * 100:.1f}"
        if s.endswith(".0"):
            s = s[:-2]
        return (s.replace(".", ",") + NBSP + "%") if self.i == 0 else s + "%"

    def money(self, v: float | None, currency: str = "USD") -> str:
        """1.2e9 USD -> "1,2 млрд $" (ru) / "$1.2 bn" (en)."""
        if v is None:
            return "—"
        sym = {"USD": "$", "KZT": "₸", "EUR": "€", "RUB": "₽", "CNY": "¥"}.get((currency or "").upper(), currency or "")
        a = abs(v)
        scales = ((1e12, "трлн", "tn"), (1e9, "млрд", "bn"), (1e6, "млн", "m"), (1e3, "тыс.", "k"))
        for div, ru, en in scales:
            if a >= div:
                x = v / div
                digits = 0 if abs(x) >= 100 else 1
                txt = f"{x:.{digits}f}"
                if txt.endswith(".0"):
                    txt = txt[:-2]
                if self.i == 0:
                    return f"{txt.replace('.', ',')}{NBSP}{ru}{NBSP}{sym}"
                return f"{sym}{txt}{NBSP}{en}" if sym in "$€₽¥" else f"{txt}{NBSP}{en}{NBSP}{sym}"
        txt = self.num(v)
        return f"{txt}{NBSP}{sym}" if self.i == 0 or sym not in "$€₽¥" else f"{sym}{txt}"

    def date(self, d: str | None) -> str:
        if not d:
            return "—"
        d = str(d)[:10]
        if self.i == 0 and len(d) == 10:
            return f"{d[8:10]}.{d[5:7]}.{d[0:4]}"
        return d
