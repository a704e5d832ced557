"""Store.ingest over feeds, WARC archives, URLs and files together: failures are reported
one line each and the rest is stored."""
from __future__ import annotations

import pytest

from kzinvest.registry.query import ProjectFilter, list_projects

from . import fake_extract
from .test_sources import make_warc, pages, server  # noqa: F401  (fixture)


def test_mixed_inputs_with_bad_ones(store, server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr("kzinvest.pipeline.extract_document", fake_extract.fake_extract)
    monkeypatch.setenv("KZINVEST_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.0/8")   # the test server is on loopback
    warc = tmp_path / "crawl.warc.gz"
    make_warc(warc, pages(2), gz=True)
    notfeed = tmp_path / "broken.rss"
    notfeed.write_text("{ not xml")
    txt = tmp_path / "a.txt"
    txt.write_text(fake_extract.article_text(1), encoding="utf-8")
    errors = []
    s = store.ingest([str(txt), str(warc), server + "/feed.xml", server + "/page9",
                      server + "/500", server + "/slow", server + "/huge", str(notfeed)],
                     on_error=lambda src, why: errors.append((src, why)))
    # txt + 2 WARC pages + 3 feed items + 1 page
    assert s.documents_new == 7 and s.documents_failed == 4
    reasons = dict(errors)
    assert "HTTP 500" in reasons[server + "/500"]
    assert "timed out" in reasons[server + "/slow"]
    assert "too large" in reasons[server + "/huge"]
    assert "not an RSS/Atom feed" in reasons[str(notfeed)]
    assert s.records == 1 and s.projects_new == 1
    assert list_projects(store, ProjectFilter())["total"] == 1
    # The same feed again: every item is a duplicate (by URL and text).
    again = store.ingest([server + "/feed.xml", str(warc)])
    assert again.documents_new == 0 and again.documents_duplicate == 5
