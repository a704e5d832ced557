"""Features for the learned decisions, computed from what the grammars, gazetteers and NER found.

Each decision sees a sparse dict {feature name: value}:
  * `candidate_features` — is this organisation the investor of a project here;
  * `sector_features`, `stage_features` — what the project is and how far it has gone;
  * `option_features` — which of the amounts (or jobs figures) in a project's sentences is its own.
Words enter as crude stems (the first letters of a word, which is how Russian inflection is
mostly undone cheaply) hashed into a fixed space, so a product or a verb the lexicons never
listed still carries weight when the training pages had it.
"""
from __future__ import annotations

import math
import re
import zlib
from collections import Counter

from kzinvest.extract import cues
from kzinvest.extract.sectors import sector_scores
from kzinvest.extract.vectors import mean_vector

STEM = 6                        # letters kept of a word
BUCKETS = 1 << 15               # hashed stem space
_WORD = re.compile(r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]{3,}")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def stems(text: str, prefix: str) -> Counter:
    out: Counter = Counter()
    for word in _WORD.findall(text.lower()):
        out[f"{prefix}{zlib.crc32(word[:STEM].encode()) % BUCKETS}"] = 1.0
    return out


def _context(text: str, start: int, end: int, width: int = 40) -> tuple[str, str]:
    return text[max(0, start - width):start], text[end:end + width]


def _log(n: float) -> float:
    return math.log1p(max(n, 0.0))


# ---------------------------------------------------------------- is it a project of this investor

def candidate_features(c) -> dict[str, float]:
    r, u, infos = c.record, c.undertaking, c.infos
    entity = u.entity
    text_of = {i.sent.index: i for i in infos}
    mentions = [m for m in entity.mentions]
    named = [m for m in mentions if not m.described]
    own = u.sentences
    f: dict[str, float] = {"rule_investor": float(c.rule_investor), "described": float(entity.described)}
    if not entity.mentions:
        f["unnamed"] = 1.0      # nobody is named for this undertaking: what is done stands alone
    name = r.investor or ""
    if name:
        f["name_latin"] = float(bool(_LATIN.search(name)))
        f["name_cyrillic"] = float(bool(_CYRILLIC.search(name)))
        f["name_upper"] = float(name.isupper())
        f["name_short"] = float(len(name) <= 4)
        f["name_words"] = min(len(name.split()), 5) / 5
        f["name_digit"] = float(any(ch.isdigit() for ch in name))
    f["legal_form"] = float(any(m.legal for m in named))
    f["has_parent"] = float(any(m.parent for m in mentions))
    for role in {m.role for m in mentions if m.role}:
        f["role_" + role] = 1.0
    f["country_" + ("none" if not r.investor_country else "kz" if r.investor_country == "KZ" else "foreign")] = 1.0
    f["mentions"] = _log(len(mentions))
    sent_of = [next((i for i in infos if i.sent.start <= m.start < i.sent.end), None) for m in mentions]
    first = min((i.sent.index for i in sent_of if i is not None), default=len(infos))
    f["in_title"] = float(first == 0)
    f["first_position"] = first / max(len(infos), 1)
    f["in_background"] = float(bool(sent_of) and all(i is not None and i.background for i in sent_of))
    f["own_sentences"] = _log(len(own))
    f["own_facility"] = float(any(i.facility for i in own))
    f["own_invest_verb"] = float(any(cues.INVEST_VERB.search(i.sent.text) for i in own))
    f["own_money"] = float(any(i.money for i in own))
    f["own_jobs"] = float(any(i.jobs for i in own))
    f["own_aggregate"] = sum(i.aggregate for i in own) / max(len(own), 1)
    f["own_meeting"] = sum(i.meeting for i in own) / max(len(own), 1)
    f["own_not_investment"] = float(any(cues.NOT_INVESTMENT.search(i.sent.text) for i in own))
    f["has_amount"] = float(r.amount is not None)
    f["has_jobs"] = float(r.jobs is not None)
    f["has_region"] = float(r.region is not None)
    f["has_city"] = float(r.city is not None)
    f["sector_other"] = float(r.sector == "other")
    f["rule_stage_" + r.stage] = 1.0
    f["siblings"] = _log(c.siblings - 1)
    f["list_item"] = float(u.item_text is not None or u.place_hint is not None)
    # The words around the name: "Минсельхоза", "по данным", "генподрядчик", "резидент".
    for m in mentions[:4]:
        info = text_of.get(next((i.sent.index for i in infos if i.sent.start <= m.start < i.sent.end), -1))
        if info is None:
            continue
        left, right = _context(info.sent.text, m.start - info.sent.start, m.end - info.sent.start)
        f.update(stems(left[-25:], "L"))
        f.update(stems(right[:25], "R"))
    f.update(stems(name, "N"))
    f.update(_relative_features(c, len(mentions), first))
    return f


def _first_sentence(c) -> int:
    infos = c.infos
    starts = [m.start for m in c.undertaking.entity.mentions]
    return min((i.sent.index for i in infos for s in starts if i.sent.start <= s < i.sent.end),
               default=len(infos))


def _relative_features(c, mentions: int, first: int) -> dict[str, float]:
    """How this organisation stands among the article's other candidates: an article is
    mostly about one investor, and the one named most, first and beside the money is usually
    it, whatever words surround the others."""
    peers = [p for p in c.peers if p.undertaking.entity is not c.undertaking.entity]
    f: dict[str, float] = {}
    if not peers:
        f["alone"] = 1.0
        return f
    counts = [len(p.undertaking.entity.mentions) for p in peers]
    f["most_mentioned"] = float(mentions >= max(counts))
    f["mention_share"] = mentions / max(mentions + sum(counts), 1)
    f["named_first"] = float(first <= min(_first_sentence(p) for p in peers))
    f["peers_rule_investor"] = _log(sum(p.rule_investor for p in peers))
    f["only_rule_investor"] = float(c.rule_investor and not any(p.rule_investor for p in peers))
    own_money = any(i.money for i in c.undertaking.sentences)
    f["only_with_money"] = float(own_money and not any(i.money for p in peers for i in p.undertaking.sentences))
    f["peers_described"] = float(any(p.undertaking.entity.described for p in peers))
    f["own_undertakings"] = _log(sum(p.undertaking.entity is c.undertaking.entity for p in c.peers) - 1)
    return f


# ---------------------------------------------------------------- sector and stage

def sector_features(c) -> dict[str, float]:
    r, u = c.record, c.undertaking
    f: dict[str, float] = {f"rule={r.sector}": 1.0}
    scores: Counter = Counter()
    for info in u.sentences:
        weight = 2.0 if info.facility else 1.0
        scores.update(sector_scores(info.sent.text, weight))
        for k, v in stems(info.sent.text, "W").items():
            f[k] = f.get(k, 0.0) + v * weight
    if u.item_text:
        scores.update(sector_scores(u.item_text, 3.0))
        f.update({k: 3.0 for k in stems(u.item_text, "W")})
    top = max(scores.values(), default=0) or 1
    for sector, score in scores.items():
        f[f"score={sector}"] = score / top
    # The article as a whole: a one-project article names its product in sentences the
    # attribution did not give the investor (the headline, a quote).
    article: Counter = Counter()
    for info in c.infos:
        if not info.background:
            article.update(sector_scores(info.sent.text, 1.0))
    top = max(article.values(), default=0) or 1
    for sector, score in article.items():
        f[f"art={sector}"] = score / top
    for k in [k for k in f if k[0] == "W"]:
        f[k] = min(f[k], 3.0) / 3.0
    if c.record.investor:
        f.update(stems(c.record.investor, "N"))
    # What the plant makes, as word vectors: a product no training page named still lands
    # near the ones that were ("кирпич" beside "цемент").
    f.update(_vector_features(" ".join(i.sent.text for i in u.sentences if i.facility)
                              or " ".join(i.sent.text for i in u.sentences), "E"))
    return f


VECTOR_SCALE = 5.0      # a unit vector's coordinates are ~0.06; scaled to weigh like the 0/1 features


def _vector_features(text: str, prefix: str) -> dict[str, float]:
    vector = mean_vector(text)
    if vector is None:
        return {}
    return {f"{prefix}{k}": VECTOR_SCALE * float(v) for k, v in enumerate(vector)}


def stage_features(c) -> dict[str, float]:
    r, u, infos = c.record, c.undertaking, c.infos
    f: dict[str, float] = {f"rule={r.stage}": 1.0}
    for info in u.sentences:
        s = info.stage
        if s:
            tag = "past" if info.past else "bg" if info.background else "own"
            f[f"{tag}={s}"] = 1.0
        f.update(stems(info.sent.text, "W"))
        f.update(verb_forms(info.sent.text, "V"))
    for info in infos:                          # what the article as a whole reports
        if info.stage and not info.background:
            f[f"art={info.stage}"] = f.get(f"art={info.stage}", 0.0) + 0.5
    for info in infos[:2]:                      # the headline and lead say how far it has come
        if info.stage:
            f[f"lead={info.stage}"] = 1.0
        f.update(stems(info.sent.text, "T"))
        f.update(verb_forms(info.sent.text, "U"))
    return f


# Russian verb endings say whether a thing was done, has been done or will be: "построили",
# "построен" and "построит" share a stem but not a stage.
_FORMS = (
    ("past", re.compile(r"л(?:а|о|и)?(?:сь|ся)?$")),
    ("done", re.compile(r"(?:ен|ён|ена|ено|ены|ан|ана|ано|аны|ыт|ыта|ыто|ыты|ит[аоы])$")),
    ("will", re.compile(r"(?:ит|ят|ет|ут|ют|ат|ется|ится|ются|ятся|ать|ить|еть|ять)$")),
)


def verb_forms(text: str, prefix: str) -> Counter:
    out: Counter = Counter()
    for word in _WORD.findall(text.lower()):
        if len(word) < 5:
            continue
        for form, pattern in _FORMS:
            if pattern.search(word):
                out[f"{prefix}{form}{zlib.crc32(word[:STEM].encode()) % BUCKETS}"] = 1.0
                break
    return out


# ---------------------------------------------------------------- which figure is this project's

def amount_options(c) -> list[tuple[object, object, dict[str, float]]]:
    """(money, sentence info, features) for every amount in the project's sentences."""
    u = c.undertaking
    entity = u.entity
    own = {id(i) for i in u.sentences}
    monies = [(m, i) for i in u.sentences for m in i.money if m.amount >= 100_000]
    # The article's other amounts too, flagged: the attribution can leave a one-project
    # article's figure in a sentence it gave nobody ("Стоимость проекта — 5 млрд тенге").
    monies += [(m, i) for i in c.infos if id(i) not in own for m in i.money if m.amount >= 100_000]
    largest = max((m.amount for m, _ in monies), default=0)
    out = []
    for order, (money, info) in enumerate(monies):
        low = info.sent.text.lower()
        f = _sentence_flags(info, entity, c)
        if id(info) not in own:
            f["not_own"] = 1.0
            f["not_own_owned_by_other"] = float(c.sentence_owners[info.sent.index] > 0)
            f["not_own_single_candidate"] = float(c.siblings == 1)
        f["rule_pick"] = float(money.amount == c.record.amount and money.currency == c.record.currency)
        f["strong_cue"] = float(bool(cues.STRONG_AMOUNT.search(low)))
        f["total_cue"] = float(bool(cues.TOTAL_AMOUNT.search(low)))
        f["partial_cue"] = float(bool(cues.PARTIAL_AMOUNT.search(low)))
        f["past_cumulative"] = float(bool(cues.PAST_CUMULATIVE.search(low)))
        f["is_largest"] = float(money.amount == largest)
        f["order"] = order / max(len(monies), 1)
        f["first"] = float(order == 0)
        f["position"] = float(info.money.index(money))
        f["range"] = float(money.amount_max is not None)
        f["magnitude"] = math.log10(money.amount) / 12
        f[f"currency={money.currency}"] = 1.0
        f["options"] = _log(len(monies))
        left, right = _context(info.sent.text, money.start - info.sent.start, money.end - info.sent.start, 50)
        f.update(stems(left, "L"))
        f.update(stems(right[:30], "R"))
        out.append((money, info, f))
    return out


def jobs_options(c) -> list[tuple[object, object, dict[str, float]]]:
    u = c.undertaking
    entity = u.entity
    found = [(j, i) for i in u.sentences for j in i.jobs]
    out = []
    for order, (jobs, info) in enumerate(found):
        f = _sentence_flags(info, entity, c)
        f["rule_pick"] = float(jobs.count == c.record.jobs)
        f[f"kind={jobs.kind}"] = 1.0
        f["order"] = order / max(len(found), 1)
        f["first"] = float(order == 0)
        f["magnitude"] = math.log10(max(jobs.count, 1)) / 5
        f["options"] = _log(len(found))
        left, right = _context(info.sent.text, jobs.start - info.sent.start, jobs.end - info.sent.start, 50)
        f.update(stems(left, "L"))
        f.update(stems(right[:40], "R"))
        out.append((jobs, info, f))
    return out


def _sentence_flags(info, entity, c) -> dict[str, float]:
    named = any(entity.has(m) for m in info.orgs)
    return {
        "aggregate": float(info.aggregate), "background": float(info.background),
        "past": float(info.past), "meeting": float(info.meeting), "facility": float(info.facility),
        "names_investor": float(named), "other_orgs": float(any(not entity.has(m) for m in info.orgs)),
        "shared": float(c.sentence_owners[info.sent.index] > 1), "in_title": float(info.sent.index == 0),
        "sentence_stage": float(bool(info.stage)),
    }


_MET = re.compile(r"встрет|встреч|переговор|визит", re.I)


def placed_by(info, place) -> bool:
    from kzinvest.extract.projects import after_facility     # the assembler's own test
    return after_facility(info, place)


def region_options(c) -> list[tuple[str, object, dict[str, float]]]:
    """(region, its first place mention in the article, features) for every Kazakh region the
    article names: the project's own sentences, the headline, the article as a whole."""
    u, infos = c.undertaking, c.infos
    own = {id(i) for i in u.sentences}
    seen: dict[str, dict] = {}
    total = 0
    for info in infos:
        for p in info.places:
            if not p.region or p.kind == "foreign":
                continue
            total += 1
            entry = seen.setdefault(p.region, {"place": p, "f": Counter()})
            f = entry["f"]
            f["mentions"] += 1
            f[f"kind_{p.kind}"] = 1.0
            if id(info) in own:
                f["own"] += 1
                f[f"own_{p.kind}"] = 1.0
                if info.facility:
                    f["own_facility"] = 1.0
            if info.sent.index == 0:
                f["in_title"] = 1.0
            if info.sent.index <= 2:
                f["in_lead"] = 1.0
            if info.meeting and _MET.search(info.sent.text) and not placed_by(info, p):
                f["in_meeting"] += 1       # "встреча в Астане": where people met, not the plant
            else:
                f["placing"] += 1
            if info.background:
                f["in_background"] += 1
            left = info.sent.text[max(0, p.start - info.sent.start - 30):p.start - info.sent.start]
            for k in stems(left, "L"):
                f[k] = 1.0
    out = []
    for region, entry in seen.items():
        f = entry["f"]
        if f["placing"] == 0:
            continue         # named only as where people met (SPEC: that places no plant)
        f["share"] = f["mentions"] / total
        f["own"] = _log(f["own"])
        f["mentions"] = _log(f["mentions"])
        f["in_meeting"] = float(f["in_meeting"] > 0)
        f["placing"] = _log(f["placing"])
        f["in_background"] = float(f["in_background"] > 0)
        f["rule_pick"] = float(region == c.record.region)
        f["regions"] = _log(len(seen))
        out.append((region, entry["place"], dict(f)))
    return out


def split_features(a, b) -> dict[str, float]:
    """Is candidate `b` another undertaking of the investor of candidate `a` (kept already), or
    the same one told twice? ("Kazakhmys builds a smelter ... and a power plant" vs a plant
    whose headline and body the rules read as two.)"""
    ra, rb = a.record, b.record
    sa = {i.sent.index for i in a.undertaking.sentences}
    sb = {i.sent.index for i in b.undertaking.sentences}
    first = b.undertaking.sentences[0].sent.text if b.undertaking.sentences else ""
    f = {
        "same_sector": float(ra.sector == rb.sector),
        "b_sector_other": float(rb.sector == "other"),
        "same_region": float(ra.region == rb.region),
        "b_region": float(rb.region is not None),
        "b_amount": float(rb.amount is not None),
        "a_amount": float(ra.amount is not None),
        "amounts_differ": float(ra.amount is not None and rb.amount is not None and ra.amount != rb.amount),
        "b_jobs": float(rb.jobs is not None),
        "same_stage": float(ra.stage == rb.stage),
        "b_list_item": float(b.undertaking.item_text is not None or b.undertaking.place_hint is not None),
        "b_transition": float(bool(cues.TRANSITION.search(first))),
        "b_rule_investor": float(b.rule_investor),
        "overlap": len(sa & sb) / max(len(sb), 1),
        "b_sentences": _log(len(sb)),
        "b_facility": float(any(i.facility for i in b.undertaking.sentences)),
        "same_name": float(ra.investor == rb.investor),
    }
    return f
