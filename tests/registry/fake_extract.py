"""A deterministic stand-in for the extractor, for ingest tests.

Each line "@project key=value; key=value ..." in a document becomes one Record (keys are
Record fields; "country" is short for investor_country). KZINVEST_TEST_SLOW_EXTRACT_MS
makes every call sleep, so a test can kill an ingest halfway; this hook lives only here.
"""
from __future__ import annotations

import os
import time

from kzinvest.model import Document, Record

NUMERIC = {"amount": float, "amount_usd": float, "jobs": int, "confidence": float}


def fake_extract(doc: Document) -> list[Record]:
    delay = float(os.environ.get("KZINVEST_TEST_SLOW_EXTRACT_MS", "0") or 0)
    if delay:
        time.sleep(delay / 1000)
    out = []
    for line in doc.text.splitlines():
        line = line.strip()
        if not line.startswith(("@project", "@indicator")):
            continue
        kind, _, rest = line.partition(" ")
        fields: dict = {"kind": kind[1:], "evidence": [line]}
        for part in rest.split(";"):
            if "=" in part:
                k, v = (x.strip() for x in part.split("=", 1))
                k = "investor_country" if k == "country" else k
                fields[k] = NUMERIC[k](v) if k in NUMERIC else v
        out.append(Record(source=doc.source, **fields))
    return out


def install() -> None:
    """Replace the pipeline's extractor in this process."""
    import kzinvest.pipeline
    kzinvest.pipeline.extract_document = fake_extract


def article_text(i: int, n_companies: int = 20) -> str:
    """Article i of a generated corpus: companies recur, so projects gather mentions."""
    regions = ["KZ-10", "KZ-35", "KZ-39", "KZ-71", "KZ-75"]
    sectors = ["automotive", "energy", "agri_food", "chemicals"]
    stages = ["negotiation", "memorandum", "agreement", "construction", "launched"]
    c = i % n_companies
    return (f"Новость номер {i}. Компания Фирма{c} объявила о проекте.\n"
            f"@project investor=Фирма{c}; country=CN; region={regions[c % 5]}; "
            f"sector={sectors[c % 4]}; amount_usd={(c + 1) * 1e6}; stage={stages[i % 5]}; "
            f"date=2024-{1 + i % 12:02d}-01\n")
