"""Project confidence (the highest of its mentions') and each mention's field spans, kept
current by every write path (ingest, rebuild, reextract, review), and the min_confidence
filter on lists, counts, stats, exports and the CLI (both backends)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from kzinvest.model import Document, Record
from kzinvest.registry.models import Mention, Project
from kzinvest.registry.query import (ProjectFilter, export_projects, get_project, list_projects,
                                     stats, totals)

from .conftest import article

KAMAZ = dict(investor="КАМАЗ", investor_country="RU", region="KZ-39", sector="automotive",
             stage="memorandum")


def _projects(store, **flt):
    return list_projects(store, ProjectFilter(sort="id", limit=100, **flt))["items"]


def _confidences(store) -> dict[str, float | None]:
    return {p["investor"]: p["confidence"] for p in _projects(store)}


def test_mention_keeps_the_records_spans_checked(store):
    text = "ПАО «КАМАЗ» построит завод за 10 млрд тенге."
    doc = Document(source="k.txt", text=text, published="2024-01-01")
    spans = {"investor": [5, 10], "amount": [30, 43],
             "jobs": [40, 400],             # past the text: dropped
             "stage": [12, 12],             # empty: dropped
             "region": ["a", "b"],          # not offsets: dropped
             "<b>evil</b>": [0, 3]}         # not a field: dropped
    store.add_document(doc, records=[Record(source="k.txt", evidence=[text], spans=spans,
                                            confidence=0.7, **KAMAZ)])
    with store.read() as s:
        m = s.scalars(select(Mention)).one()
    assert m.extra["spans"] == {"investor": [5, 10], "amount": [30, 43]}
    assert text[5:10] == "КАМАЗ"
    [p] = _projects(store)
    assert "spans" not in p["sources"][0]                # lists leave them out
    assert p["sources"][0]["confidence"] == pytest.approx(0.7)
    src = get_project(store, p["id"])["sources"][0]
    assert src["spans"] == {"investor": [5, 10], "amount": [30, 43]}
    assert src["confidence"] == pytest.approx(0.7)


def test_a_record_without_spans_stores_none(store):
    article(store, dict(KAMAZ, evidence=["КАМАЗ построит завод."]), published="2024-01-01")
    with store.read() as s:
        assert "spans" not in (s.scalars(select(Mention)).one().extra or {})
    assert get_project(store, _projects(store)[0]["id"])["sources"][0]["spans"] == {}


def test_project_confidence_is_the_highest_of_its_mentions(store):
    article(store, dict(KAMAZ, confidence=0.4), published="2024-01-01")
    assert _confidences(store) == {"КАМАЗ": pytest.approx(0.4)}
    article(store, dict(KAMAZ, stage="agreement", confidence=0.9), published="2024-06-01")
    article(store, dict(KAMAZ, stage="construction", confidence=0.6), published="2025-01-01")
    [p] = _projects(store)
    assert p["mentions_count"] == 3 and p["confidence"] == pytest.approx(0.9)
    assert get_project(store, p["id"])["confidence"] == pytest.approx(0.9)
    # a record without a confidence counts as 0.5 (the registry's default)
    article(store, dict(investor="Tekstil Yatirim", investor_country="TR", region="KZ-79",
                        sector="consumer_goods", stage="launched"), published="2024-02-01")
    assert _confidences(store)["Tekstil Yatirim"] == pytest.approx(0.5)


def test_rebuild_keeps_and_split_recomputes_confidence(store):
    article(store, dict(KAMAZ, confidence=0.4), published="2024-01-01")
    article(store, dict(KAMAZ, stage="agreement", confidence=0.9), published="2024-06-01")
    with store.write() as s:       # a stale value is repaired by a rebuild
        s.execute(Project.__table__.update().values(confidence=0.1))
    store.rebuild(who="test")
    [p] = _projects(store)
    assert p["confidence"] == pytest.approx(0.9)
    with store.read() as s:
        sure = s.scalar(select(Mention.id).where(Mention.confidence > 0.8))
    store.decide("split", sure, who="analyst")
    got = sorted(x["confidence"] for x in _projects(store))
    assert got == [pytest.approx(0.4), pytest.approx(0.9)]


def test_reextract_updates_confidence_and_spans(store):
    text = "ПАО «КАМАЗ» построит завод в Костанае."
    store.add_document(Document(source="k.txt", text=text, published="2024-01-01"),
                       records=[Record(source="k.txt", evidence=[text], confidence=0.9,
                                       **KAMAZ)])

    def doubtful(doc):
        return [Record(source=doc.source, evidence=[doc.text], confidence=0.2,
                       spans={"city": [29, 37]}, **KAMAZ)]

    store.reextract(extract=doubtful)
    [p] = _projects(store)
    assert p["confidence"] == pytest.approx(0.2)
    assert get_project(store, p["id"])["sources"][0]["spans"] == {"city": [29, 37]}
    assert text[29:37] == "Костанае"


def _three(store):
    article(store, dict(KAMAZ, confidence=0.93), published="2024-01-01")
    article(store, dict(investor="Agro Invest", investor_country="UZ", region="KZ-61",
                        sector="agri_food", stage="agreement", amount_usd=12e6, confidence=0.3),
            published="2023-07-05")
    article(store, dict(investor="DP World", investor_country="AE", region="KZ-71",
                        sector="logistics", stage="memorandum", amount_usd=5e8, confidence=0.5),
            published="2024-10-01")


@pytest.mark.parametrize("bound,expect", [
    (None, {"КАМАЗ", "Agro Invest", "DP World"}),
    (0.0, {"КАМАЗ", "Agro Invest", "DP World"}),
    (0.3, {"КАМАЗ", "Agro Invest", "DP World"}),    # the bound itself is kept
    (0.5, {"КАМАЗ", "DP World"}),
    (0.8, {"КАМАЗ"}),
    (1.0, set()),
])
def test_min_confidence_filter(store, bound, expect):
    _three(store)
    res = list_projects(store, ProjectFilter(min_confidence=bound, limit=100))
    assert {p["investor"] for p in res["items"]} == expect
    assert res["total"] == len(expect)
    # the same bound with other filters, sorts and the count cache
    assert {p["investor"] for p in _projects(store, min_confidence=bound, min_usd=1e7)} == \
        expect - {"КАМАЗ"}
    assert {p["investor"] for p in _projects(store, min_confidence=bound, region="KZ-39")} == \
        expect & {"КАМАЗ"}
    assert totals(store, ProjectFilter(min_confidence=bound))["projects"] == len(expect)
    assert sum(r["projects"] for r in stats(store, ProjectFilter(min_confidence=bound),
                                            "sector")) == len(expect)


def test_min_confidence_in_exports(store):
    _three(store)
    rows = list(csv.DictReader(io.StringIO(
        export_projects(store, ProjectFilter(min_confidence=0.5), "csv").decode("utf-8-sig"))))
    assert {r["investor"] for r in rows} == {"КАМАЗ", "DP World"}
    assert {r["investor"]: float(r["confidence"]) for r in rows} == {"КАМАЗ": 0.93,
                                                                     "DP World": 0.5}
    data = json.loads(export_projects(store, ProjectFilter(min_confidence=0.8), "json"))
    assert [(p["investor"], p["confidence"]) for p in data] == [("КАМАЗ", 0.93)]


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), float("inf"), "x"])
def test_min_confidence_out_of_range_is_refused(store, bad):
    with pytest.raises(ValueError, match="min_confidence"):
        list_projects(store, ProjectFilter(min_confidence=bad))


def test_cli_min_confidence(db_url):
    from typer.testing import CliRunner

    from kzinvest.registry.cli import make_app
    from kzinvest.registry.store import open_store
    s = open_store(db_url, today="2026-01-01")
    _three(s)
    s.close()
    app, runner = make_app(), CliRunner()

    def run(*args):
        return runner.invoke(app, [*args, "--db", db_url])

    r = run("projects", "--min-confidence", "0.5", "--json")
    assert r.exit_code == 0, r.output
    assert {p["investor"] for p in json.loads(r.stdout)["items"]} == {"КАМАЗ", "DP World"}
    r = run("export", "--format", "json", "--min-confidence", "0.8")
    assert [p["investor"] for p in json.loads(r.stdout)] == ["КАМАЗ"]
    r = run("stats", "--by", "sector", "--min-confidence", "0.8", "--json")
    assert json.loads(r.stdout)["totals"]["projects"] == 1
    r = run("projects", "--min-confidence", "0.8")
    assert r.exit_code == 0 and r.stdout.startswith("1 projects")
    r = run("projects", "--min-confidence", "1.5")
    assert r.exit_code == 2 and "--min-confidence" in r.stderr
