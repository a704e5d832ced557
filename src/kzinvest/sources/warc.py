"""WARC/ARC web archives (warcio): every HTML or text response becomes a Document.

A broken record is reported as one InputError and the reader resynchronises on the next
record header (uncompressed: a "WARC/1.x" line; gzipped: the next gzip member), so one
damaged record does not cost the rest of the archive.
"""
from __future__ import annotations

from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from kzinvest.model import Document
from kzinvest.sources.errors import InputError

MAX_RECORD_BYTES = 10 * 1024 * 1024
_TEXTUAL = ("text/html", "application/xhtml", "text/plain")


def _short(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0][:160]}" if msg else type(exc).__name__


def _record_document(path: str, record) -> Document | InputError | None:
    """The record's page as a Document; None for records that are not pages."""
    if record.rec_type not in ("response", "resource"):
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or path
    if record.rec_type == "response":
        if record.http_headers is None:
            return None
        status = record.http_headers.get_statuscode()
        if status and not status.startswith("2"):
            return None
        ctype = record.http_headers.get_header("Content-Type") or ""
    else:
        ctype = record.rec_headers.get_header("Content-Type") or ""
    if not any(t in ctype.lower() for t in _TEXTUAL):
        return None
    body = record.content_stream().read(MAX_RECORD_BYTES + 1)
    if len(body) > MAX_RECORD_BYTES:
        return InputError(uri, f"record too large (over {MAX_RECORD_BYTES:,} bytes)")
    from kzinvest.clean.meta import clean_document
    from kzinvest.sources.decode import decode_bytes
    charset = None
    if "charset=" in ctype.lower():
        charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip()
    try:
        text, enc = decode_bytes(body, charset)
    except InputError as err:
        return err.with_source(uri)
    try:
        doc = clean_document(uri, text, "text" if "text/plain" in ctype.lower() else "html",
                             url=uri if uri.startswith("http") else None, encoding=enc)
    except InputError as err:     # too slow or too deeply nested to clean: this record only
        return err
    if not doc.text.strip():
        return InputError(uri, "no article text found")
    return doc


def _resync(fh, start: int, gz: bool) -> int | None:
    """Offset of the next record header at or after `start`, or None."""
    marker = b"\x1f\x8b\x08" if gz else b"WARC/1."
    fh.seek(start)
    carry = b""
    base = start
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return None
        buf = carry + chunk
        i = buf.find(marker)
        while i >= 0:
            at_line_start = gz or i == 0 and base == 0 or (i > 0 and buf[i - 1:i] == b"\n")
            if at_line_start:
                return base + i
            i = buf.find(marker, i + 1)
        keep = len(marker)
        carry = buf[-keep:]
        base += len(buf) - keep


def iter_warc(path: str) -> Iterator[Document | InputError]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield InputError(path, (exc.strerror or str(exc)).lower())
        return
    with fh:
        gz = fh.read(2) == b"\x1f\x8b"
        pos: int | None = 0
        records = 0
        reported = False       # one error per damaged stretch, however many resyncs it takes
        while pos is not None:
            fh.seek(pos)
            it = ArchiveIterator(fh, arc2warc=True)
            gen = iter(it)
            good_start = None  # where the last record read whole in this pass began
            while True:
                try:
                    record = next(gen)
                    doc = _record_document(path, record)
                    good_start = pos + it.get_record_offset()
                except StopIteration:
                    pos = None
                    break
                except Exception as exc:
                    if not reported:
                        yield InputError(path, f"broken record after byte {good_start or pos}: {_short(exc)}")
                        reported = True
                    # Offsets of a damaged gzip member are unreliable: look for the next record
                    # header just after the last good one (or after this pass's start).
                    pos = _resync(fh, (good_start if good_start is not None else pos) + 1, gz)
                    break
                records += 1
                reported = False
                if doc is not None:
                    yield doc
        if records == 0 and not gz:
            fh.seek(0)
            if not fh.read(4):
                yield InputError(path, "empty file")
