"""min_confidence through HTTP (API, exports, Atom feed, stats) on SQLite and PostgreSQL,
and the dashboard's low-confidence flag and filter control. In the web dataset КАМАЗ (0.93)
and China Power (0.88) are sure, Agro Invest (0.3) and DP World (0.45) doubtful, every
other project 0.5."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from kzinvest.web.webhooks import parse_webhooks, project_matches

ATOM = "{http://www.w3.org/2005/Atom}"
SURE = {"КАМАЗ", "China Power"}
DOUBTFUL = {"Agro Invest", "DP World"}


def _names(c, **params) -> tuple[set[str], int]:
    body = c.get("/api/projects", params={**params, "limit": 100}).json()
    return {p["investor"] for p in body["items"]}, body["total"]


def test_api_min_confidence(any_live):
    with httpx.Client(base_url=any_live.url, timeout=30) as c:
        everything, total = _names(c)
        assert total == 12 and SURE | DOUBTFUL <= everything
        assert _names(c, min_confidence=0.8) == (SURE, 2)
        assert _names(c, min_confidence="0.88") == (SURE, 2)            # the bound is kept
        kept, n = _names(c, min_confidence=0.5)
        assert kept == everything - DOUBTFUL and n == 10
        assert _names(c, min_confidence=0) == (everything, 12)
        assert _names(c, min_confidence=1) == (set(), 0)
        # with other filters, sorts and paging
        assert _names(c, min_confidence=0.8, region="KZ-10") == ({"China Power"}, 1)
        allp = c.get("/api/projects", params={"limit": 100}).json()["items"]
        assert _names(c, min_confidence=0.5, min_usd=1e8, sort="-date")[0] == \
            {p["investor"] for p in allp if (p["amount_usd"] or 0) >= 1e8 and p["confidence"] >= 0.5}
        page = c.get("/api/projects", params={"min_confidence": 0.5, "limit": 3, "offset": 9,
                                              "sort": "id"}).json()
        assert page["total"] == 10 and len(page["items"]) == 1
        # projects carry their confidence, sources the spans of their fields
        items = c.get("/api/projects", params={"min_confidence": 0.8, "sort": "id"}).json()["items"]
        kamaz = next(p for p in items if p["investor"] == "КАМАЗ")
        assert kamaz["confidence"] == pytest.approx(0.93)
        assert kamaz["sources"][0]["confidence"] == pytest.approx(0.93)
        one = c.get(f"/api/projects/{kamaz['id']}").json()
        assert one["confidence"] == pytest.approx(0.93)
        spans = one["sources"][0]["spans"]
        doc = c.get(f"/api/documents/{one['sources'][0]['document_id']}").json()["text"]
        assert doc[slice(*spans["amount"])] == "185,6 млрд тенге"
        assert doc[slice(*spans["investor"])] == "КАМАЗ"
        assert set(spans) == {"investor", "amount", "jobs", "region", "city", "stage", "sector"}
        # stats and totals
        st = c.get("/api/stats", params={"by": "sector", "min_confidence": 0.8}).json()
        assert st["totals"]["projects"] == 2
        assert {r["key"] for r in st["items"]} == {"automotive", "energy"}


@pytest.mark.parametrize("bad", ["-0.1", "1.01", "nan", "inf", "abc", "1e400"])
def test_api_min_confidence_bad_values_are_422(any_live, bad):
    for path in ("/api/projects", "/api/export", "/api/stats", "/feeds/projects.atom"):
        r = httpx.get(any_live.url + path, params={"min_confidence": bad})
        assert r.status_code == 422, (path, bad, r.text[:200])


def test_exports_and_feed_min_confidence(any_live):
    with httpx.Client(base_url=any_live.url, timeout=30) as c:
        rows = list(csv.DictReader(io.StringIO(c.get("/api/export", params={
            "format": "csv", "min_confidence": 0.8}).content.decode("utf-8-sig"))))
        assert {r["investor"] for r in rows} == SURE
        assert {r["investor"]: float(r["confidence"]) for r in rows} == {"КАМАЗ": 0.93,
                                                                         "China Power": 0.88}
        data = c.get("/api/export", params={"format": "json", "min_confidence": 0.5}).json()
        assert len(data) == 10 and not DOUBTFUL & {p["investor"] for p in data}
        geo = c.get("/api/export", params={"format": "geojson", "min_confidence": 0.8}).json()
        assert {f["properties"]["confidence"] for f in geo["features"]} == {0.93, 0.88}
        feed = ET.fromstring(c.get("/feeds/projects.atom", params={"min_confidence": 0.8}).content)
        entries = feed.findall(f"{ATOM}entry")
        assert {e.find(f"{ATOM}author/{ATOM}name").text for e in entries} == SURE
        assert "min_confidence=0.8" in feed.find(f"{ATOM}link[@rel='self']").get("href")


def test_projects_page_flags_doubtful_projects(client):
    html = client.get("/projects", params={"lang": "ru"}).text
    badges = re.findall(r'<tr data-id="\d+">\s*<td><a class="project-link"[^>]*>([^<]*)</a> '
                        r'<span class="badge low-conf" role="img" title="([^"]*)"[^>]*>\?</span>', html)
    assert {name for name, _ in badges} == DOUBTFUL
    assert all("ниже 50" in title for _, title in badges)
    assert any("(30" in title for _, title in badges)            # its own confidence too
    en = client.get("/projects", params={"lang": "en"}).text
    assert en.count('class="badge low-conf"') == 2 and "confidence is below 50%" in en
    client.cookies.clear()


def test_projects_page_hides_doubtful_projects_and_keeps_the_filter(client):
    html = client.get("/projects", params={"min_confidence": "0.5", "region": "KZ-71"}).text
    assert 'class="badge low-conf"' not in html
    assert "DP World" not in html and re.search(r'id="found-total">0<', html)
    full = client.get("/projects", params={"min_confidence": "0.5"}).text
    assert re.search(r'id="found-total">10<', full) and "Agro Invest" not in full
    select = re.search(r'<select name="min_confidence".*?</select>', full, re.S).group(0)
    assert re.search(r'<option value="0.5" selected>', select)
    assert re.search(r'<option value="0.8" >', select) and '<option value="">' in select
    # kept in the export, feed and language links (pagination uses the same builder)
    for link in re.findall(r'id="export-\w+" href="([^"]+)"', full):
        assert "min_confidence=0.5" in link
    assert re.search(r'href="/feeds/projects.atom\?min_confidence=0.5"', full)
    lang = re.search(r'id="lang-switch" href="([^"]+)"', full).group(1)
    assert "min_confidence=0.5" in lang
    # an unusual bound from a shared link is shown as chosen; nonsense is ignored
    odd = client.get("/projects", params={"min_confidence": "0.7"}).text
    assert '<option value="0.7" selected>' in odd and re.search(r'id="found-total">2<', odd)
    for junk in ("abc", "2", "-1", "nan"):
        r = client.get("/projects", params={"min_confidence": junk})
        assert r.status_code == 200 and re.search(r'id="found-total">12<', r.text)


def test_project_page_shows_confidence(client, ids):
    html = client.get(f"/projects/{ids['turkistan_agro']}", params={"lang": "en"}).text
    row = re.search(r'<tr data-field="confidence".*?</tr>', html, re.S).group(0)
    assert "Extraction confidence" in row and "30%" in row and 'class="badge low-conf"' in row
    sure = client.get(f"/projects/{ids['kamaz']}", params={"lang": "ru"}).text
    assert "Уверенность извлечения" in sure and 'class="badge low-conf"' not in sure
    client.cookies.clear()


def test_webhook_filter_min_confidence():
    [hook] = parse_webhooks([{"url": "http://127.0.0.1:1/h", "filter": {"min_confidence": 0.8}}])
    assert project_matches({"confidence": 0.9}, hook.filter)
    assert not project_matches({"confidence": 0.5}, hook.filter)
    assert not project_matches({"confidence": None}, hook.filter)
    assert project_matches({"confidence": None}, {})
