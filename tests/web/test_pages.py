"""Dashboard pages, Atom feed, map asset and i18n, through real HTTP."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kzinvest.web import i18n
from kzinvest.web.build_map import build
from kzinvest.web.pages import highlight

from . import dataset

STATIC = Path(i18n.__file__).parent / "static"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("path", ["/", "/projects", "/companies", "/regions", "/regions/KZ-10", "/indicators",
                                  "/docs", "/projects?region=KZ-10&sector=energy&page=1",
                                  "/projects?region=bogus&min_usd=abc&page=-4&sort=evil&since=xx",
                                  "/companies?q=%D0%BA%D0%B0%D0%BC%D0%B0%D0%B7"])
def test_pages_render(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "geokz, A. Rodionov, CC BY 4.0" in r.text                         # attribution in the footer
    assert not re.search(r'(src|href)="(https?:)?//(?!github\.com/arodionoff)', r.text)   # nothing external loads


def test_overview_numbers_in_russian(client):
    html = client.get("/", headers={"Cookie": ""}).text
    assert 'lang="ru"' in html
    assert "55,3\u00a0млрд\u00a0$" in html                   # announced USD total, Russian format
    assert "Энергетика" in html and "Мангистауская область" in html
    assert "Германия" in html                                 # investor country, Russian name
    assert html.count('class="region"') == 20                 # every region on the map


def test_language_switch_sets_cookie(client):
    r = client.get("/?lang=en")
    assert 'lang="en"' in r.text and "Energy" in r.text and "$55.3\u00a0bn" in r.text
    assert "lang=en" in r.headers["set-cookie"]
    again = client.get("/projects", headers={"Cookie": "lang=en"})
    assert "Mangystau Region" in again.text
    back = client.get("/?lang=ru")
    assert 'lang="ru"' in back.text
    client.cookies.clear()


def test_404_pages(client):
    assert client.get("/projects/999999").status_code == 404
    assert client.get("/projects/abc").status_code == 404
    assert client.get("/regions/KZ-00").status_code == 404
    assert client.get("/companies/0").status_code == 404


def test_project_page_highlights_evidence_and_escapes_everything(client, ids):
    html = client.get(f"/projects/{ids['xss']}").text
    assert "<script>window.__xss" not in html and "<img src=\"x\"" not in html
    assert "&lt;script&gt;window.__xss = 1" in html
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert 'href="javascript:' not in html                    # a stored javascript: URL is not linked
    marks = re.findall(r"<mark>(.*?)</mark>", html, re.S)
    assert marks and any("Evil Metals построит" in m for m in marks)
    assert any("&lt;script&gt;" in m for m in marks)           # evidence holding markup is marked AND escaped
    assert "script-src 'self'" in client.get(f"/projects/{ids['xss']}").headers["content-security-policy"]


def test_project_page_timeline_and_sources(client, ids):
    html = client.get(f"/projects/{ids['hyrasia_2021']}").text
    assert html.count('class="source"') == 2
    tl = html[html.index('id="timeline"'):html.index("</ol>", html.index('id="timeline"'))]
    assert tl.index("27.10.2021") < tl.index("01.12.2022")
    assert "Меморандум" in tl and "Соглашение" in tl
    assert html.count("<mark>") == 3


def test_company_and_region_pages(client, ids):
    html = client.get("/regions/KZ-10").text
    for name in ("China Power", "Samruk-Green Energy", "Anatolia Food"):
        assert name in html
    assert "Абайская область" in html and "Svevind" not in html
    assert "55\u00a0млрд\u00a0₸" in html                   # the region's indicator
    kamaz = client.get("/api/companies", params={"q": "КАМАЗ"}).json()["items"][0]
    page = client.get(f"/companies/{kamaz['id']}").text
    assert "КАМАЗ" in page and "Костанай" in page


def test_project_list_export_links_carry_filters(client):
    html = client.get("/projects?region=KZ-10&sector=energy").text
    m = re.search(r'id="export-csv" href="([^"]+)"', html)
    href = m.group(1).replace("&amp;", "&")
    assert "format=csv" in href and "region=KZ-10" in href and "sector=energy" in href
    assert client.get(href).content.decode("utf-8-sig").count("\n") >= 3


def test_atom_feed(client, ids):
    r = client.get("/feeds/projects.atom", params={"region": "KZ-10", "sector": "energy"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert len(entries) == 2 and titles[0].startswith("Samruk-Green Energy")   # newest first
    assert root.find(f"{ATOM}updated").text == "2025-05-20T00:00:00Z"
    assert all(e.find(f"{ATOM}link").get("href").startswith("http://127.0.0.1") for e in entries)
    # markup in the data stays text in the feed
    x = ET.fromstring(client.get("/feeds/projects.atom", params={"region": "KZ-55"}).content)
    assert x.find(f"{ATOM}entry/{ATOM}author/{ATOM}name").text == dataset.XSS_INVESTOR
    assert client.get("/feeds/projects.atom", params={"region": "KZ-00"}).status_code == 422
    en = ET.fromstring(client.get("/feeds/projects.atom", params={"lang": "en", "region": "KZ-47"}).content)
    assert "Mangystau" in en.find(f"{ATOM}title").text


def test_highlight_segments():
    t = "abcdefghij"
    assert highlight(t, [(2, 4), (3, 6), (8, 20), (None, 3), (5, 1)]) == [
        ("ab", False), ("cdef", True), ("gh", False), ("ij", True)]
    assert highlight(t, []) == [(t, False)]


def test_map_asset():
    doc = json.loads((STATIC / "kz_regions.json").read_text(encoding="utf-8"))
    codes = [r["code"] for r in doc["regions"]]
    assert len(codes) == 20 and len(set(codes)) == 20
    assert set(codes) == set(i18n.region_codes())
    assert (STATIC / "kz_regions.json").stat().st_size < 150_000
    assert "geokz" in doc["attribution"]
    for r in doc["regions"]:
        assert r["path"].startswith("M") and r["path"].endswith("Z")
        assert r["name_ru"] and r["name_en"]


def test_map_build_reproducible(tmp_path):
    data = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    if not (data / "kz_adm1_2024.geojson").exists():
        pytest.skip("../shared/data is not beside the repository")
    build(data, tmp_path)
    assert (tmp_path / "kz_regions.json").read_bytes() == (STATIC / "kz_regions.json").read_bytes()
    assert (tmp_path / "countries.json").read_bytes() == (STATIC / "countries.json").read_bytes()


def test_shared_borders_stay_shared():
    """Neighbouring regions meet exactly after simplification (no slivers): the vertices of
    Astana's boundary all lie on Akmola's boundary."""
    doc = json.loads((STATIC / "kz_regions.json").read_text(encoding="utf-8"))
    pts = {r["code"]: set(re.findall(r"[-\d.]+ [-\d.]+", r["path"])) for r in doc["regions"]}
    assert pts["KZ-71"] <= pts["KZ-11"]
    assert len(pts["KZ-10"] & pts["KZ-63"]) > 10                     # Abai / East Kazakhstan border


@pytest.mark.parametrize("lang,value,expect", [
    ("ru", 1.2e9, "1,2\u00a0млрд\u00a0$"), ("en", 1.2e9, "$1.2\u00a0bn"), ("ru", 350e6, "350\u00a0млн\u00a0$"),
    ("ru", 185.6e9, "186\u00a0млрд\u00a0$"), ("ru", 18.56e9, "18,6\u00a0млрд\u00a0$"), ("en", 12_500, "$12.5\u00a0k"), ("ru", 950, "950\u00a0$"),
])
def test_money_format(lang, value, expect):
    assert i18n.Translator(lang).money(value) == expect


def test_names():
    t = i18n.Translator("ru")
    assert t.region("KZ-79") == "Шымкент" and t.region("KZ-10") == "Абайская область"
    assert t.sector("oil_gas") == "Нефть и газ" and t.country("US") == "США" and t.country("CN") == "Китай"
    assert t.num(12500) == "12\u00a0500" and i18n.Translator("en").num(12500) == "12,500"
    assert t.pct(0.25) == "25\u00a0%"
    assert set(i18n.SECTOR_NAMES) >= set(__import__("kzinvest.model").model.SECTORS)
