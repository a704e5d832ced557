"""Files and folders to cleaned Documents.

`iter_documents(paths)` walks what the user named on the command line and yields one
cleaned `Document` per article, or an `InputError` per bad input, in order; one bad
input never stops the batch.

* a folder is walked recursively in sorted order; hidden files and folders (".x")
  are skipped, and so are files whose extension is not one of ours;
* `.txt`, `.md` are text; `.html`, `.htm`, `.xhtml` are HTML; a file of another
  extension named explicitly is sniffed (HTML if it looks like HTML, else text);
* `.json` holds one object or a list of objects, `.jsonl` one object per line; each
  object carries "text" or "html" and optionally "title", "url", "published";
  its source is "file.jsonl:LINE" (1-based line) or "file.json:#N" (1-based index;
  a file holding a single object keeps the plain path);
* the size is checked before reading: a file over `max_bytes` is refused unread.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat as _stat
from collections.abc import Iterable, Iterator

from kzinvest.clean.meta import clean_document
from kzinvest.model import Document
from kzinvest.sources.decode import decode_bytes
from kzinvest.sources.errors import InputError

__all__ = ["iter_documents", "TEXT_EXTS", "HTML_EXTS", "JSON_EXTS", "looks_like_html"]

TEXT_EXTS = {".txt", ".md", ".text"}
HTML_EXTS = {".html", ".htm", ".xhtml"}
JSON_EXTS = {".json", ".jsonl", ".ndjson"}
KNOWN_EXTS = TEXT_EXTS | HTML_EXTS | JSON_EXTS

_HTML_SNIFF = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html\b|<head\b|<body\b)"
    r"|<(?:p|div|article|br|h1|h2|span|a\s+href)\b[^>]*>.*</(?:p|div|article|h1|h2|span|a)>",
    re.I | re.S)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF.search(text[:20000]))


def _size_text(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:.1f} MB" if mb < 10 or mb != int(mb) else f"{int(mb)} MB"


def _limit_text(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:g} MB" if mb >= 1 else f"{n} bytes"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return f"cannot read: {exc.strerror or exc}"


def _read(path: str, max_bytes: int) -> bytes:
    """The file's bytes, or InputError; the size is checked before reading."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            raise InputError(path, "broken symbolic link") from None
        raise InputError(path, _os_reason(exc)) from None
    if _stat.S_ISDIR(st.st_mode):
        raise InputError(path, "is a directory")
    if not _stat.S_ISREG(st.st_mode):
        raise InputError(path, "not a regular file")
    if st.st_size > max_bytes:
        raise InputError(path, f"file too large ({_size_text(st.st_size)} > {_limit_text(max_bytes)})")
    if st.st_size == 0:
        raise InputError(path, "empty file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(path, _os_reason(exc)) from None
    if len(data) > max_bytes:  # grew while we looked
        raise InputError(path, f"file too large (> {_limit_text(max_bytes)})")
    return data


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _decode(path: str, data: bytes) -> tuple[str, str]:
    try:
        text, enc = decode_bytes(data, _declared_charset(data))
    except InputError as err:
        raise err.with_source(path) from None
    if not text.strip():
        raise InputError(path, "empty file")
    return text, enc


def _finish(doc: Document) -> Document | InputError:
    if not doc.text.strip():
        return InputError(doc.source, "no article text found")
    return doc


def _one_text(path: str, text: str, enc: str, content_type: str) -> Document | InputError:
    try:
        return _finish(clean_document(path, text, content_type, encoding=enc))
    except InputError as err:       # too slow or too deeply nested to clean
        return err


def _json_item(source: str, obj: object, enc: str, where: str, report_as: str) -> Document | InputError:
    if not isinstance(obj, dict):
        return InputError(report_as, f"{where}: not a JSON object")
    text, html = obj.get("text"), obj.get("html")
    if isinstance(text, str) and text.strip():
        raw, ctype = text, "text"
        if looks_like_html(text) and not (isinstance(html, str) and html.strip()):
            ctype = "html"
    elif isinstance(html, str) and html.strip():
        raw, ctype = html, "html"
    else:
        return InputError(report_as, f'{where}: no "text" or "html" field')

    def opt(key: str) -> str | None:
        value = obj.get(key)
        return str(value) if value not in (None, "") and not isinstance(value, (dict, list)) else None

    try:
        doc = clean_document(source, raw, ctype, title=opt("title"), url=opt("url"),
                             published=opt("published") or opt("date"), encoding=enc)
    except InputError as err:
        return InputError(report_as, f"{where}: {err.reason}")
    if isinstance(doc, Document):
        doc.path = report_as   # records name the file given on the command line (SPEC.md)
    return _finish(doc)


def _short(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} (column {exc.colno})"


def _jsonl(path: str, text: str, enc: str) -> Iterator[Document | InputError]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(path, f"line {lineno}: not JSON: {_short(exc)}")
            continue
        yield _json_item(f"{path}:{lineno}", obj, enc, f"line {lineno}", path)


def _json(path: str, text: str, enc: str) -> Iterator[Document | InputError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # Maybe JSON Lines under a .json name.
        lines = [x for x in text.splitlines() if x.strip()]
        if len(lines) > 1 and lines[0].lstrip().startswith("{"):
            try:
                json.loads(lines[0])
            except json.JSONDecodeError:
                pass
            else:
                yield from _jsonl(path, text, enc)
                return
        yield InputError(path, f"not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})")
        return
    if isinstance(data, dict):
        if "text" not in data and "html" not in data:
            for key in ("articles", "items", "documents", "data", "results"):
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
    if isinstance(data, dict):
        yield _json_item(path, data, enc, "object", path)
    elif isinstance(data, list):
        if not data:
            yield InputError(path, "empty JSON list")
        for i, obj in enumerate(data, 1):
            yield _json_item(f"{path}:#{i}", obj, enc, f"item #{i}", path)
    else:
        yield InputError(path, "JSON is neither an object nor a list of objects")


def _one_path(path: str, max_bytes: int, explicit: bool) -> Iterator[Document | InputError]:
    ext = os.path.splitext(path)[1].lower()
    try:
        data = _read(path, max_bytes)
        text, enc = _decode(path, data)
    except InputError as err:
        yield err
        return
    try:
        if ext in JSON_EXTS:
            if ext == ".json":
                yield from _json(path, text, enc)
            else:
                yield from _jsonl(path, text, enc)
        elif ext in HTML_EXTS:
            yield _one_text(path, text, enc, "html")
        elif ext in TEXT_EXTS:
            yield _one_text(path, text, enc, "text")
        else:
            yield _one_text(path, text, enc, "html" if looks_like_html(text) else "text")
    except RecursionError:
        yield InputError(path, "document too deeply nested")


def list_files(paths: Iterable[str]) -> Iterator[str]:
    """The paths as given, folders replaced by the files under them (an unreadable folder is
    passed on as given, for `iter_documents` to report)."""
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            try:
                yield from _walk(path)
            except (InputError, RecursionError):
                yield path
        else:
            yield path


def _walk(folder: str) -> Iterator[str]:
    """Files under `folder` with our extensions, sorted, hidden ones skipped."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(folder, _os_reason(exc)) from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        full = os.path.join(folder, entry.name)
        try:
            is_dir = entry.is_dir()  # follows symlinks; a dangling link is "not a dir"
        except OSError:
            is_dir = False
        if is_dir:
            if entry.is_symlink():
                continue  # do not follow links to folders: loops
            yield from _walk(full)
        elif os.path.splitext(entry.name)[1].lower() in KNOWN_EXTS:
            yield full


def iter_documents(paths: Iterable[str], max_bytes: int = 20_000_000) -> Iterator[Document | InputError]:
    """Yield a cleaned Document per article, an InputError per bad input (see the
    module docstring)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            try:
                files = list(_walk(path))
            except InputError as err:
                yield err
                continue
            except RecursionError:
                yield InputError(path, "folder nested too deeply")
                continue
            if not files:
                yield InputError(path, "no .txt, .md, .html, .json or .jsonl files in folder")
            for f in files:
                yield from _one_path(f, max_bytes, explicit=False)
        else:
            yield from _one_path(path, max_bytes, explicit=True)
