"""What the workers of a Dask cluster run (registry/distributed.py drives them).

Per unit of input (registry/units.py) three tasks, so that nothing stored is extracted
again and the big data stays where it was made:

1. `read_task`: read, decode and clean the unit's documents (they stay in the worker's
   memory as the task's result);
2. `ident_task`: their identities (content hash, canonical URL), a few bytes each, which
   the client checks against the registry;
3. `extract_task`: extraction of the documents the registry does not hold yet, on the
   worker that holds them, and their rows built as far as they can be without the
   registry; the documents, records and rows go back to the client, which alone writes
   to the database.

Every task is a pure function of its inputs: a task run twice (a worker died, the
scheduler ran it again elsewhere) returns the same result, and since only the client
writes, and writes each document once (content hash), a retry duplicates nothing.

`ExtractorPlugin` loads the extractor's models once per worker process, when the worker
starts (and again in a worker that replaces a dead one), not once per task.
"""
from __future__ import annotations

import os
import time
from typing import Callable

from distributed import WorkerPlugin

from kzinvest.model import Document, Record
from kzinvest.registry.records import canonical_url, content_hash
from kzinvest.registry.units import Unit, read_unit
from kzinvest.sources.errors import InputError

PLUGIN_NAME = "kzinvest-extractor"


class ExtractorPlugin(WorkerPlugin):
    """Warms the extractor in every worker (models, gazetteers, grammars) and keeps
    numerical libraries to one thread: a worker is one core's worth of extraction."""

    name = PLUGIN_NAME

    def __init__(self, warm: bool = True, env: dict[str, str] | None = None) -> None:
        self.warm = warm
        self.env = dict(env or {})
        self.seconds: float | None = None

    def setup(self, worker) -> None:
        for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(key, "1")
        os.environ.update(self.env)
        if self.warm:
            t0 = time.perf_counter()
            from kzinvest.pipeline import extract_text
            extract_text("ТОО «Альфа» построит завод в Семее за 5 млн долларов.")
            self.seconds = time.perf_counter() - t0


def read_task(unit: Unit) -> tuple[list, float]:
    """(documents and input errors of the unit, seconds spent)."""
    t0 = time.perf_counter()
    try:
        items = read_unit(unit)
    except Exception as exc:           # a source module failing must not lose the unit
        items = [InputError(unit.label, f"{type(exc).__name__}: {exc}")]
    return items, time.perf_counter() - t0


def ident_task(read: tuple[list, float]) -> list[tuple[str, str | None] | None]:
    """(content hash, canonical URL) per item; None for errors and empty documents."""
    out = []
    for item in read[0]:
        if isinstance(item, Document) and (item.text or "").strip():
            out.append((content_hash(item.text), canonical_url(item.url)))
        else:
            out.append(None)
    return out


def extract_task(read: tuple[list, float], stored: frozenset[int],
                 extract: Callable[[Document], list[Record]] | None = None) -> dict:
    """The unit's items in order: ("doc", document, records, rows) with the rows of the
    records as far as they are built without the registry (bulk.Prebuilt: the client
    only fills in the ids), ("stored", source) for a document the registry already holds,
    ("failed", source, reason) for a document the extractor failed on, ("error", source,
    reason) for an input error."""
    from kzinvest.registry.bulk import prebuild
    from kzinvest.registry.records import default_extract
    extract = extract or default_extract
    items, read_s = read
    out, t0 = [], time.perf_counter()
    for n, item in enumerate(items):
        if not isinstance(item, Document):
            out.append(("error", getattr(item, "source", None) or "?",
                        getattr(item, "reason", str(item))))
        elif n in stored:
            out.append(("stored", item.source))
        elif not (item.text or "").strip():
            out.append(("failed", item.source, "no article text"))
        else:
            try:
                records = extract(item)
                out.append(("doc", item, records, prebuild(item, records)))
            except Exception as exc:
                reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
                out.append(("failed", item.source, reason))
    return {"items": out, "read_s": read_s, "extract_s": time.perf_counter() - t0,
            "pid": os.getpid()}


def worker_memory() -> int:
    """Resident memory of this worker process, in bytes (client.run)."""
    import psutil
    return psutil.Process().memory_info().rss


def sees_files(paths: list[tuple[str, int]]) -> bool:
    """Whether this worker sees the client's files (same paths and sizes)."""
    try:
        return all(os.path.getsize(p) == size for p, size in paths)
    except OSError:
        return False
