"""The analyst's review queue: uncertain pairs, decisions (merge, keep apart, split) that
survive re-extraction and rebuilds, the audit log; the CLI and the web page behind the
write token. Both backends."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from kzinvest.model import Document
from kzinvest.registry import audit, review
from kzinvest.registry.cli import make_app

from . import fake_extract


def omega(store, n: int, published: str, **fields) -> None:
    """An article the fake extractor reads: one record of Omega Energy (or `fields`)."""
    rec = {"investor": "Omega Energy", "country": "DE", "region": "KZ-33", "sector": "energy",
           "stage": "memorandum", **fields}
    line = "@project " + "; ".join(f"{k}={v}" for k, v in rec.items())
    doc = Document(source=f"omega-{n}.txt", text=f"Новость {n}.\n{line}\n", published=published)
    store.add_document(doc, extract=fake_extract.fake_extract)


def mention_ids(store) -> list[int]:
    from sqlalchemy import select
    from kzinvest.registry.models import Mention
    with store.read() as s:
        return list(s.scalars(select(Mention.id).order_by(Mention.document_id, Mention.ordinal)))


def project_of(store, n: int) -> int:
    """The project of the record of article omega-n."""
    from sqlalchemy import select
    from kzinvest.registry.models import Document as D, Mention
    with store.read() as s:
        return s.scalar(select(Mention.project_id).join(D, D.id == Mention.document_id)
                        .where(D.source == f"omega-{n}.txt"))


def mention_of(store, n: int) -> int:
    from sqlalchemy import select
    from kzinvest.registry.models import Document as D, Mention
    with store.read() as s:
        return s.scalar(select(Mention.id).join(D, D.id == Mention.document_id)
                        .where(D.source == f"omega-{n}.txt"))


@pytest.fixture
def uncertain(store):
    """Two reports of one company in one region that disagree on the sector: the resolver
    is unsure whether they are one project, so the pair goes to the queue."""
    omega(store, 1, "2023-01-01")
    omega(store, 2, "2024-01-01", sector="utilities", stage="agreement")
    return store


def test_uncertain_pair_is_queued_within_the_band(uncertain):
    q = review.queue(uncertain)
    assert q["total"] == 1
    [item] = q["items"]
    model = uncertain.resolver.model
    lo, hi = model.threshold + model.band[0], model.threshold + model.band[1]
    # merged with a linkage below the band's top, or kept apart: by a linkage above its
    # bottom, or by a hard contradiction alone (two sectors) with a score above threshold
    assert lo <= item["score"] and (item["score"] < hi or not item["merged"])
    assert {item["a"]["id"], item["b"]["id"]} == set(mention_ids(uncertain))
    assert item["merged"] == (project_of(uncertain, 1) == project_of(uncertain, 2))


def test_decisions_survive_reextract_and_rebuild_and_are_audited(uncertain):
    a, b = mention_of(uncertain, 1), mention_of(uncertain, 2)
    uncertain.decide("apart", a, b, who="boris")
    assert project_of(uncertain, 1) != project_of(uncertain, 2)
    uncertain.reextract(extract=fake_extract.fake_extract)
    uncertain.rebuild()
    assert project_of(uncertain, 1) != project_of(uncertain, 2)
    a, b = mention_of(uncertain, 1), mention_of(uncertain, 2)     # new rows after reextract
    res = uncertain.decide("merge", a, b, who="anna", note="same wind farm")
    assert res["projects"][a] == res["projects"][b]
    assert review.queue(uncertain)["total"] == 0            # decided: no longer uncertain
    uncertain.reextract(extract=fake_extract.fake_extract)  # new mention rows, same records
    assert project_of(uncertain, 1) == project_of(uncertain, 2)
    uncertain.rebuild(who="ops")
    assert project_of(uncertain, 1) == project_of(uncertain, 2)
    log = audit.entries(uncertain)
    assert [e["action"] for e in log][:2] == ["rebuild", "review.merge"]
    merge = log[1]
    assert merge["who"] == "anna" and merge["detail"]["note"] == "same wind farm"
    assert review.history(uncertain)[0]["action"] == "merge"


def test_keep_apart_and_split_hold_against_the_score(store):
    omega(store, 1, "2023-01-01")
    omega(store, 2, "2024-01-01", stage="agreement")
    omega(store, 3, "2024-06-01", stage="construction")
    assert len({project_of(store, n) for n in (1, 2, 3)}) == 1   # one project by the score
    store.decide("split", mention_of(store, 3), who="anna")
    assert project_of(store, 3) not in {project_of(store, 1), project_of(store, 2)}
    store.decide("apart", mention_of(store, 1), mention_of(store, 2), who="boris")
    assert project_of(store, 1) != project_of(store, 2)
    store.rebuild()
    store.reextract(extract=fake_extract.fake_extract)
    assert len({project_of(store, n) for n in (1, 2, 3)}) == 3
    # a later decision about the same pair wins
    store.decide("merge", mention_of(store, 1), mention_of(store, 2), who="anna")
    assert project_of(store, 1) == project_of(store, 2) != project_of(store, 3)


def test_decisions_refuse_bad_input(uncertain):
    with pytest.raises(ValueError):
        uncertain.decide("merge", mention_of(uncertain, 1))
    with pytest.raises(ValueError):
        uncertain.decide("fuse", 1, 2)
    with pytest.raises(KeyError):
        uncertain.decide("apart", 1, 99999)


def test_cli_review_lists_and_decides(uncertain, db_url, monkeypatch):
    runner, app = CliRunner(), make_app()
    res = runner.invoke(app, ["review", "list", "--json", "--db", db_url])
    assert res.exit_code == 0, res.output
    import json
    [item] = json.loads(res.stdout)["items"]
    a, b = item["a"]["id"], item["b"]["id"]
    res = runner.invoke(app, ["review", "apart", str(a), str(b), "--who", "anna", "--db", db_url])
    assert res.exit_code == 0 and "apart by anna" in res.stdout, res.output
    res = runner.invoke(app, ["review", "merge", str(a), str(b), "--who", "anna", "--db", db_url])
    assert res.exit_code == 0 and "merge by anna" in res.stdout, res.output
    res = runner.invoke(app, ["review", "log", "--db", db_url])
    assert "review.merge" in res.stdout
    assert runner.invoke(app, ["review", "merge", str(a), "--db", db_url]).exit_code == 2
    res = runner.invoke(app, ["resolve", "--explain", str(a), "--explain", str(b), "--db", db_url])
    assert res.exit_code == 0 and json.loads(res.stdout)["same_project"] is True
    res = runner.invoke(app, ["resolve", "--rebuild", "--db", db_url])
    assert res.exit_code == 0 and "mentions moved: 0" in res.stdout, res.output


def test_web_review_page_is_behind_the_write_token(uncertain):
    from fastapi.testclient import TestClient
    from kzinvest.web.app import create_app
    closed = TestClient(create_app(uncertain, tokens=[], cache_ttl=0))
    assert closed.get("/review").status_code == 403
    assert closed.get("/api/review").status_code == 403
    client = TestClient(create_app(uncertain, tokens=["s3cret"], cache_ttl=0))
    page = client.get("/review")
    assert page.status_code == 401 and 'action="/review/login"' in page.text
    assert client.post("/review/login", data={"token": "nope"}).status_code == 401
    assert client.get("/api/review").status_code == 401
    ok = client.post("/review/login", data={"token": "s3cret"}, follow_redirects=False)
    assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
    assert "samesite=strict" in ok.headers["set-cookie"].lower()
    page = client.get("/review")
    assert page.status_code == 200 and 'id="review-queue"' in page.text
    assert page.headers["cache-control"] == "no-store"
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    a, b = mention_of(uncertain, 1), mention_of(uncertain, 2)
    uncertain.decide("apart", a, b, who="setup")
    forged = client.post("/review/decide", data={"action": "merge", "a": a, "b": b,
                                                 "csrf": "0" * 32}, follow_redirects=False)
    assert forged.status_code == 403
    done = client.post("/review/decide", data={"action": "merge", "a": a, "b": b, "csrf": csrf,
                                               "name": "Анна", "note": "same"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/review?done=")
    assert project_of(uncertain, 1) == project_of(uncertain, 2)
    log = client.get("/review/log")
    assert log.status_code == 200 and "review.merge" in log.text and "Анна" in log.text
    auth = {"Authorization": "Bearer s3cret"}
    assert client.get("/api/review", headers=auth).json()["total"] == 0
    r = client.post("/api/review/decisions", headers=auth, json={"action": "split", "a": a})
    assert r.status_code == 200 and r.json()["action"] == "split"
    assert project_of(uncertain, 1) != project_of(uncertain, 2)
    assert client.post("/api/review/decisions", headers=auth,
                       json={"action": "merge", "a": a}).status_code == 422
    entries = client.get("/api/audit", headers=auth).json()["items"]
    assert entries[0]["action"] == "review.split" and entries[0]["who"].startswith("token:")
