"""Organisation mentions: who could be an investor, and in what role the text shows them.

Rules first (legal forms with quoted names, Latin names with corporate suffixes, names
after "компания"/country adjectives, the company registry), then slovnet NER for what the
rules miss. Each mention carries the role its context gives it, so ministries, banks,
contractors, brands and news agencies are never taken for investors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kzinvest.extract import countries as countries_mod
from kzinvest.extract import cues
from kzinvest.extract.companies import find_known_companies, lookup_company


@dataclass
class OrgMention:
    start: int
    end: int
    text: str                      # as written (quotes and legal form stripped)
    name: str                      # display name, nominative where we can tell
    legal: str | None = None
    country: str | None = None     # from an adjacent adjective, "(Узбекистан)" or the registry
    described: bool = False        # "китайская компания": no name, only a description
    role: str | None = None        # None = could invest; else agency|lender|media|contractor|brand|owner
    parent: str | None = None      # name of a parent company the text names
    aliases: list[str] = field(default_factory=list)
    paragraph: int = -1            # set by the assembler: which paragraph of the article
    opens_paragraph: bool = False  # set by the assembler: the paragraph's first words


# Kazakhstan's legal forms (Civil Code: товарищества, акционерные общества, кооперативы,
# крестьянские и фермерские хозяйства, индивидуальные предприниматели; ЖШС is ТОО in
# Kazakh) and the foreign ones the news writes before a quoted name.
# "TOO" typed in Latin letters is the same ТОО (homoglyphs are common in Kazakh news sites).
LEGAL = (r"(?:ТОО|TOO|АО|ПАО|ОАО|ЗАО|ООО|ТДО|ЧК|КХ|ФХ|КФХ|ИП|КТ|ПТ|ПК|СПК|СХПК|ЖШС|АО\s+НК|НАО|"
         r"LLP|LLC|JSC|Ltd)")
_Q_OPEN, _Q_CLOSE = "«\"“„", "»\"”“"
QUOTED = r"[«\"“„]\s*([^«»\"“”„\n]{2,90}?)\s*[»\"”“]"
HEAD = (r"(?:компани\w*|холдинг\w*|концерн\w*|корпораци\w+|групп[аыеуой]+\s+компаний|"
        r"групп[аыеуой]+|фирм[аыеуой]+|агрокомплекс\w*|агрофирм\w*|инвестор\w*|застройщик\w*|"
        r"производител\w+|предприяти\w+|партн[её]р\w*|оператор\w*|разработчик\w*|подрядчик\w*)")

_LEGAL_QUOTED = re.compile(rf"\b({LEGAL})\s*(?:[«\"“„]\s*НК\s*[»\"”“]?\s*)?{QUOTED}")
# ТОО «Инновационный комплекс «Састобе»»: a name that quotes a name of its own (the outer
# closing quote is often left out)
_LEGAL_NESTED = re.compile(rf"\b({LEGAL})\s*«\s*([^«»\n]{{2,60}}«[^«»\n]{{2,40}}»)")
# "ТОО «A», «B» и «C»": one legal form before a list of quoted names
_LIST_NEXT = re.compile(rf"\s*(?:,|;|\bи\b)\s*(?:{LEGAL}\s*)?{QUOTED}")
# "предприниматель Асхат Кулаков", "инвестор Д.Кошелев": a person who invests
_PERSON_INVESTOR = re.compile(
    r"(?i:\b(?:предпринимател[ьяюем]+|бизнесмен\w*|инвестор\w*|фермер\w*))[ \t\u00a0]+"
    r"((?:[А-ЯЁ]\.[ \t\u00a0]?){1,2}[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?|"
    r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?[ \t\u00a0]+[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
    r"(?![А-ЯЁа-яёA-Za-z])")
_HEAD_QUOTED = re.compile(rf"(?i:\b{HEAD})\s+{QUOTED}")
# A firm named by what it is: "крестьянское хозяйство «Жабай ата»", "товарищество с ограниченной
# ответственностью “Сыр маржаны”", "завод «Қарашалан балық»", "кооператив «Аль-Береке»".
# Small local firms are mostly written so; whether one invests is the candidate model's call.
ENTITY_HEAD = (r"(?:хозяйств\w*|товариществ\w*(?:\s+с\s+ограниченной\s+ответственностью)?|"
               r"обществ\w*(?:\s+с\s+ограниченной\s+ответственностью)?|кооператив\w*|"
               r"завод\w*|фабрик\w*|птицефабрик\w*|комбинат\w*|цех\w*|пекарн\w*|"
               r"(?:тепличн|производственн|логистическ|распределительн)\w*\s+(?:комплекс|центр)\w*|"
               r"СПК|КФХ|ПК)")
_ENTITY_QUOTED = re.compile(rf"(?i:\b{ENTITY_HEAD})\s+{QUOTED}")
_BARE_QUOTED = re.compile(QUOTED)

# Latin letters with diacritics too: "Coca-Cola İçecek", "Doğuş", "Škoda".
_LAT_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u024F"
_LAT_ANY = "A-Za-zÀ-ÖØ-öø-\u024F"
_LAT_WORD = rf"(?:[{_LAT_UPPER}][{_LAT_ANY}0-9&'’\-]*\.?|[A-Z])"
_LAT_LINK = r"(?:[ \t]+(?:and|of|de|la|the|for|van|der|den|von|du|da|di|del|&|AND|OF|DE)[ \t]+|[ \t]*[–—-][ \t]*|[ \t]+)"
_LAT_PAREN = r"(?:[ \t]*\([A-Z][A-Za-z0-9'’ \-]*\))"
_LAT_SUFFIX = (r"(?:,?[ \t]+(?:Co\.?,?[ \t]*Ltd\.?|CO\.?,?[ \t]*LTD\.?|Ltd\.?|LTD\.?|LLC|LLP|Inc\.?|AG|GmbH|"
               r"S\.?A\.?|S\.?p\.?A\.?|srl|SRL|PLC|plc|Corp\.?|B\.?V\.?|N\.?V\.?|JSC|Co\.))")
_LATIN = re.compile(
    rf"(?<![\w.@/])({_LAT_WORD}(?:{_LAT_PAREN}|{_LAT_LINK}{_LAT_WORD})*{_LAT_PAREN}?{_LAT_SUFFIX}?)(?![\w@])"
)
_ABBREV_END = re.compile(r"\b(Co|CO|Ltd|LTD|Inc|Corp|[A-Z])\.$")
_SENTENCE_STOP = re.compile(r"(?<!\bCo)(?<!\bCO)(?<!\bLtd)(?<!\bLTD)(?<!\bInc)(?<!\bCorp)(?<!\b[A-Z])\.(?=\s+[A-Z])")
_CYR_AFTER_HEAD = re.compile(
    # A name never crosses a line break: "Работающие предприятия\nСреди ..." is a heading.
    rf"(?i:\b{HEAD})[ \t\u00a0]+((?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё]+)?)(?:[ \t\u00a0]+[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё]+)?){{0,2}})"
    r"(?![А-ЯЁа-яёA-Za-z])"
)

# Latin words that are not companies in Russian news.
_LATIN_STOP = {
    "USD", "EUR", "RUB", "CNY", "KZT", "GBP", "EXPO", "IT", "VK", "OK", "TV", "PR", "CEO", "GDP", "FDI",
    "Telegram", "WhatsApp", "Facebook", "Instagram", "YouTube", "TikTok", "Twitter", "X", "I", "II", "III",
    "IV", "V", "VI", "MW", "GW", "KW", "Pro", "Plus", "Max", "Ctrl", "Enter", "Ctrl+Enter", "COVID",
    "FEED", "Pre-FEED", "FID", "Show", "Error",
    "ESG", "PPP", "SPV", "EPC", "LNG", "AI", "ID", "SMS", "PDF", "Online", "News", "Photo",
    "TEU", "MWh", "GWh", "kWh", "MWp", "CO2", "HSE", "R&D", "B2B", "ISO", "GMP", "HACCP", "LEED",
    "BREEAM", "Tier", "III", "IV", "PET", "LED", "GPS", "SCADA",
    # What a page's template prints for an empty field, and legal forms standing alone.
    "None", "null", "NULL", "NaN", "undefined", "TOO", "LLP", "LLC", "JSC", "Ltd", "LTD", "Inc",
}
_DOMAIN = re.compile(r"\.(kz|ru|com|org|net|uz|kg|info|tv)\b", re.I)

# Context cues for roles (lower-cased text around the mention).
_ROLE_IN_NAME = [
    ("agency", re.compile(r"(?<![а-яёa-z])(?:министерств|акимат|правительств|управлени[ея]|ведомств|агентств|комитет|"
                          r"посольств|парламент|сенат|мажилис|служб|комисси|"
                          r"kazakh invest|казах инвест|kazakhinvest|университет|university|"
                          r"школ|совет|палат|ассоциаци|форум|выставк|программ|акорд|ministry|government)")),
    # "Фонд развития промышленности", "Фонд развития предпринимательства «Даму»": state funds
    # that lend to or subsidise a project, not its owners.
    ("lender", re.compile(r"\bбанк|bank|ебрр|\bебр\b|\bеабр\b|\bабр\b|ebrd|\badb\b|aiib|"
                          r"фонд\w*\s+развития\s+(?:промышленност|предпринимательств)|"
                          # "Социально-предпринимательская корпорация «Тараз»": a regional state
                          # development company that co-finances, not the owner.
                          r"социально-предпринимательск")),
]
_ROLE_BEFORE = [
    ("media", re.compile(r"((?<![а-яё])иа|сообща\w+|переда[её]т|пишет|по данным|по информации|агентств\w+|издани\w+|"
                         r"телеканал\w*|портал\w*|источник:?|со ссылкой на)\s*[«\"“]?\s*$")),
    ("brand", re.compile(r"(марк[иаю]|марок|бренд\w*|модел[иьяей]\w*|сет[ьи]|сетью|автомобил\w+|трактор\w*|"
                         r"комбайн\w*|грузовик\w*)\s*(—|-|–|:)?\s*[«\"“]?\s*$")),
    # "на форуме «ErtysInvest 2014»", "выставки TransLogistica", "партии Nur Otan": an event or a
    # party named, not a company.
    ("event", re.compile(r"(форум\w*|выставк\w*|конференци\w*|фестивал\w*|саммит\w*|парти[яиюей])\s*[«\"“]?\s*$")),
    ("customer", re.compile(r"(для|покупател\w*|клиент\w*|потребител\w*|заказчик\w* продукции)"
                            r"(\s+[а-яё]+){0,6}\s+(компаний|предприятий|комбинатов|заводов|холдингов)"
                            r"(\s+[а-яё]+){0,2}\s*(—|-|–|:)?\s*[«\"“]?\s*$")),
    ("place", re.compile(r"(сэз|зон[аеыу]|парк[аеу]?|индустриальн\w+ зон\w+|технопарк\w*)\s*[«\"“]?\s*$")),
    ("media", re.compile(r"(об этом|как сообщ\w+)\s*$")),
    # "Аналитики Freedom Finance", "по оценке Halyk Finance": the source of an opinion.
    ("media", re.compile(r"(аналитик\w*|эксперт\w*|по (оценк\w+|данным|мнению|словам|прогноз\w+))\s*[«\"“]?\s*$")),
    ("contractor", re.compile(r"(подрядчик\w*|поставщик\w*|генподрядчик\w*)\s*(—|-|–|:)?\s*[«\"“]?\s*$")),
    # Founders, owners and vehicles of the undertaking, not its investor of record.
    ("affiliate", re.compile(r"(создан\w* совместно|вход(ит|ящ\w*) в (группу|состав|холдинг)|принадлежит|"
                             r"через совместное предприятие|совместн\w+ предприяти\w+)\s+([а-яё]+\s+){0,4}[«\"“]?\s*(?:[A-ZА-ЯЁ]{2,4}\s*[«\"“]?\s*){0,2}$")),
]
# "генеральный директор предприятия Евгений Балашов", "учредитель компании Бинода Чаудхари": the
# person who runs or owns the firm, named after the firm's head word.
_PERSON_BEFORE = re.compile(r"(директор\w*|президент\w*|руководител\w+|председател\w+|глав(?:а|ы|у|е|ой)|"
                            r"представител\w+|основател\w+|учредител\w+|владел(?:ец|ьц\w+)|собственник\w*|"
                            r"менеджер\w*|вице-\w+|заместител\w+|начальник\w*|управляющ\w+|технолог\w*|"
                            r"инженер\w*|специалист\w*|сотрудник\w*|работник\w*|акционер\w*)(\s+[а-яё]+){0,2}\s+(компании|группы|предприятия|"
                            r"холдинга|корпорации|концерна|фирмы)\s*$", re.I)
_EMPLOYER_BEFORE = re.compile(
    r"(директор\w*|президент\w*|руководител\w+|председател\w+|глав\w+|представител\w+|основател\w+)"
    r"(\s+(совета директоров|правления|по \w+(\s+\w+){0,6}))?(\s+[а-яё]+(ой|ого|ая|ий|ие|их|ых))*"
    r"(\s+(компании|корпорации|холдинга|группы|концерна))?\s*[«\"“]?\s*$", re.I)
_PLAN_VERB = re.compile(r"планиру|намерен|собира|готов\w* (вложить|инвест|построить|открыть)|построит|"
                        r"вложит|откроет|запустит|инвестирует")
_CLAUSE_ROLE = [
    ("brand", re.compile(r"\bмар(ки|ок|ка)\b|бренд|\bмодел(и|ь|ей)\b")),
    ("contractor", re.compile(r"подрядчик|генподрядчик|отвечает за проектирование|поставит|поставляет|сырь[её]м|"
                              r"поставщик|закуп\w* (технологического )?оборудован")),
    ("lender", re.compile(r"\bзайм(а|ом|ы|ов|у|ами)?\b|заём|заем(н|щик)|кредит\w*|финансирование проекта осуществлял")),
    ("owner", re.compile(r"акционер\w*|покупател\w*|крупнейшим партнером")),
    ("competitor", re.compile(r"конкурент\w*|(два|три|несколько|основн\w+) игрок\w*")),
]
_INVESTOR_CUE = re.compile(r"инвестор|инициатор|заказчик|соинвестор|вложит|вложил|инвестир")
_PARENT = re.compile(r"дочерн\w+\s+(?:структур\w+|компани\w+|предприяти\w+|организаци\w+)?\s*", re.I)

_DESCRIBED_HEAD = re.compile(
    r"^(?:\s+[а-яё-]+(?:ой|ая|ую|ий|ый|ого|ому|ие|их|ими|ыми|ым|ом|ое|ые|ых|ей)){0,3}"
    r"\s+(компани\w*|инвестор\w*|производител\w+|холдинг\w*|сторон\w*|капитал\w*|"
    r"предпринимател\w+|партн[её]р\w*|концерн\w*|корпораци\w+|групп\w+|фирм\w+|бизнесмен\w*|"
    r"инвесторами)\b")
_FROM_COUNTRY_HEAD = re.compile(
    r"(компани\w*|инвестор\w*|производител\w+|холдинг\w*|предпринимател\w+|"
    r"партн[её]р\w*|бизнесмен\w*)\s+(\w+\s+)?из\s+$", re.I)


def find_orgs(text: str) -> list[OrgMention]:
    """Named and described organisation mentions, non-overlapping, in text order."""
    found: list[OrgMention] = []
    taken = bytearray(len(text) + 1)     # positions already named; linear on long texts

    def add(m: OrgMention) -> None:
        if any(taken[m.start:m.end]):
            return
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        found.append(m)

    for m in _LEGAL_NESTED.finditer(text):
        add(_named(text, m.start(2), m.end(2), legal=m.group(1)))
    for m in _LEGAL_QUOTED.finditer(text):
        add(_named(text, m.start(2), m.end(2), legal=m.group(1)))
        end = m.end()
        while (more := _LIST_NEXT.match(text, end)) is not None:
            add(_named(text, more.start(1), more.end(1), legal=m.group(1)))
            end = more.end()
    for m in _HEAD_QUOTED.finditer(text):
        add(_named(text, m.start(1), m.end(1)))
    for m in _ENTITY_QUOTED.finditer(text):
        add(_named(text, m.start(1), m.end(1)))
    # Latin runs before registry hits: "China Railway Asia – Europe Construction Investment Co. Ltd."
    # is named in full, not cut to the registry's "China Railway".
    for m in _LATIN.finditer(text):
        end = m.end(1)
        stop = _SENTENCE_STOP.search(m.group(1))
        if stop:
            end = m.start(1) + stop.start()   # "Pallas Resources. Ivanhoe Mines": two names
        if text[end - 1] == "." and not _ABBREV_END.search(text[m.start(1):end]):
            end -= 1          # the full stop ends the sentence, not the name
        if _is_latin_org(text[m.start(1):end]) and not _DOMAIN.match(text, end):
            add(_named(text, m.start(1), end))   # "Zakon.kz" is a website, not a company
    for start, end, company in find_known_companies(text):
        add(_named(text, start, end, known=company))
    for m in _CYR_AFTER_HEAD.finditer(text):
        name = _trim_cyrillic_name(m.group(1))
        place_adjective = re.match(r"\s+(област|район|город|кра[яюе]|округ)", text[m.start(1) + len(name or ""):])
        if name and not place_adjective and not _PERSON_BEFORE.search(text[max(0, m.start() - 40):m.start(1)]):
            add(_named(text, m.start(1), m.start(1) + len(name)))
    for m in _BARE_QUOTED.finditer(text):
        if lookup_company(m.group(1)) is not None:
            add(_named(text, m.start(1), m.end(1)))
    for m in _PERSON_INVESTOR.finditer(text):
        name = _trim_cyrillic_name(m.group(1))
        if name == m.group(1):           # not a place ("инвесторы Туркестана")
            add(_named(text, m.start(1), m.end(1)))
    for mention in _described(text):
        add(mention)
    found.sort(key=lambda o: o.start)
    _mark_parents(text, found)
    alias_role: dict[str, str | None] = {}
    for prev, cur in zip(found, found[1:]):
        # "China General Nuclear Power Group (CGN)": the bracketed short name is an alias.
        if re.fullmatch(r"[»\"”]?(\s+[A-Z][\w&.'-]*){0,3}\s*\(\s*", text[prev.end:cur.start]) and not cur.described:
            cur.role, prev.aliases = "alias", [*prev.aliases, cur.name]
            alias_role[cur.name] = prev.role
    for m in found:
        if m.role is None and alias_role.get(m.name):
            m.role = alias_role[m.name]   # later mentions of the alias play the same part
    for prev, cur in zip(found, found[1:]):
        # "создано совместно X и китайской Y": the role of X carries over to what is joined to it.
        if prev.role in ("affiliate", "contractor", "lender", "customer") and cur.role is None and \
                re.fullmatch(r"[»\"”]*\s*(,|и)\s+([а-яё]+\s+){0,3}[«\"“]?\s*", text[prev.end:cur.start]):
            cur.role = prev.role
        elif prev.role in ("lender", "agency") and cur.role is None and \
                re.fullmatch(r"\s*[«\"“„]\s*", text[prev.end:cur.start]):
            cur.role = prev.role   # «Социально-предпринимательская корпорация «Тараз»»: one name in two
        elif prev.described and prev.role and cur.role is None and not text[prev.end:cur.start].strip():
            cur.role = prev.role   # "японской корпорации Sumitomo": the description and the name are one
    _mark_owning_groups(text, found)
    brands = {m.name for m in found if m.role == "brand"}
    for m in found:
        if m.name in brands and m.role is None:
            m.role = "brand"   # a car marque in one sentence is a marque in the headline too
    return found


def add_ner_orgs(text: str, mentions: list[OrgMention], spans: list[tuple[int, int]]) -> None:
    """Adds NER organisation spans (offsets into `text`) that the rules did not find."""
    for start, end in spans:
        if any(start < m.end and m.start < end for m in mentions):
            continue
        chunk = text[start:end].strip(" «»\"“”")
        if len(chunk) < 3 or not re.search(r"[A-ZА-ЯЁ]", chunk[:1]) or re.search(r"\d", chunk):
            continue
        if re.fullmatch(r"[A-Za-z .,&'-]+", chunk) and not _is_latin_org(chunk):
            continue
        mention = _named(text, start, end)
        if mention.role is None and mention.country is None and not lookup_company(chunk):
            # NER alone is weak evidence: keep only names that look like a firm's.
            if not re.search(r"[A-Za-z]|групп|холдинг|компани|корпорац", chunk):
                continue
        mentions.append(mention)
    mentions.sort(key=lambda o: o.start)


def _named(text: str, start: int, end: int, legal: str | None = None, known=None) -> OrgMention:
    written = text[start:end]
    company = known or lookup_company(written)
    # Hyphenation left from print or PDF ("Дор¬строй", a soft hyphen) is not part of the name;
    # the mention's span and text stay verbatim.
    name = _HYPHENATION.sub("", written).strip()
    known_forms = {x.lower() for x in (company.name, *company.aliases)} if company is not None else set()
    if company is not None and not re.search(r"[A-Za-z]", written) and written.strip().lower() not in known_forms:
        # An inflected Cyrillic form ("Р-Фармы", "КАМАЗа"): show the registry's nominative.
        cyr = [a for a in (company.name, *company.aliases) if not re.search(r"[A-Za-z]", a)]
        name = min(cyr, key=len) if cyr else company.name
    if legal is None:
        legal = _legal_before(text, start)
    mention = OrgMention(start, end, written, name, legal=legal)
    mention.country = _adjacent_country(text, start, end)
    if mention.country is None and company is not None and getattr(company, "role", None) != "agency":
        mention.country = company.country
    if company is not None:
        mention.aliases = [company.name, *company.aliases]
        if getattr(company, "role", None) in ("agency", "financier", "media"):
            mention.role = {"financier": "lender"}.get(company.role, company.role)
    mention.role = mention.role or _role(text, start, end, name)
    return mention


_HYPHENATION = re.compile(r"(?<=\w)[\u00ac\u00ad](?=\w)")


def _legal_before(text: str, start: int) -> str | None:
    m = re.search(rf"\b({LEGAL})\s*[«\"“„]?\s*$", text[max(0, start - 12):start])
    return m.group(1) if m else None


def _is_latin_org(chunk: str) -> bool:
    words = chunk.replace("(", " ").replace(")", " ").split()
    if not words or _DOMAIN.search(chunk):
        return False
    if all(w.strip(".,") in _LATIN_STOP for w in words):
        return False
    if len(chunk) < 3 or re.search(r"\d", chunk) and not re.search(_LAT_SUFFIX + "$", chunk):
        return False
    return not re.fullmatch(r"[IVXLC]+", chunk)


_NOT_NAMES = {"Казахстан", "Казахстана", "Казахстане", "Республики", "РК", "Правительства", "Китая",
              "России", "Турции", "Кореи", "Узбекистана", "Европы", "Азии"}


def _trim_cyrillic_name(name: str) -> str | None:
    words = name.split()
    while words and (words[-1] in _NOT_NAMES or countries_mod.find_countries(words[-1])):
        words.pop()
    if not words or words[0] in _NOT_NAMES:
        return None
    from kzinvest.extract.places import find_places
    joined = " ".join(words)
    if find_places(joined) or countries_mod.find_countries(joined):
        return None
    return joined


def _adjacent_country(text: str, start: int, end: int) -> str | None:
    """"китайская компания X", "малайзийской компании X", "X (Узбекистан)", "X из Турции"."""
    before = text[max(0, start - 60):start]
    for c in reversed(countries_mod.find_countries(before)):
        gap = before[c.end:]
        if _ADJECTIVE_END.search(c.text) and re.fullmatch(
                r"\s*(?:[а-яё\-]+\s+){0,3}[«\"“„]?\s*(?:" + LEGAL + r"\s*[«\"“„]?\s*)?", gap) and \
                all(_ADJECTIVE_END.search(w) or re.match(HEAD, w, re.I) for w in gap.split()
                    if re.match(r"[а-яё]", w)):
            return c.country
        break
    after = text[end:end + 40]
    # "Coca-Cola İçecek, турецкий разливщик напитков": an apposition says where the firm is from.
    m = re.match(r"[»\"”]?,\s+([а-яё-]+)\s+[а-яё]+", after)
    if m and _ADJECTIVE_END.search(m.group(1)):
        hits = countries_mod.find_countries(m.group(1))
        if hits:
            return hits[0].country
    m = re.match(r"\s*\(([^)]{3,30})\)", after)
    if m:
        hits = countries_mod.find_countries(m.group(1))
        if hits:
            return hits[0].country
    m = re.match(r"[»\"”]?\s*из\s+(\S+(?:\s+\S+)?)", after)
    if m:
        hits = countries_mod.find_countries("из " + m.group(1))
        if hits:
            return hits[0].country
    return None


_WIRE_DATELINE = re.compile(r"\s*[А-ЯЁA-Z][А-ЯЁA-Z\-]+(\s+[А-ЯЁA-Z\-]+)?(,\s*[^.]{0,30})?\.\s*")
_ADJECTIVE_END = re.compile(r"(ая|ой|ую|ий|ый|ого|ому|ие|их|ими|ым|ом|ое|ые|ых|ыми|ей)$", re.I)


def _role(text: str, start: int, end: int, name: str) -> str | None:
    low_name = name.lower()
    for role, pattern in _ROLE_IN_NAME:
        if pattern.search(low_name):
            return role
    line_start = text.rfind("\n", 0, start) + 1
    if _WIRE_DATELINE.fullmatch(text[line_start:start]) and re.match(r"\s*[—–-]", text[end:end + 3]):
        return "media"         # "ПАВЛОДАР. KAZINFORM — ...": the agency filing the story
    before = text[max(0, start - 90):start].lower()
    for role, pattern in _ROLE_BEFORE:
        if pattern.search(before):
            return role
    clause = _clause(text, start, end).lower()
    if _EMPLOYER_BEFORE.search(text[max(0, start - 90):start]) and cues.MEETING.search(clause) \
            and not _PLAN_VERB.search(clause):
        return "employer"      # "встреча с директором компании X": X met, X did not (yet) invest
    if _INVESTOR_CUE.search(clause):
        return None
    for role, pattern in _CLAUSE_ROLE:
        if role == "brand":
            # "автомобили марки X" names a brand; "АО X, работающее под брендом Y" does not make X one.
            head = clause[:clause.find(text[start:end].lower())] if text[start:end].lower() in clause else clause
            if pattern.search(head):
                return role
        elif pattern.search(clause):
            return role
    return None


_CLAUSE_END = re.compile(r"(?<!\bCo)(?<!\bLtd)(?<!\bInc)(?<!\bCorp)(?<!\b[A-ZА-Я])\.(?=\s+[А-ЯЁA-Z«\"])|[;!?\n]")


def _clause(text: str, start: int, end: int) -> str:
    lefts = [m.end() for m in _CLAUSE_END.finditer(text, max(0, start - 300), start)]
    right = _CLAUSE_END.search(text, end)
    return text[lefts[-1] if lefts else max(0, start - 300):right.start() if right else len(text)]


_DOMESTIC = re.compile(r"\b(отечественн|местн)\w+(?=\s+(предпринимател|инвестор|компани|производител|бизнесмен))",
                       re.I)


# "Узбекистан построит в Туркестанской области ...": a country that opens its clause and
# invests or builds speaks for an investor the page does not name.
_COUNTRY_INVESTS = re.compile(
    r"\s+(?:[а-яё]+\s+){0,2}?(построит|инвестирует|вложит|откроет|запустит|профинансирует|"
    r"(?:намерен[аы]?|планирует|готов[аы]?)\s+(?:вложить|инвестировать|построить|открыть))\b")
_CLAUSE_OPENS = re.compile(r"(?:^|[.!?:\n]\s*)$")
# "завод с участием России", "при участии турецкого капитала": a co-investor by country.
_WITH_COUNTRY = re.compile(r"\b(?:с|при)\s+участи(?:ем|и)\s+$", re.I)


def _described(text: str) -> list[OrgMention]:
    """"турецкая компания", "инвесторы из Турции": an investor known only by its country."""
    out = []
    for d in _DOMESTIC.finditer(text):   # "отечественный предприниматель": a local investor
        head = _DESCRIBED_HEAD.match(text[d.end():d.end() + 80])
        if head:
            out.append(_described_mention(text, d.start(), d.end() + head.end(), "KZ"))
    for c in countries_mod.find_countries(text):
        m = _DESCRIBED_HEAD.match(text[c.end:c.end + 80]) if _ADJECTIVE_END.search(c.text) else None
        if m and c.country == "KZ" and m.group(1).lower().startswith("сторон"):
            m = None   # "казахстанская сторона" is the government across the table, not a firm
        if m and not re.match(r"\s*из\s*$", text[max(0, c.start - 4):c.start]):
            end = c.end + m.end()
            out.append(_described_mention(text, c.start, end, c.country))
            continue
        if c.country != "KZ" and not _ADJECTIVE_END.search(c.text):
            opens = _CLAUSE_OPENS.search(text[max(0, c.start - 3):c.start])
            if (opens and _COUNTRY_INVESTS.match(text, c.end)) or _WITH_COUNTRY.search(text[max(0, c.start - 20):c.start]):
                out.append(_described_mention(text, c.start, c.end, c.country))
                continue
        window_start = max(0, c.start - 45)
        head = _FROM_COUNTRY_HEAD.search(text[window_start:c.start])
        if head and re.search(r"\bиз\s+$", text[window_start:c.start]):
            start = window_start + head.start()
            out.append(_described_mention(text, start, c.end, c.country))
    return out


_OWNING_GROUP = re.compile(r"(завод\w*|фабрик\w*|предприяти\w*|комбинат\w*|комплекс\w*)[^.]{0,60}\s"
                           r"(групп[ыа]|холдинга|концерна)(\s+компаний)?\s*[«\"“]?\s*$", re.I)


def _mark_owning_groups(text: str, mentions: list[OrgMention]) -> None:
    """"завод группы Allur. На предприятии ТОО «САП» ...": the group owns the company that
    runs the plant; both name one undertaking, reported under the operating company."""
    for i, m in enumerate(mentions):
        if m.role is not None or m.described or not _OWNING_GROUP.search(text[max(0, m.start - 120):m.start]):
            continue
        child = next((c for c in mentions[i + 1:] if c.legal and c.role is None and not c.described
                      and c.start - m.end < 300), None)
        if child is not None:
            m.role, child.parent = "parent", m.name


def _described_mention(text: str, start: int, end: int, country: str) -> OrgMention:
    mention = OrgMention(start, end, text[start:end], "", described=True, country=country)
    clause = _clause(text, start, end)
    # The comma-separated part that holds the description: "заказчик – национальная компания,
    # генеральный подрядчик – китайская компания" gives each description its own role.
    offset = start - text.find(clause) if clause else 0
    left = clause.rfind(",", 0, max(offset, 0)) + 1
    right = clause.find(",", offset + (end - start))
    part = clause[left:right if right != -1 else len(clause)].lower()
    if not _INVESTOR_CUE.search(part):
        mention.role = next((role for role, p in _CLAUSE_ROLE if role != "brand" and p.search(part)), None)
    return mention


def _mark_parents(text: str, mentions: list[OrgMention]) -> None:
    """"ТОО X — дочерней структуры немецкой Y": Y is X's parent (and gives X its country)."""
    named = [m for m in mentions if not m.described]   # "дочерняя компания турецкой группы Y"
    for prev, cur in zip(named, named[1:]):
        between = text[prev.end:cur.start]
        if len(between) < 80 and _PARENT.search(between):
            prev.parent = cur.name
            cur.role = cur.role or "parent"
            if cur.country and (prev.country in (None, "KZ")):
                prev.country = cur.country
    for m in mentions:
        # "холдинг Y, в который входит компания": Y owns the investor, it is not a second one.
        if re.match(r"[»\"”]?\s*,?\s*в (который|которую|которое|которой) входит", text[m.end:m.end + 40]):
            m.role = m.role or "parent"
    return None
