"""A cluster ingest in its own process, for the resume test: python run_ingest.py DB
SCHEDULER INPUT. Prints the summary as JSON. Uses the slowed-down real extractor."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

if __name__ == "__main__":
    from scale.slow_extract import slow_extract
    from kzinvest.registry.distributed import ingest_distributed
    from kzinvest.registry.store import open_store
    db, address, path = sys.argv[1:4]
    store = open_store(db, today="2026-01-01")
    s = ingest_distributed(store, [path], address=address, extract=slow_extract, batch=10,
                           lines_per_unit=10)
    store.close()
    print(json.dumps(s.as_dict(), default=list))
