"""`kzinvest watch FEED... --every 15m`: poll RSS/Atom feeds, ingest their new items, and send
new and updated projects that match saved filters to webhooks (KZINVEST_WEBHOOKS).

- An item is new when its id (else link, else title) was not seen in that feed before,
  and updated when its "updated" date or its content changed since; both are fetched
  (sources/web.py: the fetch policy, timeouts and size caps apply; loopback and private
  addresses need KZINVEST_FETCH_ALLOW) and stored through the registry's write path
  (documents.add_document: stored once, extracted, resolved).
- What has been seen is kept in a JSON state file (default: beside a SQLite registry,
  else data/watch-state.json), written atomically after every item, so a restart, a crash
  or a SIGKILL loses at most the item in hand, and that item is stored at most once
  anyway (content hash).
- A feed that is down, slow (KZINVEST_HTTP_TIMEOUT) or broken is reported and tried
  again at the next poll; the other feeds go on.
- SIGTERM or SIGINT: the item in hand is finished, the state saved, and the command
  exits 0.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

STATE_VERSION = 1
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.I)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'15m', '30s', '1h', '2d' or plain seconds."""
    m = _DURATION.match(text or "")
    if not m:
        raise ValueError(f"not a duration: {text!r} (e.g. 30s, 15m, 1h)")
    return float(m.group(1)) * _UNIT[(m.group(2) or "s").lower()]


class State:
    """Seen items per feed: {feed: {item key: fingerprint}}, saved atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.feeds: dict[str, dict[str, str]] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            self.feeds = {k: dict(v) for k, v in data.get("feeds", {}).items()}

    def seen(self, feed: str, key: str) -> str | None:
        return self.feeds.get(feed, {}).get(key)

    def mark(self, feed: str, key: str, fingerprint: str) -> None:
        self.feeds.setdefault(feed, {})[key] = fingerprint
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": STATE_VERSION, "feeds": self.feeds},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def default_state_path(db_url: str) -> Path:
    from sqlalchemy.engine import make_url
    u = make_url(db_url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database).with_suffix(".watch.json")
    return Path("data") / "watch-state.json"


@dataclass
class Poll:
    """What one poll of all feeds did."""
    items_new: int = 0
    items_updated: int = 0
    documents_new: int = 0
    documents_duplicate: int = 0     # e.g. an edited article at a URL already stored
    projects_new: set[int] = field(default_factory=set)
    projects_updated: set[int] = field(default_factory=set)
    errors: list[tuple[str, str]] = field(default_factory=list)
    deliveries: list = field(default_factory=list)


def item_key(entry) -> str:
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "")


def item_fingerprint(entry) -> str:
    """Changes when the item is updated: its date, else a hash of what it says."""
    keys = set(entry.keys())       # (feedparser warns on a missing "updated" looked up)
    stamp = str(entry["updated"] if "updated" in keys else entry.get("published") or "")
    body = "\x00".join(str(entry.get(k) or "") for k in ("title", "link", "summary"))
    return stamp + "|" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


class Watcher:
    def __init__(self, store, feeds: list[str], state: State, hooks=None,
                 log: Callable[[str], None] = print, stop: threading.Event | None = None,
                 extract=None) -> None:
        self.store, self.feeds, self.state = store, list(feeds), state
        self.hooks = hooks
        self.log = log
        self.stop = stop or threading.Event()
        self.extract = extract

    def run(self, every: float, polls: int | None = None) -> int:
        """Poll every `every` seconds until stopped (or `polls` times); returns polls made."""
        done = 0
        while not self.stop.is_set():
            started = time.monotonic()
            self.poll()
            done += 1
            if polls is not None and done >= polls:
                break
            self.stop.wait(max(0.0, every - (time.monotonic() - started)))
        return done

    def poll(self) -> Poll:
        out = Poll()
        for feed in self.feeds:
            if self.stop.is_set():
                break
            try:
                self._poll_feed(feed, out)
            except Exception as exc:        # one feed must never stop the others
                self._error(out, feed, f"{type(exc).__name__}: {exc}")
        out.projects_updated -= out.projects_new
        out.deliveries = self._notify(out)
        self.log(f"poll: {out.items_new} new and {out.items_updated} updated items, "
                 f"{out.documents_new} documents stored ({out.documents_duplicate} already "
                 f"held); projects: {len(out.projects_new)} new, "
                 f"{len(out.projects_updated)} updated; {len(out.errors)} errors")
        return out

    def _error(self, out: Poll, source: str, reason: str) -> None:
        out.errors.append((source, reason))
        self.log(f"{source}: {reason}")

    def _poll_feed(self, feed: str, out: Poll) -> None:
        from kzinvest.sources.errors import InputError
        from kzinvest.sources.feeds import parse_feed
        try:
            data = _feed_bytes(feed)
        except InputError as err:
            self._error(out, feed, err.reason)
            return
        parsed = parse_feed(feed, data)
        if isinstance(parsed, InputError):
            self._error(out, feed, parsed.reason)
            return
        for i, entry in enumerate(parsed.entries, 1):
            if self.stop.is_set():
                return
            key = item_key(entry) or f"#{i}"
            fp = item_fingerprint(entry)
            before = self.state.seen(feed, key)
            if before == fp:
                continue
            if before is None:
                out.items_new += 1
            else:
                out.items_updated += 1
            self._ingest_entry(feed, i, entry, out)
            self.state.mark(feed, key, fp)

    def _ingest_entry(self, feed: str, i: int, entry, out: Poll) -> None:
        from kzinvest.sources.errors import InputError
        doc = entry_document(feed, i, entry)
        if isinstance(doc, InputError):
            self._error(out, doc.source or feed, doc.reason)
            return
        try:
            res = self.store.add_document(doc, extract=self.extract)
        except Exception as exc:
            self._error(out, doc.source, f"{type(exc).__name__}: {exc}")
            return
        if res.status != "new":
            out.documents_duplicate += 1
        else:
            out.documents_new += 1
            out.projects_new |= res.projects_new
            out.projects_updated |= res.projects_touched - res.projects_new

    def _notify(self, out: Poll) -> list:
        from kzinvest.web.webhooks import load_webhooks, notify_new_projects
        hooks = load_webhooks() if self.hooks is None else self.hooks
        if not hooks or not (out.projects_new or out.projects_updated):
            return []
        from kzinvest.registry.query import get_project
        deliveries = []
        for event, ids in (("projects.new", out.projects_new),
                           ("projects.updated", out.projects_updated)):
            projects = [p for p in (get_project(self.store, pid) for pid in sorted(ids)) if p]
            if projects:
                deliveries += notify_new_projects(projects, hooks, event=event)
        for d in deliveries:
            if d.error:
                self.log(f"webhook {d.url}: {d.error}")
        return deliveries


def _feed_bytes(feed: str) -> bytes:
    from kzinvest.sources.errors import InputError
    if feed.lower().startswith(("http://", "https://")):
        from kzinvest.sources.web import fetch
        return fetch(feed).body
    try:
        return Path(feed).read_bytes()
    except OSError as exc:
        raise InputError(feed, exc.strerror or str(exc)) from None


def entry_document(feed: str, i: int, entry):
    """The item's page (fetched) as a Document, else its own summary/content, else an
    InputError: what sources/feeds.iter_feed_bytes does for every item, for one item."""
    from kzinvest.clean.meta import clean_document
    from kzinvest.sources.errors import InputError
    from kzinvest.sources.feeds import _entry_html, _published
    from kzinvest.sources.web import FetchRefused, fetch, page_document
    link, title, published = entry.get("link"), entry.get("title"), _published(entry)
    source = link or f"{feed}#{i}"
    page_error = None
    if link:
        try:
            return page_document(link, fetch(link), title=title, published=published)
        except FetchRefused as err:
            return err
        except InputError as err:
            page_error = err.reason
        except Exception as exc:
            page_error = f"{type(exc).__name__}: {exc}"
    html = _entry_html(entry)
    if html.strip():
        try:
            doc = clean_document(source, html, "html", title=title, url=link, published=published)
        except InputError as err:
            return err
        if doc.text.strip():
            return doc
    return InputError(source, f"no article text ({page_error or 'empty entry'})")


# --- the command ---------------------------------------------------------------------------

def watch(feeds: Annotated[list[str], typer.Argument(help="RSS/Atom feed URLs (or files).")],
          every: Annotated[str, typer.Option(help="Time between polls: 30s, 15m, 1h.")] = "15m",
          db: Annotated[Optional[str], typer.Option(
              "--db", help="SQLAlchemy URL (default $KZINVEST_DB, else sqlite:///data/kzinvest.db).")] = None,
          state: Annotated[Optional[Path], typer.Option(
              help="File that remembers the items seen (default: beside a SQLite registry, "
                   "else data/watch-state.json).")] = None,
          once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False) -> None:
    """Poll feeds, ingest new and updated items, send new and updated projects matching the
    saved filters to webhooks (KZINVEST_WEBHOOKS); stops cleanly on SIGTERM."""
    from kzinvest.registry.store import open_store, resolve_url
    try:
        period = parse_duration(every)
    except ValueError as exc:
        typer.echo(f"--every: {exc}", err=True)
        raise typer.Exit(2)
    url = resolve_url(db)
    store = open_store(url)
    stop = threading.Event()

    def on_signal(signum, _frame) -> None:
        log(f"{signal.Signals(signum).name}: stopping after the item in hand")
        stop.set()

    def log(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stderr, flush=True)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        watcher = Watcher(store, feeds, State(state or default_state_path(url)), log=log, stop=stop)
        log(f"watching {len(feeds)} feed(s) every {every}; state {watcher.state.path}")
        watcher.run(period, polls=1 if once else None)
        log("stopped")
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        store.close()


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
