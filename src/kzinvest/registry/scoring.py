"""The pairwise score: how likely two mentions report the same undertaking.

A Fellegi–Sunter model: each comparison (names, quoted project names, country, region,
town, sector, amount, jobs, date gap, stage order, evidence words) falls into a level, and
each level adds its weight log2(m/u), where m is how often the level occurs between two
mentions of one project and u how often between mentions of different projects (among the
pairs blocking proposes). The weights are fitted on labelled multi-article stories
(registry/fit.py; shipped in kzinvest/data/resolution_weights.json with the corpus version
and the scores it reached); the defaults below are the prior they were fitted from.

Name and quoted-name levels say WHO and WHAT the undertaking is ("identity"); the others
say whether the facts agree ("context"). Clustering (registry/cluster.py) takes the best
identity evidence between two groups of mentions and the mean of their context evidence.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from kzinvest.normalise.names import keys_match
from kzinvest.registry.features import Feat

LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("same", "linked", "fuzzy", "partner", "other", "unnamed", "half"),
    "tags": ("shared", "disjoint", "na"),
    "country": ("eq", "ne", "na"),
    "region": ("eq", "ne", "na"),
    "city": ("eq", "ne", "na"),
    "sector": ("eq", "ne", "na"),
    "amount": ("same", "close", "revised", "far", "na"),
    "jobs": ("same", "close", "far", "na"),
    "gap": ("near", "year", "years", "na"),
    "order": ("ok", "back", "na"),
    "text": ("high", "mid", "low", "na"),
}
IDENTITY = ("name", "tags")
CONTEXT = tuple(f for f in LEVELS if f not in IDENTITY)

# The prior: log2(m/u) guesses before any fitting (also the smoothing prior of the fit).
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "name": {"same": 3.0, "linked": 2.5, "fuzzy": 0.5, "partner": -1.0, "other": -5.0,
             "unnamed": -1.0, "half": -4.0},
    "tags": {"shared": 3.0, "disjoint": -0.5, "na": 0.0},
    "country": {"eq": 0.3, "ne": -1.0, "na": 0.0},
    "region": {"eq": 1.0, "ne": -3.0, "na": 0.0},
    "city": {"eq": 1.5, "ne": -3.0, "na": 0.0},
    "sector": {"eq": 0.8, "ne": -3.0, "na": 0.0},
    "amount": {"same": 2.0, "close": 0.8, "revised": -0.5, "far": -4.0, "na": 0.0},
    "jobs": {"same": 1.5, "close": 0.3, "far": -1.0, "na": 0.0},
    "gap": {"near": 0.0, "year": 0.2, "years": -0.5, "na": 0.0},
    "order": {"ok": 0.2, "back": -0.7, "na": 0.0},
    "text": {"high": 2.0, "mid": 0.7, "low": -0.7, "na": 0.0},
}
DEFAULT_PRIOR = -2.0
# Merge two groups when their linkage (log2 odds) reaches THRESHOLD and no pair across them
# scores below VETO; linkages within REVIEW_BAND of the threshold go to the review queue.
THRESHOLD = 0.0
VETO = -1.0
REVIEW_BAND = (-2.0, 2.0)

NEAR_DAYS = 45
YEAR_DAYS = 730


def _ratio(x: float, y: float) -> float:
    lo, hi = (x, y) if x <= y else (y, x)
    return hi / lo if lo > 0 else float("inf")


@lru_cache(maxsize=262144)
def _fuzzy(a: str, b: str) -> bool:
    return keys_match(a, b) or (min(len(a), len(b)) >= 5 and fuzz.token_set_ratio(a, b) >= 85)


def levels(a: Feat, b: Feat) -> dict[str, str] | None:
    """Comparison levels of two mentions, or None when they can never be one project: two
    records of one article by the same investor (SPEC.md: separate undertakings), or by
    investors the article does not name."""
    same_doc = a.doc == b.doc
    if a.names and b.names:
        if a.names & b.names:
            name = "same"
        elif a.names & b.parents or b.names & a.parents:
            name = "linked"
        elif a.lead and b.lead and _fuzzy(a.lead, b.lead):
            name = "same" if keys_match(a.lead, b.lead) else "fuzzy"
        else:
            name = "partner" if same_doc else "other"
        if same_doc and name in ("same", "fuzzy"):
            return None
    elif a.names or b.names:
        if same_doc:
            return None
        name = "half"
    else:
        if same_doc:
            return None
        name = "unnamed"
    out = {"name": name}
    if a.tags and b.tags:
        out["tags"] = "shared" if a.tags & b.tags else "disjoint"
    else:
        out["tags"] = "shared" if (a.tags & b.names or b.tags & a.names) else "na"
    for f, x, y in (("country", a.country, b.country), ("region", a.region, b.region),
                    ("sector", a.sector, b.sector)):
        out[f] = "na" if x is None or y is None else ("eq" if x == y else "ne")
    if a.city and b.city:
        out["city"] = "eq" if a.city == b.city or keys_match(a.city, b.city) else "ne"
    else:
        out["city"] = "na"
    if a.usd and b.usd:
        r = _ratio(a.usd, b.usd)
        out["amount"] = ("same" if r <= 1.05 else "close" if r <= 1.6 else
                         "revised" if r <= 4.0 else "far")
    else:
        out["amount"] = "na"
    if a.jobs and b.jobs:
        r = _ratio(a.jobs, b.jobs)
        out["jobs"] = "same" if r <= 1.1 else "close" if r <= 2.0 else "far"
    else:
        out["jobs"] = "na"
    if a.day is not None and b.day is not None:
        gap = abs(a.day - b.day)
        out["gap"] = "near" if gap <= NEAR_DAYS else "year" if gap <= YEAR_DAYS else "years"
        early, late = (a, b) if (a.day, a.canon) <= (b.day, b.canon) else (b, a)
        out["order"] = ("na" if gap <= NEAR_DAYS else
                        "back" if late.rank < early.rank and early.rank >= 2 else "ok")
    else:
        out["gap"] = out["order"] = "na"
    if a.stems and b.stems:
        j = len(a.stems & b.stems) / len(a.stems | b.stems)
        out["text"] = "high" if j >= 0.35 else "mid" if j >= 0.15 else "low"
    else:
        out["text"] = "na"
    return out


@dataclass
class Model:
    weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: {f: dict(w) for f, w in DEFAULT_WEIGHTS.items()})
    prior: float = DEFAULT_PRIOR
    threshold: float = THRESHOLD
    veto: float = VETO
    band: tuple[float, float] = REVIEW_BAND
    meta: dict = field(default_factory=dict)

    def split(self, lv: dict[str, str]) -> tuple[float, float]:
        """(identity, context) weight sums of a comparison."""
        w = self.weights
        ident = sum(w[f].get(lv[f], 0.0) for f in IDENTITY)
        ctx = sum(w[f].get(lv[f], 0.0) for f in CONTEXT)
        return ident, ctx

    def pair(self, a: Feat, b: Feat) -> tuple[float, float] | None:
        lv = levels(a, b)
        return None if lv is None else self.split(lv)

    def score(self, a: Feat, b: Feat) -> float | None:
        """The pair's log2 odds of being one project (prior included)."""
        p = self.pair(a, b)
        return None if p is None else self.prior + p[0] + p[1]

    def explain(self, a: Feat, b: Feat) -> list[tuple[str, str, float]]:
        lv = levels(a, b) or {}
        return [(f, lv[f], self.weights[f].get(lv[f], 0.0)) for f in LEVELS if f in lv]

    def to_json(self) -> dict:
        return {"prior": self.prior, "threshold": self.threshold, "veto": self.veto,
                "review_band": list(self.band), "weights": self.weights, **self.meta}


WEIGHTS_FILE = "resolution_weights.json"


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The fitted model shipped with the package, else the default prior."""
    from importlib import resources
    path = resources.files("kzinvest").joinpath("data", WEIGHTS_FILE)
    if not path.is_file():
        return Model()
    data = json.loads(path.read_text(encoding="utf-8"))
    return model_from_json(data)


def model_from_json(data: dict) -> Model:
    weights = {f: dict(DEFAULT_WEIGHTS[f]) for f in LEVELS}
    for f, lv in (data.get("weights") or {}).items():
        if f in weights:
            weights[f].update({k: float(v) for k, v in lv.items() if k in LEVELS[f]})
    meta = {k: v for k, v in data.items()
            if k not in ("prior", "threshold", "veto", "review_band", "weights")}
    return Model(weights=weights, prior=float(data.get("prior", DEFAULT_PRIOR)),
                 threshold=float(data.get("threshold", THRESHOLD)),
                 veto=float(data.get("veto", VETO)),
                 band=tuple(data.get("review_band", REVIEW_BAND)), meta=meta)
