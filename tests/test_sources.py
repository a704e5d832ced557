"""iter_documents: files, folders, JSON/JSONL, and one clear error per bad input."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kzinvest.model import Document
from kzinvest.sources import InputError, iter_documents
from kzinvest.sources.files import looks_like_html

SHARED = Path(__file__).parents[2] / "shared" / "dev" / "articles"
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared seed articles absent")

GOOD = ("Китайская компания построит в Таразе завод по выпуску стекла. "
        "Инвестиции составят 20 млрд тенге, появится 300 рабочих мест.\n")


def _split(items):
    docs = [x for x in items if isinstance(x, Document)]
    errs = [x for x in items if isinstance(x, InputError)]
    assert len(docs) + len(errs) == len(items)
    return docs, errs


def test_input_error_forms():
    e = InputError("a.txt", "empty file")
    assert (e.source, e.reason, str(e)) == ("a.txt", "empty file", "a.txt: empty file")
    e = InputError("binary file")
    assert (e.source, e.reason, str(e)) == (None, "binary file", "binary file")
    assert str(e.with_source("b.bin")) == "b.bin: binary file"
    assert InputError(reason="x", source="y") == InputError("y", "x")


def test_plain_files_source_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(GOOD, encoding="utf-8")
    Path("b.htm").write_text(f"<html><body><article><p>{GOOD}</p></article></body></html>",
                             encoding="utf-8")
    docs, errs = _split(list(iter_documents(["a.txt", "./b.htm"])))
    assert not errs
    assert [d.source for d in docs] == ["a.txt", "./b.htm"]
    assert [d.content_type for d in docs] == ["text", "html"]
    assert all("Таразе" in d.text and d.raw_text for d in docs)


def test_folder_recursive_sorted_hidden_and_unknown_skipped(tmp_path):
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "b" / "2.txt").write_text(GOOD, encoding="utf-8")
    (root / "1.md").write_text(GOOD, encoding="utf-8")
    (root / "c.txt").write_text(GOOD, encoding="cp1251")
    (root / ".hidden.txt").write_text(GOOD, encoding="utf-8")
    (root / ".git" / "x.txt").write_text(GOOD, encoding="utf-8")
    (root / "notes.docx").write_bytes(b"PK\x03\x04junk")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    folder = str(root) + "/"
    docs, errs = _split(list(iter_documents([folder])))
    assert not errs
    assert [d.source for d in docs] == [
        os.path.join(folder, "1.md"), os.path.join(folder, "b", "2.txt"),
        os.path.join(folder, "c.txt")]
    assert docs[2].encoding == "cp1251" and "Таразе" in docs[2].text


def test_html_meta_charset_is_a_hint(tmp_path):
    page = tmp_path / "win.html"
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            f"</head><body><article><h1>Завод в Таразе</h1><p>{GOOD}</p></article></body></html>")
    page.write_bytes(html.encode("cp1251"))
    [doc] = list(iter_documents([str(page)]))
    assert isinstance(doc, Document) and doc.encoding == "cp1251"
    assert "Китайская компания построит в Таразе" in doc.text


def test_unknown_extension_given_explicitly_is_sniffed(tmp_path):
    page = tmp_path / "page.php"
    page.write_text(f"<!DOCTYPE html><html><body><p>{GOOD}</p></body></html>", encoding="utf-8")
    plain = tmp_path / "note"
    plain.write_text(GOOD, encoding="utf-8")
    docs, errs = _split(list(iter_documents([str(page), str(plain)])))
    assert not errs
    assert [d.content_type for d in docs] == ["html", "text"]
    assert "<p>" not in docs[0].text


def test_bad_inputs_each_yield_one_error_and_batch_goes_on(tmp_path):
    d = tmp_path
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (d / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (d / "nul.txt").write_bytes(b"abc\x00def\x00" * 50)
    (d / "good.txt").write_text(GOOD, encoding="utf-8")
    (d / "dangling.txt").symlink_to(d / "nowhere.txt")
    (d / "folder.txt").mkdir()
    names = ["empty.txt", "blank.txt", "photo.txt", "nul.txt", "missing.txt", "good.txt",
             "dangling.txt"]
    items = list(iter_documents([str(d / n) for n in names]))
    docs, errs = _split(items)
    assert [x.source for x in docs] == [str(d / "good.txt")]
    reasons = {Path(e.source).name: e.reason for e in errs}
    assert reasons == {
        "empty.txt": "empty file", "blank.txt": "empty file", "photo.txt": "binary file",
        "nul.txt": "binary file", "missing.txt": "no such file or directory",
        "dangling.txt": "broken symbolic link"}
    for e in errs:
        assert str(e).startswith(e.source + ": ") and "\n" not in str(e)


def test_folder_with_unreadable_entries(tmp_path):
    root = tmp_path / "batch"
    root.mkdir()
    (root / "a.txt").write_text(GOOD, encoding="utf-8")
    (root / "b.txt").symlink_to(root / "gone.txt")
    (root / "c.txt").write_bytes(b"")
    (root / "d.txt").write_text(GOOD, encoding="utf-8")
    locked = root / "e.txt"
    locked.write_text(GOOD, encoding="utf-8")
    locked.chmod(0)
    try:
        items = list(iter_documents([str(root)]))
    finally:
        locked.chmod(0o644)
    docs, errs = _split(items)
    assert {Path(x.source).name for x in docs} >= {"a.txt", "d.txt"}
    reasons = {Path(e.source).name: e.reason for e in errs}
    assert reasons["b.txt"] == "broken symbolic link"
    assert reasons["c.txt"] == "empty file"
    if os.geteuid() != 0:  # root reads anything
        assert reasons["e.txt"] == "permission denied"


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "x.txt").mkdir()
    items = list(iter_documents([str(tmp_path / "x.txt")]))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].source == str(tmp_path / "x.txt")


def test_too_large_file_rejected_fast_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 52.4 MB, sparse: fast to make
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")

    real_open = open

    def guarded_open(path, *a, **k):
        assert os.fspath(path) != str(big), "the big file must not be opened"
        return real_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", guarded_open)
    t0 = time.monotonic()
    items = list(iter_documents([str(big), str(good)]))
    assert time.monotonic() - t0 < 2
    assert isinstance(items[0], InputError)
    assert str(items[0]) == f"{big}: file too large (52.4 MB > 20 MB)"
    assert isinstance(items[1], Document)


def test_max_bytes_parameter(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(GOOD, encoding="utf-8")
    [err] = list(iter_documents([str(f)], max_bytes=10))
    assert isinstance(err, InputError) and err.reason.startswith("file too large")


def test_jsonl_fixture(tmp_path):
    src = str(FIXTURES / "items.jsonl")
    docs, errs = _split(list(iter_documents([src])))
    assert [d.source for d in docs] == [f"{src}:1", f"{src}:5"]
    assert docs[0].title == "Ветропарк в Ерейментау"
    assert docs[0].published == "2022-06-12"
    assert docs[0].url == "https://example.kz/a"
    assert docs[1].content_type == "html" and docs[1].published == "2021-02-03"
    assert "Костанае" in docs[1].text and "<p>" not in docs[1].text
    assert [(e.source, e.reason.split(":")[0]) for e in errs] == [(src, "line 2"), (src, "line 3")]
    assert errs[0].reason.startswith("line 2: not JSON: ")
    assert errs[1].reason == 'line 3: no "text" or "html" field'


def test_json_fixture():
    src = str(FIXTURES / "items.json")
    docs, errs = _split(list(iter_documents([src])))
    assert [d.source for d in docs] == [f"{src}:#1", f"{src}:#3"]
    assert docs[0].published == "2020-03-01"
    assert docs[1].content_type == "html" and "ферросплавов" in docs[1].text
    assert [str(e) for e in errs] == [f'{src}: item #2: no "text" or "html" field']


def test_json_single_object_and_broken_json(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"text": "%s", "published": "2024-05-06"}' % GOOD.strip(), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"text": "abc", ', encoding="utf-8")
    docs, errs = _split(list(iter_documents([str(one), str(broken)])))
    assert [d.source for d in docs] == [str(one)] and docs[0].published == "2024-05-06"
    assert len(errs) == 1 and errs[0].reason.startswith("not JSON: ")


def test_fixture_folder():
    docs, errs = _split(list(iter_documents([str(FIXTURES)])))
    names = {Path(d.source.split(":")[0]).name for d in docs}
    assert names == {"article.txt", "page.html", "items.json", "items.jsonl"}
    assert len(errs) == 3


def test_looks_like_html():
    assert looks_like_html("<!DOCTYPE html><html>")
    assert looks_like_html("  <html lang='ru'><body>x")
    assert looks_like_html("<div class='a'><p>Текст</p></div>")
    assert not looks_like_html("Компания построит завод. 5 < 7 и 8 > 3.")


@needs_shared
def test_seed_folder(tmp_path):
    docs, errs = _split(list(iter_documents([str(SHARED)])))
    assert not errs
    assert len(docs) == len(list(SHARED.glob("*.txt"))) + len(list(SHARED.glob("*.html")))
    by_name = {Path(d.source).name: d for d in docs}
    assert by_name["dev-131.txt"].encoding == "cp1251" and "Бадам" in by_name["dev-131.txt"].text
    assert by_name["dev-132.txt"].encoding == "koi8-r"
    html = by_name["dev-133.html"]
    assert html.content_type == "html" and html.published == "2024-12-12"
    assert "ASMA INDUSTRIAL" in html.text


@needs_shared
def test_seed_copy_in_mixed_batch(tmp_path):
    shutil.copy(SHARED / "dev-131.txt", tmp_path / "a.txt")
    (tmp_path / "b.txt").write_bytes(b"")
    docs, errs = _split(list(iter_documents([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])))
    assert len(docs) == 1 and len(errs) == 1 and errs[0].reason == "empty file"
