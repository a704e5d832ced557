"""The judgement calls, made by small models trained on real news (`kzinvest train`).

Which candidates are projects, their sector and stage, and which amount and jobs figure are
theirs are decided by logistic models over the features of `extract.features`; the model files
(`data/models/*.json`) carry the corpus version and the cross-validated scores they were trained
at. Where a model file is absent the rules' own answer stands, so the extractor always works.
Each record's `confidence` is the probability the candidate model gives it, and `spans` points
at the characters that support each filled field.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

from kzinvest.datafiles import data_path
from kzinvest.extract import features as feats
from kzinvest.model import Record

MODELS = ("candidate", "sector", "stage", "amount", "jobs", "region", "split")


class Linear:
    """A logistic model stored as {feature: weights}: no pickles, no scikit-learn at run time."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.classes: list = spec["classes"]
        self.intercept: list[float] = spec["intercept"]
        self.weights: dict[str, list[float]] = spec["weights"]
        self.threshold: float = spec.get("threshold", 0.5)
        # One weight per feature for a binary model; a row per feature of a matrix for a
        # multi-class one (sector, stage), so a decision is one gather and one dot product.
        if len(self.intercept) == 1:
            self._binary = {name: w[0] for name, w in self.weights.items()}
        else:
            self._binary = None
            self._row = {name: i for i, name in enumerate(self.weights)}
            self._matrix = np.array(list(self.weights.values()) or [[0.0] * len(self.intercept)],
                                    dtype=float)
            self._intercept = np.array(self.intercept, dtype=float)

    def proba(self, x: dict[str, float]) -> list[float]:
        if self._binary is not None:
            z = self.intercept[0]
            weights = self._binary
            for name, value in x.items():
                w = weights.get(name)
                if w is not None:
                    z += w * value
            p = 1 / (1 + math.exp(-max(min(z, 50), -50)))
            return [1 - p, p]
        rows, values = [], []
        for name, value in x.items():
            i = self._row.get(name)
            if i is not None:
                rows.append(i)
                values.append(value)
        z = self._intercept + (np.asarray(values) @ self._matrix[rows] if rows else 0.0)
        e = np.exp(z - z.max())
        return (e / e.sum()).tolist()

    def positive(self, x: dict[str, float]) -> float:
        return self.proba(x)[1]

    def best(self, x: dict[str, float]) -> tuple[object, float]:
        p = self.proba(x)
        j = max(range(len(p)), key=p.__getitem__)
        return self.classes[j], p[j]


@lru_cache(maxsize=1)
def default_models() -> dict[str, Linear]:
    out = {}
    for name in MODELS:
        path = data_path("models", f"{name}.json")
        if path.exists():
            out[name] = Linear(json.loads(path.read_text(encoding="utf-8")))
    return out


def decide(candidates, models: dict[str, Linear] | None = None) -> list[Record]:
    models = default_models() if models is None else models
    kept = []
    accept = models.get("candidate")
    if accept is not None:
        believed = [accept.positive(feats.candidate_features(c)) for c in candidates]
        # A page the search found for its investment news mostly holds a project: its most
        # believed candidate needs less (`first_threshold`) than the others do.
        top = max(range(len(candidates)), key=believed.__getitem__, default=None)
        first = accept.spec.get("first_threshold", accept.threshold)
    for n, c in enumerate(candidates):
        record = c.record
        if accept is None:
            if not c.rule_investor:
                continue
            p = record.confidence
        else:
            p = believed[n]
            if p < (first if n == top else accept.threshold):
                continue
            if n == top and p < accept.threshold and _never_investor(c):
                continue     # the lower bar is for the page's investor, not its lender or agency
        if "sector" in models:
            record.sector = models["sector"].best(feats.sector_features(c))[0]
        if "stage" in models:
            record.stage = models["stage"].best(feats.stage_features(c))[0]
        _choose_region(c, models.get("region"))
        amount_at = _choose_amount(c, models.get("amount"))
        jobs_at = _choose_jobs(c, models.get("jobs"))
        record.confidence = round(_calibrated(p, accept), 3)
        _ground(c, amount_at, jobs_at)
        kept.append((p, c))
    records = [c.record for c in _one_per_undertaking(kept, models.get("split"))]
    _drop_shared_amounts(records)
    return records


SHARED_AMOUNT = 3     # investors giving one sum: a total of their projects, not each one's


def _drop_shared_amounts(records: list[Record]) -> None:
    """One sum on the records of several investors ("четыре фармкомпании вложат 173 млрд
    тенге") is what they invest together: no single project's amount."""
    by_sum: dict[tuple, set] = {}
    for r in records:
        if r.amount is not None:
            by_sum.setdefault((r.amount, r.currency), set()).add(r.investor)
    for r in records:
        if r.amount is not None and len(by_sum[(r.amount, r.currency)]) >= SHARED_AMOUNT:
            r.amount = r.currency = r.amount_usd = None
            r.spans.pop("amount", None)


_NOT_INVESTING = {"lender", "agency", "media", "event"}


def _never_investor(c) -> bool:
    """Every mention of the candidate plays a part that is not an investor's."""
    roles = {m.role for m in c.undertaking.entity.mentions}
    return bool(roles) and roles <= _NOT_INVESTING


def _one_per_undertaking(kept, model) -> list:
    """Most believed first, a record of an investor already kept stays only if the split model
    takes it for another undertaking of that investor (without the model, the rules' split)."""
    from kzinvest.learn.match import name_key
    out = []
    for _, c in sorted(kept, key=lambda t: -t[0]):
        key = name_key(c.record.investor)
        same = [k for k in out if key and name_key(k.record.investor) == key]
        if model is None or not same or all(model.positive(feats.split_features(a, c)) >= model.threshold
                                            for a in same):
            out.append(c)
    order = {id(c): n for n, (_, c) in enumerate(kept)}
    return sorted(out, key=lambda c: order[id(c)])     # the article's order


def _calibrated(p: float, model: Linear | None) -> float:
    """The candidate probability mapped to the share of such records that are real projects
    (Platt scaling fitted on cross-validated records, see learn.train.calibration)."""
    a, b = (model.spec.get("calibration") if model is not None else None) or (1.0, 0.0)
    logit = math.log(max(p, 1e-6) / max(1 - p, 1e-6))
    return 1 / (1 + math.exp(-(a * logit + b)))


def _choose_amount(c, model):
    """The option the model believes most, if it believes it enough; None keeps the rules' pick."""
    if model is None:
        return None
    from kzinvest.extract.projects import usd_of
    options = feats.amount_options(c)
    scored = [(model.positive(f), money, info) for money, info, f in options]
    best = max(scored, key=lambda t: t[0], default=None)
    record = c.record
    if best is None or best[0] < model.threshold:
        record.amount = record.currency = record.amount_usd = None
        return False
    _, money, info = best
    record.amount, record.currency = money.amount, money.currency
    record.amount_usd = usd_of(money.amount, money.currency, record.date)
    return money, info


def _choose_region(c, model) -> None:
    """Where the project is: one of the regions the article names, or none of them."""
    if model is None:
        return
    options = feats.region_options(c)
    scored = [(model.positive(f), region, place) for region, place, f in options]
    best = max(scored, key=lambda t: t[0], default=None)
    record = c.record
    if best is None or best[0] < model.threshold:
        record.region = record.city = None
        return
    _, region, place = best
    if region != record.region:
        record.region = region
        record.city = place.city if place.kind in ("city", "zone") else None


def _choose_jobs(c, model):
    if model is None:
        return None
    options = feats.jobs_options(c)
    scored = [(model.positive(f), jobs, info) for jobs, info, f in options]
    best = max(scored, key=lambda t: t[0], default=None)
    if best is None or best[0] < model.threshold:
        c.record.jobs = None
        return False
    _, jobs, info = best
    c.record.jobs = jobs.count
    return jobs, info


def _ground(c, amount_at, jobs_at) -> None:
    """Evidence sentences for every filled field, and the span of each field's support."""
    record, u = c.record, c.undertaking
    spans: dict[str, list[int]] = {}
    sentences = {tuple(s) for s in record.evidence_spans}
    infos_by_start = {i.sent.start: i for i in c.infos}

    def use(name, start, end, info):
        spans[name] = [start, end]
        sentences.add((info.sent.start, info.sent.end))

    named = [m for m in u.entity.mentions if not m.described] or u.entity.mentions
    for m in named[:1]:
        info = _sentence_at(c.infos, m.start)
        if info is not None:
            use("investor", m.start, m.end, info)
    for at, name, value in ((amount_at, "amount", record.amount), (jobs_at, "jobs", record.jobs)):
        if at:
            use(name, at[0].start, at[0].end, at[1])
        elif at is None and value is not None:      # the rules' pick, kept
            hit = _find(u.sentences, name, value)
            if hit:
                use(name, *hit)
    if record.region:
        own = {id(i) for i in u.sentences}
        for info in sorted(c.infos, key=lambda i: id(i) not in own):     # the project's own first
            place = next((p for p in info.places if p.region == record.region), None)
            if place is not None:
                use("region", place.start, place.end, info)
                if record.city and place.city == record.city:
                    spans["city"] = [place.start, place.end]
                break
    if record.investor_country:
        m = next((m for m in u.entity.mentions if m.country == record.investor_country), None)
        if m is not None and _sentence_at(c.infos, m.start) is not None:
            use("investor_country", m.start, m.end, _sentence_at(c.infos, m.start))
    stage_info = next((i for i in u.sentences if i.stage == record.stage), None)
    if stage_info is not None:
        use("stage", stage_info.sent.start, stage_info.sent.end, stage_info)
    sector_info = next((i for i in u.sentences if i.facility), None)
    if sector_info is not None and record.sector != "other":
        use("sector", sector_info.sent.start, sector_info.sent.end, sector_info)
    ordered = sorted(sentences)
    record.evidence_spans = ordered
    record.evidence = [infos_by_start[s].sent.text if s in infos_by_start else "" for s, _ in ordered]
    record.spans = spans


def _sentence_at(infos, offset: int):
    return next((i for i in infos if i.sent.start <= offset < i.sent.end), None)


def _find(sentences, name: str, value):
    for info in sentences:
        items = info.money if name == "amount" else info.jobs
        for item in items:
            if (item.amount if name == "amount" else item.count) == value:
                return item.start, item.end, info
    return None
