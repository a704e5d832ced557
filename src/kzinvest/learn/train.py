"""Training the extractor's decisions on real news, and honest figures by cross-validation.

    kzinvest train                 # fit on every corpus present, write data/models/*.json
    python benchmarks/quality.py   # k-fold figures by article on the real corpus

Candidates come from the rules (`extract.projects.extract_candidates`); labels from matching
them to gold (`learn.match`). Real pages are the point; the seed and our own articles are added
to the training data (they are news-like, and no score on real pages is ever taken on a page
the model trained on). Models are logistic regressions (scikit-learn) exported as plain JSON.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from kzinvest.extract import features as feats
from kzinvest.extract.decide import MODELS, Linear, decide
from kzinvest.learn.corpus import Article
from kzinvest.learn.evaluate import Score
from kzinvest.learn.match import field_matches, match, name_key, options

# Regularisation and decision thresholds, chosen by cross-validation on the real corpus.
SETTINGS = {
    "candidate": {"C": 1.0, "threshold": 0.4, "first_threshold": 0.2},
    "sector": {"C": 2.0},
    "stage": {"C": 2.0},
    "amount": {"C": 0.5, "threshold": 0.5},
    "jobs": {"C": 0.5, "threshold": 0.4},
    "region": {"C": 0.5, "threshold": 0.4},
    # Real pages favour keeping fewer second records of one investor (0.55-0.65 score alike);
    # 0.55, the lowest of those, because SPEC wants an investor's separate undertakings kept
    # apart and the seed articles that test it must stay above 0.90.
    "split": {"C": 0.5, "threshold": 0.55},
}
MIN_COUNT = 3          # a feature seen in fewer training examples is left out of the model
PRUNE = 0.01           # weights smaller than this change no decision; left out, the model files stay small


@dataclass
class Prepared:
    article: Article
    candidates: list = field(default_factory=list)
    examples: dict = field(default_factory=dict)     # model -> [(features, label)]


def _as_gold_view(record) -> dict:
    return {"investor": record.investor, "sector": record.sector, "region": record.region,
            "investor_country": record.investor_country}


def prepare(articles: list[Article]) -> list[Prepared]:
    """Run the rules once per article and turn the candidates into labelled examples."""
    from kzinvest.extract.projects import extract_candidates
    from kzinvest.model import Document
    from kzinvest.sources.files import iter_documents
    out = []
    for article in articles:
        docs = [d for d in iter_documents([str(article.path)]) if isinstance(d, Document)]
        p = Prepared(article)
        for doc in docs:
            p.candidates.extend(extract_candidates(doc)[0])
        p.examples = _examples(p.candidates, article.golds)
        out.append(p)
    return out


def _examples(candidates, golds) -> dict[str, list]:
    ex: dict[str, list] = {name: [] for name in MODELS}
    pairs = match([_as_gold_view(c.record) for c in candidates], golds)
    for i, c in enumerate(candidates):
        j = pairs.get(i)
        if j is not None and golds[j].get("optional"):
            continue
        ex["candidate"].append((feats.candidate_features(c), int(j is not None)))
        if j is None:
            continue
        g = golds[j]
        for name, fn in (("sector", feats.sector_features), ("stage", feats.stage_features)):
            rule = getattr(c.record, name)
            label = rule if field_matches(name, rule, g) else next((v for v in options(g, name) if v), None)
            if label:
                ex[name].append((fn(c), label))
        for money, _, f in feats.amount_options(c):
            ex["amount"].append((f, int(field_matches("amount", money.amount, g, money.currency))))
        for jobs, _, f in feats.jobs_options(c):
            ex["jobs"].append((f, int(field_matches("jobs", jobs.count, g))))
        for region, _, f in feats.region_options(c):
            ex["region"].append((f, int(region in options(g, "region"))))
    # Another record of an investor already matched: another undertaking (matched too) or the
    # same one twice (unmatched).
    for i, c in enumerate(candidates):
        key = name_key(c.record.investor)
        for k in range(i):
            a = candidates[k]
            if key and k in pairs and name_key(a.record.investor) == key:
                j = pairs.get(i)
                if j is not None and golds[j].get("optional"):
                    continue
                ex["split"].append((feats.split_features(a, c), int(j is not None)))
    return ex


def fit(prepared: list[Prepared], settings: dict | None = None) -> dict[str, Linear]:
    settings = settings or SETTINGS
    models = {}
    for name in MODELS:
        rows = [row for p in prepared for row in p.examples[name]]
        spec = fit_one(rows, **settings[name])
        if spec is not None:
            models[name] = Linear(spec)
    return models


def fit_one(rows: list[tuple[dict, object]], C: float, threshold: float | None = None,
            first_threshold: float | None = None) -> dict | None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    labels = sorted({y for _, y in rows}, key=str)
    if len(labels) < 2:
        return None
    counts: dict[str, int] = {}
    for x, _ in rows:
        for k in x:
            counts[k] = counts.get(k, 0) + 1
    keep = {k for k, n in counts.items() if n >= MIN_COUNT}
    vec = DictVectorizer()
    X = vec.fit_transform([{k: v for k, v in x.items() if k in keep} for x, _ in rows])
    y = [y for _, y in rows]
    model = LogisticRegression(C=C, max_iter=3000)
    model.fit(X, y)
    coef = model.coef_
    names = vec.get_feature_names_out()
    weights = {}
    for col, fname in enumerate(names):
        w = [round(float(coef[k, col]), 4) for k in range(coef.shape[0])]
        if any(abs(v) >= PRUNE for v in w):
            weights[str(fname)] = w
    spec = {"classes": [c.item() if hasattr(c, "item") else c for c in model.classes_],
            "intercept": [round(float(v), 4) for v in model.intercept_],
            "weights": weights, "C": C, "examples": len(rows)}
    if threshold is not None:
        spec["threshold"] = threshold
    if first_threshold is not None:
        spec["first_threshold"] = first_threshold
    return spec


def predict(prepared: list[Prepared], models: dict[str, Linear]) -> list[tuple[Article, list[dict]]]:
    out = []
    for p in prepared:
        fresh = [dataclasses.replace(c, record=dataclasses.replace(c.record, spans={})) for c in p.candidates]
        out.append((p.article, [r.to_json() for r in decide(fresh, models)]))
    return out


def score(predictions) -> dict:
    s = Score()
    for article, records in predictions:
        s.add(records, article.golds)
    return s.summary()


def folds(items: list, k: int, seed: int = 13) -> list[list]:
    order = sorted(items, key=lambda p: hashlib.sha256(f"{seed}{p.article.id}".encode()).hexdigest())
    return [order[i::k] for i in range(k)]


def cross_validate(real: list[Prepared], extra: list[Prepared], k: int = 5, settings=None, calibrate=True):
    """Out-of-fold predictions for every real article: each is scored by models that never
    saw it (the extra corpora are always in training)."""
    predictions = []
    for fold in folds(real, k):
        held = {id(p) for p in fold}
        rest = [p for p in real if id(p) not in held]
        models = fit(rest + extra, settings)
        if calibrate and "candidate" in models:
            # Calibrated on the training folds' own out-of-fold records, never on this fold.
            inner = cross_validate(rest, extra, k=3, settings=settings, calibrate=False)
            models["candidate"].spec["calibration"] = calibration(inner)
        predictions.extend(predict(fold, models))
    return predictions


def calibration(predictions) -> list[float]:
    """Platt scaling of the candidate model's probability, fitted on out-of-fold records: what
    share of records with a given raw probability are real projects on pages never trained on."""
    from sklearn.linear_model import LogisticRegression
    import math
    s = Score()
    for article, records in predictions:
        s.add(records, article.golds)
    xs = [[math.log(max(c, 1e-6) / max(1 - c, 1e-6))] for c, _ in s.confidence]
    ys = [int(real) for _, real in s.confidence]
    if len(set(ys)) < 2:
        return [1.0, 0.0]
    model = LogisticRegression(C=100.0).fit(xs, ys)
    return [round(float(model.coef_[0][0]), 4), round(float(model.intercept_[0]), 4)]


def corpus_version(prepared: list[Prepared]) -> str:
    h = hashlib.sha256()
    for p in sorted(prepared, key=lambda p: p.article.id):
        h.update(p.article.id.encode())
        h.update(json.dumps(p.article.golds, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:12]


def write_models(models: dict[str, Linear], folder: Path, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        spec = dict(model.spec)
        spec["trained"] = meta
        (folder / f"{name}.json").write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")),
                                             encoding="utf-8")


def shuffled(items: list, seed: int = 7) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def load_corpora(texts: Path | None = None):
    """(real, dev, own) prepared, and the real pages that could not be used."""
    from kzinvest.learn.corpus import load_dev, load_own, load_real
    real, problems = load_real(texts)
    return prepare(real), prepare(load_dev()), prepare(load_own()), problems


def load_heldout(texts: Path | None = None) -> list[Prepared]:
    """The held-out real batches (tests/real/heldout.txt), prepared: scored, never fitted on."""
    from kzinvest.learn.corpus import load_real
    return prepare(load_real(texts, heldout=True)[0])


def train_and_write(folder: Path, k: int = 5, texts: Path | None = None, log=print) -> dict:
    """The one reproducible training command: cross-validated figures first, then the models
    fitted on everything, written with the corpus version and those figures."""
    real, dev, own, problems = load_corpora(texts)
    if problems:
        log(f"{len(problems)} real pages unusable (re-collect them first): " + "; ".join(problems[:5]))
    if not real:
        raise SystemExit("no real-news texts found (tests/real/texts or KZINVEST_REAL_TEXTS): "
                         "collect them first, see tests/real/README.md")
    cv = score(cross_validate(real, dev + own, k=k))
    models = fit(real + dev + own)
    models["candidate"].spec["calibration"] = calibration(cross_validate(real, dev + own, k=k, calibrate=False))
    fitted = score(predict(real, models))
    meta = {"corpus_version": corpus_version(real + dev + own), "real_articles": len(real),
            "dev_articles": len(dev), "own_articles": len(own), "folds": k,
            "real_cross_validated": cv, "real_training_set": fitted}
    heldout = load_heldout(texts)
    if heldout:
        meta["real_heldout_articles"] = len(heldout)
        meta["real_heldout"] = score(predict(heldout, models))
    write_models(models, folder, meta)
    log(json.dumps(meta, ensure_ascii=False, indent=1))
    return meta
