"""The dashboard in headless Chromium (Debian's, via Playwright's executable_path).

Screenshots go to test-artifacts/. Skipped without Chromium unless KZINVEST_REQUIRE_ALL=1.
"""
from __future__ import annotations

import csv
import io

import pytest

from . import dataset

pytestmark = pytest.mark.browser


def _watch(page):
    """Record dialogs (alert/confirm) and page errors; dismiss dialogs."""
    seen = {"dialogs": [], "errors": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def test_overview(page, live, artifacts):
    seen = _watch(page)
    page.goto(live.url + "/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#total-projects").inner_text() == "12"
    assert "млрд" in page.locator("#total-usd").inner_text()
    assert page.locator("svg.kzmap .region").count() == 20
    # the shaded region is darker than an empty one
    fill = page.locator('svg.kzmap [data-region="KZ-47"] path').get_attribute("fill")
    assert fill != page.locator('svg.kzmap [data-region="KZ-15"] path').get_attribute("fill")
    assert page.locator("#chart-sector table.bars tbody tr").count() >= 5
    assert page.locator("#chart-funnel .funnel-row").count() == 5
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)
    assert not seen["errors"] and not seen["dialogs"]


def test_filter_by_region_and_sector_then_open_project(page, live, ids, artifacts):
    page.goto(live.url + "/projects")
    assert page.locator("#projects-table tbody tr").count() == 12
    with page.expect_navigation():
        page.select_option("select[name=region]", "KZ-10")          # auto-submits (app.js)
    assert page.locator("#found-total").inner_text() == "3"
    with page.expect_navigation():
        page.select_option("select[name=sector]", "energy")
    assert "region=KZ-10" in page.url and "sector=energy" in page.url
    rows = page.locator("#projects-table tbody tr")
    assert rows.count() == 2
    assert set(rows.locator("a.project-link").all_inner_texts()) == {"China Power", "Samruk-Green Energy"}
    page.screenshot(path=str(artifacts / "projects-filtered.png"), full_page=True)

    # search box + apply button
    page.fill("input[name=q]", "Семей")
    with page.expect_navigation():
        page.click("#apply")
    assert "China Power" in page.locator("#projects-table").inner_text()

    with page.expect_navigation():
        page.click("a.project-link:text('China Power')")
    assert page.url.endswith(f"/projects/{ids['semey_energy']}")
    mark = page.locator(".article mark").first
    assert mark.is_visible()
    assert mark.inner_text() == "Китайская компания China Power построит угольную ТЭЦ в Семее."
    bg = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(artifacts / "project-evidence.png"), full_page=True)


def test_project_timeline_with_two_sources(page, live, ids):
    page.goto(f"{live.url}/projects/{ids['hyrasia_2021']}")
    assert page.locator("#timeline li").count() == 2
    assert page.locator("article.source").count() == 2
    page.locator("article.source details").nth(1).locator("summary").click()
    assert page.locator("article.source").nth(1).locator("mark").first.is_visible()


def test_download_csv(page, live, artifacts):
    page.goto(live.url + "/projects?country=TR")
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    path = artifacts / "export-tr.csv"
    download.save_as(str(path))
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert {r["investor"] for r in rows} == {"Tekstil Yatirim", "Anatolia Food"}
    assert {r["investor_country"] for r in rows} == {"TR"}


def test_switch_language(page, live, artifacts):
    page.goto(live.url + "/")
    with page.expect_navigation():
        page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Kazakhstan investment projects"
    assert "bn" in page.locator("#total-usd").inner_text()
    page.screenshot(path=str(artifacts / "overview-en.png"), full_page=True)
    # the choice sticks (cookie) on the next page
    page.goto(live.url + "/regions/KZ-47")
    assert page.locator("#region-name").inner_text() == "Mangystau Region"
    page.screenshot(path=str(artifacts / "region-en.png"), full_page=True)
    with page.expect_navigation():
        page.click("#lang-switch")
    assert page.locator("#region-name").inner_text() == "Мангистауская область"


def test_article_markup_never_executes(page, live, ids, artifacts):
    seen = _watch(page)
    for path in (f"/projects/{ids['xss']}", "/projects?region=KZ-55", "/", "/regions/KZ-55",
                 "/companies?q=Evil", "/feeds/projects.atom?region=KZ-55"):
        page.goto(live.url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", path
    page.goto(f"{live.url}/projects/{ids['xss']}")
    page.hover("#project-title")
    page.hover("#fields a")
    assert page.evaluate("typeof window.__xss") == "undefined"
    # the markup is shown as text, and the evidence holding it is highlighted
    article = page.locator(".article")
    assert dataset.XSS_SCRIPT in article.inner_text()
    assert dataset.XSS_IMG in article.inner_text()
    assert page.locator(".article img, .article script, #fields b").count() == 0
    assert any(dataset.XSS_SCRIPT in t for t in page.locator(".article mark").all_inner_texts())
    page.screenshot(path=str(artifacts / "xss-escaped.png"), full_page=True)
    assert seen["dialogs"] == [] and seen["errors"] == []


# --- every page, every stored text field, hostile -----------------------------------------------

PAYLOADS = [
    "<script>window.__xss=11</script>", '<img src=x onerror="window.__xss=12">',
    '<svg onload="window.__xss=13"></svg>', '"><script>window.__xss=14</script>',
    "'><img src=x onerror=window.__xss=15>", "</title><script>window.__xss=16</script>",
    "</textarea></style><script>window.__xss=17</script>", "{{7*7}}${7*7}<%= 7*7 %>",
    '<iframe srcdoc="<script>parent.__xss=18</script>"></iframe>',
    '<a href="javascript:window.__xss=19">ссылка</a>', "\u202e<b>перевёрнуто</b>",
]
EVIL = " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def hostile_live(tmp_path_factory):
    """A registry whose every stored text field carries markup, served read-only."""
    from kzinvest.model import Document, Record
    from kzinvest.registry.store import open_store
    from kzinvest.web.app import create_app

    from .conftest import LiveServer

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'h.db'}", today=dataset.TODAY)
    sentence = f"Компания {PAYLOADS[0]} построит завод в Павлодаре за 10 млн долларов."
    text = f"{sentence}\n\nЕщё {EVIL}.\n\nВ области привлечено 5 млрд тенге {PAYLOADS[1]}."
    doc = Document(source=f"{PAYLOADS[5]}.txt", text=text, title=f"Заголовок {EVIL}",
                   url="javascript:window.__xss=20", published="2025-06-01")
    recs = [Record(source=doc.source, investor=f"{PAYLOADS[3]} Evil {PAYLOADS[4]}",
                   investor_country="CN", region="KZ-55", city=PAYLOADS[2], sector="metallurgy",
                   amount=1e7, currency="USD", amount_usd=1e7, jobs=10, stage="memorandum",
                   date="2025-06-01", evidence=[sentence], product=PAYLOADS[6], capacity=PAYLOADS[7],
                   investor_aliases=[PAYLOADS[8]]),
            Record(source=doc.source, kind="indicator", region="KZ-55", sector="other",
                   amount=5e9, currency="KZT", amount_usd=1e7, date="2025-06-01",
                   evidence=[f"В области привлечено 5 млрд тенге {PAYLOADS[1]}."])]
    out = store.add_document(doc, records=recs)
    with LiveServer(create_app(store, tokens=[])) as srv:
        srv.project_id = sorted(out.projects_touched)[0]
        srv.document_id = out.document_id
        yield srv
    store.close()


def test_no_stored_text_ever_executes_on_any_page(page, hostile_live, artifacts):
    import httpx
    from urllib.parse import quote

    seen = _watch(page)
    base = hostile_live.url
    companies = httpx.get(base + "/api/companies").json()["items"]
    paths = ["/", "/projects", f"/projects/{hostile_live.project_id}", "/companies",
             *[f"/companies/{c['id']}" for c in companies], "/regions", "/regions/KZ-55",
             "/indicators", "/docs", f"/projects?q={quote(PAYLOADS[0])}",
             f"/companies?q={quote(PAYLOADS[3])}", f"/projects/{quote(PAYLOADS[1])}",
             f"/regions/{quote(PAYLOADS[0])}", f"/nowhere/{quote(PAYLOADS[2])}",
             f"/projects?sort={quote(PAYLOADS[3])}&country={quote(PAYLOADS[4])}"]
    for lang in ("ru", "en"):
        for path in paths:
            page.goto(base + path + ("&" if "?" in path else "?") + f"lang={lang}")
            page.wait_for_load_state("load")
            for link in page.locator("a").all()[:60]:
                href = link.get_attribute("href") or ""
                assert not href.lower().lstrip().startswith("javascript:"), (path, href)
            assert page.evaluate("typeof window.__xss") == "undefined", path
            assert "49" not in page.locator("body").inner_text().split("7*7")[0][-3:]
    page.goto(f"{base}/projects/{hostile_live.project_id}")
    for sel in ("#project-title", "#fields a", ".article mark"):
        if page.locator(sel).count():
            page.hover(sel)
    body = page.locator("body").inner_text()
    assert PAYLOADS[0] in body and "{{7*7}}" in body           # shown as text, verbatim
    assert page.locator("main script, main img, main svg, main iframe").count() == 0
    page.screenshot(path=str(artifacts / "hostile-project.png"), full_page=True)
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert page.evaluate("typeof window.__xss") == "undefined"
