"""Inputs split into units of work for a cluster, and a unit read back into documents.

A unit is small to describe and cheap to ship: a few file paths, a range of lines of a
JSON Lines dump, a byte range of a WARC archive holding whole records, or one URL or feed.
Reading a unit yields exactly what the single-process ingest (registry/ingest.py
iter_inputs) yields for the same documents, in the same order, with the same errors: the
same source functions run on the same bytes.

Where workers see the client's files (one machine, or a shared file system), a unit
names paths and offsets and each worker reads its own slice. Otherwise (attach_bytes) the
client reads the slice (never a whole archive: a WARC range, one file of at most the
file size limit) and the unit carries those bytes.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from kzinvest.model import Document
from kzinvest.sources.errors import InputError

FILES_PER_UNIT = 16
LINES_PER_UNIT = 250
WARC_BYTES_PER_UNIT = 8 << 20
MAX_FILE_BYTES = 20_000_000       # sources.files.iter_documents' default limit
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
FEED_SUFFIXES = (".rss", ".atom", ".xml")
LINE_EXTS = (".jsonl", ".ndjson")


@dataclass
class Unit:
    """kind: "files" (paths), "lines" (path, lines start..stop-1, 1-based), "warc" (path,
    bytes start..stop), "input" (one input handled whole, as ingest.iter_inputs does)."""
    number: int
    kind: str
    paths: tuple[str, ...] = ()
    start: int = 0
    stop: int = 0
    data: dict[str, bytes] | None = field(default=None, repr=False)   # shipped bytes

    @property
    def label(self) -> str:
        first = self.paths[0] if self.paths else "?"
        if self.kind == "files" and len(self.paths) > 1:
            return f"{first} (+{len(self.paths) - 1} files)"
        if self.kind in ("lines", "warc"):
            return f"{first}[{self.start}:{self.stop}]"
        return first


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


# --- planning (the client) -----------------------------------------------------------------

def plan(inputs: Iterable[str], files_per_unit: int = FILES_PER_UNIT,
         lines_per_unit: int = LINES_PER_UNIT, warc_bytes: int = WARC_BYTES_PER_UNIT
         ) -> Iterator[Unit]:
    """Units covering every input, in input order (the order documents are stored in)."""
    from kzinvest.sources.files import list_files
    n = 0
    group: list[str] = []

    def unit(kind, paths, start=0, stop=0) -> Unit:
        nonlocal n
        n += 1
        return Unit(n - 1, kind, tuple(paths), start, stop)

    def flush():
        if group:
            yield unit("files", list(group))
            group.clear()

    for item in map(str, inputs):
        low = item.lower()
        if is_url(item) or low.endswith(WARC_SUFFIXES) or (low.endswith(FEED_SUFFIXES)
                                                             and os.path.isfile(item)):
            yield from flush()
            if low.endswith(WARC_SUFFIXES) and not is_url(item):
                ranges = warc_ranges(item, warc_bytes)
                if ranges is not None and len(ranges) > 1:
                    for a, b in ranges:
                        yield unit("warc", [item], a, b)
                    continue
            yield unit("input", [item])
            continue
        if os.path.isdir(item):
            files = list(list_files([item]))
            if not files or files == [item]:       # an empty or unreadable folder: its error
                yield from flush()
                yield unit("input", [item])
                continue
        else:
            files = [item]
        for path in files:
            lines = _line_count(path) if path.lower().endswith(LINE_EXTS) else 0
            if lines > lines_per_unit:
                yield from flush()
                for a in range(1, lines + 1, lines_per_unit):
                    yield unit("lines", [path], a, min(lines + 1, a + lines_per_unit))
                continue
            group.append(path)
            if len(group) >= files_per_unit:
                yield from flush()
    yield from flush()


def _line_count(path: str) -> int:
    """Lines of a file within the size limit (0 when it cannot be read: the unit that
    reads it whole reports why)."""
    try:
        if not 0 < os.path.getsize(path) <= MAX_FILE_BYTES:
            return 0
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return 0
    return len(data.splitlines())


def warc_ranges(path: str, target: int = WARC_BYTES_PER_UNIT) -> list[tuple[int, int]] | None:
    """Byte ranges of whole records, about `target` bytes each; None when the archive
    cannot be indexed cleanly (it is then read whole, with iter_warc's recovery)."""
    from warcio.archiveiterator import ArchiveIterator
    try:
        size = os.path.getsize(path)
        starts = []
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh, arc2warc=True)
            for _record in it:
                starts.append(it.get_record_offset())
    except Exception:
        return None
    if not starts or starts[0] != 0:
        return None
    ranges, begin = [], 0
    for off in starts[1:]:
        if off - begin >= target:
            ranges.append((begin, off))
            begin = off
    ranges.append((begin, size))
    return ranges


def attach_bytes(u: Unit) -> Unit:
    """Attach the bytes a worker without the client's files needs (one slice each; done
    just before the unit is submitted, so the client holds only the units in flight)."""
    from kzinvest.sources.files import _read
    data: dict[str, bytes] = {}
    for path in u.paths:
        if u.kind == "warc":
            with open(path, "rb") as fh:
                fh.seek(u.start)
                data[path] = fh.read(u.stop - u.start)
        elif u.kind in ("files", "lines") and not os.path.isdir(path):
            try:
                data[path] = _read(path, MAX_FILE_BYTES)
            except InputError as err:
                data[path] = err          # type: ignore[assignment]  (reported by the worker)
    u.data = data or None
    return u


# --- reading (a worker) --------------------------------------------------------------------

def read_unit(u: Unit) -> list[Document | InputError]:
    """The unit's documents and input errors, in order."""
    if u.kind == "input":
        return list(_input_items(u.paths[0]))
    if u.kind == "warc":
        return list(_warc_range(u))
    if u.kind == "lines":
        return list(_lines(u))
    out: list = []
    for path in u.paths:
        if u.data is None:
            from kzinvest.sources.files import iter_documents
            out += list(iter_documents([path]))
        else:
            out += list(_one_path_bytes(path, u.data[path]))
    return out


def _input_items(item: str) -> Iterator[Document | InputError]:
    from kzinvest.registry.ingest import iter_inputs
    for x in iter_inputs([item]):
        yield x if isinstance(x, Document) else InputError(*x)


def _file_text(path: str, data) -> tuple[str, str]:
    from kzinvest.sources.files import _decode, _read
    if isinstance(data, InputError):
        raise data
    return _decode(path, data if data is not None else _read(path, MAX_FILE_BYTES))


def _one_path_bytes(path: str, data) -> Iterator[Document | InputError]:
    """sources.files._one_path on bytes read by the client."""
    from kzinvest.sources import files as f
    ext = os.path.splitext(path)[1].lower()
    try:
        text, enc = _file_text(path, data)
    except InputError as err:
        yield err
        return
    try:
        if ext == ".json":
            yield from f._json(path, text, enc)
        elif ext in f.JSON_EXTS:
            yield from f._jsonl(path, text, enc)
        elif ext in f.HTML_EXTS:
            yield f._one_text(path, text, enc, "html")
        elif ext in f.TEXT_EXTS:
            yield f._one_text(path, text, enc, "text")
        else:
            yield f._one_text(path, text, enc, "html" if f.looks_like_html(text) else "text")
    except RecursionError:
        yield InputError(path, "document too deeply nested")


def _lines(u: Unit) -> Iterator[Document | InputError]:
    """Lines start..stop-1 of a JSON Lines file, as sources.files._jsonl reads them; an
    error about the whole file is reported by the file's first unit only."""
    import json
    from kzinvest.sources import files as f
    path = u.paths[0]
    try:
        text, enc = _file_text(path, (u.data or {}).get(path))
    except InputError as err:
        if u.start == 1:
            yield err
        return
    for lineno, line in enumerate(text.splitlines()[u.start - 1:u.stop - 1], u.start):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(path, f"line {lineno}: not JSON: {f._short(exc)}")
            continue
        try:
            yield f._json_item(f"{path}:{lineno}", obj, enc, f"line {lineno}", path)
        except RecursionError:
            yield InputError(path, "document too deeply nested")


def _warc_range(u: Unit) -> Iterator[Document | InputError]:
    """The records of one byte range of an archive (whole records, found by warc_ranges)."""
    from warcio.archiveiterator import ArchiveIterator
    from kzinvest.sources.warc import _record_document
    path = u.paths[0]
    if u.data is not None:
        data = u.data[path]
    else:
        with open(path, "rb") as fh:
            fh.seek(u.start)
            data = fh.read(u.stop - u.start)
    try:
        for record in ArchiveIterator(io.BytesIO(data), arc2warc=True):
            doc = _record_document(path, record)
            if doc is not None:
                yield doc
    except Exception as exc:        # indexed cleanly a moment ago: changed since
        yield InputError(path, f"broken record in bytes {u.start}-{u.stop}: "
                               f"{type(exc).__name__}: {exc}")
