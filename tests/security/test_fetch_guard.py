"""SSRF: what fetching refuses, and that the refusal holds at the connection itself.

Every server here is a real HTTP server on loopback, which the fetch policy refuses by
default; tests that need a fetch to succeed allow loopback explicitly (KZINVEST_FETCH_ALLOW)
and show in the same breath that it is refused without that.
"""
from __future__ import annotations

import gzip
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kzinvest.sources import netguard
from kzinvest.sources.errors import InputError
from kzinvest.sources.web import FetchError, FetchRefused, fetch, iter_url

PAGE = ("<html><head><title>Завод</title></head><body><article><p>Компания Камаз построит "
        "завод в Костанае. Объём инвестиций составит 120 миллионов долларов, будет создано 500 "
        "рабочих мест, сообщили в акимате области.</p></article></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *a):
        pass

    def _send(self, body: bytes, ctype="text/html; charset=utf-8", status=200, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Handler.hits.append(f"{self.server.server_address[0]}{self.path}")
        p = self.path
        if p == "/page":
            self._send(PAGE)
        elif p.startswith("/hops/"):                      # /hops/N -> /hops/N-1 ... -> /page
            n = int(p.rsplit("/", 1)[1])
            self._send(b"", status=302, extra=[("Location", f"/hops/{n - 1}" if n > 1 else "/page")])
        elif p.startswith("/to?"):                         # redirect anywhere
            self._send(b"", status=301, extra=[("Location", p[4:])])
        elif p == "/gzip-bomb":                            # 200 MB of zeros, ~200 KB gzipped
            self._send(BOMB, extra=[("Content-Encoding", "gzip")])
        elif p == "/deflate":
            self._send(zlib.compress(PAGE), extra=[("Content-Encoding", "deflate")])
        elif p == "/gzip":
            self._send(gzip.compress(PAGE), extra=[("Content-Encoding", "gzip")])
        elif p == "/br":
            self._send(b"\x00" * 10, extra=[("Content-Encoding", "br")])
        elif p == "/trickle":                              # one byte every 0.2 s, forever
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        else:
            self._send(b"not found", status=404)


BOMB = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)


def _serve(host: str):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    srv = Server((host, 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def public():
    """The "public" server: loopback 127.0.0.1, which tests allow as if it were public."""
    srv = _serve("127.0.0.1")
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def internal():
    """An "internal" service on 127.0.0.2, never allowed: nothing may reach it."""
    srv = _serve("127.0.0.2")
    yield f"http://127.0.0.2:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def allow_public(monkeypatch):
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.1/32")


def _internal_hits():
    return [h for h in Handler.hits if h.startswith("127.0.0.2")]


# --- the address policy -------------------------------------------------------------------

@pytest.mark.parametrize("ip, why", [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"), ("100.64.0.1", "carrier-grade"), ("192.0.2.1", "private"),
    ("2001:db8::1", "private"), ("::ffff:127.0.0.1", "loopback address inside"),
    ("::ffff:10.0.0.1", "private address inside"), ("2002:7f00:1::", "loopback address inside"),
    ("64:ff9b::a9fe:a9fe", "link-local address inside"), ("::127.0.0.1", "loopback address inside"),
])
def test_forbidden_addresses(ip, why):
    assert why in netguard.classify(ipaddress.ip_address(ip))


@pytest.mark.parametrize("ip", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111",
                                "::ffff:8.8.8.8", "2002:0808:0808::1"])
def test_public_addresses(ip):
    assert netguard.classify(ipaddress.ip_address(ip)) is None


def test_allow_list():
    allow = netguard.allowed_networks("10.0.0.0/8, ::1/128")
    assert netguard.problem("10.9.9.9", allow) is None
    assert netguard.problem("::ffff:10.9.9.9", allow) is None
    assert netguard.problem("::1", allow) is None
    assert "loopback" in netguard.problem("127.0.0.1", allow)
    with pytest.raises(ValueError, match="KZINVEST_FETCH_ALLOW"):
        netguard.allowed_networks("10.0.0.0/8,intranet")


# --- refusals, end to end ----------------------------------------------------------------------

@pytest.mark.parametrize("host", [
    "127.0.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "127.1", "[::1]",
    "[::ffff:127.0.0.1]", "localhost", "0",
])
def test_every_spelling_of_loopback_is_refused_by_default(public, host, monkeypatch):
    monkeypatch.delenv("KZINVEST_FETCH_ALLOW", raising=False)
    port = public.rsplit(":", 1)[1]
    before = len(Handler.hits)
    with pytest.raises(FetchRefused) as e:
        fetch(f"http://{host}:{port}/page")
    assert str(e.value).startswith(f"http://{host}:{port}/page: refused: ")
    assert "\n" not in str(e.value)
    assert len(Handler.hits) == before                # no request reached the server


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "localhost"])
def test_integer_and_named_forms_are_judged_by_the_address(public, host, monkeypatch):
    """Not string matching: the same forms are fetched once loopback is allowed."""
    monkeypatch.setenv("KZINVEST_FETCH_ALLOW", "127.0.0.0/8")
    port = public.rsplit(":", 1)[1]
    assert b"<article>" in fetch(f"http://{host}:{port}/page").body


def test_a_name_resolving_to_a_private_address_is_refused(public, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *a, **kw):
        return real("127.0.0.1" if host == "news.example" else host, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.delenv("KZINVEST_FETCH_ALLOW", raising=False)
    port = public.rsplit(":", 1)[1]
    with pytest.raises(FetchRefused, match=r"news.example resolves to 127.0.0.1, a loopback"):
        fetch(f"http://news.example:{port}/page")


def test_the_connected_peer_is_checked_too(public, monkeypatch):
    """Even if resolution were fooled (DNS rebinding between check and use), the socket's
    peer address is checked after connecting."""
    port = int(public.rsplit(":", 1)[1])
    monkeypatch.setattr(netguard, "resolve",
                        lambda host, p, allow=(): [(socket.AF_INET, ("127.0.0.1", port))])
    before = len(Handler.hits)
    with pytest.raises(FetchRefused, match="connected to 127.0.0.1 is a loopback address"):
        fetch(f"http://news.example:{port}/page", allow=())
    assert len(Handler.hits) == before


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/",
                                 "data:text/html,hi", "javascript:alert(1)", "dict://x:11211/"])
def test_other_schemes_are_refused(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(url)


def test_redirects_are_followed_up_to_five(public, allow_public):
    assert b"<article>" in fetch(public + "/hops/5").body      # 5 redirects, then the page
    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        fetch(public + "/hops/6")


def test_each_redirect_is_checked_again(public, internal, allow_public):
    with pytest.raises(FetchRefused, match="127.0.0.2 is a loopback address"):
        fetch(f"{public}/to?{internal}/page")
    with pytest.raises(FetchRefused, match="only http and https.*redirect to file:"):
        fetch(f"{public}/to?file:///etc/passwd")
    with pytest.raises(FetchRefused, match="169.254.169.254 is a link-local"):
        fetch(f"{public}/to?http://169.254.169.254/latest/meta-data/")
    assert _internal_hits() == []


def test_gzip_bomb_is_cut_at_the_decompressed_cap(public, allow_public):
    import tracemalloc
    tracemalloc.start()
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="too large when decompressed"):
        fetch(public + "/gzip-bomb")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.monotonic() - t0 < 10
    assert peak < 80 * 1024 * 1024            # never the 200 MB the bomb expands to


def test_compressed_pages_are_read(public, allow_public):
    assert fetch(public + "/gzip").body == PAGE
    assert fetch(public + "/deflate").body == PAGE
    with pytest.raises(FetchError, match="unsupported content encoding"):
        fetch(public + "/br")


def test_total_time_is_capped(public, allow_public):
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(public + "/trickle", deadline_s=1.0)       # each byte comes well within the read timeout
    assert time.monotonic() - t0 < 2.0


def test_feed_items_pointing_inside_are_refused_and_not_stored(public, internal, allow_public, tmp_path):
    from kzinvest.sources.feeds import iter_feed_bytes
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f'<item><title>a</title><link>{public}/page</link></item>'
            f'<item><title>b</title><link>{internal}/page</link><description>Компания Секрет '
            f'построит завод за 10 млн долларов.</description></item>'
            f'<item><title>c</title><link>file:///etc/passwd</link><description>x y z</description></item>'
            f'</channel></rss>').encode()
    out = list(iter_feed_bytes("feed.xml", feed))
    docs = [o for o in out if not isinstance(o, InputError)]
    errors = [o for o in out if isinstance(o, InputError)]
    assert [d.url for d in docs] == [public + "/page"]
    assert [e.source.split("//")[0] for e in errors] == ["http:", "file:"]   # feedparser's spelling
    assert errors[0].source == f"{internal}/page"
    assert all(e.reason.startswith("refused: ") for e in errors)
    assert _internal_hits() == []


def test_cli_ingest_of_a_loopback_url_is_one_line_and_stores_nothing(public, tmp_path):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    env = {k: v for k, v in os.environ.items() if k != "KZINVEST_FETCH_ALLOW"}
    proc = subprocess.run([sys.executable, "-m", "kzinvest.cli", "ingest", public + "/page",
                           "--db", db, "--no-progress"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"{public}/page: refused: 127.0.0.1 is a loopback address (not fetched; "
                     "KZINVEST_FETCH_ALLOW can allow a network)"]
    assert "documents: 0 new, 0 duplicate, 1 failed" in proc.stdout
    from kzinvest.registry.store import open_store
    store = open_store(db)
    try:
        assert store.counts()["documents"] == 0
    finally:
        store.close()


def test_iter_url_reports_refusal_as_an_input_error(public, monkeypatch):
    monkeypatch.delenv("KZINVEST_FETCH_ALLOW", raising=False)
    [err] = list(iter_url(public + "/page"))
    assert isinstance(err, FetchRefused) and err.source == public + "/page"
