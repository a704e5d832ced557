"""The project page's field spans in headless Chromium: pointing at a row of the fields
table (hover, keyboard focus) highlights the words of the article that support the field,
opening the article when it is closed; the list flags and hides doubtful projects.
Skipped without Chromium unless KZINVEST_REQUIRE_ALL=1 (see conftest.py)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NO_BG = ("rgba(0, 0, 0, 0)", "transparent")


def _watch(page):
    seen = {"errors": [], "console": []}
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    return seen


def _on(page, field: str) -> list[bool]:
    return page.locator(f'.article .fs[data-field~="{field}"]').evaluate_all(
        "els => els.map(e => e.classList.contains('fs-on'))")


def test_hovering_the_amount_row_highlights_the_amount_in_the_article(page, live, ids, artifacts):
    seen = _watch(page)
    page.goto(f"{live.url}/projects/{ids['kamaz']}")
    amount = page.locator('.article .fs[data-field~="amount"]')
    assert amount.count() == 1 and amount.inner_text() == "185,6 млрд тенге"
    assert _on(page, "amount") == [False]
    before = amount.evaluate("e => getComputedStyle(e).backgroundColor")

    page.hover('#fields tr[data-field="amount"]')
    page.wait_for_function(
        "() => document.querySelector('.article .fs[data-field~=\"amount\"]').classList.contains('fs-on')")
    assert _on(page, "amount") == [True]
    after = amount.evaluate("e => getComputedStyle(e).backgroundColor")
    assert after not in NO_BG and after != before                  # visibly highlighted
    assert not any(_on(page, "jobs")) and not any(_on(page, "investor"))
    assert "row-on" in page.locator('#fields tr[data-field="amount"]').get_attribute("class")
    page.screenshot(path=str(artifacts / "project-field-span.png"), full_page=True)

    # another row takes the highlight over; a span shared by two fields answers to both
    page.hover('#fields tr[data-field="region"]')
    page.wait_for_function(
        "() => !document.querySelector('.article .fs[data-field~=\"amount\"]').classList.contains('fs-on')")
    assert all(_on(page, "region")) and not any(_on(page, "amount"))
    assert page.locator(".article .fs.fs-on").first.inner_text() == "Костанайской области"
    # the amount in dollars points at the amount the article states
    page.hover('#fields tr[data-field="amount_usd"]')
    page.wait_for_function(
        "() => document.querySelector('.article .fs[data-field~=\"amount\"]').classList.contains('fs-on')")
    # evidence marks are untouched: one <mark> holding the whole sentence
    assert page.locator(".article mark").count() == 1
    assert page.locator(".article mark").inner_text().startswith("ПАО «КАМАЗ» и акимат")
    assert seen["errors"] == [] and seen["console"] == []


def test_keyboard_focus_highlights_and_opens_a_closed_article(page, live, ids):
    seen = _watch(page)
    page.goto(f"{live.url}/projects/{ids['kamaz']}")
    page.evaluate("() => document.querySelectorAll('article.source details').forEach(d => d.open = false)")
    assert not page.locator(".article").is_visible()
    # Tab from the title reaches the first focusable row (links inside rows come first)
    rows = page.locator("#fields tr[tabindex='0']")
    assert rows.count() >= 7
    page.focus('#fields tr[data-field="jobs"]')
    page.wait_for_function(
        "() => document.querySelector('.article .fs[data-field~=\"jobs\"]').classList.contains('fs-on')")
    assert page.locator("article.source details").first.evaluate("d => d.open")
    jobs = page.locator('.article .fs[data-field~="jobs"]')
    assert jobs.is_visible() and jobs.inner_text() == "1 200 рабочих мест"
    page.keyboard.press("Shift+Tab")           # to the previous focusable thing: another row
    page.wait_for_function("() => !document.querySelector('.article .fs[data-field~=\"jobs\"]')"
                           ".classList.contains('fs-on')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")               # Enter brings the words into view
    page.wait_for_function(
        "() => document.querySelector('.article .fs[data-field~=\"jobs\"]').classList.contains('fs-on')")
    assert seen["errors"] == [] and seen["console"] == []


def test_list_flags_and_hides_doubtful_projects(page, live, artifacts):
    page.goto(live.url + "/projects")
    badges = page.locator("#projects-table .badge.low-conf")
    assert badges.count() == 2 and badges.first.inner_text() == "?"
    assert "ниже 50" in badges.first.get_attribute("title")
    assert badges.first.is_visible()
    with page.expect_navigation():
        page.select_option("select[name=min_confidence]", "0.5")     # auto-submits (app.js)
    assert "min_confidence=0.5" in page.url
    assert page.locator("#found-total").inner_text() == "10"
    assert page.locator("#projects-table .badge.low-conf").count() == 0
    assert "min_confidence=0.5" in page.locator("#export-csv").get_attribute("href")
    page.screenshot(path=str(artifacts / "projects-confident.png"), full_page=True)


def test_hovering_rows_whose_words_are_markup_runs_nothing(page, live, ids):
    from . import dataset
    seen = _watch(page)
    page.goto(f"{live.url}/projects/{ids['xss']}")
    for row, field in (("sector", "sector"), ("jobs", "jobs"), ("amount_usd", "amount")):
        page.hover(f'#fields tr[data-field="{row}"]')
        page.wait_for_function(
            f"() => document.querySelector('.article .fs[data-field~=\"{field}\"]').classList.contains('fs-on')")
    assert page.locator('.article .fs[data-field~="sector"]').inner_text() == dataset.XSS_SCRIPT
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator(".article script, .article img").count() == 0
    assert seen["errors"] == [] and seen["console"] == []
