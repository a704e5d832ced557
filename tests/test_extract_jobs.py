"""`kzinvest extract --jobs N` end to end: the same records, in the same order, as one process,
and a bad file reported on one line while the rest of the batch goes on."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _extract(paths: list[str], out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzinvest.cli", "extract", *paths, "--jsonl",
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=300)


def test_two_workers_give_the_records_of_one_process(tmp_path):
    articles = sorted(str(p) for p in (HERE / "data" / "articles").iterdir())[:12]
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    paths = articles[:6] + [str(bad)] + articles[6:]
    one, two = _extract(paths, tmp_path / "one.jsonl"), _extract(paths, tmp_path / "two.jsonl",
                                                                  "--jobs", "2")
    assert one.returncode == two.returncode == 1          # the broken file fails the run ...
    for proc in (one, two):
        errors = [line for line in proc.stderr.splitlines() if "error" in line]
        assert len(errors) == 1 and "broken.json" in errors[0]
    records = (tmp_path / "one.jsonl").read_text(encoding="utf-8")
    assert records.count("\n") >= 10                      # ... and the others are extracted
    assert (tmp_path / "two.jsonl").read_text(encoding="utf-8") == records
