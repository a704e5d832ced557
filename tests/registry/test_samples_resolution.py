"""The sample articles (samples/) through the real extractor into the registry: one project
per real undertaking (issue 8), co-investors with roles, timelines, and totals that add up.
Both backends."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kzinvest.registry.query import (ProjectFilter, export_projects, get_project, iter_projects,
                                     stats, totals)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def loaded(store):
    s = store.ingest([str(SAMPLES)])
    assert s.errors == []
    if s.records == 0:
        pytest.skip("the extractor returned no records")
    return store


def projects_of(store, *files: str) -> set[int]:
    """The projects the records of these sample files feed."""
    out = set()
    for p in iter_projects(store, ProjectFilter()):
        if any(Path(src["source"]).name in files for src in p["sources"]):
            out.add(p["id"])
    return out


def test_hyrasia_one_is_one_project_with_its_timeline(loaded):
    [pid] = projects_of(loaded, "01_hyrasia_memorandum_2021.txt", "02_hyrasia_agreement_2022.txt")
    p = get_project(loaded, pid)
    assert len(p["sources"]) == 2 and p["amount_usd"] == 50e9
    assert [e["stage"] for e in p["events"]] == ["memorandum", "agreement"]
    assert [e["date"] for e in p["events"]] == sorted(e["date"] for e in p["events"])
    assert all(e["url"] or e["source"] for e in p["events"])      # each event with its source
    assert p["stage"] == "agreement"                              # the furthest stage reported
    # "немецкая Svevind Energy" / "Svevind Energy GmbH" (SE): the conflict is shown
    assert set(p["conflicts"].get("investor_country", [])) <= {"DE", "SE"}


def test_zhanatas_wind_farm_is_one_project_with_both_partners(loaded):
    [pid] = projects_of(loaded, "09_zhanatas_wind.txt")
    p = get_project(loaded, pid)
    names = {i["name"] for i in p["investors"]}
    assert {"China Power International Holding", "Visor"} <= names
    assert {i["role"] for i in p["investors"]} == {"investor", "partner"}
    assert p["amount_usd"] == 150e6


def test_semey_meat_plant_is_one_project_with_both_partners(loaded):
    [pid] = projects_of(loaded, "11_semey_meat.html")
    investors = get_project(loaded, pid)["investors"]
    assert {i["country"] for i in investors} == {"KZ", "CN"} and len(investors) == 2


def test_rudny_pellet_plant_is_one_project_under_the_group_and_its_subsidiary(loaded):
    rudny = [p for p in iter_projects(loaded, ProjectFilter(region="KZ-39"))
             if p["city"] == "Рудный"]
    assert len(rudny) == 1
    p = rudny[0]
    roles = {i["role"] for i in p["investors"]}
    assert "parent" in roles and "investor" in roles             # ERG above ССГПО
    assert p["stage"] == "launched" and p["amount_usd"] == 500e6


def test_mirny_amount_revised_latest_wins_history_kept(loaded):
    ids = projects_of(loaded, "03_mirny_wind_2022.txt", "04_mirny_wind_2024.txt")
    assert len(ids) == 1
    p = get_project(loaded, ids.pop())
    assert p["amount_usd"] == 1.4e9
    assert [(r["previous"], r["amount"]) for r in p["revisions"]] == [(1e9, 1.4e9)]
    assert [t["date"] for t in p["timeline"]] == sorted(t["date"] for t in p["timeline"])


def test_overview_totals_add_up_with_the_exports(loaded):
    tot = totals(loaded, ProjectFilter())
    items = json.loads(export_projects(loaded, ProjectFilter(), "json"))
    assert tot["projects"] == len(items) == len({p["id"] for p in items})
    assert tot["usd"] == pytest.approx(sum(p["amount_usd"] or 0 for p in items), rel=1e-9)
    assert tot["jobs"] == sum(p["jobs"] or 0 for p in items)
    rows = list(csv.DictReader(io.StringIO(export_projects(loaded, ProjectFilter(), "csv")
                                            .decode("utf-8-sig"))))
    assert len(rows) == tot["projects"]
    assert sum(float(r["amount_usd"] or 0) for r in rows) == pytest.approx(tot["usd"], rel=1e-9)
    by_region = stats(loaded, ProjectFilter(), "region")
    assert sum(r["projects"] for r in by_region) == tot["projects"]
    assert sum(r["usd"] for r in by_region) == pytest.approx(tot["usd"], rel=1e-9)
    # every investor of every project in the exports
    zhanatas = next(r for r in rows if "Visor" in r["investors"])
    assert "China Power International Holding" in zhanatas["investors"]
    geo = json.loads(export_projects(loaded, ProjectFilter(), "geojson"))
    assert any(len(f["properties"]["investors"]) == 2 for f in geo["features"])
    # no undertaking is counted twice: each 50 bn, 150 M and 500 M project once
    amounts = [p["amount_usd"] for p in items]
    assert amounts.count(50e9) == 1 and amounts.count(150e6) == 1 and amounts.count(500e6) == 1


def test_rebuild_gives_the_same_projects_and_keeps_their_ids(loaded):
    before = {p["id"]: sorted(s["document_id"] for s in p["sources"])
              for p in iter_projects(loaded, ProjectFilter())}
    s = loaded.rebuild(who="test")
    assert s.mentions_moved == 0 and s.projects_after == len(before)
    after = {p["id"]: sorted(s["document_id"] for s in p["sources"])
             for p in iter_projects(loaded, ProjectFilter())}
    assert after == before
