"""RSS/Atom feeds: each item's page is fetched (sources/web.py); when that fails, the
entry's own summary/content stands in for it, so a feed with a dead link still counts.
A link the fetch policy refuses (a private address, another scheme: sources/netguard.py)
is reported as the item's error and nothing of that item is stored."""
from __future__ import annotations

import time
from typing import Iterator

import feedparser

from kzinvest.model import Document
from kzinvest.sources.errors import InputError


def _published(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            return time.strftime("%Y-%m-%d", t)
    return None


def _entry_html(entry) -> str:
    parts = [c.get("value", "") for c in entry.get("content", []) or []]
    if not any(parts):
        parts = [entry.get("summary", "")]
    return "\n".join(p for p in parts if p)


def parse_feed(source: str, data: bytes):
    """feedparser result, or InputError when the bytes are not a usable feed."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        return InputError(source, f"not an RSS/Atom feed ({reason or 'unreadable XML'})")
    if not parsed.entries and not parsed.get("version"):
        return InputError(source, "not an RSS/Atom feed (no channel or entries)")
    return parsed


def iter_feed_bytes(source: str, data: bytes, fetch_pages: bool = True, **fetch_kw
                    ) -> Iterator[Document | InputError]:
    """Documents of the feed's items; `fetch_kw` go to sources.web.fetch for each link."""
    from kzinvest.clean.meta import clean_document
    from kzinvest.sources.web import FetchRefused, fetch, page_document

    parsed = parse_feed(source, data)
    if isinstance(parsed, InputError):
        yield parsed
        return
    for i, entry in enumerate(parsed.entries, 1):
        link = entry.get("link")
        title = entry.get("title")
        published = _published(entry)
        item_source = link or f"{source}#{i}"
        page_error = None
        if link and fetch_pages:
            try:
                yield page_document(link, fetch(link, **fetch_kw), title=title,
                                    published=published)
                continue
            except FetchRefused as err:
                yield err
                continue
            except InputError as err:
                page_error = err.reason
            except Exception as exc:  # a broken page must not stop the feed
                page_error = f"{type(exc).__name__}: {exc}"
        html = _entry_html(entry)
        if html.strip():
            try:
                doc = clean_document(item_source, html, "html", title=title, url=link,
                                     published=published)
            except InputError as err:
                yield err
                continue
            if doc.text.strip():
                yield doc
                continue
        yield InputError(item_source, f"no article text ({page_error or 'empty entry'})")


def iter_feed_file(path: str) -> Iterator[Document | InputError]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        yield InputError(path, exc.strerror or str(exc))
        return
    yield from iter_feed_bytes(path, data)
