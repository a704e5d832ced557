"""Synthetic news corpus with gold, for scale tests and benchmarks.

    python benchmarks/make_corpus.py OUT_DIR --articles 20000 [--seed 7] [--format jsonl|txt]
                                      [--per-shard 1000]

Articles are written from templates and the vocabulary of real ones: investors from the
company registry (src/kzinvest/data/companies.csv, with their countries and sectors),
towns and regions from the gazetteer (data/places), amounts in tenge, dollars, euros,
roubles and yuan, the five stages, and the junk real pages carry ("Популярное" lists,
"Читайте также", photo credits, tickers, subscription banners). Some articles hold two
projects, some only an aggregate statistic, some no investment at all.

Projects recur: an undertaking (investor, place, facility, amount) is reported by several
articles over the years, its stage moving forward, so the registry has timelines to build.

Everything is a function of (seed, article number): article i is the same whatever
--articles says, and the corpus can be generated in pieces. Output:

- `articles/`, the folder to ingest: in jsonl (default) shards `articles-00000.jsonl` of
  --per-shard objects {"title", "text", "url", "published"} (a JSON Lines dump, as news
  archives come); in txt one `a0000001.txt` file per article, folders of 1,000;
- `gold.jsonl`: one line per project record, the contract of shared/dev/gold.jsonl
  ({"file", "investor", "investor_country", "region", "city", "sector", "amount",
  "currency", "jobs", "stage"}) plus "date", "project" (the undertaking's number, for
  resolution) and "kind";
- `corpus.json`: the parameters.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "kzinvest" / "data"
STAGES = ("negotiation", "memorandum", "agreement", "construction", "launched")
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря")

# sector -> (accusative, genitive) of facilities: "построит {acc}", "строительство {gen}"
FACILITIES = {
    "automotive": [("завод по сборке легковых автомобилей", "завода по сборке легковых автомобилей"),
                   ("завод по производству автокомпонентов", "завода по производству автокомпонентов"),
                   ("предприятие по выпуску грузовых автомобилей", "предприятия по выпуску грузовых автомобилей")],
    "energy": [("ветровую электростанцию мощностью {mw} МВт", "ветровой электростанции мощностью {mw} МВт"),
               ("солнечную электростанцию мощностью {mw} МВт", "солнечной электростанции мощностью {mw} МВт")],
    "agri_food": [("молочно-товарную ферму на {cows} голов", "молочно-товарной фермы на {cows} голов"),
                  ("завод по глубокой переработке зерна", "завода по глубокой переработке зерна"),
                  ("мясоперерабатывающий комплекс", "мясоперерабатывающего комплекса")],
    "chemicals": [("завод по производству минеральных удобрений", "завода по производству минеральных удобрений"),
                  ("завод по выпуску полипропилена", "завода по выпуску полипропилена")],
    "metallurgy": [("металлургический завод", "металлургического завода"),
                   ("завод по производству ферросплавов", "завода по производству ферросплавов")],
    "construction_materials": [("цементный завод", "цементного завода"),
                               ("завод по производству кирпича", "завода по производству кирпича")],
    "pharma": [("фармацевтический завод", "фармацевтического завода")],
    "logistics": [("транспортно-логистический центр", "транспортно-логистического центра")],
    "it": [("центр обработки данных", "центра обработки данных")],
    "consumer_goods": [("фабрику по производству мебели", "фабрики по производству мебели"),
                       ("завод бытовой техники", "завода бытовой техники")],
    "machinery": [("завод сельскохозяйственной техники", "завода сельскохозяйственной техники")],
    "electronics": [("завод по производству светодиодных ламп", "завода по производству светодиодных ламп")],
    "mining": [("горно-обогатительный комбинат", "горно-обогатительного комбината")],
    "oil_gas": [("газоперерабатывающий завод", "газоперерабатывающего завода")],
}
CURRENCIES = (("долларов", "USD", 1.0), ("долларов США", "USD", 1.0), ("евро", "EUR", 0.9),
              ("тенге", "KZT", 470.0), ("рублей", "RUB", 90.0), ("юаней", "CNY", 7.1))
JUNK_HEADLINES = ("В Алматы открылся новый сквер", "Синоптики предупредили о заморозках",
                  "Сборная Казахстана вышла в полуфинал", "Цены на бензин выросли в регионах",
                  "Как получить налоговый вычет", "В Астане прошел марафон",
                  "Морозы возвращаются в Казахстан", "Новые правила въезда для иностранцев",
                  "Что изменится в законодательстве с 1 июля", "Курс тенге на сегодня")


@dataclass(frozen=True)
class Company:
    name: str
    country: str
    sector: str


@dataclass(frozen=True)
class Place:
    city: str
    region: str


@lru_cache(maxsize=1)
def vocabulary():
    """Companies (real names, their countries and sectors), towns with regions,
    country adjectives."""
    companies = []
    with open(DATA / "companies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["role"] == "company" and row["sector"] in FACILITIES and row["country"]:
                companies.append(Company(row["name"], row["country"], row["sector"]))
    places = []
    with open(DATA / "places" / "places.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] == "city" and row["region"] and int(row["population"] or 0) >= 20000:
                places.append(Place(row["name"], row["region"]))
    adjectives = {}
    with open(DATA / "countries" / "adjectives.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            adj = row["adjectives"].split("|")[0]
            if adj.endswith("ий"):
                adjectives[row["code"]] = adj[:-2] + "ая"
            elif adj.endswith(("ый", "ой")):
                adjectives[row["code"]] = adj[:-2] + "ая"
    companies = [c for c in companies if c.country in adjectives]
    return companies, places, adjectives


def _rng(seed: int, *parts) -> random.Random:
    return random.Random(f"{seed}:" + ":".join(map(str, parts)))


@dataclass
class Undertaking:
    number: int
    company: Company
    place: Place
    facility: tuple[str, str]
    amount: float            # in `currency` units
    words: str               # currency as written
    currency: str
    jobs: int | None
    start: int               # first year


def undertaking(seed: int, number: int) -> Undertaking:
    companies, places, _ = vocabulary()
    r = _rng(seed, "project", number)
    company = r.choice(companies)
    acc, gen = r.choice(FACILITIES[company.sector])
    fill = {"mw": r.choice((50, 100, 150, 200, 300)), "cows": r.choice((600, 1200, 2400))}
    words, code, per_usd = r.choice(CURRENCIES)
    usd_millions = r.choice((5, 12, 20, 35, 50, 80, 120, 200, 350, 500, 1200))
    millions = usd_millions * per_usd        # rounded as an article writes it
    amount = (round(millions / 1000, 1) * 1e9 if millions >= 1000 else round(millions, 1) * 1e6)
    return Undertaking(number, company, r.choice(places), (acc.format(**fill), gen.format(**fill)),
                       amount, words, code, r.choice((None, 50, 120, 300, 500, 1000, 1500)),
                       r.randint(2018, 2024))


def _money(amount: float, words: str) -> str:
    value, unit = (amount / 1e9, "млрд") if amount >= 1e9 else (amount / 1e6, "млн")
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} {unit} {words}"


def _date(r: random.Random, year: int) -> tuple[str, str]:
    month, day = r.randint(1, 12), r.randint(1, 28)
    return f"{year:04d}-{month:02d}-{day:02d}", f"{day} {MONTHS[month - 1]} {year} года"


def _project_text(r: random.Random, u: Undertaking, stage: str) -> list[str]:
    _, _, adjectives = vocabulary()
    c, acc, gen = u.company, u.facility[0], u.facility[1]
    who = f"{adjectives[c.country]} компания {c.name}" if c.country != "KZ" else f"компания {c.name}"
    who = who[0].upper() + who[1:]
    where = f"в городе {u.place.city}"
    lead = {
        "negotiation": [f"{who} планирует построить {acc} {where}.",
                        f"{who} рассматривает возможность строительства {gen} {where}."],
        "memorandum": [f"{who} и акимат подписали меморандум о строительстве {gen} {where}."],
        "agreement": [f"{who} подписала инвестиционное соглашение о строительстве {gen} {where}."],
        "construction": [f"{who} начала строительство {gen} {where}.",
                         f"{who} приступила к строительству {gen} {where}."],
        "launched": [f"{who} запустила {acc} {where}.",
                     f"{who} ввела в эксплуатацию {acc} {where}."],
    }[stage]
    out = [r.choice(lead),
           f"Стоимость проекта составляет {_money(u.amount, u.words)}."]
    if u.jobs:
        out.append(r.choice((f"Будет создано {u.jobs} рабочих мест.",
                             f"На предприятии будут работать {u.jobs} человек.")))
    return out


def _junk(r: random.Random) -> list[str]:
    blocks = []
    if r.random() < 0.6:
        blocks.append("Популярное\n\n" + "\n".join(r.sample(JUNK_HEADLINES, 4)))
    if r.random() < 0.4:
        blocks.append("Читайте также: " + r.choice(JUNK_HEADLINES))
    if r.random() < 0.3:
        blocks.append(f"USD {r.uniform(440, 520):.2f}  EUR {r.uniform(480, 580):.2f}  "
                      f"RUB {r.uniform(4.5, 6.5):.2f}")
    if r.random() < 0.3:
        blocks.append("Подписывайтесь на наш Telegram-канал, чтобы первыми узнавать новости.")
    return blocks


def article(seed: int, i: int, n_articles: int) -> tuple[dict, list[dict]]:
    """Article i: ({"title", "text", "url", "published"}, its gold records)."""
    r = _rng(seed, "article", i)
    pool = max(1, n_articles // 3) if n_articles else 1
    roll = r.random()
    if roll < 0.07:                   # no investment at all
        year = r.randint(2018, 2025)
        published, spoken = _date(r, year)
        body = [f"{spoken}. " + r.choice(JUNK_HEADLINES) + ".",
                "По данным ведомства, работы завершатся до конца года."]
        return _finish(seed, i, r, r.choice(JUNK_HEADLINES), body, published), []
    if roll < 0.12:                   # an aggregate statistic only
        _, places, _ = vocabulary()
        p = r.choice(places)
        year = r.randint(2018, 2025)
        published, spoken = _date(r, year)
        n = r.randint(5, 40)
        body = [f"{spoken}. В городе {p.city} за год подписано {n} меморандумов на "
                f"{r.randint(2, 90)} млрд тенге.", "Об этом сообщили в акимате."]
        gold = [{"kind": "indicator", "region": p.region}]
        return _finish(seed, i, r, "Итоги инвестиционного года", body, published), gold
    projects = [undertaking(seed, r.randrange(pool))]
    if r.random() < 0.15:
        other = undertaking(seed, r.randrange(pool))
        if other.company != projects[0].company:
            projects.append(other)
    step = r.randrange(len(STAGES))
    year = min(2025, projects[0].start + step)
    published, spoken = _date(r, year)
    body, gold = [], []
    for n, u in enumerate(projects):
        stage = STAGES[min(len(STAGES) - 1, step + n)]
        sentences = _project_text(r, u, stage)
        if n == 0:
            sentences[0] = f"{spoken}. {sentences[0]}"
        else:
            sentences[0] = "Кроме того, " + sentences[0][0].lower() + sentences[0][1:]
        body.append(" ".join(sentences))
        gold.append({"kind": "project", "investor": u.company.name,
                     "investor_country": u.company.country, "region": u.place.region,
                     "city": u.place.city, "sector": u.company.sector, "amount": u.amount,
                     "currency": u.currency, "jobs": u.jobs, "stage": stage,
                     "date": published, "project": u.number})
    body.append(r.choice(("Проект реализуется при поддержке акимата области.",
                          "Продукция будет поставляться на внутренний рынок и на экспорт.",
                          "Об этом сообщила пресс-служба компании.")))
    title = f"{projects[0].company.name}: новый проект в городе {projects[0].place.city}"
    return _finish(seed, i, r, title, body, published), gold


def _finish(seed, i, r, title, body, published) -> dict:
    junk = _junk(r)
    text = "\n\n".join([title, *body, *(["Фото: пресс-служба акимата"] if r.random() < 0.3 else []),
                        *junk])
    return {"title": title, "text": text, "url": f"https://news.example.kz/{seed}/{i}",
            "published": published}


def write_corpus(out: Path, articles: int, seed: int = 7, fmt: str = "jsonl",
                 per_shard: int = 1000) -> dict:
    """Write the corpus under `out`; returns its description (also in corpus.json)."""
    arts = out / "articles"
    arts.mkdir(parents=True, exist_ok=True)
    gold_lines = 0
    with open(out / "gold.jsonl", "w", encoding="utf-8") as gold_fh:
        shard = None
        for i in range(articles):
            art, gold = article(seed, i, articles)
            if fmt == "jsonl":
                if i % per_shard == 0:
                    if shard:
                        shard.close()
                    name = f"articles-{i // per_shard:05d}.jsonl"
                    shard = open(arts / name, "w", encoding="utf-8")
                shard.write(json.dumps(art, ensure_ascii=False) + "\n")
                source = f"{arts / name}:{i % per_shard + 1}"
            else:
                folder = arts / f"{i // 1000:04d}"
                folder.mkdir(exist_ok=True)
                path = folder / f"a{i:07d}.txt"
                path.write_text(art["text"], encoding="utf-8")
                source = str(path)
            for g in gold:
                gold_fh.write(json.dumps({"file": source, **g}, ensure_ascii=False) + "\n")
                gold_lines += 1
        if shard:
            shard.close()
    meta = {"articles": articles, "seed": seed, "format": fmt, "per_shard": per_shard,
            "gold_records": gold_lines}
    (out / "corpus.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=("jsonl", "txt"), default="jsonl")
    ap.add_argument("--per-shard", type=int, default=1000)
    a = ap.parse_args(argv)
    if not 1 <= a.articles <= 10_000_000:
        ap.error("--articles: 1 .. 10,000,000")
    meta = write_corpus(a.out, a.articles, a.seed, a.format, a.per_shard)
    print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
