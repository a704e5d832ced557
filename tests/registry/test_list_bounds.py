"""A list carries each project's latest sources and reports only; one project's page and the
exports carry them all, and revisions are always computed from every report (both backends)."""
from __future__ import annotations

import csv
import io

from kzinvest.registry import listing
from kzinvest.registry.query import ProjectFilter, export_projects, get_project, list_projects

from .conftest import article

PLANT = dict(investor="Qazaq Steel", investor_country="KZ", region="KZ-35", sector="metallurgy",
             stage="construction", currency="USD")


def _many_reports(store, n: int) -> None:
    for i in range(n):
        # The amount changes twice, early on: the revisions must survive the list's cut.
        amount = 100e6 if i < 3 else 120e6 if i < 6 else 150e6
        article(store, dict(PLANT, amount=amount, evidence=[f"Qazaq Steel строит завод, отчёт {i}."]),
                published=f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}", url=f"https://news.kz/steel/{i}")


def test_list_is_bounded_but_the_project_and_exports_are_whole(store):
    n = listing.LIST_SOURCES + listing.LIST_TIMELINE + 7
    _many_reports(store, n)
    [item] = list_projects(store, ProjectFilter(limit=10))["items"]
    assert item["mentions_count"] == n
    assert len(item["sources"]) == listing.LIST_SOURCES
    assert len(item["timeline"]) == listing.LIST_TIMELINE
    # the latest ones, in date order, with their evidence
    assert [s["url"] for s in item["sources"]] == [f"https://news.kz/steel/{i}"
                                                   for i in range(n - listing.LIST_SOURCES, n)]
    assert all(s["evidence"] for s in item["sources"])
    assert item["timeline"][-1]["url"] == f"https://news.kz/steel/{n - 1}"
    assert [r["amount"] for r in item["revisions"]] == [120e6, 150e6]

    whole = get_project(store, item["id"])
    assert len(whole["sources"]) == n and len(whole["timeline"]) == n
    assert whole["revisions"] == item["revisions"]
    assert sum(r["revision"] for r in whole["timeline"]) == 2
    full = list_projects(store, ProjectFilter(limit=10), full=True)["items"][0]
    assert full["sources"] == [{k: v for k, v in s.items() if k != "spans"} for s in whole["sources"]]

    [row] = csv.DictReader(io.StringIO(export_projects(store, ProjectFilter(), "csv").decode("utf-8-sig")))
    assert len(row["source_urls"].split()) == n


def test_lists_reuse_project_dicts_until_anything_is_written(store):
    _many_reports(store, 3)
    first = list_projects(store, ProjectFilter(limit=10))["items"][0]
    again = list_projects(store, ProjectFilter(limit=10, sector="metallurgy"))["items"][0]
    assert again == first and again is not first
    again["investor"] = "changed by a caller"            # callers' changes never leak back
    assert list_projects(store, ProjectFilter(limit=10))["items"][0]["investor"] == "Qazaq Steel"
    article(store, dict(PLANT, amount=150e6, evidence=["Qazaq Steel запустил завод."]),
            published="2021-06-01", url="https://news.kz/steel/late")
    after = list_projects(store, ProjectFilter(limit=10))["items"][0]
    assert after["mentions_count"] == 4
    assert after["sources"][-1]["url"] == "https://news.kz/steel/late"
