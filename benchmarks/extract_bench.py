"""Extraction speed and memory, side by side with a plain natasha pipeline.

Builds a corpus of at least 1,000 articles by cycling the dev articles (../shared/dev, when
present) and our own test articles (tests/data), then times in one process, models loaded once:
  * kzinvest: the full extraction (cleaning, grammars, NER on candidate sentences, assembly);
  * natasha: NewsNERTagger + MoneyExtractor over whole articles (where a user would start).
Peak memory is measured per engine in a fresh child process (ru_maxrss).

    python benchmarks/extract_bench.py [--articles 1000] [--rounds 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DEV = ROOT.parent / "shared" / "dev" / "articles"
OWN = ROOT / "tests" / "data" / "articles"


def corpus(n: int):
    from kzinvest.sources.files import iter_documents
    from kzinvest.model import Document
    paths = [str(p) for folder in (SHARED_DEV, OWN) if folder.exists() for p in sorted(folder.iterdir())]
    docs = [d for d in iter_documents(paths) if isinstance(d, Document)]
    if not docs:
        sys.exit("no articles found")
    return [docs[i % len(docs)] for i in range(n)]


# Wall time with the numeric libraries held to one thread (the parent sets OPENBLAS_NUM_THREADS=1),
# so neither engine borrows a second core; each engine runs twice, alternating, and its best run
# counts, so a neighbour's load on this shared machine does not decide which looks faster.
clock = time.perf_counter


def run_kzinvest(docs) -> float:
    from kzinvest.pipeline import extract_document
    extract_document(docs[0])           # load models once, outside the timing
    start = clock()
    for doc in docs:
        extract_document(doc)
    return clock() - start


def run_natasha(docs) -> float:
    from natasha import Doc, MoneyExtractor, MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter
    segmenter, emb = Segmenter(), NewsEmbedding()
    tagger, money = NewsNERTagger(emb), MoneyExtractor(MorphVocab())
    warm = Doc(docs[0].text)
    warm.segment(segmenter)
    warm.tag_ner(tagger)                # same warm-up as kzinvest gets
    start = clock()
    for d in docs:
        doc = Doc(d.text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        list(money(d.text))
    return clock() - start


def child(engine: str, n: int) -> None:
    docs = corpus(n)
    seconds = (run_kzinvest if engine == "kzinvest" else run_natasha)(docs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chars = sum(len(d.text) for d in docs)
    print(json.dumps({"engine": engine, "articles": n, "seconds": seconds, "peak_mb": peak_mb,
                      "chars": chars}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs per engine; the best counts")
    ap.add_argument("--child", choices=["kzinvest", "natasha"])
    args = ap.parse_args()
    if args.child:
        child(args.child, args.articles)
        return
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    results: dict[str, dict] = {}
    for _ in range(args.rounds):
        for engine in ("kzinvest", "natasha"):
            out = subprocess.run([sys.executable, __file__, "--child", engine, "--articles", str(args.articles)],
                                 capture_output=True, text=True, check=True, env=env)
            run = json.loads(out.stdout.strip().splitlines()[-1])
            if engine not in results or run["seconds"] < results[engine]["seconds"]:
                results[engine] = run
    print(f"corpus: {args.articles} articles, {results['kzinvest']['chars'] / 1e6:.2f} M characters")
    for engine, r in results.items():
        print(f"{engine:9s} {args.articles / r['seconds']:8.1f} articles/s   peak memory {r['peak_mb']:6.0f} MB")
    ratio = results["natasha"]["seconds"] / results["kzinvest"]["seconds"]
    print(f"speed ratio kzinvest / natasha: {ratio:.2f}x")


if __name__ == "__main__":
    main()
