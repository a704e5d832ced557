"""Inputs split into units (registry/units.py) read back exactly what the single-process
ingest reads: the same documents and errors, in the same order, whether the workers read
the files themselves or get the bytes shipped by the client."""
from __future__ import annotations

import json

import pytest

from kzinvest.model import Document
from kzinvest.registry.ingest import iter_inputs
from kzinvest.registry.units import attach_bytes, plan, read_unit

from registry.test_sources import make_warc, pages  # tests/ is on sys.path (rootdir)


def flat(items):
    out = []
    for x in items:
        if isinstance(x, Document):
            out.append(("doc", x.source, x.url, x.title, x.published, x.text, x.raw_text,
                        x.content_type, x.encoding, x.path))
        else:
            out.append(("error",) + (tuple(x) if isinstance(x, tuple) else (x.source, x.reason)))
    return out


def via_units(inputs, ship: bool, **kw):
    items = []
    for u in plan(inputs, **kw):
        items += read_unit(attach_bytes(u) if ship else u)
    return items


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    for i in range(5):
        (folder / f"a{i}.txt").write_text(f"ТОО «Фирма{i}» построит завод в Семее.", encoding="utf-8")
    (folder / "sub" / "p.html").write_text("<html><body><p>АО «Бета» запустила цех в Актобе.</p>"
                                           "</body></html>", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    lines = [json.dumps({"text": f"Компания Гамма{i} откроет склад в Алматы.",
                         "url": f"https://x.kz/{i}"}, ensure_ascii=False) for i in range(23)]
    lines[7] = "{broken"
    lines[12] = ""
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    make_warc(tmp_path / "crawl.warc.gz", pages(9), gz=True)
    make_warc(tmp_path / "plain.warc", pages(4), gz=False)
    (tmp_path / "nofiles").mkdir()
    return [str(folder), str(tmp_path / "dump.jsonl"), str(tmp_path / "crawl.warc.gz"),
            str(tmp_path / "plain.warc"), str(tmp_path / "missing.txt"), str(tmp_path / "nofiles")]


@pytest.mark.parametrize("ship", [False, True])
def test_units_read_what_one_process_reads(inputs, ship):
    expected = flat(iter_inputs(inputs))
    units = list(plan(inputs, files_per_unit=2, lines_per_unit=5, warc_bytes=1))
    kinds = [u.kind for u in units]
    assert kinds.count("lines") == 5 and kinds.count("warc") >= 10 and "files" in kinds
    assert [u.number for u in units] == list(range(len(units)))
    got = flat(via_units(inputs, ship, files_per_unit=2, lines_per_unit=5, warc_bytes=1))
    assert got == expected
    assert sum(1 for x in got if x[0] == "doc") == 5 + 1 + 21 + 9 + 4


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_archive_reads_as_in_one_process(tmp_path, damage):
    good = tmp_path / "good.warc.gz"
    make_warc(good, pages(6), gz=True)
    data = good.read_bytes()
    bad = tmp_path / "bad.warc.gz"
    if damage == "truncated":
        bad.write_bytes(data[:len(data) * 2 // 3])
    else:
        mid = len(data) // 2
        bad.write_bytes(data[:mid] + b"\x00garbage\x00" * 8 + data[mid:])
    got = flat(via_units([str(bad)], False, warc_bytes=1))
    assert got == flat(iter_inputs([str(bad)]))
    assert any(x[0] == "error" for x in got) and any(x[0] == "doc" for x in got)
