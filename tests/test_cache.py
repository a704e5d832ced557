"""The disk cache of slow-to-build structures (kzinvest.cache): built once, read back, rebuilt
when what it is computed from changes, and never in the way when it cannot be used."""
from __future__ import annotations

import os
import stat

import pytest

from kzinvest.cache import cached


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KZINVEST_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "input.csv"
    path.write_text("a,b\n", encoding="utf-8")
    return path


def _counting(value):
    calls = []

    def build():
        calls.append(1)
        return value
    return build, calls


def test_built_once_then_read_back(folder, source):
    build, calls = _counting({"key": [1, 2]})
    assert cached("thing", build, lambda: [source]) == {"key": [1, 2]}
    assert cached("thing", build, lambda: [source]) == {"key": [1, 2]}
    assert len(calls) == 1
    assert len(list(folder.glob("thing-*.pickle"))) == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700     # the user's own, like __pycache__


def test_changed_input_rebuilds_and_drops_the_stale_entry(folder, source):
    build, calls = _counting(1)
    cached("thing", build, lambda: [source])
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    cached("thing", build, lambda: [source])
    assert len(calls) == 2
    assert len(list(folder.glob("thing-*.pickle"))) == 1


def test_damaged_entry_is_rebuilt(folder, source):
    build, calls = _counting("value")
    cached("thing", build, lambda: [source])
    entry, = folder.glob("thing-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cached("thing", build, lambda: [source]) == "value"
    assert len(calls) == 2


def test_off_never_writes(monkeypatch, tmp_path, source):
    monkeypatch.setenv("KZINVEST_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    build, calls = _counting(3)
    assert cached("thing", build, lambda: [source]) == 3
    assert cached("thing", build, lambda: [source]) == 3
    assert len(calls) == 2 and not (tmp_path / "xdg").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_folder_still_builds(folder, source):
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    build, calls = _counting(4)
    assert cached("thing", build, lambda: [source]) == 4


def test_place_automaton_from_cache_finds_the_same_places(folder):
    """The cached automaton answers as the freshly built one does."""
    from kzinvest.extract import places
    text = "Завод построят в Карагандинской области, под Темиртау."
    places._AUTO._auto = None          # built here (and written to this test's cache folder)
    fresh = [(p.start, p.end, p.kind) for p in places.find_places(text)]
    places._AUTO._auto = None          # the next look-up reads the entry written above
    assert list(folder.glob("places-*.pickle"))
    assert [(p.start, p.end, p.kind) for p in places.find_places(text)] == fresh
    assert fresh


def test_ner_tagger_from_cache_finds_the_same_organisations(folder):
    from kzinvest.extract import ner
    from kzinvest.extract.sentences import split_sentences
    text = "Компания Полипласт построит завод в Атырау вместе с Казахстанской нефтяной корпорацией."
    ner._tagger.cache_clear()
    fresh = ner.ner_org_spans(text, split_sentences(text))
    assert list(folder.glob("ner-tagger-*.pickle"))
    ner._tagger.cache_clear()          # the next call reads the entry written above
    assert ner.ner_org_spans(text, split_sentences(text)) == fresh
    assert fresh
