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
