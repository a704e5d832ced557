"""Fit and measure the registry's resolution on the real multi-article stories
(tests/real/stories: pages with gold clusters; texts local in tests/real/texts).

    .venv/bin/python benchmarks/resolution_fit.py [--write] [--exact-dates]

Prints, for the prior weights and for the fitted ones:
- pairwise merge precision/recall over labelled records, in-sample and cross-validated
  (leave one story family out: a story never trains the model that resolves it);
- end to end, as the hidden set is ingested (JSON Lines with text, url, published, the real
  extractor, a fresh registry): pairwise P/R, projects vs gold clusters, USD total vs gold.
--write stores the fitted model in src/kzinvest/data/resolution_weights.json with the
corpus version and these scores. --exact-dates gives `published` only for pages whose date
is known exactly (else approximate dates from the index, e.g. "~2022-11", are used too).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kzinvest.model import Document  # noqa: E402
from kzinvest.registry import fit, scoring  # noqa: E402
from kzinvest.registry.records import content_hash  # noqa: E402

STORIES = ROOT / "tests" / "real" / "stories"


def texts_dir() -> Path:
    from kzinvest.learn.corpus import real_texts_dir
    return real_texts_dir()


def published_of(date_field: str, exact_only: bool) -> str | None:
    """The index's date column -> YYYY-MM-DD (exact dates; approximate ones unless
    exact_only: "~2022-11" -> 2022-11-15, "~2019" -> 2019-07-01)."""
    d = date_field.strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", d)
    if m:
        return m.group(0)
    m = re.match(r"^(\d{4})-(0[1-9]|1[0-2])(?!\d)", d)
    if m:
        return f"{m.group(1)}-{m.group(2)}-15"
    if exact_only:
        return None
    m = re.search(r"~(\d{4})-(0[1-9]|1[0-2])(?!\d)(?:-(\d{2}))?", d)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3) or '15'}"
    m = re.search(r"(?:~|URL has |URL path )(\d{4})", d)
    if m:
        return f"{m.group(1)}-07-01"
    return None


def load(exact_only: bool = False):
    """[(file, url, published, text, golds)] of the pages whose text is here."""
    golds: dict[str, list[dict]] = {}
    for line in (STORIES / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            if not g.get("none"):
                golds.setdefault(g["file"], []).append(g)
    pages, missing = [], []
    with open(STORIES / "index.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = texts_dir() / row["file"]
            if not path.exists():
                missing.append(row["file"])
                continue
            pages.append((row["file"], row["url"], published_of(row["date"], exact_only),
                          path.read_text(encoding="utf-8"), golds.get(row["file"], [])))
    return pages, missing


def load_background() -> list:
    """Pages of the extraction corpus (tests/real/batches) whose text is here: unrelated
    projects, the crowd a story's mentions must be told apart from."""
    out = []
    for index in sorted((ROOT / "tests" / "real" / "batches").glob("*/index.tsv")):
        with open(index, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                path = texts_dir() / row["file"]
                if path.exists() and row["file"] not in seen_files:
                    seen_files.add(row["file"])
                    out.append((row["file"], row["url"], published_of(row["date"], False),
                                path.read_text(encoding="utf-8"), []))
    return out


seen_files: set[str] = set()


def corpus_version() -> dict:
    h = hashlib.sha256()
    for name in ("index.tsv", "gold.jsonl", "clusters.tsv"):
        h.update((STORIES / name).read_bytes())
    gold = [json.loads(x) for x in (STORIES / "gold.jsonl").read_text().splitlines() if x.strip()]
    return {"path": "tests/real/stories", "background": "tests/real/batches (non-matches)",
            "sha256_12": h.hexdigest()[:12],
            "pages": len({g["file"] for g in gold}),
            "records": sum(1 for g in gold if not g.get("none")),
            "clusters": len({g["cluster"] for g in gold if g.get("cluster")})}


def extract_pages(pages):
    from kzinvest.pipeline import extract_document
    out = []
    for file, url, published, text, golds in pages:
        doc = Document(source=file, text=text, url=url, published=published)
        out.append((file, content_hash(text), published, extract_document(doc), golds))
    return out


def end_to_end(pages, model: scoring.Model) -> dict:
    """Ingest the pages as JSON Lines into a fresh registry and measure it."""
    from kzinvest.learn.match import match
    from kzinvest.registry.models import Document as DocRow, Mention, Project
    from kzinvest.registry.resolution import Resolver
    from kzinvest.registry.store import Store
    from sqlalchemy import func, select
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "stories.jsonl"
        with open(jsonl, "w", encoding="utf-8") as fh:
            for file, url, published, text, _ in pages:
                fh.write(json.dumps({"text": text, "url": url, "published": published},
                                    ensure_ascii=False) + "\n")
        store = Store(f"sqlite:///{tmp}/r.db", resolver=Resolver(model))
        store.migrate()
        t0 = time.perf_counter()
        store.ingest([str(jsonl)])
        seconds = time.perf_counter() - t0
        golds_of = {url: (file, golds) for file, url, _, _, golds in pages}
        with store.read() as s:
            rows = s.execute(select(Mention, DocRow.url).join(DocRow, DocRow.id == Mention.document_id)
                             .order_by(Mention.document_id, Mention.ordinal)).all()
            projects = s.scalar(select(func.count()).select_from(Project))
            usd = s.scalar(select(func.sum(Project.amount_usd))) or 0.0
        by_doc: dict[str, list] = {}
        for m, url in rows:
            by_doc.setdefault(url, []).append(m)
        labelled, predicted = [], {}
        for url, ms in by_doc.items():
            file, golds = golds_of[url]
            recs = [{"investor": m.investor, "investor_country": m.investor_country,
                     "region": m.region, "city": m.city, "sector": m.sector} for m in ms]
            matched = match(recs, golds)
            for i, m in enumerate(ms):
                g = golds[matched[i]] if i in matched else None
                labelled.append((m.id, g.get("cluster") if g else None))
                predicted[m.id] = m.project_id
        store.close()
    tp = fp = fn = 0
    lab = [(mid, c) for mid, c in labelled if c]
    for i in range(len(lab)):
        for j in range(i + 1, len(lab)):
            same_p = predicted[lab[i][0]] == predicted[lab[j][0]]
            same_g = lab[i][1] == lab[j][1]
            tp += same_p and same_g
            fp += same_p and not same_g
            fn += same_g and not same_p
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    gold = fit.gold_totals([g for _, _, _, _, gs in pages for g in gs],
                           {f: pub for f, _, pub, _, _ in pages})
    return {"precision": round(p, 3), "recall": round(r, 3), "pairs_tp": tp, "pairs_fp": fp,
            "pairs_fn": fn, "mentions": len(labelled), "labelled": len(lab),
            "projects": projects, "gold_projects": gold["projects"],
            "projects_vs_gold": round(projects / gold["projects"] - 1, 3),
            "usd": round(usd), "gold_usd": round(gold["usd"]),
            "usd_vs_gold": round(usd / gold["usd"] - 1, 3) if gold["usd"] else None,
            "ingest_seconds": round(seconds, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--exact-dates", action="store_true")
    ap.add_argument("--background-u", action="store_true",
                    help="also count the background pages' pairs as non-matches for u")
    a = ap.parse_args()
    pages, missing = load(a.exact_dates)
    if not pages:
        print("skipped: the story texts are not here (tests/real/texts, see "
              "tests/real/stories/README.md)")
        return 0
    if missing:
        print(f"note: {len(missing)} page texts missing: {', '.join(missing[:5])}")
    t0 = time.perf_counter()
    seen_files.update(f for f, *_ in pages)
    background = load_background()
    extracted = extract_pages(pages)
    items = fit.labelled_records(extracted, extract_pages(background))
    print(f"{len(pages)} story pages, {len(background)} background pages, {len(items)} records "
          f"({sum(1 for x in items if x.cluster)} matched to gold), extracted in "
          f"{time.perf_counter() - t0:.1f} s")
    prior = scoring.Model()
    print("prior weights, in-sample:", fit.evaluate(items, fit.resolve(items, prior)))
    cv = fit.cross_validate(items, a.background_u)
    print("fitted, cross-validated by story family:", cv)
    model = fit.choose_clustering(items, fit.fit_weights(fit.training_pairs(items, a.background_u)))
    insample = fit.evaluate(items, fit.resolve(items, model))
    print(f"fitted on everything (threshold {model.threshold}, veto {model.veto}), in-sample:",
          insample)
    e2e = end_to_end(pages, model)
    e2e_crowd = end_to_end(pages + background, model)
    print("end to end with the background pages in the same registry:", e2e_crowd)
    print("end to end (JSON Lines, real extractor, fitted model):", e2e)
    e2e_prior = end_to_end(pages, prior)
    print("end to end, prior weights:", e2e_prior)
    if a.write:
        path = ROOT / "src" / "kzinvest" / "data" / scoring.WEIGHTS_FILE
        scores = {"cross_validated": cv, "in_sample": insample, "end_to_end": e2e,
                  "end_to_end_with_background": e2e_crowd,
                  "end_to_end_prior": e2e_prior,
                  "dates": "exact only" if a.exact_dates else "exact and approximate"}
        path.write_text(fit.weights_document(model, corpus_version(), scores), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
