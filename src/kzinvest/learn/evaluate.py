"""Scores of extracted records against gold, with the semantics of ../shared/tools/score.py:
project precision/recall/F1 (optional gold records neither reward nor punish), slot F1 over the
six fields of matched and unmatched records, and per-field accuracy on matched projects."""
from __future__ import annotations

from kzinvest.learn.match import field_matches, match, options

FIELDS = ("investor_country", "region", "sector", "amount", "jobs", "stage")


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class Score:
    def __init__(self) -> None:
        self.projects = [0, 0, 0]
        self.slots = [0, 0, 0]
        self.fields = {f: [0, 0] for f in FIELDS}
        self.confidence: list[tuple[float, bool]] = []    # (confidence, is a real project)

    def add(self, records: list[dict], golds: list[dict]) -> None:
        records = [r for r in records if r.get("kind", "project") == "project"]
        pairs = match(records, golds)
        for i, r in enumerate(records):
            j = pairs.get(i)
            if j is not None and golds[j].get("optional"):
                continue
            self.confidence.append((float(r.get("confidence", 0.5)), j is not None))
            if j is None:
                self.projects[1] += 1
                self.slots[1] += sum(r.get(f) is not None for f in FIELDS)
                continue
            g = golds[j]
            self.projects[0] += 1
            for f in FIELDS:
                ok = field_matches(f, r.get(f), g, r.get("currency"))
                self.fields[f][1] += 1
                self.fields[f][0] += ok
                if ok:
                    self.slots[0] += r.get(f) is not None
                else:
                    self.slots[1] += r.get(f) is not None
                    self.slots[2] += any(v is not None for v in options(g, f))
        matched = set(pairs.values())
        for j, g in enumerate(golds):
            if j not in matched and not g.get("optional"):
                self.projects[2] += 1
                self.slots[2] += sum(any(v is not None for v in options(g, f)) for f in FIELDS)

    def summary(self) -> dict:
        pp, pr, pf = _prf(*self.projects)
        sp, sr, sf = _prf(*self.slots)
        high = [real for c, real in self.confidence if c >= 0.8]
        return {
            "project_precision": round(pp, 3), "project_recall": round(pr, 3), "project_f1": round(pf, 3),
            "slot_precision": round(sp, 3), "slot_recall": round(sr, 3), "slot_f1": round(sf, 3),
            "field_accuracy": {f: round(a / n, 3) if n else None for f, (a, n) in self.fields.items()},
            "records": len(self.confidence),
            "precision_at_0.8": round(sum(high) / len(high), 3) if high else None,
            "records_at_0.8": len(high),
        }
