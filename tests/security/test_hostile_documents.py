"""Hostile documents, one by one: bombs, huge lines, deep nesting, odd scripts and numbers.
Each must end as a Document with verbatim evidence or as one reported failure, in bounded
time and memory; one bad document never costs the rest of the batch."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from kzinvest import extract_text
from kzinvest.limits import TimeLimitExceeded, run_with_limit
from kzinvest.sources.errors import InputError
from kzinvest.sources.files import iter_documents

from . import hostile

GOOD = ("Китайская компания Xinjiang Shutu Tecnology Co построит завод в Семее. Стоимость проекта "
        "составляет 50 миллионов долларов США. Будет создано 500 рабочих мест.")


def _gzip_stream(head: bytes, zeros: int) -> bytes:
    """One gzip member: `head` then `zeros` NUL bytes, compressed without holding them."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [z.compress(head)]
    block = b"\0" * (1 << 20)
    for _ in range(zeros >> 20):
        out.append(z.compress(block))
    out.append(z.flush())
    return b"".join(out)


def _bounded(fn, max_mb: float, max_s: float):
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        result = fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    took = time.monotonic() - t0
    assert took < max_s, f"{took:.1f} s"
    assert peak < max_mb * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"
    return result


# --- bombs -----------------------------------------------------------------------------------

def test_gzip_bomb_in_a_warc_record_is_cut_at_the_record_cap(tmp_path):
    from kzinvest.sources.warc import iter_warc
    size = 300 * 1024 * 1024                              # 300 MB of zeros, ~300 KB on disk
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % size)
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://bomb.example/\r\n"
            b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            b"Content-Length: %d\r\n\r\n" % (len(http) + size)) + http
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(_gzip_stream(head, size) + gzip.compress(b"\r\n\r\n"))
    assert path.stat().st_size < 2_000_000
    out = _bounded(lambda: list(iter_warc(str(path))), max_mb=120, max_s=60)
    assert [type(o) for o in out] == [InputError]
    assert "too large" in out[0].reason and out[0].source == "https://bomb.example/"


def test_gzip_bomb_as_a_file_is_refused_unread(tmp_path):
    path = tmp_path / "page.html"                      # a .html that is really gzip
    path.write_bytes(_gzip_stream(b"<html>", 100 * 1024 * 1024))
    [err] = _bounded(lambda: list(iter_documents([str(path)])), max_mb=20, max_s=5)
    assert isinstance(err, InputError) and err.reason == "binary file"


# When the limit fires while a garbage-collector callback runs (Hypothesis installs one), Python
# reports the swallowed abort as "Exception ignored"; the watchdog fires again (limits.py).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_html_bomb_ends_in_time(tmp_path, monkeypatch):
    monkeypatch.setenv("KZINVEST_DOC_TIMEOUT", "4")
    path = tmp_path / "bomb.html"
    path.write_text("<html><body>" + "<div><p>x</p><span>y</span></div>" * 150_000 + "</body></html>")
    t0 = time.monotonic()
    [out] = list(iter_documents([str(path)]))
    assert time.monotonic() - t0 < 15
    # Either cleaned in time or reported as one failure; never a crash or a hang.
    assert isinstance(out, InputError) and out.source == str(path) or out.text is not None


@pytest.mark.parametrize("depth", [300, 5_000, 100_000])
def test_deeply_nested_html(tmp_path, depth):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * depth + f"<p>{GOOD}</p>" + "</div>" * depth)
    [out] = _bounded(lambda: list(iter_documents([str(path)])), max_mb=400, max_s=30)
    if isinstance(out, InputError):
        assert out.reason in ("no article text found", "document too deeply nested")
    else:
        for r in extract_text(out.text):
            assert all(e in out.text for e in r.evidence)


# --- long, odd and numeric text -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "\u202eКитайская компания Xinjiang Shutu\u202c построит завод в Семее.\u200f Стоимость проекта "
    "составляет 50\u200b миллионов долларов США. Будет создано 5\u200d00 рабочих мест.",
    "Компания \u05e2\u05d1\u05e8\u05d9\u05ea Alpha 株式会社 𝔄𝔩𝔭𝔥𝔞 построит завод в Актобе за 1,5 трлн "
    "тенге. 🏭 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 Будет создано 300 рабочих мест.",
    "Китайская компания Xinjiang Shutu построит завод в Семее. Стоимость проекта составляет "
    + "9" * 400 + " миллионов долларов США. Будет создано " + "9" * 400 + " рабочих мест.",
    "Китайская компания Xinjiang Shutu построит завод в Семее стоимостью "
    + " ".join(["999"] * 134) + " долларов, будет создано 9 999 999 999 рабочих мест.",
    "\ufeff\u00adКомпания\u2060 «Альфа» построит\u00a0завод в Караганде за 20 млрд ₸.\u2028Создано 100 мест.",
    GOOD.replace(" ", "\u200b \u200b"),
])
def test_odd_scripts_and_numbers_keep_evidence_verbatim(text):
    from kzinvest.model import Document
    hostile.check_extract(Document(source="odd.txt", text=text))


def test_ten_megabyte_single_line_is_one_reported_failure_or_records(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b-line.txt").write_text(("Завод " + "а" * 60 + " ") * (10_000_000 // 68), encoding="utf-8")
    env = {**os.environ, "KZINVEST_DOC_TIMEOUT": "3"}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kzinvest.cli", "extract", str(folder), "--jsonl"],
                          capture_output=True, text=True, env=env, timeout=300)
    took = time.monotonic() - t0
    assert '"investor": "Xinjiang Shutu Tecnology Co"' in proc.stdout, proc.stderr
    if proc.returncode:
        [line] = proc.stderr.strip().splitlines()
        assert line.startswith(f"error {folder / 'b-line.txt'}: ") and "took longer than 3 s" in line
    assert took < 120


# --- the per-document time limit -------------------------------------------------------------------

def _spin(*_):
    while True:
        pass


def test_time_limit_stops_a_python_loop_and_reports_it():
    t0 = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="extraction took longer than 0.5 s"):
        run_with_limit(_spin, seconds=0.5, what="extraction")
    assert time.monotonic() - t0 < 2


def test_time_limit_survives_except_exception_fallbacks():
    def swallowing():
        while True:
            try:
                _spin()
            except Exception:       # the pipeline's "never take the batch down" fallbacks
                pass

    with pytest.raises(TimeLimitExceeded):
        run_with_limit(swallowing, seconds=0.3)


def test_time_limit_fires_again_when_the_first_abort_is_swallowed():
    """An exception arriving inside a garbage-collector callback or __del__ is swallowed by
    Python; the watchdog raises it again until the block stops."""
    swallowed = []

    def swallow_once():
        try:
            _spin()
        except BaseException as exc:       # what "Exception ignored in ..." amounts to
            swallowed.append(type(exc).__name__)
        _spin()

    t0 = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        run_with_limit(swallow_once, seconds=0.3)
    assert swallowed == ["_Abort"] and time.monotonic() - t0 < 3
    time.sleep(1)                            # and nothing fires after the block has ended


def test_time_limit_works_in_worker_threads_and_does_not_leak():
    result = {}

    def worker():
        try:
            run_with_limit(_spin, seconds=0.3)
        except TimeLimitExceeded as exc:
            result["err"] = str(exc)
        result["after"] = run_with_limit(lambda: sum(range(1000)), seconds=0.3)
        time.sleep(0.5)                      # a withdrawn timer must not fire later
        result["still"] = "alive"

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert "took longer" in result["err"] and result["after"] == 499500 and result["still"] == "alive"
    run_with_limit(lambda: None, seconds=0.2)
    time.sleep(0.4)                          # no stray exception arrives afterwards


def test_limits_start_no_thread_per_call():
    """One watchdog thread serves every limit: a thread started and ended per document
    deadlocked a Dask worker whose profiler read sys._current_frames() (CPython
    gh-106883)."""
    started = []
    real_start = threading.Thread.start

    def counting_start(self):
        started.append(self.name)
        real_start(self)

    run_with_limit(lambda: None, seconds=5)       # the watchdog exists from here on
    threading.Thread.start = counting_start
    try:
        for _ in range(200):
            run_with_limit(lambda: None, seconds=5)
        with pytest.raises(TimeLimitExceeded):
            run_with_limit(_spin, seconds=0.1)
    finally:
        threading.Thread.start = real_start
    assert started == []
    assert [t.name for t in threading.enumerate()].count("kzinvest-watchdog") == 1


def test_no_abort_ever_escapes_a_limit_that_ends_as_it_fires():
    """Thousands of limits that end right when they fire: each call returns or raises
    TimeLimitExceeded, and no abort arrives later in code outside any limit."""
    import random
    rnd = random.Random(7)

    def work(n):
        return sum(range(n))

    outcomes = {"ok": 0, "timeout": 0}
    for _ in range(1500):
        try:
            # sizes around the limits on a slow machine and well past them on a fast one, so
            # both outcomes occur wherever the test runs
            n = rnd.randint(1000, 300_000) if rnd.random() < 0.9 else rnd.randint(1_000_000, 2_000_000)
            run_with_limit(work, n, seconds=rnd.choice([5e-4, 1e-3, 2e-3]))
            outcomes["ok"] += 1
        except TimeLimitExceeded:
            outcomes["timeout"] += 1
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1:         # an escaped abort would raise here
        work(1000)
    assert outcomes["ok"] and outcomes["timeout"]


def test_ingest_reports_a_pathological_document_and_keeps_the_others(tmp_path, monkeypatch):
    from kzinvest.extract import projects
    from kzinvest.registry.store import open_store
    real = projects.extract_records

    def extract_records(doc):
        if "ПАТОЛОГИЯ" in doc.text:
            _spin()
        return real(doc)

    from kzinvest.model import Document
    real(Document(source="warm.txt", text=GOOD))          # models loaded outside the limit
    monkeypatch.setattr(projects, "extract_records", extract_records)
    monkeypatch.setenv("KZINVEST_DOC_TIMEOUT", "3")
    for i, text in enumerate([GOOD, "ПАТОЛОГИЯ. " + GOOD, GOOD.replace("Семее", "Актобе")]):
        (tmp_path / f"{i}.txt").write_text(text, encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    errors = []
    try:
        s = store.ingest([str(tmp_path / f"{i}.txt") for i in range(3)],
                         on_error=lambda src, why: errors.append((src, why)))
        assert (s.documents_new, s.documents_failed) == (2, 1), errors
        assert errors == [(str(tmp_path / "1.txt"), "extraction took longer than 3 s "
                           "(pathological input? limit: KZINVEST_DOC_TIMEOUT)")]
        assert store.counts()["documents"] == 2
    finally:
        store.close()
