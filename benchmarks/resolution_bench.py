"""`kzinvest resolve --rebuild` at scale: generated registries of N mentions (figures, not
pass/fail).

    .venv/bin/python benchmarks/resolution_bench.py --mentions 100000 [--db URL]

The generator writes coherent stories straight into the tables: companies with several
undertakings each (a region, often a town, a sector, an amount revised over time, stages in
order), each undertaking reported by about ten articles (some fields missing, some
articles naming a joint-venture partner too, a third quoting the project's name), then
times the rebuild (keys and blocks; clustering and writing) and checks the result against
the generated truth (pairwise precision and recall on a sample of projects).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kzinvest.model import SECTORS, STAGES  # noqa: E402
from kzinvest.registry.models import Document as DocRow, Mention  # noqa: E402
from kzinvest.registry.store import open_store  # noqa: E402

REGIONS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35",
           "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71",
           "KZ-75", "KZ-79"]
COUNTRIES = ["CN", "RU", "TR", "KR", "US", "DE", "FR", "IT", "UZ", "AE", "JP", "IN", "KZ"]
SYLLABLES = ["ka", "zo", "ri", "mu", "ten", "vor", "lix", "dan", "pe", "sho", "gra", "nel",
             "tau", "bek", "mir", "sol", "qa", "yu", "ber", "tro"]


def company_name(i: int) -> str:
    rnd = random.Random(i)
    word = "".join(rnd.choice(SYLLABLES) for _ in range(3)).capitalize()
    return f"{word} {rnd.choice(['Holding', 'Group', 'Invest', 'Industries', 'Energy', 'Steel'])} {i}"


def generate(store, n_mentions: int, per_project: int = 10, projects_per_company: int = 5,
             seed: int = 7) -> dict[int, int]:
    """Insert about n_mentions mentions; returns mention id -> true project number."""
    rnd = random.Random(seed)
    n_projects = max(1, n_mentions // per_project)
    n_companies = max(1, n_projects // projects_per_company)
    now = datetime(2025, 1, 1)
    truth: dict[int, int] = {}
    docs, mentions = [], []
    doc_id = mid = 0
    t0 = time.perf_counter()

    def flush(conn):
        if docs:
            conn.execute(insert(DocRow), docs)
        if mentions:
            conn.execute(insert(Mention), mentions)
        docs.clear()
        mentions.clear()

    with store.engine.begin() as conn:
        for p in range(n_projects):
            c = p % n_companies
            crnd = random.Random(c)
            name, country = company_name(c), crnd.choice(COUNTRIES)
            region = rnd.choice(REGIONS)
            city = f"Город{rnd.randint(1, 400)}" if rnd.random() < 0.6 else None
            sector = rnd.choice(SECTORS[:-1])
            amount = round(10 ** rnd.uniform(6, 9.5), -3)
            partner = company_name(n_companies + p) if rnd.random() < 0.15 else None
            tag = f"Проект-{p}" if rnd.random() < 0.3 else None
            start = date(2015, 1, 1).toordinal() + rnd.randint(0, 3000)
            for k in range(max(1, int(rnd.gauss(per_project, 2)))):
                doc_id += 1
                day = date.fromordinal(start + k * rnd.randint(20, 200)).isoformat()
                stage = STAGES[min(len(STAGES) - 1, k * len(STAGES) // per_project)]
                usd = None if rnd.random() < 0.3 else amount * (1.25 if k > per_project // 2 else 1)
                sentence = (f"Компания {name} реализует проект" + (f" «{tag}»" if tag else "")
                            + f" стоимостью {usd or 0:.0f} долларов.")
                docs.append(dict(id=doc_id, source=f"gen/{doc_id}.txt", url=None,
                                 content_hash=f"{doc_id:064x}", canonical_url=None, title=None,
                                 published=day, text=sentence, content_type="text",
                                 ingested_at=now))
                base = dict(document_id=doc_id, project_id=None, company_id=None, block=None,
                            investor_country=country,
                            region=None if rnd.random() < 0.1 else region,
                            city=city if rnd.random() < 0.7 else None, sector=sector,
                            amount=usd, currency="USD" if usd else None, amount_usd=usd,
                            jobs=None, stage=stage, date=day, confidence=0.8,
                            evidence=[{"text": sentence, "start": 0, "end": len(sentence)}],
                            extra={})
                mid += 1
                mentions.append(dict(base, id=mid, ordinal=0, investor=name))
                truth[mid] = p
                if partner and rnd.random() < 0.5:
                    mid += 1
                    mentions.append(dict(base, id=mid, ordinal=1, investor=partner,
                                         investor_country="KZ"))
                    truth[mid] = p
                if len(mentions) >= 20000:
                    flush(conn)
        flush(conn)
    print(f"generated {mid:,} mentions, {doc_id:,} documents, {n_projects:,} undertakings of "
          f"{n_companies:,} companies in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return truth


def quality(store, truth: dict[int, int], sample: int = 2000, seed: int = 3) -> dict:
    from sqlalchemy import select
    rnd = random.Random(seed)
    projects = sorted(set(truth.values()))
    chosen = set(rnd.sample(projects, min(sample, len(projects))))
    ids = [m for m, p in truth.items() if p in chosen]
    pred = {}
    with store.read() as s:
        for i in range(0, len(ids), 5000):
            for mid, pid in s.execute(select(Mention.id, Mention.project_id)
                                      .where(Mention.id.in_(ids[i:i + 5000]))):
                pred[mid] = pid
    by_pred: dict = {}
    for m in ids:
        by_pred.setdefault(pred[m], []).append(m)
    tp = fp = 0
    for ms in by_pred.values():
        for i in range(len(ms)):
            for j in range(i + 1, len(ms)):
                if truth[ms[i]] == truth[ms[j]]:
                    tp += 1
                else:
                    fp += 1
    by_true: dict = {}
    for m in ids:
        by_true.setdefault(truth[m], []).append(m)
    pos = sum(len(ms) * (len(ms) - 1) // 2 for ms in by_true.values())
    return {"sampled_projects": len(chosen), "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / pos, 3) if pos else 1.0}


def incremental(store, n_docs: int = 40, seed: int = 5) -> dict:
    """After the rebuild: ingest `n_docs` new articles about existing undertakings (each a
    new report of a random project, as the news brings them) one by one through the normal
    write path, and time them: resolution re-clusters the blocks they join."""
    from sqlalchemy import func, select
    from kzinvest.model import Document, Record
    rnd = random.Random(seed)
    with store.read() as s:
        n = s.scalar(select(func.max(Mention.id)))
        picks = [s.get(Mention, rnd.randint(1, n)) for _ in range(n_docs * 2)]
    picks = [m for m in picks if m is not None][:n_docs]
    sizes, times = [], []
    for k, m in enumerate(picks):
        with store.read() as s:
            block = s.scalar(select(func.count()).select_from(Mention).where(Mention.block == m.block))
        text_ = f"Новая статья {k}: {m.investor} продолжает проект."
        doc = Document(source=f"new/{k}.txt", text=text_, published="2026-01-15")
        rec = Record(source=doc.source, investor=m.investor, investor_country=m.investor_country,
                     region=m.region, city=m.city, sector=m.sector, amount=m.amount,
                     currency=m.currency, amount_usd=m.amount_usd, stage="launched",
                     evidence=[text_])
        t0 = time.perf_counter()
        store.add_document(doc, records=[rec])
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(block)
    times.sort()
    return {"incremental_docs": len(times), "incremental_ms_median": round(times[len(times) // 2], 1),
            "incremental_ms_p90": round(times[int(len(times) * 0.9)], 1),
            "block_size_median": sorted(sizes)[len(sizes) // 2], "block_size_max": max(sizes)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentions", type=int, default=100_000)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file); emptied")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = a.db or f"sqlite:///{tmp}/bench.db"
        store = open_store(url)
        if a.db:
            with store.engine.begin() as c:
                c.execute(text("DELETE FROM mention_keys"))
                c.execute(text("DELETE FROM review_pairs"))
                c.execute(text("DELETE FROM mentions"))
                c.execute(text("DELETE FROM project_investors"))
                c.execute(text("DELETE FROM project_events"))
                c.execute(text("DELETE FROM projects"))
                c.execute(text("DELETE FROM documents"))
        truth = generate(store, a.mentions)
        t0 = time.perf_counter()
        first = store.rebuild(who="bench")
        t1 = time.perf_counter()
        again = store.rebuild(who="bench")           # everything resolved already: ids kept
        t2 = time.perf_counter()
        out = {"db": store.dialect, "mentions": first.mentions, "blocks": first.blocks,
               "projects": first.projects_after, "true_projects": len(set(truth.values())),
               "rebuild_from_scratch_s": round(t1 - t0, 1), "phases": first.seconds,
               "rebuild_again_s": round(t2 - t1, 1), "moved_again": again.mentions_moved,
               **quality(store, truth), **incremental(store)}
        store.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
