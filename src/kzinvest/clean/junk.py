"""Page furniture removal: menus, tickers, counters, "Популярное" blocks, footers.

`strip_junk` works on lines and only ever deletes whole lines: every line it keeps is
a verbatim slice of its input, so evidence sentences found in the cleaned text are
found in the original too. `junk_spans` gives the (start, end) offsets of the kept
lines in the input.

Two kinds of rules, both about page furniture in general (never about one article):

* line rules: a single line that is a menu, a breadcrumb, a currency ticker, the
  weather, a view counter, a share bar, a photo credit, an editor/contact/licence
  line, a subscription or advertising banner, template debris ("[[year]]"), a reader
  comment, "Нашли ошибку?", "Источник: ...", an author's name on its own;
* block rules: a heading such as "Популярное", "Читайте также:", "Также в разделе:",
  "Материалы раздела:", "Теги:", "Комментарии (3)", "Архив", "Все" starts a block of
  headline lists; the block runs (across blank lines) until a line that reads as body
  prose again: a sentence ending in "." / "!" / "…" with at least six words, or any
  line of 25+ words.

Lines that carry a full date ("28.02.2024 19:42  👁 1 204") are kept outside blocks
even when they also hold counters or section names: they are the article's dateline.
"""
from __future__ import annotations

import re

__all__ = ["strip_junk", "junk_spans", "is_junk_line", "is_block_heading", "is_prose"]

_MONTHS = (r"(?:январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|"
           r"августа?|сентябр[яь]|октябр[яь]|ноябр[яь]|декабр[яь]|"
           r"янв|фев|мар|апр|июн|июл|авг|сен|сент|окт|ноя|дек)\.?")
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|"
    r"\d{1,2}\s+" + _MONTHS + r",?\s+(?:19|20)\d{2}|" + _MONTHS + r"\s+\d{1,2},?\s+(?:19|20)\d{2})",
    re.I)

# ---------------------------------------------------------------- block headings
_HEADINGS = (
    r"популярное(?:\s+(?:на\s+сайте|за\s+(?:неделю|месяц|сутки|день|год)|сегодня|сейчас))?",
    r"самое\s+(?:популярное|читаемое|интересное|обсуждаемое|просматриваемое)",
    r"самые\s+(?:популярные|читаемые|обсуждаемые)(?:\s+новости)?",
    r"читайте\s+(?:также|еще|ещё|по\s+теме|нас|больше)",
    r"читать\s+(?:также|ещё|еще|по\s+теме)",
    r"смотрите\s+(?:также|ещё|еще|по\s+теме)", r"см\.\s+также",
    r"также\s+(?:в\s+разделе|по\s+теме|читайте|смотрите)",
    r"(?:ещё|еще|другие|другое|последние|главные|свежие|похожие|актуальные|важные)\s+"
    r"(?:новости|материалы|статьи|публикации|записи|по\s+теме|в\s+разделе)"
    r"(?:\s+(?:по\s+теме|раздела|рубрики|дня|часа|за\s+\w+))?",
    r"материалы\s+(?:раздела|по\s+теме|рубрики)", r"статьи\s+по\s+теме",
    r"новости\s+(?:по\s+теме|раздела|партн[её]ров|компаний|дня)", r"по\s+теме",
    r"лента\s+новостей", r"в\s+тему", r"рекомендуем(?:\s+прочитать)?",
    r"вам\s+(?:может\s+быть|будет)\s+интересно", r"это\s+интересно", r"выбор\s+редакции",
    r"актуальное", r"обсуждаемое", r"топ[\s-]*(?:новостей|\d+)", r"архив(?:\s+новостей)?",
    r"все\s+новости", r"все", r"теги", r"метки", r"ключевые\s+слова", r"тэги",
    r"комментарии", r"комментариев", r"обсуждение", r"отзывы",
    r"related(?:\s+(?:news|articles|posts))?", r"read\s+(?:also|more)", r"popular", r"tags",
)
_HEADING_RE = re.compile(
    r"^[\s\W_]*(?:" + "|".join(_HEADINGS) + r")"
    r"(?:\s*\(\s*\d+\s*\))?\s*(?:[:：]\s*(?P<rest>.*)|[^\w:：]*)$",
    re.I)
# Headings that only count as a whole line (no inline list after a colon).
_WHOLE_ONLY = re.compile(r"^[\s\W_]*(?:все|архив|по\s+теме|в\s+тему|отзывы|обсуждение)\s*:?\s*$", re.I)

# ------------------------------------------------------------------ line rules
_SOCIAL = {
    "vk", "вк", "вконтакте", "telegram", "телеграм", "телеграмм", "tg", "whatsapp", "ватсап",
    "facebook", "fb", "f", "t", "ok", "ок", "одноклассники", "twitter", "x", "instagram",
    "инстаграм", "youtube", "ютуб", "tiktok", "тикток", "linkedin", "viber", "вайбер",
    "email", "e-mail", "mail", "почта", "threads", "дзен", "яндекс.дзен", "rss", "pinterest",
    "reddit", "копировать", "ссылку", "ссылка", "скопировать", "печать", "print", "share",
    "max", "макс", "поделиться", "поделитесь", "share", "skype", "livejournal", "жж", "мой", "мир", "moimir",
}
_RUBRICS = {
    "главная", "главное", "новости", "новость", "политика", "экономика", "общество",
    "регионы", "регион", "происшествия", "спорт", "культура", "мир", "казахстан", "видео",
    "фото", "фоторепортаж", "аналитика", "бизнес", "финансы", "технологии", "наука",
    "образование", "здоровье", "медицина", "агро", "апк", "мнения", "мнение", "интервью",
    "промышленность", "энергетика", "строительство", "инвестиции", "транспорт", "туризм",
    "авто", "недвижимость", "право", "закон", "official", "статьи", "блоги", "блог",
    "лента", "подкасты", "спецпроекты", "спецпроект", "меню", "поиск", "вход", "войти",
    "регистрация", "контакты", "реклама", "о", "нас", "проекте", "каз", "рус", "eng", "қаз",
    "kaz", "rus", "en", "ru", "kz", "қазақша", "русский", "english", "☰", "≡",
    "цифровизация", "горнодобыча", "нефть", "газ", "экология", "сельское", "хозяйство",
    "телепрограмма", "программа", "передач", "прямой", "эфир", "архив", "афиша",
    "погода", "курсы", "валют", "курс", "редакции", "вакансии", "партнеры", "партнёры",
    "рубрики", "разделы", "темы", "тема", "дня", "популярное", "все", "ещё", "еще", "новое",
}
_NAV_SEP_CHAR = re.compile(r"\s*[|·•▸►→]\s*|\s+(?:[»›/\\>]|&gt;|>>|::)\s+")
_NAV_SEP_SPACE = re.compile(r"\s{2,}|\t+")
_MASTHEAD = re.compile(r"\b(?:новости|news|портал|газета|агентство|агенттігі|тв|tv|издание|"
                       r"журнал|радио|онлайн|online|media|медиа|жаңалықтары)\b", re.I)
_CURRENCY = re.compile(
    r"(?:\b(?:USD|EUR|RUB|RUR|CNY|KZT|GBP|CHF|JPY|TRY|UZS|KGS|AED|Brent|WTI|нефть|золото)\b|[$€₸₽¥£])"
    r"\s*[:=]?\s*[\d\s]*\d[.,]\d+", re.I)
_TEMP = re.compile(r"(?:^|\s)[+−–-]\s?\d{1,2}(?:\s?°\s?[CС]?)?(?=\s|$|,)|\d\s?°\s?[CС]?(?=\s|$)")
_WEATHER_WORDS = {"сейчас", "сегодня", "завтра", "ночью", "днём", "днем", "утром", "вечером",
                  "погода", "ясно", "облачно", "дождь", "снег", "пасмурно", "°c", "°с"}
_PHONE = re.compile(r"(?:\+7|\b8)[\s(-]*\d{3,4}[\s)-]*\d{1,3}[\s-]?\d{2}[\s-]?\d{2}\b|"
                    r"\+\d{1,3}[\s(-]*\d{2,4}[\s)-]*\d{2,4}[\s-]?\d{2,4}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_COUNTER_WORDS = re.compile(
    r"(?:просмотр\w*|прочтени\w*|показ\w*|комментари\w*|коммент\w*|views?|comments?|"
    r"лайк\w*|likes?|репост\w*|читать|мин(?:ут\w*)?|чтени\w*|время)", re.I)

_START_PATTERNS = [
    r"(?:фото|фотография|фотографии|видео|иллюстрация|коллаж|скриншот|инфографика|"
    r"графика|карта|фото\s*и\s*видео|photo|image)(?:\s+(?:на\s+обложке|автора|из\s+архива|"
    r"из\s+открытых\s+источников|с\s+сайта|предоставлено|предоставлены|взято))?\s*[:©/]",
    r"фото\s+(?:из\s+открытых\s+источников|с\s+сайта|из\s+архива|предоставлено|автора|пресс-службы)",
    r"(?:главный\s+редактор|шеф-редактор|выпускающий\s+редактор|редактор|редакция|"
    r"адрес\s+редакции|учредитель|собственник|издатель|автор|авторы|корреспондент|"
    r"текст|подготовил[аи]?|перевод)\s*[:.]",
    r"©", r"\(c\)", r"copyright", r"все\s+права\s+защищены", r"all\s+rights\s+reserved",
    r"свидетельство\s+о\s+(?:постановке|регистрации)",
    r"перепечатка", r"при\s+(?:использовании|цитировании|перепечатке|копировании)",
    r"использование\s+материалов", r"полное\s+или\s+частичное",
    r"подписывайтесь", r"подпишитесь", r"подписаться", r"подписка", r"подписывайся",
    r"следите\s+за\s+(?:нами|новостями)", r"присоединяйтесь", r"наш\s+(?:telegram|телеграм)",
    r"читайте\s+нас\s+в", r"узнавайте\s+(?:о\s+)?новост", r"больше\s+новостей\s+в",
    r"реклама\s*(?:[·:|—–-]|$|на\s+сайте)", r"на\s+правах\s+рекламы", r"партн[её]рский\s+материал", r"спонсорский",
    r"erid\b",
    r"нашли\s+ошибку", r"если\s+вы\s+(?:нашли|заметили)\s+ошибку", r"заметили\s+ошибку",
    r"выделите\s+(?:её|ее|текст|фрагмент)",
    r"источник\s*:", r"по\s+материалам\b", r"читать\s+(?:далее|полностью|подробнее|источник)",
    r"подробнее\s*(?:→|>|»|:|$)",
    r"оставить\s+комментарий", r"добавить\s+комментарий", r"написать\s+комментарий",
    r"комментировать\s*$", r"для\s+(?:комментирования|того,\s+чтобы\s+оставить)",
    r"(?:войдите|авторизуйтесь|зарегистрируйтесь)\b",
    r"мнение\s+(?:редакции|автора)", r"редакция\s+(?:не|может)", r"материалы\s+с\s+пометкой",
    r"(?:18|16|12|6|0)\+\s*$", r"подел(?:иться|итесь)\s*(?:[:!→]|$|в\s+соц|с\s+друзьями)",
    r"share\b", r"рассказать\s+друзьям",
    r"пресс-служба\s*$", r"газета\s+(?:выходит|издается|издаётся|зарегистрирована)",
    r"сетевое\s+издание", r"прислать\s+новость",
    r"контакты\s+редакции", r"курсы\s+валют", r"(?:загрузка|loading)\W*$",
    r"(?:гость|аноним|guest|anonymous|читатель|пользователь)[_\s#-]*\d*\s*:",
    r"ответить\s*$", r"пожаловаться\s*$", r"cookie", r"мы\s+используем\s+(?:cookie|файлы)",
]
_START_RE = re.compile(r"^[\s\W_]*(?:" + "|".join(_START_PATTERNS) + ")", re.I)
# Phrases that make any short line (< 30 words) furniture, wherever they stand.
_ANYWHERE_RE = re.compile(
    r"ctrl\s*\+\s*enter|все\s+права\s+защищены|ссылка\s+обязательна|"
    r"ссылкой\s+на\s+источник|свидетельство\s+о\s+постановке|учредитель\s*:|"
    r"главный\s+редактор\s*:|адрес\s+редакции|\[\[.*?\]\]|\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|"
    r"узнавайте\s+о\s+новостях|подпис\w*(?:тесь|айтесь|аться|ывайся|ка)\s+на\s+на[сш]", re.I)

_SURNAME = re.compile(
    r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|енко|ко|ук|юк|ян|дзе|"
    r"швили|улы|ұлы|кызы|қызы|бек|бекова?|баев|баева|ич|ович|евич|овна|евна|иди|ли|ий|ая)$")
_NAME_TOKEN = re.compile(r"^(?:[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+(?:-[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+)?|"
                         r"[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.)?)$")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_BULLET = re.compile(r"^\s*(?:[•●◦▪▫‣∙·▸►▶→⇒➤»>*–—―-]|\d{1,2}[.)]\s)\s*")
_SENT_END = re.compile(r"[.!…?][»\"”)’']*\s*$")


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


def has_date(line: str) -> bool:
    return bool(_DATE.search(line))


def is_prose(line: str) -> bool:
    """Body text: a sentence that ends like one and is not a short list item."""
    s = line.strip()
    if not s:
        return False
    n = len(_words(s))
    if n >= 25:
        return True
    if _BULLET.match(s) and n < 25:
        return False
    if not _SENT_END.search(s):
        return False
    if s.rstrip("»\"”)’' ").endswith("?"):
        return n >= 12
    return n >= 6


def is_block_heading(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > 200:
        return False
    m = _HEADING_RE.match(s)
    if not m:
        return False
    rest = m.group("rest")
    if rest and _WHOLE_ONLY.match(s.split(":")[0] + ":") and rest.strip():
        return False
    if rest and is_prose(rest) and len(_words(rest)) >= 25:
        return False
    return True


def _is_nav(s: str) -> bool:
    """Menus and breadcrumbs: short items separated by | · • » › / or wide gaps."""
    if len(_words(s)) > 16 or re.search(r"[.!?…][»\"”)]*\s*$", s):
        return False
    by_char = [p for p in _NAV_SEP_CHAR.split(s) if p.strip()]
    parts = [q for p in by_char for q in _NAV_SEP_SPACE.split(p.strip()) if q.strip()]
    if len(parts) < 2:
        return False
    if any(len(_words(p)) > 5 for p in parts):
        return False
    if len(by_char) >= 3:
        return True
    if len(by_char) == 2:
        return min(len(_words(p)) for p in by_char) <= 3
    # separated by wide gaps only: three or more capitalised items
    return len(parts) >= 3 and all(not p[:1].islower() for p in parts)


def _is_masthead(s: str) -> bool:
    """The site's name and slogan ("EURASIA NEWS — новости Центральной Азии")."""
    if len(_words(s)) > 7 or _SENT_END.search(s):
        return False
    return bool(_MASTHEAD.search(s)) and bool(re.search(r"\s[—–·|-]\s", s))


def _all_rubrics(s: str) -> bool:
    words = [w.lower() for w in _words(s)]
    if not words or len(words) > 6:
        return False
    return all(w in _RUBRICS for w in words)


def _is_social(s: str) -> bool:
    tokens = [t.lower().strip(".:,;!") for t in re.split(r"[\s|·•/,]+", s) if t.strip(".:,;!|·•/")]
    if not tokens or len(tokens) > 12:
        return False
    return all(t in _SOCIAL or t == "" for t in tokens)


def _is_ticker(s: str) -> bool:
    hits = _CURRENCY.findall(s)
    if len(hits) < 2 and not (hits and re.match(r"^\s*курс", s, re.I)):
        return False
    rest = _CURRENCY.sub(" ", s)
    rest = re.sub(r"[▲▼↑↓+−–\-\d.,%|·•:]|курсы?|валют|нацбанк\w*|нбрк", " ", rest, flags=re.I)
    return len(_words(rest)) <= 4


def _is_weather(s: str) -> bool:
    if not _TEMP.search(s):
        return False
    if re.search(r"\d\s?°", s) and len(_words(s)) <= 8 and not _SENT_END.search(s):
        return True
    words = _words(_TEMP.sub(" ", s))
    if len(words) > 8 or _SENT_END.search(s):
        return False
    return all(w[0].isupper() or w.lower() in _WEATHER_WORDS for w in words)


def _no_content(s: str) -> bool:
    """Counters, separators, bare numbers, emoji: nothing a reader would call text."""
    stripped = _COUNTER_WORDS.sub(" ", s)
    return not _words(stripped)


def _is_counter(s: str) -> bool:
    if re.match(r"^\s*(?:просмотр\w*|прочтени\w*|views?)\s*:?\s*[\d\s]+$", s, re.I):
        return True
    if re.match(r"^\s*[\d\s]+\s*(?:просмотр\w*|прочтени\w*|views?|комментари\w*)\s*$", s, re.I):
        return True
    return False


def _is_contact(s: str) -> bool:
    if not (_PHONE.search(s) or _EMAIL.search(s) or _URL.search(s)):
        return False
    rest = _URL.sub(" ", _EMAIL.sub(" ", _PHONE.sub(" ", s)))
    if len(_words(rest)) <= 6:
        return True
    return not is_prose(s) and len(_words(rest)) <= 12


def _is_author(s: str, first_content: bool) -> bool:
    if first_content:
        return False
    tokens = s.strip().rstrip(",").split()
    if not 2 <= len(tokens) <= 3:
        return False
    if not all(_NAME_TOKEN.match(t) for t in tokens):
        return False
    return any(_SURNAME.search(t.lower()) for t in tokens if not t.endswith("."))


def is_junk_line(line: str, *, first_content: bool = False) -> bool:
    """True if this single line is page furniture (block rules aside)."""
    s = line.strip()
    if not s or len(s) > 1500:  # furniture is never a wall of text
        return False
    n = len(_words(s))
    if _ANYWHERE_RE.search(s) and n < 30:
        return True
    if _START_RE.match(s) and (n < 30 or not is_prose(s)):
        # A photo credit or an "Источник:" line is short; long prose starting with
        # "Текст:" or "Автор:" is rare enough to accept.
        return True
    if _is_ticker(s) or _is_counter(s):
        return True
    if has_date(s):
        return False           # the article's dateline, counters and all
    if _no_content(s):
        return True
    if _is_contact(s) or _is_social(s) or _is_weather(s):
        return True
    if _all_rubrics(s):
        return True
    if _is_nav(s) or _is_masthead(s):
        return True
    if _is_author(s, first_content):
        return True
    return False


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, line terminator excluded."""
    out = []
    for m in _LINE_RE.finditer(text):
        if m.start() == len(text) and m.start() == m.end():
            break
        body = m.group(0).rstrip("\r\n")
        out.append((m.start(), m.start() + len(body)))
    return out


def junk_spans(text: str) -> list[tuple[int, int]]:
    """Offsets (start, end) in `text` of the lines `strip_junk` keeps (blank lines
    excluded)."""
    kept: list[tuple[int, int]] = []
    in_block = False
    seen_content = False
    for start, end in _lines(text):
        line = text[start:end]
        if not line.strip():
            continue
        if is_block_heading(line):
            in_block = True
            continue
        if in_block:
            if is_prose(line) and not is_junk_line(line):
                in_block = False
            else:
                continue
        if is_junk_line(line, first_content=not seen_content):
            continue
        seen_content = True
        kept.append((start, end))
    return kept


def strip_junk(text: str, *, spans: bool = False):
    """Delete page-furniture lines; paragraphs of the result are separated by blank
    lines where the input had them. With `spans=True` return (text, kept spans)."""
    kept = junk_spans(text)
    parts: list[str] = []
    prev_end = None
    for start, end in kept:
        if prev_end is not None:
            gap = text[prev_end:start]
            blank = gap.count("\n") + gap.count("\r") - gap.count("\r\n") > 1
            parts.append("\n\n" if blank else "\n")
        parts.append(text[start:end])
        prev_end = end
    out = "".join(parts)
    return (out, kept) if spans else out
