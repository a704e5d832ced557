"""Registry benchmarks (figures, not pass/fail):

1. ingest throughput (documents/s, one process, extraction included) against bare
   extraction of the same documents: the registry's own overhead;
2. filtered project-list latency (median, p95) on a generated database of
   100,000 projects / 1,000,000 mentions (--scale 0.1 for a quick run).

    .venv/bin/python benchmarks/registry_bench.py [--scale 1.0] [--db URL] [--skip-ingest]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kzinvest.model import SECTORS, STAGES, Document, Record  # noqa: E402
from kzinvest.registry.models import (Company, CompanyAlias, Document as DocRow,  # noqa: E402
                                      Mention, Project, ProjectEvent)
from kzinvest.registry.query import ProjectFilter, list_projects  # noqa: E402
from kzinvest.registry.store import open_store  # noqa: E402

REGIONS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35",
           "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71",
           "KZ-75", "KZ-79"]
COUNTRIES = ["CN", "RU", "TR", "KR", "US", "DE", "FR", "IT", "UZ", "AE", "JP", "IN", "GB", "NL",
             "KZ", "MY", "SA", "QA", "ES", "PL"]
CORPUS_DIRS = [ROOT / "samples", Path("/work/shared/dev/articles")]


# --- 1. ingest vs bare extraction ---------------------------------------------------------

def load_corpus(min_docs: int) -> list[Document]:
    from kzinvest.sources.files import iter_documents
    base = []
    for d in CORPUS_DIRS:
        if d.exists():
            base += [x for x in iter_documents([str(d)]) if isinstance(x, Document)]
    if not base:
        raise SystemExit("no sample articles found")
    docs = []
    i = 0
    if min_docs <= 0:
        return base
    while len(docs) < min_docs:   # distinct copies, so none is a duplicate
        for b in base:
            docs.append(Document(source=f"{b.source}#{i}", text=f"{b.text}\n\n[{i}]",
                                 title=b.title, url=None, published=b.published,
                                 content_type=b.content_type))
        i += 1
    return docs[:min_docs]


def bench_ingest(n_docs: int, extract) -> dict:
    """One process, document by document: extraction time and store time measured apart.

    The extractor caches per sentence, so re-extracting copies of an article is far
    cheaper than a new article. The cold figures therefore use each distinct article once
    (what an archive of distinct articles costs); the warm figures use `n_docs` copies of
    the corpus with pre-extracted records and show the store's own cost at volume."""
    extract(Document(source="warm-up", text="Компания построит завод в Караганде."))
    distinct = load_corpus(0)
    te = ts = 0.0
    records = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        # one-off costs (lazy imports, the company reference index) out of the timing
        store.add_document(Document(source="warm-up", text="warm-up"), records=[Record(
            source="warm-up", investor="KAMAZ", amount=1e6, currency="KZT", stage="memorandum")])
        for d in distinct:
            t0 = time.perf_counter()
            recs = extract(d)
            t1 = time.perf_counter()
            store.add_document(d, records=recs)
            t2 = time.perf_counter()
            te, ts, records = te + t1 - t0, ts + t2 - t1, records + len(recs)
        copies = load_corpus(n_docs)[len(distinct):]
        pre = [(d, extract(d)) for d in copies]
        t0 = time.perf_counter()
        for d, recs in pre:
            store.add_document(d, records=recs)
        warm_store = time.perf_counter() - t0
        counts = store.counts()
        store.close()
    n = len(distinct)
    return {"distinct_documents": n, "records": records,
            "bare_extraction_docs_per_s": round(n / te, 1),
            "ingest_docs_per_s": round(n / (te + ts), 1),
            "overhead_pct": round(100 * ts / te, 1),
            "store_ms_per_doc": round(1000 * ts / n, 2),
            "store_ms_per_doc_at_volume": round(1000 * warm_store / max(1, len(pre)), 2),
            "stored": counts}


# --- 2. generated database and list latency ---------------------------------------------------

def generate(store, n_projects: int, mentions_per_project: int = 10, seed: int = 7) -> None:
    rnd = random.Random(seed)
    n_companies = max(1, n_projects // 5)
    n_docs = max(1, n_projects * mentions_per_project // 5)
    batch = 20_000
    now = __import__("datetime").datetime(2025, 1, 1)
    t0 = time.perf_counter()
    with store.engine.begin() as c:
        c.execute(insert(Company), [dict(id=i, name=f"Company {i}", key=f"company {i}",
                                         country=rnd.choice(COUNTRIES), created_at=now)
                                    for i in range(1, n_companies + 1)])
        c.execute(insert(CompanyAlias), [dict(company_id=i, alias=f"Company {i}", key=f"company {i}")
                                         for i in range(1, n_companies + 1)])
        for start in range(1, n_docs + 1, batch):
            c.execute(insert(DocRow), [dict(
                id=i, source=f"gen/{i}.txt", url=f"https://news.example/{i}",
                content_hash=f"{i:064x}", canonical_url=f"https://news.example/{i}",
                title=f"Новость {i}", published=_date(rnd), content_type="text",
                text=f"Компания Company {i % n_companies} построит завод. Статья {i}.",
                ingested_at=now) for i in range(start, min(start + batch, n_docs + 1))])
        for start in range(1, n_projects + 1, batch):
            rows, events = [], []
            for i in range(start, min(start + batch, n_projects + 1)):
                first, last = sorted((_date(rnd), _date(rnd)))
                stage = rnd.choice(STAGES)
                amount = round(10 ** rnd.uniform(5, 10), -3) if rnd.random() < 0.8 else None
                rows.append(dict(
                    id=i, company_id=rnd.randint(1, n_companies), investor=f"Company {i % 997}",
                    investor_country=rnd.choice(COUNTRIES), region=rnd.choice(REGIONS + [None]),
                    city=None, sector=rnd.choice(SECTORS), amount=amount,
                    currency="USD" if amount else None, amount_usd=amount,
                    jobs=rnd.choice([None, rnd.randint(10, 5000)]), stage=stage,
                    stage_rank=STAGES.index(stage), date=last, first_seen=first, last_seen=last,
                    health=rnd.random(), confidence=round(rnd.uniform(0.05, 0.99), 3),
                    sources_count=rnd.randint(1, 5),
                    mentions_count=mentions_per_project, conflicts={},
                    search_text=f"Company {i % 997} завод продукт{i % 50} {stage}",
                    created_at=now, updated_at=now))
                events.append(dict(project_id=i, stage=stage, date=last,
                                   document_id=rnd.randint(1, n_docs)))
            c.execute(insert(Project), rows)
            c.execute(insert(ProjectEvent), events)
        mid = 0
        for start in range(1, n_projects + 1, batch // mentions_per_project):
            rows = []
            for pid in range(start, min(start + batch // mentions_per_project, n_projects + 1)):
                for k in range(mentions_per_project):
                    mid += 1
                    rows.append(dict(
                        id=mid, document_id=(mid % n_docs) + 1, project_id=pid,
                        ordinal=mid // n_docs, investor=f"Company {pid % 997}",
                        investor_country="CN", region="KZ-35", city=None, sector="energy",
                        amount=None, currency=None, amount_usd=None, jobs=None, stage="memorandum",
                        date=_date(rnd), confidence=0.7,
                        evidence=[{"text": "Компания построит завод.", "start": 0, "end": 24}],
                        extra={}))
            c.execute(insert(Mention), rows)
    if store.dialect == "sqlite":
        with store.engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    print(f"generated {n_projects:,} projects, {mid:,} mentions, {n_docs:,} documents "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def _date(rnd) -> str:
    return f"{rnd.randint(2015, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def random_filter(rnd) -> ProjectFilter:
    f = ProjectFilter(sort=rnd.choice(["-amount_usd", "amount_usd", "-date", "date", "-jobs",
                                       "investor"]))
    for _ in range(rnd.randint(1, 3)):
        kind = rnd.choice(["region", "sector", "country", "stage", "since", "min_usd",
                           "stalled", "q", "until", "min_confidence"])
        if kind == "region":
            f.region = rnd.choice(REGIONS)
        elif kind == "sector":
            f.sector = rnd.choice(SECTORS)
        elif kind == "country":
            f.country = rnd.choice(COUNTRIES)
        elif kind == "stage":
            f.stage = rnd.choice(STAGES)
        elif kind == "since":
            f.since = f"{rnd.randint(2016, 2024)}-01-01"
        elif kind == "until":
            f.until = str(rnd.randint(2016, 2024))
        elif kind == "min_usd":
            f.min_usd = 10 ** rnd.uniform(6, 9)
        elif kind == "stalled":
            f.stalled = rnd.random() < 0.7
        elif kind == "min_confidence":
            f.min_confidence = rnd.choice([0.5, 0.8])
        else:
            f.q = f"продукт{rnd.randint(0, 49)}"
    return f


def bench_queries(store, n: int, seed: int = 11) -> dict:
    rnd = random.Random(seed)
    filters = [random_filter(rnd) for _ in range(n)]
    for f in filters[:10]:
        list_projects(store, f)                      # warm caches
    times = []
    slow = []
    for f in filters:
        t0 = time.perf_counter()
        list_projects(store, f)
        dt = (time.perf_counter() - t0) * 1000
        times.append(dt)
        slow.append((dt, f))
    times.sort()
    slow.sort(key=lambda x: -x[0])
    return {"queries": n, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (n - 1))], 2), "max_ms": round(times[-1], 2),
            "slowest": [(round(d, 1), {k: v for k, v in f.__dict__.items()
                                       if v is not None and k not in ("limit", "offset")})
                        for d, f in slow[:3]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="1.0 = 100,000 projects / 1,000,000 mentions")
    ap.add_argument("--db", help="database URL for the list benchmark (default: temp SQLite)")
    ap.add_argument("--docs", type=int, default=300, help="documents for the ingest benchmark")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--extractor", choices=["real", "fake"], default="real",
                    help="fake: a trivial extractor (measures pure registry cost)")
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-queries", action="store_true")
    args = ap.parse_args()
    out: dict = {}
    if not args.skip_ingest:
        if args.extractor == "real":
            from kzinvest.pipeline import extract_document as extract
        else:
            sys.path.insert(0, str(ROOT / "tests" / "registry"))
            from fake_extract import fake_extract as extract
        out["ingest"] = bench_ingest(args.docs, extract)
        print(json.dumps({"ingest": out["ingest"]}, ensure_ascii=False), flush=True)
    if not args.skip_queries:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite:///{tmp}/bench.db"
            store = open_store(url)
            n_projects = int(100_000 * args.scale)
            generate(store, n_projects)
            out["list"] = {"db": store.dialect, "projects": n_projects,
                           "mentions": n_projects * 10, **bench_queries(store, args.queries)}
            store.close()
        print(json.dumps({"list": out["list"]}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
