"""The records that flow through the pipeline: a Document in, Records out.

`Record.to_json()` is exactly the contract of SPEC.md (plus a few extra fields the
scorer ignores); the registry, the API and the exports all start from it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SECTORS = (
    "automotive", "rail", "machinery", "metallurgy", "mining", "oil_gas", "chemicals",
    "energy", "electronics", "construction_materials", "agri_food", "consumer_goods",
    "pharma", "logistics", "utilities", "it", "tourism", "real_estate", "other",
)
STAGES = ("negotiation", "memorandum", "agreement", "construction", "launched")
KINDS = ("project", "indicator")


@dataclass
class Document:
    """One article after decoding and cleaning.

    `text` is the cleaned main text that extraction reads and evidence offsets point
    into; `raw_text` is the whole decoded input (HTML included) kept for provenance.
    """
    source: str                      # the path or URL exactly as the user gave it
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None     # YYYY-MM-DD
    raw_text: str | None = None
    content_type: str = "text"       # "text" or "html"
    encoding: str | None = None
    path: str | None = None          # the file as given, when `source` names an item inside it


@dataclass
class Record:
    source: str
    kind: str = "project"
    investor: str | None = None
    investor_country: str | None = None
    region: str | None = None
    city: str | None = None
    sector: str = "other"
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    jobs: int | None = None
    stage: str = "negotiation"
    date: str | None = None
    evidence: list[str] = field(default_factory=list)
    confidence: float = 0.5
    # Extras beyond SPEC.md (ignored by the scorer, used by the registry and the web).
    evidence_spans: list[tuple[int, int]] = field(default_factory=list)
    spans: dict[str, list[int]] = field(default_factory=dict)   # field -> [start, end] supporting it
    product: str | None = None
    capacity: str | None = None
    investor_aliases: list[str] = field(default_factory=list)
    title: str | None = None
    url: str | None = None
    document: str | None = None      # the item inside `source` (a JSON Lines line), when there is one

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["evidence_spans"] = [list(s) for s in self.evidence_spans]
        return out
