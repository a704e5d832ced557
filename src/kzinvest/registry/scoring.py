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
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from kzinvest.normalise.names import keys_match
from kzinvest.registry.features import Feat, first_token

LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("same", "hub", "linked", "family", "fuzzy", "mutual", "mentioned", "partner",
             "other", "unnamed", "half"),
    "tags": ("shared", "disjoint", "na"),
    "country": ("eq", "ne", "na"),
    "region": ("eq", "ne", "na"),
    "city": ("eq", "district", "ne", "na"),
    "sector": ("eq", "ne", "na"),
    "amount": ("same", "close", "revised", "far", "na"),
    "jobs": ("same", "close", "far", "na"),
    "time": ("near", "year", "year_back", "years", "years_back", "na"),
    "text": ("high", "mid", "low", "na"),
}
IDENTITY = ("name", "tags")
# Name levels by which one mention points at the other's investor side.
SUPPORT = ("same", "linked", "family", "fuzzy", "mutual", "partner", "unnamed")
CONTEXT = tuple(f for f in LEVELS if f not in IDENTITY)

# The prior: log2(m/u) guesses before any fitting (also the smoothing prior of the fit).
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "name": {"same": 3.0, "hub": 0.0, "linked": 2.5, "family": 1.0, "fuzzy": 0.5, "mutual": 1.0,
             "mentioned": 0.0, "partner": -1.0, "other": -5.0, "unnamed": -1.0, "half": -4.0},
    "tags": {"shared": 3.0, "disjoint": -0.5, "na": 0.0},
    "country": {"eq": 0.3, "ne": -1.0, "na": 0.0},
    "region": {"eq": 1.0, "ne": -3.0, "na": 0.0},
    "city": {"eq": 1.5, "district": 0.0, "ne": -3.0, "na": 0.0},
    "sector": {"eq": 0.8, "ne": -3.0, "na": 0.0},
    "amount": {"same": 2.0, "close": 0.8, "revised": -0.5, "far": -6.0, "na": 0.0},
    "jobs": {"same": 1.5, "close": 0.3, "far": -1.0, "na": 0.0},
    "time": {"near": 0.0, "year": 0.2, "year_back": -0.5, "years": -0.5, "years_back": -1.2,
             "na": 0.0},
    "text": {"high": 2.0, "mid": 0.7, "low": -0.7, "na": 0.0},
}
DEFAULT_PRIOR = -2.0
# Merge two groups when their linkage (log2 odds) reaches THRESHOLD and no pair across them
# contradicts (hard_contradiction(), or context evidence below VETO); linkages within
# REVIEW_BAND of the threshold go to the review queue.
THRESHOLD = 0.0
VETO = -99.0
REVIEW_BAND = (-2.0, 2.0)

NEAR_DAYS = 45
YEAR_DAYS = 730


def _ratio(x: float, y: float) -> float:
    lo, hi = (x, y) if x <= y else (y, x)
    return hi / lo if lo > 0 else float("inf")


_DIGITS = re.compile(r"\d+")


def _numbered_apart(a: str, b: str) -> bool:
    """"ГРЭС-1" and "ГРЭС-2", "Фирма1" and "Фирма11": names that differ in a number."""
    return _DIGITS.findall(a) != _DIGITS.findall(b)


def _family(a: Feat, b: Feat) -> bool:
    """One company named after the other ("KAZ Minerals" / "KAZ Minerals Aktogay", "Kia" /
    "Kia Qazaqstan"): a group and its local company, or a namesake."""
    short, long_ = sorted((a.squash, b.squash), key=len)
    if len(short) >= 5 and long_.startswith(short):
        return True
    ta, tb = first_token(a.lead, 3), first_token(b.lead, 3)
    return ta is not None and ta == tb


def _mentions(a: Feat, b: Feat) -> bool:
    """a's evidence names b's investor (quoted, or every word of its name): a partner, the
    company a project company belongs to, a customer or contractor of the undertaking."""
    if a.tags & b.names:
        return True
    toks = [t for t in b.lead.split() if len(t) >= 3]
    return bool(toks) and all(t in a.words for t in toks) and len("".join(toks)) >= 5


@lru_cache(maxsize=262144)
def _fuzzy(a: str, b: str) -> bool:
    return keys_match(a, b) or (min(len(a), len(b)) >= 5 and fuzz.token_set_ratio(a, b) >= 85)


def levels(a: Feat, b: Feat) -> dict[str, str] | None:
    """Comparison levels of two mentions, or None when they can never be one project: two
    records of one article by the same investor (SPEC.md: separate undertakings), or by
    investors the article does not name."""
    same_doc = a.doc == b.doc
    if a.names and b.names:
        shared = a.names & b.names
        if shared:
            # one company in two joint ventures with different partners (KMG with SIBUR on
            # polyethylene, KMG with Tatneft on butadiene): the shared name says little
            name = "hub" if shared <= (a.hubs | b.hubs) else "same"
        elif a.names & b.parents or b.names & a.parents:
            name = "linked"
        elif _numbered_apart(a.lead, b.lead):
            name = "partner" if same_doc else "other"
        elif a.squash == b.squash or (a.lead and b.lead and keys_match(a.lead, b.lead)):
            name = "same"
        elif _family(a, b):
            name = "family"
        elif a.lead and b.lead and _fuzzy(a.lead, b.lead):
            name = "fuzzy"
        elif same_doc:
            name = "partner"
        elif _mentions(a, b) and _mentions(b, a):
            # each names the other's investor: a joint venture reported once under one
            # partner, once under the other (KMG's article names SIBUR, SIBUR's names KMG)
            name = "mutual"
        elif _mentions(a, b) or _mentions(b, a):
            name = "mentioned"
        else:
            name = "other"
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
    ta = a.project_tags if a.project_tags is not None else a.tags - a.names
    tb = b.project_tags if b.project_tags is not None else b.tags - b.names
    if ta and tb:
        out["tags"] = "shared" if ta & tb else "disjoint"
    else:
        out["tags"] = "na"
    for f, x, y in (("country", a.country, b.country), ("region", a.region, b.region),
                    ("sector", a.sector, b.sector)):
        out[f] = "na" if x is None or y is None else ("eq" if x == y else "ne")
    if a.city and b.city:
        out["city"] = "eq" if a.city == b.city or keys_match(a.city, b.city) else \
            "district" if a.district and a.district == b.district else "ne"
        # two towns of one district (a mine's village and the district centre that a reporter
        # names) are no contradiction: only towns in different districts are
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
        # how far apart the reports are, and whether the later one reports an earlier stage
        # than a binding one before it (a launched plant "planned" again is another one)
        gap = abs(a.day - b.day)
        early, late = (a, b) if (a.day, a.canon) <= (b.day, b.canon) else (b, a)
        back = "_back" if late.rank < early.rank and early.rank >= 2 else ""
        out["time"] = ("near" if gap <= NEAR_DAYS else
                       ("year" if gap <= YEAR_DAYS else "years") + back)
    else:
        out["time"] = "na"
    if a.stems and b.stems:
        j = len(a.stems & b.stems) / len(a.stems | b.stems)
        out["text"] = "high" if j >= 0.35 else "mid" if j >= 0.15 else "low"
    else:
        out["text"] = "na"
    return out


def supports(lv: dict[str, str]) -> bool:
    """Whether one mention names the other's investor side or project (clustering's "names
    each other" rule). A hub's name in common (a company in several ventures) names no
    venture by itself, but two reports of the hub that tell the same thing in the same
    words (evidence words "high") or give the same investment (amounts "same" or "close")
    point at one venture, not at two ventures sharing a partner."""
    return (lv["name"] in SUPPORT or lv["tags"] == "shared"
            or (lv["name"] == "hub" and (lv["text"] == "high"
                                         or lv["amount"] in ("same", "close"))))


def hard_contradiction(lv: dict[str, str]) -> bool:
    """Facts no pair of reports of one undertaking shows, whatever else agrees: amounts more
    than four times apart, two different towns (unless the same investor, sector and figures:
    an amount or jobs count repeated by two reports outweighs a town, which the extractor
    takes from any place in the project's sentences, "… аэропорта города Аркалыка"), or two
    regions without a project name in common («Мирный» placed in two regions by two articles
    is still one wind farm). A pair like this keeps its two groups apart (complete linkage on
    contradictions). Investors
    known only by description ("турецкая компания") are told apart by nothing but the facts:
    their reports must agree on a close amount as well. Two sectors are two undertakings
    unless something else ties them (a project name, the amount, the town): extractors
    disagree on a foundry's sector, not on a car plant's and a steel works'."""
    return (lv["amount"] == "far"
            or (lv["city"] == "ne" and not (lv["name"] == "same" and lv["sector"] == "eq" and (
                lv["amount"] in ("same", "close") or lv["jobs"] == "same")))
            or (lv["region"] == "ne" and lv["tags"] != "shared")
            or (lv["sector"] == "ne" and lv["tags"] != "shared" and lv["city"] != "eq"
                and lv["amount"] not in ("same", "close"))
            or (lv["name"] == "unnamed" and lv["amount"] not in ("same", "close")))


@dataclass
class Model:
    weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: {f: dict(w) for f, w in DEFAULT_WEIGHTS.items()})
    prior: float = DEFAULT_PRIOR
    threshold: float = THRESHOLD
    veto: float = VETO
    band: tuple[float, float] = REVIEW_BAND
    meta: dict = field(default_factory=dict)
    hard: bool = True          # apply hard_contradiction()

    def split(self, lv: dict[str, str]) -> tuple[float, float]:
        """(identity, context) weight sums of a comparison."""
        w = self.weights
        ident = w["name"].get(lv["name"], 0.0) + w["tags"].get(lv["tags"], 0.0)
        ctx = 0.0
        for f in CONTEXT:
            ctx += w[f].get(lv[f], 0.0)
        return ident, ctx

    def compare(self, a: Feat, b: Feat):
        """(identity, context, names each other, hard contradiction) or None when never one
        project: everything clustering needs from one comparison."""
        lv = levels(a, b)
        if lv is None:
            return None
        ident, ctx = self.split(lv)
        return (ident, ctx, supports(lv), self.hard and hard_contradiction(lv))

    def pair(self, a: Feat, b: Feat) -> tuple[float, float, bool] | None:
        """(identity, context, names each other) or None when the two can never be one
        project or contradict each other outright (hard_contradiction)."""
        lv = levels(a, b)
        if lv is None or (self.hard and hard_contradiction(lv)):
            return None
        return (*self.split(lv), supports(lv))

    def soft_score(self, a: Feat, b: Feat) -> float | None:
        """The score without the hard contradictions (None when never one project)."""
        lv = levels(a, b)
        return None if lv is None else self.prior + sum(self.split(lv))

    def score(self, a: Feat, b: Feat) -> float | None:
        """The pair's log2 odds of being one project (prior included)."""
        p = self.pair(a, b)
        return None if p is None else self.prior + p[0] + p[1]

    def explain(self, a: Feat, b: Feat) -> list[tuple[str, str, float]]:
        lv = levels(a, b) or {}
        return [(f, lv[f], self.weights[f].get(lv[f], 0.0)) for f in LEVELS if f in lv]

    def to_json(self) -> dict:
        return {"prior": self.prior, "threshold": self.threshold, "veto": self.veto,
                "hard_contradictions": self.hard, "review_band": list(self.band),
                "weights": self.weights, **self.meta}


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
            if k not in ("prior", "threshold", "veto", "review_band", "weights",
                         "hard_contradictions")}
    return Model(weights=weights, prior=float(data.get("prior", DEFAULT_PRIOR)),
                 threshold=float(data.get("threshold", THRESHOLD)),
                 veto=float(data.get("veto", VETO)),
                 band=tuple(data.get("review_band", REVIEW_BAND)), meta=meta,
                 hard=bool(data.get("hard_contradictions", True)))
