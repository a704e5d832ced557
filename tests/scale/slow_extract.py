"""The real extractor, slowed down by 25 ms a document so that a test can interrupt an
ingest halfway. Runs on the workers (imported there by name)."""
from __future__ import annotations

import time


def slow_extract(doc):
    from kzinvest.registry.records import default_extract
    time.sleep(0.025)
    return default_extract(doc)
