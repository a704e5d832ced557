"""Feeds, WARC archives and URLs, including the bad ones (no network: a local server)."""
from __future__ import annotations

import gzip
import io
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kzinvest.sources.errors import InputError
from kzinvest.sources.feeds import iter_feed_file
from kzinvest.sources.warc import iter_warc
from kzinvest.sources.web import USER_AGENT, fetch, iter_url

ARTICLE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>Астана, 12 марта 2024 года. Компания {who} подписала соглашение о строительстве завода
в Костанайской области. Объём инвестиций составит 120 миллионов долларов, будет создано
500 рабочих мест. Завод будет выпускать грузовые автомобили и запчасти к ним.</p>
<p>Строительство начнётся в следующем году, сообщили в акимате области.</p>
</article></body></html>"""


def rss(base: str, links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Новость {i}</title><link>{base}{link}</link>"
        f"<pubDate>Tue, 12 Mar 2024 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Запасной текст {i}: компания Резерв{i} построит "
        f"склад в Алматы стоимостью 10 млн долларов, сообщили в пресс-службе.&lt;/p&gt;"
        f"</description></item>" for i, link in enumerate(links, 1))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>{base}</link><description>d</description>{items}"
            f"</channel></rss>").encode()


class Handler(BaseHTTPRequestHandler):
    sent_huge = 0
    user_agents: list[str] = []

    def log_message(self, *a):
        pass

    def _send(self, body: bytes, ctype="text/html; charset=utf-8", status=200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Handler.user_agents.append(self.headers.get("User-Agent", ""))
        base = f"http://127.0.0.1:{self.server.server_port}"
        p = self.path
        if p.startswith("/page"):
            self._send(ARTICLE.format(title=f"Страница {p}", who=f"Камаз{p[-1]}").encode())
        elif p == "/slow":
            time.sleep(3)
            self._send(b"late")
        elif p == "/500":
            self._send(b"oops", status=500)
        elif p == "/huge":      # 1 GB, streamed without Content-Length
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"a" * 65536
            try:
                for _ in range(1 << 14):
                    self.wfile.write(chunk)
                    Handler.sent_huge += len(chunk)
            except OSError:
                pass
        elif p == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
        elif p == "/feed.xml":
            self._send(rss(base, ["/page1", "/500", "/page3"]), "application/rss+xml")
        elif p == "/notxml.xml":
            self._send(b"this is { not xml at all", "application/rss+xml")
        else:
            self._send(b"not found", status=404)


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    """The test server is on loopback, which fetching refuses unless allowed
    (tests/security/test_fetch_guard.py shows the refusal)."""
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.0/8")


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_fetch_page_sends_honest_user_agent(server):
    f = fetch(server + "/page1")
    assert f.status == 200 and b"<article>" in f.body
    assert USER_AGENT in Handler.user_agents[-1]
    [doc] = list(iter_url(server + "/page1"))
    assert "Камаз" in doc.text and doc.url == server + "/page1"


@pytest.mark.parametrize("path, reason", [("/500", "HTTP 500"), ("/nowhere", "HTTP 404")])
def test_http_errors_are_reported(server, path, reason):
    [err] = list(iter_url(server + path))
    assert isinstance(err, InputError) and reason in err.reason and err.source == server + path


def test_timeout_is_reported(server):
    t0 = time.monotonic()
    [err] = list(iter_url(server + "/slow", timeout=0.5))
    assert isinstance(err, InputError) and "timed out" in err.reason
    assert time.monotonic() - t0 < 2.5


def test_one_gigabyte_body_is_cut_at_the_cap(server):
    t0 = time.monotonic()
    [err] = list(iter_url(server + "/huge"))
    assert isinstance(err, InputError) and "too large" in err.reason
    assert time.monotonic() - t0 < 15
    time.sleep(0.2)
    assert Handler.sent_huge < 200 * 1024 * 1024     # far from the whole gigabyte
    [err] = list(iter_url(server + "/huge-declared"))
    assert "too large" in err.reason


def test_feed_items_fetch_pages_and_fall_back_to_summary(server):
    items = list(iter_url(server + "/feed.xml"))
    assert len(items) == 3 and all(not isinstance(i, InputError) for i in items)
    assert "Камаз1" in items[0].text                 # fetched page
    assert "Резерв2" in items[1].text                # page 500 -> entry summary
    assert items[0].published == "2024-03-12"


def test_feed_that_is_not_xml(server, tmp_path):
    [err] = list(iter_url(server + "/notxml.xml"))
    assert isinstance(err, InputError) and "not an RSS/Atom feed" in err.reason
    bad = tmp_path / "bad.rss"
    bad.write_text("<html>definitely { not a feed")
    [err] = list(iter_feed_file(str(bad)))
    assert isinstance(err, InputError) and "not an RSS/Atom feed" in err.reason


def make_warc(path, pages: list[tuple[str, str]], gz: bool = False) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        for uri, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(uri, "response",
                                                payload=io.BytesIO(html.encode()),
                                                http_headers=headers))
        w.write_record(w.create_warc_record("urn:x", "metadata", payload=io.BytesIO(b"meta")))


def pages(n: int):
    return [(f"https://news.example/{i}", ARTICLE.format(title=f"Новость {i}", who=f"Фирма{i}"))
            for i in range(1, n + 1)]


@pytest.mark.parametrize("gz", [False, True])
def test_warc_pages_become_documents(tmp_path, gz):
    p = tmp_path / ("a.warc.gz" if gz else "a.warc")
    make_warc(p, pages(3), gz=gz)
    docs = list(iter_warc(str(p)))
    assert [d.url for d in docs] == [u for u, _ in pages(3)]
    assert "Фирма2" in docs[1].text


@pytest.mark.parametrize("gz", [False, True])
def test_warc_with_a_broken_record_reports_it_and_goes_on(tmp_path, gz):
    good = tmp_path / "good.warc"
    make_warc(good, pages(3), gz=False)
    data = good.read_bytes()
    if gz:
        # One gzip member per record, as WARC writers make them, with the random record ids and
        # dates fixed so the bytes, and so the damage, are the same on every run.
        data = re.sub(rb"(WARC-Record-ID: <urn:uuid:)[0-9a-f-]+", rb"\g<1>00000000-0000-0000-0000-000000000000", data)
        data = re.sub(rb"(WARC-Date: )\S+", rb"\g<1>2024-01-01T00:00:00Z", data)
        starts = [m.start() for m in re.finditer(rb"WARC/1\.\d\r\n", data)]
        records = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)])]
        members = [gzip.compress(r, mtime=0) for r in records]
        members[1] = members[1][:10] + b"\x00garbage\xff" * 8 + members[1][90:]   # damage the second record
        data = b"".join(members)
    else:
        second = data.index(b"WARC/1.", data.index(b"WARC/1.") + 10)
        data = data[:second] + b"XXXX BROKEN HEADER\r\n" + data[second + 20:]
    bad = tmp_path / ("bad.warc.gz" if gz else "bad.warc")
    bad.write_bytes(data)
    out = list(iter_warc(str(bad)))
    errors = [o for o in out if isinstance(o, InputError)]
    docs = [o for o in out if not isinstance(o, InputError)]
    assert len(errors) == 1 and "broken record" in errors[0].reason
    assert errors[0].source == str(bad)
    assert [d.url for d in docs] == ["https://news.example/1", "https://news.example/3"]


def test_missing_warc(tmp_path):
    [err] = list(iter_warc(str(tmp_path / "none.warc")))
    assert isinstance(err, InputError)
