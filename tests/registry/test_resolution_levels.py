"""Comparison levels that decide recall on multi-article stories: blocking keys of a group's
local firm, joint ventures reported under either partner, and groups with many ventures."""
from __future__ import annotations

from kzinvest.registry.features import assign_partners, features, own_keys, squash_keys
from kzinvest.registry.scoring import levels, supports


def _feat(mid, doc, investor, evidence="", amount=None, sector="chemicals", region="KZ-23",
          city=None):
    row = {"id": mid, "document_id": doc, "ordinal": 0, "investor": investor,
           "investor_country": None, "region": region, "city": city, "sector": sector,
           "amount_usd": amount, "jobs": None, "stage": "construction", "date": "2024-01-01",
           "evidence": [{"text": evidence}] if evidence else [], "extra": {},
           "project_id": None, "block": None, "company_id": None}
    return features(row, f"doc{doc}")


def test_a_run_together_group_name_before_a_place_meets_the_group():
    assert "kazminerals" in squash_keys("kazminerals aktogai")
    local = _feat(1, 1, "KAZMinerals Aktogay", sector="mining", region="KZ-10")
    group = _feat(2, 2, "KAZ Minerals", sector="mining", region=None)
    assert own_keys(local) & own_keys(group)


def test_partners_naming_each_other_are_mutual_one_way_is_mentioned():
    a = _feat(1, 1, "Tatneft", "Татнефть и Казмунайгаз построят завод бутадиена в Атырау.")
    b = _feat(2, 2, "Казмунайгаз", "Казмунайгаз и Татнефть подписали соглашение о заводе.")
    c = _feat(3, 3, "Sinopec", "Sinopec войдет в капитал завода.")
    d = _feat(4, 4, "Сибур", "Сибур и Sinopec обсудили проект.")
    assign_partners([a, b, c, d])
    assert levels(a, b)["name"] == "mutual"
    assert levels(c, d)["name"] == "mentioned"


def test_a_group_with_many_ventures_names_no_venture_without_the_same_amount():
    # КазМунайГаз is linked above several companies (company_links.csv): a hub
    a = _feat(1, 1, "КазМунайГаз")
    b = _feat(2, 2, "КМГ")
    c = _feat(3, 3, "КазМунайГаз", amount=1.0e9)
    d = _feat(4, 4, "КМГ", amount=1.1e9)
    assign_partners([a, b, c, d])
    assert a.hubs and b.hubs
    lv = levels(a, b)
    assert lv["name"] == "hub" and not supports(lv)
    lv = levels(c, d)
    assert lv["name"] == "hub" and lv["amount"] == "close" and supports(lv)


def test_two_towns_of_one_district_are_no_contradiction_two_districts_are():
    from kzinvest.registry.scoring import hard_contradiction
    mine = _feat(1, 1, "KAZ Minerals Aktogay", sector="mining", region="KZ-10", city="Актогай")
    centre = _feat(2, 2, "KAZ Minerals Aktogay", sector="mining", region="KZ-10", city="Аягоз")
    far = _feat(3, 3, "KAZ Minerals Aktogay", sector="mining", region="KZ-10", city="Семей")
    assert mine.district == centre.district == "Аягозский"
    assert levels(mine, centre)["city"] == "district" and not hard_contradiction(levels(mine, centre))
    assert levels(mine, far)["city"] == "ne" and hard_contradiction(levels(mine, far))


def test_two_towns_are_no_contradiction_when_the_same_investor_repeats_the_figures():
    from kzinvest.registry.scoring import hard_contradiction
    plant = _feat(1, 1, "KIA", sector="automotive", region="KZ-39", city="Костанай", amount=2.4e8)
    again = _feat(2, 2, "KIA", sector="automotive", region="KZ-39", city="Аркалык", amount=2.5e8)
    bare = _feat(3, 3, "KIA", sector="automotive", region="KZ-39", city="Аркалык")
    other = _feat(4, 4, "Hyundai", sector="automotive", region="KZ-39", city="Аркалык", amount=2.5e8)
    assert levels(plant, again)["city"] == "ne" and not hard_contradiction(levels(plant, again))
    assert hard_contradiction(levels(plant, bare))
    lv = levels(plant, other)
    assert lv is None or hard_contradiction(lv)
