"""Honest quality figures: the real-news corpus by k-fold cross-validation by article, next to
the seed (dev) and our own corpora, each scored by models that never trained on it.

    python benchmarks/quality.py [--folds 5] [--texts tests/real/texts]

Rows:
  real, cross-validated   each real page scored by models trained on the other folds (+ dev + own)
  real, training set      the shipped models (trained on everything) on the pages they learnt from;
                          the gap to the row above is how much the models flatter themselves
  real, rules only        the rules' own answers, no learned decision
  real, held-out batches  pages of tests/real/heldout.txt, annotated after the rules were frozen and
                          never trained on, scored by the shipped models: news nobody tuned on
  dev / own               models trained on real + the other corpus, scored on this one
Needs the real-page texts (tests/real/README.md); says so and stops when they are absent.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kzinvest.learn import train  # noqa: E402

FIELDS = ("investor_country", "region", "sector", "amount", "jobs", "stage")


def row(name: str, articles: int, s: dict) -> str:
    fields = " ".join(f"{s['field_accuracy'][f]:.2f}" if s["field_accuracy"][f] is not None else "  - "
                      for f in FIELDS)
    p08 = f"{s['precision_at_0.8']:.2f} ({s['records_at_0.8']})" if s["precision_at_0.8"] is not None else "-"
    return (f"| {name} | {articles} | {s['project_precision']:.3f} | {s['project_recall']:.3f} | "
            f"{s['project_f1']:.3f} | {s['slot_f1']:.3f} | {fields} | {p08} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--texts", type=Path, default=None)
    a = ap.parse_args()
    started = time.perf_counter()
    real, dev, own, problems = train.load_corpora(a.texts)
    if problems:
        print(f"note: {len(problems)} real pages unusable ({'; '.join(problems[:3])} ...)")
    if not real:
        print("skipped: no real-page texts here (tests/real/texts or KZINVEST_REAL_TEXTS); "
              "see tests/real/README.md to collect them")
        return 0
    print(f"| corpus | articles | project P | project R | project F1 | slot F1 | "
          f"{' '.join(FIELDS)} | precision at confidence >= 0.8 (records) |")
    print("|---|---|---|---|---|---|---|---|")
    cv = train.score(train.cross_validate(real, dev + own, k=a.folds))
    print(row(f"real, {a.folds}-fold cross-validated", len(real), cv))
    everything = train.fit(real + dev + own)
    print(row("real, training set", len(real), train.score(train.predict(real, everything))))
    print(row("real, rules only", len(real), train.score(train.predict(real, {}))))
    heldout = train.load_heldout(a.texts)
    if heldout:
        print(row("real, held-out batches", len(heldout), train.score(train.predict(heldout, everything))))
    if dev:
        print(row("dev (seed), unseen", len(dev), train.score(train.predict(dev, train.fit(real + own)))))
    if own:
        print(row("own corpora, unseen", len(own), train.score(train.predict(own, train.fit(real + dev)))))
    print(f"\n{time.perf_counter() - started:.0f} s; fields: accuracy on matched projects")
    return 0


if __name__ == "__main__":
    sys.exit(main())
